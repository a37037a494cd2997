#include <algorithm>
#include <cmath>
#include <limits>

#include "rcn/sched/builtin_policies.hpp"

namespace rcn {

double earliest_free(const SchedulerView& v, std::size_t c, int servers) {
  return earliest_free(v, c, servers, v.clusters[c].free_servers);
}

double earliest_free(const SchedulerView& v, std::size_t c, int servers, int free) {
  if (free >= servers) return v.now;
  std::vector<std::pair<double, int>> ends;
  for (const RunningJob& r : v.running)
    if (r.cluster_state == c) ends.emplace_back(r.expected_end, r.servers);
  std::sort(ends.begin(), ends.end());
  for (const auto& [t, s] : ends) {
    free += s;
    if (free >= servers) return t;
  }
  return std::numeric_limits<double>::infinity();
}

bool split_fits(const SchedulerView& v, const PendingJob& j, const std::vector<std::size_t>& split,
                const std::vector<int>& free) {
  if (split.empty()) return false;
  const int share = j.gpus / static_cast<int>(split.size());
  return std::all_of(split.begin(), split.end(), [&](std::size_t c) { return v.clusters[c].servers_for(share) <= free[c]; });
}

Placement place_split(const SchedulerView& v, const PendingJob& j, const std::vector<std::size_t>& split,
                      std::vector<int>& free) {
  const int share = j.gpus / static_cast<int>(split.size());
  for (std::size_t c : split) free[c] -= v.clusters[c].servers_for(share);
  return {j.job, split.front(), 0, split};
}

Placement place_split(const SchedulerView& v, const PendingJob& j, std::size_t offered, std::vector<int>& free) {
  return place_split(v, j, v.cross_site_splits.at(j.job)[offered], free);
}

std::optional<std::size_t> first_split(const SchedulerView& v, const PendingJob& j, const std::vector<int>& free) {
  return best_split(v, j, free, [](std::size_t) { return 0.0; });
}

double split_time_s(const SchedulerView& v, const PendingJob& j, std::size_t i) {
  const auto t = v.cross_site_time_s.find(j.job);
  return t != v.cross_site_time_s.end() && i < t->second.size() ? t->second[i] : std::numeric_limits<double>::infinity();
}

std::optional<SplitReservation> earliest_split(const SchedulerView& v, const PendingJob& j, const std::vector<int>& free) {
  std::optional<SplitReservation> best;
  for (int k : j.split_counts) {
    if (k <= 0 || k > static_cast<int>(j.share_clusters.size())) continue;
    const int share = j.gpus / k;
    std::vector<std::pair<double, std::size_t>> soonest;  // per candidate site: (time, cluster)
    for (const auto& clusters : j.share_clusters) {
      std::optional<std::pair<double, std::size_t>> site_best;
      for (std::size_t c : clusters) {
        const int need = v.clusters[c].servers_for(share);
        if (need > v.clusters[c].total_servers) continue;
        const double t = earliest_free(v, c, need, free[c]);
        if (!site_best || t < site_best->first) site_best = std::make_pair(t, c);
      }
      if (site_best && std::isfinite(site_best->first)) soonest.push_back(*site_best);
    }
    if (static_cast<int>(soonest.size()) < k) continue;
    std::stable_sort(soonest.begin(), soonest.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
    const double t = soonest[static_cast<std::size_t>(k) - 1].first;
    if (best && t >= best->time) continue;
    best = SplitReservation{t, {}, share};
    for (int i = 0; i < k; ++i) best->clusters.push_back(soonest[static_cast<std::size_t>(i)].second);
  }
  return best;
}

namespace {
bool allowed(const std::optional<std::string>& site, const std::vector<std::pair<std::size_t, std::size_t>>& not_allowed_on,
             const ClusterState& c) {
  return (!site || *site == c.site_name) &&
         std::find(not_allowed_on.begin(), not_allowed_on.end(), std::make_pair(c.site, c.cluster)) == not_allowed_on.end();
}
}  // namespace

bool allowed_on(const PendingJob& j, const ClusterState& c) { return allowed(j.site, j.not_allowed_on, c); }
bool allowed_on(const PendingQueue::Shape& s, const ClusterState& c) { return allowed(s.site(), s.not_allowed_on(), c); }

}  // namespace rcn
