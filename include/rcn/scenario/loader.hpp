#pragma once
// scenario.yaml -> Scenario. All input checks that need only the scenario
// itself (types, units, ranges, cross-references, job shapes) happen here;
// checks that need the topology graph (reachability) live in topology/.
#include <optional>
#include <string>
#include <vector>

#include "rcn/scenario/diagnostics.hpp"
#include "rcn/scenario/scenario.hpp"

namespace rcn {

struct LoadOptions {
  std::vector<std::string> overrides;   // "path=value", applied to the YAML tree before reading
  std::optional<std::uint64_t> seed;    // --seed, wins over the file
  std::vector<std::string> allow_paths; // --allow-paths: folders file references may reach besides the scenario's
};

struct LoadResult {
  std::optional<Scenario> scenario;  // empty when there were errors
  Diagnostics diagnostics;           // errors and warnings, in file order
};

LoadResult load_scenario_file(const std::string& path, const LoadOptions& options = {});
// `display_name` stands for the file name in diagnostics; `base_dir` resolves relative
// file references and bounds what they may reach (rcn/scenario/file_reference.hpp).
LoadResult load_scenario_text(const std::string& yaml, const std::string& display_name, const LoadOptions& options = {},
                              const std::string& base_dir = ".");

// The scenario compiled into the binary (scenarios/default.yaml).
const std::string& embedded_default_scenario();

}  // namespace rcn
