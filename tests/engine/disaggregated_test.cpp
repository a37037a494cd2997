// Disaggregated serving (`disaggregated: {prefill: ..., decode: ...}`): a request is prefilled on a
// prefill replica, its KV cache flows to a decode replica (a SimGrid flow over the fabric or the
// WAN), and TTFT includes that transfer. One simulation per test case.
#include <catch2/catch.hpp>

#include "rcn/engine/simulation.hpp"
#include "rcn/models/inference_model.hpp"
#include "rcn/scenario/loader.hpp"
#include "tests/load_scenario.hpp"
#include "tests/serving_models.hpp"

using namespace rcn;

namespace {

// Sites a and b, one or two 8-GPU H100 servers each, one NIC of 100 Gb/s per server and 5 us
// across the fabric; a 10 Gb/s WAN of 5 ms between them. `pools` is the service's disaggregated map.
std::string disaggregated_yaml(const std::string& pools) {
  return R"(name: disagg
horizon: 10min
sites:
  - {name: a, region: ra, clusters: [{name: main, gpu: h100-sxm, servers: 2, gpus_per_server: 8,
                                       scale_out: {nic_bandwidth: 100Gbps, nics_per_server: 1, latency: 5us}}]}
  - {name: b, region: rb, clusters: [{name: main, gpu: h100-sxm, servers: 1, gpus_per_server: 8,
                                       scale_out: {nic_bandwidth: 100Gbps, nics_per_server: 1, latency: 5us}}]}
wan:
  - {from: a, to: b, bandwidth: 10Gbps, latency: 5ms}
models:
  llama3-70b: {layers: 80, hidden: 8192, heads: 64, kv_heads: 8, ffn: 28672, vocab: 128256, seq: 8192,
               gated_mlp: true, tied_embeddings: false}
workloads:
  inference:
    - {name: s, model: llama3-70b, disaggregated: )" +
         pools + R"(, gpus_per_replica: 8, demand: {ra: 1},
       arrivals: {poisson: 1/s}}
)";
}

// Two requests a minute apart (819 tokens in, 16 out), each alone in the system.
SimulationResult run_two(const std::string& pools, const std::string& options = "") {
  Scenario s = test::load_scenario(disaggregated_yaml(pools + options), "disagg.yaml");
  s.inference[0].arrivals.kind = "trace";
  s.inference[0].arrivals.requests = {{0, 819, 16}, {60, 819, 16}};
  return run_simulation(s);
}

const InferenceCost& cost() {
  static const InferenceCost c(test::llama3_70b(), builtin_hardware_profiles().at("h100-sxm"), 8, "bf16");
  return c;
}

// The KV cache of an 819-token prompt: 80 layers x 8 KV heads x 128 x 2 (K, V) x 2 B = 327,680 B
// a token, 268.37 MB in all.
constexpr double kKvBytes = 80.0 * 8 * 128 * 2 * 2 * 819;

}  // namespace

TEST_CASE("a KV cache crossing the fabric takes size over the NIC bandwidth plus the fabric latency",
          "[engine][inference][disaggregated]") {
  // Prefill on a's first server, decode on its second: 268.37 MB / 12.5 GB/s + 5 us = 21.475 ms
  // added to the prefill in TTFT; then 15 decode steps of one request on the decode replica.
  REQUIRE(kKvBytes == Approx(268.37e6).epsilon(1e-4));
  const double transfer = kKvBytes / 12.5e9 + 5e-6;
  CHECK(transfer == Approx(0.021475).epsilon(1e-4));
  SimulationResult r = run_two("{prefill: {a: 1}, decode: {a: 1}}");
  const auto& g = r.inference.at(0);
  REQUIRE(g.completed == 2);
  const double ttft = cost().prefill_s({819}) + transfer;
  CHECK(g.ttft_cdf.front() == Approx(ttft).epsilon(1e-9));
  CHECK(g.ttft_cdf.back() == Approx(ttft).epsilon(1e-9));
  // Decode: 15 steps at the mean context (820 + 7 tokens), as a colocated replica decodes.
  CHECK(g.e2e_cdf.back() == Approx(ttft + 15 * cost().decode_step_s(1, 820 + 7)).epsilon(1e-9));
  CHECK(r.services.at(0).replicas == 2);
  CHECK(r.services.at(0).gpu_hours == Approx(16 * r.simulated_end_s / 3600).epsilon(1e-9));
}

