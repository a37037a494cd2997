#include "rcn/models/first_step_time.hpp"

#include <cmath>

#include "rcn/models/transformer_size.hpp"

namespace rcn {

TrainingEstimate first_step_time(const ModelSpec& model, const TrainingJobSpec& job, const HardwareProfile& gpu) {
  TrainingEstimate e;
  e.params = transformer_size(model).total_params;
  e.tokens_per_step = static_cast<double>(job.global_batch) * model.seq;
  if (job.steps) e.steps = std::ceil(*job.steps);
  else if (job.tokens && e.tokens_per_step > 0) e.steps = std::ceil(*job.tokens / e.tokens_per_step);
  e.total_tokens = e.steps * e.tokens_per_step;
  e.model_flops_per_step = 6.0 * e.params * e.tokens_per_step;
  auto peak_it = gpu.peak_flops.find(job.precision);
  const double peak = peak_it == gpu.peak_flops.end() ? 0 : peak_it->second;
  const double per_gpu = peak * gpu.training_efficiency;
  if (per_gpu > 0 && job.gpus > 0) e.step_time_s = e.model_flops_per_step / (per_gpu * job.gpus);
  e.tflops_per_gpu = per_gpu / 1e12;
  e.mfu = gpu.training_efficiency;
  e.time_to_train_s = e.steps * e.step_time_s;
  return e;
}

}  // namespace rcn
