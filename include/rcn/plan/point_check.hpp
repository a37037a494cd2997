#pragma once
// The first pruning of a plan, without simulating: each point's scenario (the
// base with the point's --set values) goes through every check of `rcnsim
// validate` (rcn/engine/checked_scenario.hpp), so a point whose training jobs
// do not fit a cluster's GPU memory or GPU count, or whose value is invalid,
// is never run.
#include <string>
#include <vector>

#include "rcn/plan/plan_spec.hpp"

namespace rcn {

// Per point: "" when its scenario passes, else its first error as one line.
std::vector<std::string> check_plan_points(const PlanSpec& spec);

}  // namespace rcn
