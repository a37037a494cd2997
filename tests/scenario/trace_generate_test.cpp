// `rcnsim trace generate` argument checks (issue #10 item 12): every accepted
// value ends, every refused one says why with exit status 2.
#include <catch2/catch.hpp>

#include <algorithm>

#include "src/scenario/job_trace.hpp"
#include "tests/test_support.hpp"

using namespace rcn;

TEST_CASE("trace generate --max-gpus 2000000000 is refused instead of looping forever", "[cli][trace]") {
  auto r = test::run_command("timeout 20 " + test::rcnsim_binary() + " trace generate --max-gpus 2000000000");
  CHECK(r.status == 2);
  CHECK(r.output == "rcnsim trace generate: --max-gpus 2000000000: expected a power of two in [8, 16000000]\n");
  r = test::run_command("timeout 20 " + test::rcnsim_binary() + " trace generate --jobs 0");
  CHECK(r.status == 2);
  CHECK(r.output == "rcnsim trace generate: --jobs 0: expected an integer in [1, 20000000]\n");
  r = test::run_command("timeout 20 " + test::rcnsim_binary() + " trace generate --jobs 3 --max-gpus 8388608");
  CHECK(r.status == 0);
  CHECK(std::count(r.output.begin(), r.output.end(), '\n') == 4);
}

TEST_CASE("trace generate arguments: powers of two, bounded counts, a finite span", "[trace]") {
  CHECK_FALSE(check_trace_generate_args(100, 6.0 / 3600, 512));
  CHECK(check_trace_generate_args(100, 1, 12).value() == "--max-gpus 12: expected a power of two in [8, 16000000]");
  CHECK(check_trace_generate_args(100, 1, 4).has_value());
  CHECK(check_trace_generate_args(100, 1, std::int64_t{1} << 24).has_value());  // 16777216 > 16000000
  CHECK_FALSE(check_trace_generate_args(100, 1, std::int64_t{1} << 23));
  CHECK(check_trace_generate_args(20'000'001, 1, 8).has_value());
  CHECK(check_trace_generate_args(10, 1e-12, 8).value().rfind("--rate: 10 jobs at this rate span", 0) == 0);
  // The largest accepted size is reached, and generation ends (the int loop overflowed at 2^31).
  const std::string csv = generate_job_trace(200, 1, std::int64_t{1} << 23, "m", {}, 1);
  CHECK(std::count(csv.begin(), csv.end(), '\n') == 201);
}
