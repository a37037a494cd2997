#pragma once
// The SimGrid platform, built in code from the scenario and the site graph:
// one star NetZone per site under a full root zone, a host per server, a
// split-duplex NIC link per server, the cluster's fabric (one split-duplex
// link for topology `ideal`; nested leaf and pod zones with aggregated uplinks
// for a tiered one; SimGrid's torus or dragonfly zone for a direct one), and a
// split-duplex link per WAN connection. Site-to-site routes follow
// SiteGraph::route, so SimGrid and `rcnsim describe` agree on paths.
#include <simgrid/s4u.hpp>

#include <memory>
#include <vector>

#include "rcn/models/fabric_shape.hpp"
#include "rcn/scenario/scenario.hpp"
#include "rcn/topology/site_graph.hpp"

namespace rcn {

struct ClusterHosts {
  std::vector<simgrid::s4u::Host*> servers;  // servers, then the cluster's spare servers
  FabricShape shape;                          // leaves, pods and tiers (rcn/models/fabric_shape.hpp)
  simgrid::s4u::Link* fabric = nullptr;       // topology ideal: the single fabric link; else null
  // Tiered fabrics: each leaf's (rail group's) aggregated uplink to the spines, null when there is
  // no spine tier; with 3 tiers each pod's aggregated uplink to the core.
  std::vector<simgrid::s4u::Link*> leaf_uplinks;
  std::vector<simgrid::s4u::Link*> pod_uplinks;
};

struct SitePlatform {
  simgrid::s4u::NetZone* zone = nullptr;
  simgrid::s4u::Host* gateway = nullptr;  // the site's WAN endpoint (control actors run here)
  // The site's parallel file system: writes into it cross `storage_write`,
  // reads out of it cross `storage_read` (sum of the clusters' storage bandwidths).
  simgrid::s4u::Host* storage = nullptr;
  simgrid::s4u::Link* storage_write = nullptr;
  simgrid::s4u::Link* storage_read = nullptr;
  bool storage_modelled = false;  // the scenario gave storage bandwidth; else checkpoints cost nothing
  std::vector<ClusterHosts> clusters;
};

struct Platform {
  std::vector<SitePlatform> sites;                // same order as Scenario::sites
  std::vector<simgrid::s4u::Link*> wan_links;     // same order as Scenario::wan
};

// The process's SimGrid engine, quiet (critical log messages only) and with
// the network model under which a transfer's simulated time equals the
// alpha-beta formula (latency sum + bytes / bottleneck bandwidth); see
// docs/architecture.md. SimGrid allows one engine per process.
std::unique_ptr<simgrid::s4u::Engine> create_engine();

// Builds and seals the whole platform. Host speed is the server's dense bf16
// peak in FLOP/s (gpus_per_server x profile peak).
Platform build_platform(const Scenario& scenario, const SiteGraph& graph);

}  // namespace rcn
