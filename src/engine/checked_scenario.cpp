#include "rcn/engine/checked_scenario.hpp"

#include <cmath>
#include <map>
#include <set>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "rcn/models/fabric_failure.hpp"
#include "rcn/models/fabric_shape.hpp"
#include "rcn/models/failure_model.hpp"
#include "rcn/models/layout_search.hpp"
#include "rcn/models/training_memory.hpp"
#include "rcn/models/transformer_size.hpp"
#include "rcn/scenario/input_limits.hpp"
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
    if (!m || j.parallelism.auto_layout) continue;  // check_auto_layouts()
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

// What a search that found nothing saw on a cluster of `gpu`.
std::string why_none_fits(const TrainingJobSpec& j, const std::string& gpu, const LayoutSearchResult& r) {
  const ParallelismSpec::Fixed& f = j.parallelism.fixed;
  if (r.counts.enumerated == 0)
    return fmt::format("no layout of {} GPUs meets the divisibility rules{}", j.gpus,
                       f.tp || f.cp || f.pp || f.dp || f.micro_batch || f.virtual_stages || f.schedule
                           ? " with the keys given"
                           : "");
  return fmt::format("{} layouts, the smallest needs {} per GPU, {} has {}", r.counts.enumerated,
                     format_bytes(r.least_memory), gpu, format_bytes(r.memory_capacity));
}

}  // namespace

std::set<std::size_t> check_layout_search_spaces(const Scenario& s,
                                                 const std::function<bool(const TrainingJobSpec&)>& searched,
                                                 Diagnostics& diags) {
  std::set<std::size_t> refused;
  std::map<std::string, std::int64_t> counted;  // by layout_search_key: identical jobs count once
  const std::int64_t limit = limits::kMaxLayoutsPerSearch;
  for (std::size_t i = 0; i < s.training.size(); ++i) {
    const TrainingJobSpec& j = s.training[i];
    const ModelSpec* m = s.find_model(j.model);
    if (!m || !searched(j)) continue;
    for (const auto& site : s.sites) {
      if (refused.count(i) || (j.site && *j.site != site.name)) continue;
      for (const auto& c : site.clusters) {
        const HardwareProfile* hw = s.find_profile(c.gpu);
        if (refused.count(i) || !can_hold(j, c, hw)) continue;
        const ClusterLinks links = ClusterLinks::of(c);
        const std::string key = layout_search_key(*m, j, c.gpu, links);
        auto it = counted.find(key);
        if (it == counted.end()) it = counted.emplace(key, count_layouts(*m, j, links, limit)).first;
        if (it->second <= limit) continue;
        refused.insert(i);
        diags.error(j.parallelism.loc, fmt::format("workloads.training[{}].parallelism", i),
                    fmt::format("job {}: the layout search on {}/{} would try more than {} layouts ({} GPUs, "
                                "global_batch {}, {} layers); fix some keys such as tp, pp or micro_batch "
                                "(parallelism: {{auto: true, tp: 8, pp: 4}})",
                                j.name, site.name, c.name, limit, j.gpus, j.global_batch, m->layers));
      }
    }
  }
  return refused;
}

