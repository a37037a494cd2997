#include "rcn/models/transformer_size.hpp"

namespace rcn {

namespace {

// Q/K/V/O of ordinary attention, K and V narrowed by grouped-query attention.
double gqa_params(const ModelSpec& m) {
  const double h = m.hidden;
  if (m.head_dim == 0) {  // the dense models' expression, kept as it was (results byte-identical)
    const double head_dim = m.heads > 0 ? h / m.heads : 0;
    const double kv = m.kv_heads * head_dim;  // width of K and of V
    return h * h /*Q*/ + 2 * h * kv /*K,V*/ + h * h /*O*/;
  }
  const double q = static_cast<double>(m.heads) * m.head_dim, kv = static_cast<double>(m.kv_heads) * m.head_dim;
  return h * q + 2 * h * kv + q * h;
}

// Multi-head latent attention (DeepSeek-V2, sec. 2.1; the V3 config's names):
// q_a (h x q_lora), q_b (q_lora x heads (nope + rope)) or q (h x heads (nope + rope))
// without a query latent; kv_a (h x (kv_lora + rope), the shared rotary key with the
// latent); kv_b (kv_lora x heads (nope + v)); o (heads v x h).
double mla_params(const ModelSpec& m) {
  const double h = m.hidden, a = m.heads, ql = m.mla.q_lora_rank, kvl = m.mla.kv_lora_rank;
  const double qk = m.mla.qk_nope_head_dim + m.mla.qk_rope_head_dim, v = m.mla.v_head_dim;
  const double q = ql > 0 ? h * ql + ql * a * qk : h * a * qk;
  return q + h * (kvl + m.mla.qk_rope_head_dim) + kvl * a * (m.mla.qk_nope_head_dim + v) + a * v * h;
}

}  // namespace

TransformerSize transformer_size(const ModelSpec& m) {
  const double h = m.hidden;
  TransformerSize t;
  t.attention_params_per_layer = m.uses_mla() ? mla_params(m) : gqa_params(m);
  t.mlp_params_per_layer = (m.gated_mlp ? 3.0 : 2.0) * h * m.ffn;
  t.norm_params_per_layer = 4 * h;
  if (m.uses_mla()) t.norm_params_per_layer += m.mla.q_lora_rank + m.mla.kv_lora_rank;  // the latents' RMSNorms
  t.embedding_params = (m.tied_embeddings ? 1.0 : 2.0) * static_cast<double>(m.vocab) * h;
  if (!m.is_moe()) {
    t.dense_layers = m.layers;
    t.total_params = m.layers * (t.attention_params_per_layer + t.mlp_params_per_layer + t.norm_params_per_layer) +
                     t.embedding_params;
    t.active_params = t.total_params;
    return t;
  }
  t.expert_params = (m.gated_mlp ? 3.0 : 2.0) * h * m.moe.expert_ffn;
  t.router_params_per_layer = h * m.moe.experts;
  t.shared_expert_params_per_layer = m.moe.shared_experts * t.expert_params;
  t.moe_layers = m.moe_layers_in(0, m.layers);
  t.dense_layers = m.layers - t.moe_layers;
  const double shared = t.dense_layers * t.dense_layer_params() + t.moe_layers * t.moe_layer_dense_params() +
                        t.embedding_params;
  t.total_params = shared + t.moe_layers * m.moe.experts * t.expert_params;
  t.active_params = shared + t.moe_layers * m.moe.top_k * t.expert_params;
  return t;
}

double attention_flops_per_token(const ModelSpec& m) {
  const double s = m.seq;
  if (!m.uses_mla() && m.head_dim == 0) return 12.0 * m.layers * s * m.hidden;  // the dense models' expression
  const double qk = m.uses_mla() ? m.mla.qk_nope_head_dim + m.mla.qk_rope_head_dim : m.head_size();
  const double v = m.uses_mla() ? m.mla.v_head_dim : m.head_size();
  return 6.0 * m.layers * s * m.heads * (qk + v);
}

}  // namespace rcn
