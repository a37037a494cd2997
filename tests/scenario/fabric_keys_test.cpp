// The tiered fabric's scale_out keys: read, and refused with one diagnostic at
// the key at fault (file:line:col, field path) when the fabric cannot be built.
#include <catch2/catch.hpp>

#include "rcn/scenario/loader.hpp"

using namespace rcn;

namespace {
LoadResult load_fabric(const std::string& scale_out, int servers = 64) {
  return load_scenario_text("name: f\nsites:\n  - name: a\n    clusters:\n      - {gpu: h100-sxm, servers: " +
                                std::to_string(servers) + ",\n         scale_out: {" + scale_out + "}}\n",
                            "fabric.yaml");
}
// The one error, as printed.
std::string only_error(const LoadResult& r) {
  REQUIRE_FALSE(r.scenario);
  REQUIRE(r.diagnostics.items().size() == 1);
  return r.diagnostics.items()[0].str();
}
}  // namespace

TEST_CASE("fabric keys: a 3-tier fat-tree is read with its keys", "[loader][fabric]") {
  LoadResult r = load_fabric("topology: fat-tree, tiers: 3, radix: 32, uplinks_per_spine: 8, link_bandwidth: 800Gbps, "
                             "placement: lowest");
  REQUIRE(r.scenario);
  const ScaleOutSpec& so = r.scenario->sites[0].clusters[0].scale_out;
  CHECK(so.tiers == 3);
  CHECK(so.radix == 32);
  CHECK(so.uplinks_per_spine == 8);
  CHECK(so.link_bandwidth == Approx(100e9));
  CHECK(so.placement == "lowest");
}

TEST_CASE("fabric keys: a radix that cannot hold the leaf's servers is an error at the key", "[loader][fabric]") {
  // Line 5 col 44: servers_per_leaf's value. 8 servers x 8 NICs = 64 ports, no room for uplinks.
  const std::string e = only_error(load_fabric("topology: fat-tree, tiers: 2, servers_per_leaf: 8"));
  CHECK(e.rfind("fabric.yaml:6:", 0) == 0);
  CHECK(e.find("sites[0].clusters[0].scale_out.servers_per_leaf") != std::string::npos);
  CHECK(e.find("cannot hold 8 servers") != std::string::npos);
}

TEST_CASE("fabric keys: tiers without uplinks, and rail-only beyond one switch, are errors", "[loader][fabric]") {
  std::string e = only_error(load_fabric("topology: fat-tree, tiers: 2, uplinks_per_leaf: 0"));
  CHECK(e.find("scale_out.uplinks_per_leaf") != std::string::npos);
  CHECK(e.find("at least one uplink") != std::string::npos);
  e = only_error(load_fabric("topology: rail-only", 128));
  CHECK(e.find("scale_out.radix") != std::string::npos);
  e = only_error(load_fabric("topology: fat-tree, tiers: 4"));
  CHECK(e.find("expected 2 or 3") != std::string::npos);
  e = only_error(load_fabric("topology: ideal, tiers: 2"));
  CHECK(e.find("has no tiers") != std::string::npos);
  e = only_error(load_fabric("topology: fat-tree, tiers: 2", 2048));  // 512 leaves for 64-port spines
  CHECK(e.find("use tiers: 3") != std::string::npos);
}

TEST_CASE("fabric keys: a switch count past 100,000 ports is an error at the key", "[loader][fabric]") {
  // Line 6: the scale_out mapping; radix is its first key, its value at column 29.
  const std::string e = only_error(load_fabric("radix: 100001, topology: fat-tree, tiers: 2"));
  CHECK(e == "fabric.yaml:6:29: error: sites[0].clusters[0].scale_out.radix: expected an integer <= 100000, "
             "got \"100001\"");
}

TEST_CASE("fabric keys: a scripted switch or cable that does not exist is an error at its target", "[loader][fabric]") {
  // 64 servers at radix 64 non-blocking: 16 leaves (leaf0-leaf15), 32 uplinks each, 8 spines.
  auto with_event = [](const std::string& kind, const std::string& target) {
    return load_scenario_text("name: f\nsites:\n  - name: a\n    clusters:\n      - {name: c, gpu: h100-sxm, servers: 64,\n"
                              "         scale_out: {topology: fat-tree, tiers: 2}}\nfailures:\n  events:\n"
                              "    - {at: 1h, kind: " + kind + ", target: " + target + ", duration: 1h}\n",
                              "fabric.yaml");
  };
  CHECK(with_event("switch", "a/c/leaf15").scenario);
  CHECK(with_event("switch", "a/c/spine7").scenario);
  CHECK(with_event("cable", "a/c/leaf0/uplink31").scenario);
  std::string e = only_error(with_event("switch", "a/c/leaf16"));
  CHECK(e.rfind("fabric.yaml:9:", 0) == 0);
  CHECK(e.find("failures.events[0].target") != std::string::npos);
  CHECK(e.find("got \"a/c/leaf16\"") != std::string::npos);
  e = only_error(with_event("cable", "a/c/leaf0/uplink32"));
  CHECK(e.find("leafN/uplinkK") != std::string::npos);
  e = only_error(with_event("switch", "a/d/spine0"));
  CHECK(e.find("failures.events[0].target") != std::string::npos);
}
