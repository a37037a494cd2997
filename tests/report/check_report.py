#!/usr/bin/env python3
"""Renders report.html (or compare.html) in headless Chromium and checks it shows the run's numbers.

Usage:
  check_report.py RCNSIM CHROMIUM WORKDIR run SCENARIO
  check_report.py RCNSIM CHROMIUM WORKDIR compare SCENARIO SCENARIO...
Runs the scenario(s) with rcnsim (and `rcnsim compare` for the second form),
loads the page in headless Chromium with --dump-dom (the page's script has run
by then), and compares what it drew with summary.json and the CSV files: the
sections the run should have, a canvas with drawn pixels for every chart, the
overview numbers (raw and as formatted), the site, job, failure and inference
rows, and no script error. Set RCN_REPORT_SCREENSHOT=1 to also write
WORKDIR/page.png (1400x4000) for a person to look at. Exit 0 when all match.
"""
import csv
import html.parser
import json
import os
import shutil
import subprocess
import sys


class Collector(html.parser.HTMLParser):
    """Elements with their attributes, and the text inside each element with an id."""

    def __init__(self):
        super().__init__()
        self.elements = []  # (tag, attrs)
        self.stack = []     # open elements: (tag, attrs, text parts)
        self.text_of = {}   # id -> text

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self.elements.append((tag, a))
        if tag not in ("meta", "br", "input", "img", "link"):
            self.stack.append((tag, a, []))

    def handle_endtag(self, tag):
        while self.stack:
            t, a, parts = self.stack.pop()
            text = "".join(parts)
            if a.get("id"):
                self.text_of[a["id"]] = text
            if self.stack:
                self.stack[-1][2].append(text)
            if t == tag:
                break

    def handle_data(self, data):
        if self.stack:
            self.stack[-1][2].append(data)


def close(a, b, rel=1e-9):
    return abs(float(a) - float(b)) <= rel * max(1.0, abs(float(b)))


def chromium_dom(chromium, page, work):
    profile = os.path.join(work, "profile")
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             "--enable-logging=stderr", "--v=0", "--user-data-dir=" + profile]
    url = "file://" + os.path.abspath(page)
    dom = subprocess.run([chromium, *flags, "--dump-dom", url], capture_output=True, text=True, timeout=120)
    assert dom.returncode == 0, dom.stderr[-2000:]
    problems = [line for line in dom.stderr.splitlines() if "CONSOLE" in line or "Uncaught" in line]
    assert not problems, problems
    if os.environ.get("RCN_REPORT_SCREENSHOT"):
        subprocess.run([chromium, *flags, "--window-size=1400,4000", "--hide-scrollbars",
                        "--screenshot=" + os.path.join(work, "page.png"), url], capture_output=True, timeout=120, check=True)
    shutil.rmtree(profile, ignore_errors=True)
    page = Collector()
    page.feed(dom.stdout)
    return page


def check_drawn(page, min_charts):
    status = [a for t, a in page.elements if a.get("id") == "rcn-status"]
    assert status, "no #rcn-status: the page's script did not run"
    s = status[0]
    assert s.get("data-state") == "ok", ("script error", s.get("data-errors"))
    assert int(s["data-charts"]) >= min_charts, ("too few charts", s["data-charts"])
    assert s.get("data-blank", "") == "", ("charts drew nothing", s["data-blank"])
    canvases = [a for t, a in page.elements if t == "canvas"]
    assert len(canvases) == int(s["data-charts"])
    assert all(int(a["data-drawn"]) > 0 for a in canvases), [a["id"] for a in canvases if int(a["data-drawn"]) <= 0]
    return s["data-sections"].split()


def rows(page, table_id):
    """The <tr> attributes of one table (data rows only: those with a data-* attribute)."""
    out, inside = [], False
    for t, a in page.elements:
        if t == "table":
            inside = a.get("id") == table_id
        elif t == "tr" and inside and any(k.startswith("data-") for k in a):
            out.append(a)
    return out


