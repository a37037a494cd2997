// The job trace (workloads.training_trace) and the inference request trace
// (arrivals.trace): every value range-checked when the scenario loads, each
// error at the CSV's file:line:col with the column's name.
#include <catch2/catch.hpp>

#include <fmt/format.h>

#include <fstream>

#include "rcn/scenario/loader.hpp"
#include "src/scenario/request_trace.hpp"
#include "tests/test_support.hpp"

using namespace rcn;

namespace {

const char* const kBase = test::kOneSiteScenario;

std::vector<std::string> errors_of(const Diagnostics& d) {
  std::vector<std::string> out;
  for (const auto& item : d.items()) {
    UNSCOPED_INFO(item.str());
    if (item.severity == Diagnostic::Severity::Error) out.push_back(item.str());
  }
  return out;
}

// Loads the base scenario with a job trace of `csv`; returns its errors.
std::vector<std::string> job_trace_errors(const std::string& dir, const std::string& csv) {
  std::ofstream(dir + "/jobs.csv", std::ios::binary) << csv;
  const LoadResult r =
      load_scenario_text(std::string(kBase) + "workloads: {training_trace: jobs.csv}\n", "t.yaml", {}, dir);
  return errors_of(r.diagnostics);
}

std::vector<std::string> request_trace_errors(const std::string& csv, std::vector<TraceRequest>* rows = nullptr) {
  Diagnostics d;
  auto r = parse_request_trace(csv, "req.csv", d);
  if (rows) *rows = r;
  return errors_of(d);
}

}  // namespace

TEST_CASE("a job trace's gpus of 1e20 is refused, not cast to a negative count", "[loader][trace]") {
  const std::string dir = test::scratch_dir("job-trace-gpus");
  const std::string header = "name,submit,user,gpus,model,duration\n";
  CHECK(job_trace_errors(dir, header + "j0,0s,u1,8,m,1h\nj1,10s,u10,1e20,m,1h\n") ==
        std::vector<std::string>{dir + "/jobs.csv:3:12: error: gpus: expected an integer in [1, 2000000000], got \"1e20\""});
  CHECK(job_trace_errors(dir, header + "j1,10s,u10,nan,m,1h\n") ==
        std::vector<std::string>{dir + "/jobs.csv:2:12: error: gpus: expected an integer in [1, 2000000000], got \"nan\""});
  CHECK(job_trace_errors(dir, header + "j1,10s,u10,8.5,m,1h\n") ==
        std::vector<std::string>{dir + "/jobs.csv:2:12: error: gpus: expected an integer in [1, 2000000000], got \"8.5\""});
}

TEST_CASE("a job trace's durations must be finite and positive", "[loader][trace]") {
  const std::string dir = test::scratch_dir("job-trace-durations");
  const std::string header = "name,submit,gpus,model,duration\n";
  const auto e = job_trace_errors(dir, header + "j,-1s,8,m,1h\nk,0s,8,m,0s\n");
  REQUIRE(e.size() == 2);
  CHECK(e[0] == dir + "/jobs.csv:2:3: error: submit: expected a value >= 0, got \"-1s\"");
  CHECK(e[1] == dir + "/jobs.csv:3:10: error: duration: expected a value > 0, got \"0s\"");
  CHECK(job_trace_errors(dir, header + "j,1e300y,8,m,1h\n").size() == 1);
}

TEST_CASE("a job trace with many bad rows stops after 50 errors", "[loader][trace]") {
  const std::string dir = test::scratch_dir("job-trace-many");
  std::string csv = "name,submit,gpus,model,duration\n";
  for (int i = 0; i < 200; ++i) csv += "j,0s,0,m,1h\n";
  const auto e = job_trace_errors(dir, csv);
  REQUIRE(e.size() == 51);
  CHECK(e.back() == dir + "/jobs.csv:52:1: error: stopping after 50 errors in this file");
}

