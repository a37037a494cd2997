#pragma once
// A plan's verdict per point: feasible when every constraint holds on the mean
// of its metric over the point's seeds, ranked by the objective's mean;
// infeasible points name the constraints they violate. plan.csv and
// pareto.csv are written from these.
#include <map>
#include <string>
#include <vector>

#include "rcn/plan/plan_spec.hpp"
#include "rcn/sweep/sweep_table.hpp"

namespace rcn {

enum class PointStatus { Feasible, Infeasible, Failed, Pruned };
const char* status_name(PointStatus s);

struct PointOutcome {
  std::size_t index = 0;                                  // point index in the plan's enumeration
  std::vector<std::pair<std::string, std::string>> sets;  // --set values
  PointStatus status = PointStatus::Failed;
  std::map<std::string, MeanCi> metrics;                   // mean and 95% CI over the seeds that finished
  std::vector<std::string> violated;                       // "jobs_unfinished = 2 > max 0"
  std::string reason;                                      // why it was pruned or failed
};

// Mean and 95% CI of every metric over one point's runs (each run: metric -> value).
std::map<std::string, MeanCi> aggregate_runs(const std::vector<std::map<std::string, double>>& runs);

// The constraints the means violate, in the plan's order; empty = feasible.
// A metric the runs do not report is a violation too ("tco_total not reported").
std::vector<std::string> violated_constraints(const PlanSpec& spec, const std::map<std::string, MeanCi>& metrics);

// Sets status (from violations, when the point has metrics) and returns the
// outcomes in rank order: feasible by the objective's mean in its direction,
// then infeasible by the number of violated constraints and then the
// objective, then failed runs, then pruned points; ties by point index.
std::vector<PointOutcome> rank_points(const PlanSpec& spec, std::vector<PointOutcome> points);

// plan.csv: rank, point, the variables, status, n, violated, then mean and
// ci95 of the objective, each constrained metric and the Pareto axes.
std::string plan_csv(const PlanSpec& spec, const std::vector<PointOutcome>& ranked);
// pareto.csv: the non-dominated points of (pareto_x, pareto_y) among the
// points that have both metrics, best x first.
std::string pareto_csv(const PlanSpec& spec, const std::vector<PointOutcome>& ranked);
// The Pareto points (indices into `ranked`), shared by the CSV and the chart.
std::vector<std::size_t> pareto_points(const PlanSpec& spec, const std::vector<PointOutcome>& ranked);

// The metrics plan.csv shows: objective, constraints, Pareto axes, without
// repeats; with simulated_end_s last when one of them is a tco_* metric (TCO
// covers each run's simulated period, so the period is part of the answer).
std::vector<std::string> plan_metrics(const PlanSpec& spec);

// Warnings about the ranking as a whole, for stderr and plan.html: a plan
// metric that no point reports, and tco_* metrics compared over different
// simulated periods (the spread of simulated_end_s over the simulated points).
std::vector<std::string> plan_notes(const PlanSpec& spec, const std::vector<PointOutcome>& ranked);

}  // namespace rcn
