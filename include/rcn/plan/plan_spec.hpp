#pragma once
// A capacity plan: a base scenario, decision variables (each a `--set` path
// with a range or a list of choices), constraints on run metrics, an objective
// and the Pareto axes. Read from PLAN.yaml with located diagnostics like a
// sweep file; the points are the cartesian product of the variables' values,
// the last variable varying fastest (docs/planning.md).
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "rcn/scenario/diagnostics.hpp"

namespace rcn {

// Points of one plan at most (before pruning); `max_points` may lower it.
inline constexpr std::int64_t kMaxPlanPoints = 10'000;

struct PlanVariable {
  std::string path;                 // --set path
  std::vector<std::string> values;  // as --set takes them, in enumeration order
  SourceLoc loc;                    // the variable's values in the plan file
};

// Where the plan names a metric (objective, a constraint, a Pareto axis given).
struct PlanMetricUse {
  std::string metric;
  std::string field;  // "objective.minimise", "constraints.x", "pareto.y"
  SourceLoc loc;
};

enum class Sense { Minimise, Maximise };

struct PlanConstraint {
  std::string metric;
  std::optional<double> min, max;  // the metric's mean over seeds must be >= min and <= max
};

struct PlanSpec {
  std::string file;
  std::string base;                    // scenario path, resolved against the plan file's folder
  std::vector<std::uint64_t> seeds;
  std::vector<PlanVariable> variables;
  std::vector<PlanConstraint> constraints;
  std::string objective;
  Sense sense = Sense::Minimise;
  std::string pareto_x, pareto_y;
  Sense pareto_x_sense = Sense::Minimise, pareto_y_sense = Sense::Minimise;
  std::string output = "plan-results";
  SourceLoc output_loc;
  std::int64_t max_points = 1000;
  std::vector<std::string> allow_paths;
  std::vector<PlanMetricUse> metric_uses;

  std::size_t point_count() const;  // product of the variables' value counts
  // The --set pairs of point i (0 <= i < point_count()), the last variable fastest.
  std::vector<std::pair<std::string, std::string>> point(std::size_t i) const;
};

// The values of a range {min, max, step}: min + i * step for i = 0, 1, ... while
// <= max (with a relative tolerance of 1e-9 of step, so 0.1..0.3 step 0.1 has
// three values), each computed from i (no accumulated drift) and written with
// `unit` appended ("300Gbps"). Integers are written without a decimal point.
// Nothing when step <= 0, max < min or there would be more than `limit` values.
std::optional<std::vector<std::string>> range_values(double min, double max, double step, const std::string& unit,
                                                     std::int64_t limit);

// Whether `name` is a metric a run reports (sweep's run_metrics names, those of
// the TCO, inference and reliability extensions, and the per service/region ones).
bool known_plan_metric(const std::string& name);

// Errors go to diags; the spec is meaningful only without errors. `base` is a
// confined file reference like a sweep's (rcn/scenario/file_reference.hpp).
PlanSpec load_plan_file(const std::string& path, Diagnostics& diags, const std::vector<std::string>& allow_paths = {});
PlanSpec load_plan_text(const std::string& yaml, const std::string& file, const std::string& base_dir,
                        Diagnostics& diags, const std::vector<std::string>& allow_paths = {});

// True when the YAML text looks like a plan (a top-level `variables` or
// `objective`, keys no scenario or sweep has), for `rcnsim validate` to
// choose the right checker.
bool looks_like_plan(const std::string& yaml);

}  // namespace rcn
