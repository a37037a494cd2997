// Entry points of the single-GPU benchmarks, one source file each
// (gemm_bench.cu, memcpy_bench.cu, pcie_bench.cu, launch_bench.cu), plus the NCCL one,
// which spans all local GPUs (nccl_bench.cu).
#pragma once

#include <string>
#include <vector>

#include "bench_context.hpp"
#include "gemm_plan.hpp"
#include "microbench_json.hpp"

namespace rcn::calibrate {

// cuBLAS (bf16, fp16, tf32, fp32) and cuBLASLt (fp8 e4m3) matrix products.
std::vector<GemmPoint> run_gemm_bench(const BenchContext& ctx, const std::vector<GemmShape>& plan);

// Device-to-device cudaMemcpyAsync, 1 MiB .. 4 GiB.
std::vector<MemcpyPoint> run_memcpy_bench(const BenchContext& ctx);

// Host<->device copies, pinned and pageable, 64 KiB .. 1 GiB.
std::vector<PciePoint> run_pcie_bench(const BenchContext& ctx);

// Empty-kernel launch costs: eager, graph replay, synchronize, round trip.
LaunchFigures run_launch_bench(const BenchContext& ctx);

struct NcclOutcome {
    std::vector<NcclPoint> points;
    std::string skipped;  // non-empty when no collective was measured, with the reason
};

// Collectives over every local GPU from one process (ncclCommInitAll + group calls).
NcclOutcome run_nccl_bench(int gpu_count, bool quick);

// "2.28.9", or "" when built without NCCL.
std::string nccl_version();

}  // namespace rcn::calibrate
