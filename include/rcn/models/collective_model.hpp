#pragma once
// NCCL collectives timed the way NCCL's own tuner times them
// (NVIDIA/nccl src/graph/tuning.cc, ncclTopoTuneModel and ncclTopoGetAlgoTime):
// for every algorithm and protocol,
//   time = latency(algo, proto, layout) + bytes x conv / busBw(algo, proto)
// and Auto takes the fastest pair, as NCCL's tuner does. Cheap enough to call
// once per collective of a training step (a few dozen multiply-adds).
//
// n ranks, g = ranks_per_server, m = n / g servers, S bytes (nccl-tests'
// "size"). B_up = NVLink bandwidth per GPU per direction, B_out = this GPU's
// share of its server's NICs (x nic_efficiency), so g B_out is the NIC rate of
// the g GPUs of the collective on one server (every channel's ring or tree
// leaves the server on the NIC of its own rail; the other GPUs' collectives use
// the other rails at the same time).
//
// Raw bus bandwidth (the topology search's nChannels x bw per channel):
//   Ring      one server: B_up; one GPU per server: B_out; else min(B_up, g B_out)
//             (each channel's ring crosses each server once on one NIC: the
//             server's egress equals the ring's bus bandwidth, whatever m is)
//   Tree      min(B_up, k g B_out), k = 2 when m <= 2 (a node of a 2-node tree
//             sends S once, an inner node of a deeper one 2S), B_up on one server
//   Nvls      nvls_bus_bandwidth in one server; across servers (in-network
//             reduction on): min(nvls_bus_bandwidth, 2(n-1)/n g B_out): each GPU
//             sends only its S/g shard into the switch tree and gets it back reduced
//   NvlsTree  min(nvls_bus_bandwidth, 2(n-1)/n g B_out / (m > 2 ? 2 : 1),
//             channels x perChMaxNVLSTreeBw): NVLS inside, a tree of S/g per rail
//   CollNet   (in-network reduction, no NVLS) algbw = min(B_up g / (2(g-1)), g B_out)
//   Hierarchical (never chosen by Auto: NCCL has no such all-reduce) reduce-scatter
//             in the server, ring of S/g across, all-gather, chunks pipelined
//             through the three phases: the slowest phase sets the pace.
// Protocol refinements (tuning.cc): Ring LL min(llMaxBw, busBw/2); Ring LL128
// min(0.92 busBw, channels x perChMaxRingLL128Bw); Tree all-reduce min(0.92 busBw,
// channels x perChMaxTreeBw), then LL /3.8 (<= llMaxBw), LL128 x 7/9 on one node
// or 120/128 (<= channels x perChMaxTreeLL128Bw); NVLS, NvlsTree, CollNet Simple only.
// conv (bus to algorithm bandwidth): Ring, Nvls, NvlsTree nsteps/n (all-reduce
// 2(n-1)/n); Tree and CollNet 2.
// Latencies (tuning.cc baseLatencies, hwLatencies[NVLINK|NET][algo][proto]):
//   Ring      base + (nsteps - nInter) max(hwNVL, netOverhead) + nInter hwNET,
//             nInter = 2(m-1) all-reduce, m-1 reduce-scatter/all-gather; x1.4 for
//             Simple all-reduce across servers (the ring's "plateau").
//   Tree      base + 2 ((g-1) hwNVL + floor(log2 m) hwNET), with NCCL's
//             treeCorrectionFactor on medium sizes.
//   Nvls      hwNVL (+ hwNET across servers); NvlsTree hwNVL + 2 floor(log2 m) hwNET;
//   CollNet   2 (min(1, g-1) hwNVL + 0.4 us (g-1)) + hwNET.
// What a collective then takes (the tuner only picks it): after Auto (or the
// caller) has chosen the algorithm and protocol by the estimate above, NVLS
// inside one server runs as its kernel does:
//   Nvls (one server) the kernel (device/all_reduce.h, RunWorkColl NVLS,
//              oneNode) moves each channel's S / nvls_channels in loops of
//              g chunks through three warp groups (scatter, multimem
//              reduce+broadcast, gather), chunk from calcCollChunking
//              (nvls_chunk_bytes); the loops pipeline through the 3 stages:
//              time = latency + (loops + 3 - 1) x loop time (pipeline_s), loop
//              time = g x chunk / (NVLS algorithm bandwidth / nvls_channels).
// Send/recv and all-to-all are point-to-point, outside NCCL's collective tuner:
//   send/recv  base_latency + l + S/B on the tier it crosses;
//   all-to-all base_latency + (g-1) l_up + (n-g) l_out + max((g-1)/n S/B_up, (n-g)/n S o/B_out),
//              o = the fabric's core oversubscription (all-to-all traffic crosses the core).
// Not modelled: PAT (one GPU per server reduce-scatter/all-gather), NVLS for
// reduce-scatter/all-gather, CollNet Chain, the 0.85 tree-pattern penalty,
// NCCL_ALGO/NCCL_PROTO overrides, congestion (flow fidelity covers it), the
// fewer channels enqueue.cc topoGetAlgoInfo runs for small ring/tree messages
// (bytes < nc x nThreads x threadThreshold: NCCL picks without it, and applying
// it after the pick makes time fall at protocol switches, e.g. Ring LL's
// threshold is 8 x nRanks x 512 B per channel, 2 MiB on 512 ranks), and the
// ring's step pipeline (chunk = Simple buffer 4 MiB / NCCL_STEPS x 4 steps).
#include <optional>
#include <string>

