// The fast inference mode through the engine (src/engine/fast_inference.cpp): per-interval
// serving from the calibrated replica model, against the M/D/1 closed form and the request
// bookkeeping. One simulation per test case.
#include <catch2/catch.hpp>

#include <cmath>
#include <functional>
#include <map>
#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <string>
#include <tuple>
#include <vector>

#include "rcn/engine/simulation.hpp"
#include "rcn/models/inference_model.hpp"
#include "rcn/scenario/loader.hpp"
#include "tests/load_scenario.hpp"
#include "tests/test_support.hpp"

using namespace rcn;

TEST_CASE("fast mode serves one replica at one request at a time as M/D/1", "[engine][inference][fast]") {
  // max_batch 1, prompt 512, output 2: service time S = prefill_s({512}) + decode_step_s(1, 513)
  // per request, Poisson arrivals at rho = 0.6 / S. Pollaczek-Khinchine: mean wait
  // Wq = rho S / (2 (1 - rho)); mean TTFT = Wq + prefill; the replica busy rho of the time.
  const Scenario probe = test::load_scenario(
      "name: p\nhorizon: 1h\n" + std::string(test::kLlama8bOnOneH100) +
          "    - {name: s, model: llama3-8b, replicas: {a: 1}, arrivals: {poisson: 0.01/s}}\n",
      "p.yaml");
  InferenceCost cost(*probe.find_model("llama3-8b"), builtin_hardware_profiles().at("h100-sxm"), 1, "bf16");
  const double prefill = cost.prefill_s({512}), S = prefill + cost.decode_step_s(1, 513);
  const double rho = 0.6, rate = rho / S, Wq = rho * S / (2 * (1 - rho));
  const Scenario s = test::load_scenario(
      "name: f\nhorizon: 6h\n" + std::string(test::kLlama8bOnOneH100) +
          "    - {name: s, model: llama3-8b, replicas: {a: 1}, max_batch: 1, mode: fast,\n"
          "       arrivals: {poisson: " + std::to_string(rate) + "/s, prompt_tokens: 512, output_tokens: 2}}\n",
      "f.yaml");
  const SimulationResult r = run_simulation(s);
  const InferenceRegionResult& g = r.inference.at(0);
  // Requests: a Poisson count of rate x 6 h (about 1e5: within 1%), all served.
  CHECK(g.requests == Approx(rate * 6 * 3600).epsilon(0.01));
  CHECK(g.completed + g.dropped + g.in_flight == g.requests);
  CHECK(g.dropped == 0);
  // The calibrated level is the rate rounded up to 3%: Wq grows by up to ~7.5% there.
  CHECK(g.ttft_mean == Approx(Wq + prefill).epsilon(0.10));
  CHECK(g.e2e_mean == Approx(Wq + S).epsilon(0.10));
  CHECK(r.services.at(0).gpu_utilisation == Approx(rho).epsilon(0.04));
}

TEST_CASE("fast mode's intervals over the horizon are bounded when the scenario loads", "[scenario][inference][fast]") {
  // 1000 years of 1 s intervals: 3.16e10 steps, past the 1e7 periodic steps a run may make.
  const std::string head = "name: f\nhorizon: 1000y\n" + std::string(test::kLlama8bOnOneH100);
  test::check_refused(head + "    - {name: s, model: llama3-8b, replicas: {a: 1}, mode: fast, fast_interval: 1s,\n"
                             "       arrivals: {poisson: 0.01/s}}\n",
                      "f.yaml", "f.yaml:", "workloads.inference[0].fast_interval: fast mode's interval of 1.00 s over the horizon (365000.00 d) is 3.15e+10 intervals");
  // Without fast_interval (60 s: 5.3e8 intervals) the error is at `mode`.
  test::check_refused(head + "    - {name: s, model: llama3-8b, replicas: {a: 1}, mode: fast, arrivals: {poisson: 0.01/s}}\n",
                      "f.yaml", "f.yaml:", "workloads.inference[0].mode: fast mode's interval of 60.00 s over the horizon (365000.00 d) is 5.26e+08 intervals");
}

