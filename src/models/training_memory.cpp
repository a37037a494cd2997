#include "rcn/models/training_memory.hpp"

#include <algorithm>

#include "rcn/models/transformer_size.hpp"

namespace rcn {

double layer_activation_bytes(const ModelSpec& m, double b, int tp, bool sp, const std::string& recompute) {
  const double s = m.seq, h = m.hidden, t = tp;
  const double sbh = s * b * h;
  if (recompute == "full") return 2 * sbh / (sp && tp > 1 ? t : 1.0);  // the layer input only
  // Korthikanti et al. Eq. 1 in units of s b h bytes (bf16, dropout masks 1 B):
  //   attention block 11 (K and V inputs shrink with GQA: 7 + 4 g/a), MLP block 19
  //   for ffn = 4h (3 + 4 ffn/h; gated: 3 + 6 ffn/h), two layer norms 4.
  // Tensor parallelism splits the parts inside the attention and MLP blocks;
  // sequence parallelism also splits the layer norms, dropouts and block inputs.
  const double g_over_a = static_cast<double>(m.kv_heads) / m.heads;
  const double attn = 7 + 4 * g_over_a;
  const double mlp = 3 + (m.gated_mlp ? 6.0 : 4.0) * m.ffn / h;
  const double norms = 4;
  // Parts replicated across tp ranks without SP: block inputs (2 + 2), dropout masks (1 + 1), norms (4).
  const double replicated = 10;
  const double sharded = attn + mlp + norms - replicated;
  // Selective recompute drops the s x s attention scores (5 a s / h), which
  // flash attention never stores, so it saves nothing more here.
  const double units = (sp && tp > 1) ? (attn + mlp + norms) / t : replicated + sharded / t;
  return units * sbh;
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
  const double dp = par.dp;
  mem.weights_bytes = 2 * mem.params_on_gpu / (par.zero >= 3 ? dp : 1.0);
  mem.gradients_bytes = 4 * mem.params_on_gpu / (par.zero >= 2 ? dp : 1.0);
  mem.optimizer_bytes = 12 * mem.params_on_gpu / (par.zero >= 1 ? dp : 1.0);
  mem.activations_per_layer_bytes =
      layer_activation_bytes(m, par.micro_batch, par.tp, par.sequence_parallel, par.recompute);
  // 1F1B: the first stage holds p micro-batches in flight (interleaved: x (1 + (p-1)/(p v))).
  const int micro_batches = std::max(1, job.global_batch / std::max(1, par.dp * par.micro_batch));
  double in_flight = std::min<double>(par.pp, micro_batches);
  if (par.virtual_stages > 1) in_flight *= 1 + (par.pp - 1.0) / (par.pp * par.virtual_stages);
  if (par.schedule == "gpipe") in_flight = micro_batches;
  mem.activations_bytes = mem.activations_per_layer_bytes * layers_per_stage * in_flight;
  if (par.recompute == "full")  // one layer is recomputed at a time with its whole working set
    mem.activations_bytes += layer_activation_bytes(m, par.micro_batch, par.tp, par.sequence_parallel, "none");
  mem.total_bytes = mem.weights_bytes + mem.gradients_bytes + mem.optimizer_bytes + mem.activations_bytes;
  return mem;
}

}  // namespace rcn
