#pragma once
// Training jobs from a Standard Workload Format trace (the Parallel Workloads
// Archive's format, which Batsim reads): one job per line of 18
// whitespace-separated fields, header comments starting with ';'. An SWF job
// has processors and a run time but no model, so the scenario names the model
// and how many GPUs one processor stands for (workloads.training_trace as a
// mapping, docs/scheduling.md#swf-traces).
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "rcn/scenario/diagnostics.hpp"
#include "rcn/scenario/scenario.hpp"

namespace rcn {

struct SwfMapping {
  std::string model;                // every job trains this model (must be in the scenario)
  double gpus_per_processor = 1;    // GPUs = ceil(processors x this), > 0
  std::optional<std::string> site;  // pin every job to this site
};

// `text` is the file's content, `path` its name in messages. Jobs whose run time or
// processor count is missing or zero (-1 or 0, cancelled jobs) are skipped. Every
// number is checked before use; errors name path:line:col and the SWF field, and
// never quote the file.
std::vector<TrainingJobSpec> read_swf_trace(std::string_view text, const std::string& path, const SwfMapping& map,
                                            const Scenario& s, Diagnostics& diags);

}  // namespace rcn
