#include "rcn/models/fast_replica.hpp"

#include <algorithm>
#include <cmath>

namespace rcn {

namespace {
constexpr double kLevelRatio = 1.03;  // rates of neighbouring levels
constexpr double kLevelBase = 1e-4;   // requests/s of level 0
}  // namespace

FastReplicaModel::FastReplicaModel(const BatchLimits& lim, const InferenceCost& cost, const ArrivalSpec& arrivals,
                                   std::uint64_t seed, int requests_per_level, int share_of)
    : lim_(lim), cost_(cost), arrivals_(arrivals), seed_(seed), requests_(requests_per_level), share_of_(share_of) {}

int FastReplicaModel::level_of(double rate) {
  return static_cast<int>(std::ceil(std::log(std::max(rate, kLevelBase) / kLevelBase) / std::log(kLevelRatio) - 1e-9));
}

double FastReplicaModel::level_rate(int level) { return kLevelBase * std::pow(kLevelRatio, level); }

double FastReplicaModel::upper_weight(double rate) {
  const int upper = level_of(rate);
  if (upper <= 0) return 1.0;
  const double lo = level_rate(upper - 1), hi = level_rate(upper);
  return std::clamp((rate - lo) / (hi - lo), 0.0, 1.0);
}

const ReplicaQueueStats& FastReplicaModel::at_level(int level) {
  auto it = cache_.find(level);
  if (it == cache_.end())
    it = cache_.emplace(level, simulate_replica_queue(lim_, cost_, arrivals_, level_rate(level), requests_, seed_, share_of_)).first;
  return it->second;
}

}  // namespace rcn
