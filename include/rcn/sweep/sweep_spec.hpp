#pragma once
// A sweep: a base scenario, the points to run (a grid over `--set` paths, or
// random samples in ranges, crossed with named variants), and seeds per point.
// Read from SWEEP.yaml with the same located diagnostics as scenarios.
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "rcn/scenario/diagnostics.hpp"

namespace rcn {

struct SweepPoint {
  std::string variant;  // the variant's name; "" in a sweep without variants
  // path, value (as --set takes them): the variant's values first, then the grid's or random's.
  std::vector<std::pair<std::string, std::string>> sets;
};

// A named alternative (`variants: {center: {path: value, ...}}`): a planner's
// "option A or option B", each setting whatever paths it needs.
struct SweepVariant {
  std::string name;  // [A-Za-z0-9_-], at most 64 characters: it names rows and appears in run keys
  SourceLoc loc;     // where the name was given
  std::vector<std::pair<std::string, std::string>> sets;
  std::vector<SourceLoc> value_locs;  // where each value was given, aligned with sets
};

struct SweepSpec {
  std::string file;
  std::string base;    // scenario path, resolved against the sweep file's folder
  SourceLoc base_loc;  // where `base` was given
  std::vector<std::uint64_t> seeds;
  std::vector<std::string> parameters;  // the grid's or random's paths, in order
  std::vector<SourceLoc> parameter_locs;  // where each was given, aligned with parameters
  std::string parameter_section;          // "grid" or "random.ranges": where parameters are given
  std::vector<SweepVariant> variants;     // empty = no `variants`
  std::vector<std::string> variant_parameters;  // every path some variant sets, in order of first appearance
  std::vector<SweepPoint> points;  // variant-major: every variant with every grid point (or sample)
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

// The columns of sweep.csv before `n`: `variant` when the sweep has variants,
// then every varied path in full (grid or random, then the variants'). Never
// two equal: the loader refuses a path given twice, a path both a variant and
// the grid set, and paths named like sweep.csv's own columns.
std::vector<std::string> parameter_columns(const SweepSpec& spec);
// One point's cells for those columns; "" where its variant leaves a path at the base scenario's value.
std::vector<std::string> parameter_cells(const SweepSpec& spec, const SweepPoint& point);

}  // namespace rcn
