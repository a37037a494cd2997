// A run's total cost of ownership (docs/tco.md) against the hand computation for
// tiny scenarios, and the names summary.json gives it (the contract other tools read).
// SimGrid allows one engine per process: each TEST_CASE runs one simulation.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "rcn/engine/simulation.hpp"
#include "rcn/report/result_files.hpp"
#include "tests/load_scenario.hpp"

using namespace rcn;

namespace {

constexpr double kYear = 365 * 86400.0;

// Site a: 4 H100 servers at 100k each, nothing else priced, servers amortised over one
// year, staff and maintenance 10% of capex per year, PUE 1.2 at 0.1 per kWh. Site b:
// one A100 server at the built-in defaults. One 100 Gbps WAN link at 30 per Gbps-month.
const char* kTwoSites = R"(name: tco
horizon: 30d
cost:
  amortisation_years: {servers: 1}
  staff_maintenance: 0.1
  wan_per_gbps_month: 30
sites:
  - name: a
    power: {pue: 1.2, price_per_kwh: 0.1}
    cost: {server_price: 100k, network_per_gpu: 0, storage_per_pb: 0, building_per_mw: 0}
    clusters: [{gpu: h100-sxm, servers: 4}]
  - name: b
    clusters: [{gpu: a100-80g, servers: 1}]
wan:
  - {from: a, to: b, bandwidth: 100Gbps, latency: 1ms}
models:
  m: {layers: 2, hidden: 1024, heads: 8, ffn: 4096, vocab: 1000, seq: 1000}
workloads:
  training:
    - {name: j, model: m, site: a, gpus: 32, global_batch: 64, steps: 100000}
)";

}  // namespace

TEST_CASE("a training run's TCO, job cost and cost per trained token match the hand computation", "[tco][engine]") {
  const Scenario s = test::load_scenario(kTwoSites, "tco.yaml");
  const SimulationResult r = run_simulation(s);
  REQUIRE(r.jobs.size() == 1);
  const JobResult& j = r.jobs[0];
  REQUIRE(j.state == JobState::Finished);
  const double T = r.simulated_end_s;  // the job ran from 0 to T, then the run stopped
  REQUIRE(j.start_s == 0);
  REQUIRE(j.end_s == Approx(T));
  const TcoResult& t = r.tco;
  CHECK(t.currency == "USD");
  CHECK(t.period_s == T);

  // Site a: capex 4 x 100k = 400k over one year: 400k x T / year amortised, staff 40k x T / year.
  // Its GPU-hour rate: (400k + 40k) / (8,760 h x 32 GPUs) + 0.7 kW x 1.2 x 0.1 = 1.569635 + 0.084.
  REQUIRE(t.sites.size() == 2);
  CHECK(t.sites[0].capex_amortised == Approx(400000 * T / kYear));
  CHECK(t.sites[0].staff_maintenance == Approx(40000 * T / kYear));
  CHECK(t.sites[0].power == r.sites[0].cost);  // the engine's power bill, unchanged
  const double rate = 440000.0 / (8760 * 32) + 0.7 * 1.2 * 0.1;
  REQUIRE(t.clusters.size() == 2);
  CHECK(t.clusters[0].gpu_hour_rate == Approx(rate));
  CHECK(t.clusters[0].gpu_hour_rate == Approx(1.653635).epsilon(1e-6));

  // The job held 32 GPUs from 0 to T.
  CHECK(j.gpu_hours == Approx(32 * T / 3600));
  CHECK(j.cost == Approx(j.gpu_hours * rate));
  CHECK(t.tokens_trained == Approx(j.tokens));
  REQUIRE(t.per_million_trained_tokens);
  CHECK(*t.per_million_trained_tokens == Approx(j.cost / j.tokens * 1e6));
  CHECK_FALSE(t.per_million_tokens_served);  // no inference

  // WAN: 100 Gbps x 30 per Gbps-month x T / (365/12 days).
  CHECK(t.wan == Approx(100 * 30 * T / (kYear / 12)));
  // The parts add up, and the sites plus the WAN make the total.
  CHECK(t.total == Approx(t.capex_amortised + t.power + t.staff_maintenance + t.wan));
  double sites = 0;
  for (const auto& x : t.sites) {
    CHECK(x.total == Approx(x.capex_amortised + x.power + x.staff_maintenance));
    sites += x.total;
  }
  CHECK(sites + t.wan == Approx(t.total));
  CHECK(t.sites[1].capex_amortised > 0);  // site b's defaults: an idle site still costs money
  CHECK(t.notes.empty());
}

