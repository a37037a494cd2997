#include <algorithm>
#include <limits>

#include "rcn/sched/builtin_policies.hpp"

namespace rcn {

SjfPolicy::SjfPolicy(const PolicyOptions&) {}

std::vector<Placement> SjfPolicy::schedule(const SchedulerView& v) {
  // Shortest remaining run time (on its fastest allowed cluster) first, ties by submission.
  std::vector<const PendingJob*> order;
  for (const PendingJob& j : v.queue) order.push_back(&j);
  auto shortest = [&](const PendingJob* j) {
    double best = std::numeric_limits<double>::infinity();
    for (std::size_t c = 0; c < v.clusters.size(); ++c)
      if (allowed_on(*j, v.clusters[c])) best = std::min(best, j->runtime_on[c]);
    return best;
  };
  std::stable_sort(order.begin(), order.end(),
                   [&](const PendingJob* a, const PendingJob* b) { return shortest(a) < shortest(b); });
  std::vector<int> free;
  for (const auto& c : v.clusters) free.push_back(c.free_servers);
  std::vector<Placement> out;
  for (const PendingJob* j : order) {
    std::optional<std::size_t> best;
    for (std::size_t c = 0; c < v.clusters.size(); ++c) {
      if (!allowed_on(*j, v.clusters[c]) || v.clusters[c].servers_for(j->gpus) > free[c]) continue;
      if (!best || j->runtime_on[c] < j->runtime_on[*best]) best = c;
    }
    if (!best) continue;  // SJF does not block: the next shorter-fitting job may go
    free[*best] -= v.clusters[*best].servers_for(j->gpus);
    out.push_back({j->job, *best});
  }
  return out;
}

}  // namespace rcn