def read_csv(path):
    return list(csv.DictReader(open(path, newline=""))) if os.path.exists(path) else []


def expected_sections(summary, failures):
    jobs = summary["jobs"]
    want = ["overview", "topology", "utilisation"]
    if jobs:
        want.append("jobs")
    if failures or any(j["checkpoints"] > 0 or j["interruptions"] > 0 for j in jobs):
        want.append("reliability")
    if summary.get("inference"):
        want.append("inference")
    want.append("energy")
    if summary["wan"]:
        want.append("wan")
    want.append("scenario-text")
    return want


def check_run(rcnsim, chromium, work, scenario):
    out = os.path.join(work, "out")
    subprocess.run([rcnsim, "run", scenario, "-o", out], check=True, stdout=subprocess.DEVNULL)
    page = chromium_dom(chromium, os.path.join(out, "report.html"), work)
    summary = json.load(open(os.path.join(out, "summary.json")))
    failures = read_csv(os.path.join(out, "failures.csv"))
    sections = check_drawn(page, 3)
    assert sections == expected_sections(summary, failures), (sections, expected_sections(summary, failures))

    # Overview cards: the raw number and its en-US text with thousands separators.
    energy = sum(s["energy_kwh"] for s in summary["sites"])
    power = sum(s["cost"] for s in summary["sites"])
    card_values = [(a.get("data-value"), a) for t, a in page.elements if t == "b" and "data-value" in a]
    assert card_values, "no overview numbers"
    text = page.text_of
    overview = text.get("cards", "")
    assert f"{round(energy):,} kWh" in overview, (energy, overview)
    assert f"{len(failures):,}" in overview
    total = summary["tco"]["total"]
    if summary["tco"]["currency"] == "USD" and total >= 1000:
        assert f"${round(total):,}" in overview, (total, overview)
    raw = [float(v) for v, a in card_values]
    for want in (energy, power, total, len(failures)):
        assert any(close(v, want) for v in raw), ("card value missing", want)
    if summary["jobs"]:
        finished = sum(1 for j in summary["jobs"] if j["state"] == "finished")
        assert f"{finished} / {len(summary['jobs'])}" in overview

    # Sites: every site with its energy, power cost and cost of ownership.
    site_rows = {a["data-site"]: a for a in rows(page, "sites-table") if "data-site" in a}
    assert len(site_rows) == len(summary["sites"])
    for site, tco in zip(summary["sites"], summary["tco"]["sites"]):
        r = site_rows[site["name"]]
        assert close(r["data-energy-kwh"], site["energy_kwh"]) and close(r["data-cost"], site["cost"])
        assert close(r["data-total"], tco["total"])

    # Energy, cost and carbon over time: each site's rows of site_energy.csv cover the run
    # without gaps and add up to its totals; the page's stacked bars add up to the run's.
    bins = read_csv(os.path.join(out, "site_energy.csv"))
    assert bins, "no site_energy.csv"
    for site, tco in zip(summary["sites"], summary["tco"]["sites"]):
        mine = [b for b in bins if b["site"] == site["name"]]
        assert mine and float(mine[0]["start_s"]) == 0 and close(mine[-1]["end_s"], summary["simulated_end_s"]), site["name"]
        assert all(a["end_s"] == b["start_s"] for a, b in zip(mine, mine[1:])), site["name"]
        for col, want in (("energy_kwh", site["energy_kwh"]), ("power_cost", site["cost"]), ("carbon_kg", site["carbon_kg"]),
                          ("tco", tco["total"]), ("busy_gpu_hours", site["gpu_hours_busy"])):
            assert close(sum(float(b[col]) for b in mine), want), (site["name"], col)
    note = [a for t, a in page.elements if a.get("id") == "energy-time-note"]
    assert note, "no energy over time"
    for key, want in (("data-energy-kwh", energy), ("data-power-cost", power),
                      ("data-carbon-kg", sum(s["carbon_kg"] for s in summary["sites"])),
                      ("data-tco", sum(s["total"] for s in summary["tco"]["sites"]))):
        assert close(note[0][key], want), (key, note[0][key], want)
    for chart in ("energy-time", "cost-time", "carbon-time"):
        assert chart in text, "missing chart " + chart

    # Jobs: all of them, or the first and worst ten with a pointer to jobs.csv.
    if summary["jobs"]:
        shown = rows(page, "jobs-table")
        names = {j["name"] for j in summary["jobs"]}
        assert len(shown) == min(10, len(names)) and all(a["data-job"] in names for a in shown)
        if len(names) > 10:
            assert f"{len(names) - 10:,} more rows in jobs.csv" in text.get("jobs-table", "")
    else:
        assert "gantt" not in text and "jobs-table" not in text, "an inference-only run has no job charts"

    # Failures: at most ten rows; the counts of the reliability cards.
    if failures:
        shown = rows(page, "failures-table")
        assert len(shown) == min(10, len(failures))
        if len(failures) > 10:
            assert f"{len(failures) - 10:,} more rows in failures.csv" in text["failures-table"]
        assert "failures-time" in text, "no failures-over-time chart"

    # Inference: every (service, region) with its completed requests and SLO attainment.
    services = summary.get("inference", [])
    if services:
        regions = rows(page, "inference-regions")
        for service in services:
            for g in service["regions"]:
                match = [a for a in regions if a["data-service"] == service["name"] and a["data-region"] == g["region"]]
                assert match and int(match[0]["data-completed"]) == g["completed"], (service["name"], g["region"])
                assert close(match[0]["data-slo"], g["slo_attainment"], 1e-12)
        peaks = {a["data-service"]: a for a in rows(page, "inference-services")}
        for service in services:
            assert int(peaks[service["name"]]["data-peak"]) == service["replicas_peak"]
        for chart in ("ttft-cdf", "tpot-cdf", "e2e-cdf", "slo-attainment", "inference-replicas"):
            assert chart in text, "missing chart " + chart
        # 99 TPOT quantiles per region, as many as TTFT's, and the median is summary.json's p50.
        cdf = read_csv(os.path.join(out, "latency_cdf.csv"))
        for service in services:
            for g in service["regions"]:
                tpot = [r for r in cdf if r["service"] == service["name"] and r["region"] == g["region"] and r["metric"] == "tpot"]
                assert len(tpot) == 99, (service["name"], g["region"], len(tpot))
                assert close(tpot[49]["seconds"], g["tpot_s"]["p50"], 1e-12)
    # Tenants: one row each, as tenants.csv, with its cost the sum of its services'; names
    # shown as text (never markup: no element gets an attribute from a name).
    tenants = read_csv(os.path.join(out, "tenants.csv"))
    shown = rows(page, "inference-tenants")
    assert len(shown) == len(tenants), (len(shown), len(tenants))
    cost_of = {v["name"]: v["cost"] for v in services}
    for t, a in zip(tenants, shown):
        assert a["data-tenant"] == t["tenant"]
        assert int(a["data-requests"]) == int(t["requests"])
        assert close(a["data-slo"], t["slo_attainment"], 1e-12) and close(a["data-ttft-p99"], t["ttft_p99_s"], 1e-12)
        assert close(a["data-cost"], sum(cost_of[s] for s in t["services"].split(";"))), (t["tenant"], a["data-cost"])
        assert t["tenant"] in text["inference-tenants"], t["tenant"]
    assert not any(k.startswith("on") for _, a in page.elements for k in a), "an event handler attribute in the page"
    # GPUs held by training over time only where there is training: an inference-only
    # run once showed a flat 0% line under a legend saying 5.8%.
    assert ("utilisation-time" in text) == bool(summary["jobs"]), "utilisation over time without training, or missing"
    assert "utilisation-mean" in text
    print(f"report.html: {len(sections)} sections, {len(summary['jobs'])} jobs, {len(summary['sites'])} sites, "
          f"{len(failures)} failures, {len(services)} services, {len(tenants)} tenants match summary.json")


