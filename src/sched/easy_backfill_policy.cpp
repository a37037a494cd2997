#include <algorithm>
#include <cmath>
#include <limits>

#include "rcn/sched/builtin_policies.hpp"

namespace rcn {

EasyBackfillPolicy::EasyBackfillPolicy(const PolicyOptions&) {}

// FIFO up to the first job that does not fit (the head), which gets a reservation (on one
// cluster, or on the clusters of the split a job across sites could start on first);
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
    if (job.across_sites) {  // the first offered split with room for every share
      if (const auto i = first_split(v, job, free)) {
        out.push_back(place_split(v, job, *i, free));
        continue;
      }
    } else if (auto fit = first_fit(job.gpus, job)) {
      free[*fit] -= v.clusters[*fit].servers_for(job.gpus);
      out.push_back({job.job, *fit});
      continue;
    }
    head = &job;
    break;
  }
  if (!head) return out;
  // The head waits: reserve, from the earliest time it can start, the servers it will take then
  // (`reserve`, per cluster): on one cluster, or on each cluster of a split for a job across sites.
  double shadow = std::numeric_limits<double>::infinity();  // when the head's reservation starts
  std::vector<int> reserve(v.clusters.size(), 0);
  if (head->across_sites) {
    const auto r = earliest_split(v, *head, free);
    if (!r) return out;  // no split ever: behave like FIFO
    shadow = r->time;
    for (std::size_t c : r->clusters) reserve[c] = v.clusters[c].servers_for(r->share_gpus);
  } else {
    std::size_t res_cluster = 0;
    for (std::size_t c = 0; c < v.clusters.size(); ++c) {
      if (!allowed_on(*head, v.clusters[c])) continue;
      const int need = v.clusters[c].servers_for(head->gpus);
      if (need > v.clusters[c].total_servers) continue;
      const double t = earliest_free(v, c, need, free[c]);
      if (t < shadow) shadow = t, res_cluster = c;
    }
    if (!std::isfinite(shadow)) return out;  // nowhere, ever: behave like FIFO
    reserve[res_cluster] = v.clusters[res_cluster].servers_for(head->gpus);
  }
  // Servers of each reserved cluster free at the shadow time beyond what the head needs there.
  std::vector<int> extra(v.clusters.size(), 0);
  for (std::size_t c = 0; c < v.clusters.size(); ++c) {
    if (reserve[c] == 0) continue;
    int free_then = free[c];
    for (const RunningJob& r : v.running)
      if (r.cluster_state == c && r.expected_end <= shadow) free_then += r.servers;
    extra[c] = free_then - reserve[c];
  }

  // Backfill: the earliest job after the last one considered that fits now and does not
  // delay the reservation. Between two placements nothing changes, so the jobs skipped
  // over are exactly those a scan in queue order would have refused. A job across sites
  // (few) is asked directly: its first offered split with room where each share either
  // ends by the shadow time or leaves the reserved servers untouched.
  const auto& shapes = v.queue.shapes();
  std::vector<bool> never(shapes.size(), false);  // fits nowhere: free servers only shrink this round
  const PendingJob* after = head;
  for (;;) {
    const PendingJob* best = nullptr;
    std::size_t best_cluster = 0;
    std::optional<std::size_t> best_split;  // set when `best` goes across sites
    for (std::size_t s = 0; s < shapes.size(); ++s) {
      if (never[s] || shapes[s].size() == 0) continue;
      const auto fit = first_fit(shapes[s].gpus(), shapes[s]);
      if (!fit) {
        never[s] = true;
        continue;
      }
      const int need = v.clusters[*fit].servers_for(shapes[s].gpus());
      const PendingJob* j = reserve[*fit] == 0 || need <= extra[*fit]
                                ? shapes[s].first_after(after)
                                : shapes[s].first_ending_by(after, *fit, v.now, shadow);
      if (j && (!best || queued_before(*j, *best))) best = j, best_cluster = *fit, best_split.reset();
    }
    for (const auto& [job, splits] : v.cross_site_splits) {
      const PendingJob* j = v.queue.find(job);
      if (!j || !queued_before(*after, *j) || (best && !queued_before(*j, *best))) continue;
      for (std::size_t i = 0; i < splits.size(); ++i) {
        const bool ends_by = v.now + split_time_s(v, *j, i) <= shadow;
        const int share = j->gpus / static_cast<int>(splits[i].size());
        if (split_fits(v, *j, splits[i], free) &&
            std::all_of(splits[i].begin(), splits[i].end(), [&](std::size_t c) {
              return ends_by || reserve[c] == 0 || v.clusters[c].servers_for(share) <= extra[c];
            })) {
          best = j, best_split = i;
          break;
        }
      }
    }
    if (!best) return out;
    if (best_split) {
      const auto& split = v.cross_site_splits.at(best->job)[*best_split];
      if (v.now + split_time_s(v, *best, *best_split) > shadow)
        for (std::size_t c : split)
          if (reserve[c] > 0) extra[c] -= v.clusters[c].servers_for(best->gpus / static_cast<int>(split.size()));
      out.push_back(place_split(v, *best, split, free));
    } else {
      const int need = v.clusters[best_cluster].servers_for(best->gpus);
      if (reserve[best_cluster] > 0 && v.now + best->runtime_on[best_cluster] > shadow) extra[best_cluster] -= need;
      free[best_cluster] -= need;
      out.push_back({best->job, best_cluster});
    }
    after = best;
  }
}

}  // namespace rcn
