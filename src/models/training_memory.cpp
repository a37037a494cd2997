#include "rcn/models/training_memory.hpp"

#include <algorithm>

#include "rcn/models/pipeline_stages.hpp"
#include "rcn/models/transformer_size.hpp"

namespace rcn {

namespace {

// layer_activation_bytes() with the MLP `ffn` wide (a MoE layer: its experts' total width per token).
double activation_bytes(const ModelSpec& m, double ffn, double b, int tp, bool sp, const std::string& recompute,
                        int cp, AttentionStorage attention) {
  const double s = static_cast<double>(m.seq) / cp, h = m.hidden, t = tp;
  const double sbh = s * b * h;
  const bool shard_all = sp && tp > 1;
  if (recompute == "full") return 2 * sbh / (shard_all ? t : 1.0);  // the layer input only
  // Korthikanti et al. Eq. 1 in units of s b h bytes (bf16 tensors, 1-byte dropout masks):
  //   attention block 11 = QKV input 2 + Q 2 + K 2 + V 2 + projection input 2 + dropout mask 1
  //     (K and V shrink with GQA: 2 + 2 + 4 g/a + 2 + 1 = 7 + 4 g/a);
  //   MLP block 19 = fc1 input 2 + GeLU input 8 + fc2 input 8 + dropout mask 1 for ffn = 4h
  //     (2 + 4 f/h + 1; gated: fc1 input 2, gate and up outputs 4 f/h, fc2 input 2 f/h: 2 + 6 f/h + 1);
  //   two layer norms 4 (their inputs).
  // Without dropout the two masks go.
  const double masks = m.dropout ? 1.0 : 0.0;
  const double g_over_a = static_cast<double>(m.kv_heads) / m.heads;
  double attn = 6 + 4 * g_over_a + masks;
  const double mlp = 2 + (m.gated_mlp ? 6.0 : 4.0) * ffn / h + masks;
  const double norms = 4;
  // Parts replicated across tp ranks without sequence parallelism: block inputs (2 + 2),
  // dropout masks, norms (4). Sequence parallelism shards them too (sec. 4.2.2).
  double replicated = 8 + 2 * masks;
  if (m.uses_mla()) {
    // MLA: Q and K qk = nope + rope wide per head, V and the projection input v wide; the
    // query and KV latents (with the shared rotary key), computed on every tp rank, are
    // replicated like the block input.
    const double qk = m.mla.qk_nope_head_dim + m.mla.qk_rope_head_dim, v = m.mla.v_head_dim;
    const double latents = 2.0 * (m.mla.q_lora_rank + m.mla.kv_lora_rank + m.mla.qk_rope_head_dim) / h;
    attn = 2 + latents + 2.0 * m.heads * (2 * qk + 2 * v) / h + masks;
    replicated += latents;
  } else if (m.head_dim > 0) {  // heads x head_dim need not be h (Qwen3)
    const double r = m.heads * m.head_size() / h;
    attn = 2 + 4 * r + 4 * r * g_over_a + masks;
  }
  const double sharded = attn + mlp + norms - replicated;
  double units = shard_all ? (attn + mlp + norms) / t : replicated + sharded / t;
  // Stored attention scores (softmax output 2, dropout mask 1 and output 2 per score of the
  // a x s x s_full matrix, heads split over tp): what selective recompute recomputes. Flash
  // attention never stores them, so there selective saves nothing more.
  if (attention == AttentionStorage::Materialized && recompute != "selective")
    units += (m.dropout ? 5.0 : 2.0) * m.heads * static_cast<double>(m.seq) / h / t;
  return units * sbh;
}

}  // namespace

double layer_activation_bytes(const ModelSpec& m, double b, int tp, bool sp, const std::string& recompute, int cp,
                              AttentionStorage attention) {
  return activation_bytes(m, m.ffn, b, tp, sp, recompute, cp, attention);
}

double moe_layer_activation_bytes(const ModelSpec& m, const ParallelismSpec& par, const std::string& recompute) {
  const double imbalance = std::max(1.0, par.moe_imbalance);
  const double width = (m.moe.shared_experts + m.moe.top_k * imbalance) * m.moe.expert_ffn;
  const double bytes = activation_bytes(m, width, par.micro_batch, par.tp, par.sequence_parallel, recompute, par.cp,
                                        AttentionStorage::Flash);
  if (recompute == "full") return bytes;
  const double sbh = static_cast<double>(m.seq) / par.cp * par.micro_batch * m.hidden;
  return bytes + 2.0 * m.moe.top_k * par.etp * imbalance * sbh / par.tp;
}

int first_stage_layers(const ModelSpec& m, const ParallelismSpec& par) { return stage_layers(m, par, 0).count; }

double stage_warmup_chunks(int p, int v, int m, int rank) {
  const long total = static_cast<long>(std::max(1, m)) * std::max(1, v);
  if (p <= 1) return std::max(1, v) - 1.0;  // no pipeline: one micro-batch's whole model, then its backward
  const long r = std::clamp(rank, 0, p - 1);
  // Megatron-Core pipeline_parallel/schedules.py (get_pp_rank_microbatches, and
  // forward_backward_pipelining_with_interleaving in core_v0.9): rank r runs
  // (p - r - 1) * 2 + (v - 1) * p forward chunks before its first backward with
  // interleaving (the group of contiguous micro-batches defaults to p), p - r - 1
  // without; m == p with interleaving runs every chunk forward first.
  long warmup = v > 1 ? 2L * (p - r - 1) + static_cast<long>(v - 1) * p : p - r - 1L;
  if (v > 1 && m == p) warmup = total;
  return static_cast<double>(std::min(warmup, total));
}

double first_stage_warmup_chunks(int p, int v, int m) { return stage_warmup_chunks(p, v, m, 0); }

double stage_in_flight(const ParallelismSpec& par, int micro_batches, int rank) {
  const int m = std::max(1, micro_batches);
  if (par.schedule == "gpipe") return m;
  // DualPipe: PP + 1 micro-batches (DeepSeek-V3 report, Table 2).
  if (par.schedule == "dualpipe") return std::min(m, std::max(1, par.pp) + 1);
  const int v = par.schedule == "interleaved-1f1b" ? std::max(1, par.virtual_stages) : 1;
  // The peak comes with the first steady-state forward: the warm-up chunks plus
  // that one hold their activations, each chunk 1/v of the stage's layers.
  const double total = static_cast<double>(m) * v;
  return std::min(total, stage_warmup_chunks(par.pp, v, m, rank) + 1) / v;
}

double first_stage_in_flight(const ParallelismSpec& par, int micro_batches) {
  return stage_in_flight(par, micro_batches, 0);
}

namespace {

// What the rank holding pipeline stage `i` holds; under DualPipe that rank also holds stage
// `twin` = pp - 1 - i (-1: none).
TrainingMemory stage_memory(const ModelSpec& m, const TrainingJobSpec& job, int i, int twin) {
  const auto& par = job.parallelism;
  const TransformerSize size = transformer_size(m);
  const double layer_params = size.attention_params_per_layer + size.mlp_params_per_layer + size.norm_params_per_layer;
  const StageLayers stage = stage_layers(m, par, i);
  const int n_layers = stage.count;
  // The first stage holds the input embedding; with pp = 1 it also holds an untied output head.
  // The last stage of a pipeline holds the output head, or with tied embeddings Megatron's copy
  // of the word embedding (kept in sync with the first stage's).
  const double embedding = static_cast<double>(m.vocab) * m.hidden;
  const double stage_embedding = par.pp == 1 ? size.embedding_params : (i == 0 || i == par.pp - 1 ? embedding : 0.0);
  TrainingMemory mem;
  mem.params_on_gpu = (n_layers * layer_params + stage_embedding) / par.tp;
  // A MoE model's stage: its own layers, the leading dense ones among them on the first
  // stage; each MoE layer's shared part split over tp, its experts over ep and etp.
  const int stage_moe = m.moe_layers_in(stage.first, n_layers);
  if (m.is_moe()) {
    const double shared = (n_layers - stage_moe) * size.dense_layer_params() +
                          stage_moe * size.moe_layer_dense_params() + stage_embedding;
    mem.expert_params_on_gpu = stage_moe * (static_cast<double>(m.moe.experts) / par.ep) * size.expert_params / par.etp;
    mem.params_on_gpu = shared / par.tp + mem.expert_params_on_gpu;
  }
  const StageLayers twin_stage = twin >= 0 && twin != i ? stage_layers(m, par, twin) : StageLayers{};
  if (twin >= 0 && twin != i) {
    // DualPipe (DeepSeek-V3 report, sec. 3.2.1 and Table 2): rank i also holds stage pp - 1 - i,
    // its layers and, on rank 0, the output head (twice the parameters of one stage).
    const int first_last = twin_stage.first, n_last = twin_stage.count;
    const int moe_last = m.moe_layers_in(first_last, n_last);
    const double head = m.tied_embeddings || twin != par.pp - 1 ? 0.0 : embedding;
    const double experts = m.is_moe() ? moe_last * (static_cast<double>(m.moe.experts) / par.ep) * size.expert_params / par.etp : 0.0;
    const double shared = m.is_moe() ? (n_last - moe_last) * size.dense_layer_params() + moe_last * size.moe_layer_dense_params()
                                     : n_last * layer_params;
    mem.expert_params_on_gpu += experts;
    mem.params_on_gpu += (shared + head) / par.tp + experts;
  }
  // Expert weights are held by the expert-data-parallel group: their shards are 1/edp.
  const double expert_shards = std::max(1, par.expert_data_parallel());
  const double ne = mem.expert_params_on_gpu;
  // Ranks holding the same weights: data parallel and context parallel ones (their
  // gradients are reduced together, Megatron's data-parallel-with-context group).
  const double shards = static_cast<double>(par.dp) * par.cp;
  const double n = mem.params_on_gpu;
  const double g = par.gradient_bytes();                           // gradient buffer bytes
  const double moments = par.optimizer_dtype == "bf16" ? 4.0 : 8.0;  // Adam m and v
  if (par.optimizer == "apex") {
    // Apex contrib/optimizers/distributed_fused_adam.py as NeMo (megatron_base_model.py
    // setup_optimization, megatron_gpt_model.py configure_optimizers) sets it up:
    // params are views of a full bf16 buffer (2); contiguous_grad_buffer keeps a full
    // gradient buffer in grad_sync_dtype (g) and each bucket's reduce-scatter output
    // (g / d); the state shard holds m, v and, with fp32 state and bf16 params, the
    // low 16 bits of the fp32 master weights (store_param_remainders: 2 / d), with bf16
    // state no master copy (store_params false). The word embedding's gradients are fp32
    // (with_fp32_embedding_grads, default true): 4 + 4 / d for those parameters.
    const double emb = stage_embedding / par.tp;
    const double emb_fp32 = 4.0 - g;  // extra bytes per embedding parameter in each gradient buffer
    mem.weights_bytes = 2 * n;
    mem.gradients_bytes = g * n + g * n / shards + emb_fp32 * emb * (1 + 1 / shards);
    mem.optimizer_bytes = ((par.optimizer_dtype == "bf16" ? 0.0 : 2.0) + moments) * n / shards;
  } else {
    // Megatron docs/distrib_optimizer.md: bf16 params, fp32 grads 18 -> 6 + 12/d;
    // 16-bit grads 20 -> 4 + 16/d (the optimizer keeps its own fp32 copy of its gradient shard).
    const double optimizer = 4 + moments + (g == 2.0 ? 4.0 : 0.0);  // fp32 master + m, v (+ fp32 grad copy)
    mem.weights_bytes = 2 * n / (par.zero >= 3 ? shards : 1.0);
    mem.gradients_bytes = g * n / (par.zero >= 2 ? shards : 1.0);
    mem.optimizer_bytes = optimizer * n / (par.zero >= 1 ? shards : 1.0);
    if (ne > 0) {  // the same, the routed experts sharded over their own group
      const double nd = n - ne;
      mem.weights_bytes = 2 * (nd / (par.zero >= 3 ? shards : 1.0) + ne / (par.zero >= 3 ? expert_shards : 1.0));
      mem.gradients_bytes = g * (nd / (par.zero >= 2 ? shards : 1.0) + ne / (par.zero >= 2 ? expert_shards : 1.0));
      mem.optimizer_bytes =
          optimizer * (nd / (par.zero >= 1 ? shards : 1.0) + ne / (par.zero >= 1 ? expert_shards : 1.0));
    }
  }
  if (job.precision == "fp8") {
    // fp8 GEMMs read fp8 copies of the layers' weights, cast once per step and kept: the weight
    // and its transpose (Hopper's fp8 tensor cores take only the TN layout), 2 bytes per
    // parameter outside the embedding and head, which stay in bf16; master weights, gradients
    // and optimizer state keep their precision (DeepSeek-V3 report, sec. 3.3).
    const double outside_layers = stage_embedding / par.tp;
    mem.weights_bytes += 2 * std::max(0.0, n - outside_layers);
  }
  mem.activations_per_layer_bytes =
      layer_activation_bytes(m, par.micro_batch, par.tp, par.sequence_parallel, par.recompute, par.cp);
  mem.in_flight_micro_batches = stage_in_flight(par, job.micro_batches(), i);
  // DualPipe's micro-batches in flight count in units of one stage: the larger of the rank's two.
  const int twin_moe = m.moe_layers_in(twin_stage.first, twin_stage.count);
  const int act_layers = std::max(n_layers, twin_stage.count);
  const int act_moe = twin_stage.count > n_layers ? twin_moe : stage_moe;
  if (!m.is_moe()) {
    mem.activations_bytes = mem.activations_per_layer_bytes * act_layers * mem.in_flight_micro_batches;
    if (par.recompute == "full")  // one layer is recomputed at a time with its whole working set
      mem.activations_bytes +=
          layer_activation_bytes(m, par.micro_batch, par.tp, par.sequence_parallel, "none", par.cp);
  } else {
    const double moe_layer = moe_layer_activation_bytes(m, par, par.recompute);
    const double held = (act_layers - act_moe) * mem.activations_per_layer_bytes + act_moe * moe_layer;
    mem.activations_per_layer_bytes = act_layers > 0 ? held / act_layers : 0.0;
    mem.activations_bytes = held * mem.in_flight_micro_batches;
    if (par.recompute == "full")
      mem.activations_bytes += std::max(
          stage_moe > 0 ? moe_layer_activation_bytes(m, par, "none") : 0.0,
          layer_activation_bytes(m, par.micro_batch, par.tp, par.sequence_parallel, "none", par.cp));
  }
  mem.total_bytes = mem.weights_bytes + mem.gradients_bytes + mem.optimizer_bytes + mem.activations_bytes;
  return mem;
}

}  // namespace

TrainingMemory training_memory(const ModelSpec& m, const TrainingJobSpec& job) {
  const auto& par = job.parallelism;
  // DualPipe's rank r holds stages r and pp - 1 - r: ranks 0 to pp/2 - 1 cover every stage.
  const bool dual = par.schedule == "dualpipe" && par.pp > 1;
  const int ranks = dual ? (par.pp + 1) / 2 : par.pp;
  auto rank_memory = [&](int r) { return stage_memory(m, job, r, dual ? par.pp - 1 - r : -1); };
  TrainingMemory peak = rank_memory(0);
  peak.sync_params = peak.params_on_gpu, peak.sync_expert_params = peak.expert_params_on_gpu;
  // An even split's first stage holds the most, parameters and activations: the same layers
  // as every other stage (the last one's head weighs what the first one's embedding does) and
  // the most micro-batches in flight. An uneven one may peak on another stage (Llama 3's
  // second stage: 8 layers where the first holds 7), a MoE model's on a later stage with more
  // expert layers.
  if (!dual && !m.is_moe() && !custom_stage_split(par)) return peak;
  double sync_params = peak.sync_params, sync_expert_params = peak.sync_expert_params;
  for (int r = 1; r < ranks; ++r) {
    const TrainingMemory other = rank_memory(r);
    if (other.params_on_gpu > sync_params)
      sync_params = other.params_on_gpu, sync_expert_params = other.expert_params_on_gpu;
    if (other.total_bytes > peak.total_bytes) peak = other;
  }
  peak.sync_params = sync_params, peak.sync_expert_params = sync_expert_params;
  return peak;
}

}  // namespace rcn
