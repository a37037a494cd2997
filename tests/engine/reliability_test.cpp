// Failures and checkpoints in the engine against closed forms, and the
// reliability scenarios against their reference figures (REFERENCES.md).
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include <cmath>
#include <fstream>

#include "rcn/engine/simulation.hpp"
#include "rcn/models/training_step.hpp"
#include "rcn/models/checkpoint_model.hpp"
#include "rcn/models/failure_model.hpp"
#include "rcn/scenario/loader.hpp"
#include "tests/load_scenario.hpp"
#include "tests/test_support.hpp"

using namespace rcn;

namespace {
Scenario load(const std::string& yaml) { return test::load_scenario(yaml, "rel.yaml"); }
nlohmann::json run_summary(const std::string& args, const std::string& name) {
  const std::string dir = test::scratch_dir(name);
  auto r = test::run_command(test::rcnsim_binary() + " run " + args + " -o " + dir + "/out");
  INFO(r.output);
  REQUIRE(r.status == 0);
  return nlohmann::json::parse(test::read_text(dir + "/out/summary.json"));
}
// kSmallJob's model m.
ModelSpec small_model() {
  ModelSpec m;
  m.layers = 2, m.hidden = 1024, m.heads = 8, m.kv_heads = 8, m.ffn = 4096, m.vocab = 1000, m.seq = 1000;
  return m;
}
const char* kSmallJob = R"(name: small
horizon: 3650d
sites:
  - name: a
    clusters: [{gpu: h100-sxm, servers: 2, storage: {write_bandwidth: 1GB/s, read_bandwidth: 1GB/s}}]
models:
  m: {layers: 2, hidden: 1024, heads: 8, ffn: 4096, vocab: 1000, seq: 1000}
workloads:
  training:
)";
// kSmallJob followed by `rest` (its job and failures), written as scratch/<name>/<name>.yaml.
std::string small_job_file(const std::string& name, const std::string& rest) {
  const std::string file = test::scratch_dir(name) + "/" + name + ".yaml";
  std::ofstream(file) << std::string(kSmallJob) + rest;
  return file;
}
}  // namespace

TEST_CASE("Monte-Carlo lost work per failure matches the closed form for exponential failures", "[engine][failures]") {
  // One 8-GPU job, software failures only (no repair), MTBF 1 h, checkpoint every hour of work,
  // free recovery: E[lost] = M - T e^(-T/M) / (1 - e^(-T/M)) = 0.418 M per failure.
  Scenario s = load(std::string(kSmallJob) +
                    "    - {name: j, model: m, gpus: 8, global_batch: 8, steps: 1e10, checkpoint: {interval: 1h}}\n"
                    "failures: {detection: 0s, restart: 0s, components: {software: {rate: 0.125/h}}}\n");
  s.sites[0].clusters[0].storage = {};  // instantaneous checkpoints
  s.horizon = 3000 * 3600.0;
  SimulationResult r = run_simulation(s);
  const JobResult& j = r.jobs[0];
  REQUIRE(j.interruptions > 1500);
  const double per_failure = j.lost_work_s / j.interruptions;
  const double expected = expected_lost_work_per_failure(3600, 3600);
  // Standard error of the mean of a variable bounded by 3600 s over ~2,000 samples: below 25 s.
  CHECK(per_failure == Approx(expected).margin(100));
}

TEST_CASE("no failures: goodput is exactly 1 minus the checkpoint overhead", "[engine][failures]") {
  // Checkpoints of 14 B x params through 1 GB/s, every 10 min of work.
  Scenario s = load(std::string(kSmallJob) +
                    "    - {name: j, model: m, gpus: 8, global_batch: 8, steps: 2e7, checkpoint: {interval: 10min}}\n");
  SimulationResult r = run_simulation(s);
  const JobResult& j = r.jobs[0];
  REQUIRE(j.state == JobState::Finished);
  CHECK(j.interruptions == 0);
  CHECK(j.checkpoints == static_cast<int>(std::ceil(j.ideal_time_to_train_s / 600)) - 1);
  CHECK(j.checkpoint_overhead_s > 0);
  CHECK(j.goodput == Approx(1 - j.checkpoint_overhead_s / j.time_to_train_s).epsilon(1e-12));
  // Each write is the checkpoint's bytes over the storage bandwidth (plus microseconds of latency).
  const double write = checkpoint_bytes(*s.find_model("m")) / 1e9;
  CHECK(j.checkpoint_overhead_s / j.checkpoints == Approx(write).epsilon(1e-3));
}

