// Rounds of a collective across servers and their closed-form stretch on a tiered
// fabric: failed uplinks (max(1, k b_s / C)) and hashed ECMP (balls into bins).
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>

#include "rcn/models/fabric_rounds.hpp"
#include "rcn/models/fabric_shape.hpp"
#include "tests/load_scenario.hpp"

using namespace rcn;

namespace {
// 4 servers of 8 x 400 Gb/s (b_s = 400 GB/s), 2 per leaf (2 leaves), each leaf 2 uplinks of
// 400 GB/s (C = 800 GB/s: non-blocking), 2 tiers.
FabricShape two_leaves(const std::string& ecmp) {
  const Scenario s = test::load_scenario(
      "name: r\nsites:\n  - name: a\n    clusters: [{gpu: h100-sxm, servers: 4, scale_out: {nic_bandwidth: 400Gbps, "
      "nics_per_server: 8, topology: fat-tree, tiers: 2, radix: 18, servers_per_leaf: 2, uplinks_per_leaf: 2, "
      "link_bandwidth: 3200Gbps, ecmp: " + ecmp + "}}]\n",
      "r.yaml");
  std::string error, key;
  FabricShape f = fabric_shape(s.sites[0].clusters[0], error, key);
  REQUIRE(error.empty());
  REQUIRE(f.groups == 2);
  REQUIRE(f.group_uplink == Approx(800e9));
  return f;
}
}  // namespace

TEST_CASE("fabric rounds: k flows through an uplink of C take max(1, k b_s / C) idle rounds", "[models][fabric]") {
  const FabricShape f = two_leaves("ideal");
  const std::vector<int> servers{0, 1, 2, 3};
  // Stride 2: 0->2 and 1->3 leave leaf 0 (k = 2), 2->0 and 3->1 leave leaf 1: 2 x 400 / 800 = 1.
  CHECK(round_stretch(f, servers, 2, {}, {}) == Approx(1));
  // Half of leaf 0's uplink left: 2 x 400 / 400 = 2; a quarter: 4.
  CHECK(round_stretch(f, servers, 2, {0.5, 1}, {}) == Approx(2));
  CHECK(round_stretch(f, servers, 2, {1, 0.25}, {}) == Approx(4));
  // Stride 1: only 1->2 and 3->0 cross (k = 1 each way): 400 / 800 -> 1; with half left, 1.
  CHECK(round_stretch(f, servers, 1, {0.5, 0.5}, {}) == Approx(1));
  // Inside one leaf nothing crosses, whatever the uplinks.
  CHECK(round_stretch(f, {0, 1}, 1, {0.01, 0.01}, {}) == 1);
}

TEST_CASE("fabric rounds: the plan of an all-reduce, a reduce-scatter and an all-to-all", "[models][fabric]") {
  CollectiveCost cost;
  cost.server_egress_bytes = 1e9;
  // 8 ranks, 2 per server: m = 4 servers per group on 8 servers -> stride 8 / 4 = 2; groups per
  // server 8 / 2 = 4; all-reduce 2 (m - 1) = 6 rounds of 1e9 x 4 / 6 bytes.
  const CollectiveRounds ar = collective_rounds(CollectiveOp::AllReduce, cost, 8, 2, 8, 8);
  REQUIRE(ar.strides == std::vector<std::size_t>{2});
  CHECK(ar.rounds() == 6);
  CHECK(ar.per_round == Approx(1e9 * 4 / 6));
  CHECK(collective_rounds(CollectiveOp::ReduceScatter, cost, 8, 2, 8, 8).rounds() == 3);
  // All-to-all over 40 servers (m = 40): 32 of its 39 rounds simulated, each standing for 39 / 32.
  const CollectiveRounds a2a = collective_rounds(CollectiveOp::AllToAll, cost, 40, 1, 8, 40);
  CHECK(a2a.strides.size() == 32);
  CHECK(a2a.rounds() == Approx(39));
  CHECK(a2a.strides.front() == 1);
  // One server per group: nothing crosses servers.
  CHECK(collective_rounds(CollectiveOp::AllReduce, cost, 8, 8, 8, 1).strides.empty());
}

TEST_CASE("hashed ECMP: a flow's cable is a uniform balls-into-bins draw (4 flows, 4 cables: E[max] = 2.125)", "[models][fabric]") {
  // Max load of 4 balls in 4 bins, over the 4^4 = 256 equally likely placements: all apart 4! = 24
  // (max 1); one bin with 4: 4 (max 4); one with 3: 4 bins x 4 balls x 3 other bins = 48 (max 3);
  // the other 180 have max 2. E[max] = (24 + 2 x 180 + 3 x 48 + 4 x 4) / 256 = 544 / 256 = 2.125.
  double sum = 0;
  const int seeds = 20000;
  for (int s = 0; s < seeds; ++s) {
    const std::uint64_t seed = ecmp_seed(static_cast<std::uint64_t>(s), "job");
    int bins[4] = {0, 0, 0, 0};
    for (int flow = 0; flow < 4; ++flow) ++bins[ecmp_cable(seed, flow, flow + 4, 4)];
    sum += *std::max_element(bins, bins + 4);
  }
  // The max's standard deviation is about 0.6: 4 sigma of the mean over 20000 draws is 0.017.
  CHECK(std::fabs(sum / seeds - 2.125) < 0.02);
  // Same seed, same cable.
  CHECK(ecmp_cable(ecmp_seed(42, "a"), 3, 9, 32) == ecmp_cable(ecmp_seed(42, "a"), 3, 9, 32));
}

TEST_CASE("hashed ECMP: F = U flows stretch the round by the most flows on one cable", "[models][fabric]") {
  // Stride 2 on the two leaves: F = 2 flows leave and enter each leaf of U = 2 cables of 400 GB/s
  // (b_s). Ideal spread: 2 x 400 / 800 = 1. Hashed: a round takes M x 400 / 400 = M idle rounds,
  // M = 2 when any of the four pairs (out of leaf 0, into leaf 1, out of leaf 1, into leaf 0)
  // shares a cable, else 1. P(M = 1) = (1/2)^4 = 1/16, so over 4000 seeds 3750 have M = 2 (sigma 15.3).
  const FabricShape hashed = two_leaves("hash"), ideal = two_leaves("ideal");
  const std::vector<int> servers{0, 1, 2, 3};
  int collided = 0;
  for (int s = 0; s < 4000; ++s) {
    const std::uint64_t seed = ecmp_seed(static_cast<std::uint64_t>(s), "job");
    const bool up0 = ecmp_cable(seed, 0, 2, 2) == ecmp_cable(seed, 1, 3, 2);
    const bool down1 = ecmp_cable(~seed, 2, 0, 2) == ecmp_cable(~seed, 3, 1, 2);
    const bool up1 = ecmp_cable(seed, 2, 0, 2) == ecmp_cable(seed, 3, 1, 2);
    const bool down0 = ecmp_cable(~seed, 0, 2, 2) == ecmp_cable(~seed, 1, 3, 2);
    const int M = up0 || down1 || up1 || down0 ? 2 : 1;
    collided += M == 2;
    REQUIRE(round_stretch(hashed, servers, 2, {}, {}, &seed) == Approx(M));
    REQUIRE(round_stretch(ideal, servers, 2, {}, {}, &seed) == Approx(1));  // ecmp: ideal ignores the seed
  }
  CHECK(std::abs(collided - 3750) < 4 * 15.3);
}
