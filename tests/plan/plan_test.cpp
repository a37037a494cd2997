// Capacity planning: plan files and their errors, range enumeration, the
// Pareto front against brute force, feasibility and ranking, best.yaml, and
// `rcnsim plan` end to end against evaluating every point by hand.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <random>
#include <set>

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <yaml-cpp/yaml.h>

#include "rcn/plan/best_scenario.hpp"
#include "rcn/plan/pareto.hpp"
#include "rcn/plan/plan_ranking.hpp"
#include "rcn/plan/plan_report.hpp"
#include "rcn/plan/plan_spec.hpp"
#include "rcn/plan/point_check.hpp"
#include "rcn/scenario/loader.hpp"
#include "rcn/sweep/sweep_table.hpp"
#include "tests/test_support.hpp"

using namespace rcn;
namespace fs = std::filesystem;

namespace {
PlanSpec load_plan(const std::string& yaml, Diagnostics& d) {
  return load_plan_text(yaml, "p.yaml", test::source_path("scenarios/tutorial"), d);
}
const char* kHead = "base: 01-one-cluster.yaml\n";
}  // namespace

TEST_CASE("range values are min + i x step, without drift, in the range's unit", "[plan]") {
  CHECK(*range_values(0.1, 0.3, 0.1, "", 100) == std::vector<std::string>{"0.1", "0.2", "0.3"});
  const auto tenths = *range_values(0, 1, 0.1, "", 100);
  REQUIRE(tenths.size() == 11);  // 0.1 added ten times is 0.9999999999999999; 10 x 0.1 is exactly 1
  CHECK(tenths[3] == "0.3");
  CHECK(tenths[10] == "1");
  CHECK(*range_values(100, 800, 100, "Gbps", 100) ==
        std::vector<std::string>{"100Gbps", "200Gbps", "300Gbps", "400Gbps", "500Gbps", "600Gbps", "700Gbps", "800Gbps"});
  CHECK(*range_values(128, 200, 64, "", 100) == std::vector<std::string>{"128", "192"});  // max need not be hit
  CHECK(*range_values(5, 5, 1, "ms", 100) == std::vector<std::string>{"5ms"});
  CHECK_FALSE(range_values(1, 2, 0, "", 100));
  CHECK_FALSE(range_values(2, 1, 1, "", 100));
  CHECK_FALSE(range_values(0, 1e12, 1, "", 10000));  // bounded before anything is built
  CHECK(range_values(0, 99, 1, "", 100)->size() == 100);
  CHECK_FALSE(range_values(0, 100, 1, "", 100));
}

TEST_CASE("a plan file: variables, points with the last variable fastest, constraints, objective, Pareto axes",
          "[plan]") {
  Diagnostics d;
  const PlanSpec s = load_plan(std::string(kHead) +
                                   "seeds: [3, 5]\n"
                                   "variables:\n"
                                   "  sites.campus.clusters.main.servers: {min: 16, max: 48, step: 16}\n"
                                   "  scheduler.policy: [fifo, backfill]\n"
                                   "constraints:\n"
                                   "  jobs_finished: {min: 1}\n"
                                   "  mean_time_to_train_s: {max: 1e6}\n"
                                   "objective: {minimise: cost}\n",
                               d);
  INFO((d.items().empty() ? "" : d.items()[0].str()));
  REQUIRE_FALSE(d.has_errors());
  CHECK(s.base == test::source_path("scenarios/tutorial") + "/01-one-cluster.yaml");
  CHECK(s.seeds == std::vector<std::uint64_t>{3, 5});
  REQUIRE(s.point_count() == 6);
  using Sets = std::vector<std::pair<std::string, std::string>>;
  CHECK(s.point(0) == Sets{{"sites.campus.clusters.main.servers", "16"}, {"scheduler.policy", "fifo"}});
  CHECK(s.point(1) == Sets{{"sites.campus.clusters.main.servers", "16"}, {"scheduler.policy", "backfill"}});
  CHECK(s.point(5) == Sets{{"sites.campus.clusters.main.servers", "48"}, {"scheduler.policy", "backfill"}});
  REQUIRE(s.constraints.size() == 2);
  CHECK(*s.constraints[0].min == 1);
  CHECK_FALSE(s.constraints[0].max);
  CHECK(*s.constraints[1].max == 1e6);
  CHECK(s.objective == "cost");
  CHECK(s.sense == Sense::Minimise);
  // Defaults: x is the TCO, y the objective (it differs from x).
  CHECK(s.pareto_x == "tco_total");
  CHECK(s.pareto_y == "cost");
  CHECK(s.output == "plan-results");
  CHECK(s.max_points == 1000);

  // Minimising the TCO: y falls to the first constraint, better larger as it has only min:.
  const PlanSpec t = load_plan(std::string(kHead) +
                                   "variables: {scheduler.policy: [fifo]}\n"
                                   "constraints: {slo_attainment_min: {min: 0.99}, jobs_unfinished: {max: 0}}\n"
                                   "objective: {minimise: tco_total}\n",
                               d);
  REQUIRE_FALSE(d.has_errors());
  CHECK(t.pareto_x == "tco_total");
  CHECK(t.pareto_y == "slo_attainment_min");
  CHECK(t.pareto_x_sense == Sense::Minimise);
  CHECK(t.pareto_y_sense == Sense::Maximise);
  CHECK(t.seeds == std::vector<std::uint64_t>{1});
}

