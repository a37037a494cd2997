#include "rcn/models/replica_scheduler.hpp"

namespace rcn {

BatchLimits batch_limits(const InferenceServiceSpec& spec, const ModelSpec& model, const InferenceCost& cost) {
  const ReplicaSchedulerSpec& sch = spec.scheduler;
  BatchLimits lim;
  lim.paged = sch.paged(), lim.chunked = sch.chunked();
  lim.max_batch = spec.max_batch;
  lim.capacity = cost.kv_capacity_tokens();
  lim.kv_block = sch.kv_block;
  lim.block = sch.kv_block;
  lim.total_blocks = std::floor(lim.capacity / lim.block);
  // vLLM's watermark (1% of the blocks): a new request is admitted only if that many stay free
  // after its prompt, room for the running requests' next blocks, so that a request just
  // preempted is not taken straight back in (and preempted again) before one finishes.
  lim.watermark = std::floor(0.01 * lim.total_blocks);
  // orca: prompt tokens per admission (0: none). vLLM v0's default budget without chunked
  // prefill: max(model length, 2048); sarathi's is set when loading.
  lim.budget = !lim.paged || sch.max_batched_tokens > 0 ? sch.max_batched_tokens
                                                         : std::max(2048.0, static_cast<double>(model.seq));
  return lim;
}

}  // namespace rcn
