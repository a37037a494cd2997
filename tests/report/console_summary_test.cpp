// The console summary: long tables show their first and worst rows and point to
// the CSV; inference and reliability blocks carry the run's numbers.
#include <catch2/catch.hpp>

#include <string>

#include "rcn/report/console_summary.hpp"
#include "rcn/scenario/diagnostics.hpp"

using namespace rcn;

namespace {

std::size_t count(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (std::size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

// 1,987 finished jobs job0..job1986, job k waited k seconds; job 40 is still queued.
SimulationResult many_jobs() {
  SimulationResult r;
  r.scenario = "many";
  r.simulated_end_s = r.horizon_s = 1e6;
  for (int k = 0; k < 1987; ++k) {
    JobResult j;
    j.name = "job" + std::to_string(k);
    j.state = JobState::Finished;
    j.site = "c";
    j.gpus = 8;
    j.submit_s = 0;
    j.start_s = j.queue_wait_s = k;
    j.end_s = k + 10.0;
    j.time_to_train_s = 10;
    r.jobs.push_back(j);
  }
  r.jobs[40].state = JobState::Queued;
  r.jobs[40].start_s = r.jobs[40].end_s = -1;
  return r;
}

}  // namespace

TEST_CASE("a 1987-row job table shows its first 5 and 5 worst rows and names jobs.csv") {
  const std::string out = summary_table(many_jobs(), "res");
  CHECK(out.find("1987 training jobs: 1986 finished, 1 queued\n") != std::string::npos);
  CHECK(count(out, "\njob") == 1 + 5 + 5);  // header, first 5, worst 5
  for (const char* first : {"\njob0 ", "\njob4 "}) CHECK(out.find(first) != std::string::npos);
  CHECK(out.find("\njob5 ") == std::string::npos);
  // Worst: the queued job first, then the longest waits (job1986 .. job1983), in table order.
  for (const char* worst : {"\njob40 ", "\njob1986 ", "\njob1985 ", "\njob1984 ", "\njob1983 "})
    CHECK(out.find(worst) != std::string::npos);
  CHECK(out.find("\njob1982 ") == std::string::npos);
  CHECK(out.find("all 1987 jobs in res/jobs.csv") != std::string::npos);
  CHECK(out.find("unschedulable") == std::string::npos);
}

TEST_CASE("a short job table is printed whole, and not-submitted fits its column") {
  SimulationResult r = many_jobs();
  r.jobs.resize(3);
  r.jobs[2].state = JobState::NotSubmitted;
  r.jobs[2].start_s = r.jobs[2].end_s = -1;
  r.jobs[2].site = "";
  const std::string out = summary_table(r);
  CHECK(out.find("jobs.csv") == std::string::npos);
  // Every row of the table has the same width up to the site column: the state column holds 13 characters.
  const std::size_t row = out.find("\njob2 ");
  REQUIRE(row != std::string::npos);
  CHECK(out.substr(row + 1, 34) == "job2               not-submitted -");
}

TEST_CASE("the inference block gives requests, drops by reason, latency percentiles and SLO attainment") {
  SimulationResult r;
  InferenceServiceResult sv;
  sv.service = "chat";
  sv.replicas = sv.replicas_peak = 2;
  sv.gpu_utilisation = 0.25;
  sv.drop_reasons = "queue-full=7;exceeds KV cache=3";
  r.services.push_back(sv);
  InferenceRegionResult g;
  g.service = "chat";
  g.region = "east";
  g.requests = 110;
  g.completed = 100;
  g.dropped = 10;
  g.ttft_p50 = 0.2;
  g.ttft_p99 = 1.5;
  g.tpot_p50 = 0.025;
  g.tpot_p99 = 0.08;
  g.slo_attainment = 0.93;
  r.inference.push_back(g);
  const std::string out = summary_table(r);
  CHECK(out.find("chat             east             110       100       10   200.0 ms     1.50 s    25.0 ms    80.0 ms    "
                 "93.0%") != std::string::npos);
  CHECK(out.find("chat: 2 replicas at start, GPU utilisation 25.0%, dropped: queue-full 7, exceeds KV cache 3") !=
        std::string::npos);
}

TEST_CASE("a reliability line per job that failures touched") {
  SimulationResult r = many_jobs();
  r.jobs.resize(2);
  JobResult& j = r.jobs[1];
  j.interruptions = 3;
  j.interruptions_by_cause = {{"gpu", 2}, {"nic", 1}};
  j.goodput = 0.9;
  j.lost_work_s = 7200;
  j.restart_overhead_s = 1800;
  j.checkpoints = 1;
  j.checkpoint_overhead_s = 60;
  const std::string out = summary_table(r);
  CHECK(out.find("  job1: 3 interruptions (gpu 2, nic 1), goodput 90.0%, lost work 2.00 h, restarts 30.0 min, "
                 "1 checkpoint (overhead 60.00 s)\n") != std::string::npos);
  CHECK(out.find("  job0:") == std::string::npos);
}

TEST_CASE("identical diagnostic lines are printed once with their count") {
  Diagnostics d;
  for (int i = 0; i < 13; ++i) d.warning(SourceLoc{"a.yaml", 3, 4}, "x", "same");
  d.warning(SourceLoc{"a.yaml", 5, 1}, "y", "other");
  d.error(SourceLoc{"a.yaml", 3, 4}, "x", "same");  // an error is not the warning
  const auto lines = d.lines();
  REQUIRE(lines.size() == 3);
  CHECK(lines[0] == "a.yaml:3:4: warning: x: same (x13)");
  CHECK(lines[1] == "a.yaml:5:1: warning: y: other");
  CHECK(lines[2] == "a.yaml:3:4: error: x: same");
}