TEST_CASE("plan file errors are located with their field path", "[plan]") {
  auto errors = [](const std::string& yaml) {
    Diagnostics d;
    load_plan(yaml, d);
    std::vector<std::string> out;
    for (const auto& i : d.items()) out.push_back(i.str());
    return out;
  };
  const std::string ok_tail = "objective: {minimise: cost}\npareto: {x: cost, y: jobs_finished}\n";
  CHECK(errors(std::string(kHead) + "variables: {a: {min: 1, max: 3, step: 0}}\n" + ok_tail) ==
        std::vector<std::string>{"p.yaml:2:39: error: variables.a.step: expected a step > 0"});
  CHECK(errors(std::string(kHead) + "variables: {a: {min: 3, max: 1, step: 1}}\n" + ok_tail) ==
        std::vector<std::string>{"p.yaml:2:30: error: variables.a.max: expected max >= min"});
  CHECK(errors(std::string(kHead) + "variables: {a: {min: 1Gbps, max: 3GB/s, step: 1Gbps}}\n" + ok_tail) ==
        std::vector<std::string>{
            "p.yaml:2:34: error: variables.a.max: unit \"GB/s\" differs from min's \"Gbps\"; give min, max and step in one unit"});
  CHECK(errors(std::string(kHead) + "variables: {a: {min: 1, max: 1e9, step: 1}}\n" + ok_tail) ==
        std::vector<std::string>{"p.yaml:2:16: error: variables.a: the range has more than 10000 values"});
  CHECK(errors(std::string(kHead) + "variables: {a: {min: 1, max: 40, step: 1}, b: {min: 1, max: 40, step: 1}}\n" + ok_tail) ==
        std::vector<std::string>{"p.yaml:2:12: error: variables: the plan has 1600 points; max_points is 1000 (at most 10000)"});
  CHECK(errors(std::string(kHead) + "variables: {a: [x, y, x]}\n" + ok_tail) ==
        std::vector<std::string>{"p.yaml:2:23: error: variables.a[2]: the same choice as [0]"});
  CHECK(errors(std::string(kHead) + "variables:\n  a: [1]\n  a: [2]\n" + ok_tail) ==
        std::vector<std::string>{"p.yaml:4:3: error: variables.a: this path is already a variable"});
  CHECK(errors(std::string(kHead) + "variables: {a: 3}\n" + ok_tail) ==
        std::vector<std::string>{
            "p.yaml:2:16: error: variables.a: expected a range {min, max, step} or a list of choices, got \"3\""});
  CHECK(errors(std::string(kHead) + "variables: {a: [1]}\nconstraints: {cots: {max: 1}}\n" + ok_tail) ==
        std::vector<std::string>{"p.yaml:3:15: error: constraints.cots: unknown metric \"cots\", did you mean cost?"});
  CHECK(errors(std::string(kHead) + "variables: {a: [1]}\nconstraints: {cost: {min: 2, max: 1}}\n" + ok_tail) ==
        std::vector<std::string>{"p.yaml:3:35: error: constraints.cost.max: expected max >= min: no value could satisfy both"});
  CHECK(errors(std::string(kHead) + "variables: {a: [1]}\nconstraints: {cost: {max: cheap}}\n" + ok_tail) ==
        std::vector<std::string>{"p.yaml:3:27: error: constraints.cost.max: expected a number, got \"cheap\""});
  CHECK(errors(std::string(kHead) + "variables: {a: [1]}\nobjective: {minimise: cost, maximise: cost}\n") ==
        std::vector<std::string>{"p.yaml:3:12: error: objective: expected exactly one of minimise: or maximise:"});
  CHECK(errors(std::string(kHead) + "variables: {a: [1]}\nobjective: {minimise: cost}\npareto: {x: cost, y: cost}\n") ==
        std::vector<std::string>{
            "p.yaml:4:22: error: pareto.y: the Pareto front needs two different metrics: y must differ from x"});
  // Another error never brings a Pareto error with it.
  CHECK(errors(std::string(kHead) + "variables: {a: [1]}\nconstraints: {cots: {max: 1}}\nobjective: {minimise: tco_total}\n") ==
        std::vector<std::string>{"p.yaml:3:15: error: constraints.cots: unknown metric \"cots\", did you mean cost?"});
  CHECK(errors("base: ../../../etc/passwd\nvariables: {a: [1]}\n" + ok_tail).at(0).rfind("p.yaml:1:7: error: base: scenario", 0) == 0);
  CHECK(errors(std::string(kHead) + "variables: {a: [1]}\nseeds: [1, 1]\n" + ok_tail) ==
        std::vector<std::string>{"p.yaml:3:12: error: seeds[1]: seed 1 is already seeds[0]; each seed runs once per point"});
  CHECK(errors(std::string(kHead) + "variables: {a: [1]}\nmax_points: 0\n" + ok_tail).size() == 1);
  const auto missing = errors(std::string(kHead) + "variablez: {a: [1]}\n" + ok_tail);
  REQUIRE(missing.size() == 2);
  CHECK(missing[0] == "p.yaml:2:1: error: variablez: unknown key, did you mean variables?");
  // Plans of 10000 points x 10 seeds = 100000 runs are allowed; one seed more is not.
  CHECK(errors(std::string(kHead) + "max_points: 10000\nseeds: 11\nvariables: {a: {min: 1, max: 10000, step: 1}}\n" + ok_tail) ==
        std::vector<std::string>{
            "p.yaml:4:12: error: variables: the plan would make 110000 runs (10000 points x 11 seeds); the limit is 100000"});
}

