#pragma once
// Typed, located reads from a yaml-cpp tree. Each read either returns a value
// or records one diagnostic naming file:line:col, the field path, what was
// expected and what was found; it never throws, so loading reports every error.
#include <yaml-cpp/yaml.h>

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "rcn/scenario/diagnostics.hpp"
#include "rcn/scenario/input_limits.hpp"
#include "rcn/scenario/units.hpp"

namespace rcn {

enum class Sign { Any, NonNegative, Positive };

class YamlReader {
 public:
  // `overrides` maps a field path set on the command line to its "path=value" text.
  YamlReader(std::string file, Diagnostics& diags, std::map<std::string, std::string> overrides = {})
      : file_(std::move(file)), diags_(diags), overrides_(std::move(overrides)) {}

  SourceLoc loc(const YAML::Node& node, const std::string& path) const;
  void error(const YAML::Node& node, const std::string& path, const std::string& message);
  void warning(const YAML::Node& node, const std::string& path, const std::string& message);
  Diagnostics& diagnostics() { return diags_; }

  static std::string join(const std::string& path, const std::string& key) {
    return path.empty() ? key : path + "." + key;
  }
  static std::string index(const std::string& path, std::size_t i) { return path + "[" + std::to_string(i) + "]"; }

  // Checks `node` is a mapping whose keys are all in `allowed`; unknown keys are
  // reported with the closest allowed key as a suggestion.
  bool expect_map(const YAML::Node& node, const std::string& path, const std::vector<std::string>& allowed);
  bool expect_seq(const YAML::Node& node, const std::string& path);

  // Field readers. `required` fields that are absent are errors; absent
  // optional fields return nothing without a diagnostic.
  std::optional<std::string> text(const YAML::Node& map, const std::string& key, const std::string& path,
                                  bool required);
  std::optional<std::string> choice(const YAML::Node& map, const std::string& key, const std::string& path,
                                    const std::vector<std::string>& choices, bool required);
  std::optional<double> quantity(const YAML::Node& map, const std::string& key, const std::string& path,
                                 Quantity kind, Sign sign, bool required);
  // An integer in [min, max] (max: limits::kMaxInt unless a key has a tighter bound).
  std::optional<int> integer(const YAML::Node& map, const std::string& key, const std::string& path, int min,
                             bool required, std::int64_t max = limits::kMaxInt);
  std::optional<bool> boolean(const YAML::Node& map, const std::string& key, const std::string& path);

  // The value node of `key`, or an undefined node when absent or null.
  static YAML::Node child(const YAML::Node& map, const std::string& key);
  static std::string describe(const YAML::Node& node);  // what was found, for messages

 private:
  std::string file_;
  Diagnostics& diags_;
  std::map<std::string, std::string> overrides_;
};

}  // namespace rcn
