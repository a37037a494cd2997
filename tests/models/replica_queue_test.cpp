// The single-replica queue simulation that calibrates the fast inference mode (replica_queue.hpp,
// fast_replica.hpp): against the M/D/1 closed form, against the engine's discrete replica on the
// same load (the same scheduler code, replica_scheduler.hpp), and the per-level cache.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <numeric>

#include "rcn/engine/simulation.hpp"
#include "rcn/models/failure_schedule.hpp"
#include "rcn/models/fast_replica.hpp"
#include "rcn/models/replica_queue.hpp"
#include "rcn/scenario/loader.hpp"
#include "tests/load_scenario.hpp"

using namespace rcn;

namespace {

// One replica of Llama-3-8B on one H100; `service` continues its flow mapping after its name,
// model and replicas.
Scenario one_replica(const std::string& horizon, const std::string& service) {
  return test::load_scenario("name: one\nhorizon: " + horizon + "\n" + test::kLlama8bOnOneH100 +
                                 "    - {name: s, model: llama3-8b, replicas: {a: 1}, " + service + "}\n",
                             "one.yaml");
}

double mean(const std::vector<double>& xs) { return std::accumulate(xs.begin(), xs.end(), 0.0) / xs.size(); }

double quantile(std::vector<double> xs, double q) {
  std::sort(xs.begin(), xs.end());
  return xs[static_cast<std::size_t>(q * (xs.size() - 1) + 0.5)];
}

// One replica serving one request at a time: max_batch 1, prompt 512, output 2, so each request
// is one prefill and one decode step, a deterministic service time S.
struct OneAtATime {
  const Scenario s = one_replica("1h", "max_batch: 1, arrivals: {poisson: 1/s, prompt_tokens: 512, output_tokens: 2}");
  const ModelSpec& m = *s.find_model("llama3-8b");
  InferenceCost cost{m, builtin_hardware_profiles().at("h100-sxm"), 1, "bf16"};
  const BatchLimits lim = batch_limits(s.inference.at(0), m, cost);
  const double prefill = cost.prefill_s({512}), S = prefill + cost.decode_step_s(1, 513);
  OneAtATime() = default;
  OneAtATime(const OneAtATime&) = delete;
};

}  // namespace

TEST_CASE("one request at a time, the replica queue is M/D/1: Pollaczek-Khinchine's mean wait",
          "[models][inference][fast]") {
  // orca, max_batch 1, prompt 512, output 2: each request is one prefill and one decode step,
  // a deterministic service time S = prefill_s({512}) + decode_step_s(1, 513). At rho = 0.6 the
  // M/D/1 queue waits Wq = rho S / (2 (1 - rho)) = 0.75 S on average, so the mean TTFT is
  // Wq + prefill and the mean end-to-end latency Wq + S.
  const OneAtATime one;
  const auto& [s, m, cost, lim, prefill, S] = std::tie(one.s, one.m, one.cost, one.lim, one.prefill, one.S);
  const double rho = 0.6, Wq = rho * S / (2 * (1 - rho));
  const ReplicaQueueStats st = simulate_replica_queue(lim, cost, s.inference.at(0).arrivals, rho / S, 40000, 1);
  CHECK(mean(st.ttft) == Approx(Wq + prefill).epsilon(0.04));
  CHECK(mean(st.e2e) == Approx(Wq + S).epsilon(0.04));
  CHECK(st.busy_fraction == Approx(rho).epsilon(0.02));
  CHECK(st.throughput_rps == Approx(rho / S).epsilon(0.02));
  // Little's law: requests in the system = rate x time in it.
  CHECK(st.in_system == Approx(rho / S * (Wq + S)).epsilon(0.05));
  // Sampled at evenly spaced instants (one per mean gap), the requests in it average the same:
  // the instants see the time mean.
  REQUIRE(st.in_system_samples.size() > 30000);
  CHECK(std::accumulate(st.in_system_samples.begin(), st.in_system_samples.end(), 0.0) / st.in_system_samples.size() ==
        Approx(st.in_system).epsilon(0.02));
  // Every request is alone in the cache: prompt + output of the capacity while it is served.
  CHECK(st.kv_occupancy == Approx(rho * 514 / lim.capacity).epsilon(0.03));
}

