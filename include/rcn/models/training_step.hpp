#pragma once
// Step time of 4D-parallel (tensor x context x pipeline x data) dense transformer
// training on one cluster, from calibrated parts: GEMM and attention tables
// for compute, achieved HBM bandwidth for memory-bound ops, alpha-beta
// collectives per link tier for communication (Megatron-LM's schedule):
//
//   step = forward + backward + recompute + tp_comm + cp_comm  (m micro-batches on one stage)
//        + ep_comm    (MoE: all-to-all dispatch and combine per MoE layer, forward and backward,
//                      less what a2a_overlap hides behind compute)
//        + pp_bubble  = (p-1)/v x (one micro-batch's stage time)
//        + pp_comm    = 2 (m + p - 1) x activation send time  (p > 1)
//        + dp_comm_exposed (gradient reduce-scatter/all-reduce over dp x cp not hidden behind
//                           the last backward, plus the parameter all-gather's first bucket;
//                           ZeRO >= 2 reduce-scatters every micro-batch)
//        + optimizer  (Adam, memory-bound over this GPU's shard)
//
// m = global_batch / (dp x micro_batch), p = pp, v = virtual stages. One
// stage holds layers / p layers; the busiest stage (embedding or logits
// added) sets the pace. Every term is reported, so the user sees where the
// time goes. Formulas and assumptions: docs/models.md.
#include <functional>
#include <string>

#include "rcn/models/cluster_fabric.hpp"
#include "rcn/models/collective_model.hpp"
#include "rcn/models/training_memory.hpp"
#include "rcn/scenario/hardware_profile.hpp"
#include "rcn/scenario/scenario.hpp"

namespace rcn {

// Seconds of one collective of `bytes` (nccl-tests size convention) over
// `ranks` GPUs, `ranks_per_server` of them per server. The analytic model is
// collective_time(); flow fidelity substitutes timings measured as SimGrid
// flows on the job's servers (engine/flow_collectives.cpp).
using CollectiveTimer = std::function<double(CollectiveOp op, double bytes, int ranks, int ranks_per_server)>;

struct TrainingStep {
  // One layer, one micro-batch, on one GPU (compute only).
  double layer_forward_s = 0;
  double layer_backward_s = 0;
  // Additive parts of one step on the busiest pipeline stage.
  double forward_s = 0;
  double backward_s = 0;
  double recompute_s = 0;
  double tp_comm_s = 0;
  double cp_comm_s = 0;  // ring attention's KV sends not hidden behind the attention blocks
  double ep_comm_s = 0;  // MoE all-to-all dispatch and combine not hidden behind compute (a2a_overlap)
  double ep_comm_total_s = 0;  // the same before overlap
  double pp_comm_s = 0;
  double pp_bubble_s = 0;
  double dp_comm_exposed_s = 0;
  double dp_comm_total_s = 0;  // before overlap, for reference
  double optimizer_s = 0;
  double step_time_s = 0;

  int micro_batches = 0;
  double params = 0;
  double active_params = 0;  // per token (a MoE model's shared parts and top_k experts); = params when dense
  double tokens_per_step = 0;
  double steps = 0;
  double total_tokens = 0;
  double model_flops_per_step = 0;     // 6 N T + attention (12 L s h per token), no recompute
  double hardware_flops_per_step = 0;  // + recompute
  double model_tflops_per_gpu = 0;
  double hardware_tflops_per_gpu = 0;
  double mfu = 0;  // model FLOP/s per GPU over the precision's dense peak
  double time_to_train_s = 0;
  TrainingMemory memory;
  ParallelismSpec layout;  // the layout this step is for (the job's, or the one the layout search chose)
};

// `scale_out_timer`, when given, times the collectives that cross servers
// (data-parallel synchronisation, pipeline sends); the rest stays analytic.
TrainingStep training_step(const ModelSpec& model, const TrainingJobSpec& job, const HardwareProfile& gpu,
                           const ClusterLinks& links, const CollectiveTimer& scale_out_timer = {});

// What training_step() reads from a job apart from its length (tokens or steps):
// two jobs with the same key on the same cluster have the same step, so callers
// may compute it once and give each job its own length with set_training_length().
// Every field of the parallelism is in it, also those the step does not read
// (min_dp), because the step carries the layout into the results.
std::string training_step_key(const TrainingJobSpec& job);

// Steps the job runs: its `steps`, or its tokens over the tokens of one step (rounded up); 0 without either.
double training_steps(const TrainingJobSpec& job, double tokens_per_step);

// The step's steps, total tokens and time to train for this job's tokens or steps
// (what training_step() does last).
void set_training_length(TrainingStep& st, const TrainingJobSpec& job);

}  // namespace rcn
