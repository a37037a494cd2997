#include "rcn/models/training_step.hpp"

#include <algorithm>
#include <cmath>

#include "rcn/models/collective_model.hpp"
#include "rcn/models/kernel_model.hpp"
#include "rcn/models/layer_cost.hpp"
#include "rcn/models/transformer_size.hpp"

namespace rcn {

namespace {

// Ranks of one collective that share a server: at most `room` (the GPUs of a
// server left for them), and a divisor of `ranks`, since the collective model
// lays out the same number on every server. A job that does not fill whole
// servers (12 GPUs on 8-GPU servers, tp 8 on 6-GPU servers) is thus modelled
// as evenly filled servers (2 x 6, 2 x 4): some more of its traffic may cross
// the fabric than with 8 + 4, a slightly pessimistic step time, never a refusal.
int ranks_per_server(int ranks, int room) {
  int g = std::clamp(room, 1, std::max(1, ranks));
  while (ranks % g != 0) --g;
  return g;
}

}  // namespace

TrainingStep training_step(const ModelSpec& m, const TrainingJobSpec& job, const HardwareProfile& gpu,
                           const ClusterLinks& links, const CollectiveTimer& scale_out_timer) {
  TrainingStep st;
  const auto& par = job.parallelism;
  const KernelModel kernels(gpu);
  const CollectiveFabric fabric = collective_fabric(gpu, links);
  // Collectives across servers may be timed by the caller (flow fidelity).
  auto across = [&](CollectiveOp op, double bytes, int ranks, int per_server) {
    if (scale_out_timer && per_server < ranks) return scale_out_timer(op, bytes, ranks, per_server);
    return collective_time(op, bytes, ranks, per_server, fabric).seconds;
  };
  const int t = par.tp, p = par.pp, v = par.virtual_stages;
  const double b = par.micro_batch, s = m.seq, h = m.hidden;
  const double tokens = b * s;                       // per micro-batch
  const bool sp = par.sequence_parallel && t > 1;
  const double act = 2.0;                             // bytes per activation element (bf16)

  // ---- one layer, one micro-batch: compute ----
  const LayerCost layer = layer_cost(m, LayerShard::of(job), kernels);
  const double fwd = layer.forward_s, bwd = layer.backward_s;
  st.layer_forward_s = fwd;
  st.layer_backward_s = bwd;

  // ---- tensor-parallel communication per layer (exposed) ----
  double tp_fwd = 0, tp_bwd = 0;
  if (t > 1) {
    const int tp_per_server = ranks_per_server(t, links.gpus_per_server);
    const double bytes = tokens * h * act;
    if (sp) {  // all-gather before QKV and fc1, reduce-scatter after projection and fc2; mirrored backward
      const double ag = collective_time(CollectiveOp::AllGather, bytes, t, tp_per_server, fabric).seconds;
      const double rs = collective_time(CollectiveOp::ReduceScatter, bytes, t, tp_per_server, fabric).seconds;
      tp_fwd = 2 * (ag + rs);
      tp_bwd = 2 * (ag + rs);
    } else {
      const double ar = collective_time(CollectiveOp::AllReduce, bytes, t, tp_per_server, fabric).seconds;
      tp_fwd = 2 * ar;
      tp_bwd = 2 * ar;
    }
  }

  // ---- one pipeline stage ----
  const double layers_per_stage = static_cast<double>(m.layers) / p;
  // The last stage also computes the logits and the loss; the first one the embedding lookup.
  const double head_fwd = layer.head_forward_s, head_bwd = layer.head_backward_s;
  const double embed = layer.embedding_forward_s;
  const double stage_extra_fwd = p == 1 ? head_fwd + embed : std::max(head_fwd, embed);
  const double stage_extra_bwd = p == 1 ? head_bwd + embed : std::max(head_bwd, embed);
  const double mb_fwd = layers_per_stage * fwd + stage_extra_fwd;
  const double mb_bwd = layers_per_stage * bwd + stage_extra_bwd;
  double mb_recompute = 0;
  if (par.recompute == "full") mb_recompute = layers_per_stage * (fwd + tp_fwd);
  else if (par.recompute == "selective") mb_recompute = layers_per_stage * layer.attention_forward_s;
  const double mb_tp = layers_per_stage * (tp_fwd + tp_bwd);

  st.micro_batches = std::max(1, job.global_batch / std::max(1, par.dp * par.micro_batch));
  const double mcount = st.micro_batches;
  st.forward_s = mcount * mb_fwd;
  st.backward_s = mcount * mb_bwd;
  st.recompute_s = mcount * mb_recompute;
  st.tp_comm_s = mcount * mb_tp;
  const double mb_stage = mb_fwd + mb_bwd + mb_recompute + mb_tp;
  if (p > 1) {
    st.pp_bubble_s = (p - 1.0) / v * mb_stage;
    // Activations cross to the next stage forward and gradients come back; with
    // sequence parallelism each TP rank sends its 1/t share (Megatron's scatter/gather).
    const double bytes = tokens * h * act / (sp ? t : 1);
    const int stages_per_server = std::max(1, links.gpus_per_server / t);
    const double send = across(CollectiveOp::SendRecv, bytes, 2, std::min(2, stages_per_server));
    st.pp_comm_s = 2 * (mcount + p - 1) * v * send;
  }

  // ---- data-parallel gradient synchronisation ----
  st.memory = training_memory(m, job);
  const double local_params = st.memory.params_on_gpu;
  if (par.dp > 1) {
    // dp peers sit on different servers unless tp x pp leaves room for several in one server.
    const int dp_per_server = ranks_per_server(par.dp, links.gpus_per_server / std::max(1, t * p));
    const double grad_bytes = 2 * local_params;  // bf16 gradient reduction
    double sync = 0, gather = 0;
    if (par.zero >= 1) {
      sync = across(CollectiveOp::ReduceScatter, grad_bytes, par.dp, dp_per_server);
      gather = across(CollectiveOp::AllGather, grad_bytes, par.dp, dp_per_server);
    } else {
      sync = across(CollectiveOp::AllReduce, grad_bytes, par.dp, dp_per_server);
    }
    // Buckets of 40M parameters (Megatron's default) reduce while the last
    // micro-batch's backward runs; the parameter all-gather overlaps the next
    // forward except for its first bucket.
    const double buckets = std::max(1.0, std::ceil(local_params / 40e6));
    const double exposed_sync = std::max(sync / buckets, sync - mb_bwd - mb_recompute);
    st.dp_comm_total_s = sync + gather;
    st.dp_comm_exposed_s = exposed_sync + gather / buckets;
    if (par.zero >= 3) {
      // ZeRO-3 gathers the weights again for every micro-batch's forward and
      // backward, prefetching bucket by bucket behind the compute.
      const double per_pass = across(CollectiveOp::AllGather, 2 * local_params, par.dp, dp_per_server);
      st.dp_comm_total_s += 2 * mcount * per_pass;
      st.dp_comm_exposed_s += mcount * (std::max(per_pass / buckets, per_pass - mb_fwd) +
                                        std::max(per_pass / buckets, per_pass - mb_bwd));
    }
  }

  // ---- optimizer: Adam over this GPU's shard, memory-bound ----
  const double opt_params = local_params / (par.zero >= 1 ? par.dp : 1);
  st.optimizer_s = optimizer_step_s(opt_params, kernels);

  st.step_time_s = st.forward_s + st.backward_s + st.recompute_s + st.tp_comm_s + st.pp_bubble_s + st.pp_comm_s +
                   st.dp_comm_exposed_s + st.optimizer_s;

  // ---- work and rates ----
  st.params = transformer_size(m).total_params;
  st.tokens_per_step = static_cast<double>(job.global_batch) * s;
  if (job.steps) st.steps = std::ceil(*job.steps);
  else if (job.tokens && st.tokens_per_step > 0) st.steps = std::ceil(*job.tokens / st.tokens_per_step);
  st.total_tokens = st.steps * st.tokens_per_step;
  // PaLM's convention: 6 N per token plus 12 L s h for attention (fwd + bwd, no causal discount).
  const double attention_per_token = 12.0 * m.layers * s * h;
  st.model_flops_per_step = (6 * st.params + attention_per_token) * st.tokens_per_step;
  double recompute_flops = 0;
  if (par.recompute == "full") recompute_flops = (2 * st.params + attention_per_token / 3) * st.tokens_per_step;
  else if (par.recompute == "selective") recompute_flops = attention_per_token / 3 * st.tokens_per_step;
  st.hardware_flops_per_step = st.model_flops_per_step + recompute_flops;
  const int gpus = par.tp * par.pp * par.dp;
  if (st.step_time_s > 0 && gpus > 0) {
    st.model_tflops_per_gpu = st.model_flops_per_step / st.step_time_s / gpus / 1e12;
    st.hardware_tflops_per_gpu = st.hardware_flops_per_step / st.step_time_s / gpus / 1e12;
  }
  const double peak = gpu.peak(job.precision);
  st.mfu = peak > 0 ? st.model_tflops_per_gpu * 1e12 / peak : 0;
  st.time_to_train_s = st.steps * st.step_time_s;
  return st;
}

}  // namespace rcn
