#include "rcn/report/step_report.hpp"

#include <fmt/format.h>

#include "rcn/scenario/units.hpp"

namespace rcn {

using ordered_json = nlohmann::ordered_json;

ordered_json step_json(const TrainingStep& s) {
  ordered_json j;
  j["step_time_s"] = s.step_time_s;
  ordered_json b;
  b["layer_forward_s"] = s.layer_forward_s;
  b["layer_backward_s"] = s.layer_backward_s;
  b["forward_s"] = s.forward_s;
  b["backward_s"] = s.backward_s;
  b["recompute_s"] = s.recompute_s;
  b["optimizer_s"] = s.optimizer_s;
  b["tp_comm_s"] = s.tp_comm_s;
  b["cp_comm_s"] = s.cp_comm_s;
  b["pp_comm_s"] = s.pp_comm_s;
  b["pp_bubble_s"] = s.pp_bubble_s;
  b["dp_comm_exposed_s"] = s.dp_comm_exposed_s;
  b["dp_comm_total_s"] = s.dp_comm_total_s;
  j["breakdown"] = b;
  j["micro_batches"] = s.micro_batches;
  j["params"] = s.params;
  j["tokens_per_step"] = s.tokens_per_step;
  j["steps"] = s.steps;
  j["model_tflops_per_gpu"] = s.model_tflops_per_gpu;
  j["hardware_tflops_per_gpu"] = s.hardware_tflops_per_gpu;
  j["mfu"] = s.mfu;
  ordered_json m;
  m["weights"] = s.memory.weights_bytes;
  m["gradients"] = s.memory.gradients_bytes;
  m["optimizer"] = s.memory.optimizer_bytes;
  m["activations"] = s.memory.activations_bytes;
  m["total"] = s.memory.total_bytes;
  j["memory_per_gpu_bytes"] = m;
  j["time_to_train_s"] = s.time_to_train_s;
  return j;
}

std::vector<JobEstimate> estimate_jobs(const Scenario& s, const std::string& only_job) {
  std::vector<JobEstimate> out;
  for (const auto& j : s.training) {
    if (!only_job.empty() && j.name != only_job) continue;
    const ModelSpec* m = s.find_model(j.model);
    if (!m) continue;
    for (const auto& site : s.sites) {
      if (j.site && *j.site != site.name) continue;
      const ClusterSpec* c = nullptr;
      for (const auto& cl : site.clusters)
        if (!c && cl.gpus() >= j.gpus && s.find_profile(cl.gpu) && s.find_profile(cl.gpu)->peak(j.precision) > 0) c = &cl;
      if (!c) continue;
      out.push_back({j.name, site.name, c->name, c->gpu,
                     training_step(*m, j, *s.find_profile(c->gpu), ClusterLinks::of(*c))});
      break;
    }
  }
  return out;
}

std::string estimates_table(const std::vector<JobEstimate>& est) {
  std::string out;
  for (const auto& e : est) {
    const TrainingStep& s = e.step;
    out += fmt::format("{} on {}/{} ({}): {:.1f}B params, {} micro-batches per step\n", e.job, e.site, e.cluster,
                       e.gpu, s.params / 1e9, s.micro_batches);
    out += fmt::format("  step {:.4g} s = forward {:.4g} + backward {:.4g} + recompute {:.4g} + tp_comm {:.4g}{}"
                       " + pp_bubble {:.4g} + pp_comm {:.4g} + dp_comm_exposed {:.4g} + optimizer {:.4g}\n",
                       s.step_time_s, s.forward_s, s.backward_s, s.recompute_s, s.tp_comm_s,
                       s.cp_comm_s > 0 ? fmt::format(" + cp_comm {:.4g}", s.cp_comm_s) : std::string(), s.pp_bubble_s,
                       s.pp_comm_s, s.dp_comm_exposed_s, s.optimizer_s);
    out += fmt::format("  one layer, one micro-batch: forward {}, backward {}\n", format_duration(s.layer_forward_s),
                       format_duration(s.layer_backward_s));
    out += fmt::format("  {:.1f} model / {:.1f} hardware TFLOP/s per GPU, MFU {:.1f}%\n", s.model_tflops_per_gpu,
                       s.hardware_tflops_per_gpu, 100 * s.mfu);
    out += fmt::format("  memory per GPU {} = weights {} + gradients {} + optimizer {} + activations {}\n",
                       format_bytes(s.memory.total_bytes), format_bytes(s.memory.weights_bytes),
                       format_bytes(s.memory.gradients_bytes), format_bytes(s.memory.optimizer_bytes),
                       format_bytes(s.memory.activations_bytes));
    out += fmt::format("  time to train {} ({:.0f} steps, {:.3g} tokens)\n\n", format_duration(s.time_to_train_s),
                       s.steps, s.total_tokens);
  }
  return out;
}

std::string estimates_json(const std::vector<JobEstimate>& est) {
  ordered_json all = ordered_json::array();
  for (const auto& e : est) {
    ordered_json j;
    j["job"] = e.job;
    j["site"] = e.site;
    j["cluster"] = e.cluster;
    j["gpu"] = e.gpu;
    const ordered_json step = step_json(e.step);
    for (auto it = step.begin(); it != step.end(); ++it) j[it.key()] = it.value();
    all.push_back(j);
  }
  return all.dump(2) + "\n";
}

}  // namespace rcn
