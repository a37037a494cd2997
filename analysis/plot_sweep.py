#!/usr/bin/env python3
"""Plot one metric of a sweep against one parameter, with 95% confidence intervals.

Reads sweep.csv written by `rcnsim sweep` (one row per point: parameters, n, then
<metric>_mean and <metric>_ci95). One line per value of --group (for example a policy or
a spare count), error bars from the confidence half-widths. Goodput against failure
rate and a policy comparison are both this plot.

Example:
  build/rcnsim sweep scenarios/sweeps/failure-scale.yaml -j 2
  python3 analysis/plot_sweep.py sweep-results/failure-scale/sweep.csv --x failures.scale \\
      --metric mean_goodput --group sites.center.clusters.main.spares -o goodput.png
  python3 analysis/plot_sweep.py sweep.csv --list      # parameters and metrics in the file
"""
import argparse
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], epilog=__doc__.split("\n\n", 2)[2],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("sweep_csv", help="sweep.csv from `rcnsim sweep`")
    parser.add_argument("--x", help="parameter on the horizontal axis")
    parser.add_argument("--metric", default="mean_goodput", help="metric name without _mean/_ci95")
    parser.add_argument("--group", help="parameter whose values get one line each")
    parser.add_argument("--list", action="store_true", help="print the parameters and metrics and stop")
    parser.add_argument("-o", "--output", default="sweep.png", help="PNG, PDF or SVG to write")
    args = parser.parse_args(argv)
    try:
        df = pd.read_csv(args.sweep_csv)
    except OSError as e:
        print(f"plot_sweep.py: {e}", file=sys.stderr)
        return 2
    metrics = sorted({c[:-5] for c in df.columns if c.endswith("_mean")})
    params = [c for c in df.columns[1:] if c != "n" and not c.endswith(("_mean", "_ci95"))]
    if args.list:
        print("parameters:", ", ".join(params))
        print("metrics:", ", ".join(metrics))
        return 0
    x = args.x or (params[0] if params else None)
    if x not in params or args.metric not in metrics or (args.group and args.group not in params):
        print(f"plot_sweep.py: choose --x from {params}, --metric from {metrics}, --group from {params}",
              file=sys.stderr)
        return 2
    fig, ax = plt.subplots(figsize=(7, 4))
    groups = df.groupby(args.group, sort=False) if args.group else [(None, df)]
    for value, rows in groups:
        rows = rows.sort_values(x)
        label = f"{args.group} = {value}" if args.group else args.metric
        ax.errorbar(rows[x], rows[args.metric + "_mean"], yerr=rows[args.metric + "_ci95"], marker="o",
                    capsize=4, label=label)
    ax.set_xlabel(x)
    ax.set_ylabel(f"{args.metric} (mean, 95% CI over seeds)")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(args.output, dpi=150)
    print(f"wrote {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
