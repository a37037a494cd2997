#pragma once
// A sweep: a base scenario, the points to run (a grid over `--set` paths, or
// random samples in ranges), and seeds per point. Read from SWEEP.yaml with
// the same located diagnostics as scenarios.
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "rcn/scenario/diagnostics.hpp"

namespace rcn {

struct SweepPoint {
  std::vector<std::pair<std::string, std::string>> sets;  // path, value (as --set takes them)
};

struct SweepSpec {
  std::string file;
  std::string base;    // scenario path, resolved against the sweep file's folder
  std::vector<std::uint64_t> seeds;
  std::vector<std::string> parameters;  // the varied paths, in order
  std::vector<SweepPoint> points;
  std::string output = "sweep-results";
  SourceLoc output_loc;                 // where `output` was given (for the confinement error)
  std::vector<std::string> allow_paths; // --allow-paths, checked here for `base` and passed on to every run
};

// Errors go to diags; the spec is meaningful only without errors.
// `base` is a file reference like a scenario's (include/rcn/scenario/file_reference.hpp):
// under the sweep file's folder, the enclosing scenarios/ folder, or an `allow_paths` folder.
SweepSpec load_sweep_file(const std::string& path, Diagnostics& diags,
                          const std::vector<std::string>& allow_paths = {});
SweepSpec load_sweep_text(const std::string& yaml, const std::string& file, const std::string& base_dir,
                          Diagnostics& diags, const std::vector<std::string>& allow_paths = {});

}  // namespace rcn
