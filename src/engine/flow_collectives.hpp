#pragma once
// Flow fidelity: the collectives of a job that cross servers, timed as real
// SimGrid flows on the job's own servers (NIC links, the cluster fabric, and
// whatever else is using them at that moment). Inside a server they stay
// analytic: a server is one SimGrid host.
//
// The analytic model (collective_time) says how many bytes each server puts
// on its NICs for the algorithm and protocol it chose (server_egress_bytes)
// and how long they take at the NICs' rate (network_s). The rounds those bytes
// take are models/fabric_rounds.hpp's: one round is simulated, with all the
// job's servers sending at once, and multiplied; an all-to-all's rounds differ
// on a tiered fabric, so up to kAllToAllRounds of them are simulated.
// Payloads are divided by the profile's NIC efficiency, so an idle fabric
// reproduces network_s; what contention (an oversubscribed fabric shared with
// other jobs) adds beyond it is added to the analytic time.
#include <simgrid/s4u.hpp>

#include <vector>

#include "rcn/models/collective_model.hpp"
#include "rcn/models/fabric_shape.hpp"

namespace rcn {

// Hashed ECMP on a tiered fabric (models/fabric_rounds.hpp): the star zones spread a
// leaf's flows ideally over its aggregated uplink, so each measured round is scaled by
// the hashed round's closed-form stretch over the ideal one, for the uplinks as they are.
struct EcmpHashing {
  const FabricShape* fabric = nullptr;  // null: ideal spread (nothing to scale)
  std::vector<int> servers;             // the job's server indices, in the order of its hosts
  std::uint64_t seed = 0;               // the job's ECMP seed (ecmp_seed)
  std::vector<double> leaf_left, pod_left;  // share of each leaf's (pod's) uplink in service
};

class FlowCollectives {
 public:
  FlowCollectives(std::vector<simgrid::s4u::Host*> servers, int gpus_per_server, CollectiveFabric fabric,
                  double nic_efficiency, EcmpHashing ecmp = {})
      : servers_(std::move(servers)), gpus_per_server_(gpus_per_server), fabric_(fabric),
        nic_efficiency_(nic_efficiency), ecmp_(std::move(ecmp)) {}

  // Must be called from a SimGrid actor: it waits for the flows.
  double operator()(CollectiveOp op, double bytes, int ranks, int ranks_per_server);

 private:
  // Every server sends `bytes_per_server` to the server `stride` places on; returns the round's time.
  double round(double bytes_per_server, std::size_t stride);

  std::vector<simgrid::s4u::Host*> servers_;
  int gpus_per_server_;
  CollectiveFabric fabric_;
  double nic_efficiency_;
  EcmpHashing ecmp_;
};

}  // namespace rcn
