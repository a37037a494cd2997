// rcnsim estimate's serving figures against a run of the same scenario and hand-computed energy.
#include <catch2/catch.hpp>

#include <fmt/format.h>

#include "rcn/engine/simulation.hpp"
#include "rcn/report/serving_estimate.hpp"
#include "tests/load_scenario.hpp"
#include "tests/test_support.hpp"

using namespace rcn;

TEST_CASE("estimate's serving cost is what a run charges the service", "[report][estimate][inference]") {
  // Two replicas of 8 H100s (690 W busy, 80 W idle) at PUE 1.2, Poisson arrivals for the whole
  // 1 h horizon, no failures, no autoscaling: the run holds both servers for (about) the hour.
  Scenario s = test::load_scenario(R"(name: serve
horizon: 1h
sites:
  - {name: a, power: {pue: 1.2}, clusters: [{name: main, gpu: h100-sxm, servers: 2}]}
models:
  llama3-8b: {layers: 32, hidden: 4096, heads: 32, kv_heads: 8, ffn: 14336, vocab: 128256, seq: 8192,
              gated_mlp: true, tied_embeddings: false}
workloads:
  inference:
    - {name: s, model: llama3-8b, replicas: {a: 2}, gpus_per_replica: 8,
       arrivals: {poisson: 2/s, prompt_tokens: 512, output_tokens: 64}}
)", "serve.yaml");
  const auto e = estimate_serving(s);
  REQUIRE(e.size() == 1);
  CHECK(e[0].replicas == 2);
  CHECK(e[0].period_s == 3600);
  CHECK(e[0].replica_hours == Approx(2));
  CHECK(e[0].gpu_hours == Approx(16));
  CHECK(e[0].energy_idle_kwh == Approx(16 * 80 * 1.2 / 1000));
  CHECK(e[0].energy_busy_kwh == Approx(16 * 690 * 1.2 / 1000));

  // The run ends when the last request before the horizon is served, a second or two early:
  // its replica-hours are the estimate's to 0.1%, charged at the same rate.
  SimulationResult r = run_simulation(s);
  REQUIRE(r.services.size() == 1);
  CHECK(r.simulated_end_s == Approx(3600).epsilon(1e-3));
  CHECK(r.services[0].replica_hours == Approx(2 * r.simulated_end_s / 3600));
  CHECK(r.services[0].replica_hours == Approx(e[0].replica_hours).epsilon(1e-3));
  CHECK(r.services[0].cost > 0);
  CHECK(r.services[0].cost / r.services[0].replica_hours == Approx(e[0].cost / e[0].replica_hours).epsilon(1e-9));
  CHECK(r.tco.clusters[0].gpu_hour_rate * 16 == Approx(e[0].cost));
  // The run's energy lies between all idle and all busy.
  CHECK(r.sites[0].energy_kwh > e[0].energy_idle_kwh);
  CHECK(r.sites[0].energy_kwh < e[0].energy_busy_kwh);

  const std::string table = serving_estimate_table(s);
  CHECK(table.find("replica-hours") != std::string::npos);
  CHECK(table.find(fmt::format("{:.2f}", e[0].cost)) != std::string::npos);
}