TEST_CASE("a KV cache crossing the WAN takes size over the WAN bandwidth plus its latency",
          "[engine][inference][disaggregated]") {
  // Prefill at a, decode at b: 268.37 MB / 1.25 GB/s + 5 ms + 5 us (the fabric, half at each
  // end) = 219.7 ms. The users are at a, the prefill site: no round trip is added.
  const double transfer = kKvBytes / 1.25e9 + 5e-3 + 5e-6;
  CHECK(transfer == Approx(0.2197).epsilon(1e-3));
  SimulationResult r = run_two("{prefill: {a: 1}, decode: {b: 1}}");
  const auto& g = r.inference.at(0);
  REQUIRE(g.completed == 2);
  CHECK(g.ttft_cdf.back() == Approx(cost().prefill_s({819}) + transfer).epsilon(1e-9));
}

TEST_CASE("disaggregated pools are read per site and refused with replicas or autoscaling",
          "[engine][inference][disaggregated]") {
  const Scenario s = test::load_scenario(disaggregated_yaml("{prefill: {a: 1}, decode: {a: 1, b: 1}}"), "d.yaml");
  const InferenceServiceSpec& sv = s.inference.at(0);
  CHECK(sv.disaggregated());
  CHECK(sv.prefill_replicas_at("a") == 1);
  CHECK(sv.prefill_replicas_at("b") == 0);
  REQUIRE(sv.replicas.size() == 2);
  CHECK(sv.replicas[0] == std::make_pair(std::string("a"), 2));
  CHECK(sv.replicas[1] == std::make_pair(std::string("b"), 1));
  // Both pools of a together need three servers where a has two.
  test::check_refused(disaggregated_yaml("{prefill: {a: 2}, decode: {a: 1}}"), "d.yaml", "d.yaml:15:",
                      "replicas.a: site a has no room for replica 3 of s");
  test::check_refused(disaggregated_yaml("{prefill: {a: 1}}"), "d.yaml", "d.yaml:15:",
                      "disaggregated: missing required key 'decode'");
  test::check_refused(disaggregated_yaml("{prefill: {a: 1}, decode: {a: 1}}, replicas: {a: 1}"), "d.yaml",
                      "d.yaml:15:", "disaggregated: give replicas or disaggregated, not both");
}

TEST_CASE("a lone request on vllm prefill and decode pools takes prefill + KV transfer + decode",
          "[engine][inference][disaggregated]") {
  // As the fabric case above, with the paged vllm scheduler on both pools: the 819-token prompt is
  // prefilled whole (prefill_s), its 268.37 MB cache crosses a 100 Gb/s NIC and a 5 us fabric
  // (21.475 ms), then the decode replica admits it into 52 blocks (ceil(819 / 16)) without a
  // prefill and runs its 15 decode steps at once at the mean context 820 + 7 tokens.
  const double transfer = kKvBytes / 12.5e9 + 5e-6;
  SimulationResult r = run_two("{prefill: {a: 1}, decode: {a: 1}}", ", scheduler: vllm");
  REQUIRE(r.services.at(0).scheduler == "vllm");
  const auto& g = r.inference.at(0);
  REQUIRE(g.completed == 2);
  const double ttft = cost().prefill_s({819}) + transfer;
  CHECK(g.ttft_cdf.front() == Approx(ttft).epsilon(1e-9));
  CHECK(g.ttft_cdf.back() == Approx(ttft).epsilon(1e-9));
  CHECK(g.e2e_cdf.front() == Approx(ttft + 15 * cost().decode_step_s(1, 820 + 7)).epsilon(1e-9));
  CHECK(g.e2e_cdf.back() == Approx(ttft + 15 * cost().decode_step_s(1, 820 + 7)).epsilon(1e-9));
  CHECK(r.services.at(0).preemptions == 0);
}

