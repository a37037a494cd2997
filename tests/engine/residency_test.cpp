// Data residency (issue #18 item 4): a job runs only in its regions, a resident service's
// requests are served only there, a residency that leaves nowhere to go is refused when the
// scenario loads, and the results count what residency cost.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "rcn/engine/simulation.hpp"
#include "rcn/report/result_files.hpp"
#include "tests/load_scenario.hpp"

using namespace rcn;

namespace {

// Two one-server sites in two regions, 50 ms apart (one way).
const std::string kTwoRegions = R"(name: residency
horizon: 1d
sites:
  - {name: eu-a, region: eu, clusters: [{gpu: h100-sxm, servers: 1}]}
  - {name: us-a, region: us, clusters: [{gpu: h100-sxm, servers: 1}]}
wan:
  - {from: eu-a, to: us-a, bandwidth: 100Gbps, latency: 50ms}
models:
  m: {layers: 2, hidden: 256, heads: 4, kv_heads: 4, ffn: 1024, vocab: 1000, seq: 512}
)";

std::string two_jobs(const std::string& second_extra) {
  return kTwoRegions + R"(workloads:
  training:
    - {name: first, model: m, site: eu-a, gpus: 8, global_batch: 8, duration: 2h}
    - {name: resident, model: m, gpus: 8, global_batch: 8, duration: 1h)" +
         second_extra + "}\n";
}

}  // namespace

// (One simulation per test case: SimGrid's engine is made once per process.)
TEST_CASE("without residency the second job starts at once on the idle site elsewhere", "[engine][residency]") {
  const SimulationResult free_run = run_simulation(test::load_scenario(two_jobs(""), "r.yaml"));
  CHECK(free_run.jobs[1].site == "us-a");
  CHECK(free_run.jobs[1].start_s == 0);
  CHECK_FALSE(free_run.jobs[1].resident);
  CHECK_FALSE(nlohmann::json::parse(summary_json(free_run)).contains("residency"));
}

TEST_CASE("a job with residency waits for its region while a site elsewhere stands idle", "[engine][residency]") {
  // `first` holds eu-a's only server for 2 h from t = 0. Without residency `resident` starts at 0
  // on the idle us-a (the case above); with `residency: [eu]` it waits for eu-a: starts at 2 h,
  // ends at 3 h, and residency cost it 2 h of queueing (us-a had room from t = 0 on).
  const SimulationResult r = run_simulation(test::load_scenario(two_jobs(", residency: [eu]"), "r.yaml"));
  const JobResult& j = r.jobs[1];
  CHECK(j.site == "eu-a");
  CHECK(j.start_s == Approx(2 * 3600));
  CHECK(j.end_s == Approx(3 * 3600));
  CHECK(j.resident);
  CHECK(j.residency_delayed_at == 0);
  CHECK(j.residency_wait_s == Approx(2 * 3600));
  CHECK(r.sites[1].gpu_hours_busy == 0);  // us-a never ran anything

  // The counters in summary.json: one resident job, delayed, 2 extra queueing hours.
  const auto sum = nlohmann::json::parse(summary_json(r));
  REQUIRE(sum.contains("residency"));
  CHECK(sum["residency"]["jobs"] == 1);
  CHECK(sum["residency"]["jobs_delayed"] == 1);
  CHECK(sum["residency"]["extra_queue_hours"].get<double>() == Approx(2.0));
  CHECK(sum["jobs"][1]["residency_wait_s"].get<double>() == Approx(7200));
  CHECK_FALSE(sum["jobs"][0].contains("residency_wait_s"));  // absent for a job without residency
}

TEST_CASE("a dataset's residency keeps its job in the dataset's regions", "[engine][residency]") {
  // The same two jobs, the residency on the dataset (held at eu-a) instead of the job.
  const SimulationResult r =
      run_simulation(test::load_scenario(two_jobs(", dataset: {size: 1TB, site: eu-a, residency: [eu]}"), "r.yaml"));
  CHECK(r.jobs[1].site == "eu-a");
  CHECK(r.jobs[1].start_s == Approx(2 * 3600));
  CHECK(r.jobs[1].residency_wait_s == Approx(2 * 3600));
}

