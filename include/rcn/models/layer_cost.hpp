#pragma once
// Compute time of one transformer layer for one micro-batch on one GPU, as
// the sum of its kernels (GEMMs, attention, the memory-bound ops between
// them), and of the parts only one pipeline stage has: the embedding lookup
// on the first and the logits with their loss on the last. Communication is
// not here: training_step.cpp adds it around these figures.
#include <string>

#include "rcn/models/kernel_model.hpp"
#include "rcn/scenario/scenario.hpp"

namespace rcn {

// How one GPU sees a layer: its share of the heads, tokens and weights.
struct LayerShard {
  int tp = 1;                      // tensor parallel ranks
  int cp = 1;                      // context parallel ranks (each holds seq / cp tokens)
  double micro_batch = 1;          // sequences per micro-batch
  bool sequence_parallel = false;  // norms and residuals on tokens / tp (only with tp > 1)
  std::string precision = "bf16";
  int ep = 1;                      // expert parallel ranks (MoE layers)
  int etp = 1;                     // expert tensor parallel ranks
  double moe_imbalance = 1.0;      // busiest expert rank's token-copies over the mean
  static LayerShard of(const TrainingJobSpec& job);
};

// Which MLP a layer has.
enum class LayerKind { Dense, Moe };

struct LayerCost {
  double forward_s = 0;            // one layer's kernels, forward
  double backward_s = 0;           // and backward (input and weight gradients)
  double attention_forward_s = 0;  // the core attention forward (what selective recompute repeats)
  double head_forward_s = 0;       // logits GEMM and cross-entropy (last stage)
  double head_backward_s = 0;
  double embedding_forward_s = 0;  // embedding lookup (first stage)
  double embedding_backward_s = 0; // and its gradient scatter
  // Memory-bound kernels of one layer (norms, rotary, residual adds, activation), each paying
  // a launch; GEMM and attention launches are inside their measured times.
  int forward_kernels = 0;
  int backward_kernels = 0;
  // A MoE layer on the busiest expert rank: the token-copies its experts compute
  // (tokens / tp x etp x top_k x imbalance per micro-batch) and the experts' share of
  // forward_s and backward_s (the GEMMs and activation between the all-to-alls).
  double expert_tokens = 0;
  double expert_forward_s = 0;
  double expert_backward_s = 0;
};

// One layer of `kind` (a dense model's layers are all Dense). A MoE layer's MLP is the
// router, the shared experts (split over tp like a dense MLP) and this GPU's experts/ep
// routed experts (each split over etp) on the tokens routed to them; the all-to-all
// that brings them is training_step.cpp's.
LayerCost layer_cost(const ModelSpec& model, const LayerShard& shard, const KernelModel& kernels,
                     LayerKind kind = LayerKind::Dense);

// The optimizer step (AdamW) over `params` parameters of this GPU's shard:
// fp32 master weights, m and v read and written, the gradient (`grad_bytes`
// per parameter: 4 for fp32 main gradients, 2 for bf16) read by the gradient
// norm and by Adam, and the updated weights copied to the bf16 model, as
// multi-tensor-apply kernels.
double optimizer_step_s(double params, const KernelModel& kernels, double grad_bytes = 4);

}  // namespace rcn
