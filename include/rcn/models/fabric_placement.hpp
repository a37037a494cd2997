#pragma once
// Which free servers of a cluster a job gets, from the fabric's shape: on a
// tiered fabric, as few leaves as possible, then as few pods (on a dragonfly: chassis,
// then groups; on a torus the lowest free nodes, consecutive when they can be) (a job's rings
// then stay under one leaf, or one pod's spines, whenever the free servers
// allow). Pure: the engine's free pool calls it (scheduler_loop.cpp).
#include <string>
#include <vector>

#include "rcn/models/fabric_shape.hpp"

namespace rcn {

// `free`: the cluster's free servers, ascending; count <= free.size(). Returns
// `count` of them, ascending. `packed` false, or an ideal fabric: the lowest ones.
// Packed: the leaf with the fewest free servers that still holds the job (best
// fit); else the pod likewise, filled from its emptiest leaves; else the
// emptiest pods and leaves first. Ties go to the lower index: deterministic.
std::vector<int> choose_servers(const std::vector<int>& free, const FabricShape& fabric, int count, bool packed);

// The leaves (rail groups) and pods a set of servers uses, as "leaves 0-3,7 pods 0"; on a dragonfly
// its chassis and groups ("chassis 0-1 groups 0"), on a torus its nodes ("nodes 0-7"); empty on an
// ideal fabric.
std::string fabric_span(const std::vector<int>& servers, const FabricShape& fabric);

}  // namespace rcn
