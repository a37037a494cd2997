// Sweeps: points from grids and random ranges, confidence intervals, and the
// command end to end (parallel runs, resume, MPI when available).
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>

#include <fmt/format.h>

#include "rcn/sweep/sweep_spec.hpp"
#include "rcn/sweep/sweep_table.hpp"
#include "tests/test_support.hpp"

using namespace rcn;
namespace fs = std::filesystem;

TEST_CASE("a grid is the cartesian product, last parameter fastest", "[sweep]") {
  Diagnostics d;
  const SweepSpec s = load_sweep_text(
      "base: default.yaml\nseeds: [3, 5]\ngrid:\n  a.b: [1, 2]\n  c: [x, y, z]\n", "s.yaml",
      test::source_path("scenarios"), d);
  REQUIRE_FALSE(d.has_errors());
  REQUIRE(s.points.size() == 6);
  CHECK(s.seeds == std::vector<std::uint64_t>{3, 5});
  CHECK(s.points[0].sets == std::vector<std::pair<std::string, std::string>>{{"a.b", "1"}, {"c", "x"}});
  CHECK(s.points[1].sets[1].second == "y");
  CHECK(s.points[5].sets == std::vector<std::pair<std::string, std::string>>{{"a.b", "2"}, {"c", "z"}});
}

TEST_CASE("random samples stay in their ranges and repeat for a seed", "[sweep]") {
  Diagnostics d;
  const std::string y = "base: default.yaml\nseeds: 2\nrandom: {samples: 50, seed: 9, ranges: {failures.scale: [0.5, 4]}}\n";
  const SweepSpec a = load_sweep_text(y, "s.yaml", test::source_path("scenarios"), d);
  const SweepSpec b = load_sweep_text(y, "s.yaml", test::source_path("scenarios"), d);
  REQUIRE_FALSE(d.has_errors());
  REQUIRE(a.points.size() == 50);
  CHECK(a.seeds == std::vector<std::uint64_t>{1, 2});
  for (std::size_t i = 0; i < 50; ++i) {
    const double v = std::stod(a.points[i].sets[0].second);
    CHECK(v >= 0.5);
    CHECK(v <= 4);
    CHECK(a.points[i].sets == b.points[i].sets);
  }
}

TEST_CASE("sweep errors are located", "[sweep]") {
  Diagnostics d;
  load_sweep_text("base: nowhere.yaml\ngrid: {a: []}\nseedz: 3\n", "s.yaml", ".", d);
  REQUIRE(d.error_count() == 3);
  CHECK(d.items()[0].str() == "s.yaml:3:1: error: seedz: unknown key, did you mean seeds?");
}

TEST_CASE("mean and 95% confidence interval use Student's t", "[sweep]") {
  // [1, 2, 3]: mean 2, sample sd 1, t(0.975, 2) = 4.303: half-width 4.303 / sqrt(3).
  const MeanCi m = mean_ci({1, 2, 3});
  CHECK(m.mean == Approx(2));
  CHECK(m.ci95 == Approx(4.303 / std::sqrt(3)));
  CHECK(mean_ci({5}).ci95 == 0);
  CHECK(student_t95(31) == Approx(2.042));  // df 30
  CHECK(student_t95(32) == Approx(1.96 + 2.5 / 31));
}

namespace {
// A sweep file beside its base scenario (a copy of the first tutorial), as a user keeps them.
std::string small_sweep(const std::string& dir) {
  const std::string file = dir + "/sweep.yaml";
  fs::copy_file(test::source_path("scenarios/tutorial/01-one-cluster.yaml"), dir + "/base.yaml",
                fs::copy_options::overwrite_existing);
  std::ofstream(file) << "base: base.yaml\nseeds: 2\ngrid:\n  workloads.training[0].tokens: [1e9, 2e9]\n";
  return file;
}
}  // namespace

