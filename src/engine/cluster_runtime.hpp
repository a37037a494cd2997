#pragma once
// A cluster's live state during a run, in one place: what the scheduler, the
// failure injector, the serving runtime and the fabric read and change about
// one (site, cluster). The policy's view of the same cluster (ClusterState, in
// EngineContext::clusters) carries only what a policy may see; this carries the
// engine's bookkeeping behind it.
#include <vector>

#include "rcn/models/fabric_shape.hpp"

namespace rcn {

struct ClusterRuntime {
  std::vector<int> free_servers;  // free server indices, ascending (count mirrored in ClusterState::free_servers)
  std::vector<int> down;          // per server (spares included): failures in force
  std::vector<int> spare_pool;    // idle spare servers
  int spares_lent = 0;            // spares standing in for failed servers
  int unreplaced = 0;             // failed servers no spare could replace
  double busy_gpu_seconds = 0;    // closed busy intervals so far
  int inference_servers = 0;      // held by the scenario's inference replicas from the start
  FabricShape fabric;             // its leaves and pods (the platform built the same shape)
  std::vector<double> leaf_uplink_lost;  // per leaf (rail group): share of its uplink that failed spines and cables hold
  std::vector<double> pod_uplink_lost;   // per pod (3 tiers): likewise for its core uplink
  bool packed_placement = true;   // scale_out.placement: fill a leaf, then a pod (fabric_placement.hpp)
};

}  // namespace rcn
