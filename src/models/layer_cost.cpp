#include "rcn/models/layer_cost.hpp"

#include <algorithm>
#include <cmath>

namespace rcn {

LayerShard LayerShard::of(const TrainingJobSpec& job) {
  const auto& par = job.parallelism;
  LayerShard s;
  s.tp = par.tp;
  s.cp = par.cp;
  s.micro_batch = par.micro_batch;
  s.sequence_parallel = par.sequence_parallel && par.tp > 1;
  s.precision = job.precision;
  s.ep = par.ep;
  s.etp = par.etp;
  s.moe_imbalance = par.moe_imbalance;
  return s;
}

namespace {

constexpr double kAct = 2.0;   // bytes per activation element (bf16)
constexpr double kFp32 = 4.0;  // norm statistics, cross-entropy, main gradients

// Time and kernel count of one pass (forward or backward) of memory-bound kernels.
struct MemoryPass {
  const KernelModel& k;
  double s = 0;
  int kernels = 0;
  void add(double bytes, int launches) {
    s += k.memory_bound_s(bytes, launches);
    kernels += launches;
  }
};

// Forward GEMM plus its two backward GEMMs (input gradient and weight gradient).
void add_gemm(const KernelModel& k, const std::string& prec, double m, double n, double kk, double& fwd, double& bwd) {
  fwd += k.gemm_s(prec, m, n, kk);
  bwd += k.gemm_s(prec, m, kk, n) + k.gemm_s(prec, kk, n, m);
}

// RMSNorm / LayerNorm over `tokens` x h. Forward reads x, writes y and the fp32
// per-token statistic; backward reads x, dy and the statistic and writes dx,
// then reduces the per-block partial weight gradients (a second kernel).
void add_norm(MemoryPass& fwd, MemoryPass& bwd, double tokens, double h) {
  fwd.add(2 * tokens * h * kAct + tokens * kFp32, 1);
  bwd.add(3 * tokens * h * kAct + tokens * kFp32, 2);
}

// What one layer's blocks add to, in the order the dense layer has always summed them
// (so that dense results stay byte-identical).
struct LayerSums {
  double fwd = 0, bwd = 0;  // GEMMs and attention
  MemoryPass mem_f, mem_b;  // memory-bound kernels
  double attention_fwd = 0;
};

// The shapes of one GPU's share of a layer.
struct LayerDims {
  double t, cp, b, h, s_local, tokens, tok_local, mask;
};

// Ordinary (grouped-query) attention block: input norm, QKV, rotary on Q and K, flash
// attention, output projection, residual add.
void add_gqa_block(const ModelSpec& m, const LayerDims& d, const std::string& prec, const KernelModel& k,
                   LayerSums& a) {
  const double t = d.t, cp = d.cp, b = d.b, h = d.h, tokens = d.tokens, tok_local = d.tok_local;
  const double head_dim = m.head_size();
  const double heads = m.heads / t;                                           // query heads on this GPU
  const double kv_heads = std::max(1.0, (m.kv_heads > 0 ? m.kv_heads : m.heads) / t);  // replicated below one per rank
  add_norm(a.mem_f, a.mem_b, tok_local, h);
  add_gemm(k, prec, tokens, (heads + 2 * kv_heads) * head_dim, h, a.fwd, a.bwd);
  // Rotary: one kernel each for Q and K, reading and writing them; the backward rotates dQ and dK back.
  for (double hd : {heads, kv_heads}) {
    a.mem_f.add(2 * tokens * hd * head_dim * kAct, 1);
    a.mem_b.add(2 * tokens * hd * head_dim * kAct, 1);
  }
  // Each rank's queries against all keys: with cp ranks (load-balanced causal chunks) the
  // diagonal block is causal and the rest, (cp - 1) / 2 blocks' worth, is not.
  AttentionTime attn = k.attention(b, heads, d.s_local, head_dim, true);
  if (cp > 1) {
    const AttentionTime off = k.attention(b, heads, d.s_local, head_dim, false);
    attn.forward_s += (cp - 1) / 2 * off.forward_s;
    attn.backward_s += (cp - 1) / 2 * off.backward_s;
  }
  a.fwd += attn.forward_s;
  a.bwd += attn.backward_s;
  a.attention_fwd = attn.forward_s;
  add_gemm(k, prec, tokens, h, heads * head_dim, a.fwd, a.bwd);  // output projection
  // Residual add (Megatron's fused bias-dropout-add): read 2, write 1. Backward: the residual
  // stream's gradient and the branch's are summed (read 2, write 1). With dropout the same
  // fused kernel also writes its 1-byte mask forward and reads it backward.
  a.mem_f.add(3 * tok_local * h * kAct + tok_local * h * d.mask, 1);
  a.mem_b.add(3 * tok_local * h * kAct + tok_local * h * d.mask, 1);
}

// Multi-head latent attention block (DeepSeek-V2 sec. 2.1, as trained: no weight
// absorption): input norm; the query latent (q_a, its norm, q_b) or a direct query
// projection; the KV latent with the shared rotary key (kv_a, its norm, kv_b); rotary on
// the rope part of Q and K; flash attention with qk = nope + rope wide queries and keys
// and v wide values (timed at head width (qk + v) / 2, the same FLOPs); output projection.
// The down projections are replicated over tp (Megatron-Core's MLA), the rest split by heads.
void add_mla_block(const ModelSpec& m, const LayerDims& d, const std::string& prec, const KernelModel& k,
                   LayerSums& a) {
  const double h = d.h, tokens = d.tokens, tok_local = d.tok_local, cp = d.cp;
  const double heads = m.heads / d.t, ql = m.mla.q_lora_rank, kvl = m.mla.kv_lora_rank;
  const double rope = m.mla.qk_rope_head_dim, qk = m.mla.qk_nope_head_dim + rope, v = m.mla.v_head_dim;
  add_norm(a.mem_f, a.mem_b, tok_local, h);
  if (ql > 0) {
    add_gemm(k, prec, tokens, ql, h, a.fwd, a.bwd);
    add_norm(a.mem_f, a.mem_b, tokens, ql);
    add_gemm(k, prec, tokens, heads * qk, ql, a.fwd, a.bwd);
  } else {
    add_gemm(k, prec, tokens, heads * qk, h, a.fwd, a.bwd);
  }
  add_gemm(k, prec, tokens, kvl + rope, h, a.fwd, a.bwd);
  add_norm(a.mem_f, a.mem_b, tokens, kvl);
  add_gemm(k, prec, tokens, heads * (m.mla.qk_nope_head_dim + v), kvl, a.fwd, a.bwd);
  // Rotary on the rope part of the queries and of the shared key, and the key's copy to every head.
  a.mem_f.add(2 * tokens * (heads + 1) * rope * kAct + tokens * heads * qk * kAct, 2);
  a.mem_b.add(2 * tokens * (heads + 1) * rope * kAct + tokens * heads * qk * kAct, 2);
  const double width = (qk + v) / 2;
  AttentionTime attn = k.attention(d.b, heads, d.s_local, width, true);
  if (cp > 1) {
    const AttentionTime off = k.attention(d.b, heads, d.s_local, width, false);
    attn.forward_s += (cp - 1) / 2 * off.forward_s;
    attn.backward_s += (cp - 1) / 2 * off.backward_s;
  }
  a.fwd += attn.forward_s;
  a.bwd += attn.backward_s;
  a.attention_fwd = attn.forward_s;
  add_gemm(k, prec, tokens, h, heads * v, a.fwd, a.bwd);
  a.mem_f.add(3 * tok_local * h * kAct + tok_local * h * d.mask, 1);
  a.mem_b.add(3 * tok_local * h * kAct + tok_local * h * d.mask, 1);
}

// fc1 (gate + up when gated), the activation and fc2 of an MLP `f_local` wide on `tokens`.
void add_mlp_gemms(const ModelSpec& m, const KernelModel& k, const std::string& prec, double tokens, double f_local,
                   double h, LayerSums& a) {
  add_gemm(k, prec, tokens, (m.gated_mlp ? 2 : 1) * f_local, h, a.fwd, a.bwd);
  if (m.gated_mlp) {  // SwiGLU: read gate and up, write the product; backward reads 3 and writes 2
    a.mem_f.add(3 * tokens * f_local * kAct, 1);
    a.mem_b.add(5 * tokens * f_local * kAct, 1);
  } else {  // GeLU: read 1, write 1; backward reads x and dy, writes dx
    a.mem_f.add(2 * tokens * f_local * kAct, 1);
    a.mem_b.add(3 * tokens * f_local * kAct, 1);
  }
  add_gemm(k, prec, tokens, h, f_local, a.fwd, a.bwd);
}

// MLP block: norm, fc1 (gate + up), activation, fc2, residual add.
void add_dense_mlp_block(const ModelSpec& m, const LayerDims& d, const std::string& prec, const KernelModel& k,
                         LayerSums& a) {
  add_norm(a.mem_f, a.mem_b, d.tok_local, d.h);
  add_mlp_gemms(m, k, prec, d.tokens, m.ffn / d.t, d.h, a);
  a.mem_f.add(3 * d.tok_local * d.h * kAct + d.tok_local * d.h * d.mask, 1);
  a.mem_b.add(3 * d.tok_local * d.h * kAct + d.tok_local * d.h * d.mask, 1);
}

// MoE MLP block on the busiest expert rank: norm; router GEMM (kept in bf16, as
// DeepSeek-V3 keeps the gating) with its softmax and top-k; the token permutation
// before the dispatch and the weighted un-permutation after the combine (each reading
// and writing the token-copies); the shared experts as a dense MLP split over tp; this
// GPU's experts/ep experts, each a GEMM pair on its share of the token-copies (grouped
// GEMMs, timed expert by expert) with widths expert_ffn / etp; residual add.
void add_moe_mlp_block(const ModelSpec& m, const LayerDims& d, const LayerShard& sh, const KernelModel& k,
                       LayerSums& a, LayerCost& c) {
  const double h = d.h, tok_in = d.tokens / d.t;  // tokens entering this GPU's router (the tp group's share)
  const double experts_here = static_cast<double>(m.moe.experts) / std::max(1, sh.ep);
  const double copies = tok_in * std::max(1, sh.etp) * m.moe.top_k * std::max(1.0, sh.moe_imbalance);
  c.expert_tokens = copies;
  add_norm(a.mem_f, a.mem_b, d.tok_local, h);
  add_gemm(k, "bf16", tok_in, m.moe.experts, h, a.fwd, a.bwd);
  a.mem_f.add(2 * tok_in * m.moe.experts * kFp32, 2);
  a.mem_b.add(3 * tok_in * m.moe.experts * kFp32, 2);
  const double permute = 2 * tok_in * m.moe.top_k * h * kAct;
  a.mem_f.add(2 * permute, 2);
  a.mem_b.add(2 * permute, 2);
  if (m.moe.shared_experts > 0) add_mlp_gemms(m, k, sh.precision, d.tokens, m.moe.shared_experts * m.moe.expert_ffn / d.t, h, a);
  LayerSums e{0, 0, MemoryPass{k}, MemoryPass{k}, 0};
  add_mlp_gemms(m, k, sh.precision, copies / experts_here, m.moe.expert_ffn / std::max(1, sh.etp), h, e);
  c.expert_forward_s = experts_here * (e.fwd + e.mem_f.s);
  c.expert_backward_s = experts_here * (e.bwd + e.mem_b.s);
  a.fwd += c.expert_forward_s;
  a.bwd += c.expert_backward_s;
  a.mem_f.kernels += static_cast<int>(experts_here) * e.mem_f.kernels;
  a.mem_b.kernels += static_cast<int>(experts_here) * e.mem_b.kernels;
  a.mem_f.add(3 * d.tok_local * h * kAct + d.tok_local * h * d.mask, 1);
  a.mem_b.add(3 * d.tok_local * h * kAct + d.tok_local * h * d.mask, 1);
}

}  // namespace

LayerCost layer_cost(const ModelSpec& m, const LayerShard& sh, const KernelModel& k, LayerKind kind) {
  LayerCost c;
  const std::string& prec = sh.precision;
  const double t = sh.tp, cp = std::max(1, sh.cp), b = sh.micro_batch, h = m.hidden;
  const double s_local = static_cast<double>(m.seq) / cp;  // tokens of each sequence on this GPU
  const double tokens = b * s_local;                                          // per micro-batch on this GPU
  const double tok_local = sh.sequence_parallel ? tokens / t : tokens;        // outside the TP blocks
  const LayerDims d{t, cp, b, h, s_local, tokens, tok_local, m.dropout ? 1.0 : 0.0};

  LayerSums a{0, 0, MemoryPass{k}, MemoryPass{k}, 0};
  if (m.uses_mla()) add_mla_block(m, d, prec, k, a);
  else add_gqa_block(m, d, prec, k, a);
  c.attention_forward_s = a.attention_fwd;
  if (kind == LayerKind::Moe && m.is_moe()) add_moe_mlp_block(m, d, sh, k, a, c);
  else add_dense_mlp_block(m, d, prec, k, a);
  c.forward_s = a.fwd + a.mem_f.s;
  c.backward_s = a.bwd + a.mem_b.s;
  c.forward_kernels = a.mem_f.kernels;
  c.backward_kernels = a.mem_b.kernels;

  // Last stage: final norm, logits GEMM (vocab split over tp), fp32 softmax cross-entropy.
  // Forward (Megatron's vocab-parallel cross-entropy): a max pass reading the bf16 logits, an
  // exp-and-sum pass reading them again and writing fp32 exponentials, a normalising pass
  // reading and writing those: 16 bytes per logit in 3 kernels. Backward reads the fp32 softmax
  // and writes the bf16 logit gradient (the one-hot subtraction and loss scale fused): 6 bytes.
  const double logits = tokens * static_cast<double>(m.vocab) / t;
  MemoryPass head_f{k}, head_b{k};
  add_norm(head_f, head_b, tok_local, h);
  head_f.add(logits * (kAct + kAct + kFp32 + 2 * kFp32), 3);
  head_b.add(logits * (kFp32 + kAct), 1);
  double head_fwd = 0, head_bwd = 0;
  // fp8 training keeps the output head in bf16 (DeepSeek-V3 report, sec. 3.3.1), as it does the
  // embedding, the router, the norms and the attention core.
  const std::string head_prec = prec == "fp8" ? "bf16" : prec;
  add_gemm(k, head_prec, tokens, static_cast<double>(m.vocab) / t, h, head_fwd, head_bwd);
  c.head_forward_s = head_fwd + head_f.s;
  c.head_backward_s = head_bwd + head_b.s;

  // First stage: the embedding gather reads one bf16 row per token and writes it. Its gradient
  // sorts the token ids and adds each row of dY into the fp32 embedding gradient (read dY,
  // read and write the fp32 row): sort, segment offsets and accumulate kernels.
  c.embedding_forward_s = k.memory_bound_s(2 * tokens * h * kAct, 1);
  c.embedding_backward_s = k.memory_bound_s(tokens * h * (kAct + 2 * kFp32), 3);
  return c;
}

double optimizer_step_s(double params, const KernelModel& k, double grad_bytes) {
  if (!(params > 0)) return 0;
  // Per parameter: fp32 master, m and v read and written (24 B), the gradient read by the
  // gradient-norm pass and by Adam (2 x grad_bytes), and the fp32 master read to write the
  // bf16 model weight (6 B): 38 B with fp32 gradients.
  const double bytes = params * (6 * kFp32 + 2 * grad_bytes + kFp32 + kAct);
  // Multi-tensor apply launches at most 320 blocks of 65,536 elements per kernel (PyTorch/Apex
  // multi_tensor_apply.cuh: depth_to_max_blocks, kChunkSize), for each of the 3 passes.
  const int launches = 3 * static_cast<int>(std::ceil(params / (320.0 * 65536.0)));
  return k.memory_bound_s(bytes, launches);
}

}  // namespace rcn
