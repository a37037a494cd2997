// Prints docs/validation.md: `build/sim/bench/rcn-validation-report > docs/validation.md`
// (run from the repository root, or pass it as the first argument).
#include <fmt/format.h>

#include "rcn/report/validation_report.hpp"

int main(int argc, char** argv) {
  const std::string root = argc > 1 ? argv[1] : ".";
  fmt::print("{}", rcn::validation_markdown(rcn::validation_rows(root), rcn::gemm_leave_one_out_rows()));
  return 0;
}
