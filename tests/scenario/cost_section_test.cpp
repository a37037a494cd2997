// The `cost` sections (docs/tco.md, docs/scenario-reference.md#cost): prices land in
// SI units, a cluster inherits from its site and from the top level in that order,
// defaults fill the rest, and each bad value gives one located error.
#include <catch2/catch.hpp>

#include <fmt/format.h>

#include "rcn/models/tco.hpp"
#include "rcn/scenario/loader.hpp"
#include "tests/load_scenario.hpp"

using namespace rcn;

namespace {

// Line numbers matter: the error cases below replace lines by number. Columns are where
// the offending text starts in the replacement line (str.index + 1, computed by hand).
const std::vector<std::string> kPriced = {
    /* 1 */ "name: t",
    /* 2 */ "cost:",
    /* 3 */ "  currency: EUR",
    /* 4 */ "  server_price: 250k",
    /* 5 */ "  storage_per_pb: 100k",
    /* 6 */ "  amortisation_years: {servers: 4, building: 25}",
    /* 7 */ "  wan_per_gbps_month: 10",
    /* 8 */ "sites:",
    /* 9 */ "  - name: a",
    /*10 */ "    power: {pue: 1.5, price_per_kwh: 0.1}",
    /*11 */ "    cost: {server_price: 280k, network_per_port: 1000, building_per_mw: 8M}",
    /*12 */ "    clusters:",
    /*13 */ "      - {name: main, gpu: h100-sxm, servers: 4, spares: 1,",
    /*14 */ "         cost: {network_per_gpu: 3000, storage_capacity: 2PB, staff_maintenance: 0.05}}",
    /*15 */ "      - {name: second, gpu: a100-80g, servers: 2, gpus_per_server: 4}",
    /*16 */ "  - name: b",
    /*17 */ "    clusters:",
    /*18 */ "      - {name: main, gpu: b200, servers: 1}",
    /*19 */ "wan:",
    /*20 */ "  - {from: a, to: b, bandwidth: 100Gbps, latency: 1ms, cost: {monthly: 5000}}",
    /*21 */ "  - {from: a, to: b, bandwidth: 400Gbps, latency: 1ms}",
};

std::string priced(int line = 0, const std::string& text = "") {
  std::vector<std::string> lines = kPriced;
  if (line > 0) lines[static_cast<std::size_t>(line - 1)] = text;
  return fmt::format("{}\n", fmt::join(lines, "\n"));
}

std::vector<std::string> errors_of(const std::string& yaml) {
  LoadResult r = load_scenario_text(yaml, "t.yaml");
  std::vector<std::string> out;
  for (const auto& d : r.diagnostics.items())
    if (d.severity == Diagnostic::Severity::Error) out.push_back(d.str());
  return out;
}

}  // namespace

