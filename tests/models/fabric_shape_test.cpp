// The fabric's shape against hand computation: switch counts, per-tier
// oversubscription and bisection bandwidth of 2- and 3-tier fat-trees, rail
// groups, tori and dragonflies, and the errors of fabrics that cannot be built.
#include <catch2/catch.hpp>

#include "rcn/models/fabric_failure.hpp"
#include "rcn/models/fabric_placement.hpp"
#include "rcn/models/fabric_shape.hpp"
#include "tests/load_scenario.hpp"

using namespace rcn;

namespace {
// 8 NICs of 400 Gb/s (50 GB/s): 400 GB/s out of each server.
ClusterSpec cluster(int servers, const std::string& topology, int tiers) {
  ClusterSpec c;
  c.name = "c";
  c.servers = servers;
  c.scale_out.nic_bandwidth = 50e9;
  c.scale_out.nics_per_server = 8;
  c.scale_out.topology = topology;
  c.scale_out.tiers = tiers;
  return c;
}
FabricShape shape(const ClusterSpec& c) {
  std::string error, key;
  FabricShape f = fabric_shape(c, error, key);
  INFO(key << ": " << error);
  REQUIRE(error.empty());
  return f;
}
}  // namespace

TEST_CASE("fabric: a fat-tree without tiers is the single ideal link, as before", "[fabric]") {
  ClusterSpec c = cluster(64, "fat-tree", 0);
  c.scale_out.oversubscription = 4;
  const FabricShape f = shape(c);
  CHECK_FALSE(f.tiered());
  CHECK(f.kind == "ideal");
  CHECK(f.ideal_link == Approx(64 * 400e9 / 4));  // 6.4 TB/s
  // Half the servers could send 12.8 TB/s; the one link carries 6.4 TB/s.
  CHECK(f.bisection == Approx(6.4e12));
}

TEST_CASE("fabric: 2-tier fat-tree, 2:1 at the leaves, bisection by hand", "[fabric]") {
  // 64 servers, 4 per leaf (32 NIC ports down), 16 uplinks of 50 GB/s per leaf:
  // 16 leaves, each with 800 GB/s up for 1.6 TB/s down (2:1). Bisection: 8 leaves
  // on each side, 8 x 800 GB/s = 6.4 TB/s (the servers alone would give 12.8 TB/s).
  ClusterSpec c = cluster(64, "fat-tree", 2);
  c.scale_out.servers_per_leaf = 4;
  c.scale_out.uplinks_per_leaf = 16;
  const FabricShape f = shape(c);
  CHECK(f.tiers == 2);
  CHECK(f.groups == 16);
  CHECK(f.group_uplink == Approx(800e9));
  CHECK(f.bisection == Approx(6.4e12));
  REQUIRE(f.tier_table.size() == 2);
  CHECK(f.tier_table[0].switches == 16);
  CHECK(f.tier_table[0].links_down == 512);
  CHECK(f.tier_table[0].oversubscription == Approx(2));
  CHECK(f.tier_table[1].switches == 4);  // 256 leaf uplinks on 64-port spines
  CHECK(f.tier_table[1].links_down == 256);
  CHECK(f.group_of(5) == 1);
}

TEST_CASE("fabric: 3-tier fat-tree of 16,384 GPUs, 2:1 at the spines, bisection by hand", "[fabric]") {
  // 2,048 servers on radix-64 switches, non-blocking leaves: 4 servers (32 ports) and 32
  // uplinks per leaf, 512 leaves; 32 leaves per pod, 16 pods of 32 spines; each spine has
  // 32 leaf links and 16 core links (2:1). Pod uplink 32 x 16 x 50 GB/s = 25.6 TB/s;
  // bisection 8 pods x 25.6 TB/s = 204.8 TB/s (the leaves would carry 409.6 TB/s).
  ClusterSpec c = cluster(2048, "fat-tree", 3);
  c.scale_out.uplinks_per_spine = 16;
  const FabricShape f = shape(c);
  CHECK(f.servers_per_group == 4);
  CHECK(f.groups == 512);
  CHECK(f.groups_per_pod == 32);
  CHECK(f.pods == 16);
  CHECK(f.pod_uplink == Approx(25.6e12));
  CHECK(f.bisection == Approx(204.8e12));
  REQUIRE(f.tier_table.size() == 3);
  CHECK(f.tier_table[0].oversubscription == Approx(1));
  CHECK(f.tier_table[1].switches == 512);
  CHECK(f.tier_table[1].oversubscription == Approx(2));
  CHECK(f.tier_table[2].switches == 128);  // 8,192 core links on 64 ports
  CHECK(f.pod_of(4 * 32 * 3) == 3);
  // Non-blocking throughout: every tier gives half the servers' 819.2 TB/s.
  c.scale_out.uplinks_per_spine = 0;
  CHECK(shape(c).bisection == Approx(409.6e12));
}

