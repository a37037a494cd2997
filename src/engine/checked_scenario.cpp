#include "rcn/engine/checked_scenario.hpp"

#include <fmt/format.h>

#include "rcn/models/training_memory.hpp"
#include "rcn/scenario/units.hpp"
#include "rcn/sched/policy_registry.hpp"
#include "rcn/topology/site_graph.hpp"

namespace rcn {
namespace {

// A job must fit in the memory of the GPUs of at least one cluster it may run on.
void check_memory(const Scenario& s, Diagnostics& diags) {
  for (std::size_t i = 0; i < s.training.size(); ++i) {
    const TrainingJobSpec& j = s.training[i];
    const ModelSpec* m = s.find_model(j.model);
    if (!m) continue;
    const TrainingMemory mem = training_memory(*m, j);
    double most = 0;
    std::string where;
    for (const auto& site : s.sites) {
      if (j.site && *j.site != site.name) continue;
      for (const auto& c : site.clusters) {
        const HardwareProfile* hw = s.find_profile(c.gpu);
        if (hw && c.gpus() >= j.gpus && hw->memory_bytes > most) {
          most = hw->memory_bytes;
          where = c.gpu;
        }
      }
    }
    if (most > 0 && mem.total_bytes > most)
      diags.error(j.loc, fmt::format("workloads.training[{}]", i),
                  fmt::format("job {} needs {} per GPU (weights {}, gradients {}, optimizer {}, activations {}) but a "
                              "{} has {}; raise tp/pp, shard more (parallelism.zero) or recompute activations",
                              j.name, format_bytes(mem.total_bytes), format_bytes(mem.weights_bytes),
                              format_bytes(mem.gradients_bytes), format_bytes(mem.optimizer_bytes),
                              format_bytes(mem.activations_bytes), where, format_bytes(most)));
  }
}

LoadResult check(LoadResult r) {
  if (!r.scenario) return r;
  const Scenario& s = *r.scenario;
  check_memory(s, r.diagnostics);
  SiteGraph(s).check_reachability(s, r.diagnostics);
  PolicyRegistry::instance().create(s.scheduler, r.diagnostics);
  if (r.diagnostics.has_errors()) r.scenario.reset();
  return r;
}

}  // namespace

LoadResult load_checked_file(const std::string& path, const LoadOptions& options) {
  return check(load_scenario_file(path, options));
}

LoadResult load_checked_text(const std::string& yaml, const std::string& display_name, const LoadOptions& options,
                             const std::string& base_dir) {
  return check(load_scenario_text(yaml, display_name, options, base_dir));
}

}  // namespace rcn
