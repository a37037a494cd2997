#pragma once
// What a failed switch or cable of a tiered fabric does, from the fabric's
// shape (fabric_shape.hpp). Pure (no SimGrid): the loader checks a scripted
// event's target with it, the failure schedule turns a leaf into the servers it
// takes off the fabric, and the engine lowers the uplinks a spine or a cable
// carried (failure_injector.cpp).
//
// Blast radius (docs/failures.md "Fabric failures"): a leaf (rail group)
// switch takes its servers off the fabric, so the jobs on them are interrupted
// as by a server failure. A spine or a cable only removes uplink capacity,
// spread ideally over the equal-cost uplinks that remain: with 2 tiers every
// leaf reaches every spine, so a spine of K takes 1/K of every leaf's uplink;
// with 3 tiers a pod's U spines each hold one link from every leaf of the pod
// and V of the pod's U V core links, so a spine takes 1/U of each of the pod's
// leaf uplinks and of its core uplink. A cable takes one of its leaf's U
// uplinks: 1/U of it. Jobs inside one leaf never use an uplink and are not
// affected; jobs whose flows cross a reduced uplink slow down.
#include <optional>
#include <string>
#include <vector>

#include "rcn/models/fabric_shape.hpp"

namespace rcn {

// A share of one aggregated uplink that a failure removes.
struct UplinkLoss {
  bool pod = false;     // a pod's uplink to the core (3 tiers), else a leaf's (rail group's) to the spines
  int index = 0;        // the leaf or pod
  double fraction = 0;  // of its nominal capacity
};

struct FabricFault {
  std::string kind;              // "leaf", "spine" or "cable"
  std::vector<int> servers;      // hosts taken off the fabric (a leaf's; spares included)
  std::vector<UplinkLoss> lost;  // uplink capacity removed (a spine's or a cable's)
};

// Names as `rcnsim describe` lists them, per cluster: leafN (rail groups too),
// spineN (numbered across pods: pod N / U with 3 tiers), leafN/uplinkK (K < U).
// `kind` is the scripted event's kind: "switch" (a leaf or a spine) or "cable".
// nullopt when the name does not exist in this fabric (or it is not tiered).
std::optional<FabricFault> fabric_fault(const FabricShape& shape, const std::string& kind, const std::string& name);

// A scripted event's target "site/cluster/NAME" (kind "switch" or "cable"), resolved.
struct FabricFaultRef {
  std::size_t site = 0, cluster = 0;
  FabricFault fault;
};
std::optional<FabricFaultRef> resolve_fabric_fault(const Scenario& s, const std::string& kind, const std::string& target);

// Uplinks per leaf (rail group) of a tiered fabric: its U (n U on rails), from the tier table.
int uplinks_per_group(const FabricShape& shape);
// Spine switches in one pod (3 tiers) or in all (2 tiers); 0 without a spine tier.
int spines_per_pod(const FabricShape& shape);
// The units of the random failure class `spine` (its spine switches) or `cable` (its leaves'
// uplink cables, U per leaf) on this fabric; 0 without a spine tier (ideal, rail-only).
double uplink_failure_units(const FabricShape& shape, const std::string& cls);

}  // namespace rcn