TEST_CASE("a lone request on sarathi prefill and decode pools takes its prompt chunks + KV transfer + decode",
          "[engine][inference][disaggregated]") {
  // sarathi's budget of 512 tokens splits the 819-token prompt into chunks of 512 and 307, one
  // iteration each, then the transfer (21.475 ms) and the same 15 decode steps as vllm's.
  const double transfer = kKvBytes / 12.5e9 + 5e-6;
  SimulationResult r = run_two("{prefill: {a: 1}, decode: {a: 1}}", ", scheduler: sarathi");
  const auto& g = r.inference.at(0);
  REQUIRE(g.completed == 2);
  const double prefill = cost().mixed_step_s(0, 0, {{0, 512, false}}) + cost().mixed_step_s(0, 0, {{512, 307, true}});
  CHECK(g.ttft_cdf.back() == Approx(prefill + transfer).epsilon(1e-9));
  CHECK(g.e2e_cdf.back() == Approx(prefill + transfer + 15 * cost().decode_step_s(1, 820 + 7)).epsilon(1e-9));
}

namespace {

// run_two with a failure of `kind` on `target` at `at` seconds (set after loading: it falls inside
// a KV transfer, so it depends on the prefill time), down for `down`; detection 0, restart 1 s.
SimulationResult run_two_with_failure(const std::string& pools, const std::string& target, double at,
                                      const std::string& kind = "server", const std::string& down = "1h") {
  Scenario s = test::load_scenario(disaggregated_yaml(pools) + "failures:\n  detection: 0s\n  restart: 1s\n  events:\n"
                                                               "    - {at: 1s, target: " + target +
                                       ", kind: " + kind + ", duration: " + down + "}\n",
                                   "disagg.yaml");
  s.inference[0].arrivals.kind = "trace";
  s.inference[0].arrivals.requests = {{0, 819, 16}, {60, 819, 16}};
  REQUIRE(s.failures.events.size() == 1);
  s.failures.events[0].at = at;
  return run_simulation(s);
}

}  // namespace

TEST_CASE("a decode server failing during a KV transfer sends the cache to another decode replica",
          "[engine][inference][disaggregated]") {
  // Prefill on a/s0, decode on a/s1 (the nearest) and on b. a/s1 fails 10 ms into the first
  // request's 21.475 ms fabric transfer: the cache goes again, from the start, over the WAN to b
  // (268.37 MB / 1.25 GB/s + 5 ms + 5 us = 219.7 ms), and the run goes on. The second request,
  // a minute later, goes to b too (a's decode replica waits for a free server of a: none).
  const double prefill = cost().prefill_s({819});
  const double wan = kKvBytes / 1.25e9 + 5e-3 + 5e-6;
  SimulationResult r = run_two_with_failure("{prefill: {a: 1}, decode: {a: 1, b: 1}}", "a/main/s1", prefill + 0.01);
  const auto& g = r.inference.at(0);
  REQUIRE(g.completed == 2);
  CHECK(g.dropped == 0);
  CHECK(g.ttft_cdf.front() == Approx(prefill + wan).epsilon(1e-9));
  CHECK(g.ttft_cdf.back() == Approx(prefill + 0.01 + wan).epsilon(1e-9));
}

TEST_CASE("a prefill server failing during a KV transfer loses the cache: the request is routed again",
          "[engine][inference][disaggregated]") {
  // Prefill on a/s0, decode on b. a/s0 fails 100 ms into the first request's 219.7 ms WAN
  // transfer: the cache was on that server, so the request starts over, as a failed colocated
  // replica's requests do; no prefill replica is up then (a's restarts on a/s1 after 1 s), so
  // it is dropped, not left in flight for ever. The second request is served by the restarted one.
  const double prefill = cost().prefill_s({819});
  SimulationResult r = run_two_with_failure("{prefill: {a: 1}, decode: {b: 1}}", "a/main/s0", prefill + 0.1);
  const auto& g = r.inference.at(0);
  CHECK(g.completed == 1);
  CHECK(g.dropped == 1);
  CHECK(g.in_flight == 0);
  CHECK(r.services.at(0).requests_retried == 1);
}

