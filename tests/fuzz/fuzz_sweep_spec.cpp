// libFuzzer target: a sweep file (rcnsim sweep SWEEP.yaml); base paths resolve
// against scenarios/sweeps/ like the seeds'. The base scenario is not loaded.
#include <cstdint>
#include <set>
#include <string>

#include "fuzz_support.hpp"
#include "rcn/sweep/sweep_spec.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  rcn::Diagnostics diags;
  try {
    const rcn::SweepSpec spec =
        rcn::load_sweep_text(rcn::fuzz::as_text(data, size), "fuzz-sweep.yaml", RCN_SCENARIOS_DIR "/sweeps", diags);
    if (!diags.has_errors() && (spec.points.empty() || spec.seeds.empty()))
      rcn::fuzz::fail("a sweep without points or seeds read without error");
    // sweep.csv's parameter headers are never two equal columns.
    if (!diags.has_errors()) {
      const auto cols = rcn::parameter_columns(spec);
      const std::set<std::string> distinct(cols.begin(), cols.end());
      if (distinct.size() != cols.size()) rcn::fuzz::fail("two sweep.csv parameter columns have one name");
    }
  } catch (const rcn::InputError& e) {
    rcn::fuzz::check_diagnostics(e.diagnostics);
  }
  rcn::fuzz::check_diagnostics(diags);
  return 0;
}
