// `rcnsim compare`: run folders are untrusted input (bounded, checked, never
// echoed), the page is written whole, and only a page rcnsim wrote is replaced.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>

#include <algorithm>

#include <nlohmann/json.hpp>

#include "rcn/report/result_folder.hpp"
#include "tests/test_support.hpp"

using namespace rcn::test;
namespace fs = std::filesystem;

namespace {

// Two small runs of the one-site scenario in <dir>/seed1 and <dir>/seed2 (each
// test makes its own: ctest runs the test cases in parallel processes).
std::string two_runs(const std::string& dir) {
  std::ofstream(dir + "/one.yaml") << kOneSiteScenario;
  for (const char* seed : {"1", "2"})
    REQUIRE(run_command(rcnsim_binary() + " run " + dir + "/one.yaml --seed " + seed + " -o " + dir + "/seed" + seed).status == 0);
  return dir;
}

}  // namespace

TEST_CASE("compare: two runs, or a sweep's folder of runs, give one self-contained page", "[cli][compare]") {
  const std::string dir = scratch_dir("compare-ok");
  two_runs(dir);
  auto r = run_command(rcnsim_binary() + " compare " + dir + "/seed1 " + dir + "/seed2 -o " + dir + "/c.html");
  INFO(r.output);
  REQUIRE(r.status == 0);
  const std::string html = read_text(dir + "/c.html");
  CHECK(html.find("\"mode\":\"compare\"") != std::string::npos);
  CHECK(html.find("\"label\":\"seed1\"") < html.find("\"label\":\"seed2\""));
  CHECK(html.find("src=") == std::string::npos);  // nothing loaded from elsewhere
  // A sweep's folder: each run under runs/, in name order.
  fs::create_directories(dir + "/sweep/runs");
  fs::copy(dir + "/seed2", dir + "/sweep/runs/p1-seed1", fs::copy_options::recursive);
  fs::copy(dir + "/seed1", dir + "/sweep/runs/p0-seed1", fs::copy_options::recursive);
  r = run_command(rcnsim_binary() + " compare " + dir + "/sweep -o " + dir + "/c.html");
  INFO(r.output);
  REQUIRE(r.status == 0);
  const std::string sweep = read_text(dir + "/c.html");
  CHECK(sweep.find("\"label\":\"p0-seed1\"") < sweep.find("\"label\":\"p1-seed1\""));
}

TEST_CASE("compare: bad run folders are one line, exit status 2, nothing written, no contents echoed", "[cli][compare]") {
  const std::string dir = scratch_dir("compare-bad");
  const std::string good = two_runs(dir) + "/seed1";
  struct Case {
    const char* name;
    std::string file, content, expect;
  };
  const std::vector<Case> cases = {
      {"not JSON", "summary.json", "{\"scenario\": \"SECRET-TOKEN", "summary.json: not valid JSON"},
      {"a field of the wrong type", "summary.json", "{\"scenario\": [\"SECRET-TOKEN\"]}", "scenario: expected a string"},
      {"a CSV row with a word for a number", "utilisation.csv", "time_s,site,busy_gpus,utilisation\nSECRET-TOKEN,a,1,1\n",
       "utilisation.csv: line 2: expected a number"},
      {"a CSV with a foreign header", "failures.csv", "SECRET-TOKEN\n", "failures.csv: line 1: not the header rcnsim writes"},
      {"an energy bin of a site summary.json does not list", "site_energy.csv",
       "site,start_s,end_s,busy_gpu_hours,energy_kwh,power_cost,tco,carbon_kg\na,0,60,0,1,1,1,1\nSECRET-TOKEN,0,60,0,1,1,1,1\n",
       "site_energy.csv: line 3: a site summary.json does not list"},
      {"an energy bin that ends before it starts", "site_energy.csv",
       "site,start_s,end_s,busy_gpu_hours,energy_kwh,power_cost,tco,carbon_kg\na,60,0,0,1,1,1,1\n",
       "site_energy.csv: line 2: a bin that ends before it starts"},
      {"an energy bin with a word for a number", "site_energy.csv",
       "site,start_s,end_s,busy_gpu_hours,energy_kwh,power_cost,tco,carbon_kg\na,0,60,0,SECRET-TOKEN,1,1,1\n",
       "site_energy.csv: line 2: expected a number"},
  };
  for (const Case& c : cases) {
    INFO(c.name);
    const std::string run = dir + "/" + std::to_string(&c - cases.data());
    fs::copy(good, run, fs::copy_options::recursive);
    std::ofstream(run + "/" + c.file, std::ios::trunc) << c.content;
    const auto r = run_command(rcnsim_binary() + " compare " + good + " " + run + " -o " + dir + "/c.html");
    INFO(r.output);
    CHECK(r.status == 2);
    CHECK(r.output.find(c.expect) != std::string::npos);
    CHECK(r.output.find("SECRET-TOKEN") == std::string::npos);
    CHECK(std::count(r.output.begin(), r.output.end(), '\n') == 1);
    CHECK_FALSE(fs::exists(dir + "/c.html"));
  }
  // A folder that is no run, and a single run.
  fs::create_directories(dir + "/empty");
  auto r = run_command(rcnsim_binary() + " compare " + good + " " + dir + "/empty -o " + dir + "/c.html");
  CHECK(r.status == 2);
  CHECK(r.output.find("holds no summary.json") != std::string::npos);
  r = run_command(rcnsim_binary() + " compare " + good + " -o " + dir + "/c.html");
  CHECK(r.status == 2);
  CHECK(r.output.find("at least two runs") != std::string::npos);
}

