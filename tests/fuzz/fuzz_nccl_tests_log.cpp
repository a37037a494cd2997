// libFuzzer target: an nccl-tests log (rcnsim-calibrate's import), with the op
// detected from the log's own lines.
#include <cmath>
#include <cstdint>
#include <string>

#include "fuzz_support.hpp"
#include "rcn/calibrate/nccl_tests_import.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  rcn::Diagnostics diags;
  try {
    const rcn::NcclTestsImport imp = rcn::import_nccl_tests(rcn::fuzz::as_text(data, size), "nccl.log", "", diags);
    for (const std::string& note : imp.notes)
      if (note.find('\n') != std::string::npos) rcn::fuzz::fail("note of more than one line: " + note);
  } catch (const rcn::InputError& e) {
    rcn::fuzz::check_diagnostics(e.diagnostics);
  }
  rcn::fuzz::check_diagnostics(diags);
  return 0;
}
