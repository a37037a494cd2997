#pragma once
// sweep.csv: per point, the mean and the 95% confidence half-width (Student t
// over the seeds) of each metric of its runs' summary.json files.
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "rcn/sweep/sweep_spec.hpp"

namespace rcn {

// The metrics one run contributes, by name, from its summary.json.
// Throws nlohmann::json::exception when a field is missing or of the wrong type.
std::map<std::string, double> run_metrics(const nlohmann::json& summary);
// 95% two-sided Student t quantile for n - 1 degrees of freedom (n >= 2).
double student_t95(int n);

struct MeanCi {
  double mean = 0, ci95 = 0;
  int n = 0;
};
MeanCi mean_ci(const std::vector<double>& xs);

// One CSV row per point: parameter values, n, then <metric>_mean,<metric>_ci95.
std::string sweep_csv(const SweepSpec& spec, const std::vector<std::vector<std::map<std::string, double>>>& runs);

}  // namespace rcn
