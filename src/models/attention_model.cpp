#include "rcn/models/attention_model.hpp"

#include <algorithm>
#include <array>
#include <cmath>

namespace rcn {

namespace {

constexpr double kExpPerClockPerSm = 16;  // MUFU.EX2 throughput, CUDA C++ Programming Guide (cc 8.x, 9.0)
constexpr double kSmClockHz = 1.98e9;     // H200 max SM clock (calibration/nvidia-h200 microbench meta)

// (seq, rate FLOP/s) points of one head dim and masking, sorted by seq; at most a handful.
struct RatePoints {
  std::array<std::pair<double, double>, 16> pts{};
  std::size_t size = 0;
  void add(double seq, double rate) {
    if (size == pts.size()) return;
    std::size_t i = size++;
    while (i > 0 && pts[i - 1].first > seq) {
      pts[i] = pts[i - 1];
      --i;
    }
    pts[i] = {seq, rate};
  }
  // Linear in log(seq), clamped.
  double at(double seq) const {
    if (size == 1 || seq <= pts[0].first) return pts[0].second;
    if (seq >= pts[size - 1].first) return pts[size - 1].second;
    for (std::size_t i = 1; i < size; ++i) {
      if (seq > pts[i].first) continue;
      const double x0 = std::log(pts[i - 1].first), x1 = std::log(pts[i].first);
      const double f = (std::log(seq) - x0) / (x1 - x0);
      return pts[i - 1].second + f * (pts[i].second - pts[i - 1].second);
    }
    return pts[size - 1].second;
  }
};

}  // namespace

double attention_exp_share(const HardwareProfile& gpu, double head_dim, bool forward) {
  const double peak = gpu.peak("bf16");
  if (gpu.sm_count <= 0 || peak <= 0 || head_dim <= 0) return 0;
  const double exp_s = 1 / (gpu.sm_count * kExpPerClockPerSm * kSmClockHz);
  const double mma_s = (forward ? 4.0 : 10.0) * head_dim / peak;
  return exp_s / (mma_s + exp_s);
}

AttentionTime flash_attention_time(const HardwareProfile& gpu, const GemmModel& gemm, double batch, double heads,
                                   double seq, double head_dim, bool causal) {
  AttentionTime t;
  const double mask = causal ? 0.5 : 1.0;
  t.forward_flops = 4 * batch * heads * seq * seq * head_dim * mask;
  if (t.forward_flops <= 0) return t;
  // The measured head dim nearest (in log) to the asked one, among rows of this masking.
  double measured_dim = 0;
  for (const auto& a : gpu.attention)
    if (a.causal == causal &&
        (measured_dim == 0 || std::fabs(std::log(a.head_dim / head_dim)) < std::fabs(std::log(measured_dim / head_dim))))
      measured_dim = a.head_dim;
  if (measured_dim == 0) {
    // QK^T and PV as batched GEMMs of (seq x head_dim) x (head_dim x seq).
    const double one = gemm.seconds("bf16", seq, seq, head_dim) * mask;
    t.forward_s = 2 * batch * heads * one;
    t.backward_s = 2.5 * t.forward_s;
    return t;
  }
  RatePoints fwd, both;
  for (const auto& a : gpu.attention)
    if (a.causal == causal && a.head_dim == measured_dim) {
      fwd.add(a.seq, a.fwd_tflops * 1e12);
      both.add(a.seq, a.fwdbwd_tflops * 1e12);
    }
  // Times at the measured head dim, then moved to the asked one.
  const double flops0 = t.forward_flops * measured_dim / head_dim;
  const double fwd0 = flops0 / fwd.at(seq);
  const double bwd0 = std::max(3.5 * flops0 / both.at(seq) - fwd0, 0.0);
  const double x = head_dim / measured_dim;
  const double sf = attention_exp_share(gpu, measured_dim, true), sb = attention_exp_share(gpu, measured_dim, false);
  t.forward_s = fwd0 * ((1 - sf) * x + sf);
  t.backward_s = bwd0 * ((1 - sb) * x + sb);
  return t;
}

}  // namespace rcn
