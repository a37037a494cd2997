// `rcnsim plan` end to end on a small space (2 variables: 3 x 2 points, one
// seed, a copy of the first tutorial): its winner against an exhaustive
// evaluation by hand, resume, best.yaml reproducing the winning run, and
// `rcnsim validate PLAN.yaml`.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <limits>
#include <sstream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "tests/test_support.hpp"

using namespace rcn;
namespace fs = std::filesystem;

namespace {

const std::vector<std::string> kServers{"16", "32", "48"}, kBatch{"256", "512"};
constexpr double kMaxTimeToTrain = 69030;  // between the two batch sizes' times (69005 s and 69058 s)

std::string small_plan(const std::string& dir) {
  fs::copy_file(test::source_path("scenarios/tutorial/01-one-cluster.yaml"), dir + "/base.yaml",
                fs::copy_options::overwrite_existing);
  std::ofstream(dir + "/plan.yaml") << fmt::format(
      "base: base.yaml\n"
      "variables:\n"
      "  sites.campus.clusters.main.servers: {{min: 16, max: 48, step: 16}}\n"
      "  workloads.training[0].global_batch: [256, 512]\n"
      "constraints:\n"
      "  jobs_finished: {{min: 1}}\n"
      "  mean_time_to_train_s: {{max: {}}}\n"
      "objective: {{minimise: tco_total}}\n"
      "pareto: {{x: tco_total, y: mean_time_to_train_s}}\n",
      kMaxTimeToTrain);
  return dir + "/plan.yaml";
}

nlohmann::json read_json(const std::string& path) { return nlohmann::json::parse(test::read_text(path)); }

std::vector<std::vector<std::string>> csv_rows(const std::string& text) {
  std::vector<std::vector<std::string>> rows;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    std::vector<std::string> row;
    std::string cell;
    bool quoted = false;
    for (char c : line) {
      if (c == '"') quoted = !quoted;
      else if (c == ',' && !quoted) row.push_back(cell), cell.clear();
      else cell += c;
    }
    row.push_back(cell);
    rows.push_back(row);
  }
  return rows;
}

}  // namespace

