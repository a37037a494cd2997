#!/usr/bin/python3
"""SIGINT and SIGTERM stop `rcnsim run` cleanly: exit 130 / 143, no OUT.tmp-PID folder left,
no results folder, the progress line ended, one line saying what was interrupted. A sweep
stopped by SIGINT keeps its finished runs (each with its .key) and leaves no temporary folder.
Usage: check_interrupt.py RCNSIM SOURCE_DIR WORK_DIR
"""
import os
import shutil
import signal
import subprocess
import sys
import time


def interrupt(rcnsim, scenario, out, sig):
    p = subprocess.Popen([rcnsim, "run", scenario, "-o", out, "--progress"], stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True)
    time.sleep(1.5)  # the run takes 10-20 s: well inside the simulation
    p.send_signal(sig)
    stdout, stderr = p.communicate(timeout=60)
    return p.returncode, stdout, stderr


def main():
    rcnsim, src, work = sys.argv[1:4]
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    # A regional day with a million requests: 10-20 s of simulation, so 1.5 s in is always mid-run
    # (the 54-day reliability run once used here finishes in under a second now).
    scenario = os.path.join(src, "sim", "bench", "regional-day.yaml")
    for sig, code, name in ((signal.SIGINT, 130, "SIGINT"), (signal.SIGTERM, 143, "SIGTERM")):
        out = os.path.join(work, name)
        rc, stdout, stderr = interrupt(rcnsim, scenario, out, sig)
        assert rc == code, f"{name}: exit {rc}, expected {code}\n{stderr}"
        assert not os.listdir(work), f"{name}: left {os.listdir(work)} behind"
        lines = stderr.splitlines()
        assert lines and lines[-1].startswith(f"rcnsim: interrupted by {name} while simulating"), stderr
        assert "no results written to" in lines[-1] and "\r" not in stderr, repr(stderr)
        assert stdout == "", stdout
        print(f"{name}: exit {rc}, nothing left behind: {lines[-1]}")
    sweep_out = os.path.join(work, "sweep")
    p = subprocess.Popen([rcnsim, "sweep", os.path.join(src, "scenarios", "sweeps", "regional-policies.yaml"), "-j", "2",
                          "-o", sweep_out], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    # 35 runs of a fraction of a second each: interrupt as soon as the first is done, so that
    # some are finished and most not however fast the machine (a fixed 2 s let an idle machine
    # finish the whole sweep first).
    runs_dir = os.path.join(sweep_out, "runs")
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and p.poll() is None:
        if os.path.isdir(runs_dir) and any(r.endswith(".key") for r in os.listdir(runs_dir)):
            break
        time.sleep(0.01)
    p.send_signal(signal.SIGINT)
    _, stderr = p.communicate(timeout=60)
    assert p.returncode == 130, f"sweep: exit {p.returncode}\n{stderr}"
    runs = os.listdir(os.path.join(sweep_out, "runs"))
    finished = [r for r in runs if r.endswith(".key")]
    assert finished and len(finished) < 35, runs
    assert not [r for r in runs if ".tmp-" in r], runs
    for key in finished:
        assert os.path.isfile(os.path.join(sweep_out, "runs", key[:-4], "summary.json")), key
    assert not os.path.exists(os.path.join(sweep_out, "sweep.csv"))
    assert "interrupted by SIGINT after" in stderr and "resumes" in stderr, stderr
    print(f"sweep: exit 130 with {len(finished)} finished runs kept")
    return 0


if __name__ == "__main__":
    sys.exit(main())
