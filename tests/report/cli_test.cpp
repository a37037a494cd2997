// The rcnsim binary as a user meets it: exit statuses, atomic results,
// byte-identical output for one seed.
#include <catch2/catch.hpp>

#include <filesystem>

#include "tests/test_support.hpp"

using namespace rcn::test;
namespace fs = std::filesystem;

TEST_CASE("same seed, byte-identical summary.json and CSVs", "[cli][determinism]") {
  const std::string dir = scratch_dir("determinism");
  for (const char* run : {"a", "b"}) {
    auto r = run_command(rcnsim_binary() + " run --seed 11 -o " + dir + "/" + run);
    REQUIRE(r.status == 0);
  }
  for (const char* f : {"summary.json", "jobs.csv", "sites.csv"}) {
    INFO(f);
    const std::string a = read_text(dir + "/a/" + f);
    CHECK_FALSE(a.empty());
    CHECK(a == read_text(dir + "/b/" + f));
  }
  CHECK(read_text(dir + "/a/summary.json").find("\"seed\": 11") != std::string::npos);
}

TEST_CASE("bad input: exit status 2, one line per error with file:line:col, nothing written", "[cli]") {
  const std::string dir = scratch_dir("bad-input");
  const std::string bad = dir + "/bad.yaml";
  {
    std::ofstream out(bad);
    out << "name: bad\nsites:\n  - name: a\n    clusters: [{gpu: h100-sxm, servers: 2, gpus_per_sever: 8}]\n";
  }
  auto r = run_command(rcnsim_binary() + " run " + bad + " -o " + dir + "/out");
  CHECK(r.status == 2);
  CHECK(r.output.find(bad + ":4:44: error: sites[0].clusters[0].gpus_per_sever: unknown key, did you mean "
                              "gpus_per_server?") != std::string::npos);
  CHECK_FALSE(fs::exists(dir + "/out"));
  // No temporary folder left behind either.
  int entries = 0;
  for (const auto& e : fs::directory_iterator(dir)) entries += e.path().filename() != "bad.yaml";
  CHECK(entries == 0);

  r = run_command(rcnsim_binary() + " validate " + bad);
  CHECK(r.status == 2);
  r = run_command(rcnsim_binary() + " validate " + dir + "/missing.yaml");
  CHECK(r.status == 2);
  CHECK(r.output.find("missing.yaml: error: cannot read the scenario file") != std::string::npos);
  r = run_command(rcnsim_binary() + " run --set 'sites[0].clusters[0].servers=lots' -o " + dir + "/out2");
  CHECK(r.status == 2);
  CHECK_FALSE(fs::exists(dir + "/out2"));
  r = run_command(rcnsim_binary() + " run --no-such-flag");
  CHECK(r.status == 2);
}

TEST_CASE("a second run replaces the results folder whole", "[cli]") {
  const std::string dir = scratch_dir("replace");
  auto r = run_command(rcnsim_binary() + " run -o " + dir + "/out");  // an earlier run's results folder
  REQUIRE(r.status == 0);
  { std::ofstream(dir + "/out/summary.json") << "{}"; }  // edited, but still a file rcnsim wrote
  r = run_command(rcnsim_binary() + " run -o " + dir + "/out");
  REQUIRE(r.status == 0);
  CHECK(read_text(dir + "/out/summary.json") != "{}");
  for (const char* f : {"summary.json", "jobs.csv", "sites.csv", "run_info.json"}) CHECK(fs::exists(dir + "/out/" + f));
}

TEST_CASE("version, help with examples, and describe", "[cli]") {
  auto r = run_command(rcnsim_binary() + " --version");
  CHECK(r.status == 0);
  CHECK(r.output.find("rcnsim 0.1.0") != std::string::npos);
  for (const char* sub : {"run", "validate", "describe"}) {
    r = run_command(rcnsim_binary() + " " + sub + " --help");
    CHECK(r.status == 0);
    CHECK(r.output.find("Example") != std::string::npos);
  }
  r = run_command(rcnsim_binary() + " describe " + source_path("scenarios/default.yaml"));
  CHECK(r.status == 0);
  // 16,384 H200 at 989 TFLOP/s = 16,203.8 PF/s in the east region.
  CHECK(r.output.find("16203.8") != std::string::npos);
  CHECK(r.output.find("min-cut") != std::string::npos);
}

TEST_CASE("results never overwrite a folder that is not an earlier run's results", "[cli]") {
  const std::string dir = scratch_dir("refuse");
  { std::ofstream(dir + "/notes.txt") << "mine"; }
  auto r = run_command(rcnsim_binary() + " run -o " + dir);
  CHECK(r.status == 2);
  CHECK(r.output.find("is not an rcnsim results folder") != std::string::npos);
  CHECK(read_text(dir + "/notes.txt") == "mine");
}
