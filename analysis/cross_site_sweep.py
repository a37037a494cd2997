#!/usr/bin/python3
"""The WAN bandwidth at which training across sites becomes worthwhile (docs/cross-site.md).

Runs build/rcnsim on variants of scenarios/regional/cross-site-training.yaml (without its
inference service, so the WAN carries only the job) for each WAN bandwidth and mode:
  single-site  the job on the center's 64 GPUs alone (dp 32, same global batch)
  sync         96 GPUs over the three sites, a hierarchical all-reduce every step
  local-sgd    96 GPUs, H = 100 inner steps, fp16 pseudo-gradient
and prints time to train (with local-sgd's convergence penalty) as a table, plus the
smallest bandwidth at which each split mode beats single-site.

  /usr/bin/python3 analysis/cross_site_sweep.py --rcnsim build/rcnsim [--penalty 0.0]
"""
import argparse
import csv
import os
import subprocess
import sys
import tempfile

BANDWIDTHS_GBPS = [0.3, 1, 3, 10, 30, 60, 90, 100, 120, 200, 400, 1000]

TEMPLATE = """name: cross-site-sweep
seed: 1
horizon: 400d
sites:
  - {{name: center, kind: center, location: {{lat: 40.8, lon: 111.7}},
     clusters: [{{name: main, gpu: h100-sxm, servers: 8, gpus_per_server: 8}}]}}
  - {{name: east, kind: node, location: {{lat: 31.2, lon: 121.5}},
     clusters: [{{name: main, gpu: h100-sxm, servers: 6, gpus_per_server: 8}}]}}
  - {{name: west, kind: node, location: {{lat: 30.6, lon: 104.1}},
     clusters: [{{name: main, gpu: h100-sxm, servers: 4, gpus_per_server: 8}}]}}
wan:
  - {{from: center, to: east, bandwidth: {bw}Gbps, distance: 1500km}}
  - {{from: center, to: west, bandwidth: {bw}Gbps, distance: 1600km}}
models:
  llama3-8b: {{layers: 32, hidden: 4096, heads: 32, kv_heads: 8, ffn: 14336, vocab: 128256, seq: 8192,
              gated_mlp: true, tied_embeddings: false}}
workloads:
  training:
    - {{name: pretrain-8b, model: llama3-8b, global_batch: 480, tokens: 10e9, {job}}}
"""

MODES = {
    "single-site": "site: center, gpus: 64, parallelism: {tp: 2, pp: 1, dp: 32}",
    "sync": "gpus: 96, parallelism: {tp: 2, pp: 1, dp: 48}, sites: [center, east, west]",
    "local-sgd": "gpus: 96, parallelism: {tp: 2, pp: 1, dp: 48}, sites: [center, east, west], sync: local-sgd, "
                 "local_sgd: {inner_steps: 100, compression: fp16}, convergence_penalty: PENALTY",
}


def run(rcnsim, text, work):
    path = os.path.join(work, "s.yaml")
    with open(path, "w") as f:
        f.write(text)
    out = os.path.join(work, "out")
    subprocess.run([rcnsim, "run", path, "-o", out],
                   check=True, stdout=subprocess.DEVNULL)
    with open(os.path.join(out, "jobs.csv")) as f:
        row = next(csv.DictReader(f))
    return float(row["time_to_train_s"])


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rcnsim", default="build/rcnsim")
    ap.add_argument("--penalty", default="0.0", help="local-sgd convergence_penalty (default: rcnsim's, 0)")
    args = ap.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as work:
        for bw in BANDWIDTHS_GBPS:
            times = {}
            for mode, job in MODES.items():
                times[mode] = run(args.rcnsim, TEMPLATE.format(bw=bw, job=job.replace("PENALTY", args.penalty)), work)
            rows.append((bw, times))
    print("| WAN per link | single-site (64 GPUs) | sync (96) | local-sgd H=100 fp16 (96) |")
    print("|---|---|---|---|")
    for bw, t in rows:
        print(f"| {bw:g} Gb/s | {t['single-site'] / 3600:.2f} h | {t['sync'] / 3600:.2f} h | {t['local-sgd'] / 3600:.2f} h |")
    for mode in ("sync", "local-sgd"):
        wins = [bw for bw, t in rows if t[mode] < t["single-site"]]
        print(f"{mode} beats single-site from: {str(min(wins)) + ' Gb/s' if wins else 'never (in this range)'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
