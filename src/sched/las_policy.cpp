#include <algorithm>

#include "rcn/scenario/units.hpp"
#include "rcn/sched/builtin_policies.hpp"

namespace rcn {

LasPolicy::LasPolicy(const PolicyOptions& o) {
  if (auto q = o.get("quantum")) quantum_ = parse_quantity(*q, Quantity::Duration).value_or(quantum_);
  if (auto g = o.get("gap")) gap_ = parse_quantity(*g, Quantity::Count).value_or(gap_);
}

std::vector<std::size_t> LasPolicy::preempt(const SchedulerView& v) {
  // The least-served waiting job that fits nowhere now may displace the running
  // job with the most attained service on a cluster where it would then fit.
  std::vector<std::size_t> out;
  const PendingJob* first = nullptr;
  for (const PendingJob& j : v.queue)  // a job across sites never preempts (docs/scheduling.md)
    if (!j.across_sites && (!first || j.attained_service_s < first->attained_service_s)) first = &j;
  if (!first) return out;
  for (std::size_t c = 0; c < v.clusters.size(); ++c)
    if (allowed_on(*first, v.clusters[c]) && v.clusters[c].servers_for(first->gpus) <= v.clusters[c].free_servers)
      return out;  // it fits already
  const RunningJob* victim = nullptr;
  for (const RunningJob& r : v.running) {
    const ClusterState& cs = v.clusters[r.cluster_state];
    if (!r.preemptible || !allowed_on(*first, cs) || v.now - r.start_time < quantum_) continue;
    if (r.attained_service_s < first->attained_service_s + gap_) continue;
    if (cs.free_servers + r.servers < cs.servers_for(first->gpus)) continue;
    if (!victim || r.attained_service_s > victim->attained_service_s) victim = &r;
  }
  if (victim) out.push_back(victim->job);
  return out;
}

std::vector<Placement> LasPolicy::schedule(const SchedulerView& v) {
  std::vector<const PendingJob*> order;
  for (const PendingJob& j : v.queue) order.push_back(&j);
  std::stable_sort(order.begin(), order.end(), [](const PendingJob* a, const PendingJob* b) {
    return a->attained_service_s < b->attained_service_s;
  });
  std::vector<int> free;
  for (const auto& c : v.clusters) free.push_back(c.free_servers);
  std::vector<Placement> out;
  for (const PendingJob* j : order) {
    if (j->across_sites) {  // the first offered split with room, else it waits (others may pass it)
      if (const auto i = first_split(v, *j, free)) out.push_back(place_split(v, *j, *i, free));
      continue;
    }
    for (std::size_t c = 0; c < v.clusters.size(); ++c) {
      if (!allowed_on(*j, v.clusters[c]) || v.clusters[c].servers_for(j->gpus) > free[c]) continue;
      free[c] -= v.clusters[c].servers_for(j->gpus);
      out.push_back({j->job, c});
      break;
    }
  }
  return out;
}

}  // namespace rcn
