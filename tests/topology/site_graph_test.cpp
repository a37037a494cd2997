// Routing and min-cut on small graphs whose answers are known by hand.
#include <catch2/catch.hpp>

#include <fmt/format.h>

#include "rcn/scenario/loader.hpp"
#include "tests/load_scenario.hpp"
#include "rcn/topology/site_graph.hpp"

using namespace rcn;

namespace {

// Sites s0..s{n-1}, one small cluster each, and the given WAN links.
Scenario graph_scenario(int sites, const std::vector<std::string>& wan_lines) {
  std::string y = "name: g\nsites:\n";
  for (int i = 0; i < sites; ++i) y += fmt::format("  - {{name: s{}, clusters: [{{gpu: h100-sxm, servers: 1}}]}}\n", i);
  if (!wan_lines.empty()) y += "wan:\n";
  for (const auto& w : wan_lines) y += "  - " + w + "\n";
  return test::load_scenario(y, "g.yaml");
}

}  // namespace

TEST_CASE("min-cut of a classic max-flow network", "[topology]") {
  // Two disjoint paths s0-s1-s3 (10 and 5 -> 5) and s0-s2-s3 (8 and 12 -> 8),
  // plus a cross link s1-s2 of 4: max flow s0->s3 = 5 + 8 + min(10-5, 4, 12-8) = 17 GB/s.
  Scenario s = graph_scenario(4, {"{from: s0, to: s1, bandwidth: 10GB/s, latency: 1ms}",
                                  "{from: s1, to: s3, bandwidth: 5GB/s, latency: 1ms}",
                                  "{from: s0, to: s2, bandwidth: 8GB/s, latency: 1ms}",
                                  "{from: s2, to: s3, bandwidth: 12GB/s, latency: 1ms}",
                                  "{from: s1, to: s2, bandwidth: 4GB/s, latency: 1ms}"});
  SiteGraph g(s);
  CHECK(g.min_cut(0, 3) == Approx(17e9));
  CHECK(g.min_cut(3, 0) == Approx(17e9));  // links are full duplex
  // Cut around s1: 10 + 5 + 4.
  // From s1: its links carry 10 + 5 + 4 = 19, but s0 takes in at most 10 + 8 = 18,
  // and the path s1-s3-s2-s0 is capped by s0-s2 (8): 10 + 8 = 18 GB/s.
  CHECK(g.min_cut(1, 0) == Approx(18e9));
}

TEST_CASE("parallel links add up, and a chain is as strong as its weakest link", "[topology]") {
  Scenario s = graph_scenario(3, {"{from: s0, to: s1, bandwidth: 100Gbps, latency: 1ms}",
                                  "{from: s0, to: s1, bandwidth: 300Gbps, latency: 2ms}",
                                  "{from: s1, to: s2, bandwidth: 200Gbps, latency: 1ms}"});
  SiteGraph g(s);
  CHECK(g.min_cut(0, 1) == Approx(400e9 / 8));
  CHECK(g.min_cut(0, 2) == Approx(200e9 / 8));
}

TEST_CASE("routes follow the lowest latency, then the fewest hops", "[topology]") {
  // Direct s0-s2 at 10 ms against s0-s1-s2 at 3 + 3 ms: the two-hop path wins.
  Scenario s = graph_scenario(3, {"{from: s0, to: s2, bandwidth: 100Gbps, latency: 10ms}",
                                  "{from: s0, to: s1, bandwidth: 100Gbps, latency: 3ms}",
                                  "{from: s2, to: s1, bandwidth: 40Gbps, latency: 3ms}"});
  SiteGraph g(s);
  auto path = g.route(0, 2);
  REQUIRE(path);
  REQUIRE(path->size() == 2);
  CHECK((*path)[0].wan_index == 1);
  CHECK((*path)[0].forward);
  CHECK((*path)[1].wan_index == 2);
  CHECK_FALSE((*path)[1].forward);  // link is declared s2 -> s1, crossed s1 -> s2
  CHECK(g.latency(*path) == Approx(6e-3));
  CHECK(g.bottleneck_bandwidth(*path) == Approx(40e9 / 8));
  CHECK(g.route(1, 1)->empty());
}

TEST_CASE("disconnected sites: no route, zero min-cut, one error per unreachable site", "[topology]") {
  Scenario s = graph_scenario(4, {"{from: s0, to: s1, bandwidth: 100Gbps, latency: 1ms}",
                                  "{from: s2, to: s3, bandwidth: 100Gbps, latency: 1ms}"});
  SiteGraph g(s);
  CHECK_FALSE(g.route(0, 3));
  CHECK(g.min_cut(0, 3) == 0);
  CHECK(g.components().size() == 2);
  Diagnostics d;
  g.check_reachability(s, d);
  CHECK(d.error_count() == 2);
  CHECK(d.items()[0].message.find("site s2 cannot be reached from site s0") == 0);
}
