#include "src/scenario/yaml_reader.hpp"

#include <cmath>
#include <fmt/format.h>

#include "rcn/scenario/input_limits.hpp"

namespace rcn {

SourceLoc YamlReader::loc(const YAML::Node& node, const std::string& path) const {
  for (const auto& [opath, text] : overrides_) {
    if (path == opath || path.rfind(opath + ".", 0) == 0 || path.rfind(opath + "[", 0) == 0)
      return SourceLoc{"--set " + text, 0, 0};
  }
  SourceLoc l{file_, 0, 0};
  if (node.IsDefined()) {
    const YAML::Mark m = node.Mark();
    if (!m.is_null()) {
      l.line = m.line + 1;
      l.col = m.column + 1;
    }
  }
  return l;
}

void YamlReader::error(const YAML::Node& node, const std::string& path, const std::string& message) {
  diags_.error(loc(node, path), path, message);
}

void YamlReader::warning(const YAML::Node& node, const std::string& path, const std::string& message) {
  diags_.warning(loc(node, path), path, message);
}

std::string YamlReader::describe(const YAML::Node& node) {
  if (!node.IsDefined() || node.IsNull()) return "nothing";
  if (node.IsScalar()) return fmt::format("\"{}\"", quote_input(node.Scalar()));
  if (node.IsSequence()) return "a list";
  if (node.IsMap()) return "a mapping";
  return "something else";
}

YAML::Node YamlReader::child(const YAML::Node& map, const std::string& key) {
  if (!map.IsMap()) return YAML::Node(YAML::NodeType::Undefined);
  for (auto it = map.begin(); it != map.end(); ++it) {
    if (it->first.IsScalar() && it->first.Scalar() == key) {
      if (it->second.IsNull()) return YAML::Node(YAML::NodeType::Undefined);
      return it->second;
    }
  }
  return YAML::Node(YAML::NodeType::Undefined);
}

bool YamlReader::expect_map(const YAML::Node& node, const std::string& path,
                            const std::vector<std::string>& allowed) {
  if (!node.IsMap()) {
    // The whole file as one scalar (a CSV, a log) is not quoted back: never echo a file's contents.
    if (path.empty() && node.IsScalar())
      error(node, path, "expected a mapping (key: value) at the top of the file, got plain text: not a YAML "
                        "scenario (a CSV trace is named from a scenario's workloads.training_trace)");
    else
      error(node, path, fmt::format("expected a mapping (key: value), got {}", describe(node)));
    return false;
  }
  for (auto it = node.begin(); it != node.end(); ++it) {
    const std::string key = it->first.IsScalar() ? it->first.Scalar() : "?";
    bool known = false;
    for (const auto& a : allowed) known = known || a == key;
    if (known) continue;
    const std::string near = closest_match(key, allowed);
    if (near.empty())
      error(it->first, join(path, key), fmt::format("unknown key (expected one of: {})", fmt::join(allowed, ", ")));
    else
      error(it->first, join(path, key), fmt::format("unknown key, did you mean {}?", near));
  }
  return true;
}

bool YamlReader::expect_seq(const YAML::Node& node, const std::string& path) {
  if (!node.IsSequence()) {
    error(node, path, fmt::format("expected a list, got {}", describe(node)));
    return false;
  }
  return true;
}

std::optional<std::string> YamlReader::text(const YAML::Node& map, const std::string& key, const std::string& path,
                                             bool required) {
  const YAML::Node n = child(map, key);
  const std::string p = join(path, key);
  if (!n.IsDefined()) {
    if (required) error(map, path, fmt::format("missing required key '{}'", key));
    return std::nullopt;
  }
  if (!n.IsScalar()) {
    error(n, p, fmt::format("expected a text value, got {}", describe(n)));
    return std::nullopt;
  }
  return n.Scalar();
}

std::optional<std::string> YamlReader::choice(const YAML::Node& map, const std::string& key, const std::string& path,
                                              const std::vector<std::string>& choices, bool required) {
  auto v = text(map, key, path, required);
  if (!v) return v;
  for (const auto& c : choices)
    if (c == *v) return v;
  const std::string near = closest_match(*v, choices);
  error(child(map, key), join(path, key),
        fmt::format("expected one of {}, got \"{}\"{}", fmt::join(choices, ", "), *v,
                    near.empty() ? "" : fmt::format(" (did you mean {}?)", near)));
  return std::nullopt;
}

std::optional<double> YamlReader::quantity(const YAML::Node& map, const std::string& key, const std::string& path,
                                           Quantity kind, Sign sign, bool required) {
  const YAML::Node n = child(map, key);
  const std::string p = join(path, key);
  if (!n.IsDefined()) {
    if (required) error(map, path, fmt::format("missing required key '{}' ({})", key, describe_quantity(kind)));
    return std::nullopt;
  }
  if (!n.IsScalar()) {
    error(n, p, fmt::format("expected {}, got {}", describe_quantity(kind), describe(n)));
    return std::nullopt;
  }
  std::string why;
  auto v = parse_quantity(n.Scalar(), kind, &why);
  if (!v) {
    error(n, p, why);
    return std::nullopt;
  }
  if (sign == Sign::Positive && !(*v > 0)) {
    error(n, p, fmt::format("expected a positive value, got \"{}\"", n.Scalar()));
    return std::nullopt;
  }
  if (sign == Sign::NonNegative && *v < 0) {
    error(n, p, fmt::format("expected a value >= 0, got \"{}\"", n.Scalar()));
    return std::nullopt;
  }
  return v;
}

std::optional<int> YamlReader::integer(const YAML::Node& map, const std::string& key, const std::string& path,
                                       int min, bool required, std::int64_t max) {
  const YAML::Node n = child(map, key);
  const std::string p = join(path, key);
  if (!n.IsDefined()) {
    if (required) error(map, path, fmt::format("missing required key '{}' (an integer >= {})", key, min));
    return std::nullopt;
  }
  std::optional<std::int64_t> v;
  if (n.IsScalar()) v = parse_bounded_integer(n.Scalar(), min, max);
  if (!v) {
    const auto d = n.IsScalar() ? parse_quantity(n.Scalar(), Quantity::Count) : std::nullopt;
    if (d && *d > static_cast<double>(max))
      error(n, p, fmt::format("expected an integer <= {}, got {}", max, describe(n)));
    else
      error(n, p, fmt::format("expected an integer >= {}, got {}", min, describe(n)));
    return std::nullopt;
  }
  return static_cast<int>(*v);
}

std::optional<bool> YamlReader::boolean(const YAML::Node& map, const std::string& key, const std::string& path) {
  const YAML::Node n = child(map, key);
  if (!n.IsDefined()) return std::nullopt;
  if (n.IsScalar()) {
    const std::string& s = n.Scalar();
    if (s == "true" || s == "yes" || s == "on") return true;
    if (s == "false" || s == "no" || s == "off") return false;
  }
  error(n, join(path, key), fmt::format("expected true or false, got {}", describe(n)));
  return std::nullopt;
}

}  // namespace rcn