TEST_CASE("cost keys load into SI units and a cluster inherits cluster, then site, then top level", "[cost]") {
  const Scenario s = test::load_scenario(priced(), "t.yaml");
  CHECK(s.cost.currency == "EUR");
  const double month = 365 * 86400.0 / 12;

  // a/main: server price from the site (280k beats the top level's 250k); network per
  // GPU from the cluster (beats the site's per port): 5 servers bought x 8 GPUs x 3000;
  // storage 2 PB x 100k per PB; building 5 servers x 10,200 W (built-in DGX H100) x 8 per W.
  const ClusterPrices main = cluster_prices(s, 0, 0);
  CHECK(main.server_price == 280000);
  CHECK_FALSE(main.network_per_port);
  CHECK(main.servers_life == Approx(4 * 365 * 86400.0));
  CHECK(main.network_life == Approx(5 * 365 * 86400.0));  // default
  CHECK(main.building_life == Approx(25 * 365 * 86400.0));
  CHECK(main.staff_maintenance == 0.05);
  CHECK(main.average_price_per_kwh == 0.1);
  CHECK(main.pue == 1.5);
  const Capex c0 = cluster_capex(main);
  CHECK(c0.servers == Approx(5 * 280000.0));
  CHECK(c0.network == Approx(40 * 3000.0));
  CHECK(c0.storage == Approx(200000.0));
  CHECK(c0.building == Approx(5 * 10200 * 8.0));
  CHECK(main.note.empty());

  // a/second: per port from the site, 2 servers x 8 NICs (the default) x 1000; storage
  // by the default 10 TB per GPU: 8 GPUs x 10 TB = 0.08 PB x 100k; building: the DGX
  // A100's 6,500 W scaled to 4 GPUs = 3,250 W x 2 servers x 8 per W.
  const ClusterPrices second = cluster_prices(s, 0, 1);
  REQUIRE(second.network_per_port);
  const Capex c1 = cluster_capex(second);
  CHECK(c1.servers == Approx(2 * 280000.0));
  CHECK(c1.network == Approx(16 * 1000.0));
  CHECK(c1.storage == Approx(8000.0));
  CHECK(c1.building == Approx(52000.0));
  CHECK(second.staff_maintenance == 0.1);  // default

  // b/main: no site cost; the top level's 250k server price, default network per GPU.
  const ClusterPrices b = cluster_prices(s, 1, 0);
  CHECK(b.server_price == 250000);
  CHECK(cluster_capex(b).network == Approx(8 * tco_defaults::kNetworkPerGpu));
  CHECK(b.server_power_w == 14300);  // built-in DGX B200

  // WAN over one month: a flat 5000, and 400 Gbps x 10 per Gbps-month (the top level's).
  CHECK(wan_link_cost(s.wan[0], s.cost, month) == Approx(5000));
  CHECK(wan_link_cost(s.wan[1], s.cost, month) == Approx(4000));
  CHECK(wan_link_cost(s.wan[1], s.cost, 2 * month) == Approx(8000));
}

TEST_CASE("without a cost section the built-in defaults price every shipped GPU type", "[cost]") {
  for (const char* gpu : {"a100-80g", "h100-sxm", "h200-sxm", "b200"}) {
    const Scenario s = test::load_scenario(
        fmt::format("name: t\nsites:\n  - name: a\n    clusters:\n      - {{gpu: {}, servers: 2}}\n", gpu), "t.yaml");
    const ClusterPrices p = cluster_prices(s, 0, 0);
    INFO(gpu);
    REQUIRE(builtin_server_price(gpu));
    CHECK(p.server_price == builtin_server_price(gpu)->price);
    CHECK(p.note.empty());
    CHECK(s.cost.currency == "USD");
    CHECK(cluster_capex(p).total() > 2 * p.server_price);  // network, storage and building on top
  }
}

TEST_CASE("a GPU type without a built-in price is priced as an H100 server, and says so", "[cost]") {
  Scenario s = test::load_scenario(
      "name: t\nsites:\n  - name: a\n    clusters:\n      - {gpu: h100-sxm, servers: 2, gpus_per_server: 4}\n",
      "t.yaml");
  HardwareProfile custom = *s.find_profile("h100-sxm");
  custom.name = "my-gpu";
  custom.tdp_w = 500;
  s.hardware["my-gpu"] = custom;
  s.sites[0].clusters[0].gpu = "my-gpu";
  const ClusterPrices p = cluster_prices(s, 0, 0);
  // Half of an 8-GPU H100 server's 300k; power 4 x 500 W x (10,200 / 5,600).
  CHECK(p.server_price == Approx(150000));
  CHECK(p.server_power_w == Approx(4 * 500 * 10200.0 / 5600));
  CHECK(p.note.find("GPU type my-gpu has no built-in server price") != std::string::npos);
  // A price given in the scenario needs no note.
  s.cost.defaults.server_price = 123;
  CHECK(cluster_prices(s, 0, 0).note.empty());
}

TEST_CASE("cost errors come in file order, not in the order the keys are read", "[cost]") {
  // The reader takes server_price and wan_per_gbps_month before currency; lines 3, 4, 7 all bad.
  std::vector<std::string> lines = kPriced;
  lines[2] = "  currency: 12$";
  lines[3] = "  server_price: 300kk";
  lines[6] = "  wan_per_gbps_month: -1";
  const auto errs = errors_of(fmt::format("{}\n", fmt::join(lines, "\n")));
  REQUIRE(errs.size() == 3);
  CHECK(errs[0].rfind("t.yaml:3:13: error: cost.currency:", 0) == 0);
  CHECK(errs[1].rfind("t.yaml:4:17: error: cost.server_price:", 0) == 0);
  CHECK(errs[2].rfind("t.yaml:7:23: error: cost.wan_per_gbps_month:", 0) == 0);
}

