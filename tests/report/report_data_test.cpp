// What report.html draws: time series binned to a bounded number of points with
// their mean kept, long tables cut to the first and worst rows, Gantt bars
// without the checkpoint writes, and JSON that no name can break out of.
#include <catch2/catch.hpp>

#include <cmath>
#include <random>

#include <nlohmann/json.hpp>

#include "rcn/report/report_data.hpp"
#include "rcn/report/report_page.hpp"
#include "rcn/models/time_bins.hpp"

using namespace rcn;

TEST_CASE("time bins: a step function's time-weighted mean per bin, by hand", "[report]") {
  const TimeBins bins = make_time_bins(10, 5);
  REQUIRE(bins.count == 5);
  CHECK(bins.width == 2);
  // 0 until 1 s, 1 until 5 s, then 0: 4 busy seconds out of 10.
  const auto v = bin_step_mean({{1, 1}, {5, 0}}, 0, bins);
  REQUIRE(v.size() == 5);
  CHECK(v[0] == Approx(0.5));
  CHECK(v[1] == Approx(1));
  CHECK(v[2] == Approx(0.5));
  CHECK(v[3] == 0);
  CHECK(v[4] == 0);
  // Fewer bins than asked when each must span at least min_width_s.
  CHECK(make_time_bins(100, 1000, 30).count == 3);
  CHECK(make_time_bins(0, 1000).count == 1);
}

TEST_CASE("time bins: a span's area, with a last bin shorter than the others", "[report]") {
  // Bins of 10 s, the last ending at 25 s (a run's end): 2 x [5, 25) is 10 + 20 + 10.
  const TimeBins bins{10, 3};
  std::vector<double> area(3, 0.0);
  add_binned_area(area, bins, 25, 5, 40, 2);
  CHECK(area == std::vector<double>{10, 20, 10});
  add_binned_area(area, bins, 25, -5, 3, 1);  // clipped at 0
  add_binned_area(area, bins, 25, 7, 7, 1);   // empty
  CHECK(area == std::vector<double>{13, 20, 10});
}

TEST_CASE("time bins: the mean over the bins is the step function's mean, for random functions", "[report]") {
  std::mt19937_64 rng(7);
  std::uniform_real_distribution<double> u(0, 1);
  for (int trial = 0; trial < 20; ++trial) {
    const double end = 1 + 1e6 * u(rng);
    std::vector<std::pair<double, double>> changes;
    double t = 0;
    while ((t += end / 200 * u(rng)) < end) changes.push_back({t, std::floor(10 * u(rng))});
    // Brute force: the integral over the changes.
    double area = 0, prev_t = 0, prev_v = 3;
    for (const auto& [ct, cv] : changes) area += prev_v * (ct - prev_t), prev_t = ct, prev_v = cv;
    area += prev_v * (end - prev_t);
    const TimeBins bins = make_time_bins(end, 97);
    const auto v = bin_step_mean(changes, 3, bins);
    double sum = 0;
    for (double x : v) sum += x;
    CHECK(sum / v.size() == Approx(area / end).epsilon(1e-9));
  }
}

namespace {

// A long training run: a utilisation change every minute for 54 days, a
// checkpoint every 10 minutes, and 400 failures.
SimulationResult long_run() {
  SimulationResult r;
  r.scenario = "long";
  r.simulated_end_s = r.horizon_s = 54 * 86400.0;
  SiteResult site;
  site.name = "s";
  site.gpus = 100;
  r.sites.push_back(site);
  JobResult j;
  j.name = "j";
  j.state = JobState::Running;
  j.start_s = 0;
  j.steps = 1e6;
  j.step_time_s = 10;
  j.timeline.push_back({"running", 0, r.simulated_end_s, "s"});
  for (double t = 600; t < r.simulated_end_s; t += 600) j.timeline.push_back({"checkpointing", t, t + 5, "s"});
  r.jobs.push_back(j);
  for (double t = 0; t < r.simulated_end_s; t += 60)
    r.utilisation.push_back({t, 0, static_cast<int>(t / 60) % 2 == 0 ? 100 : 50});
  for (int i = 0; i < 400; ++i) {
    FailureRow f;
    f.time_s = 1000.0 * i;
    f.component = i % 2 ? "gpu" : "software";
    f.downtime_s = i == 321 ? 1e6 : 60;
    r.failures.push_back(f);
  }
  return r;
}

}  // namespace

