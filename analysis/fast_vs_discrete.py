#!/usr/bin/python3
"""Fast inference mode against discrete mode on the same scenarios (docs/inference.md, "Fast mode";
docs/validation.md, "Fast mode against discrete").

Runs each scenario twice, every inference service set to `mode: discrete` and then to `mode: fast`
(--set workloads.inference[i].mode=...), and prints per service and region TTFT p50 and p99 and SLO
attainment in both modes, and whether the pair meets the issue #14 bar (SLO attainment within 2
points, p50 and p99 TTFT within 10%). Exit status 1 when a pair misses it.

Example (the table in docs/validation.md):
  /usr/bin/python3 analysis/fast_vs_discrete.py --rcnsim build/rcnsim scenarios/regional/*.yaml
A scenario whose horizon is longer than --max-horizon (default 2d) runs over --max-horizon only
(discrete mode simulates every request): maas.yaml's year becomes two days.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile

import yaml

UNITS = {"s": 1, "min": 60, "h": 3600, "d": 86400, "y": 365 * 86400}


def seconds(text):
    text = str(text).strip()
    for unit in sorted(UNITS, key=len, reverse=True):
        if text.endswith(unit):
            return float(text[: -len(unit)]) * UNITS[unit]
    return float(text)


def run(rcnsim, scenario, services, mode, horizon, out):
    cmd = [rcnsim, "run", scenario, "-o", out]
    for i in range(services):
        cmd += ["--set", f"workloads.inference[{i}].mode={mode}"]
    if horizon:
        cmd += ["--set", f"horizon={horizon}"]
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
    with open(os.path.join(out, "summary.json")) as f:
        summary = json.load(f)
    rows = {}
    for sv in summary.get("inference", []):
        for rg in sv["regions"]:
            if rg["requests"] > 0:
                rows[(sv["name"], rg["region"])] = (rg["ttft_s"]["p50"], rg["ttft_s"]["p99"], rg["slo_attainment"])
    return rows


def within(fast, discrete):
    p50 = abs(fast[0] - discrete[0]) <= 0.10 * discrete[0]
    p99 = abs(fast[1] - discrete[1]) <= 0.10 * discrete[1]
    slo = abs(fast[2] - discrete[2]) <= 0.02
    return p50 and p99 and slo


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("scenarios", nargs="+")
    ap.add_argument("--rcnsim", default="build/rcnsim")
    ap.add_argument("--max-horizon", default="2d", help="longer horizons are cut to this (default 2d)")
    ap.add_argument("--horizon", help="run every scenario over this horizon instead of its own")
    args = ap.parse_args()
    print("| scenario | service / region | TTFT p50 discrete / fast (s) | TTFT p99 discrete / fast (s) "
          "| SLO discrete / fast | bar |")
    print("| --- | --- | --- | --- | --- | --- |")
    missed = 0
    for scenario in args.scenarios:
        with open(scenario) as f:
            spec = yaml.safe_load(f)
        services = len((spec.get("workloads") or {}).get("inference") or [])
        if services == 0:
            continue
        horizon = args.horizon
        if not horizon and seconds(spec.get("horizon", "0s")) > seconds(args.max_horizon):
            horizon = args.max_horizon
        with tempfile.TemporaryDirectory() as tmp:
            disc = run(args.rcnsim, scenario, services, "discrete", horizon, os.path.join(tmp, "d"))
            fast = run(args.rcnsim, scenario, services, "fast", horizon, os.path.join(tmp, "f"))
        name = os.path.basename(scenario) + (f" ({horizon})" if horizon else "")
        for key in sorted(disc):
            d, f = disc[key], fast.get(key, (0.0, 0.0, 0.0))
            ok = within(f, d)
            missed += not ok
            print(f"| {name} | {key[0]} / {key[1]} | {d[0]:.3f} / {f[0]:.3f} | {d[1]:.3f} / {f[1]:.3f} "
                  f"| {d[2]:.3f} / {f[2]:.3f} | {'met' if ok else 'missed'} |", flush=True)
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