TEST_CASE("bad cost values give one located error each", "[cost]") {
  struct Case {
    int line;
    std::string text, expected;
  };
  const std::vector<Case> cases = {
      {4, "  server_price: lots",
       "t.yaml:4:17: error: cost.server_price: expected a number such as 1024, 1.2e9 or 300B, got \"lots\""},
      {4, "  server_price: 2e12", "t.yaml:4:17: error: cost.server_price: expected an amount between 0 and 1e12, got \"2e12\""},
      {4, "  server_price: -5", "t.yaml:4:17: error: cost.server_price: expected a value >= 0, got \"-5\""},
      {3, "  currency: US$",
       "t.yaml:3:13: error: cost.currency: expected a currency code of 1 to 8 letters such as USD or EUR, got \"US$\""},
      {6, "  amortisation_years: {servers: 0}",
       "t.yaml:6:33: error: cost.amortisation_years.servers: expected a number of years between 0.1 and 100, got \"0\""},
      {6, "  amortisation_years: {sever: 4}",
       "t.yaml:6:24: error: cost.amortisation_years.sever: unknown key, did you mean servers?"},
      {5, "  storage_capacity: 1PB",
       "t.yaml:5:3: error: cost.storage_capacity: unknown key (expected one of: server_price, server_power, "
       "network_per_gpu, network_per_port, switch_price, storage_per_pb, storage_per_gpu, building_per_mw, staff_maintenance, "
       "amortisation_years, currency, wan_per_gbps_month)"},
      {7, "  staff_maintenance: 1.5",
       "t.yaml:7:22: error: cost.staff_maintenance: expected a fraction of capex per year between 0 and 1, got \"1.5\""},
      {11, "    cost: {network_per_gpu: 1, network_per_port: 2}",
       "t.yaml:11:50: error: sites[0].cost.network_per_port: give network_per_gpu or network_per_port, not both"},
      {11, "    cost: {wan_per_gbps_month: 2}",
       "t.yaml:11:12: error: sites[0].cost.wan_per_gbps_month: unknown key (expected one of: server_price, "
       "server_power, network_per_gpu, network_per_port, switch_price, storage_per_pb, storage_per_gpu, building_per_mw, "
       "staff_maintenance, amortisation_years)"},
      {14, "         cost: {server_power: 2MW}}",
       "t.yaml:14:31: error: sites[0].clusters[0].cost.server_power: expected a power between 1W and 1MW, got \"2MW\""},
      {14, "         cost: {storage_per_gpu: 1TB, storage_capacity: 2PB}}",
       "t.yaml:14:57: error: sites[0].clusters[0].cost.storage_capacity: give storage_capacity or storage_per_gpu, "
       "not both"},
      // The bound names a unit the parser accepts (PB; there is no EB).
      {14, "         cost: {storage_per_gpu: 2000PB}}",
       "t.yaml:14:34: error: sites[0].clusters[0].cost.storage_per_gpu: expected a size between 0 and 1000PB, got "
       "\"2000PB\""},
      {20, "  - {from: a, to: b, bandwidth: 100Gbps, latency: 1ms, cost: {monthly: 1, per_gbps_month: 1}}",
       "t.yaml:20:72: error: wan[0].cost.monthly: give per_gbps_month or monthly, not both"},
      {20, "  - {from: a, to: b, bandwidth: 100Gbps, latency: 1ms, cost: 5}",
       "t.yaml:20:62: error: wan[0].cost: expected a mapping (key: value), got \"5\""},
  };
  for (const Case& c : cases) {
    INFO(c.text);
    CHECK(errors_of(priced(c.line, c.text)) == std::vector<std::string>{c.expected});
  }
}
