#!/usr/bin/python3
"""Plot inference latency CDFs per service and region from one or several rcnsim runs.

Reads latency_cdf.csv (service, region, metric, quantile, seconds: the 1%..99% quantiles
of time to first token and end-to-end latency) and draws one curve per service and
region (per run, when several are given), on a log time axis, with the SLO as a line.

Example:
  build/rcnsim run scenarios/regional/azure-code-two-regions.yaml -o out/azure
  python3 analysis/plot_latency_cdf.py out/azure --metric e2e -o latency.png
  python3 analysis/plot_latency_cdf.py out/a out/b --metric ttft --slo 0.5 -o ttft.pdf
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
    parser.add_argument("--metric", choices=["ttft", "tpot", "e2e"], default="e2e", help="which latency")
    parser.add_argument("--slo", type=float, help="draw an SLO line at this many seconds")
    parser.add_argument("-o", "--output", default="latency_cdf.png", help="PNG, PDF or SVG to write")
    args = parser.parse_args(argv)
    fig, ax = plt.subplots(figsize=(7, 4))
    curves = 0
    for run in args.runs:
        path = os.path.join(run, "latency_cdf.csv")
        try:
            df = pd.read_csv(path)
        except OSError as e:
            print(f"plot_latency_cdf.py: {e} (a run without inference services has none)", file=sys.stderr)
            return 2
        df = df[df["metric"] == args.metric]
        for (service, region), rows in df.groupby(["service", "region"], sort=False):
            name = f"{service} / {region}" if len(args.runs) == 1 else f"{os.path.basename(os.path.normpath(run))}: {service} / {region}"
            ax.plot(rows["seconds"], 100 * rows["quantile"], label=name)
            curves += 1
    if curves == 0:
        print("plot_latency_cdf.py: no latency data in these runs", file=sys.stderr)
        return 2
    if args.slo:
        ax.axvline(args.slo, color="red", linestyle="--", label=f"SLO {args.slo:g} s")
    ax.set_xscale("log")
    ax.set_xlabel({"ttft": "time to first token", "tpot": "time per output token", "e2e": "end-to-end latency"}[args.metric] + " (s)")
    ax.set_ylabel("requests (%)")
    ax.grid(alpha=0.3, which="both")
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(args.output, dpi=150)
    print(f"wrote {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
