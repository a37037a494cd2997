#include "rcn/models/collective_model.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

namespace rcn {

const char* to_string(CollectiveOp op) {
  switch (op) {
    case CollectiveOp::AllReduce: return "all_reduce";
    case CollectiveOp::ReduceScatter: return "reduce_scatter";
    case CollectiveOp::AllGather: return "all_gather";
    case CollectiveOp::AllToAll: return "all_to_all";
    case CollectiveOp::Broadcast: return "broadcast";
    case CollectiveOp::SendRecv: return "send_recv";
  }
  return "?";
}

const char* to_string(CollectiveAlgo algo) {
  switch (algo) {
    case CollectiveAlgo::Auto: return "auto";
    case CollectiveAlgo::Ring: return "ring";
    case CollectiveAlgo::Tree: return "tree";
    case CollectiveAlgo::Hierarchical: return "hierarchical";
    case CollectiveAlgo::Nvls: return "nvls";
  }
  return "?";
}

double bus_bandwidth_factor(CollectiveOp op, int ranks) {
  if (ranks < 1) throw std::invalid_argument("bus_bandwidth_factor: ranks must be >= 1");
  const double n = ranks;
  switch (op) {
    case CollectiveOp::AllReduce: return 2 * (n - 1) / n;
    case CollectiveOp::ReduceScatter:
    case CollectiveOp::AllGather:
    case CollectiveOp::AllToAll: return (n - 1) / n;
    case CollectiveOp::Broadcast:
    case CollectiveOp::SendRecv: return 1;
  }
  return 1;
}

std::optional<CollectiveOp> collective_op_named(const std::string& name) {
  if (name == "allreduce") return CollectiveOp::AllReduce;
  if (name == "allgather") return CollectiveOp::AllGather;
  if (name == "reducescatter") return CollectiveOp::ReduceScatter;
  if (name == "alltoall") return CollectiveOp::AllToAll;
  if (name == "sendrecv") return CollectiveOp::SendRecv;
  if (name == "broadcast" || name == "reduce") return CollectiveOp::Broadcast;
  return std::nullopt;
}

bool collective_algo_applies(CollectiveOp op, CollectiveAlgo algo, int ranks, int ranks_per_server,
                             const CollectiveFabric& fabric) {
  switch (algo) {
    case CollectiveAlgo::Auto:
    case CollectiveAlgo::Ring: return true;
    case CollectiveAlgo::Tree: return op == CollectiveOp::AllReduce;
    case CollectiveAlgo::Hierarchical:
      return (op == CollectiveOp::AllReduce || op == CollectiveOp::ReduceScatter || op == CollectiveOp::AllGather) &&
             ranks_per_server > 1 && ranks_per_server < ranks;
    case CollectiveAlgo::Nvls:
      return op == CollectiveOp::AllReduce && ranks_per_server == ranks && fabric.nvls_bus_bandwidth > 0;
  }
  return false;
}

namespace {

struct Layout {
  int n;  // ranks
  int g;  // ranks per server
  int m;  // servers
};

double need(double bandwidth, const char* tier) {
  if (!(bandwidth > 0)) throw std::invalid_argument(std::string("collective_time: ") + tier + " bandwidth must be > 0");
  return bandwidth;
}

// The single tier a flat (ring or tree) algorithm through all ranks sees.
LinkTier flat_tier(const Layout& L, const CollectiveFabric& f) {
  if (L.m == 1) return {need(f.scale_up.bandwidth, "scale_up"), f.scale_up.hop_latency};
  if (L.g == 1) return {need(f.scale_out.bandwidth, "scale_out"), f.scale_out.hop_latency};
  // A lap of the ring crosses servers m times and stays inside one n - m times.
  const double bw = std::min(need(f.scale_up.bandwidth, "scale_up"), need(f.scale_out.bandwidth, "scale_out"));
  const double lat = ((L.n - L.m) * f.scale_up.hop_latency + L.m * f.scale_out.hop_latency) / L.n;
  return {bw, lat};
}

// Ring time without the base latency, over one tier.
double ring_body(CollectiveOp op, double S, int ranks, const LinkTier& t) {
  const double n = ranks;
  if (ranks <= 1) return 0;
  switch (op) {
    case CollectiveOp::AllReduce: return 2 * (n - 1) * t.hop_latency + 2 * (n - 1) / n * S / t.bandwidth;
    case CollectiveOp::ReduceScatter:
    case CollectiveOp::AllGather:
    case CollectiveOp::AllToAll: return (n - 1) * t.hop_latency + (n - 1) / n * S / t.bandwidth;
    case CollectiveOp::Broadcast: return (n - 1) * t.hop_latency + S / t.bandwidth;
    case CollectiveOp::SendRecv: return t.hop_latency + S / t.bandwidth;
  }
  return 0;
}

// Pairwise all-to-all across servers: each tier carries its peers' share, concurrently.
double all_to_all_split(double S, const Layout& L, const CollectiveFabric& f) {
  const double up = (L.g - 1.0) / L.n * S / need(f.scale_up.bandwidth, "scale_up");
  const double out = double(L.n - L.g) / L.n * S / need(f.scale_out.bandwidth, "scale_out");
  return (L.g - 1) * f.scale_up.hop_latency + (L.n - L.g) * f.scale_out.hop_latency + std::max(up, out);
}

int ceil_log2(int x) {
  int k = 0;
  while ((1LL << k) < x) ++k;
  return k;
}

double algo_time(CollectiveOp op, double S, const Layout& L, const CollectiveFabric& f, CollectiveAlgo algo) {
  const double base = f.base_latency;
  switch (algo) {
    case CollectiveAlgo::Ring:
      if (op == CollectiveOp::AllToAll && L.g > 1 && L.m > 1) return base + all_to_all_split(S, L, f);
      return base + ring_body(op, S, L.n, flat_tier(L, f));
    case CollectiveAlgo::Tree: {
      const double hops_lat =
          ceil_log2(L.g) * f.scale_up.hop_latency + ceil_log2(L.m) * f.scale_out.hop_latency;
      return base + 2 * hops_lat + 2 * S / flat_tier(L, f).bandwidth;
    }
    case CollectiveAlgo::Hierarchical: {
      const LinkTier up{need(f.scale_up.bandwidth, "scale_up"), f.scale_up.hop_latency};
      const LinkTier out{need(f.scale_out.bandwidth, "scale_out"), f.scale_out.hop_latency};
      const double intra = ring_body(CollectiveOp::ReduceScatter, S, L.g, up);  // = all-gather's
      if (op == CollectiveOp::AllReduce) return base + 2 * intra + ring_body(CollectiveOp::AllReduce, S / L.g, L.m, out);
      return base + intra + ring_body(CollectiveOp::ReduceScatter, S / L.g, L.m, out);
    }
    case CollectiveAlgo::Nvls:
      return base + 2 * f.scale_up.hop_latency +
             bus_bandwidth_factor(CollectiveOp::AllReduce, L.n) * S / f.nvls_bus_bandwidth;
    case CollectiveAlgo::Auto: break;
  }
  throw std::logic_error("collective_time: Auto is not a concrete algorithm");
}

}  // namespace

CollectiveCost collective_time(CollectiveOp op, double bytes, int ranks, int ranks_per_server,
                               const CollectiveFabric& fabric, CollectiveAlgo algo) {
  if (ranks < 1) throw std::invalid_argument("collective_time: ranks must be >= 1");
  if (ranks_per_server < 1 || ranks_per_server > ranks || ranks % ranks_per_server != 0)
    throw std::invalid_argument("collective_time: ranks_per_server must divide ranks");
  if (!(bytes >= 0) || !std::isfinite(bytes)) throw std::invalid_argument("collective_time: bytes must be >= 0");

  CollectiveCost cost;
  cost.algo = algo == CollectiveAlgo::Auto ? CollectiveAlgo::Ring : algo;
  if (ranks == 1 || bytes == 0) return cost;

  const Layout L{ranks, ranks_per_server, ranks / ranks_per_server};
  if (algo != CollectiveAlgo::Auto) {
    if (!collective_algo_applies(op, algo, ranks, ranks_per_server, fabric))
      throw std::invalid_argument(std::string("collective_time: ") + to_string(algo) + " does not apply to " +
                                  to_string(op) + " on this layout");
    cost.seconds = algo_time(op, bytes, L, fabric, algo);
  } else {
    // Ring first, so ties stay with Ring.
    cost.seconds = algo_time(op, bytes, L, fabric, CollectiveAlgo::Ring);
    for (CollectiveAlgo a : {CollectiveAlgo::Tree, CollectiveAlgo::Hierarchical, CollectiveAlgo::Nvls}) {
      if (!collective_algo_applies(op, a, ranks, ranks_per_server, fabric)) continue;
      const double t = algo_time(op, bytes, L, fabric, a);
      if (t < cost.seconds) cost.seconds = t, cost.algo = a;
    }
  }
  cost.algbw = bytes / cost.seconds;
  cost.busbw = cost.algbw * bus_bandwidth_factor(op, ranks);
  return cost;
}

}  // namespace rcn