TEST_CASE("past saturation the calibration's capacity is 1 / S, one request at a time", "[models][inference][fast]") {
  // Offered 2 and 8 times what it can serve, the replica serves one request every S seconds.
  // throughput_rps counts the warm-up requests' service in its span (4,000 requests, the first
  // 400 warm-up: 3,600 / (4,000 S - 400 / rate), about 0.9 / S at 8x); capacity_rps starts its
  // span once they are done. Below saturation both are about the offered rate.
  const OneAtATime one;
  for (double over : {2.0, 8.0}) {
    INFO("offered " << over << " x capacity");
    const ReplicaQueueStats st = simulate_replica_queue(one.lim, one.cost, one.s.inference.at(0).arrivals,
                                                        over / one.S, 4000, 1);
    CHECK(st.capacity_rps == Approx(1 / one.S).epsilon(0.005));
    CHECK(st.throughput_rps == Approx(3600 / (4000 * one.S - 400 * one.S / over)).epsilon(0.01));
  }
  const ReplicaQueueStats below = simulate_replica_queue(one.lim, one.cost, one.s.inference.at(0).arrivals,
                                                         0.5 / one.S, 4000, 1);
  CHECK(below.capacity_rps == Approx(0.5 / one.S).epsilon(0.05));
  CHECK(below.throughput_rps == Approx(0.5 / one.S).epsilon(0.05));
}

TEST_CASE("the queue simulation and the engine's discrete replica agree on one replica's latencies",
          "[models][inference][fast]") {
  // The same replica (Llama-3-8B on one H100, vllm scheduler, max_batch 64, prompts and outputs
  // drawn uniformly) at the same Poisson rate, once in the engine and once in the queue
  // simulation: both run replica_scheduler.hpp, so their latency distributions agree within
  // sampling noise (about 2,000 requests each).
  const Scenario s = one_replica("20min", R"(scheduler: vllm, max_batch: 64,
       arrivals: {poisson: 2/s, prompt_tokens: {uniform: {min: 200, max: 1800}}, output_tokens: {uniform: {min: 20, max: 300}}})");
  const SimulationResult r = run_simulation(s);
  const InferenceRegionResult& g = r.inference.at(0);
  const InferenceServiceSpec& spec = s.inference.at(0);
  const ModelSpec& m = *s.find_model(spec.model);
  InferenceCost cost(m, builtin_hardware_profiles().at("h100-sxm"), 1, "bf16");
  const ReplicaQueueStats st = simulate_replica_queue(batch_limits(spec, m, cost), cost, spec.arrivals, 2.0, 4000, 7);
  CHECK(quantile(st.ttft, 0.5) == Approx(g.ttft_p50).epsilon(0.10));
  CHECK(quantile(st.ttft, 0.99) == Approx(g.ttft_p99).epsilon(0.15));
  CHECK(quantile(st.tpot, 0.5) == Approx(g.tpot_p50).epsilon(0.05));
  CHECK(quantile(st.e2e, 0.5) == Approx(g.e2e_p50).epsilon(0.10));
}