TEST_CASE("compare: the output replaces only a page rcnsim wrote", "[cli][compare]") {
  const std::string dir = scratch_dir("compare-output");
  const std::string made = two_runs(scratch_dir("compare-output-runs"));
  const std::string runs = made + "/seed1 " + made + "/seed2";
  std::ofstream(dir + "/mine.html") << "my notes\n";
  auto r = run_command(rcnsim_binary() + " compare " + runs + " -o " + dir + "/mine.html");
  CHECK(r.status == 2);
  CHECK(r.output.find("not a page rcnsim wrote") != std::string::npos);
  CHECK(read_text(dir + "/mine.html") == "my notes\n");
  r = run_command(rcnsim_binary() + " compare " + runs + " -o " + dir);
  CHECK(r.status == 2);
  CHECK(r.output.find("is a folder") != std::string::npos);
  // Its own page, written before, is replaced.
  REQUIRE(run_command(rcnsim_binary() + " compare " + runs + " -o " + dir + "/c.html").status == 0);
  r = run_command(rcnsim_binary() + " compare " + runs + " -o " + dir + "/c.html");
  CHECK(r.status == 0);
  std::size_t files = 0;
  for ([[maybe_unused]] const auto& e : fs::directory_iterator(dir)) ++files;
  CHECK(files == 2);  // mine.html and c.html: no temporary file left
}

TEST_CASE("compare: a run with an unschedulable job compares like any other", "[cli][compare]") {
  // Inference replicas hold 2 of the 4 servers for the whole run, so `big` (4 servers) ends
  // unschedulable (tests/data/scenarios/replicas-hold-servers.yaml); compare reads that state
  // and its reason back (reviewer's finding, 2026-12-01).
  const std::string dir = scratch_dir("compare-unschedulable");
  for (const char* seed : {"1", "2"})
    REQUIRE(run_command(rcnsim_binary() + " run " + source_path("tests/data/scenarios/replicas-hold-servers.yaml") + " --seed " + seed + " -o " + dir + "/u" + seed).status == 0);
  REQUIRE(read_text(dir + "/u1/jobs.csv").find("\nbig,llama3-8b,unschedulable,") != std::string::npos);
  const auto r = run_command(rcnsim_binary() + " compare " + dir + "/u1 " + dir + "/u2 -o " + dir + "/c.html");
  INFO(r.output);
  CHECK(r.status == 0);
  CHECK(read_text(dir + "/c.html").find("unschedulable") != std::string::npos);
}

