#include "rcn/models/transformer_size.hpp"

namespace rcn {

TransformerSize transformer_size(const ModelSpec& m) {
  const double h = m.hidden;
  const double head_dim = m.heads > 0 ? h / m.heads : 0;
  const double kv = m.kv_heads * head_dim;  // width of K and of V
  TransformerSize t;
  t.attention_params_per_layer = h * h /*Q*/ + 2 * h * kv /*K,V*/ + h * h /*O*/;
  t.mlp_params_per_layer = (m.gated_mlp ? 3.0 : 2.0) * h * m.ffn;
  t.norm_params_per_layer = 4 * h;
  t.embedding_params = (m.tied_embeddings ? 1.0 : 2.0) * static_cast<double>(m.vocab) * h;
  t.total_params = m.layers * (t.attention_params_per_layer + t.mlp_params_per_layer + t.norm_params_per_layer) +
                   t.embedding_params;
  return t;
}

}  // namespace rcn
