#include "rcn/models/fabric_shape.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "rcn/models/direct_fabric.hpp"
#include "rcn/scenario/input_limits.hpp"

namespace rcn {

namespace {

long long ceil_div(long long a, long long b) { return (a + b - 1) / b; }

}  // namespace

FabricShape fabric_shape(const ClusterSpec& c, std::string& error, std::string& key) {
  const ScaleOutSpec& so = c.scale_out;
  FabricShape f;
  f.hosts = c.servers + c.spares;
  f.server_bandwidth = so.nic_bandwidth * so.nics_per_server;
  const std::string& t = so.topology;
  f.kind = t == "rail-optimized" ? "rail-optimised" : t;
  f.ecmp_hash = so.ecmp == "hash";
  const bool rails = f.kind == "rail-optimised" || f.kind == "rail-only";
  f.tiers = f.kind == "rail-only" ? 1 : rails && so.tiers == 0 ? 2 : so.tiers;
  if (f.direct()) {
    if (!direct_fabric_shape(c, f, error, key)) return FabricShape{};
    return f;
  }
  if (f.kind == "ideal" || (f.kind == "fat-tree" && so.tiers == 0)) {
    f.kind = "ideal";
    f.tiers = 0;
    f.servers_per_group = std::max(1, f.hosts);
    f.ideal_link = f.server_bandwidth * c.servers / so.oversubscription;
    f.bisection = std::min(f.server_bandwidth * c.servers / 2, f.ideal_link);
    return f;
  }
  auto fail = [&](const std::string& k, const std::string& msg) {
    key = k;
    error = msg;
    return FabricShape{};
  };
  const int R = so.radix;
  const int nics = so.nics_per_server;
  // A leaf switch (a rail switch) gives one down port per server NIC it meets:
  // `nics` per server on a fat-tree leaf, one per server on a rail switch.
  const int ports_per_server = rails ? 1 : nics;
  const long long nic_ports = static_cast<long long>(f.hosts) * nics;
  if (nics > limits::kMaxSwitchPorts || nic_ports > limits::kMaxInt)
    return fail("nics_per_server", fmt::format("at most {} NICs per server on a tiered fabric, got {}",
                                               limits::kMaxSwitchPorts, nics));
  if (ports_per_server > R)
    return fail("radix", fmt::format("a leaf of radix {} cannot hold one server's {} NICs", R, nics));
  const double link_bw = so.link_bandwidth > 0 ? so.link_bandwidth : so.nic_bandwidth;
  const double core_bw = so.core_link_bandwidth > 0 ? so.core_link_bandwidth : link_bw;
  const double o = so.oversubscription;
  int S = so.servers_per_leaf;
  if (f.kind == "rail-only") {
    S = S > 0 ? S : R;
    if (S > R)
      return fail("servers_per_leaf", fmt::format("a rail switch of radix {} cannot hold {} servers", R, S));
    if (f.hosts > S)
      return fail("radix", fmt::format("rail-only has no spine: every rail switch must reach all {} servers and "
                                       "spares, but radix {} holds {} (use rail-optimised, or a larger radix)",
                                       f.hosts, R, S));
    f.servers_per_group = f.hosts;
    f.groups = f.groups_per_pod = f.pods = 1;
    f.tier_table.push_back({"rail", nics, nic_ports, so.nic_bandwidth, 1});
    f.bisection = f.server_bandwidth * c.servers / 2;
    return f;
  }
  if (f.tiers != 2 && f.tiers != 3) return fail("tiers", fmt::format("expected 2 or 3 tiers, got {}", f.tiers));
  // Default split of a leaf's ports: down / up = oversubscription.
  if (S <= 0) S = static_cast<int>(R * o / (o + 1)) / ports_per_server;
  if (S <= 0)
    return fail("radix", fmt::format("a leaf of radix {} has no room for a server's {} NICs beside its uplinks", R,
                                     ports_per_server));
  const long long down = static_cast<long long>(S) * ports_per_server;
  if (down >= R)
    return fail(so.servers_per_leaf > 0 ? "servers_per_leaf" : "radix",
                fmt::format("a leaf of radix {} cannot hold {} servers ({} down ports) and an uplink", R, S, down));
  const int U = so.uplinks_per_leaf > 0 ? so.uplinks_per_leaf : std::max(1, static_cast<int>(std::ceil(down / o - 1e-9)));
  if (down + U > R)
    return fail(so.servers_per_leaf > 0 ? "servers_per_leaf" : "radix",
                fmt::format("a leaf of radix {} cannot hold {} servers ({} down ports) and {} uplinks", R, S, down, U));
  const int switches_per_group = rails ? nics : 1;
  f.servers_per_group = S;
  f.groups = static_cast<int>(ceil_div(f.hosts, S));
  f.group_uplink = double(switches_per_group) * U * link_bw;
  const double leaf_over = (down * so.nic_bandwidth) / (U * link_bw);
  f.tier_table.push_back({rails ? "rail" : "leaf", f.groups * switches_per_group, nic_ports, so.nic_bandwidth,
                          leaf_over});
  const int production_groups = static_cast<int>(ceil_div(c.servers, S));
  double bisection = f.server_bandwidth * c.servers / 2;
  if (production_groups > 1) bisection = std::min(bisection, production_groups * f.group_uplink / 2);
  const long long leaf_switches = static_cast<long long>(f.groups) * switches_per_group;
  if (f.tiers == 2) {
    // Every leaf reaches every spine: a spine has a down port per leaf.
    if (leaf_switches > R)
      return fail("tiers", fmt::format("2 tiers of radix {} reach at most {} leaf switches, the cluster needs {} "
                                       "(use tiers: 3)", R, R, leaf_switches));
    const long long spines = std::max<long long>(1, std::min<long long>(U, ceil_div(leaf_switches * U, R)));
    f.groups_per_pod = f.groups;
    f.tier_table.push_back({"spine", spines, leaf_switches * U, link_bw, 1});
    f.bisection = bisection;
    return f;
  }
  // 3 tiers: a pod is `leaves_per_pod` groups and U spines (one link from each of its
  // leaf switches to each spine); a spine's V uplinks go to the core.
  const int P = so.leaves_per_pod > 0 ? so.leaves_per_pod : std::max(1, R / 2 / switches_per_group);
  const long long spine_down = static_cast<long long>(P) * switches_per_group;
  if (spine_down >= R)
    return fail(so.leaves_per_pod > 0 ? "leaves_per_pod" : "radix",
                fmt::format("a spine of radix {} cannot hold {} leaf links and an uplink", R, spine_down));
  const int V = so.uplinks_per_spine > 0 ? so.uplinks_per_spine : static_cast<int>(spine_down);
  if (spine_down + V > R)
    return fail(so.leaves_per_pod > 0 ? "leaves_per_pod" : "uplinks_per_spine",
                fmt::format("a spine of radix {} cannot hold {} leaf links and {} uplinks", R, spine_down, V));
  f.groups_per_pod = P;
  f.pods = static_cast<int>(ceil_div(f.groups, P));
  const long long spines = static_cast<long long>(f.pods) * U;
  f.pod_uplink = double(U) * V * core_bw;
  const long long core_links = static_cast<long long>(spines) * V;
  if (f.pods > R)
    return fail("leaves_per_pod", fmt::format("a core switch of radix {} reaches at most {} pods, the cluster "
                                              "needs {}", R, R, f.pods));
  f.tier_table.push_back({"spine", spines, leaf_switches * U, link_bw,
                          (spine_down * link_bw) / (V * core_bw)});
  f.tier_table.push_back({"core", std::max(1LL, ceil_div(core_links, R)), core_links, core_bw, 1});
  const int production_pods = static_cast<int>(ceil_div(production_groups, P));
  if (production_pods > 1) bisection = std::min(bisection, production_pods * f.pod_uplink / 2);
  f.bisection = bisection;
  return f;
}

}  // namespace rcn
