// Loading valid scenarios: values land in the right fields in SI units,
// defaults apply, and command-line overrides edit the tree before checks.
#include <catch2/catch.hpp>

#include "rcn/scenario/embedded_files.hpp"
#include "rcn/scenario/loader.hpp"
#include "tests/test_support.hpp"

using namespace rcn;

namespace {
const char* kTwoSites = R"(name: two
seed: 7
horizon: 2d
sites:
  - name: a
    kind: center
    region: r1
    location: {lat: 0, lon: 0}
    power: {pue: 1.1, price_per_kwh: 0.05, carbon_g_per_kwh: 100}
    clusters:
      - {name: main, gpu: h100-sxm, servers: 4, gpus_per_server: 8,
         scale_out: {nic_bandwidth: 400Gbps, nics_per_server: 8, oversubscription: 2, latency: 3us}}
  - name: b
    region: r2
    location: {lat: 0, lon: 1}
    clusters:
      - {name: main, gpu: a100-80g, servers: 2}
wan:
  - {from: a, to: b, bandwidth: 100Gbps}
models:
  m: {layers: 4, hidden: 512, heads: 8, vocab: 1000, seq: 128}
workloads:
  training:
    - {name: j, model: m, gpus: 16, parallelism: {tp: 2, pp: 2, dp: 4}, global_batch: 8, steps: 10}
)";
}  // namespace

TEST_CASE("a valid scenario loads into SI units", "[loader]") {
  LoadResult r = load_scenario_text(kTwoSites, "two.yaml");
  REQUIRE(r.scenario);
  const Scenario& s = *r.scenario;
  CHECK(s.name == "two");
  CHECK(s.seed == 7);
  CHECK(s.horizon == Approx(2 * 86400));
  REQUIRE(s.sites.size() == 2);
  CHECK(s.sites[0].kind == SiteKind::Center);
  CHECK(s.sites[1].kind == SiteKind::Node);  // default
  CHECK(s.sites[0].power.pue == Approx(1.1));
  const ClusterSpec& c = s.sites[0].clusters[0];
  CHECK(c.gpus() == 32);
  CHECK(c.scale_out.nic_bandwidth == Approx(50e9));
  CHECK(c.scale_out.oversubscription == Approx(2));
  CHECK(c.scale_out.latency == Approx(3e-6));
  CHECK(s.sites[1].clusters[0].gpus_per_server == 8);  // default
  // No latency or distance: derived from the locations. One degree of
  // longitude on the equator is 111.19 km on a 6371 km sphere; 4.9 us/km.
  REQUIRE(s.wan[0].distance_m);
  CHECK(*s.wan[0].distance_m == Approx(111194.9).epsilon(1e-4));
  CHECK(s.wan[0].latency == Approx(111.1949 * 4.9e-6).epsilon(1e-4));
  CHECK(s.models[0].kv_heads == 8);    // defaults to heads
  CHECK(s.models[0].ffn == 4 * 512);   // defaults to 4 hidden
  CHECK(s.training[0].parallelism.dp == 4);
  CHECK(*s.training[0].steps == 10);
  CHECK(s.scheduler.policy == "fifo");
  CHECK_FALSE(r.diagnostics.has_errors());
}

TEST_CASE("distance gives WAN latency at 4.9 us per km", "[loader]") {
  std::string text = kTwoSites;
  text.replace(text.find("bandwidth: 100Gbps}"), 19, "bandwidth: 100Gbps, distance: 1000km}");
  LoadResult r = load_scenario_text(text, "two.yaml");
  REQUIRE(r.scenario);
  CHECK(r.scenario->wan[0].latency == Approx(4.9e-3));
}

