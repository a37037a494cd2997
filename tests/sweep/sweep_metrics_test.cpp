// sweep.csv's metrics from hand-made summary.json files with known inference,
// reliability and TCO figures, and its header: full paths, unique, CSV-safe.
#include <catch2/catch.hpp>

#include <set>

#include "rcn/sweep/sweep_spec.hpp"
#include "rcn/sweep/sweep_table.hpp"
#include "tests/test_support.hpp"

using namespace rcn;
using nlohmann::json;

namespace {
json region(const std::string& name, int completed, int dropped, double slo, double ttft50, double ttft99,
            double tpot50, double tpot99) {
  return {{"region", name},
          {"requests", completed + dropped},
          {"completed", completed},
          {"dropped", dropped},
          {"in_flight", 0},
          {"throughput_rps", 1.0},
          {"ttft_s", {{"mean", ttft50}, {"p50", ttft50}, {"p90", ttft99}, {"p99", ttft99}}},
          {"tpot_s", {{"p50", tpot50}, {"p90", tpot99}, {"p99", tpot99}}},
          {"e2e_s", {{"mean", 1.0}, {"p50", 1.0}, {"p90", 2.0}, {"p99", 3.0}}},
          {"slo_attainment", slo}};
}

json job(const std::string& state, double lost, double restart, int interruptions) {
  const bool finished = state == "finished";
  return {{"name", "j"},
          {"state", state},
          {"queue_wait_s", state == "queued" ? json(nullptr) : json(60.0)},
          {"time_to_train_s", finished ? json(3600.0) : json(nullptr)},
          {"goodput", state == "queued" ? json(nullptr) : json(0.9)},
          {"interruptions", interruptions},
          {"lost_work_s", lost},
          {"restart_overhead_s", restart}};
}

// Three jobs (one finished, one running, one queued), one site, two inference
// services over three regions, and a "tco" object as result_files.cpp writes it.
json summary() {
  json s;
  s["simulated_end_s"] = 86400.0;
  s["jobs"] = {job("finished", 100, 20, 2), job("running", 50, 5, 1), job("queued", 0, 0, 0)};
  s["sites"] = {{{"name", "c"}, {"gpus", 8}, {"gpu_hours_busy", 100.0}, {"utilisation", 0.5},
                 {"energy_kwh", 10.0}, {"cost", 2.0}, {"carbon_kg", 4.0}}};
  s["inference"] = {
      {{"name", "chat"},
       {"regions", {region("eu", 100, 3, 0.9, 0.2, 1.5, 0.02, 0.05), region("us", 50, 0, 0.8, 0.3, 2.5, 0.01, 0.04)}}},
      // A name with a comma and a quote, and a pair that completed nothing.
      {{"name", "code,\"x\""}, {"regions", {region("eu", 0, 7, 0, 0, 0, 0, 0)}}}};
  s["tco"] = {{"currency", "USD"},
              {"period_s", 86400.0},
              {"capex_amortised", 800.0},
              {"power", 300.0},
              {"staff_maintenance", 100.0},
              {"wan", 34.5},
              {"total", 1234.5},
              {"per_million_tokens_served", 2.5},
              {"per_million_trained_tokens", nullptr},
              {"sites", json::array()}};
  return s;
}

// The header fields of a CSV text, unquoted per RFC 4180.
std::vector<std::string> csv_header(const std::string& csv) {
  std::vector<std::string> fields(1);
  bool quoted = false;
  for (std::size_t i = 0; i < csv.size(); ++i) {
    const char c = csv[i];
    if (quoted) {
      if (c == '"' && i + 1 < csv.size() && csv[i + 1] == '"') fields.back() += '"', ++i;
      else if (c == '"') quoted = false;
      else fields.back() += c;
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      fields.emplace_back();
    } else if (c == '\n') {
      break;
    } else {
      fields.back() += c;
    }
  }
  return fields;
}
}  // namespace

