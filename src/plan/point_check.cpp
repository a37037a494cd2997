#include "rcn/plan/point_check.hpp"

#include "rcn/engine/checked_scenario.hpp"

namespace rcn {

std::vector<std::string> check_plan_points(const PlanSpec& spec) {
  std::vector<std::string> out;
  for (std::size_t i = 0; i < spec.point_count(); ++i) {
    LoadOptions options;
    for (const auto& [path, value] : spec.point(i)) options.overrides.push_back(path + "=" + value);
    options.seed = spec.seeds.empty() ? 1 : spec.seeds.front();
    options.allow_paths = spec.allow_paths;
    const LoadResult r = load_checked_file(spec.base, options);
    std::string why;
    for (const auto& d : r.diagnostics.items())
      if (d.severity == Diagnostic::Severity::Error) {
        why = d.str();
        break;
      }
    out.push_back(r.scenario ? "" : (why.empty() ? "the scenario check failed" : why));
  }
  return out;
}

}  // namespace rcn
