#pragma once
// A scheduling policy written in Python, behind the same SchedulingPolicy
// interface the C++ policies implement (include/rcn/sched/scheduling_policy.hpp).
// The policy object sees the engine's view through lazy proxies (python_view.hpp):
// nothing is converted until the policy reads it, so a policy that looks only at
// the head of a deep queue pays for the head only. Everything it returns is
// checked here, before the engine sees it, so a wrong placement is an error that
// names the policy and the decision instead of a crash.
#include <pybind11/pybind11.h>

#include <memory>
#include <optional>
#include <set>
#include <string>

#include "python_view.hpp"
#include "rcn/sched/scheduling_policy.hpp"

namespace rcn::python {

class PythonPolicy : public SchedulingPolicy {
 public:
  // `instance` is the user's policy object; `name` the scheduler.policy it was created for.
  PythonPolicy(std::string name, pybind11::object instance);
  ~PythonPolicy() override;
  std::vector<Placement> schedule(const SchedulerView& view) override;
  std::vector<std::size_t> preempt(const SchedulerView& view) override;
  // The policy object's `places_cross_site` attribute (False when absent).
  bool places_cross_site() const override { return places_cross_site_; }

 private:
  std::string describe_call(const char* method) const;
  // The call and the checks of its answer; the GIL is held and the view in the slot.
  std::vector<Placement> checked_placements(const SchedulerView& view);
  std::vector<std::size_t> checked_preemptions(const SchedulerView& view);
  Placement checked_split(const SchedulerView& view, const std::string& decision, std::optional<long long> job,
                          const pybind11::sequence& split, std::vector<int>& free, std::set<std::size_t>& placed) const;

  std::string name_;
  pybind11::object instance_;
  bool has_preempt_ = false;
  bool places_cross_site_ = false;
  std::shared_ptr<ViewSlot> slot_;
  pybind11::object view_;  // the View handed to every call (its proxies check slot_)
};

// The first error a Python policy raised in this process (empty if none): the
// child process of rcnsim.run reports it as rcnsim.PolicyError.
const std::string& last_policy_error();

// scheduler.policy `name` builds an instance of the Python class registered
// under it. Re-registering a name replaces the class; a built-in C++ policy's
// name is refused (std::invalid_argument).
void register_python_policy(const std::string& name, pybind11::object cls, const std::string& summary);

}  // namespace rcn::python
