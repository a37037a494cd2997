#include "rcn/plan/pareto.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace rcn {

namespace {
// Both coordinates as "smaller is better".
std::pair<double, double> as_minimised(std::pair<double, double> p, Sense xs, Sense ys) {
  return {xs == Sense::Maximise ? -p.first : p.first, ys == Sense::Maximise ? -p.second : p.second};
}
}  // namespace

bool dominates(std::pair<double, double> a, std::pair<double, double> b, Sense xs, Sense ys) {
  a = as_minimised(a, xs, ys);
  b = as_minimised(b, xs, ys);
  return a.first <= b.first && a.second <= b.second && (a.first < b.first || a.second < b.second);
}

std::vector<std::size_t> pareto_front(const std::vector<std::pair<double, double>>& points, Sense xs, Sense ys) {
  std::vector<std::size_t> order;
  for (std::size_t i = 0; i < points.size(); ++i)
    if (std::isfinite(points[i].first) && std::isfinite(points[i].second)) order.push_back(i);
  std::vector<std::pair<double, double>> m(points.size());
  for (std::size_t i : order) m[i] = as_minimised(points[i], xs, ys);
  std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    return m[a] != m[b] ? m[a] < m[b] : a < b;
  });
  // In order of x: a group of equal x keeps only its smallest y, and only when
  // that y is below every y seen at smaller x (which would dominate it).
  std::vector<std::size_t> front;
  double best_y = std::numeric_limits<double>::infinity();
  for (std::size_t g = 0; g < order.size();) {
    std::size_t end = g;
    while (end < order.size() && m[order[end]].first == m[order[g]].first) ++end;
    const double group_y = m[order[g]].second;  // the smallest y of the group (sorted)
    if (group_y < best_y)
      for (std::size_t k = g; k < end && m[order[k]].second == group_y; ++k) front.push_back(order[k]);
    best_y = std::min(best_y, group_y);
    g = end;
  }
  return front;
}

}  // namespace rcn