TEST_CASE("a site outage moves the job, which reads its checkpoint over the WAN", "[engine][failures]") {
  const nlohmann::json s =
      run_summary(test::source_path("scenarios/reliability/site-outage-wan-restart.yaml"), "site-outage");
  const auto& j = s["jobs"][0];
  CHECK(j["state"] == "finished");
  CHECK(j["site"] == "node-west");
  CHECK(j["interruptions"] == 1);
  // detection 10 min + restart 20 min + 988 GB over 400 Gb/s (19.75 s) + 12.5 ms of fibre.
  const double load = 14 * 70.55e9 / 50e9;
  CHECK(j["restart_overhead_s"].get<double>() == Approx(1800 + load + 0.0125).epsilon(1e-3));
}

TEST_CASE("checkpoint interval sweep: the best simulated interval is near Young/Daly", "[engine][failures]") {
  // Checkpoint write 367 MB at 10 MB/s = 36.7 s; MTBF of the 8-GPU job 2 h -> Young/Daly 727 s.
  const std::string file =
      small_job_file("sweep", "    - {name: j, model: m, gpus: 8, global_batch: 8, steps: 1e9, checkpoint: {interval: 10min}}\n"
                              "failures: {detection: 0s, restart: 0s, components: {software: {rate: 0.0625/h}}}\n");
  const double yd = young_daly_interval(checkpoint_bytes(small_model()) / 10e6, 7200);
  double best_goodput = 0, best_interval = 0;
  for (double interval : {120.0, 240.0, 480.0, 960.0, 1920.0, 3840.0}) {
    const auto s = run_summary(file + " --set horizon=400d --set 'sites[0].clusters[0].storage.write_bandwidth=10MB/s'"
                                      " --set 'workloads.training[0].checkpoint.interval=" +
                                   std::to_string(static_cast<int>(interval)) + "s'",
                               "sweep-" + std::to_string(static_cast<int>(interval)));
    const double g = s["jobs"][0]["goodput"].get<double>();
    if (g > best_goodput) best_goodput = g, best_interval = interval;
  }
  INFO("Young/Daly " << yd << " s, best simulated " << best_interval << " s");
  CHECK(best_interval >= yd / 2.5);
  CHECK(best_interval <= yd * 2.5);
}

TEST_CASE("Llama 3 405B, 16,384 GPUs, 54 days: 419 interruptions (15%), effective training above 90%",
          "[engine][failures][reliability][slow]") {
  // REFERENCES.md (Llama 3 paper, Table 5). The mean count checks the injection of the Table 5 rates;
  // the effective training time checks the recovery model (assumptions in the scenario file).
  double interruptions = 0, worst_goodput = 1;
  const int seeds = 10;
  for (int seed = 1; seed <= seeds; ++seed) {
    const auto s = run_summary(test::source_path("scenarios/reliability/llama3-405b-16k-54d.yaml") + " --seed " +
                                   std::to_string(seed),
                               "llama3-" + std::to_string(seed));
    interruptions += s["jobs"][0]["interruptions"].get<double>();
    worst_goodput = std::min(worst_goodput, s["jobs"][0]["goodput"].get<double>());
  }
  CHECK(interruptions / seeds == Approx(419).epsilon(0.15));
  CHECK(worst_goodput > 0.90);
}

TEST_CASE("OPT-175B: the scenario's assumptions give about 90 days and about 112 failures", "[engine][failures][reliability]") {
  // REFERENCES.md (brief): ~90 days instead of 33 ideal, 112 failures. The failure assumptions were
  // chosen to reproduce them (scenario file), so this guards the scenario, it does not validate.
  double days = 0, failures = 0;
  for (int seed = 1; seed <= 5; ++seed) {
    const auto s = run_summary(test::source_path("scenarios/reliability/opt-175b-992-a100.yaml") + " --seed " +
                                   std::to_string(seed),
                               "opt-" + std::to_string(seed));
    REQUIRE(s["jobs"][0]["state"] == "finished");
    days += s["jobs"][0]["time_to_train_s"].get<double>() / 86400;
    failures += s["jobs"][0]["interruptions"].get<double>();
  }
  CHECK(days / 5 == Approx(90).epsilon(0.15));
  CHECK(failures / 5 == Approx(112).epsilon(0.20));
}