TEST_CASE("rcnsim plan finds the cheapest feasible point that an exhaustive evaluation finds", "[plan][cli]") {
  const std::string dir = test::scratch_dir("plan-cli");
  const std::string plan = small_plan(dir);
  const auto r = test::run_command(test::rcnsim_binary() + " plan " + plan + " -j 2 -o " + dir + "/out");
  INFO(r.output);
  REQUIRE(r.status == 0);
  CHECK(r.output.find("6 points: 2 pruned before simulating, 4 simulated x 1 seeds = 4 runs (0 resumed, 0 failed)") !=
        std::string::npos);

  // Every point by hand: its own `rcnsim run`, the metrics read from summary.json here.
  std::size_t best = 0;
  double best_cost = std::numeric_limits<double>::infinity();
  std::vector<std::string> expected_status;
  for (std::size_t i = 0; i < 6; ++i) {
    const std::string out = fmt::format("{}/brute-{}", dir, i);
    const auto run = test::run_command(fmt::format(
        "{} run {}/base.yaml --seed 1 --set sites.campus.clusters.main.servers={} "
        "--set 'workloads.training[0].global_batch={}' -o {}",
        test::rcnsim_binary(), dir, kServers[i / 2], kBatch[i % 2], out));
    if (run.status != 0) {
      CHECK(run.status == 2);  // refused by the checks: 128 GPUs for a 256-GPU job
      expected_status.push_back("pruned");
      continue;
    }
    const auto s = read_json(out + "/summary.json");
    double cost = 0, finished = 0, ttt = 0;
    cost = s["tco"]["total"].get<double>();  // docs/tco.md
    for (const auto& job : s["jobs"])
      if (job["state"] == "finished") finished += 1, ttt += job["time_to_train_s"].get<double>();
    const bool feasible = finished >= 1 && ttt / finished <= kMaxTimeToTrain;
    expected_status.push_back(feasible ? "feasible" : "infeasible");
    if (feasible && cost < best_cost) best_cost = cost, best = i;
  }
  REQUIRE(best_cost < std::numeric_limits<double>::infinity());
  // The space has every kind of point, so the ranking is not trivially right.
  CHECK(std::count(expected_status.begin(), expected_status.end(), "infeasible") > 0);
  CHECK(std::count(expected_status.begin(), expected_status.end(), "pruned") == 2);

  const auto rows = csv_rows(test::read_text(dir + "/out/plan.csv"));
  REQUIRE(rows.size() == 7);
  CHECK(rows[0][4] == "status");
  CHECK(rows[1][1] == std::to_string(best));
  CHECK(rows[1][7] == fmt::format("{}", best_cost));
  for (std::size_t k = 1; k < rows.size(); ++k) CHECK(rows[k][4] == expected_status.at(std::stoul(rows[k][1])));
  for (std::size_t k = 1; k < rows.size(); ++k)
    if (rows[k][4] == "infeasible") CHECK(rows[k][6].find("mean_time_to_train_s = ") == 0);
  CHECK(test::read_text(dir + "/out/plan.html").find("<svg id='pareto'") != std::string::npos);
  CHECK(test::read_text(dir + "/out/pareto.csv").find(fmt::format("\n{},", best)) != std::string::npos);

  // best.yaml runs as is and repeats the winning run, byte for byte.
  const auto again = test::run_command(test::rcnsim_binary() + " run " + dir + "/out/best.yaml -o " + dir + "/best-run");
  INFO(again.output);
  REQUIRE(again.status == 0);
  CHECK(test::read_text(dir + "/best-run/summary.json") ==
        test::read_text(fmt::format("{}/out/runs/p{}-seed1/summary.json", dir, best)));

  // A second plan resumes every run and writes the same table.
  const std::string table = test::read_text(dir + "/out/plan.csv");
  const auto resumed = test::run_command(test::rcnsim_binary() + " plan " + plan + " -j 2 -o " + dir + "/out");
  CHECK(resumed.status == 0);
  CHECK(resumed.output.find("4 runs (4 resumed, 0 failed)") != std::string::npos);
  CHECK(test::read_text(dir + "/out/plan.csv") == table);
}

TEST_CASE("rcnsim validate checks a plan file and every point's scenario without running", "[plan][cli]") {
  const std::string dir = test::scratch_dir("plan-validate");
  const std::string plan = small_plan(dir);
  auto r = test::run_command(test::rcnsim_binary() + " validate " + plan);
  INFO(r.output);
  CHECK(r.status == 0);
  CHECK(r.output.find("ok (6 points, 2 pruned before simulating, 4 to simulate x 1 seeds)") != std::string::npos);
  CHECK(r.output.find("point 0 (sites.campus.clusters.main.servers=16, workloads.training[0].global_batch=256) would "
                      "be pruned: ") != std::string::npos);
  CHECK_FALSE(fs::exists(dir + "/plan-results"));

  std::ofstream(dir + "/bad.yaml") << "base: base.yaml\nvariables: {a: {min: 1, max: 3, step: -1}}\n"
                                      "objective: {minimise: cost}\npareto: {x: cost, y: jobs_finished}\n";
  r = test::run_command(test::rcnsim_binary() + " validate " + dir + "/bad.yaml");
  CHECK(r.status == 2);
  CHECK(r.output.find("bad.yaml:2:39: error: variables.a.step: expected a step > 0") != std::string::npos);
  r = test::run_command(test::rcnsim_binary() + " plan " + dir + "/bad.yaml");
  CHECK(r.status == 2);
  CHECK_FALSE(fs::exists(dir + "/plan-results"));

  // Every point refused: an input error before any run, with the first point's reason.
  std::ofstream(dir + "/none.yaml") << "base: base.yaml\nvariables: {sites.campus.clusters.main.servers: [4, 8]}\n"
                                       "objective: {minimise: cost}\npareto: {x: cost, y: jobs_finished}\n";
  r = test::run_command(test::rcnsim_binary() + " plan " + dir + "/none.yaml -o " + dir + "/none-out");
  CHECK(r.status == 2);
  CHECK(r.output.find("the job asks for 256 GPUs but the largest cluster (campus/main) has 32") != std::string::npos);
  CHECK(r.output.find("no point of the plan gives a valid scenario") != std::string::npos);
  CHECK_FALSE(fs::exists(dir + "/none-out"));

  // An output folder the file may not choose.
  std::ofstream(dir + "/far.yaml") << "base: base.yaml\noutput: /tmp\nvariables: {scheduler.policy: [fifo]}\n"
                                      "objective: {minimise: cost}\npareto: {x: cost, y: jobs_finished}\n";
  r = test::run_command("cd " + dir + " && " + test::rcnsim_binary() + " plan far.yaml");
  CHECK(r.status == 2);
  CHECK(r.output.find("far.yaml:2:9: error: output: \"/tmp\" is outside the plan file's folder") != std::string::npos);
}

