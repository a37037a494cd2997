// Scheduling inside a replica (scheduler: orca | vllm | sarathi) against closed forms: chunked
// prefill against whole-prompt prefill on a fixed mixed workload, paged KV with preemption against
// KV reserved at admission. One simulation per test case (SimGrid runs one engine per process).
#include <catch2/catch.hpp>

#include <cmath>

#include "rcn/engine/simulation.hpp"
#include "rcn/models/inference_model.hpp"
#include "tests/load_scenario.hpp"

using namespace rcn;

namespace {

const char* const kModels = R"(  llama3-8b: {layers: 32, hidden: 4096, heads: 32, kv_heads: 8, ffn: 14336, vocab: 128256, seq: 8192,
              gated_mlp: true, tied_embeddings: false}
  llama3-70b: {layers: 80, hidden: 8192, heads: 64, kv_heads: 8, ffn: 28672, vocab: 128256, seq: 8192,
               gated_mlp: true, tied_embeddings: false}
)";

// One service `service` (a flow mapping) on one H100 server at site a.
Scenario one_server(const std::string& horizon, const std::string& service) {
  const std::string y = "name: sched\nhorizon: " + horizon + R"(
sites:
  - {name: a, clusters: [{gpu: h100-sxm, servers: 1}]}
models:
)" + kModels + "workloads:\n  inference:\n    - " + service + "\n";
  return test::load_scenario(y, "sched.yaml");
}

// The mixed load: every 5 s a burst of kShort chat prompts and one long document, all at the same
// instant and the document last, on one llama3-8b replica (one H100). A one-token request of
// kPrimer tokens arrives 1 ms before each burst, so that the burst queues whole behind its prefill
// (a replica woken by the first request of an instant would otherwise start before the others are in).
constexpr int kShort = 199;
constexpr double kShortPrompt = 32, kLongPrompt = 8192, kOutput = 16, kPeriod = 5, kPrimer = 256, kLead = 1e-3;
// Sarathi's budget: the bursts' short prompts and one more chat prompt's worth of the document.
constexpr double kBudget = (kShort + 1) * kShortPrompt;

// `budget`: the scheduler's max_batched_tokens key, or "" for none.
Scenario mixed_load(const std::string& scheduler, const std::string& budget) {
  Scenario s = one_server("30min", "{name: s, model: llama3-8b, replicas: {a: 1}, gpus_per_replica: 1, max_batch: 256, "
                                  "scheduler: " + scheduler + budget + ", arrivals: {poisson: 1/s}}");
  ArrivalSpec& a = s.inference[0].arrivals;
  a.kind = "trace";
  for (double t = 1; t < 1800; t += kPeriod) {
    a.requests.push_back({t - kLead, kPrimer, 1});
    for (int i = 0; i < kShort; ++i) a.requests.push_back({t, kShortPrompt, kOutput});
    a.requests.push_back({t, kLongPrompt, kOutput});
  }
  return s;
}

InferenceCost llama8b_h100(const Scenario& s) {
  return InferenceCost(*s.find_model("llama3-8b"), builtin_hardware_profiles().at("h100-sxm"), 1, "bf16");
}

// TTFT of a burst's chat requests in closed form: the primer's prefill (less the 1 ms it came
// early), then orca's one iteration of every prompt, or sarathi's first iteration of the 199 chat
// prompts and the document's first (budget - chat tokens) tokens.
struct BurstTtft {
  double whole, chunked;
};
BurstTtft burst_ttft(const InferenceCost& c) {
  std::vector<double> prompts(kShort, kShortPrompt);
  prompts.push_back(kLongPrompt);
  std::vector<PrefillChunk> first(kShort, PrefillChunk{0, kShortPrompt, true});
  first.push_back({0, kBudget - kShort * kShortPrompt, false});
  const double primer = c.prefill_s({kPrimer}) - kLead;
  return {primer + c.prefill_s(prompts), primer + c.mixed_step_s(0, 0, first)};
}

}  // namespace

TEST_CASE("whole-prompt prefill: every prompt of a burst waits for the longest, p99 TTFT is the whole prefill",
          "[engine][inference][scheduler]") {
  // orca admits the burst at once and prefills it in one iteration: every request's first token
  // comes when all 199 chat prompts and the document are done.
  Scenario s = mixed_load("orca", "");  // no token budget: today's whole-prompt prefill
  const BurstTtft expected = burst_ttft(llama8b_h100(s));
  SimulationResult r = run_simulation(s);
  const auto& g = r.inference.at(0);
  REQUIRE(g.completed == g.requests);
  CHECK(g.requests == 360 * (kShort + 2));
  CHECK(g.ttft_p50 == Approx(expected.whole).epsilon(1e-6));
  CHECK(g.ttft_p99 == Approx(expected.whole).epsilon(1e-6));
  // The chunked schedule's p99 (the next test case runs it) is well below.
  CHECK(expected.chunked < 0.6 * expected.whole);
}

