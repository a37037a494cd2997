#include "rcn/plan/plan_ranking.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>

#include "rcn/plan/pareto.hpp"
#include "rcn/report/csv_field.hpp"

namespace rcn {

namespace {
double mean_or_nan(const PointOutcome& p, const std::string& metric) {
  auto it = p.metrics.find(metric);
  return it == p.metrics.end() || it->second.n == 0 ? std::numeric_limits<double>::quiet_NaN() : it->second.mean;
}
}  // namespace

const char* status_name(PointStatus s) {
  switch (s) {
    case PointStatus::Feasible: return "feasible";
    case PointStatus::Infeasible: return "infeasible";
    case PointStatus::Failed: return "failed";
    case PointStatus::Pruned: return "pruned";
  }
  return "?";
}

std::map<std::string, MeanCi> aggregate_runs(const std::vector<std::map<std::string, double>>& runs) {
  std::map<std::string, std::vector<double>> values;
  for (const auto& run : runs)
    for (const auto& [name, v] : run) values[name].push_back(v);
  std::map<std::string, MeanCi> out;
  for (const auto& [name, xs] : values) out[name] = mean_ci(xs);
  return out;
}

std::vector<std::string> violated_constraints(const PlanSpec& spec, const std::map<std::string, MeanCi>& metrics) {
  std::vector<std::string> out;
  for (const auto& c : spec.constraints) {
    auto it = metrics.find(c.metric);
    if (it == metrics.end() || it->second.n == 0) {
      out.push_back(c.metric + " not reported");
      continue;
    }
    const double m = it->second.mean;
    if (c.min && !(m >= *c.min)) out.push_back(fmt::format("{} = {:.6g} < min {:.6g}", c.metric, m, *c.min));
    if (c.max && !(m <= *c.max)) out.push_back(fmt::format("{} = {:.6g} > max {:.6g}", c.metric, m, *c.max));
  }
  return out;
}

std::vector<PointOutcome> rank_points(const PlanSpec& spec, std::vector<PointOutcome> points) {
  for (auto& p : points) {
    if (p.status == PointStatus::Pruned || p.metrics.empty()) {
      if (p.status != PointStatus::Pruned) p.status = PointStatus::Failed;
      continue;
    }
    p.violated = violated_constraints(spec, p.metrics);
    if (std::isnan(mean_or_nan(p, spec.objective))) p.violated.push_back(spec.objective + " not reported");
    p.status = p.violated.empty() ? PointStatus::Feasible : PointStatus::Infeasible;
  }
  // The objective as "smaller is better", NaN last.
  auto key = [&](const PointOutcome& p) {
    const double v = mean_or_nan(p, spec.objective);
    if (std::isnan(v)) return std::numeric_limits<double>::infinity();
    return spec.sense == Sense::Maximise ? -v : v;
  };
  std::stable_sort(points.begin(), points.end(), [&](const PointOutcome& a, const PointOutcome& b) {
    if (a.status != b.status) return a.status < b.status;
    if (a.status == PointStatus::Infeasible && a.violated.size() != b.violated.size())
      return a.violated.size() < b.violated.size();
    if (a.status == PointStatus::Feasible || a.status == PointStatus::Infeasible) {
      const double ka = key(a), kb = key(b);
      if (ka != kb) return ka < kb;
    }
    return a.index < b.index;
  });
  return points;
}

std::vector<std::string> plan_metrics(const PlanSpec& spec) {
  std::vector<std::string> out{spec.objective};
  auto add = [&](const std::string& m) {
    if (std::find(out.begin(), out.end(), m) == out.end()) out.push_back(m);
  };
  for (const auto& c : spec.constraints) add(c.metric);
  add(spec.pareto_x);
  add(spec.pareto_y);
  if (std::any_of(out.begin(), out.end(), [](const std::string& m) { return m.rfind("tco_", 0) == 0; }))
    add("simulated_end_s");
  return out;
}

std::vector<std::string> plan_notes(const PlanSpec& spec, const std::vector<PointOutcome>& ranked) {
  std::vector<std::string> notes;
  bool any_metrics = false, uses_tco = false;
  for (const auto& p : ranked) any_metrics = any_metrics || !p.metrics.empty();
  for (const auto& m : plan_metrics(spec)) {
    uses_tco = uses_tco || m.rfind("tco_", 0) == 0;
    if (!any_metrics) continue;
    bool seen = false;
    for (const auto& p : ranked) seen = seen || !std::isnan(mean_or_nan(p, m));
    if (!seen)
      notes.push_back(fmt::format("metric {} is reported by no run (null or absent in every summary.json); the points "
                                  "that need it are ranked infeasible",
                                  m));
  }
  double lo = std::numeric_limits<double>::infinity(), hi = -lo;
  for (const auto& p : ranked) {
    const double end = mean_or_nan(p, "simulated_end_s");
    if (std::isnan(end)) continue;
    lo = std::min(lo, end), hi = std::max(hi, end);
  }
  if (uses_tco && hi > lo && hi - lo > 1e-9 * hi)
    notes.push_back(fmt::format(
        "the points' simulated periods differ (simulated_end_s from {:.6g} s to {:.6g} s): TCO covers each run's "
        "simulated period, so tco_* metrics compare different periods; give the base scenario a service or a horizon "
        "every run reaches (docs/planning.md, Periods)",
        lo, hi));
  return notes;
}

std::string plan_csv(const PlanSpec& spec, const std::vector<PointOutcome>& ranked) {
  const auto metrics = plan_metrics(spec);
  std::string out = "rank,point";
  for (const auto& v : spec.variables) out += "," + csv_field(v.path);
  out += ",status,n,violated";
  for (const auto& m : metrics) out += "," + csv_field(m + "_mean") + "," + csv_field(m + "_ci95");
  out += "\n";
  for (std::size_t r = 0; r < ranked.size(); ++r) {
    const PointOutcome& p = ranked[r];
    out += fmt::format("{},{}", r + 1, p.index);
    for (const auto& [path, value] : p.sets) out += "," + csv_field(value);
    int n = 0;
    for (const auto& [name, mc] : p.metrics) n = std::max(n, mc.n);
    std::string why = p.reason;
    for (const auto& v : p.violated) why += (why.empty() ? "" : "; ") + v;
    out += fmt::format(",{},{},{}", status_name(p.status), n, csv_field(why));
    for (const auto& m : metrics) {
      auto it = p.metrics.find(m);
      if (it == p.metrics.end() || it->second.n == 0) out += ",,";
      else out += fmt::format(",{},{}", it->second.mean, it->second.ci95);
    }
    out += "\n";
  }
  return out;
}

std::vector<std::size_t> pareto_points(const PlanSpec& spec, const std::vector<PointOutcome>& ranked) {
  std::vector<std::pair<double, double>> xy;
  for (const auto& p : ranked) xy.emplace_back(mean_or_nan(p, spec.pareto_x), mean_or_nan(p, spec.pareto_y));
  return pareto_front(xy, spec.pareto_x_sense, spec.pareto_y_sense);
}

std::string pareto_csv(const PlanSpec& spec, const std::vector<PointOutcome>& ranked) {
  std::string out = "point";
  for (const auto& v : spec.variables) out += "," + csv_field(v.path);
  out += "," + csv_field(spec.pareto_x + "_mean") + "," + csv_field(spec.pareto_x + "_ci95") + "," +
         csv_field(spec.pareto_y + "_mean") + "," + csv_field(spec.pareto_y + "_ci95") + ",status\n";
  for (std::size_t i : pareto_points(spec, ranked)) {
    const PointOutcome& p = ranked[i];
    out += std::to_string(p.index);
    for (const auto& [path, value] : p.sets) out += "," + csv_field(value);
    const MeanCi& x = p.metrics.at(spec.pareto_x);
    const MeanCi& y = p.metrics.at(spec.pareto_y);
    out += fmt::format(",{},{},{},{},{}\n", x.mean, x.ci95, y.mean, y.ci95, status_name(p.status));
  }
  return out;
}

}  // namespace rcn
