#include "rcn/plan/point_check.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <limits>

#include "rcn/engine/checked_scenario.hpp"
#include "rcn/models/cluster_fabric.hpp"
#include "rcn/models/layout_search.hpp"
#include "rcn/models/training_step.hpp"
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
    if (r.scenario && why.empty()) why = hopeless_by_time_to_train(spec, *r.scenario);
    else if (!r.scenario && why.empty()) why = "the scenario check failed";
    if (r.scenario && first_valid && !*first_valid) *first_valid = std::move(*r.scenario);
    out.push_back(why);
  }
  return out;
}

std::size_t jobs_that_cannot_finish(const Scenario& s) {
  if (s.fidelity == Fidelity::Flow) return 0;
  std::size_t hopeless = 0;
  for (const TrainingJobSpec& j : s.training) {
    if (j.parallelism.auto_layout) continue;
    const ModelSpec* m = s.find_model(j.model);
    if (!m) continue;
    double fastest = std::numeric_limits<double>::infinity();
    for (const SiteSpec& site : s.sites) {
      if (j.site && *j.site != site.name) continue;
      for (const ClusterSpec& c : site.clusters) {
        const HardwareProfile* hw = s.find_profile(c.gpu);
        if (!can_hold(j, c, hw)) continue;
        fastest = std::min(fastest, j.duration ? *j.duration
                                               : training_step(*m, j, *hw, ClusterLinks::of(c)).time_to_train_s);
      }
    }
    if (j.submit + fastest > s.horizon) ++hopeless;
  }
  return hopeless;
}

std::string hopeless_by_time_to_train(const PlanSpec& spec, const Scenario& s) {
  std::optional<double> max_unfinished, min_finished;
  for (const PlanConstraint& c : spec.constraints) {
    if (c.metric == "jobs_unfinished" && c.max) max_unfinished = c.max;
    if (c.metric == "jobs_finished" && c.min) min_finished = c.min;
  }
  if (!max_unfinished && !min_finished) return "";
  const std::size_t hopeless = jobs_that_cannot_finish(s);
  const double can_finish = static_cast<double>(s.training.size() - hopeless);
  const std::string bound = fmt::format(
      "{} training job{} cannot finish by the horizon ({:.0f} s) even alone on the fastest cluster that holds {}",
      hopeless, hopeless == 1 ? "" : "s", s.horizon, hopeless == 1 ? "it" : "them");
  if (max_unfinished && static_cast<double>(hopeless) > *max_unfinished)
    return fmt::format("{}: jobs_unfinished >= {} > max {}", bound, hopeless, *max_unfinished);
  if (min_finished && can_finish < *min_finished)
    return fmt::format("{}: jobs_finished <= {} < min {}", bound, can_finish, *min_finished);
  return "";
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
