// TCO arithmetic (models/tco.hpp, docs/tco.md) against hand-computed cases and its
// invariants: parts add up, amortisation is linear in the period, the GPU-hour rate
// does not depend on the period.
#include <catch2/catch.hpp>

#include "rcn/models/tco.hpp"
#include "tests/load_scenario.hpp"

using namespace rcn;

namespace {

constexpr double kYear = 365 * 86400.0;

// 8 servers in service + 2 spares of 8 GPUs; 1 PB of storage; PUE 1.25 at 0.08 per kWh.
ClusterPrices ten_servers() {
  ClusterPrices p;
  p.servers_bought = 10;
  p.gpus_in_service = 64;
  p.gpus_bought = 80;
  p.nic_ports = 80;
  p.server_price = 300000;
  p.server_power_w = 10000;
  p.network_per_gpu = 4000;
  p.storage_bytes = 1e15;
  p.storage_per_byte = 200000 / 1e15;
  p.building_per_watt = 10;  // 10M per MW
  p.staff_maintenance = 0.1;
  p.servers_life = p.network_life = p.storage_life = 5 * kYear;
  p.building_life = 20 * kYear;
  p.gpu_tdp_w = 700;
  p.pue = 1.25;
  p.average_price_per_kwh = 0.08;
  return p;
}

}  // namespace

TEST_CASE("TCO of one cluster over a year matches the hand computation", "[tco]") {
  // capex: servers 10 x 300k = 3,000,000; network 80 GPUs x 4,000 = 320,000;
  //        storage 1 PB x 200k = 200,000; building 10 x 10 kW = 0.1 MW x 10M = 1,000,000;
  //        total 4,520,000.
  // one year: amortised (3,000,000 + 320,000 + 200,000) / 5 + 1,000,000 / 20 = 704,000 + 50,000 = 754,000;
  //           staff and maintenance 0.1 x 4,520,000 = 452,000.
  // rate per GPU-hour: (754,000 + 452,000) / (8,760 h x 64 GPUs) = 2.151113...
  //                    + power 0.7 kW x 1.25 x 0.08 = 0.07   -> 2.221113...
  const ClusterCost c = cluster_cost(ten_servers(), kYear);
  CHECK(c.capex.servers == Approx(3000000));
  CHECK(c.capex.network == Approx(320000));
  CHECK(c.capex.storage == Approx(200000));
  CHECK(c.capex.building == Approx(1000000));
  CHECK(c.capex.total() == Approx(4520000));
  CHECK(c.capex_amortised == Approx(754000));
  CHECK(c.staff_maintenance == Approx(452000));
  CHECK(c.gpu_hour_rate == Approx(1206000.0 / (8760 * 64) + 0.07));
  CHECK(c.gpu_hour_rate == Approx(2.221113).epsilon(1e-6));
}

TEST_CASE("network priced per port: NIC ports x price, not GPUs", "[tco]") {
  ClusterPrices p = ten_servers();
  p.network_per_port = 500;
  p.nic_ports = 40;  // 4 NICs per server
  CHECK(cluster_capex(p).network == Approx(20000));
}

TEST_CASE("amortised capex and staff scale linearly with the period, the GPU-hour rate does not", "[tco]") {
  const ClusterPrices p = ten_servers();
  const ClusterCost month = cluster_cost(p, kYear / 12), two_months = cluster_cost(p, kYear / 6);
  CHECK(two_months.capex_amortised == Approx(2 * month.capex_amortised));
  CHECK(two_months.staff_maintenance == Approx(2 * month.staff_maintenance));
  CHECK(two_months.gpu_hour_rate == Approx(month.gpu_hour_rate));
  CHECK(cluster_cost(p, 0).capex_amortised == 0);
  // Running every GPU in service for the whole period at the rate pays back exactly
  // amortised capex + staff and maintenance + power at TDP.
  const double period = 30 * 86400.0;
  const ClusterCost c = cluster_cost(p, period);
  const double power_at_tdp = 64 * 0.7 * period / 3600 * 1.25 * 0.08;
  CHECK(c.gpu_hour_rate * 64 * period / 3600 == Approx(c.capex_amortised + c.staff_maintenance + power_at_tdp));
}

TEST_CASE("amortised() is capex x period / life, and nothing for no life", "[tco]") {
  CHECK(amortised(1000, 10, 3) == Approx(300));
  CHECK(amortised(1000, 0, 3) == 0);
}