namespace {

// A shipped scenario run by the rcnsim binary (one engine per process) with every inference
// service in `mode` over `horizon`: TTFT p50, p99 and SLO attainment by (service, region).
std::map<std::pair<std::string, std::string>, std::tuple<double, double, double>> run_mode(
    const std::string& scenario, int services, const std::string& mode, const std::string& horizon,
    const std::string& sets) {
  // A folder per comparison: ctest runs the three comparisons in parallel processes.
  const std::string dir = test::scratch_dir(
      fmt::format("fast-vs-discrete-{}-{:016x}", mode, std::hash<std::string>{}(scenario + "|" + horizon + "|" + sets)));
  std::string cmd = test::rcnsim_binary() + " run '" + test::source_path(scenario) + "' -o '" + dir + "'";
  if (!horizon.empty()) cmd += " --set horizon=" + horizon;
  cmd += sets;
  for (int i = 0; i < services; ++i) cmd += " --set 'workloads.inference[" + std::to_string(i) + "].mode=" + mode + "'";
  const auto r = test::run_command(cmd);
  REQUIRE(r.status == 0);
  const auto summary = nlohmann::json::parse(test::read_text(dir + "/summary.json"));
  std::map<std::pair<std::string, std::string>, std::tuple<double, double, double>> out;
  for (const auto& sv : summary.at("inference"))
    for (const auto& g : sv.at("regions"))
      out[{sv.at("name"), g.at("region")}] = {g.at("ttft_s").at("p50"), g.at("ttft_s").at("p99"), g.at("slo_attainment")};
  return out;
}

// Issue #14's bar: SLO attainment within 2 points, TTFT p50 and p99 within 10% of discrete mode.
// `sets`: more --set options for both runs.
void check_fast_against_discrete(const std::string& scenario, int services, const std::string& horizon,
                                 const std::string& sets = "") {
  const auto discrete = run_mode(scenario, services, "discrete", horizon, sets);
  const auto fast = run_mode(scenario, services, "fast", horizon, sets);
  REQUIRE(!discrete.empty());
  REQUIRE(fast.size() == discrete.size());
  for (const auto& [key, d] : discrete) {
    const auto& [p50, p99, slo] = d;
    const auto& [f50, f99, fslo] = fast.at(key);
    INFO(key.first << " / " << key.second);
    CHECK(f50 == Approx(p50).epsilon(0.10));
    CHECK(f99 == Approx(p99).epsilon(0.10));
    CHECK(fslo == Approx(slo).margin(0.02));
  }
}

}  // namespace

TEST_CASE("fast mode agrees with discrete on the bursty Azure code trace", "[engine][inference][fast]") {
  // regional/azure-code-two-regions.yaml, the whole 57-minute trace (8,819 requests; under a
  // second per mode): its bursts queue (discrete: east p99 TTFT 6.85 s, SLO 0.88), which a
  // per-interval calibration at the interval's mean rate missed by 10x; fast mode replays the
  // rows through each replica's queue (docs/inference.md, "Fast mode"). The scenario's own
  // horizon, past the trace's end.
  check_fast_against_discrete("scenarios/regional/azure-code-two-regions.yaml", 1, "");
}

TEST_CASE("fast mode agrees with discrete on Poisson serving beside training", "[engine][inference][fast]") {
  // regional/center-or-node.yaml over 30 minutes: 4 req/s on two Llama-3-70B replicas of a node
  // (about 7,200 requests), calibrated per load level with Erlang-2 arrivals.
  check_fast_against_discrete("scenarios/regional/center-or-node.yaml", 1, "30min");
}

