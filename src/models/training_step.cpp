#include "rcn/models/training_step.hpp"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "rcn/models/collective_model.hpp"
#include "rcn/models/kernel_model.hpp"
#include "rcn/models/layer_cost.hpp"
#include "rcn/models/pipeline_stages.hpp"
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
  st.layout = par;
  const KernelModel kernels(gpu);
  const CollectiveFabric fabric = collective_fabric(gpu, links);
  // Collectives across servers may be timed by the caller (flow fidelity).
  auto across = [&](CollectiveOp op, double bytes, int ranks, int per_server) {
    if (scale_out_timer && per_server < ranks) return scale_out_timer(op, bytes, ranks, per_server);
    return collective_time(op, bytes, ranks, per_server, fabric).seconds;
  };
  const int t = par.tp, p = par.pp, v = par.virtual_stages, cp = par.cp;
  const double b = par.micro_batch, s = m.seq, h = m.hidden;
  const double tokens = b * s / cp;                  // per micro-batch on one GPU
  const bool sp = par.sequence_parallel && t > 1;
  const double act = 2.0;                             // bytes per activation element (bf16)
  const int gps = std::max(1, links.gpus_per_server);

  // ---- placement in servers: tp innermost, then cp, pp and dp (Llama 3's [TP, CP, PP, DP]) ----
  const int tp_per_server = ranks_per_server(t, gps);
  const int cp_per_server = ranks_per_server(cp, gps / t);
  const int room_after_cp = cp_per_server == cp ? gps / (t * cp) : 0;  // whole model-parallel groups per server
  int pp_per_server = std::max(1, room_after_cp);  // a pipeline send stays in the server when 2 stages fit
  int dp_per_server = room_after_cp >= p ? ranks_per_server(par.dp, room_after_cp / p) : 1;
  // Expert parallelism: Megatron-Core's order tp-cp-ep-dp-pp, data parallel ranks (and the
  // expert ranks folded into them) inside, pipeline stages outside, so that an EP group sits
  // in as few servers as it can (DeepSeek-V3: EP 64 over 8 nodes).
  const bool experts = m.is_moe() && par.ep * par.etp > 1;
  if (experts) {
    dp_per_server = room_after_cp >= 1 ? ranks_per_server(par.dp, room_after_cp) : 1;
    pp_per_server = dp_per_server == par.dp ? std::max(1, room_after_cp / par.dp) : 1;
  }

  // ---- one layer, one micro-batch: compute ----
  const LayerCost layer = layer_cost(m, LayerShard::of(job), kernels);
  double fwd = layer.forward_s, bwd = layer.backward_s;
  double attention_fwd = layer.attention_forward_s;
  const LayerCost moe_layer = m.is_moe() ? layer_cost(m, LayerShard::of(job), kernels, LayerKind::Moe) : LayerCost{};
  double moe_fwd = moe_layer.forward_s, moe_bwd = moe_layer.backward_s;

  // ---- context parallelism: ring attention (per layer) ----
  // layer_cost() already times this rank's whole share of attention: the sequence is cut in
  // 2 cp chunks, rank i holding chunks i and 2cp-1-i, so its queries meet its own (diagonal,
  // causal) block and (cp - 1) / 2 full blocks' worth of the others, 1/cp of the causal work.
  // Each of the cp - 1 ring steps computes half a full block (one causal block's worth) while
  // the next KV block (K and V of the local KV heads) is sent to the neighbour; backward passes
  // K, V and their gradients the same way. What a step's block does not hide is exposed.
  double cp_fwd = 0, cp_bwd = 0;
  if (cp > 1) {
    // MLA: every head has its own K (qk wide) and V (v wide), timed at their mean width.
    const double qk = m.mla.qk_nope_head_dim + m.mla.qk_rope_head_dim, v_dim = m.mla.v_head_dim;
    const double head_dim = m.uses_mla() ? (qk + v_dim) / 2 : m.head_size();
    const double kv_heads = std::max(1.0, static_cast<double>(m.kv_heads) / t);  // replicated when tp > kv_heads
    const double kv_bytes = m.uses_mla() ? tokens * static_cast<double>(m.heads) / t * (qk + v_dim) * act
                                         : tokens * 2 * kv_heads * head_dim * act;
    if (par.cp_comm != "all-gather") {  // ring: each send hides behind a block's attention
      const AttentionTime block = kernels.attention(b, static_cast<double>(m.heads) / t, s / cp, head_dim, true);
      const double send_fwd = across(CollectiveOp::SendRecv, kv_bytes, 2, cp_per_server > 1 ? 2 : 1);
      const double send_bwd = across(CollectiveOp::SendRecv, 2 * kv_bytes, 2, cp_per_server > 1 ? 2 : 1);
      cp_fwd = (cp - 1) * std::max(0.0, send_fwd - block.forward_s);
      cp_bwd = (cp - 1) * std::max(0.0, send_bwd - block.backward_s);
    } else {
      // Llama 3's CP (Dubey et al. 2024 sec. 3.3.2): K and V of the whole sequence are
      // all-gathered over the cp ranks before attention, exposed; backward gathers them again
      // (keeping cp x the K and V of every layer in flight would cost memory) and
      // reduce-scatters their gradients (the all-gather's transpose).
      const double gathered = cp * kv_bytes;
      const double ag = across(CollectiveOp::AllGather, gathered, cp, cp_per_server);
      const double rs = across(CollectiveOp::ReduceScatter, gathered, cp, cp_per_server);
      cp_fwd = ag;
      cp_bwd = ag + rs;
    }
  }
  st.layer_forward_s = fwd;
  st.layer_backward_s = bwd;

  // ---- tensor-parallel communication per layer (exposed) ----
  double tp_fwd = 0, tp_bwd = 0;
  if (t > 1) {
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

  // ---- expert parallelism: all-to-all dispatch and combine per MoE layer ----
  // Each GPU sends its tokens' top_k copies (its tp share of the micro-batch) to the expert
  // ranks and gets their outputs back: dispatch and combine forward, their gradients
  // backward. DeepSeek-V3 dispatches in fp8 with fp8 training and combines in bf16. The
  // busiest rank (moe_imbalance x the mean) finishes last, so every transfer is scaled by it.
  double ep_fwd = 0, ep_bwd = 0;  // exposed, per MoE layer and micro-batch
  double ep_layer_total = 0;      // before overlap
  if (experts) {
    const double copies = tokens / t * m.moe.top_k * h * std::max(1.0, par.moe_imbalance);
    const double dispatch_elem = job.precision == "fp8" ? 1.0 : act;
    const int ep_per_server = ranks_per_server(par.ep, std::max(1, gps / par.etp));
    auto a2a = [&](double bytes) {
      return collective_time(CollectiveOp::AllToAll, bytes, par.ep, ep_per_server, fabric).seconds;
    };
    double a2a_f = a2a(copies * dispatch_elem) + a2a(copies * act);
    double a2a_b = 2 * a2a(copies * act);
    if (par.etp > 1) {  // each expert's tokens gathered over its etp ranks, its outputs reduce-scattered
      const int etp_per_server = ranks_per_server(par.etp, gps);
      const double bytes = moe_layer.expert_tokens * h * act;
      const double ag = collective_time(CollectiveOp::AllGather, bytes, par.etp, etp_per_server, fabric).seconds;
      const double rs = collective_time(CollectiveOp::ReduceScatter, bytes, par.etp, etp_per_server, fabric).seconds;
      a2a_f += ag + rs;
      a2a_b += ag + rs;
    }
    ep_layer_total = a2a_f + a2a_b;
    // Overlap (DualPipe): one micro-batch's forward chunk runs beside another's backward chunk,
    // so a MoE layer's all-to-alls of both directions may hide behind that pair's compute
    // (its forward and backward), up to a2a_overlap of them.
    const double hidden = std::min(par.a2a_overlap * ep_layer_total, moe_fwd + moe_bwd);
    const double exposed_share = ep_layer_total > 0 ? (ep_layer_total - hidden) / ep_layer_total : 0;
    ep_fwd = a2a_f * exposed_share;
    ep_bwd = a2a_b * exposed_share;
  }

  // ---- one pipeline stage ----
  // Stage i holds its own layers (models/pipeline_stages.hpp): by default ceil(layers / p)
  // each, a MoE model's leading dense layers on the first stage with the embedding; the logits
  // and the loss sit on the last. The busiest stage sets the pace.
  const double head_fwd = layer.head_forward_s, head_bwd = layer.head_backward_s;
  const double embed_fwd = layer.embedding_forward_s, embed_bwd = layer.embedding_backward_s;
  double mb_fwd = 0, mb_bwd = 0, mb_recompute = 0, mb_tp = 0, mb_cp = 0, mb_ep = 0;
  double busiest = -1;
  for (int i = 0; i < p; ++i) {
    const StageLayers stage = stage_layers(m, par, i);
    const int n_all = stage.count;
    const double nm = m.moe_layers_in(stage.first, n_all), nd = n_all - nm;
    const double extra_f = (i == 0 ? embed_fwd : 0.0) + (i == p - 1 ? head_fwd : 0.0);
    const double extra_b = (i == 0 ? embed_bwd : 0.0) + (i == p - 1 ? head_bwd : 0.0);
    const double f_i = nd * fwd + nm * moe_fwd + extra_f, b_i = nd * bwd + nm * moe_bwd + extra_b;
    double r_i = 0;
    if (par.recompute == "full") r_i = nd * (fwd + tp_fwd + cp_fwd) + nm * (moe_fwd + tp_fwd + cp_fwd + ep_fwd);
    else if (par.recompute == "selective") r_i = n_all * attention_fwd;
    const double tp_i = n_all * (tp_fwd + tp_bwd), cp_i = n_all * (cp_fwd + cp_bwd), ep_i = nm * (ep_fwd + ep_bwd);
    const double total = f_i + b_i + r_i + tp_i + cp_i + ep_i;
    if (total > busiest) {
      busiest = total;
      mb_fwd = f_i, mb_bwd = b_i, mb_recompute = r_i, mb_tp = tp_i, mb_cp = cp_i, mb_ep = ep_i;
      st.ep_comm_total_s = nm * ep_layer_total;  // per micro-batch here; times m below
    }
  }
  if (m.is_moe()) {
    st.layer_forward_s = moe_fwd;
    st.layer_backward_s = moe_bwd;
  }

  st.micro_batches = job.micro_batches();
  const double mcount = st.micro_batches;
  st.forward_s = mcount * mb_fwd;
  st.backward_s = mcount * mb_bwd;
  st.recompute_s = mcount * mb_recompute;
  st.tp_comm_s = mcount * mb_tp;
  st.cp_comm_s = mcount * mb_cp;
  st.ep_comm_s = mcount * mb_ep;
  st.ep_comm_total_s *= mcount;
  const double mb_stage = mb_fwd + mb_bwd + mb_recompute + mb_tp + mb_cp + mb_ep;
  if (p > 1) {
    // Activations cross to the next stage forward and gradients come back. Each TP rank
    // sends only its 1/t share over its own link: with sequence parallelism that is all it
    // holds; without it, Megatron's scatter/gather optimisation (Narayanan et al. 2021,
    // sec. 4.1, on by default) splits the replicated tensor and the receiving stage
    // all-gathers it over NVLink.
    const double bytes = tokens * h * act / t;
    double send = across(CollectiveOp::SendRecv, bytes, 2, std::min(2, pp_per_server));
    if (!sp && t > 1) send += collective_time(CollectiveOp::AllGather, tokens * h * act, t, tp_per_server, fabric).seconds;
    if (par.schedule == "dualpipe") {
      // DualPipe (DeepSeek-V3 report, Table 2): bubble (p/2 - 1)(F&B + B - 3W), F&B the paired
      // forward and backward chunks (a micro-batch's stage time), B the input-gradient backward
      // (half the backward GEMMs, with any recompute), W the weight-gradient half.
      const double b_input = mb_bwd / 2 + mb_recompute, w = mb_bwd / 2;
      st.pp_bubble_s = std::max(0.0, p / 2.0 - 1) * std::max(0.0, mb_stage + b_input - 3 * w);
      // It sends while the paired chunk computes: only what outlasts a forward chunk shows.
      st.pp_comm_s = 2 * (mcount + p - 1) * std::max(0.0, send - mb_fwd);
    } else {
      st.pp_bubble_s = (p - 1.0) / v * mb_stage;
      st.pp_comm_s = 2 * (mcount + p - 1) * v * send;
    }
  }

  // ---- data-parallel gradient synchronisation (over the dp x cp ranks holding the same weights) ----
  st.memory = training_memory(m, job);
  // The stage holding the most parameters syncs and steps its optimizer last.
  const double local_params = st.memory.sync_params;
  const int sync_ranks = par.dp * cp;
  // A MoE model's routed experts synchronise over their own expert-data-parallel group
  // (tp cp dp / (etp ep) ranks, Megatron-Core's expert order tp-ep-dp: etp x ep ranks apart).
  const double expert_params = st.memory.sync_expert_params;
  const int edp = par.expert_data_parallel();
  const int edp_per_server =
      ranks_per_server(std::max(1, edp), std::max(1, std::min(gps, t * cp * par.dp) / std::max(1, par.etp * par.ep)));
  const bool expert_sync = expert_params > 0 && edp > 1;
  if (sync_ranks > 1 || expert_sync) {
    const int sync_per_server = cp_per_server * dp_per_server;
    const double dense_params = local_params - expert_params;
    // One collective over each group (both at once, one after the other on the wire).
    auto group_time = [&](CollectiveOp op, double bytes_per_param) {
      double seconds = sync_ranks > 1 ? across(op, bytes_per_param * dense_params, sync_ranks, sync_per_server) : 0;
      if (expert_sync) seconds += across(op, bytes_per_param * expert_params, edp, edp_per_server);
      return seconds;
    };
    // The gradient buffer's dtype is what is reduced (fp32: Megatron's
    // --accumulate-allreduce-grads-in-fp32); updated parameters are gathered in bf16.
    double sync = 0, gather = 0;
    if (par.zero >= 1) {
      sync = group_time(CollectiveOp::ReduceScatter, par.gradient_bytes());
      gather = group_time(CollectiveOp::AllGather, 2);
    } else {
      sync = group_time(CollectiveOp::AllReduce, par.gradient_bytes());
    }
    // Buckets of 40M parameters (Megatron's default) reduce while the last
    // micro-batch's backward runs; the parameter all-gather overlaps the next
    // forward except for its first bucket.
    const double buckets = std::max(1.0, std::ceil(local_params / 40e6));
    const double exposed_last = std::max(sync / buckets, sync - mb_bwd - mb_recompute);
    st.dp_comm_total_s = sync + gather;
    st.dp_comm_exposed_s = exposed_last + gather / buckets;
    if (par.zero >= 2) {
      // Sharded gradients leave no full buffer to accumulate into: every micro-batch's
      // gradients are reduce-scattered (DeepSpeed ZeRO-2, FSDP), each behind the compute
      // of the next micro-batch on this stage; the last one as above.
      st.dp_comm_total_s += (mcount - 1) * sync;
      st.dp_comm_exposed_s += (mcount - 1) * std::max(0.0, sync - mb_stage);
    }
    if (par.zero >= 3) {
      // ZeRO-3 gathers the weights again for every micro-batch's forward and
      // backward, prefetching bucket by bucket behind the compute.
      const double per_pass = group_time(CollectiveOp::AllGather, 2);
      st.dp_comm_total_s += 2 * mcount * per_pass;
      st.dp_comm_exposed_s += mcount * (std::max(per_pass / buckets, per_pass - mb_fwd) +
                                        std::max(per_pass / buckets, per_pass - mb_bwd));
    }
  }

  // ---- optimizer: Adam over this GPU's shard, memory-bound ----
  double opt_params = local_params / (par.zero >= 1 ? sync_ranks : 1);
  if (expert_params > 0)
    opt_params = (local_params - expert_params) / (par.zero >= 1 ? sync_ranks : 1) +
                 expert_params / (par.zero >= 1 ? std::max(1, edp) : 1);
  st.optimizer_s = optimizer_step_s(opt_params, kernels, par.gradient_bytes());

  st.step_time_s = st.forward_s + st.backward_s + st.recompute_s + st.tp_comm_s + st.cp_comm_s + st.pp_bubble_s +
                   st.pp_comm_s + st.dp_comm_exposed_s + st.optimizer_s + st.ep_comm_s;

  // ---- work and rates ----
  const TransformerSize size = transformer_size(m);
  st.params = size.total_params;
  st.active_params = size.active_params;
  st.tokens_per_step = static_cast<double>(job.global_batch) * s;
  // PaLM's convention: 6 N per token plus 12 L s h for attention (fwd + bwd, no causal discount);
  // N counts the parameters a token goes through (a MoE model's active ones).
  const double attention_per_token = attention_flops_per_token(m);
  st.model_flops_per_step = (6 * st.active_params + attention_per_token) * st.tokens_per_step;
  double recompute_flops = 0;
  if (par.recompute == "full") recompute_flops = (2 * st.active_params + attention_per_token / 3) * st.tokens_per_step;
  else if (par.recompute == "selective") recompute_flops = attention_per_token / 3 * st.tokens_per_step;
  st.hardware_flops_per_step = st.model_flops_per_step + recompute_flops;
  const int gpus = par.model_parallel() * par.dp;
  if (st.step_time_s > 0 && gpus > 0) {
    st.model_tflops_per_gpu = st.model_flops_per_step / st.step_time_s / gpus / 1e12;
    st.hardware_tflops_per_gpu = st.hardware_flops_per_step / st.step_time_s / gpus / 1e12;
  }
  const double peak = gpu.peak(job.precision);
  st.mfu = peak > 0 ? st.model_tflops_per_gpu * 1e12 / peak : 0;
  set_training_length(st, job);
  return st;
}

