#include "rcn/sched/fifo_policy.hpp"

#include "rcn/sched/builtin_policies.hpp"

namespace rcn {

FifoPolicy::FifoPolicy(const PolicyOptions& /*options: none*/) {}

std::vector<Placement> FifoPolicy::schedule(const SchedulerView& view) {
  std::vector<int> free(view.clusters.size());
  for (std::size_t c = 0; c < view.clusters.size(); ++c) free[c] = view.clusters[c].free_servers;
  std::vector<Placement> out;
  for (const PendingJob& job : view.queue) {
    if (job.across_sites) {  // the first offered split with room for every share, else the head waits
      const auto i = first_split(view, job, free);
      if (!i) break;
      out.push_back(place_split(view, job, *i, free));
      continue;
    }
    // The full size first, then any smaller size the job accepts now.
    std::vector<int> sizes{job.gpus};
    sizes.insert(sizes.end(), job.shrink_gpus.begin(), job.shrink_gpus.end());
    std::optional<std::size_t> chosen;
    int gpus = job.gpus;
    for (int size : sizes) {
      for (std::size_t c = 0; c < view.clusters.size() && !chosen; ++c) {
        const ClusterState& cs = view.clusters[c];
        if (!allowed_on(job, cs)) continue;
        if (cs.servers_for(size) <= free[c]) chosen = c;
      }
      if (chosen) {
        gpus = size;
        break;
      }
    }
    if (!chosen) break;  // the head waits, and so does everyone behind it
    free[*chosen] -= view.clusters[*chosen].servers_for(gpus);
    out.push_back({job.job, *chosen, gpus == job.gpus ? 0 : gpus});
  }
  return out;
}

}  // namespace rcn
