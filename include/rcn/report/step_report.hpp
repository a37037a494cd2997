#pragma once
// The training step model's figures as JSON and as text: one place, so
// `rcnsim estimate` and the run's summary.json say the same thing.
#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <vector>

#include "rcn/models/layout_search.hpp"
#include "rcn/models/training_step.hpp"
#include "rcn/scenario/scenario.hpp"

namespace rcn {

nlohmann::ordered_json step_json(const TrainingStep& s);

// Where `rcnsim estimate` assumes a job runs: its site's, or the network's,
// first cluster that holds it (what FIFO picks on an idle network).
// A `parallelism: auto` job runs there with the search's best layout, so it
// needs a cluster where one fits.
struct JobEstimate {
  std::string job, site, cluster, gpu;
  int gpus = 0;
  TrainingStep step;
  std::optional<LayoutSearchResult> search;  // `search_top` > 0: the fastest layouts there
};
std::vector<JobEstimate> estimate_jobs(const Scenario& s, const std::string& only_job = "", int search_top = 0);

std::string estimates_table(const std::vector<JobEstimate>& e);
std::string estimates_json(const std::vector<JobEstimate>& e);

// `rcnsim estimate --search`: per job, its search's layouts with their step
// breakdown, memory and time to train, then what the search counted; the job's
// own step (`step`) is shown beside them unless it is an auto job.
std::string layout_search_table(const Scenario& s, const std::vector<JobEstimate>& e);
std::string layout_search_json(const Scenario& s, const std::vector<JobEstimate>& e);

}  // namespace rcn
