#include "rcn/plan/plan_spec.hpp"

#include <fmt/format.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <regex>

#include "rcn/scenario/file_reference.hpp"
#include "rcn/scenario/input_limits.hpp"
#include "src/scenario/yaml_reader.hpp"
#include "src/sweep/run_seeds.hpp"

namespace rcn {

namespace {

// Metrics a run reports (src/sweep/sweep_table.cpp run_metrics and its TCO,
// inference and reliability extensions); per service/region ones match kPairMetric.
const std::vector<std::string> kRunMetrics{
    "simulated_end_s", "jobs_finished", "mean_queue_wait_s", "mean_time_to_train_s", "mean_goodput",
    "interruptions", "gpu_hours_busy", "utilisation", "energy_kwh", "cost", "carbon_kg", "tco_total",
    "tco_capex_amortised", "tco_power", "tco_per_million_tokens_served", "tco_per_million_trained_tokens",
    "slo_attainment_min", "ttft_p99_max_s", "tpot_p99_max_s", "requests_dropped", "jobs_total", "jobs_unfinished",
    "lost_work_s", "restart_overhead_s"};
const std::regex kPairMetric("[^/:]+/[^/:]+:(slo_attainment|ttft_p50_s|ttft_p99_s|tpot_p50_s|tpot_p99_s|requests_dropped)");

// A number with an optional unit after it ("100Gbps" -> 100, "Gbps").
std::optional<std::pair<double, std::string>> number_and_unit(const YAML::Node& n) {
  if (!n.IsScalar() || n.Scalar().empty()) return std::nullopt;
  const std::string& s = n.Scalar();
  char* end = nullptr;
  const double v = std::strtod(s.c_str(), &end);
  if (end == s.c_str() || !std::isfinite(v)) return std::nullopt;
  std::string unit(end);
  while (!unit.empty() && unit.front() == ' ') unit.erase(unit.begin());
  for (char c : unit)
    if (!std::isalpha(static_cast<unsigned char>(c)) && c != '/' && c != '%') return std::nullopt;
  return std::make_pair(v, unit);
}

std::optional<double> plain_number(YamlReader& r, const YAML::Node& n, const std::string& path) {
  std::string why;
  std::optional<double> v;
  if (n.IsScalar()) v = parse_quantity(n.Scalar(), Quantity::Count, &why);
  if (!v) r.error(n, path, fmt::format("expected a number, got {}", YamlReader::describe(n)));
  return v;
}

void read_variable(YamlReader& r, const std::string& path, const YAML::Node& v, PlanSpec& s) {
  const std::string fp = "variables." + path;
  PlanVariable var{path, {}, r.loc(v, fp)};
  if (v.IsSequence()) {
    if (v.size() == 0 || static_cast<std::int64_t>(v.size()) > kMaxPlanPoints) {
      r.error(v, fp, fmt::format("expected 1 to {} choices, got {}", kMaxPlanPoints, v.size()));
      return;
    }
    std::map<std::string, std::size_t> first;
    for (std::size_t i = 0; i < v.size(); ++i) {
      YAML::Emitter e;
      e << YAML::Flow << v[i];
      if (auto [it, fresh] = first.emplace(e.c_str(), i); !fresh) {
        r.error(v[i], YamlReader::index(fp, i), fmt::format("the same choice as [{}]", it->second));
        return;
      }
      var.values.push_back(e.c_str());
    }
  } else if (v.IsMap()) {
    if (!r.expect_map(v, fp, {"min", "max", "step"})) return;
    std::optional<std::pair<double, std::string>> b[3];
    const char* keys[3] = {"min", "max", "step"};
    for (int k = 0; k < 3; ++k) {
      const YAML::Node n = YamlReader::child(v, keys[k]);
      if (!n.IsDefined()) {
        r.error(v, fp, fmt::format("missing '{}' (a range is {{min, max, step}})", keys[k]));
        return;
      }
      b[k] = number_and_unit(n);
      if (!b[k]) {
        r.error(n, fp + "." + keys[k], fmt::format("expected a number with an optional unit (128, 400Gbps), got {}",
                                                   YamlReader::describe(n)));
        return;
      }
      if (b[k]->second != b[0]->second) {
        r.error(n, fp + "." + keys[k], fmt::format("unit \"{}\" differs from min's \"{}\"; give min, max and step in one unit",
                                                   quote_input(b[k]->second), quote_input(b[0]->second)));
        return;
      }
    }
    if (b[2]->first <= 0) {
      r.error(YamlReader::child(v, "step"), fp + ".step", "expected a step > 0");
      return;
    }
    if (b[1]->first < b[0]->first) {
      r.error(YamlReader::child(v, "max"), fp + ".max", "expected max >= min");
      return;
    }
    auto values = range_values(b[0]->first, b[1]->first, b[2]->first, b[0]->second, kMaxPlanPoints);
    if (!values) {
      r.error(v, fp, fmt::format("the range has more than {} values", kMaxPlanPoints));
      return;
    }
    var.values = std::move(*values);
  } else {
    r.error(v, fp, fmt::format("expected a range {{min, max, step}} or a list of choices, got {}", YamlReader::describe(v)));
    return;
  }
  s.variables.push_back(std::move(var));
}

bool check_metric(YamlReader& r, const YAML::Node& n, const std::string& path, const std::string& name) {
  if (known_plan_metric(name)) return true;
  const std::string near = closest_match(name, kRunMetrics);
  r.error(n, path, fmt::format("unknown metric \"{}\"{}", quote_input(name),
                               near.empty() ? " (docs/planning.md lists them)" : ", did you mean " + near + "?"));
  return false;
}

}  // namespace

std::optional<std::vector<std::string>> range_values(double min, double max, double step, const std::string& unit,
                                                     std::int64_t limit) {
  if (!(step > 0) || !(max >= min) || !std::isfinite(min) || !std::isfinite(max)) return std::nullopt;
  const double count = std::floor((max - min) / step + 1e-9) + 1;
  if (!(count <= static_cast<double>(limit))) return std::nullopt;
  std::vector<std::string> out;
  for (std::int64_t i = 0; i < static_cast<std::int64_t>(count); ++i) {
    const double v = min + static_cast<double>(i) * step;
    const bool whole = std::abs(v) < 1e15 && v == std::round(v);
    out.push_back((whole ? fmt::format("{:.0f}", v) : fmt::format("{:.12g}", v)) + unit);
  }
  return out;
}

bool known_plan_metric(const std::string& name) {
  return std::find(kRunMetrics.begin(), kRunMetrics.end(), name) != kRunMetrics.end() ||
         std::regex_match(name, kPairMetric);
}

std::size_t PlanSpec::point_count() const {
  std::size_t n = variables.empty() ? 0 : 1;
  for (const auto& v : variables) n *= v.values.size();  // bounded by max_points when loaded
  return n;
}

std::vector<std::pair<std::string, std::string>> PlanSpec::point(std::size_t i) const {
  std::vector<std::pair<std::string, std::string>> sets(variables.size());
  for (std::size_t k = variables.size(); k-- > 0;) {
    const auto& vs = variables[k].values;
    sets[k] = {variables[k].path, vs[i % vs.size()]};
    i /= vs.size();
  }
  return sets;
}

PlanSpec load_plan_text(const std::string& yaml, const std::string& file, const std::string& base_dir,
                        Diagnostics& diags, const std::vector<std::string>& allow_paths) {
  PlanSpec s;
  s.file = file;
  s.allow_paths = allow_paths;
  YAML::Node root;
  try {
    root = YAML::Load(yaml);
  } catch (const YAML::Exception& e) {
    diags.error(SourceLoc{file, e.mark.line + 1, e.mark.column + 1}, "", fmt::format("YAML syntax error: {}", e.msg));
    return s;
  }
  YamlReader r(file, diags);
  if (!r.expect_map(root, "", {"base", "seeds", "output", "max_points", "variables", "constraints", "objective",
                               "pareto"}))
    return s;
  if (auto b = r.text(root, "base", "", true)) {
    const FileReferences refs(base_dir, allow_paths);
    s.base = refs.display_name(*b);
    std::string why;
    if (!refs.read(*b, limits::kMaxInputFileBytes, why))
      r.error(YamlReader::child(root, "base"), "base", fmt::format("scenario \"{}\": {}", quote_input(s.base), why));
  }
  s.output = r.text(root, "output", "", false).value_or("plan-results");
  s.output_loc = r.loc(YamlReader::child(root, "output"), "output");
  if (auto seeds = read_seeds(r, YamlReader::child(root, "seeds"))) s.seeds = std::move(*seeds);
  if (const YAML::Node mp = YamlReader::child(root, "max_points"); mp.IsDefined())
    s.max_points = bounded_scalar(r, mp, "max_points", 1, kMaxPlanPoints).value_or(s.max_points);

  const YAML::Node vars = YamlReader::child(root, "variables");
  if (!vars.IsMap() || vars.size() == 0) {
    r.error(vars.IsDefined() ? vars : root, "variables",
            "expected a mapping of --set path to a range {min, max, step} or a list of choices");
  } else {
    std::map<std::string, std::size_t> seen;
    bool distinct = true;
    for (auto it = vars.begin(); it != vars.end(); ++it) {
      // Two entries for one path would set it twice per point, the second silently winning.
      if (auto [at, fresh] = seen.emplace(it->first.Scalar(), seen.size()); !fresh) {
        r.error(it->first, "variables." + it->first.Scalar(), "this path is already a variable");
        distinct = false;
        continue;
      }
      read_variable(r, it->first.Scalar(), it->second, s);
    }
    if (distinct && s.variables.size() == vars.size()) {
      // Bounded before any point is built: a product of a few ranges grows fast.
      double points = 1;
      for (const auto& v : s.variables) points *= static_cast<double>(v.values.size());
      const double runs = points * static_cast<double>(std::max<std::size_t>(s.seeds.size(), 1));
      if (points > static_cast<double>(s.max_points))
        r.error(vars, "variables", fmt::format("the plan has {:.0f} points; max_points is {} (at most {})", points,
                                               s.max_points, kMaxPlanPoints));
      else if (runs > static_cast<double>(limits::kMaxSweepRuns))
        r.error(vars, "variables", fmt::format("the plan would make {:.0f} runs ({:.0f} points x {} seeds); the limit is {}",
                                               runs, points, s.seeds.size(), limits::kMaxSweepRuns));
    }
  }

  const YAML::Node cons = YamlReader::child(root, "constraints");
  if (cons.IsDefined() && !cons.IsMap()) {
    r.error(cons, "constraints", "expected a mapping of metric to {min: x} and/or {max: y}");
  } else if (cons.IsDefined()) {
    for (auto it = cons.begin(); it != cons.end(); ++it) {
      const std::string name = it->first.Scalar(), path = "constraints." + name;
      if (!check_metric(r, it->first, path, name) || !r.expect_map(it->second, path, {"min", "max"})) continue;
      s.metric_uses.push_back({name, path, r.loc(it->first, path)});
      PlanConstraint c{name, {}, {}};
      if (const YAML::Node n = YamlReader::child(it->second, "min"); n.IsDefined()) c.min = plain_number(r, n, path + ".min");
      if (const YAML::Node n = YamlReader::child(it->second, "max"); n.IsDefined()) c.max = plain_number(r, n, path + ".max");
      if (!YamlReader::child(it->second, "min").IsDefined() && !YamlReader::child(it->second, "max").IsDefined())
        r.error(it->second, path, "expected min: and/or max:");
      else if (c.min && c.max && *c.min > *c.max)
        r.error(YamlReader::child(it->second, "max"), path + ".max", "expected max >= min: no value could satisfy both");
      s.constraints.push_back(c);
    }
  }

  const YAML::Node obj = YamlReader::child(root, "objective");
  if (!obj.IsDefined()) {
    r.error(root, "objective", "missing required key 'objective' ({minimise: metric} or {maximise: metric})");
  } else if (r.expect_map(obj, "objective", {"minimise", "maximise", "minimize", "maximize"})) {
    if (obj.size() != 1) {
      r.error(obj, "objective", "expected exactly one of minimise: or maximise:");
    } else {
      const std::string key = obj.begin()->first.Scalar();
      const YAML::Node m = obj.begin()->second;
      s.sense = key.rfind("max", 0) == 0 ? Sense::Maximise : Sense::Minimise;
      if (!m.IsScalar())
        r.error(m, "objective." + key, fmt::format("expected a metric name, got {}", YamlReader::describe(m)));
      else if (check_metric(r, m, "objective." + key, m.Scalar())) {
        s.objective = m.Scalar();
        s.metric_uses.push_back({s.objective, "objective." + key, r.loc(m, "objective." + key)});
      }
    }
  }

  // Pareto axes and their directions: the objective's sense for the objective,
  // a constraint with only `min:` is better larger, anything else smaller.
  auto sense_of = [&](const std::string& metric) {
    if (metric == s.objective) return s.sense;
    for (const auto& c : s.constraints)
      if (c.metric == metric && c.min && !c.max) return Sense::Maximise;
    return Sense::Minimise;
  };
  // Defaults (docs/planning.md): x is tco_total; y the first of the objective,
  // the constraints' metrics, mean_time_to_train_s and mean_queue_wait_s that
  // differs from x. Only axes the user gave both, and equal, are an error.
  s.pareto_x = "tco_total";
  bool gave_x = false, gave_y = false;
  const YAML::Node pareto = YamlReader::child(root, "pareto");
  if (pareto.IsDefined() && r.expect_map(pareto, "pareto", {"x", "y"})) {
    for (const char* axis : {"x", "y"}) {
      const YAML::Node n = YamlReader::child(pareto, axis);
      if (!n.IsDefined()) continue;
      const std::string path = std::string("pareto.") + axis;
      if (!n.IsScalar()) {
        r.error(n, path, fmt::format("expected a metric name, got {}", YamlReader::describe(n)));
      } else if (check_metric(r, n, path, n.Scalar())) {
        (axis[0] == 'x' ? s.pareto_x : s.pareto_y) = n.Scalar();
        (axis[0] == 'x' ? gave_x : gave_y) = true;
        s.metric_uses.push_back({n.Scalar(), path, r.loc(n, path)});
      }
    }
  }
  if (!gave_y) {
    std::vector<std::string> candidates{s.objective};
    for (const auto& c : s.constraints) candidates.push_back(c.metric);
    candidates.insert(candidates.end(), {"mean_time_to_train_s", "mean_queue_wait_s"});
    for (const auto& m : candidates)
      if (!m.empty() && m != s.pareto_x) {
        s.pareto_y = m;
        break;
      }
  }
  if (gave_x && gave_y && s.pareto_x == s.pareto_y)
    r.error(YamlReader::child(pareto, "y"), "pareto.y",
            "the Pareto front needs two different metrics: y must differ from x");
  s.pareto_x_sense = sense_of(s.pareto_x);
  s.pareto_y_sense = sense_of(s.pareto_y);
  return s;
}

PlanSpec load_plan_file(const std::string& path, Diagnostics& diags, const std::vector<std::string>& allow_paths) {
  std::string why;
  const auto text = read_regular_file(path, limits::kMaxInputFileBytes, why, /*allow_pipe=*/true);
  if (!text) {
    diags.error(SourceLoc{quote_input(path, 200), 0, 0}, "", "cannot read the plan file: " + why);
    return {};
  }
  const std::string dir = std::filesystem::path(path).parent_path().string();
  return load_plan_text(*text, path, dir.empty() ? "." : dir, diags, allow_paths);
}

bool looks_like_plan(const std::string& yaml) {
  try {
    const YAML::Node root = YAML::Load(yaml);
    return root.IsMap() && (root["variables"].IsDefined() || root["objective"].IsDefined());
  } catch (const YAML::Exception&) {
    return false;
  }
}

}  // namespace rcn