TEST_CASE("a fixed-duration job enters neither side of the cost per trained token", "[tco][engine]") {
  // kTwoSites plus a trace-like job of 8 A100s for 1 h at site b: it costs money but trains
  // an unknown number of tokens.
  const std::string text = std::string(kTwoSites) + "    - {name: d, model: m, site: b, gpus: 8, global_batch: 8, duration: 1h}\n";
  const Scenario s = test::load_scenario(text, "tco.yaml");
  const SimulationResult r = run_simulation(s);
  REQUIRE(r.jobs.size() == 2);
  const JobResult& j = r.jobs[0];
  const JobResult& d = r.jobs[1];
  REQUIRE(j.state == JobState::Finished);
  REQUIRE(d.state == JobState::Finished);
  CHECK(d.gpu_hours == Approx(8.0));  // 8 GPUs for 1 h
  CHECK(d.cost > 0);                  // charged to the job and the total ...
  // ... but the per-token figure is the token job's alone: 32 GPUs x its run time x site a's
  // rate (440k / (8,760 h x 32) + 0.7 kW x 1.2 x 0.1) over 100,000 steps x 64 x 1,000 tokens.
  const double rate = 440000.0 / (8760 * 32) + 0.7 * 1.2 * 0.1;
  const double cost = 32 * (j.end_s - j.start_s) / 3600 * rate;
  CHECK(r.tco.tokens_trained == Approx(100000.0 * 64 * 1000));
  REQUIRE(r.tco.per_million_trained_tokens);
  CHECK(*r.tco.per_million_trained_tokens == Approx(cost / 6.4e9 * 1e6));
  // Counting d's cost without tokens would have inflated it by d.cost / j.cost.
  CHECK(*r.tco.per_million_trained_tokens < (j.cost + d.cost) / 6.4e9 * 1e6 * (1 - 1e-6));
}

