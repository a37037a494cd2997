#pragma once
// The fast inference mode's model of one replica shape (docs/inference.md, "Fast mode"): what a
// replica serving at a given arrival rate does per interval (throughput, latency distribution,
// busy share, KV occupancy, requests in it) from its batching regime at that load, calibrated by
// simulating the same replica on the same request lengths (simulate_replica_queue, the engine's
// own scheduler) once per load level and cached. Load levels are 3% of rate apart; a rate between
// two levels is served as a mixture of both, weighted linearly in rate (upper_weight), so its
// latency distribution sits between its neighbours' instead of jumping to the heavier one.
#include <cstdint>
#include <map>

#include "rcn/models/replica_queue.hpp"

namespace rcn {

class FastReplicaModel {
 public:
  // `requests_per_level`: arrivals simulated per level (a tenth of them warm-up).
  // `share_of`: the replica is one of that many fed in turn (simulate_replica_queue).
  FastReplicaModel(const BatchLimits& lim, const InferenceCost& cost, const ArrivalSpec& arrivals, std::uint64_t seed,
                   int requests_per_level = 4000, int share_of = 1);

  // The replica's statistics at `rate` requests per second (> 0): its level's, simulated the first time.
  const ReplicaQueueStats& at(double rate) { return at_level(level_of(rate)); }
  const ReplicaQueueStats& at_level(int level);
  // The level a rate belongs to, and that level's rate (the rate simulated).
  static int level_of(double rate);
  static double level_rate(int level);
  // The share of a rate's requests served at level_of(rate); the rest at the level below it.
  // Linear in rate between the two level rates: 1 at a level's own rate, towards 0 just above the one below.
  static double upper_weight(double rate);
  std::size_t levels_calibrated() const { return cache_.size(); }

 private:
  BatchLimits lim_;
  const InferenceCost& cost_;
  const ArrivalSpec& arrivals_;
  std::uint64_t seed_;
  int requests_;
  int share_of_;
  std::map<int, ReplicaQueueStats> cache_;
};

}  // namespace rcn
