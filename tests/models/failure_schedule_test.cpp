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

namespace {
// 64 servers of 8 NICs on radix-64 switches, 2 tiers, non-blocking: a leaf spends 32 ports on
// its S = 32 / 8 = 4 servers and U = 32 on uplinks; L = 64 / 4 = 16 leaves; 16 x 32 / 64 = 8
// spines. So 8 spines (each 1/8 of every leaf's uplink) and 16 x 32 = 512 uplink cables.
Scenario tiered_with(const std::string& failures, const std::string& topology = "fat-tree, tiers: 2") {
  const std::string y = "name: f\nhorizon: 1000d\nsites:\n  - name: a\n    clusters:\n      - {gpu: h100-sxm, servers: 64,\n"
                        "         scale_out: {topology: " + topology + ", radix: 64}}\nfailures: " + failures + "\n";
  return test::load_scenario(y, "f.yaml");
}
std::vector<FailureEvent> of_class(const std::vector<FailureEvent>& all, const std::string& name) {
  std::vector<FailureEvent> out;
  for (const auto& e : all)
    if (e.component == name) out.push_back(e);
  return out;
}
}  // namespace

TEST_CASE("the spine class's default rate: 2 % of switches fail in their first 3 months (Singh et al. 2021)", "[models][failures][fabric]") {
  // -ln(0.98) / (90 x 24 h) = 0.0202027 / 2160 = 9.3531e-6 per switch-hour; e^(-rate x 90 d) = 0.98.
  CHECK(spine_failure_rate() * 3600 == Approx(9.3531e-6).epsilon(1e-4));
  CHECK(std::exp(-spine_failure_rate() * 90 * 86400) == Approx(0.98).epsilon(1e-12));
  FailureSpec spec;
  spec.mix = "llama3";
  bool spine = false, cable = false;
  for (const auto& c : failure_components(spec)) {
    if (c.name == "spine") spine = c.rate == spine_failure_rate() && c.blast == BlastRadius::Uplink && c.repair == 12 * 3600.0;
    if (c.name == "cable") cable = c.rate == cable_failure_rate() && c.blast == BlastRadius::Uplink && c.repair == 12 * 3600.0;
  }
  CHECK(spine);
  CHECK(cable);
  // They slow jobs, never interrupt them: the interruption rate is still Table 5's 419 per 54 days.
  CHECK(job_failure_rate(failure_components(spec), 16384) * 54 * 86400 == Approx(419));
}

TEST_CASE("the cable class's default rate: 0.057 % of links fail each month (Qian et al. 2024, Alibaba HPN)", "[models][failures][fabric]") {
  // A month is 365.25 / 12 = 30.4375 d = 730.5 h: -ln(1 - 0.00057) / 730.5 h = 5.70162e-4 / 730.5 = 7.8051e-7 per
  // cable-hour; a non-blocking radix-64 fabric of 2,048 servers of 8 NICs (4 servers and 32 uplinks per leaf,
  // 512 leaves: 16,384 cables) then loses 16,384 x 7.8051e-7 x 720 h = 9.2 cables a month.
  CHECK(cable_failure_rate() * 3600 == Approx(7.8051e-7).epsilon(1e-4));
  CHECK(std::exp(-cable_failure_rate() * 365.25 / 12 * 86400) == Approx(1 - 0.00057).epsilon(1e-12));
  FailureSpec none;  // off without a mix, as every class
  for (const auto& c : failure_components(none))
    if (c.name == "cable") CHECK(c.rate == 0);
}

TEST_CASE("random spine failures: one renewal per spine, each taking 1/8 of every leaf's uplink", "[models][failures][fabric]") {
  // 8 spines at 1e-2 per hour over 24,000 h, no repair: 8 x 240 = 1,920 expected (Poisson, 4 sigma = 175).
  const auto events = failure_schedule(tiered_with("{components: {spine: {rate: 1e-2/h, repair: 0s}}}"));
  const double n = static_cast<double>(events.size());
  CHECK(std::fabs(n - 1920) < 4 * std::sqrt(1920.0));
  for (const auto& e : events) {
    REQUIRE(e.component == "spine");
    CHECK(e.servers.empty());  // nothing goes down: capacity only
    REQUIRE(e.uplinks_lost.size() == 16);
    for (int g = 0; g < 16; ++g) {
      CHECK(!e.uplinks_lost[g].pod);
      CHECK(e.uplinks_lost[g].index == g);
      CHECK(e.uplinks_lost[g].fraction == Approx(1.0 / 8));
    }
  }
}

