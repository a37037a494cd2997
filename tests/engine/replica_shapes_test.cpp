// Replicas sharing a server (share_servers): each replica runs on its own GPUs of the server at the
// throughput its tensor-parallel width gives, and the server returns to training only when the
// last one leaves. One simulation per test case.
#include <cmath>

#include <catch2/catch.hpp>
#include <fmt/format.h>

#include "rcn/engine/simulation.hpp"
#include "rcn/models/inference_model.hpp"
#include "rcn/scenario/loader.hpp"
#include "tests/load_scenario.hpp"
#include "tests/serving_models.hpp"

using namespace rcn;

namespace {

std::string sharing_yaml(int replicas, const std::string& rate) {
  return R"(name: share
horizon: 2h
sites:
  - {name: a, clusters: [{name: main, gpu: h100-sxm, servers: 1, gpus_per_server: 8}]}
models:
  llama3-8b: {layers: 32, hidden: 4096, heads: 32, kv_heads: 8, ffn: 14336, vocab: 128256, seq: 8192,
              gated_mlp: true, tied_embeddings: false}
workloads:
  inference:
    - {name: s, model: llama3-8b, replicas: {a: )" +
         std::to_string(replicas) + R"(}, gpus_per_replica: 4, share_servers: true, max_batch: 1,
       routing: least-loaded, arrivals: {poisson: )" + rate + R"(, prompt_tokens: 512, output_tokens: 64}}
)";
}

// Llama-3-8B, as the scenarios below write it under `models:`.
ModelSpec llama3_8b() {
  ModelSpec m;
  m.layers = 32, m.hidden = 4096, m.heads = 32, m.kv_heads = 8, m.ffn = 14336, m.vocab = 128256, m.seq = 8192;
  m.gated_mlp = true, m.tied_embeddings = false;
  return m;
}

// An 8-GPU Llama-3-8B replica with a cold start at `site` (`sites` lists the sites, and the WAN if
// any), serving two 512-token requests of 2 output tokens, at 0 and 60 s.
SimulationResult cold_start_run(const std::string& sites, const std::string& site) {
  const std::string y = "name: cold\nhorizon: 5min\nsites:\n" + sites + R"(models:
  llama3-8b: {layers: 32, hidden: 4096, heads: 32, kv_heads: 8, ffn: 14336, vocab: 128256, seq: 8192,
              gated_mlp: true, tied_embeddings: false}
workloads:
  inference:
    - {name: s, model: llama3-8b, replicas: {)" + site + R"(: 1}, gpus_per_replica: 8, cold_start: true,
       arrivals: {poisson: 1/s}}
)";
  Scenario s = test::load_scenario(y, "cold.yaml");
  s.inference[0].arrivals.kind = "trace";
  s.inference[0].arrivals.requests = {{0, 512, 2}, {60, 512, 2}};
  return run_simulation(s);
}

// One request alone on a 4-GPU replica: prefill, then 63 decode steps.
double service_time() {
  InferenceCost c(llama3_8b(), builtin_hardware_profiles().at("h100-sxm"), 4, "bf16");
  return c.prefill_s({512}) + 63 * c.decode_step_s(1, 513 + 31);
}

}  // namespace

TEST_CASE("two replicas of four GPUs share an eight-GPU server and each serves at a 4-GPU replica's rate",
          "[engine][inference][shapes]") {
  // Batch 1: a replica serves 1/S requests per second, S its 4-GPU service time. At 1.6/S, one
  // replica alone would fall behind; two on the one server each take half (0.8/S) and keep up.
  const double S = service_time();
  const double lambda = 1.6 / S;
  SimulationResult r = run_simulation(test::load_scenario(sharing_yaml(2, std::to_string(lambda) + "/s"), "share.yaml"));
  const auto& g = r.inference.at(0);
  const auto& sv = r.services.at(0);
  CHECK(g.throughput_rps == Approx(lambda).epsilon(0.03));
  CHECK(g.in_flight < 50);
  // Both replicas held a server all along, the same one: 2 replica-hours per hour, 8 GPU-hours.
  CHECK(sv.replica_hours == Approx(2 * r.simulated_end_s / 3600).epsilon(1e-6));
  CHECK(sv.gpu_hours == Approx(8 * r.simulated_end_s / 3600).epsilon(1e-6));
  // Busy share of each replica: its half of the load times the service time.
  CHECK(sv.gpu_utilisation == Approx(lambda / 2 * S).epsilon(0.05));
}