def check_compare(rcnsim, chromium, work, scenarios):
    dirs = []
    for i, scenario in enumerate(scenarios):
        d = os.path.join(work, f"run{i}")
        subprocess.run([rcnsim, "run", scenario, "-o", d], check=True, stdout=subprocess.DEVNULL)
        dirs.append(d)
    page_file = os.path.join(work, "compare.html")
    subprocess.run([rcnsim, "compare", *dirs, "-o", page_file], check=True, stdout=subprocess.DEVNULL)
    page = chromium_dom(chromium, page_file, work)
    sections = check_drawn(page, 4)
    summaries = [json.load(open(os.path.join(d, "summary.json"))) for d in dirs]
    failures = [read_csv(os.path.join(d, "failures.csv")) for d in dirs]
    for want in ("runs", "overview", "utilisation", "energy"):
        assert want in sections, ("missing section", want, sections)
    if any(s["jobs"] for s in summaries):
        assert "jobs" in sections
    if any(s.get("inference") for s in summaries):
        assert "inference" in sections
        assert "tpot-cdf-0" in page.text_of, "no TPOT CDF in the comparison"
    assert "energy-time" in page.text_of, "no energy over time in the comparison"

    # The overview table: each run's value and its delta against the first run.
    metrics = {
        "energy_kwh": [sum(x["energy_kwh"] for x in s["sites"]) for s in summaries],
        "tco_total": [s["tco"]["total"] for s in summaries],
        "failures": [len(f) for f in failures],
        "power_cost": [sum(x["cost"] for x in s["sites"]) for s in summaries],
    }
    table, inside, current = {}, False, None
    for t, a in page.elements:
        if t == "table":
            inside = a.get("id") == "overview-table"
        elif inside and t == "tr":
            current = a.get("data-metric")
            table[current] = []
        elif inside and t == "td" and current and "data-value" in a:
            table[current].append(a)
    for metric, values in metrics.items():
        cells = table.get(metric)
        assert cells and len(cells) == len(values), (metric, cells)
        for i, (cell, v) in enumerate(zip(cells, values)):
            assert close(cell["data-value"], v), (metric, i, cell, v)
            if i:
                assert close(cell["data-delta"], v - values[0]), (metric, i, cell)
    # Tenants: a row per tenant and run that has it, in first-appearance order, with the run's numbers.
    want = []
    for name in dict.fromkeys(t["tenant"] for s in summaries for t in s.get("tenants", [])):
        for d, s in zip(dirs, summaries):
            for t in s.get("tenants", []):
                if t["tenant"] == name:
                    cost = sum(v["cost"] for v in s["inference"] if v["name"] in t["services"].split(";"))
                    want.append((name, os.path.basename(d), t["slo_attainment"], cost))
    shown = rows(page, "tenants-compare")
    assert len(shown) == len(want), (len(shown), len(want))
    for a, (name, run, slo, cost) in zip(shown, want):
        assert a["data-tenant"] == name and a["data-tenant-run"] == run, (a, name, run)
        assert close(a["data-slo"], slo, 1e-12) and close(a["data-cost"], cost), (a, slo, cost)
    run_rows = [a["data-run"] for t, a in page.elements if t == "tr" and "data-run" in a]
    assert run_rows == [os.path.basename(d) for d in dirs], run_rows
    print(f"compare.html: {len(dirs)} runs, {len(sections)} sections, {len(want)} tenant rows, overview deltas match summary.json")


def main():
    rcnsim, chromium, work, mode = sys.argv[1:5]
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    if mode == "run":
        check_run(rcnsim, chromium, work, sys.argv[5])
    elif mode == "compare":
        check_compare(rcnsim, chromium, work, sys.argv[5:])
    else:
        sys.exit("mode must be run or compare")
    return 0


if __name__ == "__main__":
    sys.exit(main())
