// Energy, cost and carbon per site over time (site_energy.csv): bin widths, the bins adding
// up to the run's totals on shipped scenarios, and an idle replica between two bursts. The
// hand-computed bins of an idle-then-busy site with hourly prices are in scheduling_test.cpp
// ("time-of-use prices and carbon are applied hour by hour"), on that test's run.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstdio>
#include <fstream>

#include "rcn/engine/simulation.hpp"
#include "rcn/report/report_data.hpp"
#include "rcn/scenario/loader.hpp"
#include "tests/load_scenario.hpp"
#include "src/engine/site_energy_series.hpp"
#include "tests/test_support.hpp"

using namespace rcn;

namespace {

bool close(double a, double b, double rel = 1e-9) { return std::fabs(a - b) <= rel * std::max({std::fabs(a), std::fabs(b), 1e-300}); }

// Every site's bins: contiguous from 0 to the end of the run, adding up to the site's totals.
void check_bins_add_up(const SimulationResult& r) {
  REQUIRE(!r.site_energy.empty());
  for (std::size_t si = 0; si < r.sites.size(); ++si) {
    double energy = 0, cost = 0, carbon = 0, tco = 0, busy = 0, t = 0;
    for (const SiteEnergyBin& b : r.site_energy) {
      if (b.site != si) continue;
      CHECK(b.start_s == t);  // no gap, no overlap
      CHECK(b.end_s > b.start_s);
      t = b.end_s;
      energy += b.energy_kwh, cost += b.power_cost, carbon += b.carbon_kg, tco += b.tco, busy += b.busy_gpu_hours;
    }
    INFO(r.scenario << " site " << r.sites[si].name);
    CHECK(t == r.simulated_end_s);
    CHECK(close(energy, r.sites[si].energy_kwh));
    CHECK(close(cost, r.sites[si].cost));
    CHECK(close(carbon, r.sites[si].carbon_kg));
    CHECK(close(tco, r.tco.sites[si].total));
    CHECK(close(busy, r.sites[si].gpu_hours_busy));
  }
}

}  // namespace

TEST_CASE("site energy bins are whole minutes or hours and at most 1000", "[engine][energy-series]") {
  CHECK(site_energy_bin_width(600) == 60);        // 10 min: 10 bins of 1 min
  CHECK(site_energy_bin_width(60000) == 60);      // 1,000 minutes
  CHECK(site_energy_bin_width(60060) == 300);     // one minute more: 5-minute bins
  CHECK(site_energy_bin_width(2 * 86400) == 300);  // 2,880 minutes: 576 bins of 5 min
  CHECK(site_energy_bin_width(54 * 86400) == 7200);   // 1,296 hours: 648 bins of 2 h
  CHECK(site_energy_bin_width(1000 * 86400) == 86400);
  CHECK(site_energy_bin_width(7000 * 86400) == 604800);             // 1,000 weeks
  CHECK(site_energy_bin_width(7001 * 86400) == 2 * 604800);         // whole weeks beyond
  CHECK(site_energy_bin_width(1000.0 * 365 * 86400) / 604800 == std::ceil(1000.0 * 365 / 7 / 1000));
}

// One simulation per test case: SimGrid allows one engine per process.
TEST_CASE("site energy bins add up to the run's totals: tutorial 3", "[engine][energy-series]") {
  LoadResult l = load_scenario_file(test::source_path("scenarios/tutorial/03-with-a-failure.yaml"), {});
  REQUIRE(l.scenario);
  check_bins_add_up(run_simulation(*l.scenario));
}

TEST_CASE("site energy bins add up to the run's totals: Azure code trace on two regions", "[engine][energy-series]") {
  LoadResult l = load_scenario_file(test::source_path("scenarios/regional/azure-code-two-regions.yaml"), {});
  REQUIRE(l.scenario);
  check_bins_add_up(run_simulation(*l.scenario));
}

TEST_CASE("an idle replica between two bursts is serving and busy only in the bursts", "[engine][inference][energy-series]") {
  // Ten requests at 0 s and ten at 1 h on one replica; the run's horizon is 2 h. The
  // replica is up all along: "replicas serving" is 1 in every bin of the report, also in
  // the idle hour, and the site's busy GPU-hours fall only in the bins of the bursts.
  const std::string dir = test::scratch_dir("idle-replica");
  {
    std::ofstream out(dir + "/trace.csv");
    out << "TIMESTAMP,ContextTokens,GeneratedTokens\n";
    for (int k = 0; k < 10; ++k) out << "2023-11-16 00:00:0" << k << ",512,64\n";
    for (int k = 0; k < 10; ++k) out << "2023-11-16 01:00:0" << k << ",512,64\n";
  }
  const std::string y = R"(name: gap
horizon: 2h
sites:
  - {name: a, clusters: [{name: main, gpu: h100-sxm, servers: 1}]}
models:
  llama3-8b: {layers: 32, hidden: 4096, heads: 32, kv_heads: 8, ffn: 14336, vocab: 128256, seq: 8192,
              gated_mlp: true, tied_embeddings: false}
workloads:
  inference:
    - {name: s, model: llama3-8b, replicas: {a: 1}, gpus_per_replica: 8, max_batch: 4, arrivals: {trace: trace.csv}}
)";
  Scenario s = test::load_scenario(y, dir + "/gap.yaml", dir);
  SimulationResult r = run_simulation(s);
  REQUIRE(r.inference.size() == 1);
  REQUIRE(r.inference[0].completed == 20);
  REQUIRE(r.inference_serving.size() == 1);
  CHECK(r.inference_serving[0].start_s == 0);
  CHECK(r.inference_serving[0].end_s == r.simulated_end_s);

  const auto data = report_run_data(r, &s, "gap");
  const auto& series = data["inference"]["load"]["series"];
  REQUIRE(series.size() == 1);
  const auto& serving = series[0]["replicas_serving"];
  REQUIRE(serving.size() >= 60);
  for (const auto& v : serving) CHECK(v.get<double>() == Approx(1));

  // Busy only in the first and the 61st minute (each burst takes seconds), idle between.
  double busy_total = 0;
  for (const SiteEnergyBin& b : r.site_energy) {
    const bool burst = b.start_s == 0 || b.start_s == 3600;
    INFO("bin at " << b.start_s);
    CHECK((b.busy_gpu_hours > 0) == burst);
    busy_total += b.busy_gpu_hours;
  }
  CHECK(busy_total == Approx(r.sites[0].gpu_hours_busy).epsilon(1e-9));
  check_bins_add_up(r);
}
