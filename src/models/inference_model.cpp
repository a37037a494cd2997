#include "rcn/models/inference_model.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "rcn/models/cluster_fabric.hpp"
#include "rcn/models/transformer_size.hpp"

namespace rcn {

namespace {
constexpr double kActivationBytes = 2.0;  // bf16 activations, KV cache and logits
constexpr double kLogitBytes = 4.0;       // sampling works on fp32 logits

// The memoised value for `key`, computed once.
template <class Compute>
double cached(std::unordered_map<double, double>& cache, double key, Compute&& compute) {
  auto it = cache.find(key);
  if (it == cache.end()) it = cache.emplace(key, compute()).first;
  return it->second;
}
}  // namespace

InferenceCost::InferenceCost(const ModelSpec& model, const HardwareProfile& gpu, int tp, const std::string& precision,
                             bool cuda_graphs, const ServingEngineSpec& engine, int pp, const ClusterLinks& links,
                             int ep, int tp_servers)
    : model_(model), eager_(gpu, false), decode_(gpu, cuda_graphs), tp_(std::max(1, tp)), pp_(std::max(1, pp)),
      ep_(std::max(1, ep)), tp_servers_(std::max(1, tp_servers)), precision_(precision), engine_(engine),
      fabric_(collective_fabric(gpu, tp_servers_ > 1 ? links : ClusterLinks{})),
      pp_fabric_(collective_fabric(gpu, links)) {
  if (ep_ > 1 && (!model.is_moe() || tp_ % ep_ != 0 || model.moe.experts % ep_ != 0))
    throw std::invalid_argument("expert parallelism needs a MoE model whose experts and stage GPUs ep divides");
  if (tp_servers_ > 1 && (pp_ > 1 || tp_ % tp_servers_ != 0 || ep_ % tp_servers_ != 0 || !(fabric_.scale_out.bandwidth > 0)))
    throw std::invalid_argument("a stage spanning servers needs pp 1, tp and ep divisible by its servers, and a fabric");
  // Expert parallelism moves experts between GPUs but shards them over the same tp GPUs of a
  // stage (E / ep experts x 1 / (tp / ep) of each = 1 / tp of them all), so the weights per GPU,
  // and so the KV capacity, are those of tensor parallelism.
  weight_bytes_ = bytes_per_element(precision) * transformer_size(model).total_params;
  const double head_dim = static_cast<double>(model.hidden) / model.heads;
  kv_bytes_per_token_ = 2.0 /*K,V*/ * model.layers * model.kv_heads * head_dim * kActivationBytes;
  const double usable = 0.9 * gpu.memory_bytes * tp_ * pp_;  // every stage's GPUs
  kv_capacity_ = std::max(0.0, (usable - weight_bytes_) / kv_bytes_per_token_);
  if (model.uses_mla()) {
    // MLA caches the KV latent and the shared rotary key per layer and token, whole on every
    // tensor-parallel rank (each rank's heads expand it), so a token costs tp times its bytes.
    // Each pipeline stage holds only its own layers' latents: pp does not multiply it again.
    kv_bytes_per_token_ = model.layers * (model.mla.kv_lora_rank + model.mla.qk_rope_head_dim) * kActivationBytes;
    kv_capacity_ = std::max(0.0, (usable - weight_bytes_) / (kv_bytes_per_token_ * tp_));
  }
}

double InferenceCost::iteration_s(double gpu_s, double host_s, bool overlapped) {
  return overlapped ? std::max(gpu_s, host_s) : gpu_s + host_s;
}

double InferenceCost::gemm_s(const KernelModel& k, double m, double n, double kk) const {
  const double table = eager_.gemm_s(precision_, m, n, kk) - eager_.launch_s() + k.launch_s();
  const double operands = bytes_per_element(precision_) * (m * kk + kk * n + m * n);
  return std::max(table, operands / k.hbm_rate() + k.launch_s());
}

double InferenceCost::pipeline_sends_s(double T) const {
  if (pp_ <= 1 || T <= 0) return 0;
  const double hidden_bytes = T * model_.hidden * kActivationBytes;
  double send = collective_time(CollectiveOp::SendRecv, hidden_bytes / tp_, 2, 1, pp_fabric_).seconds;
  if (tp_ > 1) send += collective_time(CollectiveOp::AllGather, hidden_bytes, tp_, tp_, fabric_).seconds;
  return (pp_ - 1) * send;
}

double InferenceCost::expert_all_to_all_s(double T) const {
  if (ep_ <= 1 || T <= 0) return 0;
  const double sent = T / ep_ * model_.moe.top_k * model_.hidden * kActivationBytes;
  // dispatch + combine; ep / tp_servers ranks in each server of the stage
  return 2 * collective_time(CollectiveOp::AllToAll, sent, ep_, ep_ / tp_servers_, fabric_).seconds;
}

double InferenceCost::expert_bytes_per_gpu() const {
  const TransformerSize size = transformer_size(model_);
  return bytes_per_element(precision_) * size.moe_layers * model_.moe.experts * size.expert_params / (tp_ * pp_);
}

double InferenceCost::token_kernels_s(const KernelModel& k, double T) const {
  const double t = tp_, h = model_.hidden, f = model_.ffn / t, d = h / model_.heads;
  const double q_heads = model_.heads / t, kv_heads = model_.kv_heads / t, act = kActivationBytes;
  // GEMMs on this rank's share of the weights (column- then row-parallel).
  const double gemms = gemm_s(k, T, (q_heads + 2 * kv_heads) * d, h)  // QKV
                       + gemm_s(k, T, h, q_heads * d)                  // output projection
                       + gemm_s(k, T, (model_.gated_mlp ? 2 : 1) * f, h)  // fc1 (gate + up)
                       + gemm_s(k, T, h, f);                           // fc2
  // Memory-bound kernels, bytes read + written: RMSNorm reads and writes T x h; rotary reads
  // and writes Q and K and appends K and V to the cache; a residual add reads 2 and writes 1;
  // the activation reads the fc1 output and writes T x f (gated: reads 2 T x f).
  const double norm = k.memory_bound_s(2 * T * h * act);
  const double rotary = k.memory_bound_s(T * d * act * (2 * q_heads + 4 * kv_heads));
  const double residual = k.memory_bound_s(3 * T * h * act);
  const double activation = k.memory_bound_s((model_.gated_mlp ? 3 : 2) * T * f * act);
  const double layer = gemms + 2 * norm + rotary + 2 * residual + activation;
  // Vocabulary-parallel embedding (gather rows, write T x h), then one all-reduce of it and two
  // per layer (after attention and after the MLP), as vLLM's Llama does.
  const double embedding = k.memory_bound_s(2 * T * h * act);
  const double allreduce =
      tp_ > 1 ? collective_time(CollectiveOp::AllReduce, T * h * act, tp_, tp_ / tp_servers_, fabric_).seconds : 0.0;
  if (model_.is_moe()) {
    const int moe_layers = model_.moe_layers_in(0, model_.layers);
    const double dense_mlp = gemm_s(k, T, (model_.gated_mlp ? 2 : 1) * f, h) + gemm_s(k, T, h, f) + activation;
    const double moe_layer = layer - dense_mlp + moe_mlp_s(k, T);
    return embedding + (model_.layers - moe_layers) * layer + moe_layers * moe_layer +
           (2.0 * model_.layers + 1) * allreduce + norm + pipeline_sends_s(T);
  }
  // The pipeline's stages run one after another, so their layers add up as on one server; the
  // stage boundaries add their sends.
  return embedding + model_.layers * layer + (2.0 * model_.layers + 1) * allreduce + norm /*final norm*/ +
         pipeline_sends_s(T);
}

double InferenceCost::moe_mlp_s(const KernelModel& k, double T) const {
  const double h = model_.hidden, E = model_.moe.experts;
  const double fe = static_cast<double>(model_.moe.expert_ffn) / (tp_ / ep_);  // an expert's share per rank
  const double top_k = model_.moe.top_k, act = kActivationBytes, fc1 = (model_.gated_mlp ? 2 : 1) * fe;
  // Experts the T tokens route to, in expectation under uniform routing: E (1 - (1 - k/E)^T).
  // Each one's weights are read once (its GEMM pair on its T k / touched token-copies): at
  // decode's small batches that, not the FLOPs, is the cost of a MoE layer.
  const double touched = std::min(E, E * (1 - std::pow(1 - top_k / E, T)));
  const double rows = T * top_k / std::max(1.0, touched);
  double s = gemm_s(k, T, E, h);  // router (replicated over tp)
  s += k.memory_bound_s(2 * T * E * 4.0) + k.memory_bound_s(4 * T * top_k * h * act, 2);  // top-k; permute, combine
  if (model_.moe.shared_experts > 0) {
    const double fs = model_.moe.shared_experts * static_cast<double>(model_.moe.expert_ffn) / tp_;  // tensor parallel
    s += gemm_s(k, T, (model_.gated_mlp ? 2 : 1) * fs, h) + gemm_s(k, T, h, fs) +
         k.memory_bound_s((model_.gated_mlp ? 3 : 2) * T * fs * act);
  }
  // A rank runs the touched experts it holds (1 / ep of them) on its share of their copies.
  s += touched / ep_ * (gemm_s(k, rows, fc1, h) + gemm_s(k, rows, h, fe));
  s += k.memory_bound_s((model_.gated_mlp ? 3 : 2) * T * top_k / ep_ * fe * act);
  return s + expert_all_to_all_s(T);
}

double InferenceCost::head_s(const KernelModel& k, double rows) const {
  const double vocab = model_.vocab;
  const double logits = gemm_s(k, rows, vocab / tp_, model_.hidden);
  // Each rank holds vocab / tp columns; the sampler sees them all (vLLM's LogitsProcessor gathers).
  const double gather =
      tp_ > 1 ? collective_time(CollectiveOp::AllGather, rows * vocab * kActivationBytes, tp_, tp_ / tp_servers_, fabric_).seconds
              : 0.0;
  // Sampling: one pass over the fp32 logits of every row (softmax, top-k/top-p, draw).
  return logits + gather + k.memory_bound_s(rows * vocab * kLogitBytes);
}

double InferenceCost::decode_attention_s(const KernelModel& k, double batch, double kv_tokens) const {
  // One kernel per layer reads this rank's share of every running request's K and V, plus the
  // new token's query and output.
  const double d = static_cast<double>(model_.hidden) / model_.heads;
  const double kv_shards = model_.uses_mla() ? 1.0 : tp_;  // MLA: every rank reads the whole latent
  const double kv_read = kv_tokens * kv_bytes_per_token_ / (model_.layers * kv_shards);
  const double q_and_out = 2 * batch * model_.heads / static_cast<double>(tp_) * d * kActivationBytes;
  return model_.layers * k.memory_bound_s(kv_read + q_and_out);
}

double InferenceCost::prompt_attention_s(double p) const {
  if (p <= 0) return 0;
  return cached(prefill_attention_cache_, p, [&] {
    const double d = static_cast<double>(model_.hidden) / model_.heads;
    return model_.layers * eager_.attention(1, model_.heads / static_cast<double>(tp_), p, d, true).forward_s;
  });
}

double InferenceCost::prefill_s(const std::vector<double>& prompts) const {
  double tokens = 0;
  for (double p : prompts) tokens += p;
  if (tokens <= 0) return 0;
  double attention = 0;
  for (double p : prompts) attention += prompt_attention_s(p);
  const double rows = static_cast<double>(prompts.size());  // logits of each prompt's last token only
  const double gpu = cached(prefill_tokens_cache_, tokens, [&] { return token_kernels_s(eager_, tokens); }) +
                     attention + cached(prefill_head_cache_, rows, [&] { return head_s(eager_, rows); });
  // A prefill is one scheduler iteration of its own, also under multi-step scheduling (vLLM runs
  // prompts with no lookahead steps).
  return iteration_s(gpu, engine_.host_overhead, engine_.overlapped);
}

double InferenceCost::decode_step_s(double batch, double kv_tokens) const {
  if (batch <= 0) return 0;
  auto it = decode_cache_.find(batch);
  if (it == decode_cache_.end())
    it = decode_cache_.emplace(batch, token_kernels_s(decode_, batch) + head_s(decode_, batch)).first;
  const double gpu = it->second + decode_attention_s(decode_, batch, std::max(0.0, kv_tokens));
  // With multi-step scheduling one iteration's CPU work serves scheduler_steps decode steps.
  return iteration_s(gpu, engine_.host_overhead / std::max(1, engine_.scheduler_steps), engine_.overlapped);
}

double InferenceCost::mixed_step_s(double decodes, double decode_kv_tokens,
                                   const std::vector<PrefillChunk>& chunks) const {
  double tokens = decodes, rows = decodes, attention = 0;
  for (const PrefillChunk& c : chunks) {
    if (c.tokens <= 0) continue;
    tokens += c.tokens;
    rows += c.last ? 1 : 0;
    // The chunk's rows of the causal attention over done + tokens keys: the whole prompt's work so
    // far less the part already done (flash attention is causal, so earlier rows never see later keys).
    attention += std::max(0.0, prompt_attention_s(c.done + c.tokens) - prompt_attention_s(c.done));
  }
  if (tokens <= decodes) return decode_step_s(decodes, decode_kv_tokens);
  if (decodes > 0) attention += decode_attention_s(eager_, decodes, std::max(0.0, decode_kv_tokens));
  const double gpu = cached(prefill_tokens_cache_, tokens, [&] { return token_kernels_s(eager_, tokens); }) +
                     attention + (rows > 0 ? cached(prefill_head_cache_, rows, [&] { return head_s(eager_, rows); }) : 0);
  return iteration_s(gpu, engine_.host_overhead, engine_.overlapped);
}

}  // namespace rcn
