// `rcnsim validate SWEEP.yaml`: each point's scenario is checked as `rcnsim run
// --set ...` would check it, errors located at the sweep value that caused them.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>

#include "rcn/sweep/sweep_spec.hpp"
#include "rcn/sweep/validate_sweep.hpp"
#include "tests/test_support.hpp"

using namespace rcn;
namespace fs = std::filesystem;

namespace {
// A sweep file beside a copy of the first tutorial (one cluster of 64 servers, a 256-GPU job).
std::string write_sweep(const std::string& name, const std::string& body) {
  const std::string dir = test::scratch_dir(name);
  fs::copy_file(test::source_path("scenarios/tutorial/01-one-cluster.yaml"), dir + "/base.yaml");
  std::ofstream(dir + "/sweep.yaml") << "base: base.yaml\n" << body;
  return dir + "/sweep.yaml";
}

struct Checked {
  SweepValidation v;
  std::vector<std::string> lines;
  bool errors = false;
};

Checked check(const std::string& file, std::size_t max_points = 1000) {
  Diagnostics d;
  const SweepSpec spec = load_sweep_file(file, d);
  REQUIRE_FALSE(d.has_errors());
  Checked c;
  c.v = validate_sweep(spec, d, max_points);
  for (const auto& item : d.items()) c.lines.push_back(item.str());
  c.errors = d.has_errors();
  return c;
}
}  // namespace

TEST_CASE("validate_sweep: every point of a good sweep loads", "[sweep][validate]") {
  const auto c = check(write_sweep("validate-good", "variants:\n  small: {sites.campus.clusters.main.servers: 32}\n"
                                                    "  big: {sites.campus.clusters.main.servers: 128}\n"
                                                    "grid:\n  workloads.training[0].tokens: [1e9, 2e9]\n"));
  CHECK_FALSE(c.errors);
  CHECK(c.lines.empty());
  CHECK(c.v.distinct == 4);
  CHECK(c.v.checked == 4);
  CHECK(c.v.failed == 0);
}

TEST_CASE("validate_sweep: a bad variant value is located at the value in the sweep file", "[sweep][validate]") {
  const std::string file = write_sweep("validate-bad-variant",
                                       "variants:\n  ok: {sites.campus.clusters.main.servers: 32}\n"
                                       "  bad: {sites.campus.clusters.main.servers: lots}\n"
                                       "grid:\n  workloads.training[0].tokens: [1e9, 2e9]\n");
  const auto c = check(file);
  CHECK(c.errors);
  CHECK(c.v.failed == 2);
  // One error for both grid points of the bad variant, at "lots" (line 4, column 44).
  REQUIRE(c.lines.size() == 1);
  CHECK(c.lines[0] == file + ":4:45: error: variants.bad.sites.campus.clusters.main.servers: point 2 (variant bad, "
                             "workloads.training[0].tokens=1e9) and 1 more point: sites[0].clusters[0].servers: "
                             "expected an integer >= 1, got \"lots\"");
}

TEST_CASE("validate_sweep: a bad grid value is located at its grid path", "[sweep][validate]") {
  const std::string file =
      write_sweep("validate-bad-grid", "grid:\n  workloads.training[0].global_batch: [512, 0.5]\n");
  const auto c = check(file);
  CHECK(c.v.failed == 1);
  REQUIRE(c.lines.size() == 1);
  CHECK(c.lines[0].rfind(file + ":3:3: error: grid.workloads.training[0].global_batch: point 1 "
                                "(workloads.training[0].global_batch=0.5): workloads.training[0].global_batch: ", 0) == 0);
}

TEST_CASE("validate_sweep: a grid point the scenario refuses elsewhere is reported at base, with the scenario's line",
          "[sweep][validate]") {
  // 250 GPUs do not match the job's tp*pp*dp = 256: the scenario reports it at the job's parallelism.
  const std::string file = write_sweep("validate-grid-elsewhere", "grid:\n  workloads.training[0].gpus: [256, 250]\n");
  const auto c = check(file);
  CHECK(c.v.failed == 1);
  REQUIRE(c.lines.size() == 1);
  CHECK(c.lines[0] == file + ":1:7: error: base: point 1 (workloads.training[0].gpus=250): " +
                          fs::path(file).parent_path().string() +
                          "/base.yaml:32:20: workloads.training[0].parallelism: tp*pp*dp = 1*1*256 = 256 but the job "
                          "asks for gpus: 250");
}

TEST_CASE("validate_sweep: an error the scenario reports elsewhere names the variant and the scenario line",
          "[sweep][validate]") {
  // 8 servers x 8 GPUs cannot hold the 256-GPU job: the scenario refuses the job, not the value.
  const std::string file = write_sweep("validate-bad-fit", "variants:\n  tiny: {sites.campus.clusters.main.servers: 8}\n"
                                                           "  fine: {sites.campus.clusters.main.servers: 64}\n");
  const auto c = check(file);
  CHECK(c.v.failed == 1);
  REQUIRE_FALSE(c.lines.empty());
  const std::string& l = c.lines[0];
  INFO(l);
  CHECK(l.rfind(file + ":3:3: error: variants.tiny: point 0 (variant tiny): ", 0) == 0);
  CHECK(l.find(fs::path(file).parent_path().string() + "/base.yaml:") != std::string::npos);
  CHECK(l.find("workloads.training[0]") != std::string::npos);
}

