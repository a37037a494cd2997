// libFuzzer target: a scenario file through every check `rcnsim validate` makes
// (loader, topology, scheduler policy). Nothing is run, so it does thousands of
// inputs a second; fuzz_scenario_run runs the ones that validate.
#include <cstdint>
#include <string>

#include "fuzz_support.hpp"
#include "rcn/engine/checked_scenario.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text = rcn::fuzz::as_text(data, size);
  try {
    // base_dir = scenarios/: the seeds' relative trace paths resolve.
    rcn::LoadResult r = rcn::load_checked_text(text, "fuzz.yaml", {}, RCN_SCENARIOS_DIR);
    rcn::fuzz::check_diagnostics(r.diagnostics);
    if (r.scenario.has_value() == r.diagnostics.has_errors())
      rcn::fuzz::fail("a scenario came back with errors, or none without");
  } catch (const rcn::InputError& e) {
    rcn::fuzz::check_diagnostics(e.diagnostics);
  }
  return 0;
}
