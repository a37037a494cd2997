#include "rcn/plan/point_check.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "rcn/engine/checked_scenario.hpp"
#include "rcn/sweep/validate_sweep.hpp"

namespace rcn {

std::vector<std::string> check_plan_points(const PlanSpec& spec, std::optional<Scenario>* first_valid) {
  std::vector<std::string> out;
  for (std::size_t i = 0; i < spec.point_count(); ++i) {
    LoadOptions options;
    const auto sets = spec.point(i);
    for (const auto& [path, value] : sets) options.overrides.push_back(path + "=" + value);
    options.seed = spec.seeds.empty() ? 1 : spec.seeds.front();
    options.allow_paths = spec.allow_paths;
    LoadResult r = load_checked_file(spec.base, options);
    std::string why;
    for (const auto& d : r.diagnostics.items()) {
      if (d.severity != Diagnostic::Severity::Error) continue;
      // An error in a variable's value is reported where the plan file gives it
      // (the variables are the plan's only --set values, in their order).
      if (const auto k = set_causing(d, sets)) {
        const std::string what = d.path.empty() ? d.message : d.path + ": " + d.message;
        why = Diagnostic{Diagnostic::Severity::Error, spec.variables[*k].loc, "variables." + sets[*k].first,
                         fmt::format("{}={}: {}", sets[*k].first, quote_input(sets[*k].second), what)}
                  .str();
      } else {
        why = d.str();
      }
      break;
    }
    if (r.scenario && first_valid && !*first_valid) *first_valid = std::move(*r.scenario);
    out.push_back(r.scenario ? "" : (why.empty() ? "the scenario check failed" : why));
  }
  return out;
}

void check_plan_metrics(const PlanSpec& spec, const Scenario& scenario, Diagnostics& diags) {
  for (const PlanMetricUse& u : spec.metric_uses) {
    if (u.metric == "tco_per_million_tokens_served" && scenario.inference.empty()) {
      diags.error(u.loc, u.field, "tco_per_million_tokens_served needs an inference service; the base scenario has none");
      continue;
    }
    if (u.metric == "tco_per_million_trained_tokens" && scenario.training.empty()) {
      diags.error(u.loc, u.field, "tco_per_million_trained_tokens needs training jobs; the base scenario has none");
      continue;
    }
    // "<service>/<region>:<metric>": the pair must exist in the scenario.
    const auto slash = u.metric.find('/'), colon = u.metric.rfind(':');
    if (slash == std::string::npos || colon == std::string::npos || colon < slash) continue;
    const std::string service = u.metric.substr(0, slash), region = u.metric.substr(slash + 1, colon - slash - 1);
    const auto sv = std::find_if(scenario.inference.begin(), scenario.inference.end(),
                                 [&](const InferenceServiceSpec& s) { return s.name == service; });
    if (sv == scenario.inference.end()) {
      std::vector<std::string> names;
      for (const auto& s : scenario.inference) names.push_back(s.name);
      const std::string near = closest_match(service, names);
      diags.error(u.loc, u.field,
                  fmt::format("the base scenario has no inference service \"{}\"{}", quote_input(service),
                              near.empty() ? "" : fmt::format(" (did you mean \"{}\"?)", near)));
      continue;
    }
    bool has_region = false;
    for (const auto& [r, share] : sv->demand) has_region = has_region || r == region;
    if (sv->demand.empty())
      for (const auto& site : scenario.sites) has_region = has_region || site.region == region;
    if (!has_region)
      diags.error(u.loc, u.field,
                  fmt::format("inference service \"{}\" has no demand in region \"{}\"", quote_input(service),
                              quote_input(region)));
  }
}

}  // namespace rcn
