#!/usr/bin/env python3
"""Compare rcnsim-calibrate output with a shipped microbench.json, point by point.

Why: the simulator's H200 profile was fitted to figures measured through PyTorch
(shared/calibration/nvidia-h200/microbench.json); this shows where the tool's
direct cuBLAS/CUDA measurements agree with them and where they differ.

Usage (from the repository root):
  python3 sim/calibrate/compare.py MEASURED.json [MEASURED.json ...]
      [--ref SHIPPED.json] [--update docs/calibration.md]

Prints Markdown tables (GEMM, memcpy_d2d, pcie, launch, run-to-run spread) with one
value column and one ratio column (measured / shipped) per measured file. With
--update, replaces the text between the markers
"<!-- compare.py:begin -->" and "<!-- compare.py:end -->" in that file instead.
Standard library only.
"""
import argparse
import json
import math
import os
import sys

BEGIN = "<!-- compare.py:begin -->"
END = "<!-- compare.py:end -->"
REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
REF_CANDIDATES = [
    os.path.join(REPO, "shared", "calibration", "nvidia-h200", "microbench.json"),
    os.path.join(REPO, "..", "shared", "calibration", "nvidia-h200", "microbench.json"),
]


def load(path):
    with open(path) as f:
        return json.load(f)


def short_names(paths):
    """Column names: file stems without their common prefix (e.g. 'quick', 'full')."""
    stems = [os.path.splitext(os.path.basename(p))[0] for p in paths]
    if len(stems) == 1:
        return stems
    prefix = os.path.commonprefix(stems)
    prefix = prefix[: prefix.rfind("-") + 1] if "-" in prefix else ""
    return [s[len(prefix):] or s for s in stems]