TEST_CASE("chunked prefill lowers p99 TTFT under a mixed load: chat prompts no longer wait for a document",
          "[engine][inference][scheduler]") {
  // sarathi: the first iteration of a burst holds the 199 chat prompts whole and the document's
  // first 32 tokens (the budget); the chat prompts get their first token when it ends. The
  // document follows in chunks beside their decodes, so only it (0.5% of requests) waits longer.
  Scenario s = mixed_load("sarathi", ", max_batched_tokens: " + std::to_string(static_cast<int>(kBudget)));
  const BurstTtft expected = burst_ttft(llama8b_h100(s));
  SimulationResult r = run_simulation(s);
  const auto& g = r.inference.at(0);
  REQUIRE(g.completed == g.requests);
  CHECK(g.ttft_p50 == Approx(expected.chunked).epsilon(1e-6));
  CHECK(g.ttft_p99 == Approx(expected.chunked).epsilon(1e-6));
  CHECK(g.ttft_p99 < 0.6 * expected.whole);
  CHECK(r.services.at(0).preemptions == 0);  // the cache holds every burst
}

namespace {

// Llama-3-70B on two H100s, 512-token prompts and 7,680-token answers: the weights fill most of
// the memory, so the KV cache, not max_batch, bounds the batch, and a decode step, which reads
// the weights, costs about the same whatever the batch. Reserving prompt + output at admission
// holds n_res requests at most; paged KV holds each request's tokens so far, about
// prompt + output / 2 on average, so nearly twice as many.
constexpr double kPagedPrompt = 512, kPagedOutput = 7680;

InferenceCost llama70b_tp2(const Scenario& s) {
  return InferenceCost(*s.find_model("llama3-70b"), builtin_hardware_profiles().at("h100-sxm"), 2, "bf16");
}

// An upper bound on what reservation serves: every request takes part in output - 1 decode steps;
// a step of b <= n_res requests, each holding at least its prompt, takes decode_step_s(b, b x
// prompt) and that over b falls with b, so at most n_res / ((output - 1) decode_step_s(n_res,
// n_res x prompt)) requests per second finish (prefills only lower it).
double reservation_bound(const InferenceCost& c) {
  const double n_res = std::floor(c.kv_capacity_tokens() / (kPagedPrompt + kPagedOutput));
  return n_res / ((kPagedOutput - 1) * c.decode_step_s(n_res, n_res * kPagedPrompt));
}

Scenario kv_bound_load(const std::string& scheduler) {
  Scenario s = one_server("3h", "{name: s, model: llama3-70b, replicas: {a: 1}, gpus_per_replica: 2, max_batch: 1024, "
                                "scheduler: " + scheduler +
                                    ", arrivals: {poisson: 1/s, prompt_tokens: 512, output_tokens: 7680}}");
  s.inference[0].arrivals.rate = 1.5 * reservation_bound(llama70b_tp2(s));
  return s;
}

}  // namespace

TEST_CASE("KV reserved at admission cannot keep up with a load past its bound", "[engine][inference][scheduler]") {
  Scenario s = kv_bound_load("orca");
  const double bound = reservation_bound(llama70b_tp2(s)), lambda = s.inference[0].arrivals.rate;
  SimulationResult r = run_simulation(s);
  const auto& g = r.inference.at(0);
  CAPTURE(bound, lambda, g.requests, g.completed, g.in_flight);
  CHECK(g.throughput_rps <= bound);
  // A third of the arrivals (1 - 1 / 1.5) cannot have been served: they wait in a queue that grows.
  CHECK(g.in_flight > 0.25 * g.requests);
  CHECK(g.ttft_p99 > 1800);
}

TEST_CASE("paged KV with preemption serves the load reservation cannot", "[engine][inference][scheduler]") {
  Scenario s = kv_bound_load("vllm");
  const InferenceCost c = llama70b_tp2(s);
  const double bound = reservation_bound(c), lambda = s.inference[0].arrivals.rate;
  SimulationResult r = run_simulation(s);
  const auto& g = r.inference.at(0);
  CAPTURE(bound, lambda, g.requests, g.completed, g.in_flight, r.services.at(0).preemptions);
  CHECK(g.throughput_rps > bound);
  // Served at the arrival rate: what is left at the end is the batch at work, which the KV cache
  // bounds (every request holds at least its prompt), not a queue growing with time.
  CHECK(g.in_flight < c.kv_capacity_tokens() / kPagedPrompt);
  CHECK(g.in_flight < 0.1 * g.requests);
  CHECK(g.dropped == 0);
  CHECK(g.requests == g.completed + g.in_flight);
  CHECK(r.services.at(0).preemptions > 0);  // the cache did fill: requests were evicted and recomputed
}

TEST_CASE("orca: a request's last output token takes one decode step, not two", "[engine][inference][scheduler]") {
  // One request, 512 prompt tokens, 2 output tokens: the prefill gives the first token, one decode
  // step (a batch of 1 attending over 513 tokens) the second. Nothing else arrives, so the replica
  // decodes its last step alone; its end-to-end latency is prefill + one step.
  Scenario s = one_server("1h", "{name: s, model: llama3-8b, replicas: {a: 1}, gpus_per_replica: 1, "
                                "arrivals: {poisson: 1/s}}");
  ArrivalSpec& a = s.inference[0].arrivals;
  a.kind = "trace";
  a.requests = {{1.0, 512, 2}};
  const InferenceCost c = llama8b_h100(s);
  const double prefill = c.prefill_s({512}), step = c.decode_step_s(1, 513);
  SimulationResult r = run_simulation(s);
  const auto& g = r.inference.at(0);
  REQUIRE(g.completed == 1);
  CHECK(g.ttft_p50 == Approx(prefill).epsilon(1e-9));
  CHECK(g.e2e_p50 == Approx(prefill + step).epsilon(1e-9));
}
