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

}  // namespace

LayerCost layer_cost(const ModelSpec& m, const LayerShard& sh, const KernelModel& k) {
  LayerCost c;
  const std::string& prec = sh.precision;
  const double t = sh.tp, cp = std::max(1, sh.cp), b = sh.micro_batch, h = m.hidden, f = m.ffn;
  const double s_local = static_cast<double>(m.seq) / cp;  // tokens of each sequence on this GPU
  const double head_dim = h / m.heads;
  const double heads = m.heads / t;                                           // query heads on this GPU
  const double kv_heads = std::max(1.0, (m.kv_heads > 0 ? m.kv_heads : m.heads) / t);  // replicated below one per rank
  const double tokens = b * s_local;                                          // per micro-batch on this GPU
  const double tok_local = sh.sequence_parallel ? tokens / t : tokens;        // outside the TP blocks
  const double f_local = f / t;

  double fwd = 0, bwd = 0;
  MemoryPass mem_f{k}, mem_b{k};
  // Attention block: input norm, QKV, rotary on Q and K, flash attention, output projection, residual add.
  add_norm(mem_f, mem_b, tok_local, h);
  add_gemm(k, prec, tokens, (heads + 2 * kv_heads) * head_dim, h, fwd, bwd);
  // Rotary: one kernel each for Q and K, reading and writing them; the backward rotates dQ and dK back.
  for (double hd : {heads, kv_heads}) {
    mem_f.add(2 * tokens * hd * head_dim * kAct, 1);
    mem_b.add(2 * tokens * hd * head_dim * kAct, 1);
  }
  // Each rank's queries against all keys: with cp ranks (load-balanced causal chunks) the
  // diagonal block is causal and the rest, (cp - 1) / 2 blocks' worth, is not.
  AttentionTime attn = k.attention(b, heads, s_local, head_dim, true);
  if (cp > 1) {
    const AttentionTime off = k.attention(b, heads, s_local, head_dim, false);
    attn.forward_s += (cp - 1) / 2 * off.forward_s;
    attn.backward_s += (cp - 1) / 2 * off.backward_s;
  }
  fwd += attn.forward_s;
  bwd += attn.backward_s;
  c.attention_forward_s = attn.forward_s;
  add_gemm(k, prec, tokens, h, heads * head_dim, fwd, bwd);  // output projection
  // Residual add (Megatron's fused bias-dropout-add): read 2, write 1. Backward: the residual
  // stream's gradient and the branch's are summed (read 2, write 1). With dropout the same
  // fused kernel also writes its 1-byte mask forward and reads it backward.
  const double mask = m.dropout ? 1.0 : 0.0;
  mem_f.add(3 * tok_local * h * kAct + tok_local * h * mask, 1);
  mem_b.add(3 * tok_local * h * kAct + tok_local * h * mask, 1);
  // MLP block: norm, fc1 (gate + up), activation, fc2, residual add.
  add_norm(mem_f, mem_b, tok_local, h);
  add_gemm(k, prec, tokens, (m.gated_mlp ? 2 : 1) * f_local, h, fwd, bwd);
  if (m.gated_mlp) {  // SwiGLU: read gate and up, write the product; backward reads 3 and writes 2
    mem_f.add(3 * tokens * f_local * kAct, 1);
    mem_b.add(5 * tokens * f_local * kAct, 1);
  } else {  // GeLU: read 1, write 1; backward reads x and dy, writes dx
    mem_f.add(2 * tokens * f_local * kAct, 1);
    mem_b.add(3 * tokens * f_local * kAct, 1);
  }
  add_gemm(k, prec, tokens, h, f_local, fwd, bwd);
  mem_f.add(3 * tok_local * h * kAct + tok_local * h * mask, 1);
  mem_b.add(3 * tok_local * h * kAct + tok_local * h * mask, 1);
  c.forward_s = fwd + mem_f.s;
  c.backward_s = bwd + mem_b.s;
  c.forward_kernels = mem_f.kernels;
  c.backward_kernels = mem_b.kernels;

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
  add_gemm(k, prec, tokens, static_cast<double>(m.vocab) / t, h, head_fwd, head_bwd);
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