namespace rcn {

enum class CollectiveOp { AllReduce, ReduceScatter, AllGather, AllToAll, Broadcast, SendRecv };
enum class CollectiveAlgo { Auto, Ring, Tree, Hierarchical, Nvls, NvlsTree, CollNet };
enum class CollectiveProtocol { LL, LL128, Simple };
// NCCL's per-generation tuning constants (tuning.cc indexes them by compute capability).
enum class NcclArch { Ampere, Hopper, Blackwell };

const char* to_string(CollectiveOp op);
const char* to_string(CollectiveAlgo algo);
const char* to_string(CollectiveProtocol proto);

// One tier of links as NCCL sees it, per GPU, one direction.
struct LinkTier {
  double bandwidth = 0;    // bytes/s per GPU per direction, effective (what NCCL's Simple protocol can push)
  double hop_latency = 0;  // seconds per hop for point-to-point ops (send/recv, all-to-all)
};

// What a group of ranks communicates over.
struct CollectiveFabric {
  LinkTier scale_up;              // inside a server (NVLink/NVSwitch)
  LinkTier scale_out;             // between servers: this GPU's share of its server's NICs
  double base_latency = 8.4e-6;   // per-op software latency of point-to-point ops (NCCL ring Simple base)
  double nvls_bus_bandwidth = 0;  // > 0: NVLink SHARP inside a server, with this all-reduce bus bandwidth
  bool in_network_reduction = false;  // the network reduces (SHARP): NVLS+SHARP or CollNet across servers
  int channels = 16;              // NCCL channels (rings / trees run side by side)
  int nvls_channels = 16;         // NVLS channels (transport/nvls.cc: NVLS_NCHANNELS_SM90 16, SM100 24 on one node)
  double nvls_chunk = 128 * 1024; // NVLS chunk ceiling, bytes (NCCL_NVLS_CHUNKSIZE default)
  NcclArch arch = NcclArch::Hopper;
  // Fabric core bandwidth over edge bandwidth, inverted (cluster scale_out.oversubscription):
  // the all-to-all's cross-server part runs at scale_out / this (every server's traffic
  // crosses the core); the other collectives keep to their rails and ignore it.
  double core_oversubscription = 1.0;
};

struct CollectiveCost {
  double seconds = 0;
  CollectiveAlgo algo = CollectiveAlgo::Ring;  // the algorithm used (the chosen one when Auto)
  CollectiveProtocol proto = CollectiveProtocol::Simple;
  double algbw = 0;                            // bytes / seconds
  double busbw = 0;                            // algbw x bus_bandwidth_factor
  double latency_s = 0;                        // the latency part of seconds
  // Bytes each server sends over its NICs for this collective (one group of
  // g ranks, protocol overhead included), and the time they take at g B_out:
  // what flow fidelity replays as flows.
  double server_egress_bytes = 0;
  double network_s = 0;
};

// nccl-tests' bus bandwidth factor: AllReduce 2(n-1)/n; ReduceScatter,
// AllGather, AllToAll (n-1)/n; Broadcast, SendRecv 1.
double bus_bandwidth_factor(CollectiveOp op, int ranks);

// The op an nccl-tests / microbench JSON name stands for ("allreduce",
// "reducescatter", ...; "reduce" moves bytes like a broadcast); nullopt if none.
std::optional<CollectiveOp> collective_op_named(const std::string& name);

// Whether `algo` can run `op` on this layout and fabric (Auto always can).
bool collective_algo_applies(CollectiveOp op, CollectiveAlgo algo, int ranks, int ranks_per_server,
                             const CollectiveFabric& fabric);

// NVLS all-reduce chunk (enqueue.cc calcCollChunking, NCCL_ALGO_NVLS): from
// `max_chunk`, with c = channels x heads concurrent chunks, 64 KiB if
// bytes < 64 c x chunk, then 32 KiB if bytes < 8 c x chunk, then 16 KiB if
// bytes < 2 c x chunk (each only when it lowers the chunk).
double nvls_chunk_bytes(double bytes, int channels, int heads, double max_chunk);

// Store-and-forward pipeline: `chunks` pieces through `stages` stages of
// `step_s` each finish after (stages + chunks - 1) x step_s.
double pipeline_s(int stages, double chunks, double step_s);

// `bytes` follows nccl-tests' "size" column (all-reduce: the buffer each rank
// reduces; all-gather: the gathered output; reduce-scatter: the input;
// all-to-all: each rank's total send; send/recv: the message).
// `ranks_per_server` (1..ranks, dividing ranks) share a server.
// ranks == 1 or bytes == 0 cost nothing. Throws std::invalid_argument on a bad
// layout, an algorithm that does not apply, or a needed tier without bandwidth.
// A given algorithm still takes its fastest protocol.
CollectiveCost collective_time(CollectiveOp op, double bytes, int ranks, int ranks_per_server,
                               const CollectiveFabric& fabric, CollectiveAlgo algo = CollectiveAlgo::Auto);

}  // namespace rcn
