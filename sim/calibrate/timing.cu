// See timing.hpp.
#include "timing.hpp"
#include "check.hpp"

#include <algorithm>
#include <cmath>
#include <vector>

namespace rcn::calibrate {

namespace {

// Event pair owned for the duration of one measurement.
class EventPair {
public:
    EventPair() {
        RCN_CUDA_CHECK(cudaEventCreate(&start_));
        RCN_CUDA_CHECK(cudaEventCreate(&stop_));
    }
    ~EventPair() {
        cudaEventDestroy(start_);  // destructor: nothing sensible to do on failure
        cudaEventDestroy(stop_);
    }
    EventPair(const EventPair&) = delete;
    EventPair& operator=(const EventPair&) = delete;

    // Seconds taken by `calls` calls of op, enqueued between the two events.
    double time(cudaStream_t stream, const std::function<void()>& op, int calls) {
        RCN_CUDA_CHECK(cudaEventRecord(start_, stream));
        for (int i = 0; i < calls; ++i) op();
        RCN_CUDA_CHECK(cudaEventRecord(stop_, stream));
        RCN_CUDA_CHECK(cudaEventSynchronize(stop_));
        float ms = 0.0f;
        RCN_CUDA_CHECK(cudaEventElapsedTime(&ms, start_, stop_));
        return static_cast<double>(ms) * 1e-3;
    }

private:
    cudaEvent_t start_ = nullptr;
    cudaEvent_t stop_ = nullptr;
};

void warm_up(cudaStream_t stream, const std::function<void()>& op, int warmup) {
    for (int i = 0; i < warmup; ++i) op();
    RCN_CUDA_CHECK(cudaStreamSynchronize(stream));
}

}  // namespace

SampleStats time_batched(cudaStream_t stream, const std::function<void()>& op,
                         const BatchedTiming& cfg) {
    warm_up(stream, op, cfg.warmup);
    EventPair ev;
    constexpr int kProbeCalls = 3;
    const double per_call = std::max(ev.time(stream, op, kProbeCalls) / kProbeCalls, 1e-7);
    const int inner = static_cast<int>(
        std::clamp(std::ceil(cfg.target_batch_s / per_call), 1.0, double(cfg.max_inner)));

    std::vector<double> samples;
    samples.reserve(cfg.reps);
    for (int r = 0; r < cfg.reps; ++r) samples.push_back(ev.time(stream, op, inner) / inner);
    return summarize(samples);
}

SampleStats time_each(cudaStream_t stream, const std::function<void()>& op, int warmup,
                      int reps) {
    warm_up(stream, op, warmup);
    EventPair ev;
    std::vector<double> samples;
    samples.reserve(reps);
    for (int r = 0; r < reps; ++r) samples.push_back(ev.time(stream, op, 1));
    return summarize(samples);
}

}  // namespace rcn::calibrate
