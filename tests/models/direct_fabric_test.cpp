// Torus and dragonfly shapes against hand computation: nodes, cables per level
// and bisection bandwidth, placement's groups on a dragonfly, and the errors of
// shapes that cannot hold the servers.
#include <catch2/catch.hpp>

#include "rcn/models/fabric_failure.hpp"
#include "rcn/models/fabric_placement.hpp"
#include "rcn/models/fabric_shape.hpp"

using namespace rcn;

namespace {
// 8 NICs of 400 Gb/s (50 GB/s): b_s = 400 GB/s out of each server; links of 50 GB/s.
ClusterSpec cluster(int servers, const std::string& topology) {
  ClusterSpec c;
  c.name = "c";
  c.servers = servers;
  c.scale_out.nic_bandwidth = 50e9;
  c.scale_out.nics_per_server = 8;
  c.scale_out.topology = topology;
  c.scale_out.link_bandwidth = 50e9;
  return c;
}
ClusterSpec dragonfly(int servers, int G, int C, int R, int n) {
  ClusterSpec c = cluster(servers, "dragonfly");
  c.scale_out.groups = G;
  c.scale_out.chassis_per_group = C;
  c.scale_out.routers_per_chassis = R;
  c.scale_out.servers_per_router = n;
  return c;
}
FabricShape shape(const ClusterSpec& c) {
  std::string error, key;
  FabricShape f = fabric_shape(c, error, key);
  INFO(key << ": " << error);
  REQUIRE(error.empty());
  return f;
}
std::string refused(const ClusterSpec& c) {
  std::string error, key;
  fabric_shape(c, error, key);
  INFO(error);
  CHECK_FALSE(error.empty());
  return key;
}
}  // namespace

TEST_CASE("direct fabric: a 4x4x4 torus, cables and bisection by hand", "[fabric][torus]") {
  // 64 nodes, 3 cables per node (one per dimension): 192 cables of 50 GB/s. Cut across any
  // dimension of 4: each of its 64 / 4 = 16 rings crosses the cut twice (once at the
  // wraparound): 32 cables x 50 GB/s = 1.6 TB/s, below the servers' 64 x 400 / 2 = 12.8 TB/s.
  ClusterSpec c = cluster(64, "torus");
  c.scale_out.dimensions = {4, 4, 4};
  const FabricShape f = shape(c);
  CHECK(f.direct());
  CHECK_FALSE(f.tiered());
  CHECK(f.positions == 64);
  REQUIRE(f.link_levels.size() == 3);
  for (const FabricLinks& l : f.link_levels) {
    CHECK(l.cables == 64);
    CHECK(l.link_bandwidth == Approx(50e9));
  }
  CHECK(f.bisection == Approx(1.6e12));
  // No spine or cable a failure class can draw, and no event target.
  CHECK(uplink_failure_units(f, "spine") == 0);
  CHECK(uplink_failure_units(f, "cable") == 0);
  CHECK_FALSE(fabric_fault(f, "switch", "leaf0"));
}

TEST_CASE("direct fabric: torus bisection across the largest dimension, and a dimension of 2", "[fabric][torus]") {
  // 8x2 (16 nodes, links of 50 GB/s): the cut across the 8s: 16 / 8 = 2 rings, twice each:
  // 4 cables, 200 GB/s. 2x2x2 (8 nodes): the largest dimension is 2: 8 / 2 = 4 pairs, each
  // crossing on one cable (SimGrid routes a pair both ways over one of its two cables): 200 GB/s.
  ClusterSpec c = cluster(12, "torus");
  c.scale_out.dimensions = {8, 2};
  CHECK(shape(c).bisection == Approx(200e9));
  c.servers = 8;
  c.scale_out.dimensions = {2, 2, 2};
  CHECK(shape(c).bisection == Approx(200e9));
  // Fast links: the servers' own NICs bound it (8 x 400 / 2 = 1.6 TB/s < 4 x 1 TB/s).
  c.scale_out.link_bandwidth = 1e12;
  CHECK(shape(c).bisection == Approx(1.6e12));
}

