#!/usr/bin/env python3
"""Compare the results of several rcnsim runs side by side.

Reads summary.json from each results folder given and prints one row per run:
jobs finished, mean queue wait, makespan, mean goodput, GPU-hours busy, mean
site utilisation, energy, cost and carbon. Standard library only, so it runs
anywhere rcnsim does.

Example:
  build/rcnsim run scenarios/tutorial/02-center-and-nodes.yaml -o out/t2
  build/rcnsim run scenarios/tutorial/03-with-a-failure.yaml -o out/t3
  python3 analysis/compare_runs.py out/t2 out/t3
  python3 analysis/compare_runs.py --csv out/t2 out/t3 > comparison.csv
"""
import argparse
import csv
import json
import os
import sys


def summarize(folder):
    path = os.path.join(folder, "summary.json")
    with open(path, encoding="utf-8") as f:
        s = json.load(f)
    jobs = s["jobs"]
    sites = s["sites"]
    finished = [j for j in jobs if j["state"] == "finished"]
    waits = [j["queue_wait_s"] for j in jobs if j["queue_wait_s"] is not None]
    goodputs = [j["goodput"] for j in finished]
    gpus = sum(x["gpus"] for x in sites)
    return {
        "run": folder,
        "scenario": s["scenario"],
        "seed": s["seed"],
        "jobs_finished": f"{len(finished)}/{len(jobs)}",
        "mean_queue_wait_h": sum(waits) / len(waits) / 3600 if waits else 0.0,
        "makespan_d": s["simulated_end_s"] / 86400,
        "mean_goodput": sum(goodputs) / len(goodputs) if goodputs else 0.0,
        "interruptions": sum(j["interruptions"] for j in jobs),
        "gpu_hours_busy": sum(x["gpu_hours_busy"] for x in sites),
        "utilisation": sum(x["utilisation"] * x["gpus"] for x in sites) / gpus if gpus else 0.0,
        "energy_mwh": sum(x["energy_kwh"] for x in sites) / 1000,
        "cost": sum(x["cost"] for x in sites),
        "carbon_t": sum(x["carbon_kg"] for x in sites) / 1000,
    }


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     epilog=__doc__.split("\n\n", 1)[1],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("runs", nargs="+", help="results folders written by `rcnsim run -o`")
    parser.add_argument("--csv", action="store_true", help="write CSV to stdout instead of a table")
    args = parser.parse_args(argv)
    try:
        rows = [summarize(r) for r in args.runs]
    except (OSError, KeyError, ValueError) as e:
        print(f"compare_runs.py: {e}", file=sys.stderr)
        return 2
    if args.csv:
        w = csv.DictWriter(sys.stdout, fieldnames=list(rows[0].keys()))
        w.writeheader()
        w.writerows(rows)
        return 0
    header = ["run", "jobs", "wait h", "makespan d", "goodput", "interrupts", "busy GPU-h", "util",
              "energy MWh", "cost", "CO2e t"]
    print(f"{header[0]:<24} " + " ".join(f"{h:>10}" for h in header[1:]))
    for r in rows:
        print(f"{r['run'][-24:]:<24} {r['jobs_finished']:>10} {r['mean_queue_wait_h']:>10.2f} "
              f"{r['makespan_d']:>10.2f} {r['mean_goodput']:>10.3f} {r['interruptions']:>10} "
              f"{r['gpu_hours_busy']:>10.0f} {r['utilisation']:>10.1%} {r['energy_mwh']:>10.1f} "
              f"{r['cost']:>10.0f} {r['carbon_t']:>10.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
