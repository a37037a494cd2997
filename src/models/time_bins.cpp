#include "rcn/models/time_bins.hpp"

#include <algorithm>
#include <cmath>

namespace rcn {

TimeBins make_time_bins(double end_s, std::size_t max_bins, double min_width_s) {
  TimeBins b;
  if (!(end_s > 0) || !std::isfinite(end_s) || max_bins == 0) {
    b.width = 1, b.count = 1;
    return b;
  }
  const double by_width = min_width_s > 0 ? std::floor(end_s / min_width_s) : static_cast<double>(max_bins);
  b.count = static_cast<std::size_t>(std::clamp(by_width, 1.0, static_cast<double>(max_bins)));
  b.width = end_s / static_cast<double>(b.count);
  return b;
}

void add_binned_area(std::vector<double>& area, const TimeBins& bins, double last_end, double from, double to,
                     double value) {
  from = std::max(from, 0.0), to = std::min(to, last_end);
  if (!(to > from) || value == 0 || area.empty()) return;
  const std::size_t count = std::min(bins.count, area.size());
  for (std::size_t i = bins.of(from); i < count; ++i) {
    const double lo = std::max(from, bins.width * static_cast<double>(i));
    const double hi = std::min(to, i + 1 == count ? last_end : bins.width * static_cast<double>(i + 1));
    if (lo >= to) break;
    if (hi > lo) area[i] += value * (hi - lo);
  }
}

std::vector<double> bin_step_mean(const std::vector<std::pair<double, double>>& changes, double initial,
                                  const TimeBins& bins) {
  std::vector<double> area(bins.count, 0.0);
  const double end = bins.width * static_cast<double>(bins.count);
  double t = 0, v = initial;
  for (const auto& [time, value] : changes) {
    if (time >= end) break;
    add_binned_area(area, bins, end, t, time, v);
    t = std::max(t, time), v = value;
  }
  add_binned_area(area, bins, end, t, end, v);
  for (double& a : area) a /= bins.width;
  return area;
}

}  // namespace rcn
