// Inference serving against queueing theory and conservation of requests.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstdio>
#include <fstream>

#include "rcn/engine/simulation.hpp"
#include "rcn/models/inference_model.hpp"
#include "rcn/scenario/loader.hpp"
#include "tests/load_scenario.hpp"
#include "tests/test_support.hpp"

using namespace rcn;

namespace {

Scenario one_replica(double rate, int max_batch, const std::string& horizon = "6h") {
  const std::string y = "name: queue\nhorizon: " + horizon + "\n" + test::kLlama8bOnOneH100 + R"(    - {name: s, model: llama3-8b, replicas: {a: 1}, gpus_per_replica: 1, max_batch: )" +
                        std::to_string(max_batch) + R"(,
       arrivals: {poisson: )" + std::to_string(rate) + R"(/s, prompt_tokens: 512, output_tokens: 64}}
)";
  return test::load_scenario(y, "q.yaml");
}

// Service time of one request alone (batch 1): prefill, then 63 decode steps.
struct Service {
  double prefill, total;
};
Service service_time(const Scenario& s) {
  InferenceCost c(*s.find_model("llama3-8b"), builtin_hardware_profiles().at("h100-sxm"), 1, "bf16");
  const double prefill = c.prefill_s({512});
  const double k = 63;
  return {prefill, prefill + k * c.decode_step_s(1, 513 + (k - 1) / 2)};
}

void check_conservation(const SimulationResult& r) {
  for (const auto& g : r.inference) CHECK(g.requests == g.completed + g.dropped + g.in_flight);
}

}  // namespace

TEST_CASE("one replica, Poisson arrivals, fixed service time: mean wait is M/D/1's", "[engine][inference]") {
  // M/D/1: Wq = rho S / (2 (1 - rho)); time to first token = Wq + prefill. rho = 0.7, ~ 6 h of arrivals.
  Scenario probe = one_replica(1, 1);
  const Service sv = service_time(probe);
  const double lambda = 0.7 / sv.total;
  Scenario s = one_replica(lambda, 1);
  SimulationResult r = run_simulation(s);
  REQUIRE(r.inference.size() == 1);
  const auto& g = r.inference[0];
  REQUIRE(g.completed > 10000);
  const double rho = lambda * sv.total;
  const double wq = rho * sv.total / (2 * (1 - rho));
  CHECK(g.ttft_mean == Approx(wq + sv.prefill).epsilon(0.05));
  CHECK(g.e2e_mean == Approx(wq + sv.total).epsilon(0.05));
  // Below saturation everything that arrives is served: throughput = arrival rate (Poisson noise ~1%).
  CHECK(g.throughput_rps == Approx(lambda).epsilon(0.03));
  check_conservation(r);
}

TEST_CASE("past saturation the queue grows without bound", "[engine][inference]") {
  // rho = 1.5 with batch 1: about (lambda - mu) T requests pile up; latency is far above the service time.
  Scenario probe = one_replica(1, 1);
  const Service sv = service_time(probe);
  const double mu = 1 / sv.total, lambda = 1.5 * mu;
  Scenario s = one_replica(lambda, 1, "2h");
  SimulationResult r = run_simulation(s);
  const auto& g = r.inference[0];
  CHECK(g.throughput_rps == Approx(mu).epsilon(0.03));  // served at capacity, not at the arrival rate
  CHECK(g.in_flight > 0.8 * (lambda - mu) * 7200);
  CHECK(g.e2e_p99 > 100 * sv.total);
  check_conservation(r);
}

TEST_CASE("continuous batching serves more than one request at a time", "[engine][inference]") {
  // The same overload with batches of up to 64: the replica keeps up (decode is memory-bound, so a
  // batch step costs little more than a single one).
  Scenario probe = one_replica(1, 1);
  const Service sv = service_time(probe);
  const double lambda = 1.5 / sv.total;
  Scenario s = one_replica(lambda, 64, "2h");
  SimulationResult r = run_simulation(s);
  const auto& g = r.inference[0];
  CHECK(g.throughput_rps == Approx(lambda).epsilon(0.03));
  CHECK(g.in_flight < 100);
  check_conservation(r);
}

TEST_CASE("a request larger than the KV cache is dropped with a reason", "[engine][inference]") {
  Scenario s = one_replica(2, 8, "10min");
  s.inference[0].arrivals.prompt_tokens = 2e6;  // 2M tokens of KV cache: more than 80 GB holds
  SimulationResult r = run_simulation(s);
  const auto& g = r.inference[0];
  CHECK(g.completed == 0);
  CHECK(g.dropped == g.requests);
  CHECK(r.services[0].drop_reasons.find("exceeds KV cache=") == 0);
  check_conservation(r);
}

