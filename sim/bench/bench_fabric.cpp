// Times building the SimGrid platform of one 16,384-GPU cluster (2,048 servers
// of 8 H100s, radix-64 switches) per fabric: ideal, 3-tier fat-tree, 3-tier
// rail-optimised (issue #13: under 2 s), a 16x16x8 torus, a dragonfly of 8 groups
// x 4 chassis x 8 routers x 8 servers. One engine per process, so one fabric per
// run. Usage: rcn-bench-fabric [ideal|fat-tree|rail-optimised|torus|dragonfly] [servers]
#include <fmt/format.h>

#include <chrono>
#include <cstdlib>
#include <string>

#include "rcn/scenario/loader.hpp"
#include "rcn/topology/platform.hpp"
#include "rcn/topology/site_graph.hpp"

int main(int argc, char** argv) {
  const std::string topology = argc > 1 ? argv[1] : "fat-tree";
  const int servers = argc > 2 ? std::atoi(argv[2]) : 2048;
  const std::string tiers = topology == "ideal"   ? ""
                            : topology == "torus" ? ", dimensions: [16, 16, 8]"
                            : topology == "dragonfly"
                                ? ", groups: 8, chassis_per_group: 4, routers_per_chassis: 8, servers_per_router: 8"
                                : ", tiers: 3";
  const std::string y = fmt::format(
      "name: bench-fabric\nsites:\n  - name: a\n    clusters: [{{gpu: h100-sxm, servers: {}, "
      "scale_out: {{nic_bandwidth: 400Gbps, nics_per_server: 8, topology: {}{}}}}}]\n",
      servers, topology, tiers);
  rcn::LoadResult r = rcn::load_scenario_text(y, "<bench>");
  if (!r.scenario) {
    for (const auto& d : r.diagnostics.items()) fmt::print(stderr, "{}\n", d.str());
    return 2;
  }
  using clock = std::chrono::steady_clock;
  auto engine = rcn::create_engine();
  const auto t0 = clock::now();
  rcn::Platform p = rcn::build_platform(*r.scenario, rcn::SiteGraph(*r.scenario));
  const double s = std::chrono::duration<double>(clock::now() - t0).count();
  const auto& shape = p.sites[0].clusters[0].shape;
  fmt::print("{} servers, {}: {} leaves, {} pods, platform built in {:.3f} s\n", servers, topology, shape.groups,
             shape.pods, s);
  return 0;
}
