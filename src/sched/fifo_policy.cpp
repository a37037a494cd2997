#include "rcn/sched/fifo_policy.hpp"

namespace rcn {

FifoPolicy::FifoPolicy(const PolicyOptions& /*options: none*/) {}

std::vector<Placement> FifoPolicy::schedule(const SchedulerView& view) {
  std::vector<int> free(view.clusters.size());
  for (std::size_t c = 0; c < view.clusters.size(); ++c) free[c] = view.clusters[c].free_servers;
  std::vector<Placement> out;
  for (const PendingJob& job : view.queue) {
    std::optional<std::size_t> chosen;
    for (std::size_t c = 0; c < view.clusters.size() && !chosen; ++c) {
      const ClusterState& cs = view.clusters[c];
      if (job.site && *job.site != cs.site_name) continue;
      if (cs.servers_for(job.gpus) <= free[c]) chosen = c;
    }
    if (!chosen) break;  // the head waits, and so does everyone behind it
    free[*chosen] -= view.clusters[*chosen].servers_for(job.gpus);
    out.push_back({job.job, *chosen});
  }
  return out;
}

}  // namespace rcn
