#pragma once
// One serving replica's scheduler, iteration by iteration (orca, vllm, sarathi; docs/inference.md,
// "Scheduling inside a replica"): which queued requests join the batch under the token budget and
// the KV cache, how prompts are chunked, when a full paged cache evicts a request, and how many
// decode steps run before the batch changes. Pure (no SimGrid) and the one home of these rules:
// the engine's replica actors run it with a clock that sleeps in the simulation
// (src/engine/inference_service.cpp), and the single-replica queue simulation
// that calibrates the fast mode (replica_queue.hpp) runs it with a clock of its own.
//
// A clock answers four calls:
//   double busy(double seconds)                      one iteration: returns the time it ends
//   double decode(double k, double step, bool join)  decode steps: 1 when `join`, else k, or
//                                                    fewer when a request arrives meanwhile
//                                                    (decode_steps_run); returns how many ran
//   void first_token(std::uint32_t id, double now)   the request's first token is out
//   void preempted(std::uint32_t id)                 the request was evicted (paged schedulers)
//   void hand_off(std::uint32_t id)                  a prefill replica's request leaves, prefilled,
//                                                    for a decode replica (disaggregated serving)
// `Requests` is indexed by request id and yields a type derived from ServingRequest.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <deque>
#include <vector>

#include "rcn/models/inference_model.hpp"
#include "rcn/scenario/scenario.hpp"