TEST_CASE("command-line overrides (--set) by index and by name, and --seed wins", "[loader]") {
  LoadOptions o;
  o.overrides = {"sites[0].clusters[0].servers=64", "sites.b.clusters.main.gpu=h200-sxm", "horizon=5d",
                 "workloads.training[0].submit=1h"};
  o.seed = 99;
  LoadResult r = load_scenario_text(kTwoSites, "two.yaml", o);
  REQUIRE(r.scenario);
  CHECK(r.scenario->sites[0].clusters[0].servers == 64);
  CHECK(r.scenario->sites[1].clusters[0].gpu == "h200-sxm");
  CHECK(r.scenario->horizon == Approx(5 * 86400));
  CHECK(r.scenario->training[0].submit == Approx(3600));
  CHECK(r.scenario->seed == 99);
}

TEST_CASE("a bad --set value is reported against the override", "[loader]") {
  LoadOptions o;
  o.overrides = {"sites[0].clusters[0].servers=lots"};
  LoadResult r = load_scenario_text(kTwoSites, "two.yaml", o);
  CHECK_FALSE(r.scenario);
  REQUIRE(r.diagnostics.items().size() == 1);
  CHECK(r.diagnostics.items()[0].str() ==
        "--set sites[0].clusters[0].servers=lots: error: sites[0].clusters[0].servers: expected an integer >= 1, got \"lots\"");
  o.overrides = {"sites[5].name=x"};
  r = load_scenario_text(kTwoSites, "two.yaml", o);
  REQUIRE(r.diagnostics.items().size() == 1);
  CHECK(r.diagnostics.items()[0].str() == "--set sites[5].name=x: error: sites: index 5 is past the end of a list of 2");
}

TEST_CASE("fields without behaviour yet are reported as warnings, not ignored", "[loader]") {
  // A PCIe scale-up is accepted but modelled as the profile's NVLink at the given bandwidth:
  // a warning at the key. (A dragonfly fabric was such a field; it is now built.)
  std::string text = kTwoSites;
  text.replace(text.find("gpus_per_server: 8,"), 19, "gpus_per_server: 8, scale_up: {kind: pcie},");
  LoadResult r = load_scenario_text(text, "two.yaml");
  REQUIRE(r.scenario);
  bool warned = false;
  for (const auto& d : r.diagnostics.items())
    warned = warned || (d.severity == Diagnostic::Severity::Warning &&
                        d.path == "sites[0].clusters[0].scale_up.kind" && d.loc.line == 11);
  CHECK(warned);
}

TEST_CASE("the embedded default scenario is scenarios/default.yaml and loads without warnings", "[loader]") {
  CHECK(embedded_default_scenario() == test::read_text(test::source_path("scenarios/default.yaml")));
  LoadResult r = load_scenario_text(embedded_default_scenario(), "<default>");
  REQUIRE(r.scenario);
  CHECK(r.diagnostics.items().empty());
  CHECK(r.scenario->sites.size() == 4);
  CHECK(r.scenario->sites[0].kind == SiteKind::Center);
}

TEST_CASE("built-in hardware profiles carry datasheet peaks and their source", "[loader][hardware]") {
  const auto& hw = builtin_hardware_profiles();
  for (const char* name : {"a100-80g", "h100-sxm", "h200-sxm", "b200"}) {
    INFO(name);
    REQUIRE(hw.count(name));
    CHECK_FALSE(hw.at(name).source.empty());
  }
  // REFERENCES.md, "GPU datasheet peaks (dense, no sparsity)".
  CHECK(hw.at("a100-80g").peak_flops.at("bf16") == Approx(312e12));
  CHECK(hw.at("h100-sxm").peak_flops.at("fp8") == Approx(1979e12));
  CHECK(hw.at("h200-sxm").memory_bytes == Approx(150109880320.0));  // measured totalGlobalMem
  CHECK(hw.at("h200-sxm").hbm_bandwidth == Approx(4.8e12));
  CHECK(hw.at("b200").peak_flops.at("bf16") == Approx(2250e12));
  CHECK(hw.at("a100-80g").peak_flops.count("fp8") == 0);
}
