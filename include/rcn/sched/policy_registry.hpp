#pragma once
// YAML policy name -> factory. Built-in policies are registered in
// src/sched/builtin_policies.cpp, one line each; a researcher adds a policy
// with one new file and one line there.
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "rcn/scenario/diagnostics.hpp"
#include "rcn/sched/scheduling_policy.hpp"

namespace rcn {

using PolicyFactory = std::function<std::unique_ptr<SchedulingPolicy>(const PolicyOptions&)>;

class PolicyRegistry {
 public:
  static PolicyRegistry& instance();  // holds the built-in policies
  void add(const std::string& name, const std::string& summary, PolicyFactory factory);
  bool contains(const std::string& name) const;
  std::vector<std::string> names() const;
  std::string summary(const std::string& name) const;
  // Builds the scenario's policy; unknown names or options become diagnostics
  // at the scheduler's position in the file. Returns nullptr on error.
  std::unique_ptr<SchedulingPolicy> create(const SchedulerSpec& spec, Diagnostics& diags) const;

 private:
  struct Entry {
    std::string name, summary;
    PolicyFactory factory;
  };
  std::vector<Entry> entries_;
};

void register_builtin_policies(PolicyRegistry& registry);

// One registration line for a policy that lives in one .cpp file and defines
// `std::unique_ptr<SchedulingPolicy> FACTORY(const PolicyOptions&)` there
// (docs/writing-a-policy.md). Use inside register_builtin_policies.
#define RCN_REGISTER_POLICY(registry, yaml_name, summary, factory)                          \
  do {                                                                                        \
    std::unique_ptr<::rcn::SchedulingPolicy> factory(const ::rcn::PolicyOptions&);           \
    (registry).add(yaml_name, summary, [](const ::rcn::PolicyOptions& o) { return factory(o); }); \
  } while (0)

}  // namespace rcn
