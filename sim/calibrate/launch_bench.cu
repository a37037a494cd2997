// Fixed per-kernel costs that the simulator adds on top of kernel run time: how fast a
// host thread can issue kernels one by one (eager), how much of that a CUDA graph
// saves, and what a synchronize and a launch-and-wait round trip cost. All use an
// empty kernel so that only the overhead is left, and host wall-clock time, because
// the cost being measured is on the host and in the driver as much as on the GPU.
#include "benches.hpp"
#include "check.hpp"
#include "progress.hpp"
#include "sample_stats.hpp"

#include <chrono>
#include <vector>

namespace rcn::calibrate {

namespace {

__global__ void empty_kernel() {}

using Clock = std::chrono::steady_clock;

double since(Clock::time_point t0) {
    return std::chrono::duration<double>(Clock::now() - t0).count();
}

void launch_empty(cudaStream_t s, int count) {
    for (int i = 0; i < count; ++i) empty_kernel<<<1, 1, 0, s>>>();
    RCN_KERNEL_CHECK();
}

// Per kernel, back to back on one stream: time to issue `n` and see them finish.
double eager_per_kernel(const BenchContext& ctx, int n, int reps) {
    launch_empty(ctx.stream, 100);
    RCN_CUDA_CHECK(cudaStreamSynchronize(ctx.stream));
    std::vector<double> samples;
    for (int r = 0; r < reps; ++r) {
        const auto t0 = Clock::now();
        launch_empty(ctx.stream, n);
        RCN_CUDA_CHECK(cudaStreamSynchronize(ctx.stream));
        samples.push_back(since(t0) / n);
    }
    return summarize(samples).median;
}

// Per kernel, the same kernels captured once into a graph and replayed.
double graph_per_kernel(const BenchContext& ctx, int n, int reps) {
    cudaGraph_t graph = nullptr;
    cudaGraphExec_t exec = nullptr;
    RCN_CUDA_CHECK(cudaStreamBeginCapture(ctx.stream, cudaStreamCaptureModeThreadLocal));
    launch_empty(ctx.stream, n);
    RCN_CUDA_CHECK(cudaStreamEndCapture(ctx.stream, &graph));
    RCN_CUDA_CHECK(cudaGraphInstantiate(&exec, graph, 0));
    RCN_CUDA_CHECK(cudaGraphUpload(exec, ctx.stream));
    for (int i = 0; i < 3; ++i) RCN_CUDA_CHECK(cudaGraphLaunch(exec, ctx.stream));
    RCN_CUDA_CHECK(cudaStreamSynchronize(ctx.stream));

    std::vector<double> samples;
    for (int r = 0; r < reps; ++r) {
        const auto t0 = Clock::now();
        RCN_CUDA_CHECK(cudaGraphLaunch(exec, ctx.stream));
        RCN_CUDA_CHECK(cudaStreamSynchronize(ctx.stream));
        samples.push_back(since(t0) / n);
    }
    RCN_CUDA_CHECK(cudaGraphExecDestroy(exec));
    RCN_CUDA_CHECK(cudaGraphDestroy(graph));
    return summarize(samples).median;
}

// cudaDeviceSynchronize with nothing queued.
double sync_cost(int reps) {
    RCN_CUDA_CHECK(cudaDeviceSynchronize());
    std::vector<double> samples;
    for (int r = 0; r < reps; ++r) {
        const auto t0 = Clock::now();
        RCN_CUDA_CHECK(cudaDeviceSynchronize());
        samples.push_back(since(t0));
    }
    return summarize(samples).median;
}

// Launch one empty kernel and wait for it: the latency floor of a dependent step.
double roundtrip_cost(const BenchContext& ctx, int reps) {
    std::vector<double> samples;
    for (int r = 0; r < reps; ++r) {
        const auto t0 = Clock::now();
        launch_empty(ctx.stream, 1);
        RCN_CUDA_CHECK(cudaStreamSynchronize(ctx.stream));
        samples.push_back(since(t0));
    }
    return summarize(samples).median;
}

}  // namespace

LaunchFigures run_launch_bench(const BenchContext& ctx) {
    const int reps = ctx.quick ? 5 : 11;
    const int singles = ctx.quick ? 500 : 2000;
    LaunchFigures f;
    f.eager_per_kernel_s = eager_per_kernel(ctx, ctx.quick ? 2000 : 10000, reps);
    f.graph_per_kernel_s = graph_per_kernel(ctx, 1000, reps);
    f.sync_s = sync_cost(singles);
    f.roundtrip_s = roundtrip_cost(ctx, singles);
    progress("launch: eager %.2f us/kernel, graph %.2f us/kernel, sync %.2f us, round trip %.2f us",
             f.eager_per_kernel_s * 1e6, f.graph_per_kernel_s * 1e6, f.sync_s * 1e6,
             f.roundtrip_s * 1e6);
    return f;
}

}  // namespace rcn::calibrate