TEST_CASE("rcnsim plan and sweep refuse an output folder rcnsim did not make", "[plan][cli]") {
  const std::string dir = test::scratch_dir("plan-user-folder");
  const std::string plan = small_plan(dir);
  fs::create_directories(dir + "/mine");
  std::ofstream(dir + "/mine/plan.csv") << "precious\n";
  auto r = test::run_command(test::rcnsim_binary() + " plan " + plan + " -o " + dir + "/mine");
  INFO(r.output);
  CHECK(r.status == 2);
  CHECK(r.output.find("is not an rcnsim plan folder (no .rcnsim-output marker)") != std::string::npos);
  CHECK(test::read_text(dir + "/mine/plan.csv") == "precious\n");
  CHECK_FALSE(fs::exists(dir + "/mine/runs"));

  std::ofstream(dir + "/sweep.yaml") << "base: base.yaml\nvariants:\n  a: {scheduler.policy: fifo}\n";
  std::ofstream(dir + "/mine/sweep.csv") << "precious\n";
  r = test::run_command(test::rcnsim_binary() + " sweep " + dir + "/sweep.yaml -o " + dir + "/mine");
  CHECK(r.status == 2);
  CHECK(r.output.find("is not an rcnsim sweep folder") != std::string::npos);
  CHECK(test::read_text(dir + "/mine/sweep.csv") == "precious\n");
  // A folder made by a sweep is reused by a sweep, and refused to a plan.
  r = test::run_command(test::rcnsim_binary() + " sweep " + dir + "/sweep.yaml -j 1 -o " + dir + "/sw");
  REQUIRE(r.status == 0);
  r = test::run_command(test::rcnsim_binary() + " sweep " + dir + "/sweep.yaml -j 1 -o " + dir + "/sw");
  CHECK(r.status == 0);
  CHECK(r.output.find("1 resumed") != std::string::npos);
  r = test::run_command(test::rcnsim_binary() + " plan " + plan + " -o " + dir + "/sw");
  CHECK(r.status == 2);
  CHECK(r.output.find("holds the results of an rcnsim sweep, not of a plan") != std::string::npos);
  // -j below 0 is refused.
  r = test::run_command(test::rcnsim_binary() + " plan " + plan + " -j -1 -o " + dir + "/neg");
  CHECK(r.status == 2);
  CHECK_FALSE(fs::exists(dir + "/neg"));
  r = test::run_command(test::rcnsim_binary() + " sweep " + dir + "/sweep.yaml -j -3 -o " + dir + "/neg");
  CHECK(r.status == 2);
}

