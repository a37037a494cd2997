#include "rcn/models/fabric_placement.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <set>

namespace rcn {

namespace {

// "0-3,7" from ascending distinct numbers.
std::string ranges(const std::set<int>& v) {
  std::string out;
  for (auto it = v.begin(); it != v.end();) {
    int first = *it, last = *it;
    while (++it != v.end() && *it == last + 1) last = *it;
    out += (out.empty() ? "" : ",") + (first == last ? std::to_string(first) : fmt::format("{}-{}", first, last));
  }
  return out;
}

// Takes servers from `groups` in the order given until `count` are taken.
std::vector<int> take_from(const std::map<int, std::vector<int>>& by_group, const std::vector<int>& order, int count) {
  std::vector<int> out;
  for (int g : order) {
    for (int s : by_group.at(g)) {
      if (static_cast<int>(out.size()) == count) break;
      out.push_back(s);
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace

std::vector<int> choose_servers(const std::vector<int>& free, const FabricShape& f, int count, bool packed) {
  if (!packed || !f.grouped() || f.groups <= 1) return {free.begin(), free.begin() + count};
  std::map<int, std::vector<int>> by_group;  // ascending servers per group
  std::map<int, int> pod_free;
  for (int s : free) {
    by_group[f.group_of(s)].push_back(s);
    pod_free[f.pod_of(s)] += 1;
  }
  auto group_size = [&](int g) { return static_cast<int>(by_group.at(g).size()); };
  // One leaf: the fullest one that still holds the job.
  int best = -1;
  for (const auto& [g, servers] : by_group)
    if (group_size(g) >= count && (best < 0 || group_size(g) < group_size(best))) best = g;
  if (best >= 0) return take_from(by_group, {best}, count);
  // Leaves ordered emptiest first (most free), within a pod or across pods.
  auto emptiest_first = [&](std::vector<int> groups) {
    std::stable_sort(groups.begin(), groups.end(), [&](int a, int b) { return group_size(a) > group_size(b); });
    return groups;
  };
  int best_pod = -1;
  for (const auto& [p, n] : pod_free)
    if (n >= count && (best_pod < 0 || n < pod_free.at(best_pod))) best_pod = p;
  std::vector<int> order;
  if (best_pod >= 0) {
    for (const auto& [g, servers] : by_group)
      if (f.pod_of(servers.front()) == best_pod) order.push_back(g);
    return take_from(by_group, emptiest_first(order), count);
  }
  std::vector<int> pods;
  for (const auto& [p, n] : pod_free) pods.push_back(p);
  std::stable_sort(pods.begin(), pods.end(), [&](int a, int b) { return pod_free.at(a) > pod_free.at(b); });
  for (int p : pods) {
    std::vector<int> in_pod;
    for (const auto& [g, servers] : by_group)
      if (f.pod_of(servers.front()) == p) in_pod.push_back(g);
    for (int g : emptiest_first(in_pod)) order.push_back(g);
  }
  return take_from(by_group, order, count);
}

std::string fabric_span(const std::vector<int>& servers, const FabricShape& f) {
  if (servers.empty() || (!f.grouped() && f.kind != "torus")) return "";
  if (f.kind == "torus") return fmt::format("nodes {}", ranges(std::set<int>(servers.begin(), servers.end())));
  std::set<int> leaves, pods;
  for (int s : servers) {
    leaves.insert(f.group_of(s));
    pods.insert(f.pod_of(s));
  }
  return fmt::format(f.kind == "dragonfly" ? "chassis {} groups {}" : "leaves {} pods {}", ranges(leaves), ranges(pods));
}

}  // namespace rcn