TEST_CASE("a WAN link cut during a KV transfer holds the cache until the repair, then sends it again",
          "[engine][inference][disaggregated]") {
  // Prefill at a, decode at b; the a-b link is cut 100 ms into the first request's 219.7 ms
  // transfer, for 30 s: the transfer waits for the repair and starts over (as a dataset or
  // checkpoint transfer does, docs/failures.md), so its first token comes 30.1 s + 219.7 ms after
  // the prefill. The second request, at 60 s, crosses the repaired link.
  const double prefill = cost().prefill_s({819});
  const double wan = kKvBytes / 1.25e9 + 5e-3 + 5e-6;
  SimulationResult r = run_two_with_failure("{prefill: {a: 1}, decode: {b: 1}}", "a<->b", prefill + 0.1, "link-cut", "30s");
  const auto& g = r.inference.at(0);
  REQUIRE(g.completed == 2);
  CHECK(g.ttft_cdf.front() == Approx(prefill + wan).epsilon(1e-9));
  CHECK(g.ttft_cdf.back() == Approx(prefill + 0.1 + 30 + wan).epsilon(1e-9));
}

TEST_CASE("a request prefilled while no decode replica is up is dropped, and serving goes on",
          "[engine][inference][disaggregated]") {
  // Prefill on a/s0, decode on a/s1, which fails at 1 s for an hour (a has no other free server, so
  // the decode replica waits for one). The first request (at 0) is done by then; the second, at
  // 60 s, is prefilled and finds no decode replica: its transfer's actor drops it and ends at once.
  // That actor used to end before its creator daemonized it, and SimGrid then killed every daemon
  // (the replicas and the horizon's among them): the third request was never served and the run
  // never ended. Now all three are accounted for and the run ends when the trace is done: the
  // dispatcher checks each second after its last row (at 120 s) and finds the service idle at 121 s.
  Scenario s = test::load_scenario(disaggregated_yaml("{prefill: {a: 1}, decode: {a: 1}}") +
                                       "failures:\n  detection: 0s\n  restart: 1s\n  events:\n"
                                       "    - {at: 1s, target: a/main/s1, kind: server, duration: 1h}\n",
                                   "disagg.yaml");
  s.inference[0].arrivals.kind = "trace";
  s.inference[0].arrivals.requests = {{0, 819, 16}, {60, 819, 16}, {120, 819, 16}};
  const SimulationResult r = run_simulation(s);
  const auto& g = r.inference.at(0);
  CHECK(r.simulated_end_s == Approx(121));
  CHECK(g.requests == 3);
  CHECK(g.completed == 1);
  CHECK(g.dropped == 2);
  CHECK(g.in_flight == 0);
}

TEST_CASE("a decode replica restarted at once on another server during a KV transfer gets the cache again",
          "[engine][inference][disaggregated]") {
  // Site a has a third, free server; detection and restart take no time. a/s1 (decode) fails 10 ms
  // into the first request's 21.475 ms fabric transfer and its replica is at once Active on a/s2,
  // before the transfer hears of the failure: the transfer must go again to the replica's new
  // server (it rethrew, aborting the run), so the first token comes at prefill + 10 ms + the fabric
  // transfer, 268.37 MB / 12.5 GB/s + 5 us.
  std::string yaml = disaggregated_yaml("{prefill: {a: 1}, decode: {a: 1}}");
  yaml.replace(yaml.find("servers: 2"), 10, "servers: 3");
  Scenario s = test::load_scenario(yaml + "failures:\n  detection: 0s\n  restart: 0s\n  events:\n"
                                          "    - {at: 1s, target: a/main/s1, kind: server, duration: 1h}\n",
                                   "disagg.yaml");
  s.inference[0].arrivals.kind = "trace";
  s.inference[0].arrivals.requests = {{0, 819, 16}, {60, 819, 16}};
  const double prefill = cost().prefill_s({819});
  s.failures.events[0].at = prefill + 0.01;
  const SimulationResult r = run_simulation(s);
  const auto& g = r.inference.at(0);
  REQUIRE(g.completed == 2);
  const double fabric = kKvBytes / 12.5e9 + 5e-6;
  CHECK(g.ttft_cdf.back() == Approx(prefill + 0.01 + fabric).epsilon(1e-9));
  CHECK(g.ttft_cdf.front() == Approx(prefill + fabric).epsilon(1e-9));
}
