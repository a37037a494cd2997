// Failure schedules: determinism per seed, rates as configured, Weibull means,
// and the closed forms used for checkpoint intervals.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <set>

#include "rcn/models/failure_schedule.hpp"
#include "rcn/models/fabric_shape.hpp"
#include "rcn/scenario/loader.hpp"
#include "tests/load_scenario.hpp"

using namespace rcn;

namespace {
Scenario cluster_with_failures(const std::string& failures, int servers = 512) {
  const std::string y = "name: f\nhorizon: 1000d\nsites:\n  - {name: a, clusters: [{gpu: h100-sxm, servers: " +
                        std::to_string(servers) + "}]}\nfailures: " + failures + "\n";
  return test::load_scenario(y, "f.yaml");
}
}  // namespace

TEST_CASE("the llama3 mix is Table 5: 419 failures per 21.2M GPU-hours, by cause", "[models][failures]") {
  FailureSpec spec;
  spec.mix = "llama3";
  const auto classes = failure_components(spec);
  int total = 0;
  for (const auto& c : classes) total += c.llama3_count;
  CHECK(total == 419);
  // 16,384 GPUs for 54 days: 419 expected interruptions (REFERENCES.md).
  CHECK(job_failure_rate(classes, 16384) * 54 * 86400 == Approx(419));
  spec.scale = 2;
  CHECK(job_failure_rate(failure_components(spec), 16384) * 54 * 86400 == Approx(838));
  spec.mix = "none";
  CHECK(job_failure_rate(failure_components(spec), 16384) == 0);
}

TEST_CASE("same seed same failures, another seed other failures", "[models][failures]") {
  Scenario s = cluster_with_failures("{mix: llama3, scale: 50}");
  const auto a = failure_schedule(s);
  const auto b = failure_schedule(s);
  REQUIRE(a.size() > 100);
  REQUIRE(a.size() == b.size());
  for (std::size_t i = 0; i < a.size(); ++i) {
    CHECK(a[i].at == b[i].at);
    CHECK(a[i].servers == b[i].servers);
  }
  s.seed = 2;
  const auto c = failure_schedule(s);
  CHECK((c.size() != a.size() || c.front().at != a.front().at));
}

TEST_CASE("exponential failures arrive at the configured rate (Poisson, within 4 sigma)", "[models][failures]") {
  // One class, 1e-4 per GPU-hour, no repair: 512 x 8 GPUs x 24,000 h -> 9,830 expected.
  Scenario s = cluster_with_failures("{components: {software: {rate: 1e-4/h}}}");
  const double expected = 1e-4 / 3600 * 4096 * 1000 * 86400;
  const double n = static_cast<double>(failure_schedule(s).size());
  CHECK(std::fabs(n - expected) < 4 * std::sqrt(expected));
}

TEST_CASE("Weibull failures keep the configured mean time between failures", "[models][failures]") {
  // Shape 0.7 (infant mortality) and 1.5 (wear-out): same mean, so about the same count.
  for (const char* shape : {"0.7", "1.5"}) {
    INFO(shape);
    Scenario s = cluster_with_failures(std::string("{components: {software: {rate: 1e-4/h, distribution: weibull, "
                                                   "shape: ") + shape + "}}}");
    const double expected = 1e-4 / 3600 * 4096 * 1000 * 86400;
    const double n = static_cast<double>(failure_schedule(s).size());
    CHECK(n == Approx(expected).epsilon(0.05));
  }
}

TEST_CASE("Young/Daly and the expected lost work per failure", "[models][failures]") {
  CHECK(young_daly_interval(100, 7200) == Approx(1200));
  // Rare failures: half an interval; frequent ones: bounded by the MTBF.
  CHECK(expected_lost_work_per_failure(60, 1e9) == Approx(30).epsilon(1e-6));
  CHECK(expected_lost_work_per_failure(3600, 3600) == Approx(3600 - 3600 * std::exp(-1) / (1 - std::exp(-1))));
  CHECK(expected_lost_work_per_failure(1e6, 3600) == Approx(3600).epsilon(1e-6));
}

TEST_CASE("a switch failure on a tiered fabric takes down one whole leaf", "[models][failures][fabric]") {
  const std::string y =
      "name: f\nhorizon: 1000d\nsites:\n  - name: a\n    clusters:\n      - {gpu: h100-sxm, servers: 64,\n"
      "         scale_out: {topology: fat-tree, tiers: 2, radix: 64}}\n"
      "failures: {mix: none, rack_servers: 1, components: {switch: {rate: 1e-4/h, repair: 1h}}}\n";
  const Scenario s = test::load_scenario(y, "f.yaml");
  std::string error, key;
  const FabricShape fabric = fabric_shape(s.sites[0].clusters[0], error, key);
  REQUIRE(fabric.tiered());
  const int leaf = fabric.servers_per_group;
  REQUIRE(leaf > 1);  // a leaf is not the 1-server rack
  const auto events = failure_schedule(s);
  REQUIRE(events.size() > 20);
  std::set<int> leaves_hit;
  for (const auto& e : events) {
    REQUIRE(e.component == "switch");
    REQUIRE(!e.servers.empty());
    const int g = e.servers.front() / leaf;
    leaves_hit.insert(g);
    // Every server of that leaf (the last leaf may be cut short by the host count), no other.
    const int last = std::min(fabric.hosts, (g + 1) * leaf);
    CHECK(static_cast<int>(e.servers.size()) == last - g * leaf);
    for (std::size_t k = 0; k < e.servers.size(); ++k) CHECK(e.servers[k] == g * leaf + static_cast<int>(k));
  }
  CHECK(static_cast<int>(leaves_hit.size()) == fabric.groups);
}
