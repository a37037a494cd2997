#pragma once
// The first, deliberately simple training step-time model: 6 N FLOPs per
// token (forward 2N, backward 4N; Kaplan et al. 2020) at a fixed fraction of
// the GPU's dense peak taken from its hardware profile. The calibrated models
// issue replaces it; the engine only depends on the TrainingEstimate shape.
#include "rcn/scenario/hardware_profile.hpp"
#include "rcn/scenario/scenario.hpp"

namespace rcn {

struct TrainingEstimate {
  double params = 0;
  double tokens_per_step = 0;        // global_batch x seq
  double steps = 0;                  // whole steps to reach the job's tokens (rounded up)
  double total_tokens = 0;           // steps x tokens_per_step
  double model_flops_per_step = 0;   // 6 N tokens_per_step
  double step_time_s = 0;
  double tflops_per_gpu = 0;         // model FLOP/s per GPU, in TFLOP/s
  double mfu = 0;                    // model FLOPs utilisation against the dense peak
  double time_to_train_s = 0;        // steps x step_time, no failures, no queueing
};

TrainingEstimate first_step_time(const ModelSpec& model, const TrainingJobSpec& job, const HardwareProfile& gpu);

}  // namespace rcn
