#include "rcn/models/fabric_rounds.hpp"

#include <algorithm>

#include "rcn/models/fabric_failure.hpp"
#include "rcn/models/failure_schedule.hpp"

namespace rcn {

int ecmp_cable(std::uint64_t seed, int from, int to, int uplinks) {
  const std::uint64_t pair = (static_cast<std::uint64_t>(static_cast<std::uint32_t>(from)) << 32) |
                             static_cast<std::uint32_t>(to);
  SplitMix64 mix(seed ^ pair);
  return static_cast<int>(mix.next() % static_cast<std::uint64_t>(std::max(1, uplinks)));
}

std::uint64_t ecmp_seed(std::uint64_t scenario_seed, const std::string& job) {
  return stream_seed(scenario_seed, "ecmp/" + job);
}

CollectiveRounds collective_rounds(CollectiveOp op, const CollectiveCost& cost, int ranks, int ranks_per_server,
                                   int gpus_per_server, std::size_t n) {
  CollectiveRounds r;
  const int g = std::max(1, ranks_per_server);
  const int m = std::max(1, ranks / g);  // servers in one group
  if (m < 2 || n < 2 || cost.server_egress_bytes <= 0) return r;
  // Groups of m servers run side by side (the other ranks of a server run the
  // same collective in their own groups, on their own NICs): a server's peer is
  // in the next group position, and it sends for all its groups at once.
  const std::size_t stride = op == CollectiveOp::SendRecv ? 1 : std::max<std::size_t>(1, n / static_cast<std::size_t>(m));
  const double groups = double(gpus_per_server) / g;
  const int rounds = op == CollectiveOp::SendRecv ? 1 : op == CollectiveOp::AllReduce ? 2 * (m - 1) : (m - 1);
  r.per_round = cost.server_egress_bytes * groups / rounds;
  if (op == CollectiveOp::AllToAll) {
    // Pairwise exchange: in round k every server sends to the server k group positions on.
    // On a tiered fabric rounds differ (how many flows leave a leaf depends on k): at most
    // kAllToAllRounds of them, evenly spread, each standing for its share.
    const int simulated = std::min(m - 1, kAllToAllRounds);
    for (int k = 0; k < simulated; ++k) r.strides.push_back(stride * (1 + static_cast<std::size_t>(k) * (m - 1) / simulated));
    r.weight = double(m - 1) / simulated;
  } else {
    r.strides.push_back(stride);
    r.weight = rounds;
  }
  return r;
}

double round_stretch(const FabricShape& f, const std::vector<int>& servers, std::size_t stride,
                     const std::vector<double>& leaf_left, const std::vector<double>& pod_left,
                     const std::uint64_t* hash_seed) {
  if (!f.tiered() || f.group_uplink <= 0) return 1;
  const std::size_t n = servers.size();
  const bool hashed = hash_seed && f.ecmp_hash;
  const int U = hashed ? std::max(1, uplinks_per_group(f)) : 1;
  // Flows per leaf (ideal: U = 1, every flow on the leaf's one aggregated uplink) or per cable (hashed).
  std::vector<int> leaf_out(static_cast<std::size_t>(f.groups) * U, 0), leaf_in(leaf_out.size(), 0);
  std::vector<int> pod_out(f.pods, 0), pod_in(f.pods, 0);
  for (std::size_t i = 0; i < n; ++i) {
    const int from = servers[i], to = servers[(i + stride) % n];
    if (from == to || f.group_of(from) == f.group_of(to)) continue;
    const int up = hashed ? ecmp_cable(*hash_seed, from, to, U) : 0;
    const int down = hashed ? ecmp_cable(~*hash_seed, to, from, U) : 0;  // the cable into the far leaf
    ++leaf_out[static_cast<std::size_t>(f.group_of(from)) * U + up];
    ++leaf_in[static_cast<std::size_t>(f.group_of(to)) * U + down];
    if (f.tiers == 3 && f.pod_of(from) != f.pod_of(to)) ++pod_out[f.pod_of(from)], ++pod_in[f.pod_of(to)];
  }
  auto left = [](const std::vector<double>& v, int i) {
    return i < static_cast<int>(v.size()) ? std::max(1e-9, v[static_cast<std::size_t>(i)]) : 1.0;
  };
  double stretch = 1;
  for (std::size_t k = 0; k < leaf_out.size(); ++k) {
    const int g = static_cast<int>(k) / U;  // a cable carries 1/U of its leaf's capacity left
    stretch = std::max(stretch, std::max(leaf_out[k], leaf_in[k]) * f.server_bandwidth /
                                    (f.group_uplink / U * left(leaf_left, g)));
  }
  if (f.pod_uplink > 0)
    for (int p = 0; p < f.pods; ++p)
      stretch = std::max(stretch, std::max(pod_out[p], pod_in[p]) * f.server_bandwidth / (f.pod_uplink * left(pod_left, p)));
  return stretch;
}

double UplinkLossTimer::operator()(CollectiveOp op, double bytes, int ranks, int ranks_per_server) const {
  const CollectiveCost cost = collective_time(op, bytes, ranks, ranks_per_server, links_);
  const CollectiveRounds plan = collective_rounds(op, cost, ranks, ranks_per_server, gpus_per_server_, servers_.size());
  if (plan.strides.empty()) return cost.seconds;
  double extra = 0;  // idle rounds' worth the lost uplinks add
  for (std::size_t stride : plan.strides)
    extra += round_stretch(fabric_, servers_, stride, leaf_left_, pod_left_, &hash_seed_) -
             round_stretch(fabric_, servers_, stride, {}, {});
  return cost.seconds + std::max(0.0, cost.network_s / plan.rounds() * plan.weight * extra);
}

}  // namespace rcn
