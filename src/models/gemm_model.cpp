#include "rcn/models/gemm_model.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <stdexcept>

namespace rcn {

namespace {

// Output tile of one CTA (one SM) in cuBLAS' Hopper GEMM kernels, whose names
// carry it ("tilesize128x256x64"): 128 x 256 with k-blocks of 64; the wgmma
// instruction's smallest M is 64, the tile skinny shapes (m <= 64) use.
constexpr double kTileN = 256, kTileK = 64;
double tile_m(double m) { return m <= 64 ? 64 : 128; }

}  // namespace

GemmModel::GemmModel(const HardwareProfile& gpu)
    : hbm_rate_(gpu.hbm_bandwidth * gpu.hbm_efficiency), sm_count_(gpu.sm_count), peaks_(gpu.peak_flops) {
  for (const auto& [prec, samples] : gpu.gemm)
    if (!samples.empty()) build(prec, samples);
}

void GemmModel::build(const std::string& precision, std::vector<GemmSample> samples) {
  Table t;
  t.elem_bytes = bytes_per_element(precision);
  double fastest = 1e30;
  for (const auto& s : samples) {
    t.best_rate = std::max(t.best_rate, s.tflops * 1e12);
    fastest = std::min(fastest, 2 * s.m * s.n * s.k / (s.tflops * 1e12));
  }
  t.fixed_s = 0.5 * fastest;
  t.points.reserve(samples.size());
  for (const auto& s : samples) {
    const double measured = 2 * s.m * s.n * s.k / (s.tflops * 1e12);
    t.points.push_back({std::log2(s.m), std::log2(s.n), std::log2(s.k), std::log(measured / baseline(t, s.m, s.n, s.k))});
  }
  t.samples = std::move(samples);
  tables_[precision] = std::move(t);
}

double GemmModel::baseline(const Table& t, double m, double n, double k) const {
  const double traffic = t.elem_bytes * (m * k + k * n + m * n) / hbm_rate_;
  if (sm_count_ <= 0) return std::max(2 * m * n * k / t.best_rate, traffic) + t.fixed_s;
  const double sms = sm_count_;
  const double tm = tile_m(m);
  const double tiles = std::ceil(m / tm) * std::ceil(n / kTileN);
  const double blocks = std::ceil(k / kTileK);
  const double per_sm_rate = t.best_rate / sms;
  const double block_s = 2 * tm * kTileN * kTileK / per_sm_rate;  // one k-block of one tile on one SM
  // One tile per SM per wave, the whole k loop each.
  const double whole = std::max(std::ceil(tiles / sms) * blocks * block_s, traffic);
  // Or, with fewer tiles than SMs, k split over floor(sm_count / tiles) SMs per tile (split-K),
  // each split at least one k-block, the output reduced through an fp32 workspace (written and
  // read once: m n x 8 bytes more traffic). The library runs whichever is faster.
  const double splits = std::max(1.0, std::min(std::floor(sms / tiles), blocks));
  const double split = std::max(std::ceil(tiles * splits / sms) * std::ceil(blocks / splits) * block_s, traffic + 8 * m * n / hbm_rate_);
  // Pipeline fill (first k-block of A and B) and the last output tile, per active SM, through HBM.
  const double active = std::min(tiles, sms);
  const double fill = active * ((tm + kTileN) * std::min(k, kTileK) + tm * kTileN) * t.elem_bytes / hbm_rate_;
  return std::min(whole, split) + fill + t.fixed_s;
}

const GemmModel::Table& GemmModel::table(const std::string& precision, double& time_scale) const {
  time_scale = 1;
  auto it = tables_.find(precision);
  if (it != tables_.end()) return it->second;
  it = tables_.find("bf16");
  if (it == tables_.end()) throw std::invalid_argument("profile has no GEMM table");
  auto mine = peaks_.find(precision), bf16 = peaks_.find("bf16");
  if (mine != peaks_.end() && bf16 != peaks_.end() && mine->second > 0) time_scale = bf16->second / mine->second;
  return it->second;
}

double GemmModel::baseline_seconds(const std::string& precision, double m, double n, double k) const {
  if (m <= 0 || n <= 0 || k <= 0) return 0;
  double scale = 1;
  const Table& t = table(precision, scale);
  return scale * baseline(t, m, n, k);
}

double GemmModel::seconds(const std::string& precision, double m, double n, double k) const {
  if (m <= 0 || n <= 0 || k <= 0) return 0;
  double scale = 1;  // time multiplier when borrowing another precision's table
  const Table& t = table(precision, scale);
  const std::array<double, 3> q{std::log2(m), std::log2(n), std::log2(k)};
  // The 4 nearest measured shapes in log space (insertion into a fixed array: no allocation).
  constexpr std::size_t kNear = 4;
  std::array<std::pair<double, const Point*>, kNear> near{};
  std::size_t count = 0;
  for (const Point& pt : t.points) {
    const double d = std::hypot(q[0] - pt.log_m, q[1] - pt.log_n, q[2] - pt.log_k);
    if (count == kNear && d >= near[kNear - 1].first) continue;
    std::size_t i = count < kNear ? count++ : kNear - 1;
    while (i > 0 && near[i - 1].first > d) {
      near[i] = near[i - 1];
      --i;
    }
    near[i] = {d, &pt};
  }
  double wsum = 0, lsum = 0;
  for (std::size_t i = 0; i < count; ++i) {
    const double log_ratio = near[i].second->log_ratio;
    if (near[i].first < 1e-9) {  // a measured shape: exact
      wsum = 1;
      lsum = log_ratio;
      break;
    }
    const double w = 1 / (near[i].first * near[i].first);
    wsum += w;
    lsum += w * log_ratio;
  }
  return scale * baseline(t, m, n, k) * std::exp(lsum / wsum);
}

double GemmModel::tflops(const std::string& precision, double m, double n, double k) const {
  const double s = seconds(precision, m, n, k);
  return s > 0 ? 2 * m * n * k / s / 1e12 : 0;
}

GemmModel GemmModel::without_shape(const std::string& precision, double m, double n, double k) const {
  GemmModel copy = *this;
  auto it = copy.tables_.find(precision);
  if (it == copy.tables_.end()) return copy;
  std::vector<GemmSample> rest;
  for (const auto& s : it->second.samples)
    if (!(s.m == m && s.n == n && s.k == k)) rest.push_back(s);
  copy.build(precision, rest);
  return copy;
}

}  // namespace rcn
