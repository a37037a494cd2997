// Disaggregated roles in the paged schedulers (vllm, sarathi; replica_scheduler.hpp): a prefill
// replica prefills and hands the request off with its KV blocks freed; a decode replica admits a
// request that arrives prefilled into its cache without a prefill and decodes it. Pure: a clock
// that adds up the iterations' seconds.
#include <catch2/catch.hpp>

#include <vector>

#include "rcn/models/replica_scheduler.hpp"
#include "tests/serving_models.hpp"

using namespace rcn;

namespace {

struct SumClock {
  double now = 0;
  std::vector<double> busy_s;  // each prefill (or mixed) iteration's seconds
  std::vector<std::uint32_t> handed_off, first;
  double busy(double s) {
    busy_s.push_back(s);
    return now += s;
  }
  double decode(double k, double step, bool join) {
    const double steps = join ? 1 : k;
    now += steps * step;
    return steps;
  }
  void first_token(std::uint32_t id, double) { first.push_back(id); }
  void preempted(std::uint32_t) {}
  void hand_off(std::uint32_t id) { handed_off.push_back(id); }
};

// Paged limits: 16-token blocks, 100 of them, no watermark; `chunk` > 0 makes it sarathi with
// that token budget.
BatchLimits paged_limits(double chunk = 0) {
  BatchLimits lim;
  lim.paged = true, lim.chunked = chunk > 0;
  lim.max_batch = 8, lim.budget = chunk > 0 ? chunk : 8192;
  lim.block = 16, lim.kv_block = 16, lim.total_blocks = 100, lim.capacity = 1600, lim.watermark = 0;
  return lim;
}

const InferenceCost& cost() {
  static const InferenceCost c(test::llama3_8b(), builtin_hardware_profiles().at("h100-sxm"), 1, "bf16");
  return c;
}

}  // namespace

TEST_CASE("a vllm prefill replica prefills a prompt whole and hands it off with its blocks freed",
          "[models][inference][disaggregated]") {
  std::vector<ServingRequest> reqs(1);
  reqs[0].prompt = 100, reqs[0].output = 10;
  ReplicaBatch b;
  b.role = ReplicaRole::Prefill;
  b.queue.push_back(0);
  b.outstanding = 110;
  SumClock clock;
  replica_iteration(b, reqs, paged_limits(), cost(), clock);
  // One iteration: the 100-token prompt, whole; it took ceil(100 / 16) = 7 blocks and gives them back.
  REQUIRE(clock.busy_s.size() == 1);
  CHECK(clock.busy_s[0] == Approx(cost().prefill_s({100})).epsilon(1e-12));
  CHECK(clock.handed_off == std::vector<std::uint32_t>{0});
  CHECK(clock.first == std::vector<std::uint32_t>{0});
  CHECK(b.running.empty());
  CHECK(b.kv_blocks == 0);
  // Left for the decode replica: its cache of 100 tokens and 9 of its 10 tokens.
  CHECK(reqs[0].prefilled);
  CHECK(reqs[0].cached == 100);
  CHECK(reqs[0].generated == 1);
  CHECK(b.outstanding == 9);
}

TEST_CASE("a sarathi prefill replica hands a prompt off after its last chunk", "[models][inference][disaggregated]") {
  std::vector<ServingRequest> reqs(1);
  reqs[0].prompt = 100, reqs[0].output = 10;
  ReplicaBatch b;
  b.role = ReplicaRole::Prefill;
  b.queue.push_back(0);
  SumClock clock;
  const BatchLimits lim = paged_limits(64);
  // Budget 64: chunks of 64 then 36 tokens, one iteration each; no hand-off after the first.
  replica_iteration(b, reqs, lim, cost(), clock);
  CHECK(clock.handed_off.empty());
  CHECK(b.kv_blocks == 7);
  replica_iteration(b, reqs, lim, cost(), clock);
  REQUIRE(clock.busy_s.size() == 2);
  CHECK(clock.busy_s[0] == Approx(cost().mixed_step_s(0, 0, {{0, 64, false}})).epsilon(1e-12));
  CHECK(clock.busy_s[1] == Approx(cost().mixed_step_s(0, 0, {{64, 36, true}})).epsilon(1e-12));
  CHECK(clock.handed_off == std::vector<std::uint32_t>{0});
  CHECK(b.running.empty());
  CHECK(b.kv_blocks == 0);
}

TEST_CASE("a paged decode replica admits a prefilled request into its blocks and only decodes it",
          "[models][inference][disaggregated]") {
  for (double chunk : {0.0, 64.0}) {  // vllm, then sarathi
    INFO("budget " << chunk);
    // Arrived with its cache: 100 prompt tokens, its first token out, 9 to go.
    std::vector<ServingRequest> reqs(1);
    reqs[0].prompt = 100, reqs[0].output = 10, reqs[0].generated = 1, reqs[0].cached = 100, reqs[0].prefilled = true;
    ReplicaBatch b;
    b.role = ReplicaRole::Decode;
    b.queue.push_back(0);
    SumClock clock;
    const BatchLimits lim = paged_limits(chunk);
    while (reqs[0].generated < reqs[0].output) replica_iteration(b, reqs, lim, cost(), clock);
    CHECK(clock.first.empty());  // no prefill: its first token came with the prefill replica
    CHECK(clock.handed_off.empty());
    // 9 decode steps of a batch of 1 over a cache of 101 to 109 tokens, run at once (nothing
    // queued, no prompt chunk for sarathi) at the mean context 101 + 4 = 105.
    CHECK(clock.busy_s.empty());
    CHECK(clock.now == Approx(9 * cost().decode_step_s(1, 105)).epsilon(1e-12));
    // Its blocks: ceil(109 / 16) = 7, as a colocated replica's after the same tokens.
    CHECK(reqs[0].cached == 109);
    CHECK(b.kv_blocks == 7);
  }
}

TEST_CASE("a paged decode replica keeps a prefilled request queued until its cache has room",
          "[models][inference][disaggregated]") {
  // 10 blocks; a running request holds 7 (112 tokens, its next step in its 7th block); the newcomer
  // needs ceil((100 + 1) / 16) = 7 for its cache and first decode, and 10 - 7 = 3 are free.
  std::vector<ServingRequest> reqs(2);
  reqs[0].prompt = 100, reqs[0].output = 20, reqs[0].generated = 5, reqs[0].cached = 104, reqs[0].prefilled = true;
  reqs[1].prompt = 100, reqs[1].output = 10, reqs[1].generated = 1, reqs[1].cached = 100, reqs[1].prefilled = true;
  ReplicaBatch b;
  b.role = ReplicaRole::Decode;
  b.running.push_back(0);
  b.kv_blocks = 7;
  b.queue.push_back(1);
  BatchLimits lim = paged_limits();
  lim.total_blocks = 10, lim.capacity = 160;
  SumClock clock;
  replica_iteration(b, reqs, lim, cost(), clock);
  CHECK(b.running == std::vector<std::uint32_t>{0});
  CHECK(b.queue.size() == 1);
  CHECK(reqs[1].generated == 1);
  // The running request decoded alone its last 15 tokens (104 -> 119 cached, within its 7 blocks
  // and 3 free ones).
  CHECK(reqs[0].generated == 20);
  CHECK(b.kv_blocks == 8);  // ceil(119 / 16)
}
