#include "src/engine/flow_collectives.hpp"

#include "rcn/models/fabric_rounds.hpp"

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
  const CollectiveRounds plan = collective_rounds(op, cost, ranks, ranks_per_server, gpus_per_server_, servers_.size());
  if (plan.strides.empty()) return cost.seconds;
  double network = 0;
  for (std::size_t stride : plan.strides) {
    double t = round(plan.per_round, stride);
    if (ecmp_.fabric && ecmp_.fabric->ecmp_hash) {
      const auto& e = ecmp_;
      t *= round_stretch(*e.fabric, e.servers, stride, e.leaf_left, e.pod_left, &e.seed) /
           round_stretch(*e.fabric, e.servers, stride, e.leaf_left, e.pod_left);
    }
    network += t;
  }
  network *= plan.weight;
  // The network's extra time under contention adds to the idle-fabric time.
  return cost.seconds + std::max(0.0, network - cost.network_s);
}

}  // namespace rcn
