// Spillover: keep work near users on the regional nodes, and spill to the
// large center only when no node can take it. The worked example of
// docs/writing-a-policy.md: a policy is this one file plus one line in
// src/sched/builtin_policies.cpp.
#include "rcn/sched/builtin_policies.hpp"

namespace rcn {
namespace {

class SpilloverPolicy : public SchedulingPolicy {
 public:
  explicit SpilloverPolicy(const PolicyOptions&) {}
  bool places_cross_site() const override { return true; }

  std::vector<Placement> schedule(const SchedulerView& v) override {
    std::vector<int> free;  // free servers left as this round places jobs
    for (const ClusterState& c : v.clusters) free.push_back(c.free_servers);
    std::vector<Placement> out;
    for (const PendingJob& job : v.queue) {
      if (job.across_sites) {  // the offered split with room that puts fewest shares on centers
        const auto i = best_split(v, job, free, [&](std::size_t k) {
          double centers = 0;
          for (std::size_t c : v.cross_site_splits.at(job.job)[k]) centers += v.clusters[c].kind == SiteKind::Center;
          return centers;
        });
        if (!i) break;  // FIFO order: the head waits
        out.push_back(place_split(v, job, *i, free));
        continue;
      }
      std::optional<std::size_t> chosen;
      // Two passes: nodes, then centers; the first cluster that fits wins.
      for (SiteKind kind : {SiteKind::Node, SiteKind::Center}) {
        for (std::size_t c = 0; c < v.clusters.size() && !chosen; ++c) {
          const ClusterState& cs = v.clusters[c];
          if (cs.kind == kind && allowed_on(job, cs) && cs.servers_for(job.gpus) <= free[c]) chosen = c;
        }
        if (chosen) break;
      }
      if (!chosen) break;  // FIFO order: the head waits, and so does everyone behind it
      free[*chosen] -= v.clusters[*chosen].servers_for(job.gpus);
      out.push_back({job.job, *chosen});
    }
    return out;
  }
};

}  // namespace

std::unique_ptr<SchedulingPolicy> make_spillover_policy(const PolicyOptions& options) {
  return std::make_unique<SpilloverPolicy>(options);
}

}  // namespace rcn
