#include "rcn/models/gemm_model.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <stdexcept>

namespace rcn {

double bytes_per_element(const std::string& precision) {
  if (precision == "fp8") return 1;
  if (precision == "tf32" || precision == "fp32") return 4;
  return 2;
}

GemmModel::GemmModel(const HardwareProfile& gpu)
    : hbm_rate_(gpu.hbm_bandwidth * gpu.hbm_efficiency), peaks_(gpu.peak_flops) {
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
  t.samples = std::move(samples);
  tables_[precision] = std::move(t);
}

double GemmModel::baseline(const Table& t, double m, double n, double k) const {
  const double compute = 2 * m * n * k / t.best_rate;
  const double traffic = t.elem_bytes * (m * k + k * n + m * n) / hbm_rate_;
  return std::max(compute, traffic) + t.fixed_s;
}

double GemmModel::seconds(const std::string& precision, double m, double n, double k) const {
  if (m <= 0 || n <= 0 || k <= 0) return 0;
  auto it = tables_.find(precision);
  double scale = 1;  // time multiplier when borrowing another precision's table
  if (it == tables_.end()) {
    it = tables_.find("bf16");
    if (it == tables_.end()) throw std::invalid_argument("profile has no GEMM table");
    auto mine = peaks_.find(precision), bf16 = peaks_.find("bf16");
    if (mine != peaks_.end() && bf16 != peaks_.end() && mine->second > 0) scale = bf16->second / mine->second;
  }
  const Table& t = it->second;
  const std::array<double, 3> q{std::log2(m), std::log2(n), std::log2(k)};
  // The 4 nearest measured shapes in log space.
  std::vector<std::pair<double, const GemmSample*>> near;
  near.reserve(t.samples.size());
  for (const auto& s : t.samples) {
    const double d = std::hypot(q[0] - std::log2(s.m), q[1] - std::log2(s.n), q[2] - std::log2(s.k));
    near.emplace_back(d, &s);
  }
  const std::size_t count = std::min<std::size_t>(4, near.size());
  std::partial_sort(near.begin(), near.begin() + count, near.end(),
                    [](const auto& a, const auto& b) { return a.first < b.first; });
  double wsum = 0, lsum = 0;
  for (std::size_t i = 0; i < count; ++i) {
    const GemmSample& s = *near[i].second;
    const double measured = 2 * s.m * s.n * s.k / (s.tflops * 1e12);
    const double log_ratio = std::log(measured / baseline(t, s.m, s.n, s.k));
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
