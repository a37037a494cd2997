#pragma once
// `--set path=value` edits the YAML tree before it is read, so an override is
// checked exactly like the same value written in the file.
#include <yaml-cpp/yaml.h>

#include <map>
#include <string>

#include "rcn/scenario/diagnostics.hpp"

namespace rcn {

// Path syntax: keys joined by '.', list elements by [index] or by their name
// (sites.center-east.clusters.main.servers == sites[0].clusters[0].servers).
// The value is parsed as YAML, so `--set power={pue: 1.3}` sets a mapping.
// On success records canonical-path -> "path=value" in `applied`.
void apply_override(YAML::Node& root, const std::string& text, std::map<std::string, std::string>& applied,
                    Diagnostics& diags);

}  // namespace rcn
