#pragma once
// The rounds a collective's cross-server traffic takes on a job's servers, and
// what failed spines and cables do to them on a tiered fabric. Pure (no
// SimGrid): flow fidelity sends these rounds as SimGrid flows
// (engine/flow_collectives.cpp); analytic fidelity stretches them in closed
// form (UplinkLossTimer), so both see the same rounds (docs/models.md "Fabric").
//
// A collective over m servers per group runs in 2 (m - 1) (all-reduce), m - 1
// (reduce-scatter, all-gather, all-to-all) or 1 (send/recv) rounds; in each,
// every server of the job sends for all its groups to the server `stride`
// places on (its peer in the next group position). An all-to-all's round k
// sends k group positions on; up to kAllToAllRounds of them stand for all.
//
// Closed form of one round (equal flows, max-min sharing): with k_g flows of
// b_s (one server's NICs) leaving or entering leaf g through an uplink of C_g
// left, and likewise for a pod's core uplink, the round takes
// max(1, max_g k_g b_s / C_g) times its idle time.
//
// Hashed ECMP (`scale_out.ecmp: hash`): each flow leaving a leaf takes one of
// its U uplink cables, chosen by a hash of the job's seed and the flow's
// servers (the same pair always takes the same cable, as a 5-tuple does), and
// each flow entering a leaf one of its U down cables likewise. The leaf's
// stretch becomes max(1, M_g b_s / (C_g / U)), M_g the most flows on one cable:
// the balls-into-bins load M_g against the mean k_g / U. The star zones route
// a leaf's flows through one aggregated link, so flow fidelity applies this as
// a factor on its measured rounds (FlowCollectives); pod (core) uplinks stay an
// ideal spread.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "rcn/models/collective_model.hpp"
#include "rcn/models/fabric_shape.hpp"

namespace rcn {

struct CollectiveRounds {
  double per_round = 0;              // bytes each server sends in one round (all its groups)
  std::vector<std::size_t> strides;  // the rounds simulated: each server sends `stride` places on
  double weight = 1;                 // rounds each simulated one stands for
  double rounds() const { return weight * static_cast<double>(strides.size()); }
};

constexpr int kAllToAllRounds = 32;

// Empty strides when nothing crosses servers (one server per group, one server, no bytes).
CollectiveRounds collective_rounds(CollectiveOp op, const CollectiveCost& cost, int ranks, int ranks_per_server,
                                   int gpus_per_server, std::size_t servers);

// The cable (0 <= k < uplinks) a flow from server `from` to server `to` takes under hashed ECMP.
int ecmp_cable(std::uint64_t seed, int from, int to, int uplinks);
// The per-job seed of hashed ECMP: from the scenario seed and the job's name.
std::uint64_t ecmp_seed(std::uint64_t scenario_seed, const std::string& job);

// One round's time over its idle time: `servers` the job's hosts in ring order,
// `leaf_left` / `pod_left` the share of each leaf's (pod's) uplink in service
// (empty: all of it). `hash_seed`: the job's ECMP seed when the fabric hashes
// (fabric.ecmp_hash), null for the ideal spread.
double round_stretch(const FabricShape& fabric, const std::vector<int>& servers, std::size_t stride,
                     const std::vector<double>& leaf_left, const std::vector<double>& pod_left,
                     const std::uint64_t* hash_seed = nullptr);

// Analytic fidelity's collective timer on a fabric with failed spines or cables:
// the analytic time plus what the uplinks lost add to the crossing rounds,
// network_s / rounds x sum over rounds of (stretch now - stretch on the whole
// fabric). The fabric's nominal oversubscription is not charged (analytic
// results without failures stay as they were); flow fidelity measures it.
// With hashed ECMP "stretch now" is the hashed one: collisions are charged too.
class UplinkLossTimer {
 public:
  UplinkLossTimer(const FabricShape& fabric, std::vector<int> servers, int gpus_per_server, CollectiveFabric links,
                  std::vector<double> leaf_left, std::vector<double> pod_left, std::uint64_t hash_seed = 0)
      : fabric_(fabric), servers_(std::move(servers)), gpus_per_server_(gpus_per_server), links_(links),
        leaf_left_(std::move(leaf_left)), pod_left_(std::move(pod_left)), hash_seed_(hash_seed) {}
  double operator()(CollectiveOp op, double bytes, int ranks, int ranks_per_server) const;

 private:
  const FabricShape& fabric_;
  std::vector<int> servers_;
  int gpus_per_server_;
  CollectiveFabric links_;
  std::vector<double> leaf_left_, pod_left_;
  std::uint64_t hash_seed_;
};

}  // namespace rcn
