#include "plan_command.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <optional>

#include "rcn/engine/checked_scenario.hpp"
#include "rcn/plan/best_scenario.hpp"
#include "rcn/plan/plan_ranking.hpp"
#include "rcn/plan/plan_report.hpp"
#include "rcn/plan/plan_spec.hpp"
#include "rcn/plan/point_check.hpp"
#include "rcn/report/atomic_file.hpp"
#include "rcn/report/output_dir.hpp"
#include "sweep_command.hpp"

namespace rcn {
namespace fs = std::filesystem;

namespace {

constexpr int kExitInput = 2;

bool some_point_valid(const std::vector<std::string>& reasons);

// The plan file, with the same rule as a sweep for an `output` it names;
// diagnostics printed, their error count returned.
std::size_t load_plan(const PlanOptions& o, PlanSpec& spec) {
  Diagnostics diags;
  spec = load_plan_file(o.file, diags, o.allow_paths);
  if (!diags.has_errors() && o.output.empty() && !output_allowed_from_file(spec.output, o.file))
    diags.error(spec.output_loc, "output",
                "\"" + quote_input(spec.output) +
                    "\" is outside the plan file's folder and the working directory; give it with -o to write there");
  for (const auto& line : diags.lines()) fmt::print(stderr, "{}\n", line);
  return diags.error_count();
}

// The points' scenario check, then the plan's metrics against the first valid
// point's scenario; errors printed, their count returned.
std::size_t check_points(const PlanSpec& spec, std::vector<std::string>& reasons) {
  std::optional<Scenario> first;
  reasons = check_plan_points(spec, &first);
  if (!first) return some_point_valid(reasons) ? 0 : 1;
  Diagnostics diags;
  check_plan_metrics(spec, *first, diags);
  for (const auto& line : diags.lines()) fmt::print(stderr, "{}\n", line);
  return diags.error_count();
}

void print_error_count(std::size_t n) {
  fmt::print(stderr, "{} error{} found; nothing was run\n", n, n == 1 ? "" : "s");
}

std::size_t count_nonempty(const std::vector<std::string>& v) {
  return static_cast<std::size_t>(std::count_if(v.begin(), v.end(), [](const std::string& s) { return !s.empty(); }));
}

// Every point refused: the plan cannot run; the first point's reason says why.
bool some_point_valid(const std::vector<std::string>& reasons) {
  if (count_nonempty(reasons) < reasons.size()) return true;
  fmt::print(stderr, "{}\nno point of the plan gives a valid scenario (the first point's error is above)\n",
             reasons.empty() ? "" : reasons.front());
  return false;
}

std::string values_text(const std::vector<std::pair<std::string, std::string>>& sets) {
  std::string s;
  for (const auto& [path, value] : sets) s += (s.empty() ? "" : ", ") + path + "=" + value;
  return s;
}

// best.yaml and the files it references, then a check that it loads from the output folder.
bool write_best(const PlanSpec& spec, const PointOutcome& best, const std::string& out) {
  Diagnostics diags;
  const BestScenario b = best_scenario(spec.base, spec.allow_paths, best.sets, spec.seeds.front(), "best-files", diags);
  if (!diags.has_errors()) {
    if (!b.files.empty()) fs::create_directories(fs::path(out) / "best-files");
    for (const auto& [name, content] : b.files) write_file_atomically((fs::path(out) / name).string(), content);
    // What `rcnsim run best.yaml` will check, from where it will be.
    const LoadResult check = load_checked_text(b.yaml, (fs::path(out) / "best.yaml").string(), {}, out);
    if (!check.scenario) diags.append(check.diagnostics);
  }
  if (diags.has_errors()) {
    for (const auto& line : diags.lines()) fmt::print(stderr, "{}\n", line);
    fmt::print(stderr, "rcnsim plan: best.yaml not written\n");
    return false;
  }
  const std::string header = fmt::format(
      "# rcnsim plan {}: the best feasible point (point {}: {}), seed {}.\n# Run it as is: rcnsim run best.yaml\n",
      spec.file, best.index, values_text(best.sets), spec.seeds.front());
  write_file_atomically((fs::path(out) / "best.yaml").string(), header + b.yaml);
  return true;
}

}  // namespace

int validate_plan(const std::string& file, const std::vector<std::string>& allow_paths) {
  PlanSpec spec;
  std::vector<std::string> reasons;
  std::size_t errors = load_plan({file, "", 0, false, allow_paths}, spec);
  if (!errors) errors = check_points(spec, reasons);
  if (errors) {
    print_error_count(errors);
    return kExitInput;
  }
  std::size_t shown = 0;
  for (std::size_t i = 0; i < reasons.size(); ++i)
    if (!reasons[i].empty() && shown++ < 10)
      fmt::print("point {} ({}) would be pruned: {}\n", i, values_text(spec.point(i)), reasons[i]);
  fmt::print("{}: ok ({} points, {} pruned before simulating, {} to simulate x {} seeds)\n", file,
             reasons.size(), count_nonempty(reasons), reasons.size() - count_nonempty(reasons), spec.seeds.size());
  return 0;
}

int run_plan(const PlanOptions& o) {
  if (o.jobs < 0) {
    fmt::print(stderr, "rcnsim plan: -j {}: expected 0 (one run per core) or more\n", o.jobs);
    return kExitInput;
  }
  PlanSpec spec;
  std::vector<std::string> reasons;
  // Pruning, before any run: points whose scenario fails validate's checks.
  std::size_t errors = load_plan(o, spec);
  if (!errors) errors = check_points(spec, reasons);
  if (errors) {
    print_error_count(errors);
    return kExitInput;
  }

  const std::string out = o.output.empty() ? spec.output : o.output;
  // Never into a folder rcnsim did not make: plan.csv and best.yaml would replace a user's files.
  try {
    prepare_collection_dir(out, "plan");
  } catch (const OutputDirRefused& e) {
    fmt::print(stderr, "rcnsim plan: {}\n", e.message);
    return kExitInput;
  }
  std::error_code ec;
  fs::create_directories(fs::path(out) / "runs", ec);
  if (ec) {
    fmt::print(stderr, "rcnsim plan: cannot create {}/runs: {}\n", out, ec.message());
    return kExitInput;
  }
  std::vector<PointOutcome> points(spec.point_count());
  std::vector<RunTask> tasks;
  std::vector<std::size_t> point_of;
  for (std::size_t i = 0; i < points.size(); ++i) {
    points[i].index = i;
    points[i].sets = spec.point(i);
    if (!reasons[i].empty()) {
      points[i].status = PointStatus::Pruned;
      points[i].reason = reasons[i];
      continue;
    }
    for (auto seed : spec.seeds) {
      tasks.push_back({points[i].sets, seed, run_dir(out, i, seed), ""});
      point_of.push_back(i);
    }
  }
  const RunCounts counts = execute_runs(RunBatch{spec.base, spec.allow_paths, o.jobs, o.progress, "plan", 0, 1}, tasks);
  if (counts.interrupted_by != 0) return report_interrupted("plan", counts, tasks.size(), out);

  std::vector<std::vector<std::map<std::string, double>>> runs(points.size());
  std::size_t failed = counts.failed;
  for (std::size_t k = 0; k < tasks.size(); ++k) {
    if (auto m = read_run_metrics(tasks[k].dir)) runs[point_of[k]].push_back(std::move(*m));
    else if (fs::exists(fs::path(tasks[k].dir) / "summary.json")) {
      fmt::print(stderr, "rcnsim plan: {}/summary.json is not a readable summary; left out\n", tasks[k].dir);
      ++failed;
    }
  }
  for (std::size_t i = 0; i < points.size(); ++i) {
    points[i].metrics = aggregate_runs(runs[i]);
    if (points[i].status != PointStatus::Pruned && runs[i].empty())
      points[i].reason = fmt::format("no run finished (see {}/runs/p{}-seed*.log)", out, i);
  }
  const auto ranked = rank_points(spec, std::move(points));
  const std::vector<std::string> notes = plan_notes(spec, ranked);
  for (const auto& n : notes) fmt::print(stderr, "rcnsim plan: warning: {}\n", n);
  // A plan metric that no run reports leaves the ranking without its answer: not a success.
  bool metric_missing = false;
  for (const auto& m : plan_metrics(spec)) {
    bool seen = false;
    for (const auto& p : ranked) seen = seen || (p.metrics.count(m) && p.metrics.at(m).n > 0);
    metric_missing = metric_missing || (!seen && tasks.size() > failed);
  }
  // The tables first: a best.yaml that cannot be written never costs them.
  bool best_ok = true;
  try {
    write_file_atomically((fs::path(out) / "plan.csv").string(), plan_csv(spec, ranked));
    write_file_atomically((fs::path(out) / "pareto.csv").string(), pareto_csv(spec, ranked));
    write_file_atomically((fs::path(out) / "plan.html").string(), plan_html(spec, ranked, notes));
    const bool have_best = !ranked.empty() && ranked.front().status == PointStatus::Feasible;
    if (have_best) best_ok = write_best(spec, ranked.front(), out);
    if (!have_best && fs::exists(fs::path(out) / "best.yaml"))
      fmt::print(stderr, "rcnsim plan: no feasible point; {}/best.yaml is from an earlier plan\n", out);
  } catch (const OutputPathError& e) {
    fmt::print(stderr, "rcnsim plan: {}\n", e.message);
    return kExitInput;
  }

  std::size_t feasible = 0;
  for (const auto& p : ranked) feasible += p.status == PointStatus::Feasible;
  fmt::print("{:>4} {:>5}  {:<11} {:>24}  {}\n", "rank", "point", "status",
             (spec.sense == Sense::Maximise ? "max " : "min ") + spec.objective, "values");
  for (std::size_t r = 0; r < ranked.size() && r < 10; ++r) {
    const auto& p = ranked[r];
    auto it = p.metrics.find(spec.objective);
    const std::string obj = it == p.metrics.end() ? "" : fmt::format("{:.6g} ± {:.2g}", it->second.mean, it->second.ci95);
    fmt::print("{:>4} {:>5}  {:<11} {:>24}  {}\n", r + 1, p.index, status_name(p.status), obj, values_text(p.sets));
  }
  const std::size_t pruned = count_nonempty(reasons);
  fmt::print("{} points: {} pruned before simulating, {} simulated x {} seeds = {} runs ({} resumed, {} failed); "
             "{} feasible\n",
             ranked.size(), pruned, ranked.size() - pruned, spec.seeds.size(), tasks.size(), counts.resumed, failed,
             feasible);
  if (feasible)
    fmt::print("best: point {} ({}); {}/best.yaml\n", ranked.front().index, values_text(ranked.front().sets), out);
  else
    fmt::print("no feasible point\n");
  fmt::print("tables in {}/plan.csv, {}/pareto.csv, {}/plan.html\n", out, out, out);
  return failed || metric_missing || !best_ok ? 1 : 0;
}

}  // namespace rcn