TEST_CASE("WAN: flat monthly price, per Gbps-month price, or the scenario's default", "[tco]") {
  const double month = kYear / 12;
  WanLinkSpec link;
  link.bandwidth = 100e9 / 8;  // 100 Gbps
  CostSettings settings;
  // Default 20 per Gbps-month: 100 x 20 = 2,000 per month; three months 6,000.
  CHECK(wan_link_cost(link, settings, 3 * month) == Approx(6000));
  settings.wan_per_byte_per_s = 5 / (1e9 / 8) / month;  // 5 per Gbps-month
  CHECK(wan_link_cost(link, settings, month) == Approx(500));
  link.cost_per_byte_per_s = 7 / (1e9 / 8) / month;  // the link's own price wins
  CHECK(wan_link_cost(link, settings, month) == Approx(700));
  link.cost_per_s = 1234 / month;  // a flat lease wins over bandwidth pricing
  CHECK(wan_link_cost(link, settings, 2 * month) == Approx(2468));
}

TEST_CASE("built-in server prices exist for the shipped profiles and rise with the generation", "[tco]") {
  const auto a100 = builtin_server_price("a100-80g"), h100 = builtin_server_price("h100-sxm"),
             h200 = builtin_server_price("h200-sxm"), b200 = builtin_server_price("b200");
  REQUIRE(a100);
  REQUIRE(h100);
  REQUIRE(h200);
  REQUIRE(b200);
  CHECK(a100->price < h100->price);
  CHECK(h100->price < h200->price);
  CHECK(h200->price < b200->price);
  CHECK_FALSE(builtin_server_price("no-such-gpu"));
  CHECK(builtin_server_price(tco_defaults::kFallbackProfile));
}

namespace {
// One cluster on the given scale_out, with `switch_price: 36000` (the per-switch estimate behind
// network_per_gpu in docs/tco.md) and network_per_gpu 0, so the network is the switches alone.
ClusterPrices priced(int servers, const std::string& scale_out) {
  const Scenario s = test::load_scenario(
      "name: t\ncost: {switch_price: 36000, network_per_gpu: 0}\nsites:\n  - name: a\n    clusters: [{gpu: h100-sxm, "
      "servers: " + std::to_string(servers) + ", scale_out: {" + scale_out + "}}]\n",
      "t.yaml");
  return cluster_prices(s, 0, 0);
}
}  // namespace

TEST_CASE("switch price: a tiered fabric's switches add to the network capex, an ideal fabric adds none", "[tco]") {
  // 64 servers, radix 64, 2 tiers, non-blocking: 4 servers per leaf (32 down ports, 32 uplinks),
  // 16 leaves, 16 x 32 / 64 = 8 spines: 24 switches x 36,000 = 864,000.
  const ClusterPrices two = priced(64, "topology: fat-tree, tiers: 2, radix: 64");
  CHECK(two.fabric_switches == 24);
  CHECK(cluster_capex(two).network == Approx(864000));
  // 2,048 servers in 3 tiers: 512 leaves, 16 pods x 32 spines = 512, 512 x 32 core links / 64 =
  // 256 core switches: 1,280 x 36,000 = 46,080,000 (docs/models.md "Fabric", 46.1 M).
  const ClusterPrices three = priced(2048, "topology: fat-tree, tiers: 3, radix: 64");
  CHECK(three.fabric_switches == 1280);
  CHECK(cluster_capex(three).network == Approx(46080000));
  // The ideal fabric (one aggregated link) has no switch to price.
  const ClusterPrices ideal = priced(64, "topology: ideal");
  CHECK(ideal.fabric_switches == 0);
  CHECK(cluster_capex(ideal).network == 0);
  // A dragonfly's routers: 4 groups x 2 chassis x 4 routers = 32 x 36,000 = 1,152,000; a torus has none.
  const ClusterPrices df = priced(64, "topology: dragonfly, groups: 4, chassis_per_group: 2, routers_per_chassis: 4, "
                                      "servers_per_router: 2");
  CHECK(df.fabric_switches == 32);
  CHECK(cluster_capex(df).network == Approx(1152000));
  CHECK(priced(64, "topology: torus, dimensions: [4, 4, 4]").fabric_switches == 0);
  // Added to the per-GPU price: 512 GPUs x 1,000 + 864,000 = 1,376,000.
  ClusterPrices both = two;
  both.network_per_gpu = 1000;
  CHECK(cluster_capex(both).network == Approx(512 * 1000 + 864000));
}
