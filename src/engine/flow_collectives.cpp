#include "src/engine/flow_collectives.hpp"

#include <algorithm>

#include "src/engine/wait_all.hpp"

namespace rcn {
namespace sg4 = simgrid::s4u;

double FlowCollectives::round(double bytes_per_server, std::size_t stride) {
  const std::size_t n = servers_.size();
  const double payload = bytes_per_server / nic_efficiency_;
  const double start = sg4::Engine::get_clock();
  std::vector<sg4::CommPtr> comms;
  comms.reserve(n);
  for (std::size_t i = 0; i < n; ++i) {
    sg4::Host* to = servers_[(i + stride) % n];
    if (to == servers_[i]) continue;
    comms.push_back(sg4::Comm::sendto_async(servers_[i], to, static_cast<uint64_t>(payload)));
  }
  wait_all(comms);
  return sg4::Engine::get_clock() - start;
}

double FlowCollectives::operator()(CollectiveOp op, double bytes, int ranks, int ranks_per_server) {
  const CollectiveCost cost = collective_time(op, bytes, ranks, ranks_per_server, fabric_);
  const int g = std::max(1, ranks_per_server);
  const int m = std::max(1, ranks / g);  // servers in one group
  const std::size_t n = servers_.size();
  if (m < 2 || n < 2 || cost.server_egress_bytes <= 0) return cost.seconds;
  // Groups of m servers run side by side (the other ranks of a server run the
  // same collective in their own groups, on their own NICs): a server's peer is
  // in the next group position, and it sends for all its groups at once.
  const std::size_t stride = op == CollectiveOp::SendRecv ? 1 : std::max<std::size_t>(1, n / static_cast<std::size_t>(m));
  const double groups = double(gpus_per_server_) / g;
  const int rounds = op == CollectiveOp::SendRecv ? 1 : op == CollectiveOp::AllReduce ? 2 * (m - 1) : (m - 1);
  const double per_round = cost.server_egress_bytes * groups / rounds;
  double network = 0;
  if (op == CollectiveOp::AllToAll) {
    // Pairwise exchange: in round k every server sends to the server k group positions on.
    // On a tiered fabric rounds differ (how many flows leave a leaf depends on k), so each
    // is simulated, at most kAllToAllRounds of them evenly spread, each standing for its share.
    const int simulated = std::min(m - 1, kAllToAllRounds);
    for (int r = 0; r < simulated; ++r)
      network += round(per_round, stride * (1 + static_cast<std::size_t>(r) * (m - 1) / simulated));
    network *= double(m - 1) / simulated;
  } else {
    network = rounds * round(per_round, stride);
  }
  // The network's extra time under contention adds to the idle-fabric time.
  return cost.seconds + std::max(0.0, network - cost.network_s);
}

}  // namespace rcn
