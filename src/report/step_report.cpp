#include "rcn/report/step_report.hpp"

#include <fmt/format.h>

#include "rcn/scenario/units.hpp"

namespace rcn {

using ordered_json = nlohmann::ordered_json;

namespace {

std::string layout_label(const ParallelismSpec& q) {
  std::string label = fmt::format("tp {}, cp {}, pp {}, v {}, dp {}, micro_batch {}, recompute {}, zero {}, sp {}",
                                  q.tp, q.cp, q.pp, q.virtual_stages, q.dp, q.micro_batch, q.recompute, q.zero,
                                  q.sequence_parallel && q.tp > 1 ? "on" : "off");
  if (q.first_stage_layers >= 0) label += fmt::format(", first stage {} layers", q.first_stage_layers);
  if (q.last_stage_layers >= 0) label += fmt::format(", last stage {} layers", q.last_stage_layers);
  return label;
}

}  // namespace

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
  if (s.ep_comm_total_s > 0) {  // MoE jobs with expert parallelism only (dense results keep their keys)
    b["ep_comm_s"] = s.ep_comm_s;
    b["ep_comm_total_s"] = s.ep_comm_total_s;
  }
  b["pp_comm_s"] = s.pp_comm_s;
  b["pp_bubble_s"] = s.pp_bubble_s;
  b["dp_comm_exposed_s"] = s.dp_comm_exposed_s;
  b["dp_comm_total_s"] = s.dp_comm_total_s;
  j["breakdown"] = b;
  j["micro_batches"] = s.micro_batches;
  j["params"] = s.params;
  if (s.active_params != s.params) j["active_params"] = s.active_params;
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
  const ParallelismSpec& q = s.layout;
  ordered_json par;
  par["tp"] = q.tp;
  par["cp"] = q.cp;
  par["pp"] = q.pp;
  par["dp"] = q.dp;
  par["micro_batch"] = q.micro_batch;
  par["schedule"] = q.schedule;
  par["virtual_stages"] = q.virtual_stages;
  if (q.first_stage_layers >= 0) par["first_stage_layers"] = q.first_stage_layers;
  if (q.last_stage_layers >= 0) par["last_stage_layers"] = q.last_stage_layers;
  par["recompute"] = q.recompute;
  par["zero"] = q.zero;
  par["sequence_parallel"] = q.sequence_parallel && q.tp > 1;
  par["auto"] = q.auto_layout;
  j["parallelism"] = par;
  return j;
}

std::vector<JobEstimate> estimate_jobs(const Scenario& s, const std::string& only_job, int search_top) {
  std::vector<JobEstimate> out;
  for (const auto& j : s.training) {
    if (!only_job.empty() && j.name != only_job) continue;
    const ModelSpec* m = s.find_model(j.model);
    if (!m) continue;
    const bool auto_layout = j.parallelism.auto_layout;
    std::optional<JobEstimate> found;
    for (const auto& site : s.sites) {
      if (j.site && *j.site != site.name) continue;
      for (const auto& c : site.clusters) {
        const HardwareProfile* hw = s.find_profile(c.gpu);
        if (found || !can_hold(j, c, hw)) continue;
        const ClusterLinks links = ClusterLinks::of(c);
        JobEstimate e{j.name, site.name, c.name, c.gpu, j.gpus, {}, std::nullopt};
        if (auto_layout || search_top > 0) e.search = search_layouts(*m, j, *hw, links, {std::max(1, search_top), true});
        if (auto_layout && e.search->best.empty()) continue;  // no layout fits here
        e.step = auto_layout ? e.search->best.front() : training_step(*m, j, *hw, links);
        if (search_top <= 0) e.search.reset();
        found = std::move(e);
      }
      if (found) break;
    }
    if (found) out.push_back(std::move(*found));
  }
  return out;
}

