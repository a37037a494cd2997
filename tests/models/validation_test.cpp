// Validation against published and measured figures the models were not
// tuned on; each row names its source and tolerance (src/report/validation_report.cpp).
#include <catch2/catch.hpp>

#include <cmath>

#include "rcn/report/validation_report.hpp"
#include "tests/test_support.hpp"

using namespace rcn;

TEST_CASE("validation: GPT-3 days, Megatron 1T TFLOP/s, 8-GPU all-reduce bus bandwidth", "[validation][models]") {
  for (const ValidationRow& r : validation_rows(RCN_SOURCE_DIR)) {
    INFO(r.what << ": rcnsim " << r.model << " vs " << r.reference << " (" << r.source << ")");
    CHECK(r.within());
  }
}

TEST_CASE("validation: H200 GEMM model predicts held-out transformer shapes within 10%", "[validation][models]") {
  const auto rows = gemm_leave_one_out_rows();
  REQUIRE(rows.size() >= 30);
  int inside = 0;
  for (const auto& r : rows) {
    INFO(r.what << ": predicted " << r.model << " measured " << r.reference);
    inside += r.within();
    CHECK(std::fabs(r.error()) < 0.20);
  }
  CHECK(inside >= 0.9 * rows.size());
}