TEST_CASE("fabric: a rail group is as large as a leaf's down ports, eight times a fat-tree leaf", "[fabric]") {
  // Radix 64, non-blocking: a fat-tree leaf holds 32 ports = 4 servers; a rail switch
  // holds one NIC of each of 32 servers, and the group's 8 rail switches give 8 x 32 uplinks.
  const FabricShape rails = shape(cluster(64, "rail-optimised", 2));
  CHECK(rails.servers_per_group == 32);
  CHECK(rails.groups == 2);
  CHECK(rails.group_uplink == Approx(8 * 32 * 50e9));
  CHECK(rails.tier_table[0].switches == 16);
  CHECK(shape(cluster(64, "fat-tree", 2)).servers_per_group == 4);
  const FabricShape only = shape(cluster(64, "rail-only", 0));
  CHECK(only.groups == 1);
  CHECK(only.group_uplink == 0);
  CHECK(only.tier_table[0].switches == 8);
}

TEST_CASE("fabric: shapes that cannot be built name the key at fault", "[fabric]") {
  std::string error, key;
  ClusterSpec c = cluster(64, "fat-tree", 2);
  c.scale_out.servers_per_leaf = 8;  // 64 down ports on a 64-port leaf, no room for uplinks
  fabric_shape(c, error, key);
  CHECK(key == "servers_per_leaf");
  CHECK(error.find("cannot hold 8 servers") != std::string::npos);
  error.clear();
  c = cluster(2048, "fat-tree", 2);  // 512 leaves, a spine reaches 64
  fabric_shape(c, error, key);
  CHECK(key == "tiers");
  CHECK(error.find("use tiers: 3") != std::string::npos);
  error.clear();
  c = cluster(128, "rail-only", 0);  // a rail switch of 64 ports cannot reach 128 servers
  fabric_shape(c, error, key);
  CHECK(key == "radix");
  error.clear();
  c = cluster(64, "fat-tree", 2);
  c.scale_out.radix = 4;  // fewer ports than a server's NICs
  fabric_shape(c, error, key);
  CHECK(key == "radix");
}

TEST_CASE("fabric failures: a leaf takes its servers, a spine and a cable their share of the uplinks", "[fabric]") {
  // 20 servers, 2 per leaf (16 down ports), 2 uplinks per leaf, radix 18: 10 leaves x 2 uplinks
  // = 20 spine ports > 18, so 2 spines, and every leaf sends one uplink to each.
  ClusterSpec c = cluster(20, "fat-tree", 2);
  c.scale_out.radix = 18;
  c.scale_out.servers_per_leaf = 2;
  c.scale_out.uplinks_per_leaf = 2;
  const FabricShape f = shape(c);
  REQUIRE(f.groups == 10);
  REQUIRE(spines_per_pod(f) == 2);
  REQUIRE(uplinks_per_group(f) == 2);
  auto leaf = fabric_fault(f, "switch", "leaf3");
  REQUIRE(leaf);
  CHECK(leaf->servers == std::vector<int>{6, 7});
  CHECK(leaf->lost.empty());
  auto spine = fabric_fault(f, "switch", "spine1");
  REQUIRE(spine);
  CHECK(spine->servers.empty());
  REQUIRE(spine->lost.size() == 10);  // every leaf loses 1 of its 2 uplinks
  for (const UplinkLoss& l : spine->lost) CHECK((!l.pod && l.fraction == 0.5));
  auto cable = fabric_fault(f, "cable", "leaf4/uplink1");
  REQUIRE(cable);
  REQUIRE(cable->lost.size() == 1);
  CHECK(cable->lost[0].index == 4);
  CHECK(cable->lost[0].fraction == 0.5);
  for (const char* bad : {"leaf10", "spine2", "leaf", "leaf01x", "core0"}) CHECK_FALSE(fabric_fault(f, "switch", bad));
  for (const char* bad : {"leaf4/uplink2", "leaf4", "spine0", "leaf4/uplink"}) CHECK_FALSE(fabric_fault(f, "cable", bad));
}

TEST_CASE("fabric failures: with 3 tiers a spine takes 1/U of its pod's leaf uplinks and core uplink", "[fabric]") {
  // Radix 64 non-blocking: 4 servers per leaf, 32 uplinks, pods of 32 leaves with 32 spines.
  // 512 servers: 128 leaves, 4 pods. spine33 is the second spine of pod 1 (leaves 32-63).
  const FabricShape f = shape(cluster(512, "fat-tree", 3));
  REQUIRE(spines_per_pod(f) == 32);
  auto spine = fabric_fault(f, "switch", "spine33");
  REQUIRE(spine);
  REQUIRE(spine->lost.size() == 33);
  CHECK(spine->lost.front().index == 32);
  CHECK(spine->lost[31].index == 63);
  CHECK((spine->lost.back().pod && spine->lost.back().index == 1));
  CHECK(spine->lost.back().fraction == Approx(1.0 / 32));
  CHECK_FALSE(fabric_fault(f, "switch", "spine128"));
}

// ---- Direct fabrics (models/direct_fabric.cpp): torus and dragonfly ----

