#pragma once
// best.yaml: the base scenario with a plan point's --set values applied and
// its seed written in, re-emitted from the YAML tree so that `rcnsim run
// best.yaml` repeats that run. The files the scenario references (hardware
// profiles, job and request traces) are copied beside it into `files_dir` and
// the references rewritten to them: file references resolve from best.yaml's
// folder and may not leave it (rcn/scenario/file_reference.hpp), so pointing
// back at the original files would need --allow-paths. Comments of the base
// file are not kept (yaml-cpp does not read them).
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "rcn/scenario/diagnostics.hpp"

namespace rcn {

struct BestScenario {
  std::string yaml;
  std::vector<std::pair<std::string, std::string>> files;  // name relative to best.yaml's folder, content
};

// Errors (unreadable base, a bad --set, an unreadable reference) go to diags.
BestScenario best_scenario(const std::string& base_path, const std::vector<std::string>& allow_paths,
                           const std::vector<std::pair<std::string, std::string>>& sets, std::uint64_t seed,
                           const std::string& files_dir, Diagnostics& diags);

}  // namespace rcn
