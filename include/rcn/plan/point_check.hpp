#pragma once
// The first pruning of a plan, without simulating: each point's scenario (the
// base with the point's --set values) goes through every check of `rcnsim
// validate` (rcn/engine/checked_scenario.hpp), so a point whose training jobs
// do not fit a cluster's GPU memory or GPU count, or whose value is invalid,
// is never run; nor is a point that the constraints on finished jobs already
// rule out by the step model's time to train (a lower bound). Then the metrics the plan names are checked against a valid
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

// Training jobs that cannot finish by the horizon whatever the schedule: submit time
// plus the step model's time to train (or the trace's fixed duration) on the fastest
// cluster that could hold the job is past the horizon. A lower bound: failures,
// queueing and elastic shrinking only add time. Auto-layout jobs (searched at run
// time) and flow fidelity (whose measured collectives may beat the analytic model)
// are never counted, so the count never prunes a point that could pass.
std::size_t jobs_that_cannot_finish(const Scenario& scenario);

// Why a point is hopeless by that bound under the plan's constraints on
// jobs_unfinished (max) or jobs_finished (min), or "" when it may pass.
std::string hopeless_by_time_to_train(const PlanSpec& spec, const Scenario& scenario);

// Located errors for metrics `scenario` cannot report: a <service>/<region>
// pair it lacks, tco_per_million_tokens_served without inference services,
// tco_per_million_trained_tokens without training jobs.
void check_plan_metrics(const PlanSpec& spec, const Scenario& scenario, Diagnostics& diags);

}  // namespace rcn