double training_steps(const TrainingJobSpec& job, double tokens_per_step) {
  if (job.steps) return std::ceil(*job.steps);
  if (job.tokens && tokens_per_step > 0) return std::ceil(*job.tokens / tokens_per_step);
  return 0;
}

void set_training_length(TrainingStep& st, const TrainingJobSpec& job) {
  st.steps = training_steps(job, st.tokens_per_step);
  st.total_tokens = st.steps * st.tokens_per_step;
  st.time_to_train_s = st.steps * st.step_time_s;
}

std::string training_step_key(const TrainingJobSpec& job) {
  const ParallelismSpec& q = job.parallelism;
  const ParallelismSpec::Fixed& f = q.fixed;
  return fmt::format("{}|{}|{}|{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{}|{}{}{}{}{}{}{}{}{}{}|{},{},{},{}", job.model,
                     job.global_batch, job.precision, q.tp, q.pp, q.dp, q.cp, q.cp_comm, q.micro_batch, q.schedule,
                     q.virtual_stages, q.recompute, q.sequence_parallel, q.min_dp, q.zero, q.gradient_dtype,
                     q.optimizer, q.optimizer_dtype, q.auto_layout, f.tp, f.cp, f.pp, f.dp, f.micro_batch, f.schedule,
                     f.virtual_stages, f.recompute, f.sequence_parallel, f.zero, q.ep, q.etp, q.moe_imbalance,
                     q.a2a_overlap) +
         fmt::format("|{},{}", q.first_stage_layers, q.last_stage_layers);
}

}  // namespace rcn