namespace {

// Replicas at eu-a (power at 0.30/kWh) and us-a (0.05/kWh); `routing: cost` sends every request
// to the cheaper us-a while it has batch room (1 request/s of 64+8 tokens never fills 256).
// Served there, an eu request pays the 2 x 50 ms round trip: its TTFT is at least 0.1 s.
// With `residency: [eu]` eu requests stay at eu-a: no round trip (the tiny model's prefill
// takes well under 10 ms), every one of them kept in by residency; us requests still go to us-a.
std::string two_region_service(const std::string& extra) {
  return R"(name: resident-service
horizon: 10min
sites:
  - {name: eu-a, region: eu, power: {price_per_kwh: 0.30}, clusters: [{gpu: h100-sxm, servers: 1}]}
  - {name: us-a, region: us, power: {price_per_kwh: 0.05}, clusters: [{gpu: h100-sxm, servers: 1}]}
wan:
  - {from: eu-a, to: us-a, bandwidth: 100Gbps, latency: 50ms}
models:
  m: {layers: 2, hidden: 256, heads: 4, kv_heads: 4, ffn: 1024, vocab: 1000, seq: 512}
workloads:
  inference:
    - {name: s, model: m, replicas: {eu-a: 1, us-a: 1}, routing: cost, demand: {eu: 1, us: 1},
       arrivals: {poisson: 1/s, prompt_tokens: 64, output_tokens: 8})" +
         extra + "}\n";
}

}  // namespace

TEST_CASE("without residency the cost rule sends eu requests to the cheaper us site", "[engine][residency][inference]") {
  const SimulationResult free_run = run_simulation(test::load_scenario(two_region_service(""), "s.yaml"));
  REQUIRE(free_run.inference.size() == 2);
  CHECK(free_run.inference[0].region == "eu");
  CHECK(free_run.inference[0].ttft_p50 >= 0.1);  // went to us-a and back
  CHECK(free_run.services[0].requests_kept_in_residency == 0);
}

TEST_CASE("a resident service's requests are served only in its residency", "[engine][residency][inference]") {
  const SimulationResult r = run_simulation(test::load_scenario(two_region_service(", residency: [eu]"), "s.yaml"));
  const InferenceRegionResult& eu = r.inference[0];
  const InferenceRegionResult& us = r.inference[1];
  REQUIRE(eu.region == "eu");
  REQUIRE(eu.completed > 200);  // about 300 in 10 min
  CHECK(eu.ttft_p99 < 0.01);    // never left eu
  CHECK(us.ttft_p50 < 0.01);    // us requests are served at us-a, as before
  CHECK(r.services[0].residency == "eu");
  CHECK(r.services[0].requests_kept_in_residency == eu.requests);  // the rule would have sent each one out
  CHECK(r.services[0].requests_dropped_for_residency == 0);
  const auto sum = nlohmann::json::parse(summary_json(r));
  CHECK(sum["residency"]["services"] == 1);
  CHECK(sum["residency"]["requests_kept_local"] == eu.requests);
}

namespace {
// The loader refuses kTwoRegions (or `sites`) with this training job (on line 12) with one
// error naming `field`.
void refuse_job(const std::string& job, const std::string& field, const std::string& sites = kTwoRegions) {
  test::check_refused(sites + "workloads:\n  training:\n    - " + job + "\n", "r.yaml", "r.yaml:12:", field);
}
}  // namespace

TEST_CASE("a residency that leaves nowhere to go is refused when the scenario loads", "[scenario][residency]") {
  // A 16-GPU job, and the only eu cluster has 8 (us-a has 16).
  std::string two_us_servers = kTwoRegions;
  const std::string one = "us, clusters: [{gpu: h100-sxm, servers: 1}]";
  two_us_servers.replace(two_us_servers.find(one), one.size(), "us, clusters: [{gpu: h100-sxm, servers: 2}]");
  refuse_job("{name: j, model: m, gpus: 16, global_batch: 16, duration: 1h, residency: [eu]}",
             "workloads.training[0].residency", two_us_servers);
  // Pinned to a site outside its residency.
  refuse_job("{name: j, model: m, site: us-a, gpus: 8, global_batch: 8, duration: 1h, residency: [eu]}",
             "workloads.training[0].site");
  // A dataset held outside its own residency.
  refuse_job("{name: j, model: m, gpus: 8, global_batch: 8, duration: 1h, dataset: {size: 1TB, site: us-a, residency: [eu]}}",
             "workloads.training[0].dataset.site");
  // The job's residency and its dataset's share no region.
  refuse_job("{name: j, model: m, gpus: 8, global_batch: 8, duration: 1h, residency: [us], "
             "dataset: {size: 1TB, site: eu-a, residency: [eu]}}",
             "workloads.training[0].dataset.residency");
  // An unknown region.
  refuse_job("{name: j, model: m, gpus: 8, global_batch: 8, duration: 1h, residency: [asia]}",
             "workloads.training[0].residency[0]");
  // A service whose eu users' requests could be served nowhere: no replica in eu.
  test::check_refused(kTwoRegions + R"(workloads:
  inference:
    - {name: s, model: m, replicas: {us-a: 1}, demand: {eu: 1}, residency: [eu], arrivals: {poisson: 1/s}}
)",
                      "r.yaml", "r.yaml:12:", "workloads.inference[0].residency");
}