namespace {

// Two replicas of one server each on site a (servers s0, s1), `servers` in all;
// a scripted hardware failure takes s0 down at 1 h for 2 h. One run per test
// case: SimGrid allows one engine per process.
// Two llama3-8b replicas at site a (one server of `servers` each), detection +
// restart 15 min; `failures` adds the rest of the failures mapping.
std::string replica_scenario(const std::string& horizon, int servers, const std::string& arrivals,
                             const std::string& failures) {
  return "name: replica-failure\nhorizon: " + horizon + R"(
sites:
  - {name: a, clusters: [{name: main, gpu: h100-sxm, servers: )" + std::to_string(servers) + R"(}]}
models:
  llama3-8b: {layers: 32, hidden: 4096, heads: 32, kv_heads: 8, ffn: 14336, vocab: 128256, seq: 8192,
              gated_mlp: true, tied_embeddings: false}
workloads:
  inference:
    - {name: s, model: llama3-8b, replicas: {a: 2}, gpus_per_replica: 8, max_batch: 32,
       arrivals: )" + arrivals + R"(}
failures:
  detection: 5min
  restart: 10min
)" + failures;
}

SimulationResult replica_failure_run(int servers) {
  const std::string y = replica_scenario("4h", servers, "{poisson: 4/s, prompt_tokens: 512, output_tokens: 2048}",
                                         "  events:\n    - {at: 1h, target: a/main/s0, kind: server, duration: 2h}\n");
  return run_simulation(test::load_scenario(y, "f.yaml"));
}

// When replica 0 served again after the failure: its first load sample after 1 h.
double back_at(const SimulationResult& r) {
  for (const auto& p : r.inference_load)
    if (p.replica == 0 && p.time_s > 3600) return p.time_s;
  return -1;
}

}  // namespace

TEST_CASE("a replica on a failed server stops, its requests go elsewhere, it restarts on a free server",
          "[engine][inference][failures]") {
  SimulationResult r = replica_failure_run(3);
  REQUIRE(r.services.size() == 1);
  CHECK(r.services[0].replica_failures == 1);
  // 2 requests/s per replica, each decoding for about 3 s: some 6 in flight when s0 fails.
  CHECK(r.services[0].requests_retried > 0);
  check_conservation(r);
  CHECK(r.inference[0].dropped == 0);  // the other replica was up all along
  // Back after detection + restart (15 min) on the free server s2, not after the 2 h repair.
  const double back = back_at(r);
  CHECK(back >= 3600 + 900);
  CHECK(back < 3600 + 900 + 20);
  REQUIRE(r.failures.size() == 1);
  CHECK(r.failures[0].affected_jobs == "s/replica0");
}

TEST_CASE("with no free server a failed replica waits for the repair", "[engine][inference][failures]") {
  SimulationResult r = replica_failure_run(2);
  CHECK(r.services[0].replica_failures == 1);
  check_conservation(r);
  // s0 is repaired at 3 h and goes back to the free pool; the replica looks once a minute.
  const double back = back_at(r);
  CHECK(back >= 3 * 3600);
  CHECK(back < 3 * 3600 + 60 + 20);
  CHECK(r.inference[0].dropped == 0);
}

