#!/usr/bin/python3
"""Plot one metric of a sweep against one parameter, with 95% confidence intervals.

Reads sweep.csv written by `rcnsim sweep` (one row per point: parameters, n, then
<metric>_mean and <metric>_ci95). A numeric parameter (failure scale, spares) gives one
line per value of --group; a categorical one (a policy, a variant) gives bars in the
sweep's own order, each with its error bar. Needs Debian's /usr/bin/python3 (matplotlib,
pandas: ./build.sh installs them).

Example:
  build/rcnsim sweep scenarios/sweeps/failure-scale.yaml -j 2
  python3 analysis/plot_sweep.py sweep-results/failure-scale/sweep.csv --x failures.scale \\
      --metric mean_goodput --group sites.center.clusters.main.spares -o goodput.png
  python3 analysis/plot_sweep.py sweep.csv --list      # parameters and metrics in the file
"""
import argparse
import sys

try:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt  # noqa: E402
    import pandas as pd  # noqa: E402
except ModuleNotFoundError as missing:
    sys.exit(f"{sys.argv[0]}: needs matplotlib and pandas ({missing}); run it with Debian's /usr/bin/python3 "
             "(./build.sh installs python3-matplotlib and python3-pandas)")

# sweep.csv's metric names, as the axis says them (docs/sweeps.md lists every metric).
READABLE = {
    "jobs_finished": "jobs finished",
    "mean_queue_wait_s": "mean queue wait (s)",
    "mean_time_to_train_s": "mean time to train (s)",
    "mean_goodput": "mean goodput",
    "interruptions": "interruptions",
    "gpu_hours_busy": "busy GPU-hours",
    "utilisation": "GPU utilisation",
    "energy_kwh": "energy (kWh)",
    "cost": "power cost",
    "carbon_kg": "CO2e (kg)",
    "slo_attainment_min": "lowest SLO attainment",
    "tco_total": "total cost of ownership",
    "simulated_end_s": "simulated time (s)",
}


def readable(metric):
    return READABLE.get(metric, metric.replace("_", " "))


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
    mean, ci = args.metric + "_mean", args.metric + "_ci95"
    if pd.api.types.is_numeric_dtype(df[x]):
        groups = df.groupby(args.group, sort=False) if args.group else [(None, df)]
        for value, rows in groups:
            rows = rows.sort_values(x)
            label = f"{args.group} = {value}" if args.group else readable(args.metric)
            ax.errorbar(rows[x], rows[mean], yerr=rows[ci], marker="o", capsize=4, label=label)
        ax.legend(fontsize=8)
    else:  # categories (policies, variants): bars in the sweep's order, never joined by a line
        groups = list(df.groupby(args.group, sort=False)) if args.group else [(None, df)]
        categories = list(dict.fromkeys(df[x]))  # first appearance: the order of the sweep file
        width = 0.8 / len(groups)
        for k, (value, rows) in enumerate(groups):
            rows = rows.set_index(x).reindex(categories)
            positions = [i + (k - (len(groups) - 1) / 2) * width for i in range(len(categories))]
            ax.bar(positions, rows[mean], width, yerr=rows[ci], capsize=4,
                   label=f"{args.group} = {value}" if args.group else None)
        ax.set_xticks(range(len(categories)))
        ax.set_xticklabels(categories, rotation=30 if len(categories) > 4 else 0, ha="right" if len(categories) > 4 else "center")
        if args.group:
            ax.legend(fontsize=8)
    ax.set_xlabel(x)
    ax.set_ylabel(f"{readable(args.metric)}\n(mean over seeds, 95% CI)")
    ax.grid(alpha=0.3, axis="y")
    fig.tight_layout()
    fig.savefig(args.output, dpi=150)
    print(f"wrote {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