TEST_CASE("the Pareto front: no front point is dominated, every other point is dominated by a front point",
          "[plan]") {
  std::mt19937 rng(7);
  for (int trial = 0; trial < 200; ++trial) {
    const Sense xs = trial % 2 ? Sense::Maximise : Sense::Minimise, ys = trial % 4 >= 2 ? Sense::Maximise : Sense::Minimise;
    std::vector<std::pair<double, double>> pts;
    const int n = 1 + static_cast<int>(rng() % 40);
    for (int i = 0; i < n; ++i)  // few distinct values, so ties in x, in y and in both are common
      pts.emplace_back(static_cast<double>(rng() % 6), static_cast<double>(rng() % 6));
    const auto front = pareto_front(pts, xs, ys);
    const std::set<std::size_t> on(front.begin(), front.end());
    REQUIRE(on.size() == front.size());
    for (std::size_t f : front)
      for (std::size_t j = 0; j < pts.size(); ++j) CHECK_FALSE(dominates(pts[j], pts[f], xs, ys));
    for (std::size_t j = 0; j < pts.size(); ++j) {
      if (on.count(j)) continue;
      bool dominated = false;
      for (std::size_t f : front) dominated = dominated || dominates(pts[f], pts[j], xs, ys);
      CHECK(dominated);
    }
  }
  // By hand: (cost, time) both minimised.
  const std::vector<std::pair<double, double>> p{{3, 1}, {1, 3}, {2, 2}, {2, 3}, {3, 3}, {1, 3}, {4, 0.5}};
  CHECK(pareto_front(p, Sense::Minimise, Sense::Minimise) == std::vector<std::size_t>{1, 5, 2, 0, 6});
  // x minimised, y maximised: (1, 3) and its twin have the best of both.
  CHECK(pareto_front(p, Sense::Minimise, Sense::Maximise) == std::vector<std::size_t>{1, 5});
  CHECK(pareto_front({{1, NAN}, {2, 2}}, Sense::Minimise, Sense::Minimise) == std::vector<std::size_t>{1});
  CHECK(pareto_front({}, Sense::Minimise, Sense::Minimise).empty());
}

