#include <cmath>
#include <limits>

#include "rcn/sched/builtin_policies.hpp"

namespace rcn {

EasyBackfillPolicy::EasyBackfillPolicy(const PolicyOptions&) {}

std::vector<Placement> EasyBackfillPolicy::schedule(const SchedulerView& v) {
  SchedulerView view = v;  // free servers change as placements are made
  std::vector<Placement> out;
  bool reserved = false;
  std::size_t res_cluster = 0;
  double shadow = 0;  // when the head's reservation starts
  int extra = 0;      // servers of the reserved cluster the head will not need at the shadow time
  for (const PendingJob& job : v.queue) {
    std::optional<std::size_t> fit;
    for (std::size_t c = 0; c < view.clusters.size() && !fit; ++c) {
      const ClusterState& cs = view.clusters[c];
      if (allowed_on(job, cs) && cs.servers_for(job.gpus) <= cs.free_servers) fit = c;
    }
    if (!reserved) {
      if (fit) {  // FIFO while the head fits
        view.clusters[*fit].free_servers -= view.clusters[*fit].servers_for(job.gpus);
        out.push_back({job.job, *fit});
        continue;
      }
      // The head waits: reserve the cluster where it can start soonest.
      shadow = std::numeric_limits<double>::infinity();
      for (std::size_t c = 0; c < view.clusters.size(); ++c) {
        if (!allowed_on(job, view.clusters[c])) continue;
        const int need = view.clusters[c].servers_for(job.gpus);
        if (need > view.clusters[c].total_servers) continue;
        const double t = earliest_free(view, c, need);
        if (t < shadow) shadow = t, res_cluster = c;
      }
      reserved = true;
      if (!std::isfinite(shadow)) return out;  // nowhere, ever: behave like FIFO
      // Servers free at the shadow time beyond what the head needs.
      int free_then = view.clusters[res_cluster].free_servers;
      for (const RunningJob& r : view.running)
        if (r.cluster_state == res_cluster && r.expected_end <= shadow) free_then += r.servers;
      extra = free_then - view.clusters[res_cluster].servers_for(job.gpus);
      continue;
    }
    // Backfill: start now if it fits and does not delay the head's reservation.
    if (!fit) continue;
    const std::size_t c = *fit;
    const int need = view.clusters[c].servers_for(job.gpus);
    const double ends = view.now + job.runtime_on[c];
    if (c != res_cluster || ends <= shadow || need <= extra) {
      if (c == res_cluster && ends > shadow) extra -= need;
      view.clusters[c].free_servers -= need;
      out.push_back({job.job, c});
    }
  }
  return out;
}

}  // namespace rcn