TEST_CASE("an inference run's cost per million tokens served is replica GPU-hours x rate over tokens",
          "[tco][engine][inference]") {
  const Scenario s = test::load_scenario(R"(name: serve
horizon: 1h
cost: {server_price: 200k, network_per_gpu: 0, storage_per_pb: 0, building_per_mw: 0, staff_maintenance: 0,
       amortisation_years: {servers: 2}}
sites:
  - {name: a, power: {pue: 1, price_per_kwh: 0}, clusters: [{gpu: h100-sxm, servers: 1}]}
models:
  llama3-8b: {layers: 32, hidden: 4096, heads: 32, kv_heads: 8, ffn: 14336, vocab: 128256, seq: 8192,
              gated_mlp: true, tied_embeddings: false}
workloads:
  inference:
    - {name: s, model: llama3-8b, replicas: {a: 1}, gpus_per_replica: 2,
       arrivals: {poisson: 1/s, prompt_tokens: 512, output_tokens: 64}}
)",
                                         "serve.yaml");
  const SimulationResult r = run_simulation(s);
  REQUIRE(r.services.size() == 1);
  REQUIRE(r.inference.size() == 1);
  const InferenceServiceResult& v = r.services[0];
  const long completed = r.inference[0].completed;
  REQUIRE(completed > 1000);  // about 3,600 arrivals in the hour
  // Every request has 512 prompt + 64 output tokens.
  CHECK(v.tokens_served == Approx(completed * 576.0));
  // One replica of 2 GPUs held its server from 0 to the end of the run (with no
  // training job, the last event: within seconds of the 1 h horizon): 2 x T GPU-seconds.
  const double T = r.simulated_end_s;
  CHECK(T == Approx(3600).margin(10));
  CHECK(r.tco.period_s == T);
  CHECK(v.gpu_hours == Approx(2 * T / 3600));
  // Rate: 200k over 2 years on 8 GPUs, no power, no staff: 200,000 / (2 x 8,760 h x 8 GPUs) = 1.426941 per GPU-hour.
  const double rate = 200000.0 / (2 * 8760 * 8);
  CHECK(v.cost == Approx(v.gpu_hours * rate));
  REQUIRE(r.tco.per_million_tokens_served);
  CHECK(*r.tco.per_million_tokens_served == Approx(v.gpu_hours * rate / (completed * 576.0) * 1e6));
  CHECK_FALSE(r.tco.per_million_trained_tokens);  // no training

  // summary.json carries the contract's names.
  const auto j = nlohmann::json::parse(summary_json(r));
  const auto& tco = j.at("tco");
  for (const char* key : {"currency", "period_s", "capex_amortised", "power", "staff_maintenance", "wan", "total",
                          "per_million_tokens_served", "per_million_trained_tokens", "sites"})
    CHECK(tco.contains(key));
  CHECK(tco.at("per_million_trained_tokens").is_null());
  CHECK(tco.at("per_million_tokens_served").get<double>() == Approx(*r.tco.per_million_tokens_served));
  CHECK(tco.at("total").get<double>() == Approx(r.tco.total));
  const auto& site = tco.at("sites").at(0);
  for (const char* key : {"name", "capex_amortised", "power", "staff_maintenance", "total"}) CHECK(site.contains(key));
  // 200k over 2 years for the period T.
  CHECK(site.at("capex_amortised").get<double>() == Approx(200000 * T / (2 * kYear)));
  CHECK(j.at("inference").at(0).at("tokens_served").get<double>() == Approx(completed * 576.0));
}

TEST_CASE("each job in summary.json has its cost, GPU-hours x its cluster's rate", "[tco][engine]") {
  const Scenario s = test::load_scenario(kTwoSites, "tco.yaml");
  const SimulationResult r = run_simulation(s);
  const auto j = nlohmann::json::parse(summary_json(r));
  const auto& job = j.at("jobs").at(0);
  REQUIRE(job.contains("cost"));
  CHECK(job.at("cost").get<double>() == Approx(r.jobs[0].gpu_hours * r.tco.clusters[0].gpu_hour_rate));
  CHECK(job.at("cost").get<double>() > 0);
  CHECK(sites_csv(r).find(",capex_amortised,staff_maintenance,tco_total\n") != std::string::npos);
  CHECK(jobs_csv(r).find(",gpu_hours,cost,mean_step_time_s\n") != std::string::npos);
  CHECK(summary_table(r).find("cost (USD, over") != std::string::npos);
}

TEST_CASE("a GPU type without a built-in price is priced by the fallback and the results say so", "[tco][engine]") {
  Scenario s = test::load_scenario(kTwoSites, "tco.yaml");
  HardwareProfile custom = *s.find_profile("a100-80g");
  custom.name = "lab-gpu";
  s.hardware["lab-gpu"] = custom;
  s.sites[1].clusters[0].gpu = "lab-gpu";  // site b gives no server price
  const SimulationResult r = run_simulation(s);
  REQUIRE(r.tco.notes.size() == 1);
  CHECK(r.tco.notes[0].rfind("b/main: GPU type lab-gpu has no built-in server price", 0) == 0);
  // Priced as an H100 server: 300k for its 8 GPUs.
  CHECK(r.tco.clusters[1].capex > 300000);
  CHECK(summary_table(r).find("note: b/main: GPU type lab-gpu") != std::string::npos);
  CHECK(nlohmann::json::parse(summary_json(r)).at("tco").at("notes").size() == 1);
}
