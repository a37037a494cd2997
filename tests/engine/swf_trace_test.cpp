// SWF job traces (Parallel Workloads Archive format) replayed by the engine: a
// hand-computed FIFO schedule, header comments honoured, bad lines located
// without echoing the file.
#include <catch2/catch.hpp>

#include <fstream>

#include "rcn/engine/simulation.hpp"
#include "rcn/scenario/loader.hpp"
#include "tests/test_support.hpp"

using namespace rcn;

namespace {

// One site of 2 H100 servers (16 GPUs); one processor of the trace = 8 GPUs (one server).
const char* const kScenario = R"(name: swf
horizon: 1d
sites:
  - {name: a, clusters: [{name: main, gpu: h100-sxm, servers: 2}]}
models:
  m: {layers: 4, hidden: 512, heads: 8, vocab: 1000, seq: 128}
workloads:
  training_trace: {file: jobs.swf, format: swf, model: m, gpus_per_processor: 8}
scheduler: {policy: fifo}
)";

LoadResult load_with(const std::string& dir, const std::string& swf) {
  std::ofstream(dir + "/jobs.swf", std::ios::binary) << swf;
  return load_scenario_text(kScenario, "swf.yaml", {}, dir);
}

std::vector<std::string> errors_of(const LoadResult& r) {
  std::vector<std::string> out;
  for (const auto& d : r.diagnostics.items())
    if (d.severity == Diagnostic::Severity::Error) out.push_back(d.str());
  return out;
}

// job, submit, wait, run, alloc procs, cpu, mem, req procs, req time, req mem, status, user, group,
// exe, queue, partition, preceding, think
const char* const kTrace =
    "; Version: 2.2\n"
    "; UnixStartTime: 1700000000\n"
    "; MaxProcs: 2\n"
    ";\n"
    "1   0 -1 100 1 -1 -1 1 -1 -1 1 7 -1 -1 -1 -1 -1 -1\n"
    "2  10 -1  50 2 -1 -1 2 -1 -1 1 7 -1 -1 -1 -1 -1 -1\n"
    "3  20 -1  30 -1 -1 -1 1 -1 -1 1 8 -1 -1 -1 -1 -1 -1\n"  // allocated unknown: requested processors
    "4  30 -1  -1 1 -1 -1 1 -1 -1 5 8 -1 -1 -1 -1 -1 -1\n"   // cancelled, never ran: skipped
    "5  40 -1  10 1 -1 -1 1 -1 -1 1 9 -1 -1 -1 -1 -1 -1\n";

}  // namespace

TEST_CASE("an SWF trace replays to the hand-computed FIFO schedule", "[engine][swf]") {
  const std::string dir = test::scratch_dir("swf-replay");
  const LoadResult loaded = load_with(dir, kTrace);
  for (const auto& e : errors_of(loaded)) UNSCOPED_INFO(e);
  REQUIRE(loaded.scenario);
  const Scenario& s = *loaded.scenario;
  REQUIRE(s.training.size() == 4);  // job 4 never ran
  CHECK(s.training[0].name == "swf-1");
  CHECK(s.training[0].gpus == 8);
  CHECK(s.training[1].gpus == 16);
  CHECK(s.training[2].gpus == 8);
  CHECK(s.training[3].user == "user9");
  const SimulationResult r = run_simulation(s);
  // 1 (1 server) runs 0-100. 2 needs both servers: waits for 1, runs 100-150. FIFO: 3 waits
  // behind 2 although a server is free from 20 s, then runs 150-180; 5 takes the other server 150-160.
  const std::vector<std::pair<double, double>> expected{{0, 100}, {100, 150}, {150, 180}, {150, 160}};
  REQUIRE(r.jobs.size() == expected.size());
  for (std::size_t i = 0; i < expected.size(); ++i) {
    INFO(r.jobs[i].name);
    CHECK(r.jobs[i].state == JobState::Finished);
    CHECK(r.jobs[i].start_s == Approx(expected[i].first).margin(1e-6));
    CHECK(r.jobs[i].end_s == Approx(expected[i].second).margin(1e-6));
  }
}

TEST_CASE("SWF header comments are honoured: MaxProcs bounds the jobs, MaxRecords the lines", "[loader][swf]") {
  const std::string dir = test::scratch_dir("swf-header");
  const std::string job3procs = "1 0 -1 100 3 -1 -1 3 -1 -1 1 7 -1 -1 -1 -1 -1 -1\n";
  CHECK(errors_of(load_with(dir, "; MaxProcs: 2\n" + job3procs)) ==
        std::vector<std::string>{dir + "/jobs.swf:2:12: error: allocated processors (field 5): 3 processors, "
                                       "more than the header's MaxProcs (2)"});
  const std::string job = "1 0 -1 100 1 -1 -1 1 -1 -1 1 7 -1 -1 -1 -1 -1 -1\n";
  CHECK(errors_of(load_with(dir, "; MaxRecords: 1\n" + job + job)) ==
        std::vector<std::string>{dir + "/jobs.swf:3:1: error: more jobs than the header's MaxRecords/MaxJobs (1)"});
  CHECK(errors_of(load_with(dir, "; MaxProcs: lots\n" + job)) ==
        std::vector<std::string>{dir + "/jobs.swf:1:1: error: MaxProcs: expected a whole number in [0, 1e15]"});
}