TEST_CASE("replicas that share servers fit gpus_per_server / gpus_per_replica to a server, no more",
          "[engine][inference][shapes]") {
  CHECK(load_scenario_text(sharing_yaml(2, "1/s"), "share.yaml").scenario);
  test::check_refused(sharing_yaml(3, "1/s"), "share.yaml", "share.yaml:",
                      "workloads.inference[0].replicas.a: site a has no room for replica 3 of s");
}

TEST_CASE("a cold start adds weights over storage bandwidth to the first request's TTFT", "[engine][inference][shapes]") {
  // Llama-3-8B (16.06 GB in bf16) read at the site's 2 GB/s storage: the replica serves 8.03 s
  // after the run starts. A request at 0 waits for it; one at 60 s finds it warm.
  const InferenceCost c(llama3_8b(), builtin_hardware_profiles().at("h100-sxm"), 8, "bf16");
  const double load = c.weight_bytes() / 2e9;
  REQUIRE(load == Approx(8.03).epsilon(0.01));
  SimulationResult r = cold_start_run(
      "  - {name: a, clusters: [{name: main, gpu: h100-sxm, servers: 1, storage: {read_bandwidth: 2GB/s}}]}\n", "a");
  const auto& g = r.inference.at(0);
  REQUIRE(g.completed == 2);
  const double prefill = c.prefill_s({512});
  CHECK(g.ttft_cdf.front() == Approx(prefill).epsilon(1e-9));
  // The read crosses the server's NIC and the cluster fabric too (microseconds of latency).
  CHECK(g.ttft_cdf.back() == Approx(load + prefill).epsilon(1e-5));
}

TEST_CASE("a cold start at a node without the weights loads them over the WAN from the center",
          "[engine][inference][shapes][maas]") {
  // Llama-3-8B (16.06 GB in bf16) over a 10 Gbps (1.25 GB/s) WAN link of 5 ms: 12.85 s + 5 ms
  // (the center's storage, 100 GB/s, and the fabrics are far wider). A request at 0 waits for it;
  // one at 60 s finds the replica warm.
  const InferenceCost c(llama3_8b(), builtin_hardware_profiles().at("h100-sxm"), 8, "bf16");
  const double wan = c.weight_bytes() / 1.25e9 + 0.005;
  REQUIRE(wan == Approx(12.85).epsilon(0.01));
  SimulationResult r = cold_start_run(
      "  - {name: c, kind: center, clusters: [{name: main, gpu: h100-sxm, servers: 1, storage: {read_bandwidth: 100GB/s}}]}\n"
      "  - {name: n, clusters: [{name: main, gpu: h100-sxm, servers: 1, storage: {read_bandwidth: 2GB/s}}]}\n"
      "wan:\n  - {from: c, to: n, bandwidth: 10Gbps, latency: 5ms}\n",
      "n");
  const auto& g = r.inference.at(0);
  REQUIRE(g.completed == 2);
  const double prefill = c.prefill_s({512});
  CHECK(g.ttft_cdf.front() == Approx(prefill).epsilon(1e-9));
  CHECK(g.ttft_cdf.back() == Approx(wan + prefill).epsilon(1e-3));
  REQUIRE(r.wan_transfers.size() == 1);
  CHECK(r.wan_transfers[0].what == "weights of llama3-8b");
  CHECK(r.wan_transfers[0].from == "c");
  CHECK(r.wan_transfers[0].to == "n");
  CHECK(r.wan_transfers[0].bytes == Approx(c.weight_bytes()).epsilon(1e-9));
}