TEST_CASE("rcnsim validate locates a plan's bad variable path and metrics its base cannot report", "[plan][cli]") {
  const std::string dir = test::scratch_dir("plan-validate-located");
  small_plan(dir);
  std::ofstream(dir + "/typo.yaml") << "base: base.yaml\nvariables: {sites.nosuch.clusters.main.servers: [1, 2]}\n"
                                       "objective: {minimise: tco_total}\n";
  auto r = test::run_command(test::rcnsim_binary() + " validate " + dir + "/typo.yaml");
  INFO(r.output);
  CHECK(r.status == 2);
  CHECK(r.output.find("typo.yaml:2:49: error: variables.sites.nosuch.clusters.main.servers: "
                      "sites.nosuch.clusters.main.servers=1: ") != std::string::npos);
  CHECK(r.output.find("1 error found") != std::string::npos);
  // The tutorial's base has training and no inference service.
  std::ofstream(dir + "/metrics.yaml") << "base: base.yaml\nvariables: {sites.campus.clusters.main.servers: [32]}\n"
                                          "constraints:\n  nosuch/east:slo_attainment: {min: 0.9}\n"
                                          "objective: {minimise: tco_per_million_tokens_served}\n";
  r = test::run_command(test::rcnsim_binary() + " validate " + dir + "/metrics.yaml");
  CHECK(r.status == 2);
  CHECK(r.output.find("metrics.yaml:4:3: error: constraints.nosuch/east:slo_attainment: the base scenario has no "
                      "inference service \"nosuch\"") != std::string::npos);
  CHECK(r.output.find("metrics.yaml:5:23: error: objective.minimise: tco_per_million_tokens_served needs an inference "
                      "service") != std::string::npos);
  CHECK(r.output.find("2 errors found") != std::string::npos);
  CHECK(r.output.find("pareto") == std::string::npos);
  r = test::run_command(test::rcnsim_binary() + " plan " + dir + "/metrics.yaml -o " + dir + "/m-out");
  CHECK(r.status == 2);
  CHECK_FALSE(fs::exists(dir + "/m-out"));
}

TEST_CASE("rcnsim plan on a base with an SWF job trace writes its tables and a best.yaml that runs", "[plan][cli]") {
  const std::string dir = test::scratch_dir("plan-swf");
  small_plan(dir);
  std::ofstream(dir + "/t.swf") << "; two jobs\n1 0 0 3600 16 -1 -1 16 7200 -1 1 1 1 -1 1 -1 -1 -1\n"
                                   "2 600 0 1800 8 -1 -1 8 3600 -1 1 1 1 -1 1 -1 -1 -1\n";
  // The tutorial's cluster and model, the jobs from the trace.
  std::string base = test::read_text(dir + "/base.yaml");
  base = base.substr(0, base.find("workloads:"));
  std::ofstream(dir + "/swf-base.yaml") << base << "workloads:\n  training_trace: {file: t.swf, format: swf, model: "
                                           "llama3-8b, gpus_per_processor: 8}\n";
  std::ofstream(dir + "/swf-plan.yaml") << "base: swf-base.yaml\nvariables: {sites.campus.clusters.main.servers: [16, 32]}\n"
                                           "objective: {minimise: tco_total}\n";
  auto r = test::run_command(test::rcnsim_binary() + " plan " + dir + "/swf-plan.yaml -j 2 -o " + dir + "/out");
  INFO(r.output);
  REQUIRE(r.status == 0);
  for (const char* f : {"plan.csv", "pareto.csv", "plan.html", "best.yaml", "best-files/1-t.swf"})
    CHECK(fs::exists(dir + "/out/" + f));
  CHECK(test::read_text(dir + "/out/best.yaml").find("file: best-files/1-t.swf") != std::string::npos);
  r = test::run_command(test::rcnsim_binary() + " run " + dir + "/out/best.yaml -o " + dir + "/best-run");
  CHECK(r.status == 0);
}
