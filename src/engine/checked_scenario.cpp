#include "rcn/engine/checked_scenario.hpp"

#include "rcn/sched/policy_registry.hpp"
#include "rcn/topology/site_graph.hpp"

namespace rcn {
namespace {

LoadResult check(LoadResult r) {
  if (!r.scenario) return r;
  const Scenario& s = *r.scenario;
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
