#include <algorithm>
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
