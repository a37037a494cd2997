// Device-memory bandwidth as a plain device-to-device copy (cudaMemcpyAsync), the
// figure the simulator uses for memory-bound work. Reported as gbps_rw: bytes read
// plus bytes written per second (2*bytes/s), the usual way to state HBM throughput.
// Batched timing: small copies are reported at their steady-state rate, not at the
// latency of one isolated call (see timing.hpp).
#include "benches.hpp"
#include "check.hpp"
#include "progress.hpp"
#include "random_fill.hpp"
#include "timing.hpp"

namespace rcn::calibrate {

std::vector<MemcpyPoint> run_memcpy_bench(const BenchContext& ctx) {
    // 1 MiB .. 4 GiB in steps of 4, as in the shipped file; larger sizes only while
    // two buffers fit in 80% of free memory.
    std::size_t free_b = 0, total_b = 0;
    RCN_CUDA_CHECK(cudaMemGetInfo(&free_b, &total_b));
    std::vector<std::size_t> sizes;
    for (std::size_t b = std::size_t(1) << 20; b <= (std::size_t(4) << 30); b *= 4) {
        if (2 * b <= free_b / 10 * 8) sizes.push_back(b);
        else progress("memcpy_d2d: %zu bytes skipped, not enough free device memory", b);
    }
    std::vector<MemcpyPoint> points;
    if (sizes.empty()) return points;

    const std::size_t max_b = sizes.back();
    void* src = nullptr;
    void* dst = nullptr;
    RCN_CUDA_CHECK(cudaMalloc(&src, max_b));
    RCN_CUDA_CHECK(cudaMalloc(&dst, max_b));
    fill_random(src, max_b / 4, ElemType::U32, 7, ctx.stream);
    RCN_CUDA_CHECK(cudaMemsetAsync(dst, 0, max_b, ctx.stream));

    BatchedTiming cfg;
    cfg.warmup = 3;
    cfg.reps = ctx.quick ? 10 : 30;
    cfg.target_batch_s = ctx.quick ? 2e-3 : 5e-3;
    for (const std::size_t b : sizes) {
        const SampleStats st = time_batched(
            ctx.stream,
            [&] { RCN_CUDA_CHECK(cudaMemcpyAsync(dst, src, b, cudaMemcpyDeviceToDevice, ctx.stream)); },
            cfg);
        MemcpyPoint p;
        p.bytes = b;
        p.seconds = st.median;
        p.min_s = st.min;
        p.max_s = st.max;
        p.gbps_rw = 2.0 * double(b) / st.median / 1e9;
        progress("memcpy_d2d %12zu B %10.4f ms %8.1f GB/s (read+write)", b, st.median * 1e3,
                 p.gbps_rw);
        points.push_back(p);
    }
    RCN_CUDA_CHECK(cudaStreamSynchronize(ctx.stream));
    RCN_CUDA_CHECK(cudaFree(src));
    RCN_CUDA_CHECK(cudaFree(dst));
    return points;
}

}  // namespace rcn::calibrate
