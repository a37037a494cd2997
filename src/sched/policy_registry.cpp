#include "rcn/sched/policy_registry.hpp"

#include <fmt/format.h>

namespace rcn {

std::optional<std::string> PolicyOptions::get(const std::string& key) const {
  read_[key] = true;
  auto it = values_.find(key);
  if (it == values_.end()) return std::nullopt;
  return it->second;
}

std::vector<std::string> PolicyOptions::unread() const {
  std::vector<std::string> out;
  for (const auto& [k, v] : values_)
    if (!read_.count(k)) out.push_back(k);
  return out;
}

PolicyRegistry& PolicyRegistry::instance() {
  static PolicyRegistry registry = [] {
    PolicyRegistry r;
    register_builtin_policies(r);
    return r;
  }();
  return registry;
}

void PolicyRegistry::add(const std::string& name, const std::string& summary, PolicyFactory factory) {
  entries_.push_back({name, summary, std::move(factory)});
}

bool PolicyRegistry::contains(const std::string& name) const {
  for (const auto& e : entries_)
    if (e.name == name) return true;
  return false;
}

std::vector<std::string> PolicyRegistry::names() const {
  std::vector<std::string> out;
  for (const auto& e : entries_) out.push_back(e.name);
  return out;
}

std::string PolicyRegistry::summary(const std::string& name) const {
  for (const auto& e : entries_)
    if (e.name == name) return e.summary;
  return {};
}

std::unique_ptr<SchedulingPolicy> PolicyRegistry::create(const SchedulerSpec& spec, Diagnostics& diags) const {
  for (const auto& e : entries_) {
    if (e.name != spec.policy) continue;
    PolicyOptions options(spec.options);
    auto policy = e.factory(options);
    bool ok = true;
    for (const auto& key : options.unread()) {
      diags.error(spec.loc, "scheduler.options." + key, fmt::format("unknown option for policy {}", spec.policy));
      ok = false;
    }
    return ok ? std::move(policy) : nullptr;
  }
  const std::string near = closest_match(spec.policy, names());
  diags.error(spec.policy_loc.file.empty() ? spec.loc : spec.policy_loc, "scheduler.policy",
              fmt::format("unknown policy \"{}\"{} (known: {})", spec.policy,
                          near.empty() ? "" : fmt::format(", did you mean {}?", near), fmt::join(names(), ", ")));
  return nullptr;
}

}  // namespace rcn
