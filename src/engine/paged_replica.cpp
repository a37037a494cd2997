#include <algorithm>
#include <cmath>

#include "src/engine/inference_runtime.hpp"

// The paged schedulers (vllm, sarathi): docs/inference.md, "Scheduling inside a replica".
namespace rcn {

void InferenceRuntime::preempt(Replica& rep) {
  const std::uint32_t id = rep.running.back();
  rep.running.pop_back();
  Request& q = requests[id];
  const ReplicaSchedulerSpec& sch = services[rep.service].spec->scheduler;
  // A prefilled request holds the blocks of its cache; one still in its prompt those of the whole
  // prompt, taken when it was admitted.
  rep.kv_blocks -= std::ceil((q.prefilled ? q.cached : q.prompt + q.generated) / sch.kv_block);
  // Work to redo: the cached tokens, and the last generated one, whose KV was not written yet.
  if (q.prefilled) rep.outstanding += q.cached + 1;
  else rep.outstanding += q.cached;
  q.cached = 0, q.prefilled = false;
  q.prefix = 0;  // its blocks are gone: all of it is recomputed
  rep.queue.push_front(id);
  ++services[rep.service].preemptions;
}

void InferenceRuntime::paged_decode(Replica& rep, bool can_join) {
  const double block = services[rep.service].spec->scheduler.kv_block;
  const double free_blocks = std::floor(rep.cost->kv_capacity_tokens() / block) - rep.kv_blocks;
  double k = 1e300, kv = 0;
  for (auto id : rep.running) {
    k = std::min<double>(k, requests[id].output - requests[id].generated);
    kv += requests[id].cached + 1;  // the step attends over the cache and the token it writes
  }
  // Blocks the running requests take over their next j steps.
  auto blocks_for = [&](double j) {
    double n = 0;
    for (auto id : rep.running) n += std::ceil((requests[id].cached + j) / block) - std::ceil(requests[id].cached / block);
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
  const double batch = static_cast<double>(rep.running.size());
  const double step = rep.cost->decode_step_s(batch, kv + (k - 1) * batch / 2);
  const double steps = decode_steps(rep, k, step, can_join);
  rep.kv_blocks += blocks_for(steps);
  for (auto id : rep.running) {
    requests[id].generated += static_cast<float>(steps);
    requests[id].cached += static_cast<float>(steps);
  }
  rep.outstanding -= steps * batch;
}

void InferenceRuntime::paged_replica_loop(std::size_t r) {
  Replica& rep = replicas[r];
  const InferenceServiceSpec& spec = *services[rep.service].spec;
  const ReplicaSchedulerSpec& sch = spec.scheduler;
  const double block = sch.kv_block;
  const double total_blocks = std::floor(rep.cost->kv_capacity_tokens() / block);
  // vLLM's watermark (1% of the blocks): a new request is admitted only if that many stay free
  // after its prompt, room for the running requests' next blocks, so that a request just
  // preempted is not taken straight back in (and preempted again) before one finishes.
  const double watermark = std::floor(0.01 * total_blocks);
  // vLLM v0's default budget without chunked prefill: max(model length, 2048); sarathi's is set when loading.
  const double budget = sch.max_batched_tokens > 0
                            ? sch.max_batched_tokens
                            : std::max(2048.0, static_cast<double>(ctx.scenario.find_model(spec.model)->seq));
  const auto batch_full = [&] { return static_cast<int>(rep.running.size()) >= spec.max_batch; };
  const auto blocks = [&](double tokens) { return std::ceil(tokens / block); };
  const auto target = [](const Request& q) { return static_cast<double>(q.prompt) + q.generated; };
  // A prefill of `q` up to `tokens` of its target, as the iteration ends.
  // A request admitted from the queue takes the blocks of its whole prompt (and, after a preemption,
  // of the tokens it recomputes) at once, as vLLM v0 does with and without chunked prefill.
  const auto admit = [&](double& free_blocks) {
    const std::uint32_t id = rep.queue.front();
    rep.queue.pop_front();
    rep.running.push_back(id);
    const double need = blocks(target(requests[id]));
    rep.kv_blocks += need;
    free_blocks -= need;
  };
  // Whether the queue's head may be admitted: its prompt, the block its first decode writes to, and
  // the watermark (unless it would run alone: a request that fits may use every block) are free.
  const auto admissible = [&](double free_blocks) {
    return !rep.queue.empty() && !batch_full() &&
           blocks(target(requests[rep.queue.front()]) + 1) + (rep.running.empty() ? 0.0 : watermark) <= free_blocks;
  };
  const auto prefill_to = [&](std::uint32_t id, double tokens, double now) {
    Request& q = requests[id];
    rep.outstanding -= tokens - q.cached;  // a cached prefix included: it was counted at routing
    q.cached = static_cast<float>(tokens);
    if (tokens >= target(q)) {  // the prompt is in: its next token is sampled
      q.prefilled = true;
      q.generated += 1;
      rep.outstanding -= 1;
      if (q.first_token < 0) q.first_token = now;
    }
  };
  for (;;) {
    if (!wait_for_work(r)) return;
    // Room for this step's decode tokens: evict the newest requests until every decode has its block.
    double decode_blocks = 0;
    for (;;) {
      decode_blocks = 0;
      for (auto id : rep.running)
        if (requests[id].prefilled) decode_blocks += blocks(requests[id].cached + 1) - blocks(requests[id].cached);
      if (decode_blocks <= total_blocks - rep.kv_blocks || rep.running.size() <= 1) break;
      preempt(rep);
    }
    double free_blocks = total_blocks - rep.kv_blocks - decode_blocks;  // after this step's decodes
    if (!sch.chunked()) {
      // vllm: prompts first, whole, within the token budget (the first one whatever its size).
      std::vector<std::uint32_t> admitted;
      std::vector<double> prompts;
      double batched = 0;
      while (admissible(free_blocks)) {
        const double prompt = target(requests[rep.queue.front()]);
        if (!admitted.empty() && batched + prompt > budget) break;
        batched += prompt;
        prompts.push_back(prompt);
        admitted.push_back(rep.queue.front());
        admit(free_blocks);
      }
      if (!admitted.empty()) {
        const double now = busy_for(rep, prefill_time(rep, admitted, prompts));
        for (std::size_t i = 0; i < admitted.size(); ++i) prefill_to(admitted[i], prompts[i], now);
      } else {
        paged_decode(rep, admissible(free_blocks));
      }
      end_iteration(rep, r);
      continue;
    }
    // sarathi: every prefilled request decodes one token; prompt chunks fill the rest of the
    // budget, unfinished prompts first, then new requests in arrival order.
    double decodes = 0, decode_kv = 0;
    for (auto id : rep.running)
      if (requests[id].prefilled) decodes += 1, decode_kv += requests[id].cached + 1;
    double left = std::max(0.0, budget - decodes);
    std::vector<PrefillChunk> chunks;
    std::vector<std::pair<std::uint32_t, double>> to;  // request, cached tokens after the chunk
    const auto add_chunk = [&](std::uint32_t id) {  // its blocks are held since its admission
      const Request& q = requests[id];
      const double start = std::max<double>(q.cached, q.prefix);  // a new request's cached prefix is in already
      const double tokens = std::min(target(q) - start, left);
      left -= tokens;
      chunks.push_back({start, tokens, start + tokens >= target(q)});
      to.emplace_back(id, start + tokens);
    };
    for (auto id : rep.running)
      if (!requests[id].prefilled && left > 0) add_chunk(id);
    while (left > 0 && admissible(free_blocks)) {
      admit(free_blocks);
      add_chunk(rep.running.back());
    }
    if (chunks.empty() && decodes == static_cast<double>(rep.running.size())) {  // a decode-only batch: many steps at once
      paged_decode(rep, admissible(free_blocks));
      end_iteration(rep, r);
      continue;
    }
    const double now = busy_for(rep, rep.cost->mixed_step_s(decodes, decode_kv, chunks));
    for (auto id : rep.running) {
      Request& q = requests[id];
      if (!q.prefilled) continue;
      rep.kv_blocks += blocks(q.cached + 1) - blocks(q.cached);
      q.cached += 1, q.generated += 1;
      rep.outstanding -= 1;
    }
    for (const auto& [id, tokens] : to) prefill_to(id, tokens, now);
    end_iteration(rep, r);
  }
}

}  // namespace rcn
