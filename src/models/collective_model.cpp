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
    case CollectiveAlgo::NvlsTree: return "nvls_tree";
    case CollectiveAlgo::CollNet: return "collnet";
  }
  return "?";
}

const char* to_string(CollectiveProtocol proto) {
  switch (proto) {
    case CollectiveProtocol::LL: return "LL";
    case CollectiveProtocol::LL128: return "LL128";
    case CollectiveProtocol::Simple: return "Simple";
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
  const bool across = ranks_per_server < ranks;
  switch (algo) {
    case CollectiveAlgo::Auto: return true;
    case CollectiveAlgo::Ring: return true;
    case CollectiveAlgo::Tree: return op == CollectiveOp::AllReduce;
    case CollectiveAlgo::Hierarchical:
      return (op == CollectiveOp::AllReduce || op == CollectiveOp::ReduceScatter || op == CollectiveOp::AllGather) &&
             ranks_per_server > 1 && across;
    case CollectiveAlgo::Nvls:  // NVLS needs >= 2 local ranks; across servers only with SHARP (tuning.cc)
      return op == CollectiveOp::AllReduce && fabric.nvls_bus_bandwidth > 0 && ranks_per_server > 1 &&
             (!across || fabric.in_network_reduction);
    case CollectiveAlgo::NvlsTree:  // disabled on a single node (tuning.cc)
      return op == CollectiveOp::AllReduce && fabric.nvls_bus_bandwidth > 0 && ranks_per_server > 1 && across;
    case CollectiveAlgo::CollNet:
      return op == CollectiveOp::AllReduce && fabric.in_network_reduction && across;
  }
  return false;
}

double nvls_chunk_bytes(double bytes, int channels, int heads, double max_chunk) {
  const double concurrent = static_cast<double>(channels) * heads;
  double chunk = max_chunk;
  if (bytes < 64 * concurrent * chunk && chunk > 65536) chunk = 65536;
  if (bytes < 8 * concurrent * chunk && chunk > 32768) chunk = 32768;
  if (bytes < 2 * concurrent * chunk && chunk > 16384) chunk = 16384;
  return chunk;
}

double pipeline_s(int stages, double chunks, double step_s) { return (stages + chunks - 1) * step_s; }

namespace {

constexpr double us = 1e-6;
constexpr double GBps = 1e9;
constexpr int kLL = 0, kLL128 = 1, kSimple = 2;

// NCCL tuning.cc, ncclTunerConstantsDefaults (microseconds). Rows: Tree, Ring,
// CollNetDirect, NVLS, NVLSTree; columns LL, LL128, Simple.
enum Row { kTree, kRing, kCollNet, kNvls, kNvlsTree };
constexpr double kBaseLat[5][3] = {{6.8, 14.0, 8.4}, {6.6, 14.0, 8.4}, {0, 0, 0}, {0, 0, 0}, {0, 0, 0}};
constexpr double kNvlinkLat[5][3] = {{0.6, 1.25, 4.0}, {0.6, 1.9, 3.4}, {0, 0, 3.7}, {0, 0, 25}, {0, 0, 25}};
constexpr double kNetLat[5][3] = {{5.0, 8.5, 14}, {2.7, 4.0, 14.0}, {0, 0, 31}, {0, 0, 18}, {0, 0, 20.9}};
// Network post overhead (getNetOverhead, x86 Intel and others: 1 us; x3 for Simple).
constexpr double kNetOverhead = 1.0;

// Per-generation bandwidth caps, GB/s, indexed [arch][N1 | N2 | N4+] (N = nodes).
struct ArchCaps {
  double ll_max_single_node;     // llMaxBws[compCap][0]
  double ring_ll128_per_ch;      // perChMaxRingLL128Bws
  double tree_ll128_per_ch[3];   // perChMaxTreeLL128Bws
  double tree_per_ch[3];         // perChMaxTreeBws
  double nvls_tree_per_ch[3];    // perChMaxNVLSTreeBws
};
constexpr ArchCaps kCaps[3] = {
    {87.7, 20.0, {20.0, 20.0, 20.0}, {24.0, 23.6, 17.8}, {24.0, 23.6, 17.8}},      // Ampere
    {141.0, 36.7, {36.7, 36.7, 29.0}, {38.7, 41.4, 36.0}, {0.0, 57.7, 45.5}},      // Hopper
    {282.0, 40.0, {55.6, 31.67, 20.0}, {70.0, 42.8, 24.0}, {0.0, 96.0, 80.0}},     // Blackwell
};
// Multi-node LL bandwidth is indexed by CPU vendor (llMaxBws[0] for Intel / others): 39.0 on 2 nodes, 20.4 beyond.
constexpr double kLLMaxMultiNode[3] = {39.0, 39.0, 20.4};

// ncclTopoGetAlgoTime's treeCorrectionFactor, by log2(bytes / 64), 64 B to 256 MB.
constexpr double kTreeCorrection[3][24] = {
    {1.0, 1.0, 1.0, 1.0, .9, .8, .7, .7, .7, .7, .6, .5, .4, .4, .5, .6, .7, .8, .9, 1.0, 1.0, 1.0, 1.0, 1.0},
    {1.0, 1.0, 1.0, 1.0, 1.0, .9, .8, .8, .8, .7, .6, .6, .6, .6, .6, .6, .8, .9, .9, .9, .9, 1.0, 1.0, 1.0},
    {.9, .9, .9, .9, .9, .9, .9, .8, .7, .6, .6, .5, .5, .5, .5, .6, .7, .8, .7, .7, .8, .9, .9, .9}};

struct Layout {
  int n;  // ranks
  int g;  // ranks per server
  int m;  // servers
};

double need(double bandwidth, const char* tier) {
  if (!(bandwidth > 0)) throw std::invalid_argument(std::string("collective_time: ") + tier + " bandwidth must be > 0");
  return bandwidth;
}

int floor_log2(int x) {
  int k = 0;
  while ((2LL << k) <= x) ++k;
  return k;
}

int node_index(const Layout& L) { return L.m <= 2 ? L.m - 1 : 2; }

// LL protocol's bandwidth ceiling (tuning.cc llMaxBws): per GPU generation on one node, per node count beyond.
double ll_max_bw(const Layout& L, const ArchCaps& caps) {
  return (L.m == 1 ? caps.ll_max_single_node : kLLMaxMultiNode[node_index(L)]) * GBps;
}

// nccl-tests' number of ring steps (tuning.cc nsteps).
double ring_steps(CollectiveOp op, int n) {
  switch (op) {
    case CollectiveOp::AllReduce: return 2.0 * (n - 1);
    case CollectiveOp::ReduceScatter:
    case CollectiveOp::AllGather: return n - 1.0;
    default: return n;
  }
}

// One (algorithm, protocol) candidate: its latency, its bus bandwidth and
// bus-to-algorithm conversion, and how many bytes each server puts on its NICs.
struct Candidate {
  double latency = 0;
  double busbw = 0;  // 0 = does not apply
  double conv = 1;   // seconds = latency + bytes x conv / busbw
  double egress = 0; // bytes per server over its NICs (before the protocol's overhead)
};

// The raw (Simple, before refinements) bus bandwidth of a ring or tree through this layout.
double ring_raw_bw(const Layout& L, const CollectiveFabric& f) {
  if (L.m == 1) return need(f.scale_up.bandwidth, "scale_up");
  if (L.g == 1) return need(f.scale_out.bandwidth, "scale_out");
  return std::min(need(f.scale_up.bandwidth, "scale_up"), L.g * need(f.scale_out.bandwidth, "scale_out"));
}

Candidate ring(CollectiveOp op, double S, const Layout& L, const CollectiveFabric& f, int p) {
  Candidate c;
  const ArchCaps& caps = kCaps[static_cast<int>(f.arch)];
  const double raw = ring_raw_bw(L, f);
  const double nch = f.channels;
  if (p == kLL) c.busbw = std::min(ll_max_bw(L, caps), raw * 0.5);
  else if (p == kLL128) c.busbw = std::min(raw * 0.92, nch * caps.ring_ll128_per_ch * GBps);
  else c.busbw = raw;
  const double nsteps = ring_steps(op, L.n);
  c.conv = nsteps / L.n;
  c.egress = L.m > 1 ? c.conv * S : 0;
  // Latency: tuning.cc ring branch.
  const bool multi = L.m > 1;
  if (op == CollectiveOp::Broadcast) {
    // Not sameChannels: nsteps x (Simple: the tree's) hardware latency of the path.
    const int row = p == kSimple ? kTree : kRing;
    c.latency = kBaseLat[kRing][p] + nsteps * (multi ? kNetLat[row][p] : kNvlinkLat[row][p]);
  } else {
    const double overhead = multi ? kNetOverhead * (p == kSimple ? 3 : 1) : 0;
    const double intra = std::max(kNvlinkLat[kRing][p], overhead);
    const double inter = L.g == 1 ? kNetLat[kTree][p] : kNetLat[kRing][p];
    const double n_inter = !multi ? 0 : op == CollectiveOp::AllReduce ? 2.0 * (L.m - 1) : L.m - 1.0;
    c.latency = kBaseLat[kRing][p] + (nsteps - n_inter) * intra + n_inter * inter;
    // ncclTopoGetAlgoTime: the ring's plateau, Simple all-reduce across servers (Ampere and later).
    if (p == kSimple && multi && op == CollectiveOp::AllReduce && S / (nch * L.n) >= 64) c.latency *= 1.4;
  }
  c.latency *= us;
  return c;
}

Candidate tree(double S, const Layout& L, const CollectiveFabric& f, int p) {
  Candidate c;
  const ArchCaps& caps = kCaps[static_cast<int>(f.arch)];
  const int ni = node_index(L);
  const double nch = f.channels;
  double raw = need(f.scale_up.bandwidth, "scale_up");
  if (L.m > 1) {
    const double net = (L.m <= 2 ? 2 : 1) * L.g * need(f.scale_out.bandwidth, "scale_out");
    raw = L.g == 1 ? net : std::min(raw, net);
  }
  double bw = std::min(raw * 0.92, nch * caps.tree_per_ch[ni] * GBps);
  if (p == kLL) bw = std::min(bw / 3.8, ll_max_bw(L, caps));
  if (p == kLL128) bw = std::min(bw * (L.m == 1 ? 7.0 / 9.0 : 120.0 / 128.0), nch * caps.tree_ll128_per_ch[ni] * GBps);
  const int log_size = floor_log2(std::max(1, static_cast<int>(std::min(S / 64, 1e9))));
  if (S >= 64 && log_size < 23) bw *= kTreeCorrection[p][log_size];
  c.busbw = bw;
  c.conv = 2;
  c.egress = L.m > 1 ? (L.m <= 2 ? 1 : 2) * S : 0;
  c.latency = (kBaseLat[kTree][p] + 2 * ((L.g - 1) * kNvlinkLat[kTree][p] + floor_log2(L.m) * kNetLat[kTree][p])) * us;
  return c;
}

Candidate nvls(CollectiveOp op, double S, const Layout& L, const CollectiveFabric& f) {
  Candidate c;
  c.conv = bus_bandwidth_factor(op, L.n);
  c.busbw = f.nvls_bus_bandwidth;
  c.latency = kNvlinkLat[kNvls][kSimple];
  if (L.m > 1) {  // NVLS + SHARP: each GPU sends its S/g shard into the network and gets it back reduced
    c.busbw = std::min(c.busbw, c.conv * L.g * need(f.scale_out.bandwidth, "scale_out"));
    c.latency += kNetLat[kNvls][kSimple];
    c.egress = S;
  }
  c.latency *= us;
  return c;
}

Candidate nvls_tree(CollectiveOp op, double S, const Layout& L, const CollectiveFabric& f) {
  Candidate c;
  const ArchCaps& caps = kCaps[static_cast<int>(f.arch)];
  c.conv = bus_bandwidth_factor(op, L.n);
  const double tree_net = L.g * need(f.scale_out.bandwidth, "scale_out") / (L.m <= 2 ? 1 : 2);
  c.busbw = std::min(f.nvls_bus_bandwidth, c.conv * tree_net);
  const double cap = f.channels * caps.nvls_tree_per_ch[node_index(L)] * GBps;
  if (cap > 0) c.busbw = std::min(c.busbw, cap);
  c.egress = (L.m <= 2 ? 1 : 2) * S;
  c.latency = (kNvlinkLat[kNvlsTree][kSimple] + 2 * floor_log2(L.m) * kNetLat[kNvlsTree][kSimple]) * us;
  return c;
}

Candidate collnet(double S, const Layout& L, const CollectiveFabric& f) {
  Candidate c;
  double algbw = L.g * need(f.scale_out.bandwidth, "scale_out");
  if (L.g > 1) algbw = std::min(algbw, need(f.scale_up.bandwidth, "scale_up") * L.g / (2.0 * (L.g - 1)));
  c.busbw = algbw;
  c.conv = 1;
  c.egress = S;
  c.latency = (2 * (std::min(1, L.g - 1) * kNvlinkLat[kCollNet][kSimple] + (L.g - 1) * 0.4) +
               kNetLat[kCollNet][kSimple]) * us;
  return c;
}

// Reduce-scatter in the server, ring of S/g across servers, all-gather in the
// server (all-reduce; one of the two halves for reduce-scatter, all-gather),
// chunks pipelined through the phases: the slowest sets the pace.
Candidate hierarchical(CollectiveOp op, double S, const Layout& L, const CollectiveFabric& f, int p) {
  const Layout in{L.g, L.g, 1}, out{L.m, 1, L.m};
  const double halves = op == CollectiveOp::AllReduce ? 2 : 1;
  Candidate intra = ring(CollectiveOp::ReduceScatter, S, in, f, p);
  Candidate inter = ring(op, S / L.g, out, f, p);
  const double t_in = halves * intra.conv * S / intra.busbw;
  const double t_out = inter.conv * (S / L.g) / inter.busbw;
  Candidate c;
  c.latency = halves * (intra.latency - kBaseLat[kRing][p] * us) + inter.latency;
  c.conv = 1;
  c.busbw = S / std::max(t_in, t_out);
  c.egress = inter.egress * L.g;
  return c;
}

Candidate candidate(CollectiveOp op, double S, const Layout& L, const CollectiveFabric& f, CollectiveAlgo a, int p) {
  const bool simple_only = a == CollectiveAlgo::Nvls || a == CollectiveAlgo::NvlsTree || a == CollectiveAlgo::CollNet;
  if (simple_only && p != kSimple) return {};
  switch (a) {
    case CollectiveAlgo::Ring: return ring(op, S, L, f, p);
    case CollectiveAlgo::Tree: return tree(S, L, f, p);
    case CollectiveAlgo::Hierarchical: return hierarchical(op, S, L, f, p);
    case CollectiveAlgo::Nvls: return nvls(op, S, L, f);
    case CollectiveAlgo::NvlsTree: return nvls_tree(op, S, L, f);
    case CollectiveAlgo::CollNet: return collnet(S, L, f);
    case CollectiveAlgo::Auto: break;
  }
  throw std::logic_error("collective_time: Auto is not a concrete algorithm");
}

// NVLS all-reduce inside one server as the kernel runs it (device/all_reduce.h,
// RunWorkColl<AllReduce, NVLS, Simple>, oneNode): each of nvls_channels channels
// takes S / channels in loops of g chunks (one per head); a loop passes through
// three warp groups (scatter into the NVLS buffers, multimem reduce + multicast
// store at the head, gather out), pipelined loop after loop. The busiest stage
// moves a loop at the channel's share of the NVLS algorithm bandwidth.
double nvls_one_server_s(double S, const Layout& L, const CollectiveFabric& f, double latency) {
  constexpr int kStages = 3;
  const int nc = std::max(1, f.nvls_channels);
  const double channel_bw = f.nvls_bus_bandwidth / bus_bandwidth_factor(CollectiveOp::AllReduce, L.n) / nc;
  const double per_channel = S / nc;
  // One loop of g chunks per pipeline step; a channel with less than a loop runs it in one step.
  const double step_bytes = std::min(L.g * nvls_chunk_bytes(S, nc, L.g, f.nvls_chunk), per_channel);
  return latency + pipeline_s(kStages, per_channel / step_bytes, step_bytes / channel_bw);
}

// Bytes on the wire per payload byte: LL sends 8 B of flags with every 8 B of
// data, LL128 8 B with every 120 B (NCCL's protocol definitions).
double wire_factor(int p) { return p == kLL ? 2.0 : p == kLL128 ? 128.0 / 120.0 : 1.0; }

// Point-to-point ops (not in NCCL's collective tuner).
double point_to_point(CollectiveOp op, double S, const Layout& L, const CollectiveFabric& f, double* egress) {
  const double base = f.base_latency;
  if (op == CollectiveOp::SendRecv) {
    if (L.m == 1) return base + f.scale_up.hop_latency + S / need(f.scale_up.bandwidth, "scale_up");
    *egress = S * L.g;
    return base + f.scale_out.hop_latency + S / need(f.scale_out.bandwidth, "scale_out");
  }
  // All-to-all: each tier carries its peers' share, concurrently.
  const double n = L.n;
  const double up = L.g > 1 ? (L.g - 1.0) / n * S / need(f.scale_up.bandwidth, "scale_up") : 0;
  // Across servers every byte also crosses the fabric's core, which an oversubscribed
  // fabric narrows to B_out / oversubscription per GPU when all its servers exchange at once.
  const double core = need(f.scale_out.bandwidth, "scale_out") / std::max(1.0, f.core_oversubscription);
  const double out = L.m > 1 ? (n - L.g) / n * S / core : 0;
  if (L.m > 1) *egress = (n - L.g) / n * S * L.g;
  return base + (L.g - 1) * f.scale_up.hop_latency + (L.n - L.g) * f.scale_out.hop_latency + std::max(up, out);
}

}  // namespace

CollectiveCost collective_time(CollectiveOp op, double bytes, int ranks, int ranks_per_server,
                               const CollectiveFabric& fabric, CollectiveAlgo algo) {
  if (ranks < 1) throw std::invalid_argument("collective_time: ranks must be >= 1");
  if (ranks_per_server < 1 || ranks_per_server > ranks || ranks % ranks_per_server != 0)
    throw std::invalid_argument("collective_time: ranks_per_server must divide ranks");
  if (!(bytes >= 0) || !std::isfinite(bytes)) throw std::invalid_argument("collective_time: bytes must be >= 0");
  if (fabric.channels < 1) throw std::invalid_argument("collective_time: channels must be >= 1");

  CollectiveCost cost;
  cost.algo = algo == CollectiveAlgo::Auto ? CollectiveAlgo::Ring : algo;
  if (ranks == 1 || bytes == 0) return cost;
  if (algo != CollectiveAlgo::Auto && !collective_algo_applies(op, algo, ranks, ranks_per_server, fabric))
    throw std::invalid_argument(std::string("collective_time: ") + to_string(algo) + " does not apply to " +
                                to_string(op) + " on this layout");

  const Layout L{ranks, ranks_per_server, ranks / ranks_per_server};
  if (op == CollectiveOp::SendRecv || op == CollectiveOp::AllToAll) {
    double egress = 0;
    cost.seconds = point_to_point(op, bytes, L, fabric, &egress);
    cost.latency_s = fabric.base_latency;
    cost.server_egress_bytes = egress;
    if (egress > 0) cost.network_s = egress / (L.g * fabric.scale_out.bandwidth);
  } else {
    // Ring first, then in tuning.cc's order; protocols LL, LL128, Simple. Strictly faster wins.
    constexpr CollectiveAlgo kOrder[] = {CollectiveAlgo::Ring, CollectiveAlgo::Tree, CollectiveAlgo::Nvls,
                                         CollectiveAlgo::NvlsTree, CollectiveAlgo::CollNet};
    bool found = false;
    Candidate chosen;
    auto consider = [&](CollectiveAlgo a) {
      for (int p : {kSimple, kLL128, kLL}) {
        const Candidate c = candidate(op, bytes, L, fabric, a, p);
        if (!(c.busbw > 0)) continue;
        const double t = c.latency + bytes * c.conv / c.busbw;
        if (found && !(t < cost.seconds)) continue;
        found = true;
        chosen = c;
        cost.seconds = t;
        cost.algo = a;
        cost.proto = static_cast<CollectiveProtocol>(p);
        cost.latency_s = c.latency;
        cost.server_egress_bytes = c.egress * wire_factor(p);
        cost.network_s = c.egress > 0 ? cost.server_egress_bytes / (L.g * fabric.scale_out.bandwidth) : 0;
      }
    };
    if (algo != CollectiveAlgo::Auto) {
      consider(algo);
    } else {
      for (CollectiveAlgo a : kOrder)
        if (collective_algo_applies(op, a, ranks, ranks_per_server, fabric)) consider(a);
    }
    // NCCL picks by the estimate; NVLS in one server then runs as its kernel does.
    if (cost.algo == CollectiveAlgo::Nvls && L.m == 1) cost.seconds = nvls_one_server_s(bytes, L, fabric, chosen.latency);
  }
  cost.algbw = bytes / cost.seconds;
  cost.busbw = cost.algbw * bus_bandwidth_factor(op, ranks);
  return cost;
}

}  // namespace rcn
