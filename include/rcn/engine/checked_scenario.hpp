#pragma once
// Everything `rcnsim validate` checks, in one call: the loader's checks, WAN
// reachability (topology) and the scheduler policy and its options (sched).
// `run` and `describe` go through it too, so they never start on input that
// `validate` would refuse.
#include <string>

#include "rcn/scenario/loader.hpp"

namespace rcn {

LoadResult load_checked_file(const std::string& path, const LoadOptions& options = {});
LoadResult load_checked_text(const std::string& yaml, const std::string& display_name,
                             const LoadOptions& options = {}, const std::string& base_dir = ".");

}  // namespace rcn
