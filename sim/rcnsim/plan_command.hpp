#pragma once
// `rcnsim plan PLAN.yaml`: capacity planning. Every point of the plan's
// decision variables whose scenario passes `rcnsim validate`'s checks is
// simulated with each seed through the sweep's run machinery (sweep_command.hpp:
// -j processes at a time, resume keys, marker-checked run folders); the points
// are ranked by the objective among those meeting the constraints, and
// plan.csv, pareto.csv, plan.html and best.yaml are written (docs/planning.md).
#include <string>
#include <vector>

namespace rcn {

struct PlanOptions {
  std::string file;
  std::string output;  // "" = the plan file's `output`
  int jobs = 0;        // parallel runs; 0 = number of cores
  bool progress = false;
  std::vector<std::string> allow_paths;
};

int run_plan(const PlanOptions& options);

// `rcnsim validate PLAN.yaml`: the plan file and every point's scenario, without running.
int validate_plan(const std::string& file, const std::vector<std::string>& allow_paths);

}  // namespace rcn
