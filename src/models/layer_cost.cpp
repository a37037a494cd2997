#include "rcn/models/layer_cost.hpp"

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

// Forward GEMM plus its two backward GEMMs (input gradient and weight gradient).
void add_gemm(const KernelModel& k, const std::string& prec, double m, double n, double kk, double& fwd, double& bwd) {
  fwd += k.gemm_s(prec, m, n, kk);
  bwd += k.gemm_s(prec, m, kk, n) + k.gemm_s(prec, kk, n, m);
}

}  // namespace

LayerCost layer_cost(const ModelSpec& m, const LayerShard& sh, const KernelModel& k) {
  LayerCost c;
  const std::string& prec = sh.precision;
  const double t = sh.tp, b = sh.micro_batch, s = static_cast<double>(m.seq) / sh.cp, h = m.hidden, f = m.ffn;
  const double head_dim = h / m.heads;
  const double tokens = b * s;                              // per micro-batch on this GPU
  const double tok_local = sh.sequence_parallel ? tokens / t : tokens;  // outside the TP blocks
  const double act = 2.0;                                   // bytes per activation element (bf16)

  double fwd = 0, bwd = 0;
  const double qkv_n = (h + 2.0 * m.kv_heads * head_dim) / t;
  add_gemm(k, prec, tokens, qkv_n, h, fwd, bwd);
  const AttentionTime attn = k.attention(b, m.heads / t, s, head_dim, true);
  fwd += attn.forward_s;
  bwd += attn.backward_s;
  c.attention_forward_s = attn.forward_s;
  add_gemm(k, prec, tokens, h, h / t, fwd, bwd);                                 // output projection
  add_gemm(k, prec, tokens, (m.gated_mlp ? 2 : 1) * f / t, h, fwd, bwd);         // fc1 (gate + up)
  add_gemm(k, prec, tokens, h, f / t, fwd, bwd);                                 // fc2
  // Memory-bound: 2 norms and 2 residual adds (read 2, write 1 tensors of tok_local x h),
  // the MLP activation (gated: read 2, write 1 of tokens x f/t; else read 1, write 1).
  const double mem_fwd = 2 * k.memory_bound_s(2 * tok_local * h * act) + 2 * k.memory_bound_s(3 * tok_local * h * act) +
                         k.memory_bound_s((m.gated_mlp ? 3 : 2) * tokens * f / t * act);
  fwd += mem_fwd;
  bwd += 2 * mem_fwd;  // backward reads and writes about twice the bytes
  c.forward_s = fwd;
  c.backward_s = bwd;

  double head_fwd = 0, head_bwd = 0;
  add_gemm(k, prec, tokens, static_cast<double>(m.vocab) / t, h, head_fwd, head_bwd);
  head_fwd += k.memory_bound_s(tokens * m.vocab / t * 4.0);  // softmax cross-entropy in fp32
  head_bwd += k.memory_bound_s(tokens * m.vocab / t * 4.0);
  c.head_forward_s = head_fwd;
  c.head_backward_s = head_bwd;
  c.embedding_forward_s = k.memory_bound_s(2 * tokens * h * act);
  c.embedding_backward_s = c.embedding_forward_s;
  return c;
}

double optimizer_step_s(double params, const KernelModel& k) {
  // Reads fp32 master, m, v and the fp32 gradient, writes master, m, v and the bf16 weights: 34 B/param.
  return k.memory_bound_s(34 * params);
}

}  // namespace rcn
