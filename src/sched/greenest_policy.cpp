#include "rcn/sched/builtin_policies.hpp"

namespace rcn {

GreenestPolicy::GreenestPolicy(const PolicyOptions&, bool carbon) : carbon_(carbon) {}

std::vector<Placement> GreenestPolicy::schedule(const SchedulerView& v) {
  std::vector<int> free;
  for (const auto& c : v.clusters) free.push_back(c.free_servers);
  std::vector<Placement> out;
  auto key_of = [&](std::size_t c) { return carbon_ ? v.clusters[c].carbon_g_per_kwh_now : v.clusters[c].price_per_kwh_now; };
  for (const PendingJob& job : v.queue) {
    if (job.across_sites) {  // the offered split with room whose clusters' mean price (carbon) is least
      const auto i = best_split(v, job, free, [&](std::size_t k) {
        const auto& split = v.cross_site_splits.at(job.job)[k];
        double sum = 0;
        for (std::size_t c : split) sum += key_of(c);
        return sum / static_cast<double>(split.size());
      });
      if (!i) break;  // FIFO: the head waits
      out.push_back(place_split(v, job, *i, free));
      continue;
    }
    std::optional<std::size_t> best;
    for (std::size_t c = 0; c < v.clusters.size(); ++c) {
      const ClusterState& cs = v.clusters[c];
      if (!allowed_on(job, cs) || cs.servers_for(job.gpus) > free[c]) continue;
      const double key = carbon_ ? cs.carbon_g_per_kwh_now : cs.price_per_kwh_now;
      const double best_key = best ? (carbon_ ? v.clusters[*best].carbon_g_per_kwh_now
                                              : v.clusters[*best].price_per_kwh_now)
                                   : 0;
      if (!best || key < best_key) best = c;
    }
    if (!best) break;  // FIFO: the head waits
    free[*best] -= v.clusters[*best].servers_for(job.gpus);
    out.push_back({job.job, *best});
  }
  return out;
}

}  // namespace rcn
