#pragma once
// Parameter count of a dense decoder-only transformer from its shape. Pure
// arithmetic: the numbers every other model (FLOPs, memory, checkpoints)
// starts from.
#include "rcn/scenario/scenario.hpp"

namespace rcn {

struct TransformerSize {
  double attention_params_per_layer = 0;  // Q, K, V, O projections (K and V shrink with GQA)
  double mlp_params_per_layer = 0;        // 2 or 3 (gated) hidden x ffn matrices
  double norm_params_per_layer = 0;       // two LayerNorm/RMSNorm gains and biases
  double embedding_params = 0;            // vocab x hidden, doubled when the head is untied
  double total_params = 0;
};

TransformerSize transformer_size(const ModelSpec& m);

}  // namespace rcn