namespace rcn {

// A request as the replica's scheduler sees it.
struct ServingRequest {
  float prompt = 0, output = 0;
  float generated = 0;
  // Paged schedulers (vllm, sarathi): tokens whose KV the replica holds for it, and whether its
  // prompt (after a preemption: prompt + tokens generated, recomputed) is prefilled.
  float cached = 0;
  bool prefilled = false;
  float prefix = 0;  // prompt tokens found in the replica's prefix cache (not prefilled)
};

// Disaggregated serving: a Prefill replica prefills prompts and hands their KV cache to a Decode
// replica; Both (the default) does all of a request.
enum class ReplicaRole { Both, Prefill, Decode };

// A replica's requests and KV cache.
struct ReplicaBatch {
  ReplicaRole role = ReplicaRole::Both;
  std::deque<std::uint32_t> queue;
  std::vector<std::uint32_t> running;
  double kv_reserved = 0;  // tokens of KV cache promised to running requests (prompt + output)
  double kv_blocks = 0;    // paged schedulers: KV blocks its running requests hold
  double outstanding = 0;  // tokens still to process for queued and running requests (routing)
};

// What bounds a replica's batches.
struct BatchLimits {
  bool paged = false, chunked = false;
  int max_batch = 1;
  double budget = 0;          // tokens per iteration (orca: prompt tokens per admission, 0: none)
  double capacity = 0;        // KV cache, tokens
  double block = 16;          // paged: tokens per KV block
  int kv_block = 16;          // the same, as the spec gives it (float request counts divide by it in float)
  double total_blocks = 0;    // paged: blocks in the cache
  double watermark = 0;       // paged: blocks an admission leaves free
};

// The limits of a replica of `spec` with this cost model.
BatchLimits batch_limits(const InferenceServiceSpec& spec, const ModelSpec& model, const InferenceCost& cost);

// Decode steps that run when a request arrives `elapsed` seconds into k steps of `step` seconds:
// the step under way is finished.
inline double decode_steps_run(double k, double step, double elapsed) {
  return std::min(k, std::floor(elapsed / step) + 1);
}

// Whether a request could ever fit in the replica's KV cache by itself.
inline bool fits_alone(const ServingRequest& q, const BatchLimits& lim) {
  if (!lim.paged) return q.prompt + q.output <= lim.capacity;
  // Its last decode step writes token prompt + output - 1; whole blocks.
  return std::ceil((q.prompt + q.output) / lim.kv_block) <= std::floor(lim.capacity / lim.kv_block);
}

// Seconds to prefill these requests' prompts (whole, as one iteration), less their cached prefixes.
template <class Requests>
double prefill_seconds(const InferenceCost& cost, const Requests& reqs, const std::vector<std::uint32_t>& ids,
                       const std::vector<double>& prompts) {
  std::vector<PrefillChunk> chunks;
  bool any = false;
  for (std::size_t i = 0; i < ids.size(); ++i) {
    const double prefix = reqs[ids[i]].prefix;
    any = any || prefix > 0;
    chunks.push_back({prefix, prompts[i] - prefix, true});
  }
  // Without a cached prefix this is a whole-prompt prefill (the same time as one chunk per prompt).
  return any ? cost.mixed_step_s(0, 0, chunks) : cost.prefill_s(prompts);
}

// Takes the finished requests out of the batch, frees their KV, and calls done(id) for each.
template <class Requests, class Done>
void retire_finished(ReplicaBatch& b, const Requests& reqs, const BatchLimits& lim, Done done) {
  std::vector<std::uint32_t> still;
  for (auto id : b.running) {
    const ServingRequest& q = reqs[id];
    if (q.generated >= q.output) {
      if (lim.paged) b.kv_blocks -= std::ceil(q.cached / lim.kv_block);
      else b.kv_reserved -= q.prompt + q.output;
      done(id);
    } else {
      still.push_back(id);
    }
  }
  b.running.swap(still);
}

// The orca scheduler's iteration (KV reserved for prompt + output at admission, whole prompts):
// admit in arrival order while the batch and the KV cache allow, prefill the newcomers, then decode
// until the first running request finishes or a newcomer can join.
template <class Requests, class Clock>
void orca_iteration(ReplicaBatch& b, Requests& reqs, const BatchLimits& lim, const InferenceCost& cost, Clock& clock) {
  std::vector<double> prompts;
  std::vector<std::uint32_t> admitted;
  double batched = 0;  // prompt tokens admitted (the first prompt goes in whatever the budget)
  while (!b.queue.empty() && static_cast<int>(b.running.size()) < lim.max_batch) {
    const ServingRequest& q = reqs[b.queue.front()];
    if (b.kv_reserved + q.prompt + q.output > lim.capacity) break;
    if (lim.budget > 0 && !admitted.empty() && batched + q.prompt > lim.budget) break;
    batched += q.prompt;
    b.kv_reserved += q.prompt + q.output;
    admitted.push_back(b.queue.front());
    prompts.push_back(q.prompt);
    b.running.push_back(b.queue.front());
    b.queue.pop_front();
  }
  if (b.role == ReplicaRole::Decode) {  // disaggregated: they arrive prefilled, with their KV cache
    admitted.clear();
    prompts.clear();
  }
  if (!admitted.empty()) {  // prefill the newcomers; the others wait (no chunked prefill)
    const double now = clock.busy(prefill_seconds(cost, reqs, admitted, prompts));
    for (auto id : admitted) {
      clock.first_token(id, now);
      reqs[id].generated = 1;
      b.outstanding -= reqs[id].prompt + 1;
    }
  }
  if (b.role == ReplicaRole::Prefill) {  // disaggregated: the prefilled requests go to the decode pool
    std::vector<std::uint32_t> one_token;  // done with their first token
    for (auto id : b.running) {
      if (reqs[id].output > 1) clock.hand_off(id);
      else one_token.push_back(id);
    }
    b.running.swap(one_token);
  }
  // Decode: steps until the first running request finishes, or until a newcomer can join.
  double k = 1e300, kv = 0;
  for (auto id : b.running) {
    k = std::min<double>(k, reqs[id].output - reqs[id].generated);
    kv += reqs[id].prompt + reqs[id].generated;
  }
  const double batch = static_cast<double>(b.running.size());
  if (batch > 0 && k > 0) {
    const double step = cost.decode_step_s(batch, kv + (k - 1) * batch / 2);
    const bool can_join = !b.queue.empty() && static_cast<int>(b.running.size()) < lim.max_batch;
    const double steps = clock.decode(k, step, can_join);
    for (auto id : b.running) reqs[id].generated += static_cast<float>(steps);
    b.outstanding -= steps * batch;
  }
}

namespace paged {

inline double blocks(double tokens, const BatchLimits& lim) { return std::ceil(tokens / lim.block); }
inline double target(const ServingRequest& q) { return static_cast<double>(q.prompt) + q.generated; }

// Evicts the newest running request: its blocks are freed, it waits at the head of the queue and
// recomputes its prompt and generated tokens when admitted again (vLLM's recompute).
template <class Requests>
std::uint32_t preempt(ReplicaBatch& b, Requests& reqs, const BatchLimits& lim) {
  const std::uint32_t id = b.running.back();
  b.running.pop_back();
  ServingRequest& q = reqs[id];
  // A prefilled request holds the blocks of its cache; one still in its prompt those of the whole
  // prompt, taken when it was admitted.
  b.kv_blocks -= std::ceil((q.prefilled ? q.cached : q.prompt + q.generated) / lim.kv_block);
  // Work to redo: the cached tokens, and the last generated one, whose KV was not written yet.
  if (q.prefilled) b.outstanding += q.cached + 1;
  else b.outstanding += q.cached;
  q.cached = 0, q.prefilled = false;
  q.prefix = 0;  // its blocks are gone: all of it is recomputed
  b.queue.push_front(id);
  return id;
}

// Decode steps of the running requests (all prefilled): until the first one finishes, the KV
// cache has no block for the next step, or (when `can_join` is false) a request arrives.
template <class Requests, class Clock>
void decode(ReplicaBatch& b, Requests& reqs, const BatchLimits& lim, const InferenceCost& cost, Clock& clock,
            bool can_join) {
  const double block = lim.block;
  const double free_blocks = std::floor(lim.capacity / block) - b.kv_blocks;
  double k = 1e300, kv = 0;
  for (auto id : b.running) {
    k = std::min<double>(k, reqs[id].output - reqs[id].generated);
    kv += reqs[id].cached + 1;  // the step attends over the cache and the token it writes
  }
  // Blocks the running requests take over their next j steps.
  auto blocks_for = [&](double j) {
    double n = 0;
    for (auto id : b.running) n += std::ceil((reqs[id].cached + j) / block) - std::ceil(reqs[id].cached / block);
    return n;
  };
  if (blocks_for(k) > free_blocks) {  // the cache fills first: stop at the last step it holds
    double lo = 1, hi = k;             // blocks_for(1) <= free_blocks: the caller made room
    while (hi - lo > 1) {
      const double mid = std::floor((lo + hi) / 2);
      (blocks_for(mid) <= free_blocks ? lo : hi) = mid;
    }
    k = lo;
  }
  const double batch = static_cast<double>(b.running.size());
  const double step = cost.decode_step_s(batch, kv + (k - 1) * batch / 2);
  const double steps = clock.decode(k, step, can_join);
  b.kv_blocks += blocks_for(steps);
  for (auto id : b.running) {
    reqs[id].generated += static_cast<float>(steps);
    reqs[id].cached += static_cast<float>(steps);
  }
  b.outstanding -= steps * batch;
}

}  // namespace paged

// The vllm and sarathi schedulers' iteration: paged KV with preemption, chunked prefill for sarathi.
template <class Requests, class Clock>
void paged_iteration(ReplicaBatch& b, Requests& reqs, const BatchLimits& lim, const InferenceCost& cost,
                     Clock& clock) {
  const double total_blocks = lim.total_blocks;
  const double watermark = lim.watermark;
  const double budget = lim.budget;
  const auto batch_full = [&] { return static_cast<int>(b.running.size()) >= lim.max_batch; };
  const auto blocks = [&](double tokens) { return paged::blocks(tokens, lim); };
  const auto target = [](const ServingRequest& q) { return paged::target(q); };
  // A request admitted from the queue takes the blocks of its whole prompt (and, after a preemption,
  // of the tokens it recomputes) at once, as vLLM v0 does with and without chunked prefill.
  const auto admit = [&](double& free_blocks) {
    const std::uint32_t id = b.queue.front();
    b.queue.pop_front();
    b.running.push_back(id);
    const double need = blocks(target(reqs[id]));
    b.kv_blocks += need;
    free_blocks -= need;
  };
  // Whether the queue's head may be admitted: its prompt (or, arrived prefilled at a decode
  // replica, its cache), the block its first decode writes to, and the watermark (unless it would
  // run alone: a request that fits may use every block) are free.
  const auto admissible = [&](double free_blocks) {
    if (b.queue.empty() || batch_full()) return false;
    const ServingRequest& q = reqs[b.queue.front()];
    return blocks((q.prefilled ? q.cached : target(q)) + 1) + (b.running.empty() ? 0.0 : watermark) <= free_blocks;
  };
  // Disaggregated, at a prefill replica: the requests whose prompt is in leave for a decode replica
  // with their KV cache (their blocks are freed here); those done with their first token stay to be
  // retired.
  const auto hand_off_prefilled = [&] {
    if (b.role != ReplicaRole::Prefill) return;
    std::vector<std::uint32_t> still;
    for (auto id : b.running) {
      const ServingRequest& q = reqs[id];
      if (q.prefilled && q.generated < q.output) {
        b.kv_blocks -= blocks(q.cached);
        clock.hand_off(id);
      } else {
        still.push_back(id);
      }
    }
    b.running.swap(still);
  };
  // A prefill of `id` up to `tokens` of its target, as the iteration ends.
  const auto prefill_to = [&](std::uint32_t id, double tokens, double now) {
    ServingRequest& q = reqs[id];
    b.outstanding -= tokens - q.cached;  // a cached prefix included: it was counted at routing
    q.cached = static_cast<float>(tokens);
    if (tokens >= target(q)) {  // the prompt is in: its next token is sampled
      q.prefilled = true;
      q.generated += 1;
      b.outstanding -= 1;
      clock.first_token(id, now);
    }
  };
  // Room for this step's decode tokens: evict the newest requests until every decode has its block.
  double decode_blocks = 0;
  for (;;) {
    decode_blocks = 0;
    for (auto id : b.running)
      if (reqs[id].prefilled) decode_blocks += blocks(reqs[id].cached + 1) - blocks(reqs[id].cached);
    if (decode_blocks <= total_blocks - b.kv_blocks || b.running.size() <= 1) break;
    clock.preempted(paged::preempt(b, reqs, lim));
  }
  double free_blocks = total_blocks - b.kv_blocks - decode_blocks;  // after this step's decodes
  // Disaggregated, at a decode replica: requests that arrive prefilled, with their KV cache, take
  // its blocks and join the batch without a prefill (a preempted one is recomputed as below).
  while (admissible(free_blocks) && reqs[b.queue.front()].prefilled) {
    const std::uint32_t id = b.queue.front();
    b.queue.pop_front();
    b.running.push_back(id);
    const double need = blocks(reqs[id].cached);
    b.kv_blocks += need;
    free_blocks -= need + blocks(reqs[id].cached + 1) - blocks(reqs[id].cached);  // and its first decode's block
  }
  if (!lim.chunked) {
    // vllm: prompts first, whole, within the token budget (the first one whatever its size).
    std::vector<std::uint32_t> admitted;
    std::vector<double> prompts;
    double batched = 0;
    while (admissible(free_blocks)) {
      const double prompt = target(reqs[b.queue.front()]);
      if (!admitted.empty() && batched + prompt > budget) break;
      batched += prompt;
      prompts.push_back(prompt);
      admitted.push_back(b.queue.front());
      admit(free_blocks);
    }
    if (!admitted.empty()) {
      const double now = clock.busy(prefill_seconds(cost, reqs, admitted, prompts));
      for (std::size_t i = 0; i < admitted.size(); ++i) prefill_to(admitted[i], prompts[i], now);
      hand_off_prefilled();
    } else if (!b.running.empty()) {
      paged::decode(b, reqs, lim, cost, clock, admissible(free_blocks));
    }
    return;
  }
  // sarathi: every prefilled request decodes one token; prompt chunks fill the rest of the
  // budget, unfinished prompts first, then new requests in arrival order.
  double decodes = 0, decode_kv = 0;
  for (auto id : b.running)
    if (reqs[id].prefilled) decodes += 1, decode_kv += reqs[id].cached + 1;
  double left = std::max(0.0, budget - decodes);
  std::vector<PrefillChunk> chunks;
  std::vector<std::pair<std::uint32_t, double>> to;  // request, cached tokens after the chunk
  const auto add_chunk = [&](std::uint32_t id) {  // its blocks are held since its admission
    const ServingRequest& q = reqs[id];
    const double start = std::max<double>(q.cached, q.prefix);  // a new request's cached prefix is in already
    const double tokens = std::min(target(q) - start, left);
    left -= tokens;
    chunks.push_back({start, tokens, start + tokens >= target(q)});
    to.emplace_back(id, start + tokens);
  };
  for (auto id : b.running)
    if (!reqs[id].prefilled && left > 0) add_chunk(id);
  while (left > 0 && admissible(free_blocks)) {
    admit(free_blocks);
    add_chunk(b.running.back());
  }
  if (chunks.empty() && decodes == static_cast<double>(b.running.size())) {  // a decode-only batch: many steps at once
    paged::decode(b, reqs, lim, cost, clock, admissible(free_blocks));
    return;
  }
  const double now = clock.busy(cost.mixed_step_s(decodes, decode_kv, chunks));
  for (auto id : b.running) {
    ServingRequest& q = reqs[id];
    if (!q.prefilled) continue;
    b.kv_blocks += blocks(q.cached + 1) - blocks(q.cached);
    q.cached += 1, q.generated += 1;
    b.outstanding -= 1;
  }
  for (const auto& [id, tokens] : to) prefill_to(id, tokens, now);
  hand_off_prefilled();
}

// One iteration of the replica's scheduler, whichever it is.
template <class Requests, class Clock>
void replica_iteration(ReplicaBatch& b, Requests& reqs, const BatchLimits& lim, const InferenceCost& cost,
                       Clock& clock) {
  if (lim.paged) paged_iteration(b, reqs, lim, cost, clock);
  else orca_iteration(b, reqs, lim, cost, clock);
}

}  // namespace rcn
