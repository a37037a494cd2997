#include <algorithm>
#include <limits>

#include "rcn/sched/builtin_policies.hpp"

namespace rcn {

LocalityPolicy::LocalityPolicy(const PolicyOptions&) {}

std::vector<Placement> LocalityPolicy::schedule(const SchedulerView& v) {
  std::vector<int> free;  // free servers left as this round places jobs
  for (const ClusterState& c : v.clusters) free.push_back(c.free_servers);
  const SchedulerView& view = v;
  std::vector<Placement> out;
  for (const PendingJob& job : v.queue) {
    if (job.across_sites) {  // the offered split with room whose slowest data transfer is least
      const auto i = best_split(v, job, free, [&](std::size_t k) {
        double worst = 0;
        for (std::size_t c : v.cross_site_splits.at(job.job)[k]) worst = std::max(worst, job.transfer_s_to[c]);
        return worst;
      });
      if (i) out.push_back(place_split(v, job, *i, free));
      continue;
    }
    // Cost of each cluster: the wait for enough free servers plus the data transfer.
    std::optional<std::size_t> best;
    double best_cost = std::numeric_limits<double>::infinity();
    for (std::size_t c = 0; c < view.clusters.size(); ++c) {
      const ClusterState& cs = view.clusters[c];
      if (!allowed_on(job, cs) || cs.servers_for(job.gpus) > cs.total_servers) continue;
      const double wait = earliest_free(view, c, cs.servers_for(job.gpus), free[c]) - view.now;
      const double cost = wait + job.transfer_s_to[c];
      if (cost < best_cost) best_cost = cost, best = c;
    }
    if (!best) continue;
    const ClusterState& cs = view.clusters[*best];
    if (cs.servers_for(job.gpus) > free[*best]) continue;  // cheapest is to wait there
    free[*best] -= cs.servers_for(job.gpus);
    out.push_back({job.job, *best});
  }
  return out;
}

}  // namespace rcn
