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

bool allowed_on(const PendingJob& j, const ClusterState& c) { return !j.site || *j.site == c.site_name; }

}  // namespace rcn
