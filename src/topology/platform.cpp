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
    for (int i = g * shape.servers_per_group; i < end; ++i) {
      const std::string host = fmt::format("{}/s{}", name, i);
      sg4::Host* h = leaf->create_host(host, speed);
      auto* nic = leaf->create_split_duplex_link(host + "/nic", shape.server_bandwidth);
      nic->set_latency(latency / 2)->seal();
      leaf->add_route(h->get_netpoint(), nullptr, nullptr, nullptr, {{nic, Dir::UP}}, false);
      leaf->add_route(nullptr, h->get_netpoint(), nullptr, nullptr, {{nic, Dir::DOWN}}, false);
      ch.servers.push_back(h);
    }
    leaf->seal();
  }
  if (pod) pod->seal();
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
    bool nested = false;
    for (const ClusterSpec& c : site.clusters) {
      std::string error, key;
      nested = nested || fabric_shape(c, error, key).tiered();
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
    for (const ClusterSpec& c : site.clusters) {
      const HardwareProfile* hw = s.find_profile(c.gpu);
      const double latency = c.scale_out.latency >= 0 ? c.scale_out.latency : (hw ? hw->net_hop_latency : 2e-6);
      std::string error, key;
      const FabricShape shape = fabric_shape(c, error, key);  // the loader refused a bad one
      ClusterHosts ch = shape.tiered() ? build_tiered_cluster(sp.zone, site.name + "/" + c.name, c, shape, latency,
                                                              server_speed(s, c))
                                       : build_ideal_cluster(sp.zone, site.name + "/" + c.name, c, shape, latency,
                                                             server_speed(s, c));
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