TEST_CASE("run_metrics: reliability sums over jobs and inference aggregates over pairs", "[sweep][metrics]") {
  const auto m = run_metrics(summary());
  CHECK(m.at("jobs_total") == 3);
  CHECK(m.at("jobs_finished") == 1);
  CHECK(m.at("jobs_unfinished") == 2);
  CHECK(m.at("lost_work_s") == 150);
  CHECK(m.at("restart_overhead_s") == 25);
  CHECK(m.at("interruptions") == 3);
  CHECK(m.at("mean_goodput") == Approx(0.9));
  // Latency aggregates over the pairs that completed requests (chat/eu, chat/us); drops over all;
  // the attainment over every pair with requests, a drop as a miss: code/eu dropped all 7, so 0.
  CHECK(m.at("requests_dropped") == 10);
  CHECK(m.at("slo_attainment_min") == 0);
  CHECK(m.at("ttft_p99_max_s") == Approx(2.5));
  CHECK(m.at("tpot_p99_max_s") == Approx(0.05));
  CHECK(m.at("chat/eu:slo_attainment") == Approx(0.9));
  CHECK(m.at("chat/eu:ttft_p50_s") == Approx(0.2));
  CHECK(m.at("chat/eu:ttft_p99_s") == Approx(1.5));
  CHECK(m.at("chat/eu:tpot_p50_s") == Approx(0.02));
  CHECK(m.at("chat/eu:tpot_p99_s") == Approx(0.05));
  CHECK(m.at("chat/eu:requests_dropped") == 3);
  CHECK(m.at("chat/us:slo_attainment") == Approx(0.8));
  CHECK(m.at("chat/us:requests_dropped") == 0);
  // A pair with nothing completed has drops but no latency or attainment.
  CHECK(m.at("code,\"x\"/eu:requests_dropped") == 7);
  CHECK(m.count("code,\"x\"/eu:slo_attainment") == 0);
  CHECK(m.count("code,\"x\"/eu:ttft_p99_s") == 0);
  // TCO as given; the per-trained-token figure is null, so absent.
  CHECK(m.at("tco_total") == 1234.5);
  CHECK(m.at("tco_capex_amortised") == 800);
  CHECK(m.at("tco_power") == 300);
  CHECK(m.at("tco_per_million_tokens_served") == 2.5);
  CHECK(m.count("tco_per_million_trained_tokens") == 0);
}

TEST_CASE("slo_attainment_min counts dropped requests as misses", "[sweep][metrics]") {
  json s = summary();
  s["inference"] = {{{"name", "chat"}, {"regions", {region("eu", 0, 40, 0, 0, 0, 0, 0)}}}};
  CHECK(run_metrics(s).at("slo_attainment_min") == 0);  // serves nobody: never feasible
  // Half the requests dropped, every completed one on time: 50 / 100.
  s["inference"] = {{{"name", "chat"}, {"regions", {region("eu", 50, 50, 1.0, 0.1, 0.2, 0.01, 0.02)}}}};
  auto m = run_metrics(s);
  CHECK(m.at("slo_attainment_min") == Approx(0.5));
  CHECK(m.at("chat/eu:slo_attainment") == 1.0);  // the engine's figure, over completed requests
  // 0.8 x 60 met of 60 + 20 finished = 0.6; the other pair (0.9, no drops) is better.
  s["inference"] = {{{"name", "chat"},
                     {"regions", {region("eu", 60, 20, 0.8, 0.1, 0.2, 0.01, 0.02),
                                  region("us", 10, 0, 0.9, 0.1, 0.2, 0.01, 0.02)}}}};
  CHECK(run_metrics(s).at("slo_attainment_min") == Approx(0.6));
  // A pair with no requests at all does not count; one whose requests are all in flight scores 0.
  s["inference"] = {{{"name", "chat"},
                     {"regions", {region("eu", 0, 0, 0, 0, 0, 0, 0), region("us", 10, 0, 0.9, 0.1, 0.2, 0.01, 0.02)}}}};
  CHECK(run_metrics(s).at("slo_attainment_min") == Approx(0.9));
  s["inference"][0]["regions"][0]["requests"] = 5;
  CHECK(run_metrics(s).at("slo_attainment_min") == 0);
}

TEST_CASE("run_metrics without inference or tco: neutral aggregates, no TCO metrics", "[sweep][metrics]") {
  json s = summary();
  s.erase("inference");
  s.erase("tco");
  const auto m = run_metrics(s);
  CHECK(m.at("requests_dropped") == 0);
  CHECK(m.at("slo_attainment_min") == 1);  // nothing served, nothing missed
  CHECK(m.at("ttft_p99_max_s") == 0);
  CHECK(m.at("tpot_p99_max_s") == 0);
  for (const auto& [name, value] : m) {
    CHECK(name.find("tco_") != 0);
    CHECK(name.find(':') == std::string::npos);
  }
  // A damaged tco object is an unreadable summary, not a silent zero.
  s["tco"] = {{"total", "lots"}};
  CHECK_THROWS_AS(run_metrics(s), json::exception);
}