TEST_CASE("the fast replica model calibrates each load level once, 3% apart, never below the rate",
          "[models][inference][fast]") {
  const Scenario s = one_replica("1h", "arrivals: {poisson: 1/s, prompt_tokens: 512, output_tokens: 64}");
  const ModelSpec& m = *s.find_model("llama3-8b");
  InferenceCost cost(m, builtin_hardware_profiles().at("h100-sxm"), 1, "bf16");
  FastReplicaModel model(batch_limits(s.inference.at(0), m, cost), cost, s.inference.at(0).arrivals, 3, 500);
  const ReplicaQueueStats& first = model.at(1.0);
  CHECK(first.offered_rps >= 1.0);
  CHECK(first.offered_rps < 1.03);
  CHECK(&model.at(1.0001) == &first);  // the same level: not simulated again
  CHECK(model.levels_calibrated() == 1);
  const int k = FastReplicaModel::level_of(5.0);
  CHECK(FastReplicaModel::level_rate(k) >= 5.0);
  CHECK(FastReplicaModel::level_rate(k - 1) < 5.0);
  CHECK(FastReplicaModel::level_rate(k + 1) / FastReplicaModel::level_rate(k) == Approx(1.03));
  // Heavier load, longer waits: the level at 4x the rate queues more.
  const ReplicaQueueStats& busy = model.at(4.0);
  CHECK(model.levels_calibrated() == 2);
  CHECK(busy.in_system > first.in_system);
  CHECK(busy.busy_fraction > first.busy_fraction);
}

TEST_CASE("a replica fed every second request of a Poisson stream waits about half M/D/1's wait",
          "[models][inference][fast]") {
  // As above (max_batch 1, deterministic S, rho = 0.6), but the replica is one of two fed in turn:
  // Erlang-2 gaps, squared coefficient of variation 1/2 instead of 1. Kingman's approximation
  // Wq ~ rho / (1 - rho) x (ca^2 + cs^2) / 2 x S (exact for M/D/1, cs^2 = 0) gives half M/D/1's
  // wait; it overestimates for smoother arrivals, so the simulated wait lies between a quarter
  // and 0.6 of M/D/1's.
  const OneAtATime one;
  const auto& [s, m, cost, lim, prefill, S] = std::tie(one.s, one.m, one.cost, one.lim, one.prefill, one.S);
  const double rho = 0.6, Wq_md1 = rho * S / (2 * (1 - rho));
  const ReplicaQueueStats st = simulate_replica_queue(lim, cost, s.inference.at(0).arrivals, rho / S, 20000, 1, 2);
  CHECK(st.throughput_rps == Approx(rho / S).epsilon(0.02));
  const double Wq = mean(st.ttft) - prefill;
  CHECK(Wq > 0.25 * Wq_md1);
  CHECK(Wq < 0.6 * Wq_md1);
}

TEST_CASE("a rate between two load levels is served mostly at the nearer one", "[models][inference][fast]") {
  // Levels 3% apart; the weight of the upper level is linear in rate between the two level rates.
  const int k = FastReplicaModel::level_of(5.0);
  const double lo = FastReplicaModel::level_rate(k - 1), hi = FastReplicaModel::level_rate(k);
  CHECK(FastReplicaModel::upper_weight(hi) == Approx(1.0));
  CHECK(FastReplicaModel::upper_weight(lo + 0.25 * (hi - lo)) == Approx(0.25));
  CHECK(FastReplicaModel::upper_weight(lo + 0.75 * (hi - lo)) == Approx(0.75));
  CHECK(FastReplicaModel::level_of(lo + 0.25 * (hi - lo)) == k);
}

