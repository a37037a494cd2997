#pragma once
// Analytic (alpha-beta) time of NCCL collectives: a fixed per-collective
// latency, a latency per hop, and bytes over the bottleneck link. Cheap
// enough to call once per training step, and close to nccl-tests' large-message
// bus bandwidth when the link bandwidth comes from NCCL's own topology model.
//
// n ranks, S bytes (nccl-tests' "size"), B and l the tier's bandwidth and hop
// latency, base = fabric.base_latency:
//   Ring   all-reduce       base + 2(n-1) l + 2(n-1)/n S/B
//          reduce-scatter,
//          all-gather       base +  (n-1) l +  (n-1)/n S/B
//          broadcast        base +  (n-1) l + S/B         (pipelined ring)
//          all-to-all       base +  (n-1) l + (n-1)/n S/B (pairwise exchange)
//          send/recv        base + l + S/B
//   Tree   all-reduce only (double binary tree, reduce up then broadcast down):
//          base + 2 (ceil(log2 g) l_up + ceil(log2 m) l_out) + 2 S/B.
//          Each rank is interior in one tree and a leaf in the other, so it
//          moves S in and S out per phase: bus factor ~1 per direction instead of
//          the ring's 2(n-1)/n. Tree wins on latency only (small S, many ranks).
//   Hierarchical (1 < g < n): all-reduce = reduce-scatter in the server (g, S, up)
//          + all-reduce across servers (m, S/g, out: one NIC rail per GPU)
//          + all-gather in the server; reduce-scatter and all-gather are the two
//          matching halves. One base latency per collective.
//   Nvls   all-reduce in one server with NVLink SHARP:
//          base + 2 l_up + 2(n-1)/n S / nvls_bus_bandwidth.
//   Auto   the fastest algorithm that applies; ties go to Ring.
// g = ranks_per_server, m = ranks / g servers. Which tier a flat algorithm uses:
// scale_up when m == 1, scale_out when g == 1, otherwise one ring through both,
// limited by the slower bandwidth, its m server crossings paying l_out and the
// other n - m hops l_up. That single ring is pessimistic: NCCL runs one ring per
// NIC rail, which behaves like Hierarchical (and Auto considers it).
// All-to-all across servers splits its data by tier instead: (g-1)/n of S over
// scale_up and (n-g)/n over scale_out, concurrently.
// Not modelled: LL/LL128 protocols, channel counts, congestion, SHARP in the network.
#include <optional>
#include <string>

namespace rcn {

enum class CollectiveOp { AllReduce, ReduceScatter, AllGather, AllToAll, Broadcast, SendRecv };
enum class CollectiveAlgo { Auto, Ring, Tree, Hierarchical, Nvls };

const char* to_string(CollectiveOp op);
const char* to_string(CollectiveAlgo algo);

// One tier of links as NCCL sees it, per GPU, one direction.
struct LinkTier {
  double bandwidth = 0;    // bytes/s per GPU per direction, effective (what NCCL's Simple protocol can push)
  double hop_latency = 0;  // seconds added per hop on this tier
};

// What a group of ranks communicates over.
struct CollectiveFabric {
  LinkTier scale_up;              // inside a server (NVLink/NVSwitch)
  LinkTier scale_out;             // between servers: this GPU's share of the NICs
  double base_latency = 8.4e-6;   // per-collective software latency (NCCL ring Simple base latency)
  double nvls_bus_bandwidth = 0;  // > 0: NVLink SHARP for all-reduce inside a server, with this bus bandwidth
};

struct CollectiveCost {
  double seconds = 0;
  CollectiveAlgo algo = CollectiveAlgo::Ring;  // the algorithm used (the chosen one when Auto)
  double algbw = 0;                            // bytes / seconds
  double busbw = 0;                            // algbw x bus_bandwidth_factor
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

// `bytes` follows nccl-tests' "size" column (all-reduce: the buffer each rank
// reduces; all-gather: the gathered output; reduce-scatter: the input;
// all-to-all: each rank's total send; send/recv: the message).
// `ranks_per_server` (1..ranks, dividing ranks) share a server.
// ranks == 1 or bytes == 0 cost nothing. Throws std::invalid_argument on a bad
// layout, an algorithm that does not apply, or a needed tier without bandwidth.
CollectiveCost collective_time(CollectiveOp op, double bytes, int ranks, int ranks_per_server,
                               const CollectiveFabric& fabric, CollectiveAlgo algo = CollectiveAlgo::Auto);

}  // namespace rcn
