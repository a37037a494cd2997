#include "rcn/models/fast_replica.hpp"

#include <cmath>

namespace rcn {

namespace {
constexpr double kLevelRatio = 1.03;  // rates of neighbouring levels
constexpr double kLevelBase = 1e-4;   // requests/s of level 0
}  // namespace

FastReplicaModel::FastReplicaModel(const BatchLimits& lim, const InferenceCost& cost, const ArrivalSpec& arrivals,
                                   std::uint64_t seed, int requests_per_level)
    : lim_(lim), cost_(cost), arrivals_(arrivals), seed_(seed), requests_(requests_per_level) {}

int FastReplicaModel::level_of(double rate) {
  return static_cast<int>(std::ceil(std::log(std::max(rate, kLevelBase) / kLevelBase) / std::log(kLevelRatio) - 1e-9));
}

double FastReplicaModel::level_rate(int level) { return kLevelBase * std::pow(kLevelRatio, level); }

const ReplicaQueueStats& FastReplicaModel::at_level(int level) {
  auto it = cache_.find(level);
  if (it == cache_.end())
    it = cache_.emplace(level, simulate_replica_queue(lim_, cost_, arrivals_, level_rate(level), requests_, seed_)).first;
  return it->second;
}

}  // namespace rcn