std::string estimates_table(const std::vector<JobEstimate>& est) {
  std::string out;
  for (const auto& e : est) {
    const TrainingStep& s = e.step;
    out += fmt::format("{} on {}/{} ({}): {:.1f}B params{}, {} micro-batches per step\n", e.job, e.site, e.cluster,
                       e.gpu, s.params / 1e9,
                       s.active_params != s.params && s.active_params > 0
                           ? fmt::format(" ({:.1f}B active per token)", s.active_params / 1e9)
                           : std::string(),
                       s.micro_batches);
    out += fmt::format("  layout {}{}\n", layout_label(s.layout),
                       s.layout.auto_layout ? " (parallelism: auto, the layout search's best here)" : "");
    out += fmt::format("  step {:.4g} s = forward {:.4g} + backward {:.4g} + recompute {:.4g} + tp_comm {:.4g}{}"
                       " + pp_bubble {:.4g} + pp_comm {:.4g} + dp_comm_exposed {:.4g} + optimizer {:.4g}\n",
                       s.step_time_s, s.forward_s, s.backward_s, s.recompute_s, s.tp_comm_s,
                       (s.cp_comm_s > 0 ? fmt::format(" + cp_comm {:.4g}", s.cp_comm_s) : std::string()) +
                           (s.ep_comm_total_s > 0 ? fmt::format(" + ep_comm {:.4g} (all-to-all, {:.4g} before overlap)",
                                                                s.ep_comm_s, s.ep_comm_total_s)
                                                  : std::string()),
                       s.pp_bubble_s,
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

std::string layout_search_table(const Scenario& s, const std::vector<JobEstimate>& est) {
  std::string out;
  for (const auto& e : est) {
    if (!e.search) continue;
    const LayoutSearchResult& r = *e.search;
    const TrainingJobSpec* job = nullptr;
    for (const auto& j : s.training)
      if (j.name == e.job) job = &j;
    out += fmt::format("{} on {}/{} ({}, {} GPUs): the fastest {} of {} layouts\n", e.job, e.site, e.cluster, e.gpu,
                       e.gpus, r.best.size(), r.counts.enumerated);
    if (!r.best.empty())
      out += fmt::format("  {:>2} {:>2} {:>4} {:>3} {:>3} {:>5} {:>5} {:>3} {:>9} {:>4} {:>3} {:>9} {:>9} {:>9} {:>9} {:>9} "
                         "{:>9} {:>9} {:>9} {:>9} {:>9} {:>6} {:>10} {:>10}\n",
                         "#", "tp", "cp", "pp", "v", "ends", "dp", "mb", "recompute", "zero", "sp", "step_s", "forward",
                         "backward", "recomp", "tp_comm", "cp_comm", "pp_comm", "bubble", "dp_exp", "optimizer", "MFU",
                         "memory/GPU", "to train");
    for (std::size_t i = 0; i < r.best.size(); ++i) {
      const TrainingStep& st = r.best[i];
      const ParallelismSpec& q = st.layout;
      // "ends": the first and the last stage's layers of an uneven split (the search's embedding-and-loss split).
      const auto side = [](int n) { return n >= 0 ? std::to_string(n) : std::string("*"); };
      const std::string ends = q.first_stage_layers >= 0 || q.last_stage_layers >= 0
                                   ? side(q.first_stage_layers) + "," + side(q.last_stage_layers)
                                   : "-";
      out += fmt::format("  {:>2} {:>2} {:>4} {:>3} {:>3} {:>5} {:>5} {:>3} {:>9} {:>4} {:>3} {:>9.4g} {:>9.4g} {:>9.4g} "
                         "{:>9.4g} {:>9.4g} {:>9.4g} {:>9.4g} {:>9.4g} {:>9.4g} {:>9.4g} {:>5.1f}% {:>10} {:>10}\n",
                         i + 1, q.tp, q.cp, q.pp, q.virtual_stages, ends, q.dp, q.micro_batch, q.recompute, q.zero,
                         q.sequence_parallel && q.tp > 1 ? "on" : "off", st.step_time_s, st.forward_s, st.backward_s,
                         st.recompute_s, st.tp_comm_s, st.cp_comm_s, st.pp_comm_s, st.pp_bubble_s,
                         st.dp_comm_exposed_s, st.optimizer_s, 100 * st.mfu, format_bytes(st.memory.total_bytes),
                         format_duration(st.time_to_train_s));
    }
    out += fmt::format("  {} layouts: {} skipped for memory (more than {} per GPU), {} pruned by the lower bound, {} "
                       "evaluated with the step model\n",
                       r.counts.enumerated, r.counts.skipped_memory, format_bytes(r.memory_capacity),
                       r.counts.pruned_bound, r.counts.evaluated);
    if (r.best.empty()) out += "  no layout fits\n";
    if (job && !job->parallelism.auto_layout)
      out += fmt::format("  the job's own layout ({}): step {:.4g} s, MFU {:.1f}%, memory {} per GPU, to train {}\n",
                         layout_label(e.step.layout), e.step.step_time_s, 100 * e.step.mfu,
                         format_bytes(e.step.memory.total_bytes), format_duration(e.step.time_to_train_s));
    out += "\n";
  }
  return out;
}

std::string layout_search_json(const Scenario& s, const std::vector<JobEstimate>& est) {
  ordered_json all = ordered_json::array();
  for (const auto& e : est) {
    if (!e.search) continue;
    const LayoutSearchResult& r = *e.search;
    ordered_json j;
    j["job"] = e.job;
    j["site"] = e.site;
    j["cluster"] = e.cluster;
    j["gpu"] = e.gpu;
    j["gpus"] = e.gpus;
    j["memory_capacity_bytes"] = r.memory_capacity;
    ordered_json counts;
    counts["enumerated"] = r.counts.enumerated;
    counts["skipped_memory"] = r.counts.skipped_memory;
    counts["pruned_bound"] = r.counts.pruned_bound;
    counts["evaluated"] = r.counts.evaluated;
    j["counts"] = counts;
    ordered_json layouts = ordered_json::array();
    for (const TrainingStep& st : r.best) layouts.push_back(step_json(st));
    j["layouts"] = layouts;
    for (const auto& job : s.training)
      if (job.name == e.job && !job.parallelism.auto_layout) j["job_layout"] = step_json(e.step);
    all.push_back(j);
  }
  return all.dump(2) + "\n";
}

}  // namespace rcn
