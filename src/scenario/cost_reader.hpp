#pragma once
// The `cost` sections of a scenario: at the top level (currency, defaults for every
// site and cluster, the WAN's price per Gbps-month), per site, per cluster and per WAN
// link. Prices are plain numbers in the scenario's currency (`300k`, `1.2M`); they are
// stored per SI unit (per byte, per watt, per second). docs/tco.md says what each one
// pays for, docs/scenario-reference.md#cost lists the keys.
#include <yaml-cpp/yaml.h>

#include <string>

#include "rcn/scenario/scenario.hpp"
#include "src/scenario/yaml_reader.hpp"

namespace rcn {

enum class CostLevel { Scenario, Site, Cluster };

// Reads the mapping `n` (at `path`) into `out`. At the scenario level `settings` takes
// the currency and the WAN price as well; it is null at the other levels.
void read_cost(YamlReader& r, const YAML::Node& n, const std::string& path, CostLevel level, CostSpec& out,
               CostSettings* settings);

// Reads a WAN link's `cost: {per_gbps_month: x}` or `cost: {monthly: x}`.
void read_wan_cost(YamlReader& r, const YAML::Node& n, const std::string& path, WanLinkSpec& link);

}  // namespace rcn
