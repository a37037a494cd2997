#include "rcn/models/attention_model.hpp"

#include <algorithm>
#include <cmath>
#include <vector>

namespace rcn {

namespace {

// Rate (FLOP/s) at `seq` from samples sorted by seq: linear in log(seq), clamped.
double interpolate(const std::vector<std::pair<double, double>>& pts, double seq) {
  if (pts.size() == 1 || seq <= pts.front().first) return pts.front().second;
  if (seq >= pts.back().first) return pts.back().second;
  for (std::size_t i = 1; i < pts.size(); ++i) {
    if (seq > pts[i].first) continue;
    const double x0 = std::log(pts[i - 1].first), x1 = std::log(pts[i].first);
    const double f = (std::log(seq) - x0) / (x1 - x0);
    return pts[i - 1].second + f * (pts[i].second - pts[i - 1].second);
  }
  return pts.back().second;
}

}  // namespace

AttentionTime flash_attention_time(const HardwareProfile& gpu, const GemmModel& gemm, double batch, double heads,
                                   double seq, double head_dim, bool causal) {
  AttentionTime t;
  t.forward_flops = 4 * batch * heads * seq * seq * head_dim * (causal ? 0.5 : 1.0);
  if (t.forward_flops <= 0) return t;
  std::vector<std::pair<double, double>> fwd, both;
  for (const auto& a : gpu.attention)
    if (a.causal == causal) {
      fwd.emplace_back(a.seq, a.fwd_tflops * 1e12);
      both.emplace_back(a.seq, a.fwdbwd_tflops * 1e12);
    }
  if (fwd.empty()) {
    // QK^T and PV as batched GEMMs of (seq x head_dim) x (head_dim x seq).
    const double one = gemm.seconds("bf16", seq, seq, head_dim) * (causal ? 0.5 : 1.0);
    t.forward_s = 2 * batch * heads * one;
    t.backward_s = 2.5 * t.forward_s;
    return t;
  }
  auto by_seq = [](const auto& a, const auto& b) { return a.first < b.first; };
  std::sort(fwd.begin(), fwd.end(), by_seq);
  std::sort(both.begin(), both.end(), by_seq);
  t.forward_s = t.forward_flops / interpolate(fwd, seq);
  const double total = 3.5 * t.forward_flops / interpolate(both, seq);
  t.backward_s = std::max(total - t.forward_s, 0.0);
  return t;
}

}  // namespace rcn
