#!/usr/bin/python3
"""Compare the results of several rcnsim runs side by side.

Reads summary.json from each results folder given and prints, per run: jobs
finished, mean queue wait, makespan, goodput, GPU-hours busy, utilisation,
energy, cost and carbon; reliability (unfinished jobs, interruptions, lost work,
restart overhead); inference per service and region (SLO attainment, TTFT and
TPOT p50/p99, requests dropped) and its worst cases; and the total cost of
ownership when the run has one (summary.json "tco"). With --csv, one row per
run with every column, named as in sweep.csv (docs/sweeps.md). Standard library
only, so it runs anywhere rcnsim does.

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

# Per service/region pair, after "<service>/<region>:", as in sweep.csv.
PAIR_METRICS = ("slo_attainment", "ttft_p50_s", "ttft_p99_s", "tpot_p50_s", "tpot_p99_s", "requests_dropped")
TCO_FIELDS = ("total", "capex_amortised", "power", "staff_maintenance", "wan", "per_million_tokens_served",
              "per_million_trained_tokens")


def name_part(name):
    """A service or region name in a column name: '%', '/', ':' and control characters as %XX, so two
    pairs never share a column (the same rule as rcnsim's sweep.csv)."""
    return "".join(f"%{ord(c):02X}" if c in "%/:" or ord(c) < 0x20 or ord(c) == 0x7F else c for c in name)


def pair_column(service, region, metric):
    return f"{name_part(service)}/{name_part(region)}:{metric}"


def attainment_with_drops(g):
    """A pair's share of finished requests (completed + dropped) that met every SLO (docs/sweeps.md)."""
    finished = g["completed"] + g["dropped"]
    return g["slo_attainment"] * g["completed"] / finished if finished > 0 else 0.0


def inference_columns(s):
    """Columns of the run's inference results: per pair, then the aggregates over pairs."""
    out, dropped, slo_min, ttft_max, tpot_max = {}, 0, 1.0, 0.0, 0.0
    for service in s.get("inference", []):
        for g in service["regions"]:
            dropped += g["dropped"]
            out[pair_column(service["name"], g["region"], "requests_dropped")] = g["dropped"]
            if g.get("requests", g["completed"] + g["dropped"]) > 0:  # as sweep.csv: a drop is a miss
                slo_min = min(slo_min, attainment_with_drops(g))
            if g["completed"] <= 0:  # no latency or attainment without completed requests
                continue
            values = {"slo_attainment": g["slo_attainment"], "ttft_p50_s": g["ttft_s"]["p50"],
                      "ttft_p99_s": g["ttft_s"]["p99"], "tpot_p50_s": g["tpot_s"]["p50"],
                      "tpot_p99_s": g["tpot_s"]["p99"]}
            for k, v in values.items():
                out[pair_column(service["name"], g["region"], k)] = v
            ttft_max = max(ttft_max, g["ttft_s"]["p99"])
            tpot_max = max(tpot_max, g["tpot_s"]["p99"])
    aggregates = {"requests_dropped": dropped, "slo_attainment_min": slo_min, "ttft_p99_max_s": ttft_max,
                  "tpot_p99_max_s": tpot_max}
    # Pairs grouped, each pair's metrics in PAIR_METRICS order.
    pairs = sorted({c.rsplit(":", 1)[0] for c in out})
    ordered = {f"{p}:{m}": out[f"{p}:{m}"] for p in pairs for m in PAIR_METRICS if f"{p}:{m}" in out}
    return aggregates, ordered


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
    row = {
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
        "jobs_unfinished": len(jobs) - len(finished),
        "lost_work_s": sum(j["lost_work_s"] for j in jobs),
        "restart_overhead_s": sum(j["restart_overhead_s"] for j in jobs),
    }
    aggregates, pairs = inference_columns(s)
    row.update(aggregates)
    tco = s.get("tco")
    if isinstance(tco, dict):
        row["tco_currency"] = tco.get("currency", "")
        for k in TCO_FIELDS:
            if tco.get(k) is not None:
                row[f"tco_{k}"] = tco[k]
    row.update(pairs)
    return row


def fmt(v, spec):
    return "" if v is None or v == "" else format(v, spec)


def print_tables(rows):
    header = ["run", "jobs", "wait h", "makespan d", "goodput", "interrupts", "busy GPU-h", "util",
              "energy MWh", "cost", "CO2e t"]
    print(f"{header[0]:<24} " + " ".join(f"{h:>10}" for h in header[1:]))
    for r in rows:
        print(f"{r['run'][-24:]:<24} {r['jobs_finished']:>10} {r['mean_queue_wait_h']:>10.2f} "
              f"{r['makespan_d']:>10.2f} {r['mean_goodput']:>10.3f} {r['interruptions']:>10} "
              f"{r['gpu_hours_busy']:>10.0f} {r['utilisation']:>10.1%} {r['energy_mwh']:>10.1f} "
              f"{r['cost']:>10.0f} {r['carbon_t']:>10.1f}")
    print(f"\n{'reliability and cost':<24} " + " ".join(
        f"{h:>12}" for h in ("unfinished", "lost work h", "restart h", "TCO", "TCO capex", "TCO power",
                             "TCO/Mtok srv", "TCO/Mtok trn")))
    for r in rows:
        print(f"{r['run'][-24:]:<24} {r['jobs_unfinished']:>12} {r['lost_work_s'] / 3600:>12.2f} "
              f"{r['restart_overhead_s'] / 3600:>12.2f} {fmt(r.get('tco_total'), '.0f'):>12} "
              f"{fmt(r.get('tco_capex_amortised'), '.0f'):>12} {fmt(r.get('tco_power'), '.0f'):>12} "
              f"{fmt(r.get('tco_per_million_tokens_served'), '.3f'):>12} "
              f"{fmt(r.get('tco_per_million_trained_tokens'), '.3f'):>12}")
    pairs = [(r, c.rsplit(":", 1)[0]) for r in rows for c in r if c.endswith(":requests_dropped")]
    if not pairs:
        return
    # Service/region names in full: they are user names, and two may share a prefix or suffix.
    width = max(24, max(len(p) for _, p in pairs))
    print(f"\n{'inference':<24} {'service/region':<{width}} " + " ".join(
        f"{h:>10}" for h in ("SLO", "TTFT p50 s", "TTFT p99 s", "TPOT p50 s", "TPOT p99 s", "dropped")))
    for r, p in pairs:
        cells = [fmt(r.get(f"{p}:{m}"), ".3%" if m == "slo_attainment" else (".0f" if m == "requests_dropped"
                                                                                  else ".4f"))
                 for m in PAIR_METRICS]
        print(f"{r['run'][-24:]:<24} {p:<{width}} " + " ".join(f"{c:>10}" for c in cells))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     epilog=__doc__.split("\n\n", 1)[1],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("runs", nargs="+", help="results folders written by `rcnsim run -o`")
    parser.add_argument("--csv", action="store_true", help="write CSV to stdout instead of tables")
    args = parser.parse_args(argv)
    try:
        rows = [summarize(r) for r in args.runs]
    except (OSError, KeyError, TypeError, ValueError) as e:
        print(f"compare_runs.py: {e}", file=sys.stderr)
        return 2
    if args.csv:
        # Every column any run has: the run-wide ones in order of first appearance, then the
        # service/region pairs grouped; empty where a run has none.
        keys = list(dict.fromkeys(k for r in rows for k in r))
        pairs = sorted({k.rsplit(":", 1)[0] for k in keys if ":" in k})
        fields = [k for k in keys if ":" not in k] + [f"{p}:{m}" for p in pairs for m in PAIR_METRICS
                                                      if f"{p}:{m}" in keys]
        w = csv.DictWriter(sys.stdout, fieldnames=fields, restval="", lineterminator="\n")
        w.writeheader()
        w.writerows(rows)
        return 0
    print_tables(rows)
    return 0


if __name__ == "__main__":
    sys.exit(main())
