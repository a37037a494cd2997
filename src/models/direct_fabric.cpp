#include "rcn/models/direct_fabric.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "rcn/scenario/input_limits.hpp"

namespace rcn {

namespace {

// Routers that hold servers: the platform adds a route for each ordered pair (platform.cpp).
constexpr long long kMaxDragonflyRouters = 1024;

// ⌊u/2⌋ ⌈u/2⌉: the pairs of u units split into halves.
long long halves(long long u) { return (u / 2) * (u - u / 2); }

bool torus(const ClusterSpec& c, FabricShape& f, std::string& error, std::string& key) {
  const auto& dims = c.scale_out.dimensions;
  key = "dimensions";
  if (dims.empty() || dims.size() > 4) {
    error = fmt::format("a torus needs 1 to 4 dimensions, got {}", dims.size());
    return false;
  }
  long long nodes = 1;
  for (int d : dims) {
    if (d < 2 || d > limits::kMaxSwitchPorts) {
      error = fmt::format("each torus dimension must be between 2 and {}, got {}", limits::kMaxSwitchPorts, d);
      return false;
    }
    nodes *= d;  // <= kMaxServersTotal x kMaxSwitchPorts: fits 64 bits
    if (nodes > limits::kMaxServersTotal) {
      error = fmt::format("a torus of more than {} nodes (one SimGrid zone position each)", limits::kMaxServersTotal);
      return false;
    }
  }
  // SimGrid builds a split-duplex link per node and dimension: k P links, bounded as the
  // dragonfly's (a 3-dimensional torus of 1e6 nodes took 4.5 GB to build).
  const long long links = nodes * static_cast<long long>(dims.size());
  if (links > limits::kMaxServersTotal) {
    error = fmt::format("a torus of {} nodes in {} dimensions has {} links; at most {}", nodes, dims.size(), links,
                        limits::kMaxServersTotal);
    return false;
  }
  if (nodes < f.hosts) {
    error = fmt::format("a torus of {} nodes cannot hold the cluster's {} servers{}", nodes, f.hosts,
                        c.spares ? " and spares" : "");
    return false;
  }
  f.torus_dims = dims;
  f.positions = nodes;
  f.built_links = links;
  for (std::size_t i = 0; i < dims.size(); ++i) f.link_levels.push_back({fmt::format("dim{}", i), nodes, f.direct_link});
  // The narrowest cut across one dimension d: each of its P / d rings crosses it twice (once
  // at the wraparound), a ring of 2 once (SimGrid routes both ways over one cable), so a
  // dimension of 2 can be narrower than the largest one ([2, 3]: 3 links, not 2 x 6 / 3 = 4).
  long long crossing = nodes;
  for (int d : dims) crossing = std::min(crossing, (d == 2 ? 1 : 2) * (nodes / d));
  f.bisection = std::min(f.server_bandwidth * c.servers / 2, crossing * f.direct_link);
  return true;
}

bool dragonfly(const ClusterSpec& c, FabricShape& f, std::string& error, std::string& key) {
  const ScaleOutSpec& so = c.scale_out;
  const std::pair<const char*, int> counts[] = {{"groups", so.groups},
                                                {"chassis_per_group", so.chassis_per_group},
                                                {"routers_per_chassis", so.routers_per_chassis},
                                                {"servers_per_router", so.servers_per_router},
                                                {"links_between_groups", so.links_between_groups},
                                                {"links_between_chassis", so.links_between_chassis},
                                                {"links_between_routers", so.links_between_routers}};
  for (const auto& [name, v] : counts)
    if (v < 1 || v > limits::kMaxSwitchPorts) {
      key = name;
      error = v < 1 ? fmt::format("a dragonfly needs `{}` (at least 1)", name)
                    : fmt::format("at most {} {}, got {}", limits::kMaxSwitchPorts, name, v);
      return false;
    }
  const long long G = so.groups, C = so.chassis_per_group, R = so.routers_per_chassis, n = so.servers_per_router;
  if (G > R) {
    key = "groups";
    error = fmt::format("the dragonfly links group g to router g of each other group's first chassis (SimGrid's "
                        "layout): at most routers_per_chassis ({}) groups, got {}", R, G);
    return false;
  }
  // Each factor <= kMaxSwitchPorts (1e5): G C <= 1e10, G C R <= 1e15, G C R n <= 1e20 would not fit,
  // so the product is checked one factor at a time.
  long long positions = 1;
  for (long long v : {G, C, R, n}) {
    positions *= v;
    if (positions > limits::kMaxServersTotal) {
      key = "servers_per_router";
      error = fmt::format("a dragonfly of more than {} server ports (one SimGrid zone position each)",
                          limits::kMaxServersTotal);
      return false;
    }
  }
  if (positions < f.hosts) {
    key = "servers_per_router";
    error = fmt::format("groups x chassis_per_group x routers_per_chassis x servers_per_router = {} x {} x {} x {} = "
                        "{} cannot hold the cluster's {} servers{}", G, C, R, n, positions, f.hosts,
                        c.spares ? " and spares" : "");
    return false;
  }
  // SimGrid links the platform builds (parallel links are one): each factor is bounded and
  // G C R <= 1e6 above, so every term stays below 1e6 x 1e5.
  const long long links = G * C * (R * (R - 1) / 2) + G * R * (C * (C - 1) / 2) + G * (G - 1) / 2;
  if (links > limits::kMaxServersTotal) {
    key = "routers_per_chassis";
    error = fmt::format("a dragonfly of {} router, chassis and group links; at most {}", links, limits::kMaxServersTotal);
    return false;
  }
  if ((f.hosts + n - 1) / n > kMaxDragonflyRouters) {
    key = "servers_per_router";
    error = fmt::format("the platform holds a route per pair of routers: at most {} routers with servers, got {} "
                        "({} servers and spares, {} per router)", kMaxDragonflyRouters, (f.hosts + n - 1) / n, f.hosts, n);
    return false;
  }
  const double b = f.direct_link;
  f.positions = positions;
  f.built_links = links;
  f.df_groups = static_cast<int>(G), f.df_chassis = static_cast<int>(C), f.df_routers = static_cast<int>(R);
  f.df_nodes = static_cast<int>(n);
  f.df_group_links = so.links_between_groups, f.df_chassis_links = so.links_between_chassis;
  f.df_router_links = so.links_between_routers;
  f.link_levels = {{"server", positions, b},
                   {"router", G * C * (R * (R - 1) / 2) * so.links_between_routers, b},
                   {"chassis", G * R * (C * (C - 1) / 2) * so.links_between_chassis, b},
                   {"group", G * (G - 1) / 2 * so.links_between_groups, b}};
  // Placement's groups: a chassis (R n ports) as a leaf, a dragonfly group as a pod.
  f.servers_per_group = static_cast<int>(R * n);
  f.groups = static_cast<int>(G * C);
  f.groups_per_pod = static_cast<int>(C);
  f.pods = static_cast<int>(G);
  // Bisection: the smallest of the cuts that halve every unit of one level (docs/models.md).
  double bisection = c.servers * std::min(f.server_bandwidth, b) / 2;
  if (G >= 2) bisection = std::min(bisection, halves(G) * so.links_between_groups * b);
  if (C >= 2) bisection = std::min(bisection, G * halves(C) * R * so.links_between_chassis * b);
  if (R >= 2) {
    // Routers below R/2 on one side in every chassis: green links cross, and the group links
    // between a group g < R/2 and one >= R/2 (group g meets the others at router g).
    const long long low = std::min(G, R / 2);
    bisection = std::min(bisection, (G * C * halves(R) * so.links_between_routers +
                                     low * (G - low) * so.links_between_groups) * b);
  }
  f.bisection = bisection;
  return true;
}

}  // namespace

bool direct_fabric_shape(const ClusterSpec& c, FabricShape& f, std::string& error, std::string& key) {
  const ScaleOutSpec& so = c.scale_out;
  f.tiers = 0;
  f.direct_link = so.link_bandwidth > 0 ? so.link_bandwidth : so.nic_bandwidth;
  f.servers_per_group = std::max(1, f.hosts);
  return f.kind == "torus" ? torus(c, f, error, key) : dragonfly(c, f, error, key);
}

}  // namespace rcn