TEST_CASE("random cable failures: one renewal per leaf uplink, each taking 1/32 of its leaf", "[models][failures][fabric]") {
  // 512 cables at 1e-3 per hour over 24,000 h: 512 x 24 = 12,288 expected (4 sigma = 443).
  const auto events = failure_schedule(tiered_with("{components: {cable: {rate: 1e-3/h, repair: 0s}}}"));
  const double n = static_cast<double>(events.size());
  CHECK(std::fabs(n - 12288) < 4 * std::sqrt(12288.0));
  std::set<int> leaves;
  for (const auto& e : events) {
    REQUIRE(e.uplinks_lost.size() == 1);
    CHECK(e.uplinks_lost[0].fraction == Approx(1.0 / 32));
    leaves.insert(e.uplinks_lost[0].index);
  }
  CHECK(leaves.size() == 16);
}

TEST_CASE("spine and cable failures: the llama3 mix draws spines and cables on a tiered fabric, nothing on an ideal one", "[models][failures][fabric]") {
  // Default spine rate x 8 spines x 24,000 h x scale 100 = 9.3531e-6 x 8 x 24000 x 100 = 179.6 (4 sigma = 54).
  const auto drawn = failure_schedule(tiered_with("{mix: llama3, scale: 100}"));
  const auto spines = of_class(drawn, "spine");
  CHECK(std::fabs(static_cast<double>(spines.size()) - 179.6) < 4 * std::sqrt(179.6));
  // Default cable rate x 512 cables x 24,000 h x 100 = 7.8051e-7 x 512 x 24000 x 100 = 959.1 (4 sigma = 124).
  const auto cables = of_class(drawn, "cable");
  CHECK(std::fabs(static_cast<double>(cables.size()) - 959.1) < 4 * std::sqrt(959.1));
  // The same cluster on the ideal fabric (one aggregated link: no spine, no cable) draws neither.
  const auto ideal = failure_schedule(
      tiered_with("{mix: llama3, scale: 100, components: {cable: {rate: 1e-3/h}}}", "ideal"));
  CHECK(of_class(ideal, "spine").empty());
  CHECK(of_class(ideal, "cable").empty());
  CHECK(!of_class(ideal, "gpu").empty());
}

TEST_CASE("switch failures on a dragonfly take a router's servers, and torus and dragonfly draw no spine or cable", "[models][failures][fabric]") {
  // 64 servers: 4 groups x 2 chassis x 4 routers x 2 servers per router. A switch failure is a
  // router: servers 2r and 2r + 1 together. Spines and cables (llama3's spine rate, a cable rate
  // given) exist on neither a dragonfly nor a torus: none drawn, as on the ideal fabric.
  const std::string mix = "{mix: llama3, scale: 100, rack_servers: 1, components: {cable: {rate: 1e-3/h}, "
                          "switch: {rate: 1e-4/h, repair: 1h}}}";
  const auto df = failure_schedule(tiered_with(mix, "dragonfly, groups: 4, chassis_per_group: 2, "
                                                    "routers_per_chassis: 4, servers_per_router: 2"));
  const auto switches = of_class(df, "switch");
  REQUIRE(switches.size() > 20);
  for (const auto& e : switches) {
    REQUIRE(e.servers.size() == 2);
    CHECK(e.servers[0] % 2 == 0);
    CHECK(e.servers[1] == e.servers[0] + 1);
  }
  CHECK(of_class(df, "spine").empty());
  CHECK(of_class(df, "cable").empty());
  const auto torus = failure_schedule(tiered_with(mix, "torus, dimensions: [4, 4, 4]"));
  CHECK(of_class(torus, "spine").empty());
  CHECK(of_class(torus, "cable").empty());
  for (const auto& e : of_class(torus, "switch")) CHECK(e.servers.size() == 1);  // rack_servers, as on ideal
  CHECK(!of_class(torus, "gpu").empty());
}