namespace {
PointOutcome outcome(std::size_t index, std::map<std::string, double> metrics) {
  PointOutcome p;
  p.index = index;
  p.sets = {{"v", std::to_string(index)}};
  p.metrics = aggregate_runs({metrics});
  return p;
}
}  // namespace

TEST_CASE("feasibility on the mean over seeds and the ranking, with the TCO metrics", "[plan]") {
  Diagnostics d;
  const PlanSpec s = load_plan(std::string(kHead) +
                                   "variables: {v: [0, 1, 2, 3, 4, 5]}\n"
                                   "constraints: {slo_attainment_min: {min: 0.99}, jobs_unfinished: {max: 0}}\n"
                                   "objective: {minimise: tco_total}\n",
                               d);
  REQUIRE_FALSE(d.has_errors());
  // The mean over two seeds decides: 0.985 and 0.997 average 0.991 >= 0.99.
  PointOutcome two;
  two.index = 0;
  two.metrics = aggregate_runs({{{"tco_total", 9e6}, {"slo_attainment_min", 0.985}, {"jobs_unfinished", 0}},
                                {{"tco_total", 11e6}, {"slo_attainment_min", 0.997}, {"jobs_unfinished", 0}}});
  CHECK(two.metrics.at("tco_total").mean == 10e6);
  CHECK(two.metrics.at("tco_total").ci95 == Approx(12.706 * 1e6));  // t(0.975, 1) x sd / sqrt(2), sd = sqrt(2) x 1e6
  CHECK(violated_constraints(s, two.metrics).empty());
  std::vector<PointOutcome> pts{
      outcome(1, {{"tco_total", 5e6}, {"slo_attainment_min", 0.95}, {"jobs_unfinished", 0}}),  // cheap, SLO missed
      outcome(2, {{"tco_total", 12e6}, {"slo_attainment_min", 1}, {"jobs_unfinished", 0}}),
      outcome(3, {{"tco_total", 8e6}, {"slo_attainment_min", 0.5}, {"jobs_unfinished", 2}}),   // both violated
      outcome(4, {{"tco_total", 7e6}, {"slo_attainment_min", 0.99}, {"jobs_unfinished", 0}}), // exactly at the bound
      PointOutcome{}, two};
  pts[4].index = 5;
  pts[4].sets = {{"v", "5"}};
  pts[4].status = PointStatus::Pruned;
  pts[4].reason = "does not fit";
  const auto ranked = rank_points(s, pts);
  std::vector<std::size_t> order;
  for (const auto& p : ranked) order.push_back(p.index);
  CHECK(order == std::vector<std::size_t>{4, 0, 2, 1, 3, 5});
  CHECK(ranked[0].status == PointStatus::Feasible);
  CHECK(ranked[3].status == PointStatus::Infeasible);
  CHECK(ranked[3].violated == std::vector<std::string>{"slo_attainment_min = 0.95 < min 0.99"});
  CHECK(ranked[4].violated ==
        std::vector<std::string>{"slo_attainment_min = 0.5 < min 0.99", "jobs_unfinished = 2 > max 0"});
  CHECK(ranked[5].status == PointStatus::Pruned);
  // A metric the runs do not report makes the point infeasible, named.
  CHECK(violated_constraints(s, aggregate_runs({{{"tco_total", 1}, {"jobs_unfinished", 0}}})) ==
        std::vector<std::string>{"slo_attainment_min not reported"});

  const std::string csv = plan_csv(s, ranked);
  CHECK(csv.rfind("rank,point,v,status,n,violated,tco_total_mean,tco_total_ci95,slo_attainment_min_mean,", 0) == 0);
  // A tco_* metric brings the period (simulated_end_s) as the last column: none in these outcomes.
  CHECK(csv.substr(0, csv.find('\n')).rfind(",simulated_end_s_mean,simulated_end_s_ci95") != std::string::npos);
  CHECK(csv.find("\n1,4,4,feasible,1,,7000000,0,0.99,0,0,0,,\n") != std::string::npos);
  CHECK(csv.find("\n6,5,5,pruned,0,does not fit,,,,,,,,\n") != std::string::npos);
  // Pareto of (tco_total minimised, slo_attainment_min maximised), by cost: 1 (5e6, 0.95), 4 (7e6, 0.99),
  // 0 (10e6, 0.991), 2 (12e6, 1); 3 (8e6, 0.5) is dominated by 4; the pruned point has no metrics.
  const std::string pareto = pareto_csv(s, ranked);
  CHECK(pareto.rfind("point,v,tco_total_mean,tco_total_ci95,slo_attainment_min_mean,slo_attainment_min_ci95,status\n1,", 0) == 0);
  std::vector<std::size_t> front;
  for (std::size_t i : pareto_points(s, ranked)) front.push_back(ranked[i].index);
  CHECK(front == std::vector<std::size_t>{1, 4, 0, 2});
}

