#pragma once
// The policies that ship with rcnsim, one class each (src/sched/<name>_policy.cpp).
// Registration by YAML name: src/sched/builtin_policies.cpp. Guide: docs/writing-a-policy.md.
#include "rcn/sched/scheduling_policy.hpp"

namespace rcn {

// EASY backfilling: FIFO, but when the head of the queue does not fit, it gets a
// reservation (the earliest time enough servers free up on some cluster, from
// running jobs' expected ends), and later jobs may start now if they fit and
// either end before that time or leave the reserved servers untouched.
class EasyBackfillPolicy : public SchedulingPolicy {
 public:
  explicit EasyBackfillPolicy(const PolicyOptions& o);
  std::vector<Placement> schedule(const SchedulerView& v) override;
  bool places_cross_site() const override { return true; }
};

// Shortest job first (by the step model's run time on the fastest cluster that
// fits it now); never preempts.
class SjfPolicy : public SchedulingPolicy {
 public:
  explicit SjfPolicy(const PolicyOptions& o);
  std::vector<Placement> schedule(const SchedulerView& v) override;
  bool places_cross_site() const override { return true; }
};

// Least attained service (Tiresias-style, one queue): jobs that have run the
// fewest GPU-seconds go first; a waiting job may preempt (via checkpoint) the
// running job with the most attained service when that has run for at least
// `quantum` (option, default 1h) and served at least `gap` more GPU-seconds
// (option, default 3600).
class LasPolicy : public SchedulingPolicy {
 public:
  explicit LasPolicy(const PolicyOptions& o);
  std::vector<std::size_t> preempt(const SchedulerView& v) override;
  std::vector<Placement> schedule(const SchedulerView& v) override;
  bool places_cross_site() const override { return true; }

 private:
  double quantum_ = 3600, gap_ = 3600;
};

// Data gravity: prefer the cluster that needs the least WAN transfer (where the
// dataset or checkpoint lives); a job waits for its data's site when moving the
// data elsewhere would take longer than waiting there.
class LocalityPolicy : public SchedulingPolicy {
 public:
  explicit LocalityPolicy(const PolicyOptions& o);
  std::vector<Placement> schedule(const SchedulerView& v) override;
  bool places_cross_site() const override { return true; }
};

// Cheapest electricity (cost-aware) or lowest grid carbon (carbon-aware) among
// the clusters that fit a job now, at this hour of the day; FIFO order.
class GreenestPolicy : public SchedulingPolicy {
 public:
  GreenestPolicy(const PolicyOptions& o, bool carbon);
  std::vector<Placement> schedule(const SchedulerView& v) override;
  bool places_cross_site() const override { return true; }

 private:
  bool carbon_;
};

// Shared helpers for policies.
// The earliest time `servers` servers are free on cluster c, from running jobs' expected ends.
double earliest_free(const SchedulerView& v, std::size_t c, int servers);
// The same when `free` of its servers are free now (a round that already placed jobs there).
double earliest_free(const SchedulerView& v, std::size_t c, int servers, int free);
// Whether a job (or every job of a queue shape) may run on cluster c: its site pin and
// the clusters where no layout of an auto job fits.
bool allowed_on(const PendingJob& j, const ClusterState& c);
bool allowed_on(const PendingQueue::Shape& s, const ClusterState& c);

// Jobs across sites (PendingJob::across_sites; docs/scheduling.md). `free`: free servers per
// cluster left by the round's placements so far.
// Whether every cluster of the split has the job's share (gpus / split size) free.
bool split_fits(const SchedulerView& v, const PendingJob& j, const std::vector<std::size_t>& split,
                const std::vector<int>& free);
// Takes the shares' servers out of `free` and returns the placement.
Placement place_split(const SchedulerView& v, const PendingJob& j, const std::vector<std::size_t>& split,
                      std::vector<int>& free);
// The same for the offered split v.cross_site_splits[j.job][offered].
Placement place_split(const SchedulerView& v, const PendingJob& j, std::size_t offered, std::vector<int>& free);
// The offered split (index into v.cross_site_splits[j.job]) that fits `free` with the least
// key(index), ties in offer order (best first); none when no offered split fits.
template <class Key>
std::optional<std::size_t> best_split(const SchedulerView& v, const PendingJob& j, const std::vector<int>& free,
                                      const Key& key) {
  const auto offered = v.cross_site_splits.find(j.job);
  if (offered == v.cross_site_splits.end()) return std::nullopt;
  std::optional<std::size_t> best;
  double best_key = 0;
  for (std::size_t i = 0; i < offered->second.size(); ++i) {
    if (!split_fits(v, j, offered->second[i], free)) continue;
    const double k = key(i);
    if (!best || k < best_key) best = i, best_key = k;
  }
  return best;
}
// The first offered split that fits `free` (the engine's best first).
std::optional<std::size_t> first_split(const SchedulerView& v, const PendingJob& j, const std::vector<int>& free);
// The estimated time to train on offered split i (infinity when the view has none).
double split_time_s(const SchedulerView& v, const PendingJob& j, std::size_t i);
// The earliest time a split of the job could start, from running jobs' expected ends (k of its
// candidate sites, each at its cluster whose share frees up first; the least time over its split
// counts, ties fewer sites), and the clusters it would take. None when no split ever fits.
struct SplitReservation {
  double time = 0;
  std::vector<std::size_t> clusters;
  int share_gpus = 0;
};
std::optional<SplitReservation> earliest_split(const SchedulerView& v, const PendingJob& j, const std::vector<int>& free);

}  // namespace rcn