TEST_CASE("fast mode agrees with discrete on a looped trace with autoscaling and a server failure",
          "[engine][inference][fast]") {
  // The Azure code trace looped 1.5x faster for 2 hours (about 27,000 requests), the east
  // replicas autoscaled (up to 4, check every 2 min, up at 0.5) and one east server down from
  // 30 min for an hour: the replay steps with the autoscaler's samples, so both modes scale and
  // fail alike (one scale-up, one failure each; p50 0.421 vs 0.433 s, p99 9.51 vs 9.52 s east).
  check_fast_against_discrete("scenarios/regional/azure-code-two-regions.yaml", 1, "2h",
                              " --set 'workloads.inference[0].arrivals.loop=true'"
                              " --set 'workloads.inference[0].arrivals.rate_scale=1.5'"
                              " --set 'workloads.inference[0].autoscale={max: {east-center: 4}, interval: 2min, up: 0.5, down: 0.1}'"
                              " --set 'failures.events=[{at: 30min, target: east-center/main/s0, kind: server, duration: 1h}]'");
}

TEST_CASE("fast mode drops the requests that can never fit the KV cache, as discrete mode does",
          "[engine][inference][fast]") {
  // Prompts of 512 or 2,000,000 tokens with equal odds: 2M tokens of KV cache is more than an H100
  // holds beside the weights, so about half the requests are dropped at arrival ("exceeds KV
  // cache", as tests/engine/inference_test.cpp shows for discrete mode) and the rest served. At
  // 1 request/s the small ones load the replica lightly: nothing may pile up as a backlog (before,
  // the calibration read the missing completions as saturation and queued them for ever).
  Scenario s = test::load_scenario(
      "name: f\nhorizon: 2h\n" + std::string(test::kLlama8bOnOneH100) +
          "    - {name: s, model: llama3-8b, replicas: {a: 1}, mode: fast, arrivals: {poisson: 1/s}}\n",
      "f.yaml");
  TokenLengthSpec& prompts = s.inference.at(0).arrivals.prompt_length;
  prompts.kind = TokenLengthSpec::Kind::Empirical;
  prompts.trace = "two lengths";
  prompts.samples = {512, 2e6};
  const SimulationResult r = run_simulation(s);
  const InferenceRegionResult& g = r.inference.at(0);
  // 7,200 requests: half of them within 3% (the calibration's own draw of lengths; a binomial
  // standard deviation of 0.6% on the run's count).
  REQUIRE(g.requests == Approx(7200).epsilon(0.03));
  CHECK(static_cast<double>(g.dropped) == Approx(g.requests / 2.0).epsilon(0.03));
  CHECK(static_cast<double>(g.completed) == Approx(g.requests / 2.0).epsilon(0.03));
  CHECK(g.in_flight < g.requests / 100);
  CHECK(r.services.at(0).drop_reasons.find("exceeds KV cache=") != std::string::npos);
}

TEST_CASE("fast mode warns at cold_start and prefix_cache, which it leaves out", "[scenario][inference][fast]") {
  // Both keys stay valid (switching the service to `mode: discrete` simulates them), but fast
  // mode charges no load time and prefills every prompt whole: one warning at each key, none in
  // discrete mode.
  const std::string service = "    - {name: s, model: llama3-8b, replicas: {a: 1}, cold_start: true,\n"
                              "       prefix_cache: {hit: 0.5}, arrivals: {poisson: 1/s}";
  auto warnings = [](const LoadResult& r) {
    std::vector<std::string> out;
    for (const auto& d : r.diagnostics.items())
      if (d.severity == Diagnostic::Severity::Warning) out.push_back(d.path + "@" + std::to_string(d.loc.line));
    return out;
  };
  const std::string head = "name: f\nhorizon: 1h\n" + std::string(test::kLlama8bOnOneH100);
  const LoadResult fast = load_scenario_text(head + service + ", mode: fast}\n", "f.yaml");
  REQUIRE(fast.scenario);
  CHECK(warnings(fast) == std::vector<std::string>{"workloads.inference[0].cold_start@10",
                                                   "workloads.inference[0].prefix_cache@11"});
  const LoadResult discrete = load_scenario_text(head + service + "}\n", "f.yaml");
  REQUIRE(discrete.scenario);
  CHECK(warnings(discrete).empty());
}

