#pragma once
// One LLM serving replica (tensor parallel inside a server) as a cost model:
// prefill is compute-bound (the layer GEMMs at m = prompt tokens, flash
// attention per prompt), a decode step is bound by reading the weights and
// the batch's KV cache from HBM, or by the GEMMs when batches grow. The KV
// cache that fits next to the weights limits the batch.
#include <unordered_map>
#include <vector>

#include "rcn/models/gemm_model.hpp"
#include "rcn/scenario/hardware_profile.hpp"
#include "rcn/scenario/scenario.hpp"

namespace rcn {

class InferenceCost {
 public:
  InferenceCost(const ModelSpec& model, const HardwareProfile& gpu, int tp, const std::string& precision);

  // Seconds to prefill prompts of these lengths together (one iteration).
  double prefill_s(const std::vector<double>& prompt_tokens) const;
  // Seconds of one decode step for `batch` requests holding `kv_tokens` tokens of cache in all.
  double decode_step_s(double batch, double kv_tokens) const;
  // Tokens of KV cache the replica holds next to its weights (90% of GPU memory usable).
  double kv_capacity_tokens() const { return kv_capacity_; }

 private:
  const ModelSpec model_;
  const HardwareProfile& gpu_;
  GemmModel gemm_;
  int tp_;
  std::string precision_;
  double weight_bytes_ = 0, kv_bytes_per_token_ = 0, kv_capacity_ = 0, hbm_rate_ = 0;
  double tp_allreduce_s(double tokens) const;
  double layer_gemms_s(double tokens) const;  // the four layer GEMMs at m = tokens, all layers
  // Memoised by token count and prompt length: a replica asks about the same shapes again and again.
  mutable std::unordered_map<double, double> gemm_cache_, attention_cache_, allreduce_cache_;
};

}  // namespace rcn
