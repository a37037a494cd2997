#!/usr/bin/python3
"""Plot GPU utilisation per site over time from one or several rcnsim runs.

Reads utilisation.csv (time_s, site, busy_gpus, utilisation: a step function) from each
results folder and draws one line per site (per run, when several are given).

Example:
  build/rcnsim run scenarios/tutorial/02-center-and-nodes.yaml -o out/t2
  python3 analysis/plot_utilisation.py out/t2 -o utilisation.png
  python3 analysis/plot_utilisation.py out/t2 out/t3 -o compare.pdf --days
"""
import argparse
import os
import sys

try:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt  # noqa: E402
    import pandas as pd  # noqa: E402
except ModuleNotFoundError as missing:
    sys.exit(f"{sys.argv[0]}: needs matplotlib and pandas ({missing}); run it with Debian's /usr/bin/python3 "
             "(./build.sh installs python3-matplotlib and python3-pandas)")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], epilog=__doc__.split("\n\n", 2)[2],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("runs", nargs="+", help="results folders written by `rcnsim run -o`")
    parser.add_argument("-o", "--output", default="utilisation.png", help="PNG, PDF or SVG to write")
    parser.add_argument("--days", action="store_true", help="time axis in days (default: hours)")
    args = parser.parse_args(argv)
    unit, label = (86400.0, "days") if args.days else (3600.0, "hours")
    fig, ax = plt.subplots(figsize=(9, 4))
    for run in args.runs:
        path = os.path.join(run, "utilisation.csv")
        try:
            df = pd.read_csv(path)
        except OSError as e:
            print(f"plot_utilisation.py: {e}", file=sys.stderr)
            return 2
        for site, rows in df.groupby("site", sort=False):
            name = site if len(args.runs) == 1 else f"{os.path.basename(os.path.normpath(run))}: {site}"
            ax.step(rows["time_s"] / unit, 100 * rows["utilisation"], where="post", label=name)
    ax.set_xlabel(f"simulated time ({label})")
    ax.set_ylabel("busy GPUs (%)")
    ax.set_ylim(0, 105)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(args.output, dpi=150)
    print(f"wrote {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
