#pragma once
// Parameter count of a decoder-only transformer from its shape. Pure
// arithmetic: the numbers every other model (FLOPs, memory, checkpoints)
// starts from. A mixture-of-experts model has two counts: all its parameters
// (what memory and checkpoints hold) and those one token goes through (what
// its FLOPs per token are: the shared parts, the router and top_k experts).
#include "rcn/scenario/scenario.hpp"

namespace rcn {

struct TransformerSize {
  double attention_params_per_layer = 0;  // Q, K, V, O projections (K and V shrink with GQA; MLA: its
                                          // down and up projections)
  double mlp_params_per_layer = 0;        // 2 or 3 (gated) hidden x ffn matrices: a dense layer's MLP
  double norm_params_per_layer = 0;       // two LayerNorm/RMSNorm gains and biases (+ MLA's latent norms)
  double embedding_params = 0;            // vocab x hidden, doubled when the head is untied
  // Mixture of experts (0 for a dense model).
  double expert_params = 0;               // one expert's MLP (hidden x expert_ffn matrices)
  double router_params_per_layer = 0;     // hidden x experts
  double shared_expert_params_per_layer = 0;  // shared_experts x expert_params
  int moe_layers = 0;
  int dense_layers = 0;                   // layers with the dense MLP
  double total_params = 0;
  double active_params = 0;               // per token: = total_params for a dense model

  // Parameters of one MoE layer apart from its routed experts (attention, norms,
  // router, shared experts): what every rank of its tensor-parallel group holds a share of.
  double moe_layer_dense_params() const {
    return attention_params_per_layer + norm_params_per_layer + router_params_per_layer +
           shared_expert_params_per_layer;
  }
  double dense_layer_params() const {
    return attention_params_per_layer + mlp_params_per_layer + norm_params_per_layer;
  }
};

TransformerSize transformer_size(const ModelSpec& m);

// Forward and backward FLOPs of attention scores and their weighted sum per token
// (PaLM's convention, no causal discount): 6 L s (heads x (qk width + v width)),
// which is 12 L s h for ordinary attention with heads x head width = h.
double attention_flops_per_token(const ModelSpec& m);

}  // namespace rcn
