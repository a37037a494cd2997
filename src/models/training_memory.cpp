#include "rcn/models/training_memory.hpp"

#include <algorithm>

#include "rcn/models/transformer_size.hpp"

namespace rcn {

double layer_activation_bytes(const ModelSpec& m, double b, int tp, bool sp, const std::string& recompute, int cp,
                              AttentionStorage attention) {
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
  const double attn = 6 + 4 * g_over_a + masks;
  const double mlp = 2 + (m.gated_mlp ? 6.0 : 4.0) * m.ffn / h + masks;
  const double norms = 4;
  // Parts replicated across tp ranks without sequence parallelism: block inputs (2 + 2),
  // dropout masks, norms (4). Sequence parallelism shards them too (sec. 4.2.2).
  const double replicated = 8 + 2 * masks;
  const double sharded = attn + mlp + norms - replicated;
  double units = shard_all ? (attn + mlp + norms) / t : replicated + sharded / t;
  // Stored attention scores (softmax output 2, dropout mask 1 and output 2 per score of the
  // a x s x s_full matrix, heads split over tp): what selective recompute recomputes. Flash
  // attention never stores them, so there selective saves nothing more.
  if (attention == AttentionStorage::Materialized && recompute != "selective")
    units += (m.dropout ? 5.0 : 2.0) * m.heads * static_cast<double>(m.seq) / h / t;
  return units * sbh;
}

double first_stage_warmup_chunks(int p, int v, int m) {
  const long total = static_cast<long>(std::max(1, m)) * std::max(1, v);
  if (p <= 1) return std::max(1, v) - 1.0;  // no pipeline: one micro-batch's whole model, then its backward
  // Megatron-Core pipeline_parallel/schedules.py (get_pp_rank_microbatches, and
  // forward_backward_pipelining_with_interleaving in core_v0.9): rank r runs
  // (p - r - 1) * 2 + (v - 1) * p forward chunks before its first backward with
  // interleaving (the group of contiguous micro-batches defaults to p), p - r - 1
  // without; m == p with interleaving runs every chunk forward first.
  long warmup = v > 1 ? 2L * (p - 1) + static_cast<long>(v - 1) * p : p - 1L;
  if (v > 1 && m == p) warmup = total;
  return static_cast<double>(std::min(warmup, total));
}

double first_stage_in_flight(const ParallelismSpec& par, int micro_batches) {
  const int m = std::max(1, micro_batches);
  if (par.schedule == "gpipe") return m;
  const int v = par.schedule == "interleaved-1f1b" ? std::max(1, par.virtual_stages) : 1;
  // The peak comes with the first steady-state forward: the warm-up chunks plus
  // that one hold their activations, each chunk 1/v of the stage's layers.
  const double total = static_cast<double>(m) * v;
  return std::min(total, first_stage_warmup_chunks(par.pp, v, m) + 1) / v;
}

TrainingMemory training_memory(const ModelSpec& m, const TrainingJobSpec& job) {
  const auto& par = job.parallelism;
  const TransformerSize size = transformer_size(m);
  const double layer_params = size.attention_params_per_layer + size.mlp_params_per_layer + size.norm_params_per_layer;
  const double layers_per_stage = static_cast<double>(m.layers) / par.pp;
  // The first stage holds the input embedding; with pp = 1 it also holds an untied output head.
  const double embedding = static_cast<double>(m.vocab) * m.hidden;
  const double stage_embedding = par.pp == 1 ? size.embedding_params : embedding;
  TrainingMemory mem;
  mem.params_on_gpu = (layers_per_stage * layer_params + stage_embedding) / par.tp;
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
  }
  mem.activations_per_layer_bytes =
      layer_activation_bytes(m, par.micro_batch, par.tp, par.sequence_parallel, par.recompute, par.cp);
  mem.in_flight_micro_batches = first_stage_in_flight(par, job.micro_batches());
  mem.activations_bytes = mem.activations_per_layer_bytes * layers_per_stage * mem.in_flight_micro_batches;
  if (par.recompute == "full")  // one layer is recomputed at a time with its whole working set
    mem.activations_bytes +=
        layer_activation_bytes(m, par.micro_batch, par.tp, par.sequence_parallel, "none", par.cp);
  mem.total_bytes = mem.weights_bytes + mem.gradients_bytes + mem.optimizer_bytes + mem.activations_bytes;
  return mem;
}

}  // namespace rcn
