#!/usr/bin/env python3
"""Renders a run's report.html in headless Chromium and checks that it shows the run's numbers.

Usage: check_report.py RCNSIM CHROMIUM SCENARIO WORKDIR
Runs the scenario, dumps the rendered DOM and takes a screenshot, then compares the
charts' data-* attributes with summary.json and failures.csv. Exit 0 when all match.
"""
import csv
import html.parser
import json
import os
import subprocess
import sys


class Collector(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.elements = []  # (tag, attrs dict)

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, dict(attrs)))


def main():
    rcnsim, chromium, scenario, work = sys.argv[1:5]
    out = os.path.join(work, "out")
    subprocess.run(["rm", "-rf", work], check=True)
    os.makedirs(work)
    subprocess.run([rcnsim, "run", scenario, "-o", out], check=True, stdout=subprocess.DEVNULL)
    report = os.path.join(out, "report.html")
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             "--user-data-dir=" + os.path.join(work, "profile")]
    dom = subprocess.run([chromium, *flags, "--dump-dom", "file://" + report], capture_output=True, text=True,
                         timeout=120)
    assert dom.returncode == 0, dom.stderr[-2000:]
    shot = os.path.join(work, "report.png")
    subprocess.run([chromium, *flags, "--window-size=1200,2000", "--screenshot=" + shot, "file://" + report],
                   capture_output=True, timeout=120, check=True)
    assert os.path.getsize(shot) > 10000, "screenshot is empty"
    problems = [line for line in dom.stderr.splitlines() if "Uncaught" in line or "SyntaxError" in line]
    assert not problems, problems

    page = Collector()
    page.feed(dom.stdout)
    summary = json.load(open(os.path.join(out, "summary.json")))
    by_id = {a.get("id"): (t, a) for t, a in page.elements if a.get("id")}
    for needed in ("topology", "utilisation", "gantt", "energy", "jobs", "scenario"):
        assert needed in by_id, "missing #" + needed

    jobs = summary["jobs"]
    assert int(by_id["gantt"][1]["data-jobs"]) == len(jobs)
    spans = [a for t, a in page.elements if a.get("class") == "span"]
    for job in jobs:
        if job["end_s"] is None:
            continue
        ends = [float(a["data-end"]) for a in spans if a["data-job"] == job["name"]]
        assert ends and abs(max(ends) - job["end_s"]) <= 1e-6 * max(1.0, job["end_s"]), (job["name"], ends)
    rows = {a["data-site"]: a for t, a in page.elements if t == "tr" and "data-energy-kwh" in a}
    for site in summary["sites"]:
        assert abs(float(rows[site["name"]]["data-energy-kwh"]) - site["energy_kwh"]) <= 1e-9 * max(1, site["energy_kwh"])
        assert abs(float(rows[site["name"]]["data-cost"]) - site["cost"]) <= 1e-9 * max(1, site["cost"])
    # The cost table's per-site totals are summary.json's tco.sites totals.
    assert "tco" in by_id, "missing #tco"
    tco_rows = {a["data-site"]: a for t, a in page.elements if t == "tr" and "data-total" in a and "data-site" in a}
    for site in summary["tco"]["sites"]:
        assert abs(float(tco_rows[site["name"]]["data-total"]) - site["total"]) <= 1e-9 * max(1, site["total"])
    lines = [a for t, a in page.elements if a.get("class") == "site-utilisation"]
    assert len(lines) == len(summary["sites"])
    for site in summary["sites"]:
        mean = [float(a["data-mean"]) for a in lines if a["data-site"] == site["name"]]
        assert mean and abs(mean[0] - site["utilisation"]) < 1e-12
    services = summary.get("inference", [])
    rows = [a for t, a in page.elements if t == "tr" and "data-service" in a and "data-region" in a]
    service_rows = {a["data-service"]: a for t, a in page.elements if t == "tr" and "data-peak" in a}
    for service in services:
        assert int(service_rows[service["name"]]["data-peak"]) == service["replicas_peak"], service["name"]
        for region in service["regions"]:
            match = [a for a in rows if a["data-service"] == service["name"] and a["data-region"] == region["region"]]
            assert match and int(match[0]["data-completed"]) == region["completed"], (service["name"], region)
            assert abs(float(match[0]["data-slo"]) - region["slo_attainment"]) < 1e-12
    cdfs = [a for t, a in page.elements if a.get("class") == "cdf"]
    assert len(cdfs) == sum(1 for s in services for g in s["regions"] if g["completed"] > 0)
    failures = list(csv.DictReader(open(os.path.join(out, "failures.csv"))))
    marks = [a for t, a in page.elements if a.get("class") == "failure"]
    assert len(marks) == len(failures), (len(marks), len(failures))
    print(f"report.html: {len(jobs)} jobs, {len(summary['sites'])} sites, {len(failures)} failures match summary.json")
    return 0


if __name__ == "__main__":
    sys.exit(main())
