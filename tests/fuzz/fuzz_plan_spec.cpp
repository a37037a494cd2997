// libFuzzer target: a plan file (rcnsim plan PLAN.yaml); base paths resolve
// against scenarios/plans/ like the seeds'. The base scenario is not loaded.
#include <cstdint>
#include <string>

#include "fuzz_support.hpp"
#include "rcn/plan/plan_spec.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  rcn::Diagnostics diags;
  const rcn::PlanSpec spec =
      rcn::load_plan_text(rcn::fuzz::as_text(data, size), "fuzz-plan.yaml", RCN_SCENARIOS_DIR "/plans", diags);
  rcn::fuzz::check_diagnostics(diags);
  if (diags.has_errors()) return 0;
  if (spec.point_count() == 0 || spec.seeds.empty() || spec.objective.empty())
    rcn::fuzz::fail("a plan without points, seeds or objective read without error");
  if (static_cast<std::int64_t>(spec.point_count()) > spec.max_points || spec.max_points > rcn::kMaxPlanPoints)
    rcn::fuzz::fail("a plan with more points than its limit read without error");
  if (spec.pareto_x == spec.pareto_y) rcn::fuzz::fail("a Pareto front of one metric read without error");
  // The first and last points enumerate every variable.
  if (spec.point(0).size() != spec.variables.size() || spec.point(spec.point_count() - 1).size() != spec.variables.size())
    rcn::fuzz::fail("a point without a value for every variable");
  return 0;
}
