#pragma once
// Bytes one GPU holds while training: weights, gradients and Adam state of
// its model shard (Megatron's distributed optimizer and ZeRO stages shard
// them over the dp x cp ranks that hold the same weights), plus activations
// of the micro-batches in flight on the peak pipeline stage (Korthikanti et
// al. 2022, "Reducing Activation Recomputation in Large Transformer Models",
// generalised to GQA, gated MLPs, no dropout and context parallelism; flash
// attention keeps no s x s score matrix). Formulas: docs/models.md, Memory.
#include <string>

#include "rcn/scenario/scenario.hpp"

namespace rcn {

struct TrainingMemory {
  double params_on_gpu = 0;        // parameters of the peak stage's shard (embedding or head included)
  double expert_params_on_gpu = 0; // of which routed experts: held by the expert-data-parallel group
                                   // (tp cp dp / (etp ep) ranks), their optimizer state sharded over it
  double weights_bytes = 0;        // bf16 (2 B/param), / (dp x cp) with zero 3
  double gradients_bytes = 0;      // gradient buffer (fp32 4 or bf16 2 B/param), / (dp x cp) with zero >= 2;
                                   // optimizer apex: full buffer + its reduced shard
  double optimizer_bytes = 0;      // fp32 master + Adam m, v (12 B/param; + a 4 B fp32 gradient copy when the
                                   // buffer is bf16), / (dp x cp) with zero >= 1; apex: 16-bit master
                                   // remainders + m, v; bf16 moments: 4 B instead of 8
  double activations_bytes = 0;    // per micro-batch x micro-batches in flight
  double activations_per_layer_bytes = 0;  // one layer, one micro-batch
  double in_flight_micro_batches = 0;      // on the peak stage, in units of its whole set of layers
  double total_bytes = 0;
  // The stage (rank) holding the most parameters, which need not be the memory peak: its
  // gradient synchronisation and optimizer step are the slowest of the step's.
  double sync_params = 0;
  double sync_expert_params = 0;  // of which routed experts
};

// How attention keeps what its backward needs. Flash attention (what rcnsim
// times) stores Q, K, V and its output; Materialized also stores the softmax
// of the s x s scores and its dropout (the 5 a s / h term of Korthikanti et
// al.), which is the setting of that paper's closed forms.
enum class AttentionStorage { Flash, Materialized };

// Activation bytes of one layer for one micro-batch of `batch` sequences on
// one GPU under tensor parallelism `tp` (sequence parallel when `sequence_parallel`
// and tp > 1) and context parallelism `cp` (seq / cp tokens per GPU).
double layer_activation_bytes(const ModelSpec& m, double batch, int tp, bool sequence_parallel,
                              const std::string& recompute, int cp = 1,
                              AttentionStorage attention = AttentionStorage::Flash);

// Forward model chunks (of 1/v of a stage's layers) the first pipeline stage runs
// before its first backward in Megatron-Core's schedule with p stages, v chunks
// per stage (v = 1: plain 1F1B) and m micro-batches: 2(p - 1) + (v - 1) p
// interleaved (all m v when m = p), p - 1 without; at most m v.
double first_stage_warmup_chunks(int p, int v, int m);
// The same for pipeline rank `rank`: 2(p - rank - 1) + (v - 1) p interleaved, p - rank - 1 without.
double stage_warmup_chunks(int p, int v, int m, int rank);

// Micro-batches whose activations the first pipeline stage holds at its peak,
// counted in units of all its layers: (warm-up chunks + 1) / v, at most m. That is
// 1F1B p (Narayanan et al. 2021), interleaved p (1 + (p - 1)/(p v)) (Korthikanti
// et al. 2022, sec. 4.2.3), GPipe m.
double first_stage_in_flight(const ParallelismSpec& par, int micro_batches);
// The same for pipeline rank `rank` (DualPipe and GPipe: as the first stage).
double stage_in_flight(const ParallelismSpec& par, int micro_batches, int rank);

// Layers of the first pipeline stage (models/pipeline_stages.hpp).
int first_stage_layers(const ModelSpec& m, const ParallelismSpec& par);

// Activation bytes of one MoE layer for one micro-batch on one GPU: the layer_activation_bytes()
// terms with the MLP's width that of the shared experts plus top_k x imbalance routed ones (each
// token-copy keeps its fc1 outputs and fc2 input), plus the dispatched copies of the fc1 input
// (2 x top_k x etp x imbalance bytes per token element on this GPU's tp share).
double moe_layer_activation_bytes(const ModelSpec& m, const ParallelismSpec& par, const std::string& recompute);

TrainingMemory training_memory(const ModelSpec& m, const TrainingJobSpec& job);

}  // namespace rcn