TEST_CASE("the default Pareto axes: tco_total against the objective, a constraint or the time to train", "[plan]") {
  Diagnostics d;
  // The minimal plan (docs/planning.md): objective tco_total, nothing else.
  PlanSpec s = load_plan(std::string(kHead) + "variables: {a: [1]}\nobjective: {minimise: tco_total}\n", d);
  REQUIRE_FALSE(d.has_errors());
  CHECK(s.pareto_x == "tco_total");
  CHECK(s.pareto_y == "mean_time_to_train_s");
  s = load_plan(std::string(kHead) + "variables: {a: [1]}\nconstraints: {jobs_finished: {min: 1}}\n"
                                     "objective: {minimise: tco_total}\n", d);
  CHECK(s.pareto_y == "jobs_finished");
  CHECK(s.pareto_y_sense == Sense::Maximise);
  s = load_plan(std::string(kHead) + "variables: {a: [1]}\nobjective: {minimise: tco_total}\npareto: {x: mean_time_to_train_s}\n", d);
  CHECK(s.pareto_y == "tco_total");
  REQUIRE_FALSE(d.has_errors());
}

TEST_CASE("plan notes: a metric no run reports and TCO over different simulated periods", "[plan]") {
  Diagnostics d;
  const PlanSpec s = load_plan(std::string(kHead) + "variables: {v: [0, 1]}\nconstraints: {slo_attainment_min: {min: 0.9}}\n"
                                                    "objective: {minimise: tco_total}\n", d);
  REQUIRE_FALSE(d.has_errors());
  std::vector<PointOutcome> same{outcome(0, {{"tco_total", 1}, {"slo_attainment_min", 1}, {"simulated_end_s", 3600}}),
                                 outcome(1, {{"tco_total", 2}, {"slo_attainment_min", 1}, {"simulated_end_s", 3600}})};
  CHECK(plan_notes(s, rank_points(s, same)).empty());
  std::vector<PointOutcome> differ{outcome(0, {{"tco_total", 1}, {"simulated_end_s", 3600}}),
                                   outcome(1, {{"tco_total", 2}, {"simulated_end_s", 7200}})};
  const auto ranked = rank_points(s, differ);
  // No point reports slo_attainment_min: both infeasible, named, and a note says so.
  CHECK(ranked[0].status == PointStatus::Infeasible);
  CHECK(ranked[0].violated == std::vector<std::string>{"slo_attainment_min not reported"});
  const auto notes = plan_notes(s, ranked);
  REQUIRE(notes.size() == 2);
  CHECK(notes[0].rfind("metric slo_attainment_min is reported by no run", 0) == 0);
  CHECK(notes[1].find("simulated_end_s from 3600 s to 7200 s") != std::string::npos);
  CHECK(plan_html(s, ranked, notes).find("<p class='note'><b>Note:</b> the points&#39; simulated periods differ") !=
        std::string::npos);
}

