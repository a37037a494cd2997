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

double first_stage_in_flight(const ParallelismSpec& par, int micro_batches) {
  const double m = std::max(1, micro_batches), p = par.pp, v = par.virtual_stages;
  if (par.schedule == "gpipe") return m;
  return std::min(m, par.schedule == "interleaved-1f1b" ? p * (1 + (p - 1) / (p * v)) : p);
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
  const bool fp32_grads = par.gradient_dtype != "bf16";
  // Megatron docs/distrib_optimizer.md: bf16 params, fp32 grads 18 -> 6 + 12/d;
  // 16-bit grads 20 -> 4 + 16/d (the optimizer keeps its own fp32 copy of its gradient shard).
  mem.weights_bytes = 2 * mem.params_on_gpu / (par.zero >= 3 ? shards : 1.0);
  mem.gradients_bytes = (fp32_grads ? 4 : 2) * mem.params_on_gpu / (par.zero >= 2 ? shards : 1.0);
  mem.optimizer_bytes = (fp32_grads ? 12 : 16) * mem.params_on_gpu / (par.zero >= 1 ? shards : 1.0);
  mem.activations_per_layer_bytes =
      layer_activation_bytes(m, par.micro_batch, par.tp, par.sequence_parallel, par.recompute, par.cp);
  const int micro_batches = std::max(1, job.global_batch / std::max(1, par.dp * par.micro_batch));
  mem.in_flight_micro_batches = first_stage_in_flight(par, micro_batches);
  mem.activations_bytes = mem.activations_per_layer_bytes * layers_per_stage * mem.in_flight_micro_batches;
  if (par.recompute == "full")  // one layer is recomputed at a time with its whole working set
    mem.activations_bytes +=
        layer_activation_bytes(m, par.micro_batch, par.tp, par.sequence_parallel, "none", par.cp);
  mem.total_bytes = mem.weights_bytes + mem.gradients_bytes + mem.optimizer_bytes + mem.activations_bytes;
  return mem;
}

}  // namespace rcn
