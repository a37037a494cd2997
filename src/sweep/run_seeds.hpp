#pragma once
// What sweep and plan files read alike: bounded whole numbers, and `seeds`
// (a count, or a list of distinct seeds). One reader, so both files accept and
// refuse the same seeds with the same messages.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "src/scenario/yaml_reader.hpp"

namespace rcn {

// A whole number in [lo, hi] from a scalar node, or an error at the node.
std::optional<std::int64_t> bounded_scalar(YamlReader& r, const YAML::Node& n, const std::string& path,
                                           std::int64_t lo, std::int64_t hi);

// `seeds: N` (seeds 1..N), a list of distinct seeds, or {1} when absent. Errors
// are reported at their node and their entries skipped; a list longer than
// limits::kMaxSweepRuns gives nothing (the caller stops reading the file).
std::optional<std::vector<std::uint64_t>> read_seeds(YamlReader& r, const YAML::Node& seeds);

}  // namespace rcn