TEST_CASE("direct fabric: a dragonfly, cables per level and bisection by hand", "[fabric][dragonfly]") {
  // G 4 groups (2 links between two groups), C 2 chassis, R 4 routers, n 2 servers per router:
  // 64 server ports, 32 routers. Cables: server 64; router (all-to-all in a chassis)
  // 4 x 2 x 4 x 3 / 2 = 48; chassis (router k of chassis a to router k of b) 4 x 4 x 1 = 16;
  // group 4 x 3 / 2 x 2 = 12. Bisection, the smallest level cut:
  //   servers   64 x min(400, 50) / 2            = 1600 GB/s
  //   groups    2 x 2 pairs x 2 links x 50       =  400 GB/s
  //   chassis   4 groups x 1 x 1 pairs x 4 x 50  =  800 GB/s
  //   routers   4 x 2 x (2 x 2) x 50 = 1600, plus the group links between groups {0,1}
  //             and {2,3} (group g meets the others at router g): 2 x 2 x 2 x 50 = 400: 2000 GB/s
  // B = 400 GB/s.
  ClusterSpec c = dragonfly(64, 4, 2, 4, 2);
  c.scale_out.links_between_groups = 2;
  const FabricShape f = shape(c);
  CHECK(f.direct());
  CHECK(f.positions == 64);
  REQUIRE(f.link_levels.size() == 4);
  CHECK(f.link_levels[0].cables == 64);
  CHECK(f.link_levels[1].cables == 48);
  CHECK(f.link_levels[2].cables == 16);
  CHECK(f.link_levels[3].cables == 12);
  CHECK(f.bisection == Approx(400e9));
  // With 8 links between groups the group cut is 1600 GB/s and the chassis cut (800) binds.
  c.scale_out.links_between_groups = 8;
  CHECK(shape(c).bisection == Approx(800e9));
}

TEST_CASE("direct fabric: dragonfly placement fills a chassis, then a group", "[fabric][dragonfly][placement]") {
  // 2 groups x 2 chassis x 2 routers x 2 servers: a chassis holds servers 4c..4c+3, a group 8.
  const FabricShape f = shape(dragonfly(16, 2, 2, 2, 2));
  CHECK(f.servers_per_group == 4);
  CHECK(f.groups_per_pod == 2);
  std::vector<int> all(16);
  for (int i = 0; i < 16; ++i) all[i] = i;
  // Free: 1 in chassis 0, all of chassis 1-3. A 3-server job takes a whole free chassis's
  // first three (the fullest chassis that holds it: chassis 1), not servers 1, 4, 5.
  std::vector<int> free = {1, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15};
  CHECK(choose_servers(free, f, 3, true) == std::vector<int>{4, 5, 6});
  CHECK(fabric_span({4, 5, 6}, f) == "chassis 1 groups 0");
  // 8 servers: group 1 has 8 free (chassis 2-3), group 0 only 5: group 1.
  CHECK(fabric_span(choose_servers(free, f, 8, true), f) == "chassis 2-3 groups 1");
  CHECK(fabric_span(choose_servers(all, f, 16, true), f) == "chassis 0-3 groups 0-1");
}

TEST_CASE("direct fabric: torus placement takes consecutive nodes", "[fabric][torus][placement]") {
  ClusterSpec c = cluster(8, "torus");
  c.scale_out.dimensions = {8};
  const FabricShape f = shape(c);
  CHECK(choose_servers({2, 3, 4, 5, 6}, f, 3, true) == std::vector<int>{2, 3, 4});
  CHECK(fabric_span({2, 3, 4}, f) == "nodes 2-4");
}

TEST_CASE("direct fabric: shapes that cannot hold the servers are refused at their key", "[fabric]") {
  ClusterSpec t = cluster(65, "torus");
  t.scale_out.dimensions = {4, 4, 4};
  CHECK(refused(t) == "dimensions");  // 64 nodes for 65 servers
  t.servers = 60;
  t.spares = 5;
  CHECK(refused(t) == "dimensions");  // spares too
  t.spares = 0;
  t.scale_out.dimensions = {4, 1};
  CHECK(refused(t) == "dimensions");  // a dimension < 2
  t.scale_out.dimensions = {100000, 100000, 100000, 100000};
  CHECK(refused(t) == "dimensions");  // 1e20 nodes: refused before it overflows
  CHECK(refused(dragonfly(65, 4, 2, 4, 2)) == "servers_per_router");  // 64 ports
  CHECK(refused(dragonfly(16, 5, 1, 4, 1)) == "groups");              // 5 groups, 4 routers per chassis
  CHECK(refused(dragonfly(16, 4, 0, 4, 1)) == "chassis_per_group");   // not given
  CHECK(refused(dragonfly(16, 100000, 100000, 100000, 100000)) != "");  // bounded, no overflow
}