TEST_CASE("plan.html escapes input and draws every point with both metrics", "[plan]") {
  Diagnostics d;
  const PlanSpec s = load_plan(std::string(kHead) + "variables: {v: [a]}\nobjective: {minimise: cost}\n"
                                                    "pareto: {x: cost, y: jobs_finished}\n", d);
  REQUIRE_FALSE(d.has_errors());
  std::vector<PointOutcome> pts{outcome(0, {{"cost", 1}, {"jobs_finished", 2}}), outcome(1, {{"cost", 2}, {"jobs_finished", 3}})};
  pts[0].sets = {{"v", "<script>x</script>'"}};
  const std::string html = plan_html(s, rank_points(s, pts));
  CHECK(html.find("<script") == std::string::npos);
  CHECK(html.find("&lt;script&gt;x&lt;/script&gt;&#39;") != std::string::npos);
  CHECK(html.find("data-points='2' data-front='1'") != std::string::npos);  // (1, 2) dominates (2, 3), both minimised
}

TEST_CASE("best.yaml applies the point's values and seed and copies the files it references", "[plan]") {
  const std::string dir = test::scratch_dir("plan-best-yaml");
  fs::create_directories(dir + "/in/hw");
  fs::copy_file(test::source_path("scenarios/hardware/h100-sxm.yaml"), dir + "/in/hw/my-gpu.yaml");
  std::ofstream(dir + "/in/base.yaml") << "hardware: [hw/my-gpu.yaml]\n" << test::kOneSiteScenario;
  Diagnostics d;
  const BestScenario b = best_scenario(dir + "/in/base.yaml", {}, {{"sites.a.clusters.main.servers", "6"}}, 42,
                                       "best-files", d);
  REQUIRE_FALSE(d.has_errors());
  REQUIRE(b.files.size() == 1);
  CHECK(b.files[0].first == "best-files/1-my-gpu.yaml");
  CHECK(b.files[0].second == test::read_text(dir + "/in/hw/my-gpu.yaml"));
  fs::create_directories(dir + "/out/best-files");
  std::ofstream(dir + "/out/" + b.files[0].first) << b.files[0].second;
  const LoadResult r = load_scenario_text(b.yaml, "best.yaml", {}, dir + "/out");
  REQUIRE(r.scenario);
  CHECK(r.scenario->seed == 42);
  CHECK(r.scenario->sites.at(0).clusters.at(0).servers == 6);
  // A bad value is an error, not a silently different scenario.
  best_scenario(dir + "/in/base.yaml", {}, {{"sites.nowhere.servers", "6"}}, 1, "best-files", d);
  CHECK(d.has_errors());
}

TEST_CASE("best.yaml rewrites every kind of file reference, one copy per file", "[plan]") {
  const std::string dir = test::scratch_dir("plan-best-references");
  fs::create_directories(dir + "/in/traces");
  std::ofstream(dir + "/in/traces/jobs.csv") << "jobs\n";
  std::ofstream(dir + "/in/traces/requests.csv") << "requests\n";
  // Only the references matter here: best_scenario reads them, it does not check the scenario.
  std::ofstream(dir + "/in/base.yaml") << "name: refs\nworkloads:\n  training_trace: traces/jobs.csv\n"
                                          "  inference:\n    - {name: a, arrivals: {trace: traces/requests.csv}}\n"
                                          "    - {name: b, arrivals: {trace: traces/requests.csv}}\n"
                                          "    - {name: c, arrivals: {poisson: 1/s}}\n";
  Diagnostics d;
  const BestScenario b = best_scenario(dir + "/in/base.yaml", {}, {}, 7, "best-files", d);
  REQUIRE_FALSE(d.has_errors());
  REQUIRE(b.files.size() == 2);
  CHECK(b.files[0] == std::make_pair(std::string("best-files/1-jobs.csv"), std::string("jobs\n")));
  CHECK(b.files[1] == std::make_pair(std::string("best-files/2-requests.csv"), std::string("requests\n")));
  const YAML::Node root = YAML::Load(b.yaml);
  CHECK(root["seed"].as<int>() == 7);
  CHECK(root["workloads"]["training_trace"].as<std::string>() == "best-files/1-jobs.csv");
  CHECK(root["workloads"]["inference"][0]["arrivals"]["trace"].as<std::string>() == "best-files/2-requests.csv");
  CHECK(root["workloads"]["inference"][1]["arrivals"]["trace"].as<std::string>() == "best-files/2-requests.csv");
  CHECK_FALSE(root["workloads"]["inference"][2]["arrivals"]["trace"]);
  // The SWF form of a training trace: its `file` is copied and rewritten, the other keys kept.
  std::ofstream(dir + "/in/traces/t.swf") << "; swf\n";
  std::ofstream(dir + "/in/swf.yaml") << "name: swf\nworkloads:\n  training_trace: {file: traces/t.swf, format: swf, model: m}\n";
  const BestScenario w = best_scenario(dir + "/in/swf.yaml", {}, {}, 1, "best-files", d);
  REQUIRE_FALSE(d.has_errors());
  REQUIRE(w.files.size() == 1);
  CHECK(w.files[0] == std::make_pair(std::string("best-files/1-t.swf"), std::string("; swf\n")));
  const YAML::Node ws = YAML::Load(w.yaml);
  CHECK(ws["workloads"]["training_trace"]["file"].as<std::string>() == "best-files/1-t.swf");
  CHECK(ws["workloads"]["training_trace"]["format"].as<std::string>() == "swf");
  // A reference outside the base's folder (and no --allow-paths) stays refused.
  std::ofstream(dir + "/in/escape.yaml") << "name: x\nhardware: [../../../../../../etc/hostname]\n";
  best_scenario(dir + "/in/escape.yaml", {}, {}, 1, "best-files", d);
  CHECK(d.has_errors());
}