namespace {

// One replica on an H100 at site a, one on an A100 at site b; nearest routing, one request at
// a time, 35 requests/s in all: under 0.85 of a's capacity, 1.87 of b's. `demand`: east only,
// or also west (nearest to b). While a's server is down (from 10 min, 20 min of repair) every
// request goes to b, which serves fewer than arrive and queues the rest. Once a is back, b gets
// only west's requests, or none: it must serve east's queue at its own throughput (before, an
// interval without requests skipped it, and one with a few served it all at once with no
// wait), credit it to east, not west, and be busy for it. One run per process (SimGrid).
// `b_down`: also take b's server down at 35 min for 10 min, while it still serves east's queue.
// Site a (region east) with `a_servers` H100 servers, site b (west) with one A100 server,
// 1,000 km apart, and Llama-3-8B: the failover cases' network.
std::string failover_sites(int a_servers) {
  return fmt::format(R"(sites:
  - {{name: a, region: east, clusters: [{{name: main, gpu: h100-sxm, servers: {}}}]}}
  - {{name: b, region: west, clusters: [{{name: main, gpu: a100-80g, servers: 1}}]}}
wan:
  - {{from: a, to: b, bandwidth: 100Gbps, distance: 1000km}}
models:
  llama3-8b: {{layers: 32, hidden: 4096, heads: 32, kv_heads: 8, ffn: 14336, vocab: 128256, seq: 8192,
              gated_mlp: true, tied_embeddings: false}}
)",
                     a_servers);
}

void check_failover_backlog_served(const std::string& demand, bool b_down = false) {
  const std::string sites = failover_sites(1);
  const Scenario probe = test::load_scenario("name: p\n" + sites, "p.yaml");
  auto service_time = [&](const char* gpu) {
    InferenceCost cost(*probe.find_model("llama3-8b"), builtin_hardware_profiles().at(gpu), 1, "bf16");
    return cost.prefill_s({512}) + cost.decode_step_s(1, 513);
  };
  const double service_b = service_time("a100-80g"), rate = 35;
  REQUIRE(rate < 0.85 / service_time("h100-sxm"));  // a keeps up with everyone
  REQUIRE(rate > 1.2 / service_b);                  // b alone cannot
  const Scenario s = test::load_scenario(
      std::string("name: f\nhorizon: 2h\n") + sites +
          "workloads:\n  inference:\n"
          "    - {name: s, model: llama3-8b, replicas: {a: 1, b: 1}, max_batch: 1, mode: fast, routing: nearest,\n"
          "       demand: " + demand + ", arrivals: {poisson: 35/s, prompt_tokens: 512, output_tokens: 2}}\n"
          "failures:\n  events: [{at: 10min, target: a/main/s0, kind: server, duration: 20min}" +
          std::string(b_down ? ", {at: 35min, target: b/main/s0, kind: server, duration: 10min}" : "") + "]\n",
      "f.yaml");
  const SimulationResult r = run_simulation(s);
  REQUIRE(r.services.at(0).replica_failures == (b_down ? 2 : 1));
  long requests = 0;
  double west_share = 0;
  for (const InferenceRegionResult& g : r.inference) {
    INFO(g.region << ": requests " << g.requests << ", completed " << g.completed << ", in flight " << g.in_flight);
    // Every region's requests served within the 2 h, none credited to another region.
    CHECK(g.dropped == 0);
    CHECK(g.completed == g.requests);
    CHECK(g.in_flight == 0);
    requests += g.requests;
    if (g.region == "west") west_share = static_cast<double>(g.requests);
  }
  CHECK(static_cast<double>(requests) == Approx(rate * 7200).epsilon(0.01));
  if (b_down) {
    // b's queue went to a with the next interval's requests, counted as retried (thousands).
    CHECK(r.services.at(0).requests_retried > 1000);
    return;
  }
  // b served west's requests all along and east's while a was down, one at a time, each
  // keeping b busy for its service time: b's busy time gives how long b took east's requests,
  // O. That is the 20 minutes of repair plus a's restart (a's serving spans bound it), give
  // or take the 1-minute interval at which fast mode routes.
  double a_serving = 0;
  for (const ReplicaServingSpan& span : r.inference_serving)
    if (span.site == "a") a_serving += span.end_s - span.start_s;
  const double outage = 7200 - a_serving;
  double busy_b = 0;
  for (const SiteResult& site : r.sites)
    if (site.name == "b") busy_b = site.gpu_hours_busy * 3600;
  const double east_rate = rate * (1 - west_share / static_cast<double>(requests));
  const double taken = (busy_b / service_b - west_share) / east_rate;
  INFO("outage " << outage << " s, b took east's requests for " << taken << " s");
  CHECK(taken > 1200);
  CHECK(taken < outage + 60);
  // East's waits, first in first out: a request reaching b at tau into those O seconds leaves
  // once b has served all that came before it, at tau x rate / capacity_b, so it waits
  // tau (rate service_b - 1). The mean TTFT over the run is then O^2 (rate service_b - 1) /
  // (2 x 7200) (a few ms of service aside).
  for (const InferenceRegionResult& g : r.inference)
    if (g.region == "east")
      CHECK(g.ttft_mean == Approx(taken * taken * (rate * service_b - 1) / (2 * 7200)).epsilon(0.03));
}

}  // namespace