namespace {

// A `parallelism: auto` job needs one layout that fits on one cluster it may use
// (of its size, with a peak for its precision). Searches are cached by what they
// depend on, so a trace of identical jobs searches once; a space too large to
// search is refused first, without searching.
void check_auto_layouts(const Scenario& s, Diagnostics& diags) {
  const std::set<std::size_t> too_large = check_layout_search_spaces(
      s, [](const TrainingJobSpec& j) { return j.parallelism.auto_layout; }, diags);
  std::map<std::string, LayoutSearchResult> searched;
  for (std::size_t i = 0; i < s.training.size(); ++i) {
    const TrainingJobSpec& j = s.training[i];
    const ModelSpec* m = s.find_model(j.model);
    if (!m || !j.parallelism.auto_layout || too_large.count(i)) continue;
    bool fits = false, split = false;  // split: some cluster had layouts (that did not fit)
    std::vector<std::string> tried;
    for (const auto& site : s.sites) {
      if (j.site && *j.site != site.name) continue;
      for (const auto& c : site.clusters) {
        const HardwareProfile* hw = s.find_profile(c.gpu);
        if (fits || !can_hold(j, c, hw)) continue;
        const ClusterLinks links = ClusterLinks::of(c);
        const std::string key = layout_search_key(*m, j, c.gpu, links);
        auto it = searched.find(key);
        if (it == searched.end()) it = searched.emplace(key, search_layouts(*m, j, *hw, links, {1, true})).first;
        const LayoutSearchResult& r = it->second;
        fits = !r.best.empty();
        split = split || r.counts.enumerated > 0;
        if (tried.size() < 3) tried.push_back(fmt::format("{}/{}: {}", site.name, c.name, why_none_fits(j, c.gpu, r)));
      }
    }
    if (!fits && !tried.empty())
      diags.error(j.parallelism.loc, fmt::format("workloads.training[{}].parallelism", i),
                  fmt::format("job {} (parallelism: auto): no layout fits on any cluster it may use ({}); {}", j.name,
                              fmt::join(tried, "; "),
                              split ? "give it more GPUs or fix fewer keys" : "fix fewer keys or change its gpus"));
  }
}

// Model sizes stay where the step, memory and checkpoint arithmetic (doubles,
// and a uint64 byte count per transfer) is exact enough and finite.
void check_model_sizes(const Scenario& s, Diagnostics& diags) {
  for (const ModelSpec& m : s.models) {
    const double params = transformer_size(m).total_params;
    if (!(params <= limits::kMaxModelParams))
      diags.error(m.loc, "models." + m.name,
                  fmt::format("the model has about {:.3g} parameters; the limit is {:g}", params,
                              limits::kMaxModelParams));
  }
}

// Random failures are drawn before the run starts (models/failure_schedule.cpp),
// one renewal process per unit: about rate x GPUs x horizon events per class.
// Estimated here, before anything is allocated.
void check_failure_count(const Scenario& s, Diagnostics& diags) {
  if (!s.failures.present) return;
  double per_second = 0;
  for (const ComponentFailure& c : failure_components(s.failures)) {
    for (const SiteSpec& site : s.sites) {
      auto sc = s.failures.site_scale.find(site.name);
      const double site_scale = sc == s.failures.site_scale.end() ? 1.0 : sc->second;
      double units = 0;  // GPUs (spares fail too), or spines or uplink cables of the tiered fabrics
      for (const ClusterSpec& cl : site.clusters) {
        if (c.blast != BlastRadius::Uplink) {
          units += static_cast<double>(cl.servers + cl.spares) * cl.gpus_per_server;
          continue;
        }
        std::string error, key;
        const FabricShape shape = fabric_shape(cl, error, key);
        if (error.empty()) units += uplink_failure_units(shape, c.name);
      }
      per_second += c.rate * units * site_scale;
    }
  }
  const double events = per_second * s.horizon;
  if (events <= static_cast<double>(limits::kMaxFailureEvents)) return;  // also false for inf and NaN
  const bool scaled = s.failures.scale != 1.0;
  diags.error(scaled ? s.failures.scale_loc : s.failures.loc, scaled ? "failures.scale" : "failures",
              fmt::format("{} would generate {} failure events over the horizon ({}); the limit is {}",
                          scaled ? fmt::format("{:g}", s.failures.scale) : std::string("the failure rates"),
                          std::isfinite(events) ? fmt::format("about {:.3g}", events) : "more than 1e308",
                          format_duration(s.horizon), limits::kMaxFailureEvents));
}

LoadResult check(LoadResult r) {
  if (!r.scenario) return r;
  const Scenario& s = *r.scenario;
  check_model_sizes(s, r.diagnostics);
  check_failure_count(s, r.diagnostics);
  if (r.diagnostics.has_errors()) {  // the checks below would compute with those sizes
    r.scenario.reset();
    return r;
  }
  check_memory(s, r.diagnostics);
  check_auto_layouts(s, r.diagnostics);
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
