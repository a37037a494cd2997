// libFuzzer target: a training-job CSV (workloads.training_trace) read against
// scenarios/regional/center-plus-four-nodes.yaml, whose sites and models the
// seeds name.
#include <cstdint>
#include <string>

#include "fuzz_support.hpp"
#include "rcn/scenario/loader.hpp"
#include "src/scenario/job_trace.hpp"

namespace {

const rcn::Scenario& context_scenario() {
  static const rcn::Scenario s = [] {
    rcn::LoadResult r = rcn::load_scenario_file(RCN_SCENARIOS_DIR "/regional/center-plus-four-nodes.yaml");
    if (!r.scenario) rcn::fuzz::fail("the context scenario does not load");
    return *r.scenario;
  }();
  return s;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const rcn::Scenario& s = context_scenario();
  const std::string path = rcn::fuzz::write_input_file(rcn::fuzz::as_text(data, size), "jobs.csv");
  rcn::Diagnostics diags;
  try {
    const auto jobs = rcn::read_job_trace(path, s, diags);
    if (!diags.has_errors())
      for (const auto& j : jobs)
        if (!(j.submit >= 0 && j.gpus > 0)) rcn::fuzz::fail("job " + j.name + " read without error, yet out of range");
  } catch (const rcn::InputError& e) {
    rcn::fuzz::check_diagnostics(e.diagnostics);
  }
  rcn::fuzz::check_diagnostics(diags);
  return 0;
}