namespace {
// `cluster`'s servers with links of 50 GB/s on a torus or a dragonfly.
ClusterSpec direct(int servers, const std::string& topology) {
  ClusterSpec c = cluster(servers, topology, 0);
  c.scale_out.link_bandwidth = 50e9;
  return c;
}
ClusterSpec dragonfly(int servers, int G, int C, int R, int n) {
  ClusterSpec c = direct(servers, "dragonfly");
  c.scale_out.groups = G;
  c.scale_out.chassis_per_group = C;
  c.scale_out.routers_per_chassis = R;
  c.scale_out.servers_per_router = n;
  return c;
}
// The `scale_out` key a shape that cannot be built names.
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
  ClusterSpec c = direct(64, "torus");
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

TEST_CASE("direct fabric: torus bisection across the narrowest dimension cut, a dimension of 2 included", "[fabric][torus]") {
  // 8x2 (16 nodes, links of 50 GB/s): the cut across the 8s: 16 / 8 = 2 rings, twice each:
  // 4 cables, 200 GB/s. 2x2x2 (8 nodes): the largest dimension is 2: 8 / 2 = 4 pairs, each
  // crossing on one cable (SimGrid routes a pair both ways over one of its two cables): 200 GB/s.
  ClusterSpec c = direct(12, "torus");
  c.scale_out.dimensions = {8, 2};
  CHECK(shape(c).bisection == Approx(200e9));
  c.servers = 8;
  c.scale_out.dimensions = {2, 2, 2};
  CHECK(shape(c).bisection == Approx(200e9));
  // Fast links: the servers' own NICs bound it (8 x 400 / 2 = 1.6 TB/s < 4 x 1 TB/s).
  c.scale_out.link_bandwidth = 1e12;
  CHECK(shape(c).bisection == Approx(1.6e12));
  // 2x3 (6 nodes): across the 3s, 6 / 3 = 2 rings twice each (4 cables); across the 2s,
  // 6 / 2 = 3 pairs once each (3 cables): the narrower, 3 x 50 = 150 GB/s, not the largest
  // dimension's 200 GB/s. 2x3x3 likewise: min(1 x 9, 2 x 6, 2 x 6) = 9 cables, 450 GB/s.
  c.scale_out.link_bandwidth = 50e9;
  c.servers = 6;
  c.scale_out.dimensions = {2, 3};
  CHECK(shape(c).bisection == Approx(150e9));
  c.servers = 18;
  c.scale_out.dimensions = {2, 3, 3};
  CHECK(shape(c).bisection == Approx(450e9));
}

TEST_CASE("direct fabric: a torus of more than 1e6 links is refused at its dimensions", "[fabric][torus]") {
  // 100 x 100 x 100 = 1e6 nodes (within the node limit) x 3 dimensions = 3e6 links.
  ClusterSpec c = direct(2, "torus");
  c.scale_out.dimensions = {100, 100, 100};
  std::string error, key;
  fabric_shape(c, error, key);
  CHECK(key == "dimensions");
  CHECK(error == "a torus of 1000000 nodes in 3 dimensions has 3000000 links; at most 1000000");
  c.scale_out.dimensions = {100, 100, 100 / 3};  // 330,000 nodes, 990,000 links: accepted
  error.clear();
  fabric_shape(c, error, key);
  CHECK(error.empty());
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
  ClusterSpec c = direct(8, "torus");
  c.scale_out.dimensions = {8};
  const FabricShape f = shape(c);
  CHECK(choose_servers({2, 3, 4, 5, 6}, f, 3, true) == std::vector<int>{2, 3, 4});
  CHECK(fabric_span({2, 3, 4}, f) == "nodes 2-4");
}

TEST_CASE("direct fabric: shapes that cannot hold the servers are refused at their key", "[fabric]") {
  ClusterSpec t = direct(65, "torus");
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
  // 1 x 1 x 2,000 routers, 1 server each: 1,999,000 router links, past the platform's 1,000,000.
  CHECK(refused(dragonfly(16, 1, 1, 2000, 1)) == "routers_per_chassis");
  // 2,048 servers, 2 per router: 1,024 routers hold servers (the most); 1 more server is one too many.
  CHECK(refused(dragonfly(2049, 1, 64, 32, 2)) == "servers_per_router");
}

TEST_CASE("direct fabric: the scenario's tori and dragonflies together are bounded at the third cluster's topology",
          "[fabric][torus][loader]") {
  // Each 100 x 100 x 33 torus: 330,000 nodes and 990,000 links, 1.32e6 in all (under its own 1e6
  // links); two make 2.64e6, the third would make 3.96e6 > 3e6: one error, at its `topology`.
  std::string yaml = "name: t\nsites:\n  - name: a\n    clusters:\n";
  for (int i = 0; i < 3; ++i)
    yaml += "      - {name: c" + std::to_string(i) +
            ", gpu: h100-sxm, servers: 1, scale_out: {topology: torus, dimensions: [100, 100, 33]}}\n";
  test::check_refused(yaml, "t.yaml", "t.yaml:7:",
                      "sites[0].clusters[2].scale_out.topology: this torus brings the scenario's torus and dragonfly "
                      "links and nodes to 3960000; the limit is 3000000");
}