TEST_CASE("an elastic job restarts with fewer data-parallel replicas instead of waiting for repair",
          "[engine][failures]") {
  // 4 servers, tp 8 x dp 4, min_dp 2; server s1 fails at 2.5 h for 2 days, no spare. With 3
  // servers left, dp 3 does not divide the batch of 64, so the job restarts with dp 2 after
  // detection + restart (15 min) and runs the unsaved work at the dp-2 step time.
  Scenario s = load(R"(name: elastic
horizon: 30d
sites:
  - name: a
    clusters: [{gpu: h100-sxm, servers: 4}]
models:
  m: {layers: 2, hidden: 1024, heads: 8, ffn: 4096, vocab: 1000, seq: 1000}
workloads:
  training:
    - {name: j, model: m, gpus: 32, global_batch: 64, steps: 2e7, checkpoint: {interval: 1h},
       parallelism: {tp: 8, dp: 4, min_dp: 2}}
failures:
  detection: 5min
  restart: 10min
  events:
    - {at: 2.5h, target: a/main/s1, kind: server, duration: 2d}
)");
  SimulationResult r = run_simulation(s);
  const JobResult& j = r.jobs[0];
  const HardwareProfile& h100 = builtin_hardware_profiles().at("h100-sxm");
  const ClusterLinks links = ClusterLinks::of(s.sites[0].clusters[0]);
  TrainingJobSpec full = s.training[0], half = s.training[0];
  half.gpus = 16, half.parallelism.dp = 2;
  const double t_full = training_step(*s.find_model("m"), full, h100, links).time_to_train_s;
  const double t_half = training_step(*s.find_model("m"), half, h100, links).time_to_train_s;
  REQUIRE(j.state == JobState::Finished);
  CHECK(j.interruptions == 1);
  CHECK(j.gpus_last_attempt == 16);
  CHECK(j.servers == 2);
  // 2 h of the full-size run were saved: the rest is (1 - 2h / t_full) of the work at the dp-2 pace.
  CHECK(j.end_s == Approx(2.75 * 3600 + (1 - 7200 / t_full) * t_half).epsilon(1e-9));
}

TEST_CASE("interval auto is never below 1 s nor below horizon / 1e6 checkpoints", "[engine][failures][hardening]") {
  // Checkpoint 367 MB written at 1000 PB/s = 3.67e-10 s; software failures at 0.01/h per GPU give the
  // 8-GPU job an MTBF of 45,000 s, so Young/Daly is sqrt(2 x 3.67e-10 x 45000) = 5.7 ms: without the
  // floor, a checkpoint every 5.7 ms (limits::kMaxCheckpoints, docs/failures.md).
  const std::string file =
      small_job_file("auto-floor", "    - {name: j, model: m, gpus: 8, global_batch: 8, steps: 100, checkpoint: {interval: auto}}\n"
                                   "failures: {detection: 0s, restart: 0s, components: {software: {rate: 0.01/h}}}\n");
  REQUIRE(young_daly_interval(checkpoint_bytes(small_model()) / 1e18, 45000) < 1e-2);
  const std::string fast = " --set 'sites[0].clusters[0].storage.write_bandwidth=1000PB/s'";
  // 1 day: horizon / 1e6 = 0.0864 s, so the 1 s floor of a given interval.
  CHECK(run_summary(file + fast + " --set horizon=1d", "auto-floor-1d")["jobs"][0]["checkpoint_interval_s"] == 1.0);
  // 3650 days: 3650 x 86400 / 1e6 = 315.36 s.
  CHECK(run_summary(file + fast, "auto-floor-3650d")["jobs"][0]["checkpoint_interval_s"].get<double>() ==
        Approx(315.36).epsilon(1e-12));
}
