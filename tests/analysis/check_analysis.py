#!/usr/bin/env python3
"""Runs every analysis/ plotting script on small runs and checks that each writes a real image.

Usage: check_analysis.py RCNSIM SOURCE_DIR WORKDIR   (run with Debian's python3: matplotlib, pandas)
"""
import csv
import io
import json
import os
import shutil
import subprocess
import sys


def run(*cmd):
    r = subprocess.run(cmd, capture_output=True, text=True)
    assert r.returncode == 0, f"{cmd}: {r.stdout}{r.stderr}"
    return r.stdout


def is_png(path):
    with open(path, "rb") as f:
        return f.read(8) == b"\x89PNG\r\n\x1a\n" and os.path.getsize(path) > 10000


def read_csv(text):
    """Rows of a CSV text as dicts, after checking that no two header fields are equal."""
    rows = list(csv.reader(io.StringIO(text)))
    assert len(set(rows[0])) == len(rows[0]), f"duplicate columns in {rows[0]}"
    return [dict(zip(rows[0], r)) for r in rows[1:]]


def close(a, b):
    return abs(float(a) - float(b)) <= 1e-9 * max(1.0, abs(float(b)))


def jobs_sums(run):
    """Lost work and restart overhead summed over jobs.csv (written apart from summary.json)."""
    with open(os.path.join(run, "jobs.csv"), encoding="utf-8") as f:
        jobs = list(csv.DictReader(f))
    return (sum(float(j["lost_work_s"]) for j in jobs), sum(float(j["restart_overhead_s"]) for j in jobs),
            sum(j["state"] != "finished" for j in jobs))


def inference_rows(run):
    with open(os.path.join(run, "inference.csv"), encoding="utf-8") as f:
        return list(csv.DictReader(f))


def attainment_with_drops(g):
    """An inference.csv row's attainment counting its dropped requests as misses (docs/sweeps.md)."""
    completed, dropped = float(g["completed"]), float(g["dropped"])
    assert float(g["requests"]) > 0, g
    return float(g["slo_attainment"]) * completed / (completed + dropped) if completed + dropped > 0 else 0.0


def check_comparison(py, analysis, work, t3, az):
    """compare_runs.py --csv carries reliability, inference and TCO columns with the runs' own numbers."""
    # A copy of t3 with a hand-made "tco" object, as the TCO results write it.
    t3tco = os.path.join(work, "t3-tco")
    shutil.copytree(t3, t3tco)
    with open(os.path.join(t3tco, "summary.json"), encoding="utf-8") as f:
        s = json.load(f)
    s["tco"] = {"currency": "USD", "period_s": 86400, "capex_amortised": 800.0, "power": 300.0,
                "staff_maintenance": 100.0, "wan": 34.5, "total": 1234.5, "per_million_tokens_served": None,
                "per_million_trained_tokens": 0.25, "sites": []}
    with open(os.path.join(t3tco, "summary.json"), "w", encoding="utf-8") as f:
        json.dump(s, f)
    rows = read_csv(run(py, os.path.join(analysis, "compare_runs.py"), "--csv", t3, az, t3tco))
    lost, restart, unfinished = jobs_sums(t3)
    assert lost > 0, "tutorial 3 has a failure: some work is lost"
    assert close(rows[0]["lost_work_s"], lost) and close(rows[0]["restart_overhead_s"], restart), rows[0]
    assert int(rows[0]["jobs_unfinished"]) == unfinished, rows[0]
    with open(os.path.join(t3, "summary.json"), encoding="utf-8") as f:
        t3_total = json.load(f)["tco"]["total"]  # the run's own TCO (docs/tco.md)
    assert close(rows[0]["tco_total"], t3_total) and rows[0]["slo_attainment_min"] == "1.0", rows[0]
    assert rows[2]["tco_total"] == "1234.5" and rows[2]["tco_capex_amortised"] == "800.0", rows[2]
    assert rows[2]["tco_per_million_trained_tokens"] == "0.25" and rows[2].get("tco_per_million_tokens_served", "") == ""
    # Inference: every service/region pair of inference.csv, value for value.
    pairs = inference_rows(az)
    assert len(pairs) == 2, pairs
    for g in pairs:
        p = f"{g['service']}/{g['region']}:"
        for col, key in (("slo_attainment", "slo_attainment"), ("ttft_p50_s", "ttft_p50_s"),
                         ("ttft_p99_s", "ttft_p99_s"), ("tpot_p50_s", "tpot_p50_s"), ("tpot_p99_s", "tpot_p99_s"),
                         ("requests_dropped", "dropped")):
            assert close(rows[1][p + col], g[key]), (p + col, rows[1][p + col], g[key])
        assert rows[0][p + "slo_attainment"] == "", "a run without inference has empty pair cells"
    assert close(rows[1]["slo_attainment_min"], min(attainment_with_drops(g) for g in pairs))
    assert close(rows[1]["ttft_p99_max_s"], max(float(g["ttft_p99_s"]) for g in pairs))
    assert close(rows[1]["requests_dropped"], sum(float(g["dropped"]) for g in pairs))
    # The tables name each service/region in full.
    text = run(py, os.path.join(analysis, "compare_runs.py"), t3, az, t3tco)
    assert "code/east" in text and "code/west" in text and "1234" in text, text


