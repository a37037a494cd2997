#pragma once
// The first pruning of a plan, without simulating: each point's scenario (the
// base with the point's --set values) goes through every check of `rcnsim
// validate` (rcn/engine/checked_scenario.hpp), so a point whose training jobs
// do not fit a cluster's GPU memory or GPU count, or whose value is invalid,
// is never run. Then the metrics the plan names are checked against a valid
// point's scenario: a metric it can never report is an error before any run.
#include <optional>
#include <string>
#include <vector>

#include "rcn/plan/plan_spec.hpp"
#include "rcn/scenario/scenario.hpp"

namespace rcn {

// Per point: "" when its scenario passes, else its first error as one line,
// located in the plan file when a variable's value caused it. When
// `first_valid` is given, it receives the first passing point's scenario.
std::vector<std::string> check_plan_points(const PlanSpec& spec, std::optional<Scenario>* first_valid = nullptr);

// Located errors for metrics `scenario` cannot report: a <service>/<region>
// pair it lacks, tco_per_million_tokens_served without inference services,
// tco_per_million_trained_tokens without training jobs.
void check_plan_metrics(const PlanSpec& spec, const Scenario& scenario, Diagnostics& diags);

}  // namespace rcn
