#pragma once
// The training step model's figures as JSON and as text: one place, so
// `rcnsim estimate` and the run's summary.json say the same thing.
#include <nlohmann/json.hpp>

#include <string>
#include <vector>

#include "rcn/models/training_step.hpp"
#include "rcn/scenario/scenario.hpp"

namespace rcn {

nlohmann::ordered_json step_json(const TrainingStep& s);

// Where `rcnsim estimate` assumes a job runs: its site's, or the network's,
// first cluster that holds it (what FIFO picks on an idle network).
struct JobEstimate {
  std::string job, site, cluster, gpu;
  TrainingStep step;
};
std::vector<JobEstimate> estimate_jobs(const Scenario& s, const std::string& only_job = "");

std::string estimates_table(const std::vector<JobEstimate>& e);
std::string estimates_json(const std::vector<JobEstimate>& e);

}  // namespace rcn
