#include "rcn/topology/platform.hpp"

#include <fmt/format.h>
#include <xbt/log.h>

#include <algorithm>

#include "rcn/models/fabric_shape.hpp"

namespace rcn {
namespace sg4 = simgrid::s4u;
using Dir = sg4::LinkInRoute::Direction;

std::unique_ptr<sg4::Engine> create_engine() {
  static char name[] = "rcnsim";
#ifdef RCN_SIMGRID_THREAD_CONTEXTS
  // Sanitizer builds: stacks switched by swapcontext, which ASan follows (CMakeLists.txt,
  // docs/reliability.md; the macro name is historical: the thread factory hangs here).
  static char factory[] = "--cfg=contexts/factory:ucontext";
  static char* argv[] = {name, factory, nullptr};
  static int argc = 2;
#else
  static char* argv[] = {name, nullptr};
  static int argc = 1;
#endif
  xbt_log_control_set("root.thres:critical");
  auto engine = std::make_unique<sg4::Engine>(&argc, argv);
  // CM02 without cross-traffic: latency and bandwidth exactly as given (the
  // default LV08 model inflates latency x13 and shaves bandwidth, tuned for TCP).
  sg4::Engine::set_config("network/model:CM02");
  sg4::Engine::set_config("network/crosstraffic:0");
  // No TCP window cap: WAN latencies would otherwise limit a flow to window/(2 latency).
  sg4::Engine::set_config("network/TCP-gamma:0");
#ifndef RCN_SIMGRID_THREAD_CONTEXTS
  // Actor stacks of 2 MiB instead of SimGrid's 8 MiB: one actor runs each job attempt,
  // so a million-job trace creates a million stacks, and the smaller ones are reused by
  // malloc instead of mapped and unmapped each time (50,000 jobs under easy-backfill:
  // 4.5 s -> 3.6 s of CPU, system time halved; docs/performance.md). Nothing an actor
  // runs (policies, the step model, a serving batch) comes near 2 MiB of stack.
  // Not in sanitizer builds: under ASan's allocator 2 MiB stacks cost far more than
  // 8 MiB ones (center-plus-four-nodes.yaml: 337 s instead of 78 s, mostly system time).
  sg4::Engine::set_config("contexts/stack-size:2048");
#endif
  return engine;
}

namespace {

double server_speed(const Scenario& s, const ClusterSpec& c) {
  const HardwareProfile* hw = s.find_profile(c.gpu);
  double peak = 1e12;
  if (hw && hw->peak_flops.count("bf16")) peak = hw->peak_flops.at("bf16");
  return peak * c.gpus_per_server;
}

// Today's model (topology `ideal`): every server's NIC link, then one split-duplex
// fabric link of the cluster's NIC bandwidth over the oversubscription, in the site's star.
ClusterHosts build_ideal_cluster(sg4::NetZone* site, const std::string& name, const ClusterSpec& c,
                                 const FabricShape& shape, double latency, double speed) {
  ClusterHosts ch;
  auto* fabric = site->create_split_duplex_link(name + "/fabric", shape.ideal_link);
  // NIC to NIC crosses the fabric up and down: half the latency each way.
  fabric->set_latency(latency / 2)->seal();
  ch.fabric = fabric;
  ch.servers.reserve(c.servers + c.spares);
  for (int i = 0; i < c.servers + c.spares; ++i) {
    const std::string host = fmt::format("{}/s{}", name, i);
    sg4::Host* h = site->create_host(host, speed);
    auto* nic = site->create_split_duplex_link(host + "/nic", shape.server_bandwidth);
    nic->set_latency(0)->seal();
    site->add_route(h->get_netpoint(), nullptr, nullptr, nullptr, {{nic, Dir::UP}, {fabric, Dir::UP}}, false);
    site->add_route(nullptr, h->get_netpoint(), nullptr, nullptr, {{fabric, Dir::DOWN}, {nic, Dir::DOWN}}, false);
    ch.servers.push_back(h);
  }
  return ch;
}

// Server `host` in `zone`, a star whose centre is its switch: the route to the centre crosses
// its split-duplex NIC link (all its NICs' bandwidth, the fabric latency half each way), then
// `port` when given (a dragonfly server's link to its router).
sg4::Host* add_server(sg4::NetZone* zone, const std::string& host, double speed, double nic_bandwidth, double latency,
                      sg4::SplitDuplexLink* port = nullptr) {
  sg4::Host* h = zone->create_host(host, speed);
  auto* nic = zone->create_split_duplex_link(host + "/nic", nic_bandwidth);
  nic->set_latency(latency / 2)->seal();
  std::vector<sg4::LinkInRoute> up = {{nic, Dir::UP}}, down = {{nic, Dir::DOWN}};
  if (port) {
    up.emplace_back(port, Dir::UP);
    down.insert(down.begin(), sg4::LinkInRoute(port, Dir::DOWN));
  }
  zone->add_route(h->get_netpoint(), nullptr, nullptr, nullptr, up, false);
  zone->add_route(nullptr, h->get_netpoint(), nullptr, nullptr, down, false);
  return h;
}

// A star zone whose centre is a router (a switch): the router is the zone's
// gateway, its own route is free, so traffic leaving the zone pays only the
// links of the members' routes. In a zone of zones (the cluster, a pod) the
// router sits in a child zone of its own: SimGrid 3.32 looks a route from a
// server up to a gateway that is a direct member of an ancestor zone up by the
// server's own id in that zone (a wrong route, or "unordered_map::at"), so a
// gateway must be reached through a sibling zone, as a leaf's is.
sg4::NetZone* switch_zone(const std::string& name, sg4::NetZone* parent, sg4::NetZone*& created,
                          simgrid::kernel::routing::NetPoint*& router, bool holds_zones) {
  created = sg4::create_star_zone(name);
  created->set_parent(parent);
  if (!holds_zones) {
    router = created->create_router(name + "/switch");
    created->add_route(router, nullptr, nullptr, nullptr, {}, true);
    return created;
  }
  sg4::NetZone* own = sg4::create_star_zone(name + "/switches");
  own->set_parent(created);
  router = own->create_router(name + "/switch");
  own->add_route(router, nullptr, nullptr, nullptr, {}, true);
  own->seal();
  created->add_route(own->get_netpoint(), nullptr, router, nullptr, {}, true);
  return created;
}

// A tiered fabric as nested star zones (docs/architecture.md): a zone per leaf
// (rail group) holding its servers, whose route to the leaf is the server's NIC
// link; a zone per pod (3 tiers) holding its leaves, whose route to the pod's
// spines is the leaf's aggregated uplink; a cluster zone holding the pods (or,
// with 2 tiers, the leaves directly), whose route to the core is the pod's
// aggregated uplink. Traffic inside a leaf never leaves its zone; between two
// leaves it climbs to their lowest common zone and back down. The NIC link
// carries the fabric's latency, half each way, so every server pair sees it once.
ClusterHosts build_tiered_cluster(sg4::NetZone* site, const std::string& name, const ClusterSpec& c,
                                  const FabricShape& shape, double latency, double speed) {
  ClusterHosts ch;
  sg4::NetZone* cluster = nullptr;
  simgrid::kernel::routing::NetPoint* top = nullptr;
  switch_zone(name, site, cluster, top, true);
  // The site reaches the cluster through its top switch at no cost, as the ideal fabric's gateway route.
  site->add_route(cluster->get_netpoint(), nullptr, top, nullptr, {}, true);
  const int hosts = c.servers + c.spares;
  ch.servers.reserve(hosts);
  sg4::NetZone* pod = nullptr;
  simgrid::kernel::routing::NetPoint* pod_switch = nullptr;
  for (int g = 0; g < shape.groups; ++g) {
    if (shape.tiers == 3 && g % shape.groups_per_pod == 0) {
      const int p = g / shape.groups_per_pod;
      if (pod) pod->seal();
      switch_zone(fmt::format("{}/pod{}", name, p), cluster, pod, pod_switch, true);
      auto* up = cluster->create_split_duplex_link(fmt::format("{}/pod{}/uplink", name, p), shape.pod_uplink);
      up->set_latency(0)->seal();
      cluster->add_route(pod->get_netpoint(), nullptr, pod_switch, nullptr, {{up, Dir::UP}}, false);
      cluster->add_route(nullptr, pod->get_netpoint(), nullptr, pod_switch, {{up, Dir::DOWN}}, false);
      ch.pod_uplinks.push_back(up);
    }
    sg4::NetZone* parent = shape.tiers == 3 ? pod : cluster;
    sg4::NetZone* leaf = nullptr;
    simgrid::kernel::routing::NetPoint* leaf_switch = nullptr;
    switch_zone(fmt::format("{}/leaf{}", name, g), parent, leaf, leaf_switch, false);
    sg4::SplitDuplexLink* up = nullptr;
    if (shape.group_uplink > 0) {
      up = parent->create_split_duplex_link(fmt::format("{}/leaf{}/uplink", name, g), shape.group_uplink);
      up->set_latency(0)->seal();
      parent->add_route(leaf->get_netpoint(), nullptr, leaf_switch, nullptr, {{up, Dir::UP}}, false);
      parent->add_route(nullptr, leaf->get_netpoint(), nullptr, leaf_switch, {{up, Dir::DOWN}}, false);
    } else {  // rail-only: one group, nothing above it
      parent->add_route(leaf->get_netpoint(), nullptr, leaf_switch, nullptr, {}, true);
    }
    ch.leaf_uplinks.push_back(up);
    const int end = std::min(hosts, (g + 1) * shape.servers_per_group);
    for (int i = g * shape.servers_per_group; i < end; ++i)
      ch.servers.push_back(add_server(leaf, fmt::format("{}/s{}", name, i), speed, shape.server_bandwidth, latency));
    leaf->seal();
  }
  if (pod) pod->seal();
  cluster->seal();
  return ch;
}

// A torus (docs/architecture.md): SimGrid's torus zone, whose position i holds server
// i as a small star zone of its own (the server, its split-duplex NIC link of the
// server's NIC bandwidth and a router as the position's gateway), so a flow pays the
// NIC both ways and SimGrid's torus links between, split-duplex, link_bandwidth each
// way. Positions past the hosts are routers (a route never ends there; torus routes
// may pass through). The cluster's border router, after the positions, is its gateway
// to the site: SimGrid routes between a router and any member of a torus zone without links.
ClusterHosts build_torus_cluster(sg4::NetZone* site, const std::string& name, const ClusterSpec& c,
                                  const FabricShape& shape, double latency, double speed) {
  ClusterHosts ch;
  const int hosts = c.servers + c.spares;
  ch.servers.reserve(hosts);
  auto position = [&](sg4::NetZone* zone, const std::vector<unsigned long>&, unsigned long id)
      -> std::pair<simgrid::kernel::routing::NetPoint*, simgrid::kernel::routing::NetPoint*> {
    if (id >= static_cast<unsigned long>(hosts)) return {zone->create_router(fmt::format("{}/node{}", name, id)), nullptr};
    const std::string host = fmt::format("{}/s{}", name, id);
    sg4::NetZone* port = sg4::create_star_zone(host + "-port");
    port->set_parent(zone);
    sg4::Host* h = add_server(port, host, speed, shape.server_bandwidth, latency);
    auto* router = port->create_router(host + "-router");
    port->add_route(router, nullptr, nullptr, nullptr, {}, true);
    port->seal();
    ch.servers.push_back(h);
    return {port->get_netpoint(), router};
  };
  const std::vector<unsigned long> dims(shape.torus_dims.begin(), shape.torus_dims.end());
  sg4::NetZone* zone = sg4::create_torus_zone(name, site, dims, sg4::ClusterCallbacks(position), shape.direct_link, 0,
                                              sg4::Link::SharingPolicy::SPLITDUPLEX);
  auto* border = zone->create_router(name + "/border");
  site->add_route(zone->get_netpoint(), nullptr, border, nullptr, {}, true);
  zone->seal();
  return ch;
}

// A dragonfly with SimGrid's parameters and link layout (docs/models.md "Fabric"), built
// by hand: SimGrid 3.32's DragonflyZone (and its later versions) routes a flow between two
// chassis of one group, after its hop to the target's router position, on from chassis 0's
// router instead of its own (a wrong cable, or none when the target is in chassis 0), which
// the route test in tests/engine/fabric_flow_test.cpp found. Here each router is a star zone
// holding its servers (NIC link, then the server's link to the router, both split-duplex) with
// the router as its gateway, and the cluster a full zone with one route per pair of routers,
// SimGrid's minimal route: router link (to the position that leads on), chassis link, the one
// group link, then likewise in the target group. Traffic to the site crosses the NIC and the
// server's link to its router, then a free link to the cluster's border router.
ClusterHosts build_dragonfly_cluster(sg4::NetZone* site, const std::string& name, const ClusterSpec& c,
                                     const FabricShape& shape, double latency, double speed) {
  ClusterHosts ch;
  const int hosts = c.servers + c.spares;
  const int G = shape.df_groups, C = shape.df_chassis, R = shape.df_routers, n = shape.df_nodes;
  sg4::NetZone* cluster = sg4::create_full_zone(name);
  cluster->set_parent(site);
  auto cable = [&](const std::string& id, int parallel) {
    auto* l = cluster->create_split_duplex_link(id, shape.direct_link * parallel);
    l->set_latency(0)->seal();
    return l;
  };
  // Router (g, c, k) is number (g C + c) R + k. Links between two units lo < hi, crossed UP from lo:
  // green between routers j < k of chassis c of group g, black between chassis a < b at router
  // position k of group g, blue between groups g < h.
  auto green_at = [&](int g, int c, int j, int k) { return ((static_cast<std::size_t>(g) * C + c) * R + j) * R + k; };
  auto black_at = [&](int g, int k, int a, int b) { return ((static_cast<std::size_t>(g) * R + k) * C + a) * C + b; };
  auto blue_at = [&](int g, int h) { return static_cast<std::size_t>(g) * G + h; };
  std::vector<sg4::SplitDuplexLink*> green(static_cast<std::size_t>(G) * C * R * R), black(static_cast<std::size_t>(G) * R * C * C),
      blue(static_cast<std::size_t>(G) * G);
  for (int g = 0; g < G; ++g)
    for (int ch_ = 0; ch_ < C; ++ch_)
      for (int j = 0; j < R; ++j)
        for (int k = j + 1; k < R; ++k)
          green[green_at(g, ch_, j, k)] =
              cable(fmt::format("{}/g{}c{}/router{}-router{}", name, g, ch_, j, k), shape.df_router_links);
  for (int g = 0; g < G; ++g)
    for (int k = 0; k < R; ++k)
      for (int a = 0; a < C; ++a)
        for (int b = a + 1; b < C; ++b)
          black[black_at(g, k, a, b)] =
              cable(fmt::format("{}/g{}/router{}/chassis{}-chassis{}", name, g, k, a, b), shape.df_chassis_links);
  for (int g = 0; g < G; ++g)
    for (int h = g + 1; h < G; ++h)
      blue[blue_at(g, h)] = cable(fmt::format("{}/group{}-group{}", name, g, h), shape.df_group_links);
  auto hop = [](std::vector<sg4::LinkInRoute>& out, sg4::SplitDuplexLink* l, bool up) {
    out.emplace_back(l, up ? Dir::UP : Dir::DOWN);
  };
  // Inside group g, from position k1 of chassis c1 to position k2 of chassis c2.
  auto inside = [&](std::vector<sg4::LinkInRoute>& out, int g, int c1, int k1, int c2, int k2) {
    if (k1 != k2) hop(out, green[green_at(g, c1, std::min(k1, k2), std::max(k1, k2))], k1 < k2);
    if (c1 != c2) hop(out, black[black_at(g, k2, std::min(c1, c2), std::max(c1, c2))], c1 < c2);
  };
  auto route = [&](int from, int to) {
    std::vector<sg4::LinkInRoute> out;
    const int g1 = from / (C * R), c1 = from / R % C, k1 = from % R;
    const int g2 = to / (C * R), c2 = to / R % C, k2 = to % R;
    if (g1 == g2) {
      inside(out, g1, c1, k1, c2, k2);
    } else {  // group h meets group g at router h of g's chassis 0
      inside(out, g1, c1, k1, 0, g2);
      hop(out, blue[blue_at(std::min(g1, g2), std::max(g1, g2))], g1 < g2);
      inside(out, g2, 0, g1, c2, k2);
    }
    return out;
  };
  sg4::NetZone* own = nullptr;
  simgrid::kernel::routing::NetPoint* border = nullptr;
  switch_zone(name + "/border", cluster, own, border, false);
  own->seal();
  const int routers = (hosts + n - 1) / n;
  std::vector<sg4::NetZone*> zones;
  std::vector<simgrid::kernel::routing::NetPoint*> gateways;
  ch.servers.reserve(hosts);
  for (int r = 0; r < routers; ++r) {
    sg4::NetZone* zone = nullptr;
    simgrid::kernel::routing::NetPoint* router = nullptr;
    switch_zone(fmt::format("{}/router{}", name, r), cluster, zone, router, false);
    for (int i = r * n; i < std::min(hosts, (r + 1) * n); ++i) {
      const std::string host = fmt::format("{}/s{}", name, i);
      auto* port = zone->create_split_duplex_link(host + "/link", shape.direct_link);
      port->set_latency(0)->seal();
      ch.servers.push_back(add_server(zone, host, speed, shape.server_bandwidth, latency, port));
    }
    zone->seal();
    zones.push_back(zone);
    gateways.push_back(router);
  }
  // Routes once every member exists (a full zone resizes its table to its members at each route).
  // A full zone refuses an empty route: the way to the border router is a fat pipe that takes
  // no time (1 PB/s per flow, as storage without a bandwidth), so it adds nothing.
  auto* front = cluster->create_link(name + "/border-link", 1e15);
  front->set_sharing_policy(sg4::Link::SharingPolicy::FATPIPE)->set_latency(0)->seal();
  for (int a = 0; a < routers; ++a) {
    cluster->add_route(zones[a]->get_netpoint(), own->get_netpoint(), gateways[a], border, {sg4::LinkInRoute(front)}, true);
    for (int b = 0; b < routers; ++b)
      if (a != b)
        cluster->add_route(zones[a]->get_netpoint(), zones[b]->get_netpoint(), gateways[a], gateways[b], route(a, b),
                           false);
  }
  site->add_route(cluster->get_netpoint(), nullptr, border, nullptr, {}, true);
  cluster->seal();
  return ch;
}

}  // namespace

Platform build_platform(const Scenario& s, const SiteGraph& graph) {
  Platform p;
  sg4::NetZone* world = sg4::create_full_zone("world");
  for (const SiteSpec& site : s.sites) {
    SitePlatform sp;
    sp.zone = sg4::create_star_zone(site.name);
    sp.zone->set_parent(world);
    // With a tiered cluster in the site, the gateway and the storage each sit in a zone of
    // their own: SimGrid 3.32 finds a route between a direct member of a zone and a server
    // nested below it by the server's own id in that zone (switch_zone()). Sites of ideal
    // clusters keep them as direct members (their servers are too).
    std::vector<FabricShape> shapes;  // the loader refused a bad one
    bool nested = false;
    for (const ClusterSpec& c : site.clusters) {
      std::string error, key;
      shapes.push_back(fabric_shape(c, error, key));
      nested = nested || shapes.back().tiered() || shapes.back().direct();
    }
    auto endpoint = [&](const std::string& host_name) -> std::pair<sg4::Host*, simgrid::kernel::routing::NetPoint*> {
      if (!nested) {
        sg4::Host* h = sp.zone->create_host(host_name, 1e9);
        return {h, nullptr};
      }
      sg4::NetZone* own = sg4::create_star_zone(host_name + "-zone");
      own->set_parent(sp.zone);
      sg4::Host* h = own->create_host(host_name, 1e9);
      own->add_route(h->get_netpoint(), nullptr, nullptr, nullptr, {}, true);
      own->seal();
      return {h, own->get_netpoint()};
    };
    // The gateway stands for the site's border router and storage head; its
    // route to the star's centre is free, so WAN traffic only pays NIC,
    // fabric and WAN links.
    auto [gateway, gateway_zone] = endpoint(site.name + "/gateway");
    sp.gateway = gateway;
    if (gateway_zone)
      sp.zone->add_route(gateway_zone, nullptr, gateway->get_netpoint(), nullptr, {}, true);
    else
      sp.zone->add_route(sp.gateway->get_netpoint(), nullptr, nullptr, nullptr, {}, true);
    // Storage: without bandwidth in the scenario it is effectively instantaneous (1 PB/s).
    double write_bw = 0, read_bw = 0;
    for (const ClusterSpec& c : site.clusters) {
      write_bw += c.storage.write_bandwidth;
      read_bw += c.storage.read_bandwidth;
    }
    sp.storage_modelled = write_bw > 0 || read_bw > 0;
    auto [storage, storage_zone] = endpoint(site.name + "/storage");
    sp.storage = storage;
    sp.storage_write = sp.zone->create_link(site.name + "/storage-write", write_bw > 0 ? write_bw : 1e15);
    sp.storage_write->set_latency(0)->seal();
    sp.storage_read = sp.zone->create_link(site.name + "/storage-read", read_bw > 0 ? read_bw : 1e15);
    sp.storage_read->set_latency(0)->seal();
    simgrid::kernel::routing::NetPoint* store = storage_zone ? storage_zone : sp.storage->get_netpoint();
    simgrid::kernel::routing::NetPoint* store_gw = storage_zone ? sp.storage->get_netpoint() : nullptr;
    sp.zone->add_route(store, nullptr, store_gw, nullptr, {sg4::LinkInRoute(sp.storage_read)}, false);
    sp.zone->add_route(nullptr, store, nullptr, store_gw, {sg4::LinkInRoute(sp.storage_write)}, false);
    for (std::size_t ci = 0; ci < site.clusters.size(); ++ci) {
      const ClusterSpec& c = site.clusters[ci];
      const FabricShape& shape = shapes[ci];
      const HardwareProfile* hw = s.find_profile(c.gpu);
      const double latency = c.scale_out.latency >= 0 ? c.scale_out.latency : (hw ? hw->net_hop_latency : 2e-6);
      const std::string name = site.name + "/" + c.name;
      ClusterHosts ch = shape.tiered()   ? build_tiered_cluster(sp.zone, name, c, shape, latency, server_speed(s, c))
                        : shape.kind == "torus"
                            ? build_torus_cluster(sp.zone, name, c, shape, latency, server_speed(s, c))
                        : shape.kind == "dragonfly"
                            ? build_dragonfly_cluster(sp.zone, name, c, shape, latency, server_speed(s, c))
                            : build_ideal_cluster(sp.zone, name, c, shape, latency, server_speed(s, c));
      ch.shape = shape;
      sp.clusters.push_back(std::move(ch));
    }
    sp.zone->seal();
    p.sites.push_back(std::move(sp));
  }
  // WAN links live in the root zone; the loader already checked both ends exist.
  std::vector<sg4::SplitDuplexLink*> wan;
  for (std::size_t i = 0; i < s.wan.size(); ++i) {
    const auto& w = s.wan[i];
    auto* l = world->create_split_duplex_link(fmt::format("wan{}:{}<->{}", i, w.from, w.to), w.bandwidth);
    l->set_latency(w.latency)->seal();
    wan.push_back(l);
    p.wan_links.push_back(l);
  }
  for (std::size_t a = 0; a < s.sites.size(); ++a) {
    for (std::size_t b = 0; b < s.sites.size(); ++b) {
      if (a == b) continue;
      auto path = graph.route(a, b);
      if (!path) continue;  // unreachable: reported as an input error before any run
      std::vector<sg4::LinkInRoute> links;
      for (const auto& hop : *path) links.emplace_back(wan[hop.wan_index], hop.forward ? Dir::UP : Dir::DOWN);
      world->add_route(p.sites[a].zone->get_netpoint(), p.sites[b].zone->get_netpoint(),
                       p.sites[a].gateway->get_netpoint(), p.sites[b].gateway->get_netpoint(), links, false);
    }
  }
  world->seal();
  return p;
}

}  // namespace rcn
