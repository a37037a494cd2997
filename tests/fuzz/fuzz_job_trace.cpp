// libFuzzer target: a training-job CSV (workloads.training_trace), named by
// scenarios/regional/center-plus-four-nodes.yaml (whose sites and models the seeds
// use) and read by the loader, wherever the loader reads it: going through the
// scenario keeps this harness independent of the reader's own signature.
#include <cstdint>
#include <fstream>
#include <sstream>
#include <string>

#include "fuzz_support.hpp"
#include "rcn/scenario/loader.hpp"

namespace {

// The regional scenario, its training_trace pointing at input_dir()/jobs.csv.
const std::string& scenario_text() {
  static const std::string text = [] {
    std::ifstream in(RCN_SCENARIOS_DIR "/regional/center-plus-four-nodes.yaml");
    std::stringstream ss;
    ss << in.rdbuf();
    std::string t = ss.str();
    const std::string key = "training_trace: ";
    const std::size_t at = t.find(key);
    if (at == std::string::npos) rcn::fuzz::fail("the context scenario names no training_trace");
    const std::size_t eol = t.find('\n', at);
    return t.replace(at + key.size(), eol - at - key.size(), "jobs.csv");
  }();
  return text;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  rcn::fuzz::write_input_file(rcn::fuzz::as_text(data, size), "jobs.csv");
  try {
    rcn::LoadResult r = rcn::load_scenario_text(scenario_text(), "fuzz.yaml", {}, rcn::fuzz::input_dir().string());
    rcn::fuzz::check_diagnostics(r.diagnostics);
    if (r.scenario)
      for (const auto& j : r.scenario->training)
        if (!(j.submit >= 0 && j.gpus > 0)) rcn::fuzz::fail("job " + j.name + " read without error, yet out of range");
  } catch (const rcn::InputError& e) {
    rcn::fuzz::check_diagnostics(e.diagnostics);
  }
  return 0;
}
