#include "rcn/models/fabric_failure.hpp"

#include <algorithm>
#include <cmath>

namespace rcn {

namespace {

// The number after `prefix` at the start of `s` (digits only), and where it ends; -1 when none.
long long leading_index(const std::string& s, const std::string& prefix, std::size_t& end) {
  if (s.compare(0, prefix.size(), prefix) != 0) return -1;
  end = prefix.size();
  while (end < s.size() && end - prefix.size() < 9 && std::isdigit(static_cast<unsigned char>(s[end]))) ++end;
  if (end == prefix.size() || (end < s.size() && std::isdigit(static_cast<unsigned char>(s[end])))) return -1;
  return std::stoll(s.substr(prefix.size(), end - prefix.size()));
}

}  // namespace

std::optional<FabricFaultRef> resolve_fabric_fault(const Scenario& s, const std::string& kind, const std::string& target) {
  const auto t = resolve_cluster_target(s, target);
  if (!t) return std::nullopt;
  std::string error, key;
  const FabricShape shape = fabric_shape(s.sites[t->site].clusters[t->cluster], error, key);
  if (!error.empty()) return std::nullopt;
  if (auto f = fabric_fault(shape, kind, t->rest)) return FabricFaultRef{t->site, t->cluster, std::move(*f)};
  return std::nullopt;
}

int uplinks_per_group(const FabricShape& shape) {
  if (shape.tier_table.size() < 2 || shape.tier_table[1].link_bandwidth <= 0) return 0;
  return static_cast<int>(std::lround(shape.group_uplink / shape.tier_table[1].link_bandwidth));
}

double uplink_failure_units(const FabricShape& shape, const std::string& cls) {
  if (shape.tier_table.size() < 2) return 0;
  return cls == "spine" ? static_cast<double>(shape.tier_table[1].switches)
                        : static_cast<double>(shape.groups) * uplinks_per_group(shape);
}

int spines_per_pod(const FabricShape& shape) {
  if (shape.tier_table.size() < 2) return 0;
  return static_cast<int>(shape.tier_table[1].switches / std::max(1, shape.tiers == 3 ? shape.pods : 1));
}

std::optional<FabricFault> fabric_fault(const FabricShape& shape, const std::string& kind, const std::string& name) {
  if (!shape.tiered() || shape.tier_table.size() < 2) return std::nullopt;  // rail-only has no uplinks
  FabricFault f;
  std::size_t end = 0;
  if (kind == "switch") {
    if (const long long g = leading_index(name, "leaf", end); g >= 0 && end == name.size()) {
      if (shape.kind != "fat-tree" || g >= shape.groups) return std::nullopt;  // a rail switch is not a leaf
      f.kind = "leaf";
      for (int h = static_cast<int>(g) * shape.servers_per_group;
           h < std::min(shape.hosts, static_cast<int>(g + 1) * shape.servers_per_group); ++h)
        f.servers.push_back(h);
      return f;
    }
    const long long s = leading_index(name, "spine", end);
    const int per_pod = spines_per_pod(shape);
    if (s < 0 || end != name.size() || s >= shape.tier_table[1].switches || per_pod <= 0) return std::nullopt;
    f.kind = "spine";
    const double share = 1.0 / per_pod;  // the equal-cost uplinks it carried, of each leaf (and pod) under it
    const int pod = shape.tiers == 3 ? static_cast<int>(s / per_pod) : 0;
    const int first = shape.tiers == 3 ? pod * shape.groups_per_pod : 0;
    const int last = shape.tiers == 3 ? std::min(shape.groups, first + shape.groups_per_pod) : shape.groups;
    for (int g = first; g < last; ++g) f.lost.push_back({false, g, share});
    if (shape.tiers == 3) f.lost.push_back({true, pod, share});
    return f;
  }
  if (kind == "cable") {
    const long long g = leading_index(name, "leaf", end);
    if (g < 0 || g >= shape.groups) return std::nullopt;
    std::size_t k_end = 0;
    const long long k = leading_index(name.substr(end), "/uplink", k_end);
    const int U = uplinks_per_group(shape);
    if (k < 0 || end + k_end != name.size() || k >= U) return std::nullopt;
    f.kind = "cable";
    f.lost.push_back({false, static_cast<int>(g), 1.0 / U});
    return f;
  }
  return std::nullopt;
}

}  // namespace rcn