def human_bytes(b):
    for unit, size in (("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if b >= size and b % size == 0:
            return "%d %s" % (b // size, unit)
    return "%d B" % b


def fmt(v, digits):
    return "–" if v is None else "%.*f" % (digits, v)


def ratio(a, b):
    return None if a is None or b is None or b == 0 else a / b


def geomean(xs):
    xs = [x for x in xs if x]
    return math.exp(sum(math.log(x) for x in xs) / len(xs)) if xs else None


def table(header, rows):
    out = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    out += ["| " + " | ".join(r) + " |" for r in rows]
    return "\n".join(out)


def gemm_key(g):
    return (g["dtype"], g["m"], g["n"], g["k"], g["label"])


def gemm_group(g):
    if g["label"] == "square":
        return "square <= 2048" if g["m"] <= 2048 else "square >= 4096"
    return "decode" if g["label"].startswith("decode") else "transformer"


def gemm_section(ref, runs, names):
    idx = [{gemm_key(g): g for g in r["gemm"]} for r in runs]
    header = ["dtype", "m", "n", "k", "label", "shipped TFLOP/s"]
    for n in names:
        header += [n + " TFLOP/s", n + "/shipped"]
    rows = []
    for g in ref["gemm"]:
        row = [g["dtype"], str(g["m"]), str(g["n"]), str(g["k"]), g["label"], fmt(g["tflops"], 1)]
        for i in idx:
            mine = i.get(gemm_key(g))
            v = mine["tflops"] if mine else None
            row += [fmt(v, 1), fmt(ratio(v, g["tflops"]), 2)]
        rows.append(row)

    # Geometric-mean ratio per dtype and shape group.
    groups = []
    for g in ref["gemm"]:
        k = (g["dtype"], gemm_group(g))
        if k not in groups:
            groups.append(k)
    sheader = ["dtype", "shapes", "points"] + [n + "/shipped (geomean)" for n in names]
    srows = []
    for dt, grp in groups:
        pts = [g for g in ref["gemm"] if g["dtype"] == dt and gemm_group(g) == grp]
        row = [dt, grp, str(len(pts))]
        for i in idx:
            rs = [ratio(i[gemm_key(g)]["tflops"], g["tflops"]) for g in pts if gemm_key(g) in i]
            row.append(fmt(geomean(rs), 2) + ("" if len(rs) == len(pts) else " (%d pts)" % len(rs)))
        srows.append(row)
    return ("### GEMM, summary\n\n" + table(sheader, srows) +
            "\n\n### GEMM, every point\n\n" + table(header, rows))


def memcpy_section(ref, runs, names):
    idx = [{c["bytes"]: c for c in r["memcpy_d2d"]} for r in runs]
    header = ["bytes", "shipped GB/s (r+w)"]
    for n in names:
        header += [n + " GB/s", n + "/shipped"]
    rows = []
    for c in ref["memcpy_d2d"]:
        row = [human_bytes(c["bytes"]), fmt(c["gbps_rw"], 0)]
        for i in idx:
            v = i[c["bytes"]]["gbps_rw"] if c["bytes"] in i else None
            row += [fmt(v, 0), fmt(ratio(v, c["gbps_rw"]), 2)]
        rows.append(row)
    return "### Device memory copy (memcpy_d2d)\n\n" + table(header, rows)


def pcie_section(ref, runs, names):
    key = lambda p: (p["direction"], p["pinned"], p["bytes"])
    idx = [{key(p): p for p in r["pcie"]} for r in runs]
    header = ["direction", "host memory", "bytes", "shipped GB/s"]
    for n in names:
        header += [n + " GB/s", n + "/shipped"]
    rows = []
    for p in ref["pcie"]:
        row = [p["direction"], "pinned" if p["pinned"] else "pageable", human_bytes(p["bytes"]),
               fmt(p["gbps"], 2)]
        for i in idx:
            v = i[key(p)]["gbps"] if key(p) in i else None
            row += [fmt(v, 2), fmt(ratio(v, p["gbps"]), 2)]
        rows.append(row)
    return "### Host <-> device copies (pcie)\n\n" + table(header, rows)


def launch_section(ref, runs, names):
    keys = list(ref["launch"].keys())
    for r in runs:
        keys += [k for k in r["launch"] if k not in keys]
    header = ["figure", "shipped µs"]
    for n in names:
        header += [n + " µs", n + "/shipped"]
    rows = []
    for k in keys:
        s = ref["launch"].get(k)
        row = [k, fmt(s * 1e6 if s is not None else None, 2)]
        for r in runs:
            v = r["launch"].get(k)
            row += [fmt(v * 1e6 if v is not None else None, 2), fmt(ratio(v, s), 2)]
        rows.append(row)
    return "### Launch overheads\n\n" + table(header, rows)


def spread_section(runs, names):
    """Run-to-run spread: every measured file against the first, on common GEMM points."""
    if len(runs) < 2:
        return ""
    base = {gemm_key(g): g for g in runs[0]["gemm"]}
    rows = []
    for r, n in zip(runs[1:], names[1:]):
        rs = [g["tflops"] / base[gemm_key(g)]["tflops"] for g in r["gemm"] if gemm_key(g) in base]
        rows.append([n, names[0], str(len(rs)), fmt(geomean(rs), 3), fmt(min(rs), 2), fmt(max(rs), 2)])
    return ("### Run-to-run spread (GEMM TFLOP/s, same tool, same machine)\n\n" +
            table(["run", "against", "common points", "geomean ratio", "min", "max"], rows))


def meta_section(ref, runs, paths, names):
    rows = [["shipped", os.path.relpath(ref["_path"], REPO), "PyTorch " + str(ref["meta"].get("torch")),
             str(ref["meta"].get("measured_on")), str(ref["meta"].get("nccl"))]]
    for r, p, n in zip(runs, paths, names):
        m = r["meta"]
        rows.append([n, os.path.relpath(p, REPO),
                     "rcnsim-calibrate (%s), cuBLAS %s" % (m.get("mode"), m.get("cublas")),
                     str(m.get("measured_on")), str(m.get("nccl"))])
    return "### Files compared\n\n" + table(["column", "file", "measured with", "date", "NCCL"], rows)


def render(ref, runs, paths):
    names = short_names(paths)
    parts = [
        "_Generated by `sim/calibrate/compare.py`; do not edit by hand._",
        meta_section(ref, runs, paths, names),
        gemm_section(ref, runs, names),
        memcpy_section(ref, runs, names),
        pcie_section(ref, runs, names),
        launch_section(ref, runs, names),
        spread_section(runs, names),
    ]
    return "\n\n".join(p for p in parts if p) + "\n"


def update(doc, text):
    with open(doc) as f:
        content = f.read()
    b, e = content.find(BEGIN), content.find(END)
    if b < 0 or e < b:
        sys.exit("compare.py: %s has no %s ... %s markers" % (doc, BEGIN, END))
    content = content[: b + len(BEGIN)] + "\n" + text + content[e:]
    with open(doc, "w") as f:
        f.write(content)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("measured", nargs="+", help="rcnsim-calibrate JSON files")
    ap.add_argument("--ref", help="shipped microbench.json (default: shared/calibration/nvidia-h200)")
    ap.add_argument("--update", metavar="DOC", help="rewrite the marked block of DOC")
    a = ap.parse_args()
    ref_path = a.ref or next((p for p in REF_CANDIDATES if os.path.exists(p)), None)
    if not ref_path:
        sys.exit("compare.py: no shipped microbench.json found; pass --ref")
    ref = load(ref_path)
    ref["_path"] = os.path.abspath(ref_path)
    paths = [os.path.abspath(p) for p in a.measured]
    text = render(ref, [load(p) for p in paths], paths)
    if a.update:
        update(a.update, text)
    else:
        sys.stdout.write(text)


if __name__ == "__main__":
    main()