TEST_CASE("pair metric names are unique whatever the service and region names hold", "[sweep][metrics]") {
  CHECK(inference_pair_metric("chat", "eu-west", "slo_attainment") == "chat/eu-west:slo_attainment");
  CHECK(inference_pair_metric("a/b", "c", "x") == "a%2Fb/c:x");
  CHECK(inference_pair_metric("a", "b/c", "x") == "a/b%2Fc:x");
  CHECK(inference_pair_metric("a:b", "c", "x") != inference_pair_metric("a", "b:c", "x"));
  CHECK(inference_pair_metric("100%", "x\ny", "m") == "100%25/x%0Ay:m");
  CHECK(inference_pair_metric("a%2Fb", "c", "x") != inference_pair_metric("a/b", "c", "x"));
}

TEST_CASE("sweep.csv: full paths, unique headers, quoted names, means over the runs that report a metric",
          "[sweep][metrics]") {
  Diagnostics d;
  // Two paths with the same last 22 characters: the old stdout table cut both to one.
  const SweepSpec spec = load_sweep_text(
      "base: default.yaml\nvariants:\n  center: {sites.center.clusters.main.servers: 192}\n"
      "  node: {sites.node-west.clusters.main.servers: 64}\n",
      "s.yaml", test::source_path("scenarios"), d);
  REQUIRE_FALSE(d.has_errors());
  json without_tco = summary();
  without_tco.erase("tco");
  without_tco["inference"][0]["regions"][0]["slo_attainment"] = 0.7;
  const std::vector<std::vector<std::map<std::string, double>>> runs{
      {run_metrics(summary()), run_metrics(without_tco)}, {run_metrics(without_tco)}};
  const std::string csv = sweep_csv(spec, runs);
  const auto header = csv_header(csv);
  CHECK(std::set<std::string>(header.begin(), header.end()).size() == header.size());
  REQUIRE(header.size() >= 5);
  CHECK(header[0] == "point");
  CHECK(header[1] == "variant");
  CHECK(header[2] == "sites.center.clusters.main.servers");
  CHECK(header[3] == "sites.node-west.clusters.main.servers");
  CHECK(header[4] == "n");
  for (const char* h : {"lost_work_s_mean", "jobs_unfinished_ci95", "slo_attainment_min_mean", "tco_total_mean",
                        "chat/eu:slo_attainment_mean", "chat/us:tpot_p99_s_ci95", "code,\"x\"/eu:requests_dropped_mean"})
    CHECK(std::count(header.begin(), header.end(), h) == 1);
  // Pairs' metrics never appear for a pair no run completed anything for.
  CHECK(std::count(header.begin(), header.end(), "code,\"x\"/eu:slo_attainment_mean") == 0);
  // The quoted header field, as written.
  CHECK(csv.find(",\"code,\"\"x\"\"/eu:requests_dropped_mean\",") != std::string::npos);
  // Point 0: chat/eu attainment 0.9 and 0.7 (mean 0.8); tco from its one run that has it.
  // Point 1: no run has TCO, so its cells are empty.
  auto cell = [&](std::size_t row, const std::string& col) {
    const std::size_t k = std::find(header.begin(), header.end(), col) - header.begin();
    std::size_t start = 0;
    for (std::size_t r = 0; r <= row; ++r) start = csv.find('\n', start) + 1;
    const std::string line = csv.substr(start, csv.find('\n', start) - start);
    std::vector<std::string> fields(1);
    for (char c : line) {
      if (c == ',') fields.emplace_back();
      else fields.back().push_back(c);
    }
    return fields.at(k);
  };
  CHECK(cell(0, "variant") == "center");
  CHECK(cell(0, "sites.center.clusters.main.servers") == "192");
  CHECK(cell(0, "sites.node-west.clusters.main.servers") == "");
  CHECK(cell(1, "sites.node-west.clusters.main.servers") == "64");
  CHECK(cell(0, "n") == "2");
  CHECK(std::stod(cell(0, "chat/eu:slo_attainment_mean")) == Approx(0.8));
  CHECK(std::stod(cell(0, "chat/eu:slo_attainment_ci95")) == Approx(12.706 * 0.1));  // sd 0.1414, /sqrt(2)
  CHECK(cell(0, "tco_total_mean") == "1234.5");
  CHECK(cell(0, "tco_total_ci95") == "0");
  CHECK(cell(1, "tco_total_mean") == "");
  CHECK(cell(1, "tco_total_ci95") == "");
  CHECK(cell(1, "slo_attainment_min_mean") == "0");  // the code pair dropped all 7 of its requests
  CHECK(cell(1, "requests_dropped_mean") == "10");
}
