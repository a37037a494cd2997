#pragma once
// Bytes one GPU holds while training: weights, gradients and Adam state of
// its model shard (ZeRO/distributed-optimizer sharding over data parallelism),
// plus activations of the micro-batches in flight on the first pipeline
// stage (Korthikanti et al. 2022, "Reducing Activation Recomputation in Large
// Transformer Models", generalised to GQA and gated MLPs; flash attention
// keeps no s x s score matrix).
#include "rcn/scenario/scenario.hpp"

namespace rcn {

struct TrainingMemory {
  double params_on_gpu = 0;        // parameters of the largest stage's shard
  double weights_bytes = 0;        // bf16 (2 B/param), / dp with zero 3
  double gradients_bytes = 0;      // fp32 main gradients (4 B/param), / dp with zero >= 2
  double optimizer_bytes = 0;      // fp32 master copy + Adam m, v (12 B/param), / dp with zero >= 1
  double activations_bytes = 0;    // per micro-batch x micro-batches in flight
  double activations_per_layer_bytes = 0;  // one layer, one micro-batch
  double total_bytes = 0;
};

// Activation bytes of one layer for one micro-batch of `batch` sequences on
// one GPU under tensor parallelism `tp` (sequence parallel on when tp > 1).
double layer_activation_bytes(const ModelSpec& m, double batch, int tp, bool sequence_parallel,
                              const std::string& recompute);

TrainingMemory training_memory(const ModelSpec& m, const TrainingJobSpec& job);

}  // namespace rcn
