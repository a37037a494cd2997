// Sweeps: points from grids and random ranges, confidence intervals, and the
// command end to end (parallel runs, resume, MPI when available).
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>

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
std::string small_sweep(const std::string& dir) {
  const std::string file = dir + "/sweep.yaml";
  std::ofstream(file) << "base: " << test::source_path("scenarios/tutorial/01-one-cluster.yaml")
                      << "\nseeds: 2\ngrid:\n  workloads.training[0].tokens: [1e9, 2e9]\n";
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
  std::ofstream(file) << "base: " << test::source_path("scenarios/tutorial/01-one-cluster.yaml")
                      << "\nseeds: 2\ngrid:\n  workloads.training[0].tokens: [1e9, 3e9]\n";
  r = test::run_command(test::rcnsim_binary() + " sweep " + file + " -j 2 -o " + dir + "/out");
  REQUIRE(r.status == 0);
  CHECK(r.output.find("(2 resumed, 0 failed") != std::string::npos);
  CHECK(test::read_text(dir + "/out/sweep.csv").find("\n1,3e9,2,") != std::string::npos);
}