TEST_CASE("fast mode: a saturated replica serves its backlog in intervals that bring it no request",
          "[engine][inference][fast]") {
  check_failover_backlog_served("{east: 1}");
}

TEST_CASE("fast mode: a saturated replica serves its backlog before a few new requests, at its throughput",
          "[engine][inference][fast]") {
  check_failover_backlog_served("{east: 0.9, west: 0.1}");
}

TEST_CASE("fast mode: a failed replica's backlog is routed to the others, as discrete mode routes its requests",
          "[engine][inference][fast]") {
  check_failover_backlog_served("{east: 0.9, west: 0.1}", true);
}

TEST_CASE("fast mode: a failed replica's backlog is shared by the replicas its region routes to next",
          "[engine][inference][fast]") {
  // West (60% of 35 requests/s, 1.12 of the A100's capacity) queues at b; b fails at 20 min for
  // the rest of the run and its backlog goes to west's next nearest, the two H100 replicas at
  // a, half each (with the time it waited), as west's later requests do. Every region's
  // requests are served, none credited to the other region.
  const Scenario s = test::load_scenario("name: f\nhorizon: 2h\n" + failover_sites(2) + R"(workloads:
  inference:
    - {name: s, model: llama3-8b, replicas: {a: 2, b: 1}, max_batch: 1, mode: fast, routing: nearest,
       demand: {east: 0.4, west: 0.6}, arrivals: {poisson: 35/s, prompt_tokens: 512, output_tokens: 2}}
failures:
  events: [{at: 20min, target: b/main/s0, kind: server, duration: 3h}]
)",
                                         "f.yaml");
  const SimulationResult r = run_simulation(s);
  REQUIRE(r.services.at(0).replica_failures == 1);
  // About (21 - 18.7) x 1,200 requests queued at b when it failed, all routed on.
  CHECK(r.services.at(0).requests_retried > 1500);
  for (const InferenceRegionResult& g : r.inference) {
    INFO(g.region << ": requests " << g.requests << ", completed " << g.completed << ", in flight " << g.in_flight);
    CHECK(g.dropped == 0);
    CHECK(g.completed == g.requests);
    CHECK(g.in_flight == 0);
  }
}