TEST_CASE("a replica queue fed request by request finishes them as one fed the whole stream at once",
          "[models][inference][fast]") {
  // The fast mode replays a trace through ReplicaQueue, routing each row after running every queue
  // up to it, so runs of decode steps are cut at each arrival time of any replica and resumed. The
  // cuts must change nothing: the same 600 requests (Poisson at 3/s, prompts 100-3000, outputs
  // 10-400: batches form, runs span many arrivals) finish at the same instants, to rounding,
  // under orca and under vllm (paged, whose KV grows during a run), whether fed all at once or one
  // at a time with run_until at each arrival and at every second besides.
  for (const char* sched : {"orca", "vllm"}) {
    const Scenario s = one_replica("1h", std::string("scheduler: ") + sched +
                                             ", max_batch: 32, arrivals: {poisson: 3/s, prompt_tokens: 512, output_tokens: 64}");
    const ModelSpec& m = *s.find_model("llama3-8b");
    InferenceCost cost(m, builtin_hardware_profiles().at("h100-sxm"), 1, "bf16");
    const BatchLimits lim = batch_limits(s.inference.at(0), m, cost);
    SplitMix64 rng(11);
    std::vector<double> at;
    std::vector<float> prompt, output;
    double t = 0;
    for (int i = 0; i < 600; ++i) {
      t += -std::log(1 - rng.uniform()) / 3.0;
      at.push_back(t);
      prompt.push_back(static_cast<float>(100 + std::floor(rng.uniform() * 2900)));
      output.push_back(static_cast<float>(10 + std::floor(rng.uniform() * 390)));
    }
    std::vector<double> end_whole(at.size(), -1), end_fed(at.size(), -1), first_whole(at.size()), first_fed(at.size());
    ReplicaQueue whole(lim, cost), fed(lim, cost);
    for (std::size_t i = 0; i < at.size(); ++i) whole.arrive(at[i], prompt[i], output[i], static_cast<std::uint32_t>(i));
    whole.run_until(1e300, [&](const ReplicaQueue::Done& d) { end_whole[d.tag] = d.end, first_whole[d.tag] = d.first; });
    const auto record = [&](const ReplicaQueue::Done& d) { end_fed[d.tag] = d.end, first_fed[d.tag] = d.first; };
    double tick = 1;
    for (std::size_t i = 0; i < at.size(); ++i) {
      for (; tick < at[i]; tick += 1) fed.run_until(tick, record);
      fed.run_until(at[i], record);
      fed.arrive(at[i], prompt[i], output[i], static_cast<std::uint32_t>(i));
    }
    fed.run_until(1e300, record);
    int mismatched = 0;
    for (std::size_t i = 0; i < at.size(); ++i)
      mismatched += std::abs(end_fed[i] - end_whole[i]) > 1e-6 || std::abs(first_fed[i] - first_whole[i]) > 1e-6;
    INFO(sched);
    CHECK(mismatched == 0);
    CHECK(fed.busy_s() == Approx(whole.busy_s()).epsilon(1e-9));
    CHECK(*std::min_element(end_fed.begin(), end_fed.end()) > 0);  // every request finished
  }
}

TEST_CASE("the router sees a replica's work as the engine's does: lowered when an iteration ends",
          "[models][inference][fast]") {
  // One request, prompt 1000 and output 100, alone on an idle replica at t = 0. The engine's
  // scheduler lowers the replica's outstanding tokens after each clock call returns, so its router
  // reads prompt + output = 1100 through the prefill, prompt + 1 less (99) through the one run of
  // 99 decode steps that follows, and 0 once it has finished; a second request routed at t adds its
  // 1100 tokens at once.
  const OneAtATime one;
  const BatchLimits lim = [&] {
    BatchLimits l = one.lim;
    l.max_batch = 8;
    return l;
  }();
  const double prefill = one.cost.prefill_s({1000}), step = one.cost.decode_step_s(1, 1000 + 49);
  ReplicaQueue q(lim, one.cost);
  const auto ignore = [](const ReplicaQueue::Done&) {};
  q.arrive(0, 1000, 100, 0);
  q.run_until(0.5 * prefill, ignore);
  CHECK(q.outstanding(0.5 * prefill) == Approx(1100));
  const double mid = prefill + 40 * step;  // inside the decode run
  q.run_until(mid, ignore);
  CHECK(q.outstanding(mid) == Approx(99));
  q.arrive(mid, 1000, 100, 1);
  CHECK(q.outstanding(mid) == Approx(99 + 1100));
  std::vector<double> first(2);
  q.run_until(1e300, [&](const ReplicaQueue::Done& d) { first[d.tag] = d.first; });
  CHECK(first[0] == Approx(prefill));
  // The second request waited for the step under way, then its own prefill.
  CHECK(first[1] > mid);
  CHECK(first[1] < mid + step + one.cost.prefill_s({1000}) * 1.01 + 1e-9);
}
