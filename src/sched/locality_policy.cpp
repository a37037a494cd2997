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
