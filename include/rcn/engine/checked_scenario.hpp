#pragma once
// Everything `rcnsim validate` checks, in one call: the loader's checks, WAN
// reachability (topology) and the scheduler policy and its options (sched).
// `run` and `describe` go through it too, so they never start on input that
// `validate` would refuse.
#include <cstddef>
#include <functional>
#include <set>
#include <string>

#include "rcn/scenario/loader.hpp"

namespace rcn {

// One error (at the job's `parallelism`) per training job for which `searched` is
// true whose layout search space, on some cluster it may use, holds more than
// limits::kMaxLayoutsPerSearch layouts; counted, never enumerated. Returns their
// indices. load_checked_* applies it to `parallelism: auto` jobs; `estimate
// --search` to the jobs it searches.
std::set<std::size_t> check_layout_search_spaces(const Scenario& s,
                                                 const std::function<bool(const TrainingJobSpec&)>& searched,
                                                 Diagnostics& diags);

LoadResult load_checked_file(const std::string& path, const LoadOptions& options = {});
LoadResult load_checked_text(const std::string& yaml, const std::string& display_name,
                             const LoadOptions& options = {}, const std::string& base_dir = ".");

}  // namespace rcn