TEST_CASE("compare: a run folder reads back with its TPOT quantiles and SLOs and energy bins", "[cli][compare]") {
  const std::string dir = scratch_dir("compare-readback");
  REQUIRE(run_command(rcnsim_binary() + " run " + source_path("scenarios/regional/azure-code-two-regions.yaml") + " -o " + dir +
                      "/azure").status == 0);
  const rcn::SimulationResult r = rcn::read_result_folder(dir + "/azure");
  REQUIRE(r.inference.size() == 2);
  for (const auto& g : r.inference) {
    REQUIRE(g.tpot_cdf.size() == 99);
    CHECK(g.tpot_cdf[49] == g.tpot_p50);  // the median quantile is summary.json's p50
    CHECK(g.tpot_cdf[98] == g.tpot_p99);
    CHECK(std::is_sorted(g.tpot_cdf.begin(), g.tpot_cdf.end()));
  }
  REQUIRE(r.services.size() == 1);
  CHECK(r.services[0].slo_ttft_s == 2);  // the scenario's slo: {ttft: 2s, e2e: 5s}
  CHECK(r.services[0].slo_tpot_s == 0);
  CHECK(r.services[0].slo_e2e_s == 5);
  // 58 one-minute bins per site (57.4 min), adding up to sites.csv's energy.
  REQUIRE(r.site_energy.size() == 2 * 58);
  for (std::size_t si = 0; si < 2; ++si) {
    double kwh = 0;
    for (const auto& b : r.site_energy) kwh += b.site == si ? b.energy_kwh : 0;
    CHECK(kwh == Approx(r.sites[si].energy_kwh).epsilon(1e-9));
  }
}

TEST_CASE("compare: a run folder reads back with its tenants", "[cli][compare]") {
  const std::string dir = scratch_dir("compare-tenants");
  REQUIRE(run_command(rcnsim_binary() + " run " + source_path("tests/data/report/two-tenants.yaml") + " -o " + dir + "/t").status == 0);
  const rcn::SimulationResult r = rcn::read_result_folder(dir + "/t");
  REQUIRE(r.tenants.size() == 2);
  CHECK(r.tenants[0].tenant == "retail");
  CHECK(r.tenants[0].services == "chat");
  CHECK(r.tenants[1].tenant == "bank' onmouseover='alert(1) <b>&");
  CHECK(r.tenants[1].services == "code;docs");
  // A tenant's requests are its services' (one region each here); chat's replica holds 4 GPUs for
  // the 10 minutes, code's 4 and docs' 8: 4/6 and 12/6 GPU-hours.
  REQUIRE(r.inference.size() == 3);
  CHECK(r.tenants[0].requests == r.inference[0].requests);
  CHECK(r.tenants[1].requests == r.inference[1].requests + r.inference[2].requests);
  CHECK(r.tenants[1].completed == r.inference[1].completed + r.inference[2].completed);
  CHECK(r.tenants[0].gpu_hours == Approx(4.0 / 6).epsilon(1e-9));
  CHECK(r.tenants[1].gpu_hours == Approx(12.0 / 6).epsilon(1e-9));
  CHECK(r.tenants[1].slo_attainment < 1);  // code's TPOT SLO of 3 ms is missed by some requests
  CHECK(r.tenants[1].slo_attainment == Approx(static_cast<double>(r.tenants[1].slo_met) / r.tenants[1].completed));
  // A bad field in the second service's only region is named by that service's own region index.
  fs::copy(dir + "/t", dir + "/bad", fs::copy_options::recursive);
  nlohmann::json summary = nlohmann::json::parse(read_text(dir + "/bad/summary.json"));
  summary["inference"][1]["regions"][0]["requests"] = "many";
  std::ofstream(dir + "/bad/summary.json", std::ios::trunc) << summary.dump();
  try {
    rcn::read_result_folder(dir + "/bad");
    FAIL("a word for a number was read");
  } catch (const rcn::ResultFolderError& e) {
    CHECK(e.message.find("summary.json: inference[1].regions[0].requests: expected a number") !=
          std::string::npos);
  }
}