namespace {

// Llama-3-405B (its 825 GB of weights need two 8-GPU H100 servers) on three servers.
std::string spanning_yaml(int gpus_per_replica, int replicas) {
  return fmt::format(R"(name: span
horizon: 10min
sites:
  - {{name: a, clusters: [{{name: main, gpu: h100-sxm, servers: 3, gpus_per_server: 8,
                          scale_out: {{nic_bandwidth: 400Gbps, nics_per_server: 8, latency: 5us}}}}]}}
models:
  llama3-405b: {{layers: 126, hidden: 16384, heads: 128, kv_heads: 8, ffn: 53248, vocab: 128256, seq: 8192,
                gated_mlp: true, tied_embeddings: false}}
workloads:
  inference:
    - {{name: s, model: llama3-405b, replicas: {{a: {}}}, gpus_per_replica: {}, max_batch: 1, arrivals: {{poisson: 1/s}}}}
)",
                     replicas, gpus_per_replica);
}

}  // namespace

TEST_CASE("a replica of 16 GPUs holds two whole servers and serves at its two-stage pipeline's rate",
          "[engine][inference][shapes]") {
  // Two requests far apart, 512 tokens in and 64 out, each alone on the replica: TTFT is the
  // two-stage prefill, end-to-end adds 63 decode steps at the mean context (513 + 31 tokens), both
  // from the cost model of TP 8 x PP 2 on this cluster's fabric. The replica holds 2 of the 3
  // servers: 16 GPU-hours per hour.
  Scenario s = test::load_scenario(spanning_yaml(16, 1), "span.yaml");
  s.inference[0].arrivals.kind = "trace";
  s.inference[0].arrivals.requests = {{0, 512, 64}, {60, 512, 64}};
  ClusterLinks links;
  links.nic_bandwidth = 50e9, links.nics_per_server = 8, links.net_latency = 5e-6;
  const InferenceCost c(test::llama3_405b(), builtin_hardware_profiles().at("h100-sxm"), 8, "bf16", true, {}, 2, links);
  const double prefill = c.prefill_s({512}), e2e = prefill + 63 * c.decode_step_s(1, 513 + 31);
  SimulationResult r = run_simulation(s);
  const auto& g = r.inference.at(0);
  const auto& sv = r.services.at(0);
  REQUIRE(g.completed == 2);
  CHECK(g.ttft_cdf.front() == Approx(prefill).epsilon(1e-9));
  CHECK(g.ttft_cdf.back() == Approx(prefill).epsilon(1e-9));
  CHECK(g.e2e_cdf.back() == Approx(e2e).epsilon(1e-9));
  CHECK(sv.replica_hours == Approx(r.simulated_end_s / 3600).epsilon(1e-9));
  CHECK(sv.gpu_hours == Approx(16 * r.simulated_end_s / 3600).epsilon(1e-9));
}

TEST_CASE("replicas spanning servers take whole servers; a shape that neither divides nor spans them is refused",
          "[engine][inference][shapes]") {
  CHECK(load_scenario_text(spanning_yaml(16, 1), "span.yaml").scenario);
  CHECK(load_scenario_text(spanning_yaml(24, 1), "span.yaml").scenario);
  // 3 servers hold one 16-GPU replica, not two.
  test::check_refused(spanning_yaml(16, 2), "span.yaml", "span.yaml:11:",
                      "workloads.inference[0].replicas.a: site a has no room for replica 2 of s (16 GPUs on 2 servers)");
  test::check_refused(spanning_yaml(12, 1), "span.yaml", "span.yaml:11:",
                      "workloads.inference[0].gpus_per_replica: 12 GPUs per replica neither divide nor are a multiple "
                      "of the 8 GPUs of a server of site a");
  test::check_refused(spanning_yaml(3, 1), "span.yaml", "span.yaml:11:", "gpus_per_replica: 3 GPUs per replica");
}

