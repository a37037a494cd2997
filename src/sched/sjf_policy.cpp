#include <limits>
#include <tuple>
#include <unordered_set>

#include "rcn/sched/builtin_policies.hpp"

namespace rcn {

SjfPolicy::SjfPolicy(const PolicyOptions&) {}

// Shortest remaining run time (on its fastest allowed cluster) first, ties by queue
// order; a job that fits nowhere is passed over. Each shape's jobs come from its
// run-time orders (one per allowed cluster, merged: a job first appears at its
// shortest run time), so a round costs O(shapes x clusters) per placement, and a
// shape that fits nowhere is dropped whole. A job across sites counts its estimated time to
// train on the quickest offered split that has room.
std::vector<Placement> SjfPolicy::schedule(const SchedulerView& v) {
  std::vector<int> free;
  for (const auto& c : v.clusters) free.push_back(c.free_servers);
  using Entry = PendingQueue::Shape::ByRuntime::const_iterator;
  struct Stream {
    const PendingQueue::Shape* shape;
    std::vector<std::size_t> clusters;  // allowed
    std::vector<Entry> at, end;         // per allowed cluster: its run-time order
    bool done = false;
  };
  std::vector<Stream> streams;
  for (const auto& shape : v.queue.shapes()) {
    if (shape.size() == 0) continue;
    Stream st{&shape, {}, {}, {}};
    for (std::size_t c = 0; c < v.clusters.size(); ++c) {
      if (!allowed_on(shape, v.clusters[c])) continue;
      st.clusters.push_back(c);
      st.at.push_back(shape.by_runtime_on(c).begin());
      st.end.push_back(shape.by_runtime_on(c).end());
    }
    streams.push_back(std::move(st));
  }
  std::unordered_set<std::size_t> placed;
  // The stream's next job: the least (run time, queue order) over its clusters, skipping placed jobs.
  auto next = [&](Stream& st) -> std::optional<std::size_t> {
    std::optional<std::size_t> k;
    for (std::size_t i = 0; i < st.at.size(); ++i) {
      while (st.at[i] != st.end[i] && placed.count(std::get<2>(*st.at[i])->job)) ++st.at[i];
      if (st.at[i] == st.end[i]) continue;
      if (!k || std::tie(std::get<0>(*st.at[i]), std::get<1>(*st.at[i])) <
                    std::tie(std::get<0>(*st.at[*k]), std::get<1>(*st.at[*k])))
        k = i;
    }
    return k;
  };
  std::vector<Placement> out;
  for (;;) {
    Stream* best = nullptr;
    std::size_t best_k = 0;
    for (Stream& st : streams) {
      if (st.done) continue;
      bool fits = false;
      for (std::size_t c : st.clusters) fits = fits || v.clusters[c].servers_for(st.shape->gpus()) <= free[c];
      const auto k = fits ? next(st) : std::nullopt;
      if (!k) {
        st.done = true;  // fits nowhere (free servers only shrink) or nothing left
        continue;
      }
      if (!best || std::tie(std::get<0>(*st.at[*k]), std::get<1>(*st.at[*k])) <
                       std::tie(std::get<0>(*best->at[best_k]), std::get<1>(*best->at[best_k])))
        best = &st, best_k = *k;
    }
    // Jobs across sites (few) compete by their estimated time to train on the quickest offered
    // split with room now.
    const PendingJob* xj = nullptr;
    std::size_t x_split = 0;
    double x_time = 0;
    for (const auto& [job, splits] : v.cross_site_splits) {
      const PendingJob* j = v.queue.find(job);
      if (!j || placed.count(job)) continue;
      const auto i = best_split(v, *j, free, [&](std::size_t k) { return split_time_s(v, *j, k); });
      if (!i) continue;
      const double t = split_time_s(v, *j, *i);
      if (!xj || std::tie(t, j->submit_time, j->joined) < std::tie(x_time, xj->submit_time, xj->joined))
        xj = j, x_split = *i, x_time = t;
    }
    if (xj && (!best || std::make_tuple(x_time, std::make_pair(xj->submit_time, xj->joined)) <
                            std::tie(std::get<0>(*best->at[best_k]), std::get<1>(*best->at[best_k])))) {
      out.push_back(place_split(v, *xj, x_split, free));
      placed.insert(xj->job);
      continue;
    }
    if (!best) return out;
    const PendingJob& j = *std::get<2>(*best->at[best_k]);
    std::optional<std::size_t> c_best;
    for (std::size_t c : best->clusters) {
      if (v.clusters[c].servers_for(j.gpus) > free[c]) continue;
      if (!c_best || j.runtime_on[c] < j.runtime_on[*c_best]) c_best = c;
    }
    free[*c_best] -= v.clusters[*c_best].servers_for(j.gpus);
    out.push_back({j.job, *c_best});
    placed.insert(j.job);
  }
}

}  // namespace rcn