TEST_CASE("a maximised objective ranks the largest mean first", "[plan]") {
  Diagnostics d;
  const PlanSpec s = load_plan(std::string(kHead) + "variables: {v: [0, 1, 2]}\nconstraints: {cost: {max: 10}}\n"
                                                    "objective: {maximise: mean_goodput}\n", d);
  REQUIRE_FALSE(d.has_errors());
  CHECK(s.sense == Sense::Maximise);
  CHECK(s.pareto_x == "tco_total");
  CHECK(s.pareto_y == "mean_goodput");
  CHECK(s.pareto_y_sense == Sense::Maximise);
  const auto ranked = rank_points(s, {outcome(0, {{"mean_goodput", 0.8}, {"cost", 5}}),
                                      outcome(1, {{"mean_goodput", 0.95}, {"cost", 12}}),
                                      outcome(2, {{"mean_goodput", 0.9}, {"cost", 9}})});
  CHECK(ranked[0].index == 2);
  CHECK(ranked[1].index == 0);
  CHECK(ranked[2].index == 1);
  CHECK(ranked[2].violated == std::vector<std::string>{"cost = 12 > max 10"});
}

TEST_CASE("a point whose jobs cannot finish by the horizon is pruned when the constraints need them finished",
          "[plan]") {
  // The first tutorial's job takes 69,005.7 s alone (47,684 steps of 1.4471 s): a 10-hour
  // horizon cannot hold it, a 30-day one can.
  Diagnostics d;
  const std::string vars = "variables: {horizon: [10h, 30d]}\nobjective: {minimise: tco_total}\n";
  PlanSpec s = load_plan(std::string(kHead) + vars + "constraints: {jobs_unfinished: {max: 0}}\n", d);
  REQUIRE_FALSE(d.has_errors());
  auto why = check_plan_points(s);
  REQUIRE(why.size() == 2);
  CHECK(why[0] == "1 training job cannot finish by the horizon (36000 s) even alone on the fastest cluster that "
                  "holds it: jobs_unfinished >= 1 > max 0");
  CHECK(why[1].empty());
  s = load_plan(std::string(kHead) + vars + "constraints: {jobs_finished: {min: 1}}\n", d);
  REQUIRE_FALSE(d.has_errors());
  why = check_plan_points(s);
  CHECK(why[0].find("jobs_finished <= 0 < min 1") != std::string::npos);
  CHECK(why[1].empty());
  // Without a constraint on finished jobs, nothing is pruned by the bound.
  s = load_plan(std::string(kHead) + vars, d);
  REQUIRE_FALSE(d.has_errors());
  why = check_plan_points(s);
  CHECK(why[0].empty());
  CHECK(why[1].empty());
}