TEST_CASE("a failure of either server stops a spanning replica, which restarts on the healthy one and a free one",
          "[engine][inference][shapes][failures]") {
  // The 16-GPU replica holds s0 and s1 of three servers; s1 fails at 2 min for an hour. The
  // replica stops, s0 goes back to the pool, and after detection + restart (2 min) the replica
  // serves again at 4 min on s0 and s2, not after the hour's repair. Requests arriving while it
  // is down find no replica up.
  SimulationResult r = run_simulation(test::load_scenario(spanning_yaml(16, 1) + R"(failures:
  detection: 1min
  restart: 1min
  events:
    - {at: 2min, target: a/main/s1, kind: server, duration: 1h}
)",
                                                          "span.yaml"));
  CHECK(r.services.at(0).replica_failures == 1);
  REQUIRE(r.failures.size() == 1);
  CHECK(r.failures[0].affected_jobs == "s/replica0");
  REQUIRE(r.inference_serving.size() == 2);
  CHECK(r.inference_serving[0].end_s == Approx(120));
  CHECK(r.inference_serving[1].start_s == Approx(240));
  // 1 request a second overloads the batch-1 replica (service time S of several seconds): it is
  // busy all the time it serves, 120 s before the failure and 360 s after, so about 480 / S
  // requests complete; those queued when it stops and those arriving while it is down are dropped.
  ClusterLinks links;
  links.nic_bandwidth = 50e9, links.nics_per_server = 8, links.net_latency = 5e-6;
  const InferenceCost c(test::llama3_405b(), builtin_hardware_profiles().at("h100-sxm"), 8, "bf16", true, {}, 2, links);
  // The default lengths, 1,024 tokens in and 128 out: 127 decode steps at the mean context.
  const double S = c.prefill_s({1024}) + 127 * c.decode_step_s(1, 1025 + 63);
  const auto& g = r.inference.at(0);
  CHECK(g.completed == Approx(480 / S).margin(2));
  CHECK(g.dropped >= 100);
  CHECK(g.completed + g.in_flight + g.dropped == g.requests);
}

TEST_CASE("a MoE replica whose ep exceeds a server's GPUs is one stage over its servers, all-to-all on the fabric",
          "[engine][inference][shapes][moe]") {
  // Qwen3-30B-A3B on 2 of 3 8-GPU H100 servers with ep 16 > 8: one stage, tp 16 over both servers,
  // 8 EP ranks on each (docs/inference.md, Expert parallelism). A lone request's TTFT and end-to-end
  // are that layout's cost model, not the two-stage pipeline's.
  Scenario s = test::load_scenario(R"(name: span-ep
horizon: 10min
sites:
  - {name: a, clusters: [{name: main, gpu: h100-sxm, servers: 3, gpus_per_server: 8,
                          scale_out: {nic_bandwidth: 400Gbps, nics_per_server: 8, latency: 5us}}]}
models:
  qwen3-30b: {layers: 48, hidden: 2048, heads: 32, kv_heads: 4, head_dim: 128, ffn: 6144, vocab: 151936, seq: 4096,
              gated_mlp: true, tied_embeddings: false, dropout: false, moe: {experts: 128, top_k: 8, expert_ffn: 768}}
workloads:
  inference:
    - {name: s, model: qwen3-30b, replicas: {a: 1}, gpus_per_replica: 16, ep: 16, max_batch: 1, arrivals: {poisson: 1/s}}
)",
                                                   "span-ep.yaml");
  s.inference[0].arrivals.kind = "trace";
  s.inference[0].arrivals.requests = {{0, 512, 64}};
  ClusterLinks links;
  links.nic_bandwidth = 50e9, links.nics_per_server = 8, links.net_latency = 5e-6;
  const ModelSpec& m = *s.find_model("qwen3-30b");
  const HardwareProfile& gpu = builtin_hardware_profiles().at("h100-sxm");
  const InferenceCost one_stage(m, gpu, 16, "bf16", true, {}, 1, links, 16, 2);
  const InferenceCost two_stages(m, gpu, 8, "bf16", true, {}, 2, links, 8);
  const double prefill = one_stage.prefill_s({512}), e2e = prefill + 63 * one_stage.decode_step_s(1, 513 + 31);
  REQUIRE(std::abs(two_stages.prefill_s({512}) / prefill - 1) > 1e-3);  // the layouts differ
  SimulationResult r = run_simulation(s);
  const auto& g = r.inference.at(0);
  REQUIRE(g.completed == 1);
  CHECK(g.ttft_cdf.front() == Approx(prefill).epsilon(1e-9));
  CHECK(g.e2e_cdf.back() == Approx(e2e).epsilon(1e-9));
  CHECK(r.services.at(0).gpu_hours == Approx(16 * r.simulated_end_s / 3600).epsilon(1e-9));
}
