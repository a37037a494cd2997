#include <cmath>
#include <limits>

#include "rcn/sched/builtin_policies.hpp"

namespace rcn {

EasyBackfillPolicy::EasyBackfillPolicy(const PolicyOptions&) {}

// FIFO up to the first job that does not fit (the head), which gets a reservation;
// then, in queue order, every later job that fits now and does not delay it. The
// second part asks the queue's shapes, not every job: jobs of one shape fit the same
// cluster, and the first of them that ends before the reservation is one tree search.
std::vector<Placement> EasyBackfillPolicy::schedule(const SchedulerView& v) {
  std::vector<int> free;  // free servers left as this round places jobs
  for (const ClusterState& c : v.clusters) free.push_back(c.free_servers);
  // `who`: a job or a queue shape (same size and allowed clusters).
  auto first_fit = [&](int gpus, const auto& who) -> std::optional<std::size_t> {
    for (std::size_t c = 0; c < v.clusters.size(); ++c) {
      const ClusterState& cs = v.clusters[c];
      if (allowed_on(who, cs) && cs.servers_for(gpus) <= free[c]) return c;
    }
    return std::nullopt;
  };
  std::vector<Placement> out;
  const PendingJob* head = nullptr;
  for (const PendingJob& job : v.queue) {  // FIFO while the head fits
    if (auto fit = first_fit(job.gpus, job)) {
      free[*fit] -= v.clusters[*fit].servers_for(job.gpus);
      out.push_back({job.job, *fit});
      continue;
    }
    head = &job;
    break;
  }
  if (!head) return out;
  // The head waits: reserve the cluster where it can start soonest.
  double shadow = std::numeric_limits<double>::infinity();  // when the head's reservation starts
  std::size_t res_cluster = 0;
  for (std::size_t c = 0; c < v.clusters.size(); ++c) {
    if (!allowed_on(*head, v.clusters[c])) continue;
    const int need = v.clusters[c].servers_for(head->gpus);
    if (need > v.clusters[c].total_servers) continue;
    const double t = earliest_free(v, c, need, free[c]);
    if (t < shadow) shadow = t, res_cluster = c;
  }
  if (!std::isfinite(shadow)) return out;  // nowhere, ever: behave like FIFO
  // Servers of the reserved cluster free at the shadow time beyond what the head needs.
  int free_then = free[res_cluster];
  for (const RunningJob& r : v.running)
    if (r.cluster_state == res_cluster && r.expected_end <= shadow) free_then += r.servers;
  int extra = free_then - v.clusters[res_cluster].servers_for(head->gpus);

  // Backfill: the earliest job after the last one considered that fits now and does not
  // delay the reservation. Between two placements nothing changes, so the jobs skipped
  // over are exactly those a scan in queue order would have refused.
  const auto& shapes = v.queue.shapes();
  std::vector<bool> never(shapes.size(), false);  // fits nowhere: free servers only shrink this round
  const PendingJob* after = head;
  for (;;) {
    const PendingJob* best = nullptr;
    std::size_t best_cluster = 0;
    for (std::size_t s = 0; s < shapes.size(); ++s) {
      if (never[s] || shapes[s].size() == 0) continue;
      const auto fit = first_fit(shapes[s].gpus(), shapes[s]);
      if (!fit) {
        never[s] = true;
        continue;
      }
      const int need = v.clusters[*fit].servers_for(shapes[s].gpus());
      const PendingJob* j = *fit != res_cluster || need <= extra
                                ? shapes[s].first_after(after)
                                : shapes[s].first_ending_by(after, res_cluster, v.now, shadow);
      if (j && (!best || queued_before(*j, *best))) best = j, best_cluster = *fit;
    }
    if (!best) return out;
    const int need = v.clusters[best_cluster].servers_for(best->gpus);
    if (best_cluster == res_cluster && v.now + best->runtime_on[best_cluster] > shadow) extra -= need;
    free[best_cluster] -= need;
    out.push_back({best->job, best_cluster});
    after = best;
  }
}

}  // namespace rcn