TEST_CASE("rcnsim sweep runs every point and seed, resumes, and tabulates", "[sweep][cli]") {
  const std::string dir = test::scratch_dir("sweep-cli");
  const std::string file = small_sweep(dir);
  auto r = test::run_command(test::rcnsim_binary() + " sweep " + file + " -j 2 -o " + dir + "/out");
  INFO(r.output);
  REQUIRE(r.status == 0);
  const std::string table = test::read_text(dir + "/out/sweep.csv");
  CHECK(table.rfind("point,workloads.training[0].tokens,n,simulated_end_s_mean", 0) == 0);
  CHECK(std::count(table.begin(), table.end(), '\n') == 3);
  CHECK(table.find("\n0,1e9,2,") != std::string::npos);
  // Resume: remove one run, and only that one runs again.
  fs::remove_all(dir + "/out/runs/p1-seed2");
  r = test::run_command(test::rcnsim_binary() + " sweep " + file + " -j 2 -o " + dir + "/out");
  REQUIRE(r.status == 0);
  CHECK(r.output.find("(3 resumed, 0 failed") != std::string::npos);
  CHECK(test::read_text(dir + "/out/sweep.csv") == table);
  // An edited sweep reruns the points whose inputs changed, not the others.
  std::ofstream(file) << "base: base.yaml\nseeds: 2\ngrid:\n  workloads.training[0].tokens: [1e9, 3e9]\n";
  r = test::run_command(test::rcnsim_binary() + " sweep " + file + " -j 2 -o " + dir + "/out");
  REQUIRE(r.status == 0);
  CHECK(r.output.find("(2 resumed, 0 failed") != std::string::npos);
  CHECK(test::read_text(dir + "/out/sweep.csv").find("\n1,3e9,2,") != std::string::npos);
}

// Issue #10 item 12: seeds and point counts bounded and distinct before any run starts.
namespace {
std::string first_error(const std::string& yaml) {
  Diagnostics d;
  load_sweep_text(yaml, "s.yaml", test::source_path("scenarios"), d);
  return d.has_errors() ? d.items()[0].str() : "";
}
}  // namespace

TEST_CASE("a repeated seed is refused: its runs would share one folder", "[sweep]") {
  CHECK(first_error("base: default.yaml\nseeds: [1,1,1,1]\ngrid: {a: [1]}\n") ==
        "s.yaml:2:11: error: seeds[1]: seed 1 is already seeds[0]; each seed runs once per point");
  Diagnostics d;
  load_sweep_text("base: default.yaml\nseeds: [1,1,1,1]\ngrid: {a: [1]}\n", "s.yaml", test::source_path("scenarios"), d);
  CHECK(d.error_count() == 3);
}

TEST_CASE("seeds out of range are refused, not cast", "[sweep]") {
  // 1e30 ran as seed 0; 2e9 seeds allocated 2e9 entries (bad_alloc).
  CHECK(first_error("base: default.yaml\nseeds: [1e30]\ngrid: {a: [1]}\n") ==
        "s.yaml:2:9: error: seeds[0]: expected an integer in [0, 9007199254740992], got \"1e30\"");
  CHECK(first_error("base: default.yaml\nseeds: 2e9\ngrid: {a: [1]}\n") ==
        "s.yaml:2:8: error: seeds: expected an integer in [1, 100000], got \"2e9\"");
  CHECK(first_error("base: default.yaml\nseeds: [-1]\ngrid: {a: [1]}\n") ==
        "s.yaml:2:9: error: seeds[0]: expected an integer in [0, 9007199254740992], got \"-1\"");
  CHECK(first_error("base: default.yaml\nseeds: []\ngrid: {a: [1]}\n") ==
        "s.yaml:2:8: error: seeds: expected at least one seed");
  CHECK(first_error("base: default.yaml\nrandom: {samples: 1e12, ranges: {a: [0, 1]}}\n") ==
        "s.yaml:2:19: error: random.samples: expected an integer in [1, 100000], got \"1e12\"");
}

TEST_CASE("points x seeds is bounded before the grid is built", "[sweep]") {
  // 6 lists of 100 values: 1e12 points, which the cartesian product used to build in memory.
  std::string values = "[";
  for (int i = 0; i < 100; ++i) values += std::to_string(i) + (i < 99 ? "," : "]");
  std::string grid;
  for (char p = 'a'; p <= 'f'; ++p) grid += fmt::format("  {}: {}\n", p, values);
  CHECK(first_error("base: default.yaml\nseeds: 3\ngrid:\n" + grid) ==
        "s.yaml:4:3: error: grid: the sweep would make 3000000000000 runs (1000000000000 points x 3 seeds); the "
        "limit is 100000");
  CHECK(first_error("base: default.yaml\nseeds: 1000\ngrid:\n  a: " + values + "\n  b: [1, 2]\n") ==
        "s.yaml:4:3: error: grid: the sweep would make 200000 runs (200 points x 1000 seeds); the limit is 100000");
  CHECK(first_error("base: default.yaml\nseeds: 10\nrandom: {samples: 20000, ranges: {a: [0, 1]}}\n") ==
        "s.yaml:3:19: error: random.samples: the sweep would make 200000 runs (20000 points x 10 seeds); the limit "
        "is 100000");
  CHECK(first_error("base: default.yaml\nseeds: 1000\ngrid:\n  a: " + values + "\n") == "");  // exactly the limit
}

