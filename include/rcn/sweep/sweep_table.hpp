#pragma once
// sweep.csv: per point, the mean and the 95% confidence half-width (Student t
// over the seeds) of each metric of its runs' summary.json files.
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "rcn/sweep/sweep_spec.hpp"

namespace rcn {

// The metrics one run contributes, by name, from its summary.json (docs/sweeps.md
// lists them): training, sites, reliability and inference aggregates always;
// TCO only when the summary has a "tco" object; one set per inference
// service/region pair, named by inference_pair_metric.
// Throws nlohmann::json::exception when a field is missing or of the wrong type.
std::map<std::string, double> run_metrics(const nlohmann::json& summary);

// One service/region pair's share of finished requests (completed + dropped) that
// met every SLO: slo_attainment x completed / (completed + dropped). A dropped
// request is a miss; a pair whose requests all stayed in flight scores 0.
// slo_attainment_min is the smallest of these over the pairs with requests > 0.
double pair_attainment_with_drops(const nlohmann::json& pair);

// "<service>/<region>:<metric>". Service and region names come from user files
// and may hold anything: '%', '/', ':' and control characters in them are
// written %XX, so two different pairs never share a name and a name stays one line.
std::string inference_pair_metric(const std::string& service, const std::string& region, const std::string& metric);

// 95% two-sided Student t quantile for n - 1 degrees of freedom (n >= 2).
double student_t95(int n);

struct MeanCi {
  double mean = 0, ci95 = 0;
  int n = 0;
};
MeanCi mean_ci(const std::vector<double>& xs);

// One CSV row per point: parameter_columns, n, then <metric>_mean,<metric>_ci95 for
// every metric any run reports; a point none of whose runs reports a metric
// (a pair without completed requests, TCO absent) leaves its two cells empty.
std::string sweep_csv(const SweepSpec& spec, const std::vector<std::vector<std::map<std::string, double>>>& runs);

}  // namespace rcn