TEST_CASE("report data: a 54-day run's series, Gantt and failure table stay small and keep their numbers", "[report]") {
  const auto data = report_run_data(long_run(), nullptr, "long");
  const auto& series = data.at("utilisation").at("series").at(0);
  const auto& values = series.at("values");
  CHECK(values.size() <= kReportMaxPoints);
  // Busy 100 and 50 of 100 GPUs, a minute each: the mean is 75%, not a comb of drops.
  CHECK(series.at("training_mean").get<double>() == Approx(0.75).epsilon(1e-3));
  for (const auto& v : values) CHECK(v.get<double>() == Approx(0.75).margin(0.01));
  // 7,775 checkpoint writes leave one running bar.
  const auto& job = data.at("jobs").at("charted").at(0);
  REQUIRE(job.at("gantt").size() == 1);
  CHECK(job.at("gantt").at(0).at("state") == "running");
  CHECK(job.at("progress_curve").size() <= kReportMaxPoints + 1);
  // The progress curve ends at the compute time done: the run less the checkpoint writes.
  const double ideal = 1e6 * 10;
  const double writes = 5.0 * std::floor((54 * 86400.0 - 1) / 600);
  CHECK(job.at("progress_curve").back().at(1).get<double>() == Approx((54 * 86400.0 - writes) / ideal));
  // 400 failures: 10 rows, the first five then the longest downtime first.
  const auto& rel = data.at("reliability");
  const auto& table = rel.at("table");
  REQUIRE(table.size() == kReportTableRows);
  CHECK(table.at(0).at("row") == 1);
  CHECK(table.at(5).at("row") == 322);
  CHECK(rel.at("by_cause").at("gpu").size() <= 60);
  long counted = 0;
  for (const auto& [cause, counts] : rel.at("by_cause").items())
    for (const auto& n : counts) counted += n.get<long>();
  CHECK(counted == 400);
}

TEST_CASE("report data: an inference-only run has no job or utilisation-over-time section", "[report]") {
  SimulationResult r;
  r.simulated_end_s = 3600;
  SiteResult site;
  site.name = "s";
  site.gpus = 8;
  site.utilisation = 0.058;
  r.sites.push_back(site);
  InferenceRegionResult g;
  g.service = "code";
  g.region = "west";
  g.completed = 5;
  r.inference.push_back(g);
  InferenceServiceResult v;
  v.service = "code";
  r.services.push_back(v);
  const auto data = report_run_data(r, nullptr, "x");
  CHECK_FALSE(data.contains("jobs"));
  CHECK_FALSE(data.contains("utilisation"));
  CHECK(data.at("sites").at(0).at("utilisation").get<double>() == Approx(0.058));
  CHECK(data.at("inference").at("regions").size() == 1);
}

TEST_CASE("report data: a tenant's row has its services' cost added up", "[report]") {
  SimulationResult r;
  for (const auto& [name, cost] : {std::pair<const char*, double>{"chat", 10.5}, {"code", 20.25}, {"docs", 1.0}}) {
    InferenceServiceResult v;
    v.service = name, v.cost = cost;
    r.services.push_back(v);
  }
  TenantResult a, b, c;
  a.tenant = "retail", a.services = "chat", a.requests = 7, a.completed = 5, a.slo_met = 4, a.slo_attainment = 0.8;
  a.ttft_p50 = 0.1, a.ttft_p99 = 0.4, a.e2e_p99 = 2, a.gpu_hours = 1.5;
  b.tenant = "bank <&>", b.services = "code;docs";
  c.tenant = "gone", c.services = "missing";
  r.tenants = {a, b, c};
  const auto data = report_run_data(r, nullptr, "x");
  const auto& t = data.at("inference").at("tenants");
  REQUIRE(t.size() == 3);
  CHECK(t.at(0).at("tenant") == "retail");
  CHECK(t.at(0).at("cost").get<double>() == Approx(10.5));
  CHECK(t.at(0).at("requests") == 7);
  CHECK(t.at(0).at("slo_attainment").get<double>() == Approx(0.8));
  CHECK(t.at(0).at("ttft_s").at("p99").get<double>() == Approx(0.4));
  CHECK(t.at(1).at("tenant") == "bank <&>");
  CHECK(t.at(1).at("cost").get<double>() == Approx(20.25 + 1.0));  // code + docs
  CHECK(t.at(2).at("cost").is_null());                              // no service of that name
  // Without tenants, no table.
  r.tenants.clear();
  CHECK_FALSE(report_run_data(r, nullptr, "x").at("inference").contains("tenants"));
}

TEST_CASE("report page: JSON with < > & escaped, invalid UTF-8 replaced, and parsed back whole", "[report]") {
  nlohmann::ordered_json j;
  j["name"] = "</script><img src=x onerror=alert(1)>&amp;";
  j["bad"] = std::string("a\xff" "b");
  const std::string text = script_safe_json(j);
  CHECK(text.find_first_of("<>&") == std::string::npos);
  const auto back = nlohmann::json::parse(text);
  CHECK(back.at("name").get<std::string>() == j.at("name").get<std::string>());
  CHECK(back.at("bad") == "a\xef\xbf\xbd" "b");
}