TEST_CASE("rcnsim sweep with a repeated seed: exit 2, nothing run or written", "[sweep][cli]") {
  const std::string dir = test::scratch_dir("sweep-dup-seed");
  std::ofstream(dir + "/sweep.yaml") << "base: " << test::source_path("scenarios/tutorial/01-one-cluster.yaml")
                                     << "\nseeds: [1,1,1,1]\ngrid:\n  workloads.training[0].tokens: [1e9]\n";
  auto r = test::run_command(test::rcnsim_binary() + " sweep " + dir + "/sweep.yaml -o " + dir + "/out");
  CHECK(r.status == 2);
  CHECK(r.output.find(dir + "/sweep.yaml:2:11: error: seeds[1]: seed 1 is already seeds[0]") != std::string::npos);
  CHECK_FALSE(fs::exists(dir + "/out"));
}

TEST_CASE("sweep resume reruns a run whose summary.json is empty", "[sweep][cli]") {
  // Issue #10 item 20: an empty summary.json (a run killed while writing) made the whole sweep exit 1.
  const std::string dir = test::scratch_dir("sweep-empty-summary");
  const std::string file = small_sweep(dir);
  auto r = test::run_command(test::rcnsim_binary() + " sweep " + file + " -j 2 -o " + dir + "/out");
  REQUIRE(r.status == 0);
  const std::string table = test::read_text(dir + "/out/sweep.csv");
  std::ofstream(dir + "/out/runs/p0-seed1/summary.json", std::ios::trunc);  // empty
  r = test::run_command(test::rcnsim_binary() + " sweep " + file + " -j 2 -o " + dir + "/out");
  INFO(r.output);
  CHECK(r.status == 0);
  CHECK(r.output.find("(3 resumed, 0 failed") != std::string::npos);
  CHECK(test::read_text(dir + "/out/sweep.csv") == table);
}

// A sweep file is shared like a scenario: its base scenario is a confined file
// reference, and its `output` may not point outside its folder or the working
// directory unless given with -o.
TEST_CASE("sweep base and output are confined like a scenario's files", "[sweep][cli]") {
  const std::string dir = test::scratch_dir("sweep-confined");
  fs::create_directories(dir + "/shared");
  fs::copy_file(test::source_path("scenarios/tutorial/01-one-cluster.yaml"), dir + "/base.yaml");
  const std::string grid = "\nseeds: 1\ngrid:\n  workloads.training[0].tokens: [1e9]\n";
  std::ofstream(dir + "/shared/escape.yaml") << "base: ../../../../../../../../etc/passwd" << grid;
  auto r = test::run_command(test::rcnsim_binary() + " sweep " + dir + "/shared/escape.yaml -o " + dir + "/out");
  CHECK(r.status == 2);
  CHECK(r.output.find(dir + "/shared/escape.yaml:1:7: error: base: ") != std::string::npos);
  CHECK(r.output.find("root:") == std::string::npos);  // nothing of the file is shown
  CHECK_FALSE(fs::exists(dir + "/out"));

  // The same base one folder up is reachable with --allow-paths, which every run gets too.
  std::ofstream(dir + "/shared/up.yaml") << "base: ../base.yaml" << grid;
  r = test::run_command(test::rcnsim_binary() + " sweep " + dir + "/shared/up.yaml -o " + dir + "/out");
  CHECK(r.status == 2);
  r = test::run_command(test::rcnsim_binary() + " sweep " + dir + "/shared/up.yaml --allow-paths " + dir + " -o " +
                        dir + "/out");
  INFO(r.output);
  CHECK(r.status == 0);
  CHECK(fs::exists(dir + "/out/sweep.csv"));

  // output: outside the sweep's folder and the working directory is refused without -o.
  std::ofstream(dir + "/out-up.yaml") << "base: base.yaml\noutput: /tmp/rcnsim-sweep-elsewhere" << grid;
  r = test::run_command("cd " + dir + "/shared && " + test::rcnsim_binary() + " sweep " + dir + "/out-up.yaml");
  CHECK(r.status == 2);
  CHECK(r.output.find(dir + "/out-up.yaml:2:9: error: output: ") != std::string::npos);
  CHECK_FALSE(fs::exists("/tmp/rcnsim-sweep-elsewhere"));
}
