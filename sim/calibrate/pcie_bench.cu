// Host<->device copy bandwidth over the GPU's host link (PCIe here), from pinned
// (cudaMallocHost) and pageable (plain new[]) host memory: the simulator's cost of
// staging data, checkpoints and offload. Each sample is one copy between two events
// on an idle stream, so small copies include the per-transfer latency an eager
// program pays. Pageable copies go through the driver's staging buffers and are
// synchronous; the events still bracket the whole transfer.
#include "benches.hpp"
#include "check.hpp"
#include "progress.hpp"
#include "timing.hpp"

#include <cstring>
#include <memory>

namespace rcn::calibrate {

namespace {

PciePoint measure(const BenchContext& ctx, void* dev, void* host, std::size_t bytes, bool h2d,
                  bool pinned) {
    const bool large = bytes >= (std::size_t(256) << 20);
    const int reps = large ? (ctx.quick ? 3 : 5) : (ctx.quick ? 10 : 20);
    const int warmup = large ? 1 : 3;
    const auto kind = h2d ? cudaMemcpyHostToDevice : cudaMemcpyDeviceToHost;
    const SampleStats st = time_each(
        ctx.stream,
        [&] {
            RCN_CUDA_CHECK(cudaMemcpyAsync(h2d ? dev : host, h2d ? host : dev, bytes, kind,
                                           ctx.stream));
        },
        warmup, reps);
    PciePoint p;
    p.direction = h2d ? "h2d" : "d2h";
    p.pinned = pinned;
    p.bytes = bytes;
    p.seconds = st.median;
    p.min_s = st.min;
    p.max_s = st.max;
    p.gbps = double(bytes) / st.median / 1e9;
    progress("pcie %s %-8s %12zu B %10.4f ms %7.2f GB/s", p.direction.c_str(),
             pinned ? "pinned" : "pageable", bytes, st.median * 1e3, p.gbps);
    return p;
}

}  // namespace

std::vector<PciePoint> run_pcie_bench(const BenchContext& ctx) {
    // The shipped file's sizes: 64 KiB, 1 MiB, 16 MiB, 256 MiB, 1 GiB.
    const std::vector<std::size_t> sizes = {std::size_t(64) << 10, std::size_t(1) << 20,
                                            std::size_t(16) << 20, std::size_t(256) << 20,
                                            std::size_t(1) << 30};
    const std::size_t max_b = sizes.back();

    void* dev = nullptr;
    RCN_CUDA_CHECK(cudaMalloc(&dev, max_b));
    RCN_CUDA_CHECK(cudaMemset(dev, 0x3c, max_b));
    void* pinned = nullptr;
    RCN_CUDA_CHECK(cudaMallocHost(&pinned, max_b));
    std::unique_ptr<unsigned char[]> pageable(new unsigned char[max_b]);
    // Touch every page so first-touch faults stay out of the timings.
    std::memset(pinned, 0x5a, max_b);
    std::memset(pageable.get(), 0xa5, max_b);

    std::vector<PciePoint> points;
    for (const bool is_pinned : {true, false}) {
        void* host = is_pinned ? pinned : static_cast<void*>(pageable.get());
        for (const std::size_t b : sizes) {
            points.push_back(measure(ctx, dev, host, b, true, is_pinned));
            points.push_back(measure(ctx, dev, host, b, false, is_pinned));
        }
    }
    RCN_CUDA_CHECK(cudaStreamSynchronize(ctx.stream));
    RCN_CUDA_CHECK(cudaFreeHost(pinned));
    RCN_CUDA_CHECK(cudaFree(dev));
    return points;
}

}  // namespace rcn::calibrate