TEST_CASE("bad SWF lines are located, bounded in number, and never echoed", "[loader][swf]") {
  const std::string dir = test::scratch_dir("swf-errors");
  const auto errs = errors_of(load_with(dir, "1 0 -1 SECRET 1 -1 -1 1 -1 -1 1 7 -1 -1 -1 -1 -1 -1\n"
                                             "2 0 -1 10 1\n"
                                             "3 nan -1 10 1 -1 -1 1 -1 -1 1 7 -1 -1 -1 -1 -1 -1\n"
                                             "4 0 -1 10 99999999999 -1 -1 1 -1 -1 1 7 -1 -1 -1 -1 -1 -1\n"));
  CHECK(errs == std::vector<std::string>{
                    dir + "/jobs.swf:1:8: error: run time (field 4): expected a decimal number in [-1, 31536000000]",
                    dir + "/jobs.swf:2:1: error: expected 18 fields (SWF), got 5",
                    dir + "/jobs.swf:3:3: error: submit time (field 2): expected a decimal number in [0, 31536000000]",
                    dir + "/jobs.swf:4:11: error: allocated processors (field 5): expected a decimal integer in [-1, 16000000]"});
  for (const auto& e : errs) CHECK(e.find("SECRET") == std::string::npos);
  // A file of nothing but bad lines stops after 50 errors.
  std::string many;
  for (int i = 0; i < 200; ++i) many += "x\n";
  const auto capped = errors_of(load_with(dir, many));
  REQUIRE(capped.size() == 51);
  CHECK(capped.back() == dir + "/jobs.swf:51:1: error: stopping after 50 errors in this file");
}

TEST_CASE("SWF job numbers are decimal integers, each used once", "[loader][swf]") {
  const std::string dir = test::scratch_dir("swf-job-numbers");
  const std::string rest = " 0 -1 10 1 -1 -1 1 -1 -1 1 7 -1 -1 -1 -1 -1 -1\n";
  const auto errs = errors_of(load_with(dir, "1" + rest + "2" + rest + "1" + rest + "1.4" + rest + "0x10" + rest +
                                             "-3" + rest + "1e2" + rest + " 2" + rest));
  CHECK(errs == std::vector<std::string>{
                    dir + "/jobs.swf:3:1: error: job number (field 1): duplicate job number 1 (first on line 1)",
                    dir + "/jobs.swf:4:1: error: job number (field 1): expected a decimal integer in [0, 1000000000000000]",
                    dir + "/jobs.swf:5:1: error: job number (field 1): expected a decimal integer in [0, 1000000000000000]",
                    dir + "/jobs.swf:6:1: error: job number (field 1): expected a decimal integer in [0, 1000000000000000]",
                    dir + "/jobs.swf:7:1: error: job number (field 1): expected a decimal integer in [0, 1000000000000000]",
                    dir + "/jobs.swf:8:2: error: job number (field 1): duplicate job number 2 (first on line 2)"});
  // Integer fields refuse hex and fractions; time fields take decimal fractions but not hex.
  const auto more = errors_of(load_with(dir, "1 0 -1 10 0x1 -1 -1 1 -1 -1 1 7 -1 -1 -1 -1 -1 -1\n"
                                             "2 0 -1 10 1 -1 -1 1.5 -1 -1 1 7 -1 -1 -1 -1 -1 -1\n"
                                             "3 0 -1 10 1 -1 -1 1 -1 -1 1 7.0 -1 -1 -1 -1 -1 -1\n"
                                             "4 0x2 -1 10 1 -1 -1 1 -1 -1 1 7 -1 -1 -1 -1 -1 -1\n"
                                             "5 +1 -1 inf 1 -1 -1 1 -1 -1 1 7 -1 -1 -1 -1 -1 -1\n"));
  CHECK(more == std::vector<std::string>{
                    dir + "/jobs.swf:1:11: error: allocated processors (field 5): expected a decimal integer in [-1, 16000000]",
                    dir + "/jobs.swf:2:19: error: requested processors (field 8): expected a decimal integer in [-1, 16000000]",
                    dir + "/jobs.swf:3:29: error: user id (field 12): expected a decimal integer in [-1, 1000000000000000]",
                    dir + "/jobs.swf:4:3: error: submit time (field 2): expected a decimal number in [0, 31536000000]",
                    dir + "/jobs.swf:5:3: error: submit time (field 2): expected a decimal number in [0, 31536000000]",
                    dir + "/jobs.swf:5:9: error: run time (field 4): expected a decimal number in [-1, 31536000000]"});
  // Fractional and exponent times are valid SWF and load.
  const LoadResult ok = load_with(dir, "1 0.5 -1 10.25 1 -1 -1 1 -1 -1 1 7 -1 -1 -1 -1 -1 -1\n"
                                       "2 1e1 -1 2.5E1 1 -1 -1 1 -1 -1 1 7 -1 -1 -1 -1 -1 -1\n");
  for (const auto& e : errors_of(ok)) UNSCOPED_INFO(e);
  REQUIRE(ok.scenario);
  REQUIRE(ok.scenario->training.size() == 2);
  CHECK(ok.scenario->training[0].submit == 0.5);
  CHECK(*ok.scenario->training[0].duration == 10.25);
  CHECK(ok.scenario->training[1].submit == 10);
  CHECK(*ok.scenario->training[1].duration == 25);
}
