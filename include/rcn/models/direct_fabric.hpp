#pragma once
// Direct fabrics: a torus, and a dragonfly with SimGrid 3.32's parameters. Pure
// (no SimGrid): node counts, cables per level and bisection bandwidth, read by
// fabric_shape() (so the loader, `describe`, the platform and placement see one
// definition). The platform builds a torus with SimGrid's create_torus_zone and a
// dragonfly by hand with SimGrid's layout (SimGrid 3.32's dragonfly zone misroutes
// between chassis; docs/architecture.md); formulas in docs/models.md "Fabric".
//
// Torus: dimensions d_0..d_{k-1} (1 to 4, each >= 2), P = prod d_i nodes, server i
// at node i (dimension 0 varying fastest, as SimGrid numbers them), k P cables of
// b_l per direction (SimGrid builds one per node and dimension: with d_i = 2 the two
// cables of a pair are parallel, and its routing uses one of them). Routing is SimGrid's:
// dimension order, each dimension the shorter way round.
//
// Dragonfly: G groups of C chassis of R routers, n servers per router, and g_b, c_b,
// r_g parallel links between two groups, between the routers of one position in two
// chassis of a group, and between two routers of a chassis. As in SimGrid, group j meets
// every other group at router j of its chassis 0, so G <= R; at most 1,024 routers hold servers
// (the platform has a route per pair of them).
#include <string>

#include "rcn/models/fabric_shape.hpp"

namespace rcn {

// Fills the direct-fabric fields of `f` (kind "torus" or "dragonfly"; hosts and
// server_bandwidth already set) or returns false with `error` and the `scale_out` key at fault.
bool direct_fabric_shape(const ClusterSpec& cluster, FabricShape& f, std::string& error, std::string& key);

}  // namespace rcn
