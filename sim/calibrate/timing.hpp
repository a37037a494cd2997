// Device-side timing with CUDA events. Two ways, chosen per benchmark:
//  - time_batched: each sample is one batch of back-to-back calls between two events,
//    divided by the batch length. The batch is sized to last target_batch_s, so short
//    operations are measured at their steady-state rate with the launch gaps hidden
//    behind queued work (what the simulator wants for kernel time; launch cost is
//    measured separately).
//  - time_each: each sample is one call between two events on an otherwise idle
//    stream: the latency one eager call sees, API overhead included (used for
//    host<->device copies, where per-transfer latency matters).
// Both warm up first and return the median, min and max over the samples.
#pragma once

#include <functional>

#include <cuda_runtime.h>

#include "sample_stats.hpp"

namespace rcn::calibrate {

struct BatchedTiming {
    int warmup = 3;
    int reps = 10;
    double target_batch_s = 1e-3;
    int max_inner = 1000;
};

// `op` enqueues exactly one operation on `stream`.
SampleStats time_batched(cudaStream_t stream, const std::function<void()>& op,
                         const BatchedTiming& cfg);

SampleStats time_each(cudaStream_t stream, const std::function<void()>& op, int warmup,
                      int reps);

}  // namespace rcn::calibrate
