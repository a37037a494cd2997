// libFuzzer target: a scenario that validates is also run, and its results must
// not lie (fuzz_run.hpp, docs/reliability.md "Semantic checks").
#include <cstdint>
#include <optional>
#include <string>

#include "fuzz_run.hpp"
#include "rcn/engine/checked_scenario.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text = rcn::fuzz::as_text(data, size);
  std::optional<rcn::Scenario> scenario;
  try {
    rcn::LoadResult r = rcn::load_checked_text(text, "fuzz.yaml", {}, RCN_SCENARIOS_DIR);
    rcn::fuzz::check_diagnostics(r.diagnostics);
    scenario = std::move(r.scenario);
  } catch (const rcn::InputError& e) {
    rcn::fuzz::check_diagnostics(e.diagnostics);
  }
  if (scenario && rcn::fuzz::small_enough(*scenario)) rcn::fuzz::run_and_check(*scenario);
  return 0;
}
