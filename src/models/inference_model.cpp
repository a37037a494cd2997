#include "rcn/models/inference_model.hpp"

#include <algorithm>
#include <cmath>

#include "rcn/models/attention_model.hpp"
#include "rcn/models/collective_model.hpp"
#include "rcn/models/transformer_size.hpp"

namespace rcn {

InferenceCost::InferenceCost(const ModelSpec& model, const HardwareProfile& gpu, int tp, const std::string& precision)
    : model_(model), gpu_(gpu), gemm_(gpu), tp_(std::max(1, tp)), precision_(precision) {
  weight_bytes_ = bytes_per_element(precision) * transformer_size(model).total_params;
  const double head_dim = static_cast<double>(model.hidden) / model.heads;
  kv_bytes_per_token_ = 2.0 /*K,V*/ * model.layers * model.kv_heads * head_dim * 2.0 /*bf16*/;
  const double usable = 0.9 * gpu.memory_bytes * tp_;
  kv_capacity_ = std::max(0.0, (usable - weight_bytes_) / kv_bytes_per_token_);
  hbm_rate_ = gpu.hbm_bandwidth * gpu.hbm_efficiency * tp_;
}

double InferenceCost::tp_allreduce_s(double tokens) const {
  if (tp_ <= 1) return 0;
  auto it = allreduce_cache_.find(tokens);
  if (it != allreduce_cache_.end()) return it->second;
  CollectiveFabric f;
  f.scale_up = {gpu_.scale_up.links * gpu_.scale_up.link_bandwidth, gpu_.scale_up.hop_latency};
  f.nvls_bus_bandwidth = gpu_.scale_up.nvls_bus_bandwidth;
  // Two all-reduces of the activations per layer (after attention and after the MLP).
  const double t =
      2 * model_.layers * collective_time(CollectiveOp::AllReduce, tokens * model_.hidden * 2.0, tp_, tp_, f).seconds;
  allreduce_cache_.emplace(tokens, t);
  return t;
}

double InferenceCost::layer_gemms_s(double tokens) const {
  auto it = gemm_cache_.find(tokens);
  if (it != gemm_cache_.end()) return it->second;
  const double h = model_.hidden, f = model_.ffn, head_dim = h / model_.heads;
  const double qkv_n = (h + 2.0 * model_.kv_heads * head_dim) / tp_;
  const double t = model_.layers * (gemm_.seconds(precision_, tokens, qkv_n, h) + gemm_.seconds(precision_, tokens, h, h / tp_) +
                                    gemm_.seconds(precision_, tokens, (model_.gated_mlp ? 2 : 1) * f / tp_, h) +
                                    gemm_.seconds(precision_, tokens, h, f / tp_));
  gemm_cache_.emplace(tokens, t);
  return t;
}

double InferenceCost::prefill_s(const std::vector<double>& prompts) const {
  double tokens = 0;
  for (double p : prompts) tokens += p;
  if (tokens <= 0) return 0;
  const double head_dim = static_cast<double>(model_.hidden) / model_.heads;
  double attention = 0;
  for (double p : prompts) {
    auto it = attention_cache_.find(p);
    if (it == attention_cache_.end())
      it = attention_cache_
               .emplace(p, flash_attention_time(gpu_, gemm_, 1, model_.heads / static_cast<double>(tp_), p, head_dim,
                                                true).forward_s)
               .first;
    attention += it->second;
  }
  const double logits = gemm_.seconds(precision_, static_cast<double>(prompts.size()), model_.vocab / tp_, model_.hidden);
  return layer_gemms_s(tokens) + model_.layers * attention + logits + tp_allreduce_s(tokens);
}

double InferenceCost::decode_step_s(double batch, double kv_tokens) const {
  if (batch <= 0) return 0;
  // Memory: every step reads all weights once and the batch's KV cache.
  const double memory = (weight_bytes_ + kv_tokens * kv_bytes_per_token_) / hbm_rate_;
  // Compute: the layer GEMMs at m = batch (skinny, so the table's decode shapes apply), and the logits.
  auto it = gemm_cache_.find(-batch);  // negative keys: layer GEMMs plus logits at m = batch
  if (it == gemm_cache_.end())
    it = gemm_cache_.emplace(-batch, layer_gemms_s(batch) + gemm_.seconds(precision_, batch, model_.vocab / tp_, model_.hidden))
             .first;
  return std::max(memory, it->second) + tp_allreduce_s(batch);
}

}  // namespace rcn