TEST_CASE("request trace token counts that are not positive integers are errors at load time", "[loader][trace]") {
  const std::string header = "TIMESTAMP,ContextTokens,GeneratedTokens\n";
  CHECK(request_trace_errors(header + "2023-11-16 18:17:03.9799600,nan,10\n") ==
        std::vector<std::string>{
            "req.csv:2:29: error: ContextTokens: expected an integer in [1, 10000000], got \"nan\""});
  CHECK(request_trace_errors(header + "2023-11-16 18:17:03.9799600,12,ten\n") ==
        std::vector<std::string>{
            "req.csv:2:32: error: GeneratedTokens: expected an integer in [0, 10000000], got \"ten\""});
  CHECK(request_trace_errors(header + "2023-11-16 18:17:03,0,1\n2023-11-16 18:17:04,5,1e20\n") ==
        std::vector<std::string>{
            "req.csv:2:21: error: ContextTokens: expected an integer in [1, 10000000], got \"0\"",
            "req.csv:3:23: error: GeneratedTokens: expected an integer in [0, 10000000], got \"1e20\""});
  CHECK(request_trace_errors(header + "2023-11-16 18:17:03,5\n") ==
        std::vector<std::string>{"req.csv:2:22: error: GeneratedTokens: missing value"});
}

TEST_CASE("request trace timestamps are full dates: offsets from the earliest row, across a month's end",
          "[loader][trace]") {
  const std::string header = "TIMESTAMP,ContextTokens,GeneratedTokens\n";
  std::vector<TraceRequest> rows;
  // Not in time order: the second row is the earliest, and the last one is in the next month.
  REQUIRE(request_trace_errors(header + "2023-11-30 23:59:59.7500000,100,10\n"
                                        "2023-11-30 23:59:58.5,200,20\n"
                                        "2023-12-01 00:00:01,300,30\n",
                               &rows)
              .empty());
  REQUIRE(rows.size() == 3);
  CHECK(rows[0].at == 0);
  CHECK(rows[0].prompt_tokens == 200);
  CHECK(rows[1].at == Approx(1.25));
  CHECK(rows[1].prompt_tokens == 100);
  CHECK(rows[2].at == Approx(2.5));
  CHECK(rows[2].output_tokens == 30);
  // A leap day, and the end of a year.
  REQUIRE(request_trace_errors(header + "2024-02-28 23:00:00,1,1\n2024-03-01 00:00:00,1,1\n", &rows).empty());
  CHECK(rows[1].at == 25 * 3600);
  REQUIRE(request_trace_errors(header + "2023-12-31 23:59:59,1,1\n2024-01-01 00:00:00,1,1\n", &rows).empty());
  CHECK(rows[1].at == 1);
}

TEST_CASE("request trace timestamps that are not dates are errors", "[loader][trace]") {
  const std::string header = "TIMESTAMP,ContextTokens,GeneratedTokens\n";
  for (const char* ts : {"2023-02-29 00:00:00", "2023-11-16 24:00:00", "2023-11-16 18:17", "16/11/2023 18:17:03",
                         "2023-11-16 18:17:03.", "2023-11-16 18:17:03.5x"}) {
    CHECK(request_trace_errors(header + ts + ",1,1\n") ==
          std::vector<std::string>{fmt::format("req.csv:2:1: error: TIMESTAMP: expected a date and time "
                                               "YYYY-MM-DD HH:MM:SS[.fraction], got \"{}\"",
                                               ts)});
  }
}

TEST_CASE("a request trace needs its three columns and at least one request", "[loader][trace]") {
  CHECK(request_trace_errors("TIMESTAMP,ContextToken,GeneratedTokens\n2023-11-16 18:17:03,1,1\n") ==
        std::vector<std::string>{"req.csv:1:11: error: ContextToken: unknown column, did you mean ContextTokens?",
                                 "req.csv:1:1: error: missing column 'ContextTokens'"});
  CHECK(request_trace_errors("TIMESTAMP,ContextTokens,GeneratedTokens\n\n") ==
        std::vector<std::string>{"req.csv:1:1: error: the trace has no requests after its header"});
}

TEST_CASE("rcnsim validate reports a bad request trace (a run would have aborted in an actor)", "[loader][trace][cli]") {
  const std::string dir = test::scratch_dir("request-trace-cli");
  std::ofstream(dir + "/req.csv") << "TIMESTAMP,ContextTokens,GeneratedTokens\n2023-11-16 18:17:03,nan,10\n";
  std::ofstream(dir + "/t.yaml") << kBase
                                 << "workloads: {inference: [{name: s, model: m, replicas: {a: 1}, "
                                    "arrivals: {trace: req.csv}}]}\n";
  const auto r = test::run_command(test::rcnsim_binary() + " validate " + dir + "/t.yaml");
  CHECK(r.status == 2);
  CHECK(r.output == dir + "/req.csv:2:21: error: ContextTokens: expected an integer in [1, 10000000], got \"nan\"\n"
                          "1 error found; nothing was run\n");
}
