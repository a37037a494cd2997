#!/usr/bin/env bash
# One-call build-and-measure script for a lent GPU machine (see docs/calibration.md).
# Run from the repository root:  bash sim/calibrate/run_on_device.sh
# Writes to $OUT (default ./calibrate-out): env.txt, build.log, <gpu>-quick.json and
# its stderr log, and, when the quick run left time for it and FULL_BUDGET_S > 0, a
# full run (<gpu>-full.json, capped at FULL_BUDGET_S seconds), then a second quick
# run (<gpu>-quick-repeat.json).
set -uo pipefail
OUT=${OUT:-$PWD/calibrate-out}
TAG=${TAG:-h200}
FULL_BUDGET_S=${FULL_BUDGET_S:-200}
BUILD=${BUILD:-/tmp/build-cal}
mkdir -p "$OUT"

{
  echo "== $(date -u +%Y-%m-%dT%H:%M:%SZ) $(uname -r)"
  nvidia-smi
  nvidia-smi --query-gpu=name,driver_version,memory.total,power.limit,clocks.max.sm,clocks.max.memory,pcie.link.gen.max,pcie.link.width.max,clocks.sm,temperature.gpu --format=csv
  nvcc --version | tail -2
  cmake --version | head -1
  command -v ninja && ninja --version
  python3 -m pip show -f nvidia-nccl-cu13 2>/dev/null | grep -E "^(Version|Location)|nccl\.h|libnccl"
} 2>&1 | tee "$OUT/env.txt"

# NCCL: CMakeLists.txt also globs pip's site-packages; pass the folder explicitly when
# it can be seen here, so the log shows which one was used.
nccl_root=""
for site in $(python3 -c 'import site; print(" ".join(site.getsitepackages()))' 2>/dev/null) \
            /opt/torch/.venv/lib/python3*/site-packages; do
  for cand in "$site"/nvidia/nccl "$site"/nvidia/nccl*; do
    if [ -f "$cand/include/nccl.h" ]; then nccl_root=$cand; break 2; fi
  done
done
echo "NCCL_ROOT=${nccl_root:-<none found in site-packages; CMake searches the toolkit>}" | tee -a "$OUT/env.txt"

gen=()
command -v ninja >/dev/null && gen=(-G Ninja)
if ! { cmake -S sim/calibrate -B "$BUILD" "${gen[@]}" -DCMAKE_BUILD_TYPE=Release \
         -DCMAKE_CUDA_ARCHITECTURES=90 ${nccl_root:+-DNCCL_ROOT=$nccl_root} &&
       cmake --build "$BUILD" -j"$(nproc)"; } > "$OUT/build.log" 2>&1; then
  tail -40 "$OUT/build.log"
  echo "BUILD FAILED"
  ls /usr/local/cuda/lib64 | grep -E "cublas|nccl" || true
  exit 1
fi
grep -E "NCCL|rcnsim-calibrate" "$OUT/build.log"
ldd "$BUILD/rcnsim-calibrate" | grep -E "cublas|nccl|cudart"

t0=$(date +%s.%N)
"$BUILD/rcnsim-calibrate" --quick -o "$OUT/$TAG-quick.json" 2> >(tee "$OUT/$TAG-quick.log" >&2)
rc=$?
t1=$(date +%s.%N)
quick_s=$(python3 -c "print(round($t1-$t0,1))")
echo "quick run: exit $rc, ${quick_s} s wall" | tee -a "$OUT/env.txt"

if [ "$rc" -eq 0 ] && [ "$FULL_BUDGET_S" -gt 0 ] && python3 -c "import sys; sys.exit(0 if $quick_s < 100 else 1)"; then
  t0=$(date +%s.%N)
  timeout "$FULL_BUDGET_S" "$BUILD/rcnsim-calibrate" -o "$OUT/$TAG-full.json" 2> "$OUT/$TAG-full.log"
  frc=$?
  t1=$(date +%s.%N)
  echo "full run: exit $frc, $(python3 -c "print(round($t1-$t0,1))") s wall" | tee -a "$OUT/env.txt"
  tail -3 "$OUT/$TAG-full.log"
fi
# A second quick run shows run-to-run spread (REPEAT_QUICK=0 to skip).
if [ "$rc" -eq 0 ] && [ "${REPEAT_QUICK:-1}" -eq 1 ]; then
  "$BUILD/rcnsim-calibrate" --quick -o "$OUT/$TAG-quick-repeat.json" 2>/dev/null
  echo "repeat quick run: exit $?" | tee -a "$OUT/env.txt"
fi
nvidia-smi --query-gpu=clocks.sm,clocks.mem,temperature.gpu,power.draw --format=csv | tee -a "$OUT/env.txt"

# Short summary last (the tool's reply shows the end of the output).
python3 - "$OUT/$TAG-quick.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
g = {(x["dtype"], x["m"], x["n"], x["k"], x["label"]): x["tflops"] for x in d["gemm"]}
print("bf16 8192^3 square: %.1f TFLOP/s" % g.get(("bf16", 8192, 8192, 8192, "square"), float("nan")))
for dt in ("bf16", "fp16", "tf32", "fp32", "fp8"):
    v = [x["tflops"] for x in d["gemm"] if x["dtype"] == dt]
    if v: print("%s peak: %.1f TFLOP/s" % (dt, max(v)))
print("HBM copy max: %.0f GB/s (r+w)" % max(x["gbps_rw"] for x in d["memcpy_d2d"]))
print("pcie pinned max: %.1f GB/s" % max(x["gbps"] for x in d["pcie"] if x["pinned"]))
print("launch:", {k: "%.2f us" % (v * 1e6) for k, v in d["launch"].items()})
print("nccl:", len(d["nccl"]), d.get("nccl_skipped", ""))
print("elapsed_s:", d["meta"]["elapsed_s"])
PY
exit $rc
