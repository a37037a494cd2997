#include "src/engine/flow_collectives.hpp"

#include <algorithm>

#include "src/engine/wait_all.hpp"

namespace rcn {
namespace sg4 = simgrid::s4u;

double FlowCollectives::round(double bytes_per_gpu, std::size_t stride) {
  const std::size_t n = servers_.size();
  const double payload = bytes_per_gpu * gpus_per_server_ / nic_efficiency_;
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
  const int g = std::max(1, ranks_per_server);
  const int m = std::max(1, ranks / g);  // servers in one group
  const std::size_t n = servers_.size();
  if (m < 2 || n < 2 || bytes <= 0) return collective_time(op, bytes, ranks, ranks_per_server, fabric_).seconds;
  // Groups of m servers run side by side: a server's peer is in the next group position.
  const std::size_t stride = std::max<std::size_t>(1, n / static_cast<std::size_t>(m));
  switch (op) {
    case CollectiveOp::SendRecv:  // every pipeline boundary sends at once in steady 1F1B
      return fabric_.base_latency + round(bytes, 1);
    case CollectiveOp::AllReduce:
    case CollectiveOp::ReduceScatter:
    case CollectiveOp::AllGather: {
      // Inside the server first (analytic, scale-up), then a ring of S/g per GPU across servers.
      double intra = 0;
      if (g > 1) {
        const double rs = collective_time(CollectiveOp::ReduceScatter, bytes, g, g, fabric_).seconds - fabric_.base_latency;
        intra = op == CollectiveOp::AllReduce ? 2 * rs : rs;
      }
      const double per_gpu = bytes / g;
      const int rounds = op == CollectiveOp::AllReduce ? 2 * (m - 1) : (m - 1);
      return fabric_.base_latency + intra + rounds * round(per_gpu / m, stride);
    }
    default:
      return collective_time(op, bytes, ranks, ranks_per_server, fabric_).seconds;
  }
}

}  // namespace rcn
