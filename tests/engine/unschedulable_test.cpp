// A job that needs more servers than any cluster it may use has for training
// (here: inference replicas hold some servers all run long) ends `unschedulable`
// with its reason, not `queued` for ever; one that fits stays as it was.
#include <catch2/catch.hpp>

#include "rcn/engine/simulation.hpp"
#include "rcn/report/result_files.hpp"
#include "tests/load_scenario.hpp"
#include "tests/test_support.hpp"

using namespace rcn;

namespace {

// tests/data/scenarios/replicas-hold-servers.yaml: replicas hold 2 of 4 servers all run long;
// `small` fits in the other 2, `big` needs all 4.
// (Under fifo a big job at the head of the queue would hold back the jobs behind it.)
Scenario replicas_hold_servers() {
  return test::load_scenario(test::read_text(test::source_path("tests/data/scenarios/replicas-hold-servers.yaml")),
                             "u.yaml");
}

}  // namespace

TEST_CASE("a job larger than the servers left for training ends unschedulable, with its reason") {
  const SimulationResult r = run_simulation(replicas_hold_servers());
  REQUIRE(r.jobs.size() == 2);
  const JobResult& big = r.jobs[1];
  CHECK(big.state == JobState::Unschedulable);
  CHECK(big.start_s < 0);
  CHECK(big.unschedulable_reason.find("a/main: 2 of its 4 servers, 4 needed") != std::string::npos);
  CHECK(r.jobs[0].state == JobState::Finished);  // fits in the 2 free servers
  // The result files say so too: jobs.csv's state column and summary.json's reason.
  CHECK(jobs_csv(r).find("\nbig,llama3-8b,unschedulable,") != std::string::npos);
  CHECK(summary_json(r).find("\"unschedulable_reason\": \"more servers than any cluster") != std::string::npos);
  CHECK(summary_table(r).find("1 finished, 1 unschedulable") != std::string::npos);
}

// 4 servers; s1 fails at 30 min and is repaired only after the 2 h horizon (the
// reviewer's case of 2026-12-01). One engine per process: one run per TEST_CASE.
const char* kRepairPending = R"(name: repair
horizon: 2h
sites:
  - {name: a, clusters: [{name: main, gpu: h100-sxm, servers: 4}]}
models:
  m: {layers: 2, hidden: 1024, heads: 8, ffn: 4096, vocab: 1000, seq: 1000}
failures:
  events:
    - {at: 30min, target: a/main/s1, kind: server, duration: 2h}
workloads:
  training:
)";

TEST_CASE("a job waiting for a server in repair stays queued, not unschedulable") {
  // `big` needs all 4 servers from 1 h on: it could start once s1 is back.
  const SimulationResult r = run_simulation(test::load_scenario(
      std::string(kRepairPending) + "    - {name: big, model: m, submit: 1h, gpus: 32, global_batch: 32, duration: 10min}\n",
      "r.yaml"));
  REQUIRE(r.jobs.size() == 1);
  CHECK(r.failures.size() == 1);
  CHECK(r.jobs[0].state == JobState::Queued);
}

TEST_CASE("a job that ran and waits again after a failure is never unschedulable") {
  const SimulationResult r = run_simulation(test::load_scenario(
      std::string(kRepairPending) + "    - {name: big, model: m, submit: 0s, gpus: 32, global_batch: 32, duration: 90min}\n",
      "r.yaml"));
  REQUIRE(r.jobs.size() == 1);
  CHECK(r.jobs[0].start_s == 0);
  CHECK(r.jobs[0].interruptions == 1);
  CHECK(r.jobs[0].state == JobState::Queued);
}
