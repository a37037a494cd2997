#pragma once
// The shape of a cluster's scale-out fabric, from its `scale_out` keys: how
// many switches at each tier, how servers group under leaves (or rail groups)
// and pods, the bandwidth of each tier and the bisection bandwidth. Pure (no
// SimGrid): the loader checks a fabric with it, `rcnsim describe` prints it,
// the platform builds SimGrid links from it and placement reads its groups.
//
// Aggregation (docs/models.md "Fabric"): one SimGrid host per server, so the
// parallel uplinks of a leaf are one link of their summed bandwidth (traffic
// spread ideally over the equal-cost uplinks), and likewise a pod's uplinks to
// the core. A rail-optimised group of servers behaves as one leaf whose down
// ports are the group's NICs: NIC k of every server meets NIC k of the others
// on rail switch k, and cross-rail traffic crosses NVLink first (PXN), so two
// servers of one group talk at their full NIC bandwidth.
#include <string>
#include <vector>

#include "rcn/scenario/scenario.hpp"

namespace rcn {

struct FabricTier {
  std::string name;             // "leaf", "rail", "spine", "core"
  long long switches = 0;
  long long links_down = 0;     // cables from this tier's switches down (servers' NICs for the first tier)
  double link_bandwidth = 0;    // bytes/s per down cable, one direction
  double oversubscription = 1;  // bandwidth below a switch / bandwidth above it (1 at the top tier)
};

// One level of cables of a direct fabric (torus, dragonfly): how many, and the
// bandwidth of each, one direction (a dragonfly's parallel links are counted each).
struct FabricLinks {
  std::string name;             // torus: "dim0".. ; dragonfly: "server", "router", "chassis", "group"
  long long cables = 0;
  double link_bandwidth = 0;    // bytes/s per cable, one direction
};

// A torus or a dragonfly: servers are the nodes of one SimGrid zone, no switch tiers.
inline bool direct_topology(const std::string& topology) { return topology == "torus" || topology == "dragonfly"; }

struct FabricShape {
  std::string kind;             // ideal | fat-tree | rail-optimised | rail-only | torus | dragonfly
  int tiers = 0;                // switch tiers; 0: one aggregated link (ideal)
  int hosts = 0;                // servers and spares, in host order
  int servers_per_group = 0;    // servers under one leaf (rail group); hosts when ideal
  int groups = 1;               // leaves (rail groups)
  int groups_per_pod = 0;       // 3 tiers; else all groups
  int pods = 1;
  double server_bandwidth = 0;  // bytes/s out of one server (all its NICs)
  double group_uplink = 0;      // bytes/s from one group to the spines (0: no spine tier)
  double pod_uplink = 0;        // bytes/s from one pod to the core (3 tiers)
  double ideal_link = 0;        // bytes/s of the single fabric link (ideal)
  double bisection = 0;         // bytes/s across the worst cut of the production servers into halves
  bool ecmp_hash = false;       // scale_out.ecmp: hash (each flow on one of a leaf's uplinks), else ideal spread
  std::vector<FabricTier> tier_table;
  // Direct fabrics (direct_fabric.hpp): no switch tiers; servers are the nodes of SimGrid's torus
  // or dragonfly zone, host i at position i (servers, spares, then empty positions).
  std::vector<int> torus_dims;  // torus: nodes along each dimension, dimension 0 varying fastest
  long long positions = 0;      // torus nodes / dragonfly router ports (>= hosts)
  long long built_links = 0;    // the SimGrid links a torus or dragonfly builds between nodes or routers
  double direct_link = 0;       // bytes/s of one torus or dragonfly link (a server's link to its router too)
  int df_groups = 0, df_chassis = 0, df_routers = 0, df_nodes = 0;   // dragonfly counts
  int df_group_links = 0, df_chassis_links = 0, df_router_links = 0;  // parallel links per level
  std::vector<FabricLinks> link_levels;

  bool tiered() const { return tiers > 0; }
  bool direct() const { return direct_topology(kind); }
  long long dragonfly_routers() const { return static_cast<long long>(df_groups) * df_chassis * df_routers; }
  // Servers group under switches for placement and `fabric_span`: leaves and pods of a tiered
  // fabric; a dragonfly's chassis (as leaves) and groups (as pods).
  bool grouped() const { return tiered() || kind == "dragonfly"; }
  int group_of(int host) const { return host / servers_per_group; }
  int pod_of(int host) const { return group_of(host) / groups_per_pod; }
};

// The cluster's fabric, or an error (empty shape, message in `error`) naming the
// `scale_out` key at fault: a radix that cannot hold the leaf's servers and its
// uplinks, tiers without uplinks, more leaves than the spine tier can reach, torus
// dimensions or dragonfly counts that cannot hold the servers (direct_fabric.hpp).
FabricShape fabric_shape(const ClusterSpec& cluster, std::string& error, std::string& key);

}  // namespace rcn