def check_variant_sweep(rcnsim, py, analysis, src, work):
    """Named variants over the Azure replay: sweep.csv's per-pair columns are each run's inference.csv."""
    sweep = os.path.join(work, "variants.yaml")
    with open(sweep, "w") as f:
        f.write(f"base: {os.path.join(src, 'scenarios/regional/azure-code-two-regions.yaml')}\n"
                "variants:\n"
                "  east-heavy:\n    workloads.inference[0].replicas: {east-center: 3, west-node: 1}\n"
                "  west-heavy:\n    workloads.inference[0].replicas: {east-center: 1, west-node: 3}\n")
    allow = ["--allow-paths", os.path.join(src, "scenarios")]
    assert "ok (2 points x 1 seeds" in run(rcnsim, "validate", sweep, *allow)
    out = os.path.join(work, "variants")
    run(rcnsim, "sweep", sweep, "-j", "2", *allow, "-o", out)
    with open(os.path.join(out, "sweep.csv"), encoding="utf-8") as f:
        rows = read_csv(f.read())
    assert [r["variant"] for r in rows] == ["east-heavy", "west-heavy"], rows
    assert rows[0]["workloads.inference[0].replicas"] == "{east-center: 3, west-node: 1}", rows[0]
    for i, r in enumerate(rows):
        pairs = inference_rows(os.path.join(out, "runs", f"p{i}-seed1"))
        for g in pairs:
            p = f"{g['service']}/{g['region']}:"
            assert close(r[p + "slo_attainment_mean"], g["slo_attainment"]), (i, p)
            assert close(r[p + "ttft_p99_s_mean"], g["ttft_p99_s"]), (i, p)
            assert close(r[p + "requests_dropped_mean"], g["dropped"]), (i, p)
        assert close(r["slo_attainment_min_mean"], min(attainment_with_drops(g) for g in pairs))
    # Variants on the x axis, one service/region's attainment.
    png = os.path.join(work, "variants.png")
    run(py, os.path.join(analysis, "plot_sweep.py"), os.path.join(out, "sweep.csv"), "--x", "variant", "--metric",
        "code/east:slo_attainment", "-o", png)
    assert is_png(png), png
    # Three replicas in a region serve it better than one.
    assert float(rows[0]["code/east:slo_attainment_mean"]) > float(rows[1]["code/east:slo_attainment_mean"]), rows


def main():
    rcnsim, src, work = sys.argv[1:4]
    py = sys.executable
    subprocess.run(["rm", "-rf", work], check=True)
    os.makedirs(work)
    analysis = os.path.join(src, "analysis")
    for script in ("plot_utilisation.py", "plot_sweep.py", "plot_latency_cdf.py", "compare_runs.py"):
        assert "Example" in run(py, os.path.join(analysis, script), "--help"), script
    # One run, its utilisation over time.
    t3 = os.path.join(work, "t3")
    run(rcnsim, "run", os.path.join(src, "scenarios/tutorial/03-with-a-failure.yaml"), "-o", t3)
    png = os.path.join(work, "utilisation.png")
    run(py, os.path.join(analysis, "plot_utilisation.py"), t3, "-o", png)
    assert is_png(png), png
    # A small sweep (2 points x 2 seeds), one metric with confidence intervals.
    sweep = os.path.join(work, "sweep.yaml")
    with open(sweep, "w") as f:
        f.write(f"base: {os.path.join(src, 'scenarios/tutorial/01-one-cluster.yaml')}\nseeds: 2\n"
                "grid:\n  workloads.training[0].tokens: [1e9, 2e9]\n")
    # The base lies outside the sweep file's folder: allowed explicitly, as a user would.
    run(rcnsim, "sweep", sweep, "-j", "2", "--allow-paths", os.path.join(src, "scenarios"), "-o",
        os.path.join(work, "sweep"))
    csv_path = os.path.join(work, "sweep", "sweep.csv")
    listing = run(py, os.path.join(analysis, "plot_sweep.py"), csv_path, "--list")
    assert "workloads.training[0].tokens" in listing and "mean_time_to_train_s" in listing, listing
    png2 = os.path.join(work, "sweep.png")
    run(py, os.path.join(analysis, "plot_sweep.py"), csv_path, "--x", "workloads.training[0].tokens", "--metric",
        "mean_time_to_train_s", "-o", png2)
    assert is_png(png2), png2
    # The reliability columns: each point's mean over its two runs' jobs.csv sums.
    with open(csv_path, encoding="utf-8") as f:
        points = read_csv(f.read())
    for i, p in enumerate(points):
        lost = [jobs_sums(os.path.join(work, "sweep", "runs", f"p{i}-seed{seed}"))[0] for seed in (1, 2)]
        assert close(p["lost_work_s_mean"], sum(lost) / 2), (i, p["lost_work_s_mean"], lost)
        assert p["slo_attainment_min_mean"] == "1" and p["requests_dropped_mean"] == "0", p
    # Inference latency CDFs from the Azure trace replay.
    az = os.path.join(work, "azure")
    run(rcnsim, "run", os.path.join(src, "scenarios/regional/azure-code-two-regions.yaml"), "-o", az)
    png3 = os.path.join(work, "latency.png")
    run(py, os.path.join(analysis, "plot_latency_cdf.py"), az, "--metric", "ttft", "--slo", "2", "-o", png3)
    assert is_png(png3), png3
    r = subprocess.run([py, os.path.join(analysis, "plot_latency_cdf.py"), t3], capture_output=True, text=True)
    assert r.returncode == 2, r.stderr  # a run without inference has no latency data
    # Bad input: one clear line and exit status 2.
    check_comparison(py, analysis, work, t3, az)
    check_variant_sweep(rcnsim, py, analysis, src, work)
    r = subprocess.run([py, os.path.join(analysis, "plot_sweep.py"), csv_path, "--metric", "nope"], capture_output=True,
                       text=True)
    assert r.returncode == 2 and "choose --x" in r.stderr, r.stderr
    print("analysis scripts: plots written from a run and a sweep; comparisons carry reliability, inference and TCO")
    return 0


if __name__ == "__main__":
    sys.exit(main())