TEST_CASE("validate_sweep: identical points are checked once, and past the limit a warning says how many were not",
          "[sweep][validate]") {
  const std::string file =
      write_sweep("validate-limit", "variants:\n  a:\n    workloads.training[0].tokens: 1e9\n"
                                    "  b:\n    workloads.training[0].tokens: 1e9\n"
                                    "grid: {sites.campus.clusters.main.servers: [32, 48, 64]}\n");
  // a and b set the same value: 3 distinct points out of 6.
  auto c = check(file);
  CHECK(c.v.distinct == 3);
  CHECK(c.v.checked == 3);
  c = check(file, 2);
  CHECK(c.v.checked == 2);
  CHECK_FALSE(c.errors);
  CHECK(c.lines == std::vector<std::string>{file + ": warning: 1 of 3 distinct points were not checked (the first 2 were)"});
}

TEST_CASE("rcnsim validate on a sweep: exit 0 when every point loads, 2 with a located message otherwise",
          "[sweep][validate][cli]") {
  const std::string good = write_sweep("validate-cli-good", "seeds: 2\nvariants:\n  center: "
                                                            "{sites.campus.clusters.main.servers: 96}\n"
                                                            "grid:\n  workloads.training[0].tokens: [1e9, 2e9]\n");
  auto r = test::run_command(test::rcnsim_binary() + " validate " + good);
  INFO(r.output);
  CHECK(r.status == 0);
  CHECK(r.output == good + ": ok (2 points x 2 seeds = 4 runs; 2 of 2 distinct points checked against " +
                        fs::path(good).parent_path().string() + "/base.yaml)\n");
  const std::string bad = write_sweep("validate-cli-bad", "variants:\n  center: {sites.campus.clusters.main.servers: -3}\n");
  r = test::run_command(test::rcnsim_binary() + " validate " + bad);
  CHECK(r.status == 2);
  CHECK(r.output.find(bad + ":3:48: error: variants.center.sites.campus.clusters.main.servers: point 0 (variant "
                            "center): ") != std::string::npos);
  CHECK(r.output.find("1 error found; nothing was run") != std::string::npos);
  // A malformed sweep file: the sweep loader's located errors, exit 2.
  const std::string broken = write_sweep("validate-cli-broken", "variants: {\"a b\": {x: 1}}\n");
  r = test::run_command(test::rcnsim_binary() + " validate " + broken);
  CHECK(r.status == 2);
  CHECK(r.output.find(broken + ":2:12: error: variants: variant name \"a b\"") != std::string::npos);
  // A typo in a sweep's key: still read as a sweep, so the message names the key it meant.
  const std::string typo = write_sweep("validate-cli-typo", "gird: {x: [1]}\n");
  r = test::run_command(test::rcnsim_binary() + " validate " + typo);
  CHECK(r.status == 2);
  CHECK(r.output.find(typo + ":2:1: error: gird: unknown key, did you mean grid?") != std::string::npos);
  // --set belongs to scenarios.
  r = test::run_command(test::rcnsim_binary() + " validate " + good + " --set horizon=1d");
  CHECK(r.status == 2);
  // A scenario still validates as one.
  r = test::run_command(test::rcnsim_binary() + " validate " + test::source_path("scenarios/tutorial/01-one-cluster.yaml"));
  CHECK(r.status == 0);
  CHECK(r.output.find("ok (1 site, ") != std::string::npos);
}

TEST_CASE("rcnsim sweep with variants: a variant column, every variant x grid point run, resume by key",
          "[sweep][variants][cli]") {
  const std::string file = write_sweep("sweep-variants-cli", "variants:\n  half:\n    workloads.training[0].tokens: 1e9\n"
                                                             "  full:\n    workloads.training[0].tokens: 2e9\n"
                                                             "grid: {sites.campus.clusters.main.servers: [32, 64]}\n");
  const std::string out = fs::path(file).parent_path().string() + "/out";
  auto r = test::run_command(test::rcnsim_binary() + " sweep " + file + " -j 2 -o " + out);
  INFO(r.output);
  REQUIRE(r.status == 0);
  const std::string table = test::read_text(out + "/sweep.csv");
  CHECK(table.rfind("point,variant,sites.campus.clusters.main.servers,workloads.training[0].tokens,n,", 0) == 0);
  CHECK(table.find("\n0,half,32,1e9,1,") != std::string::npos);
  CHECK(table.find("\n3,full,64,2e9,1,") != std::string::npos);
  CHECK(test::read_text(out + "/runs/p3-seed1.key").find("variant full\n") != std::string::npos);
  // The stdout table shows the variant and full paths.
  CHECK(r.output.find("variant") != std::string::npos);
  CHECK(r.output.find("workloads.training[0].tokens") != std::string::npos);
  // Renaming a variant reruns its points; the other variant's are resumed.
  std::ofstream(file) << "base: base.yaml\nvariants:\n  half:\n    workloads.training[0].tokens: 1e9\n"
                         "  whole:\n    workloads.training[0].tokens: 2e9\n"
                         "grid: {sites.campus.clusters.main.servers: [32, 64]}\n";
  r = test::run_command(test::rcnsim_binary() + " sweep " + file + " -j 2 -o " + out);
  REQUIRE(r.status == 0);
  CHECK(r.output.find("(2 resumed, 0 failed") != std::string::npos);
  CHECK(test::read_text(out + "/sweep.csv").find("\n2,whole,32,2e9,1,") != std::string::npos);
}
