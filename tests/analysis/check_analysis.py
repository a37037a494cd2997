#!/usr/bin/env python3
"""Runs every analysis/ plotting script on small runs and checks that each writes a real image.

Usage: check_analysis.py RCNSIM SOURCE_DIR WORKDIR   (run with Debian's python3: matplotlib, pandas)
"""
import os
import subprocess
import sys


def run(*cmd):
    r = subprocess.run(cmd, capture_output=True, text=True)
    assert r.returncode == 0, f"{cmd}: {r.stdout}{r.stderr}"
    return r.stdout


def is_png(path):
    with open(path, "rb") as f:
        return f.read(8) == b"\x89PNG\r\n\x1a\n" and os.path.getsize(path) > 10000


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
    csv = os.path.join(work, "sweep", "sweep.csv")
    listing = run(py, os.path.join(analysis, "plot_sweep.py"), csv, "--list")
    assert "workloads.training[0].tokens" in listing and "mean_time_to_train_s" in listing, listing
    png2 = os.path.join(work, "sweep.png")
    run(py, os.path.join(analysis, "plot_sweep.py"), csv, "--x", "workloads.training[0].tokens", "--metric",
        "mean_time_to_train_s", "-o", png2)
    assert is_png(png2), png2
    # Inference latency CDFs from the Azure trace replay.
    az = os.path.join(work, "azure")
    run(rcnsim, "run", os.path.join(src, "scenarios/regional/azure-code-two-regions.yaml"), "-o", az)
    png3 = os.path.join(work, "latency.png")
    run(py, os.path.join(analysis, "plot_latency_cdf.py"), az, "--metric", "ttft", "--slo", "2", "-o", png3)
    assert is_png(png3), png3
    r = subprocess.run([py, os.path.join(analysis, "plot_latency_cdf.py"), t3], capture_output=True, text=True)
    assert r.returncode == 2, r.stderr  # a run without inference has no latency data
    # Bad input: one clear line and exit status 2.
    r = subprocess.run([py, os.path.join(analysis, "plot_sweep.py"), csv, "--metric", "nope"], capture_output=True,
                       text=True)
    assert r.returncode == 2 and "choose --x" in r.stderr, r.stderr
    print("analysis scripts: plots written from a run and a sweep")
    return 0


if __name__ == "__main__":
    sys.exit(main())