TEST_CASE("autoscaling takes free servers under load and gives them back to training after it",
          "[engine][inference][autoscale]") {
  // One replica (batch 1, so its capacity is 1/S) at the start, at most 3, on 4 servers. For 1 h a
  // trace brings requests at 2.5/S, evenly spaced: 3 replicas are needed (rho 0.83 each). A
  // training job asking for 3 servers arrives at 30 min, while the replicas hold 3 of the 4: it can
  // start only when the trace is over and the extra replicas have drained and left.
  ModelSpec m;
  m.layers = 32, m.hidden = 4096, m.heads = 32, m.kv_heads = 8, m.ffn = 14336, m.vocab = 128256, m.seq = 8192;
  m.gated_mlp = true, m.tied_embeddings = false;
  InferenceCost c(m, builtin_hardware_profiles().at("h100-sxm"), 8, "bf16");
  const double S = c.prefill_s({512}) + 63 * c.decode_step_s(1, 513 + 31);
  const double lambda = 2.5 / S;
  const std::string dir = test::scratch_dir("autoscale");
  {
    std::ofstream out(dir + "/trace.csv");
    out << "TIMESTAMP,ContextTokens,GeneratedTokens\n";
    char line[96];
    for (double t = 0; t < 3600; t += 1 / lambda) {
      const int h = static_cast<int>(t / 3600), m = static_cast<int>(std::fmod(t, 3600) / 60);
      std::snprintf(line, sizeof line, "2023-11-16 %02d:%02d:%010.7f,512,64\n", h, m, std::fmod(t, 60));
      out << line;
    }
  }
  const std::string y = R"(name: autoscale
horizon: 3h
sites:
  - {name: a, clusters: [{name: main, gpu: h100-sxm, servers: 4}]}
models:
  llama3-8b: {layers: 32, hidden: 4096, heads: 32, kv_heads: 8, ffn: 14336, vocab: 128256, seq: 8192,
              gated_mlp: true, tied_embeddings: false}
workloads:
  training:
    - {name: j, model: llama3-8b, submit: 30min, gpus: 24, global_batch: 24, duration: 10min,
       parallelism: {zero: 3, recompute: full}}
  inference:
    - {name: s, model: llama3-8b, replicas: {a: 1}, gpus_per_replica: 8, max_batch: 1,
       arrivals: {trace: trace.csv},
       autoscale: {max: {a: 3}, interval: 1min, up: 0.8, down: 0.3, down_after: 1}}
)";
  SimulationResult r = run_simulation(test::load_scenario(y, dir + "/autoscale.yaml", dir));
  REQUIRE(r.services.size() == 1);
  const auto& sv = r.services[0];
  CHECK(sv.replicas == 1);
  CHECK(sv.replicas_peak == 3);
  CHECK(sv.scale_ups == 2);
  CHECK(sv.scale_downs == 2);
  const auto& g = r.inference[0];
  CHECK(g.requests == static_cast<long>(std::ceil(3600 * lambda)));
  CHECK(g.completed == g.requests);  // all served, none dropped
  CHECK(g.e2e_p50 < 2 * S);          // after the first minutes' backlog, 3 replicas keep up
  // The job waits for the servers the autoscaler gave back (2 intervals after the load is gone).
  const JobResult& j = r.jobs[0];
  REQUIRE(j.state == JobState::Finished);
  CHECK(j.start_s > 3600);
  CHECK(j.start_s < 3600 + 3 * 60 + 10 * S);
  // Server time held: 1 replica all along plus the 2 extra for about an hour.
  CHECK(sv.replica_hours > r.simulated_end_s / 3600 + 2 * 0.9);
  CHECK(sv.replica_hours < r.simulated_end_s / 3600 + 2 * 1.1);
}

TEST_CASE("a replica whose server fails while it restarts from a software failure takes another server",
          "[engine][inference][failures]") {
  // A software failure keeps the replica's server; a site outage during the
  // 15-minute restart then takes that server down. The restart used to start
  // the replica on the failed host ("Cannot start actor on failed host").
  // Software failures every ~20 min per replica and an outage every 2 h make
  // the overlap happen many times in 12 h.
  std::string events;
  for (int h = 1; h < 12; h += 2) events += "    - {at: " + std::to_string(h) + "h, target: a, kind: site-outage, duration: 10min}\n";
  const std::string y = replica_scenario("12h", 4, "{poisson: 1/s, prompt_tokens: 512, output_tokens: 64}",
                                         "  components: {software: {rate: 0.4/h}}\n  events:\n" + events);
  SimulationResult r;
  REQUIRE_NOTHROW(r = run_simulation(test::load_scenario(y, "f.yaml")));
  CHECK(r.services[0].replica_failures > 6);
  check_conservation(r);
}

TEST_CASE("a trace whose next row is past the horizon keeps the run going to the horizon",
          "[engine][inference][horizon]") {
  // Rows at 0 s and 5 min, horizon 2 min, no training. The dispatcher used to return on reading
  // the second row (past the horizon), so the run ended at 0 s with the first request unserved.
  // Now the service runs until the horizon: the first request is served alone, in the time
  // the closed form gives (prefill of 512 tokens, then 63 decode steps at batch 1).
  const std::string dir = test::scratch_dir("trace-past-horizon");
  {
    std::ofstream out(dir + "/trace.csv");
    out << "TIMESTAMP,ContextTokens,GeneratedTokens\n"
        << "2023-11-16 00:00:00.0000000,512,64\n"
        << "2023-11-16 00:05:00.0000000,512,64\n";
  }
  const std::string y = std::string("name: past-horizon\nhorizon: 2min\n") + test::kLlama8bOnOneH100 +
                        "    - {name: s, model: llama3-8b, replicas: {a: 1}, gpus_per_replica: 1, max_batch: 1,\n"
                        "       arrivals: {trace: trace.csv}}\n";
  const Scenario s = test::load_scenario(y, dir + "/past.yaml", dir);
  SimulationResult r = run_simulation(s);
  CHECK(r.simulated_end_s == 120);
  REQUIRE(r.inference.size() == 1);
  const auto& g = r.inference[0];
  CHECK(g.requests == 1);
  CHECK(g.completed == 1);
  CHECK(g.in_flight == 0);
  CHECK(g.e2e_p50 == Approx(service_time(s).total).epsilon(1e-6));
  CHECK(r.services[0].replica_hours == Approx(120.0 / 3600).epsilon(1e-9));
}
