#pragma once
// Read-only Python proxies over the engine's SchedulerView, valid only while
// the policy's schedule() or preempt() call lasts: each proxy checks the slot
// it came from, so one kept past its call raises instead of reading freed memory.
#include <pybind11/pybind11.h>

#include "symbol_caster.hpp"

#include <cstdint>
#include <memory>
#include <string>

#include "rcn/sched/scheduling_policy.hpp"

namespace rcn::python {

// The view of the call in progress (nullptr between calls) and the call's number:
// proxies of queued and running jobs belong to one call.
struct ViewSlot {
  const SchedulerView* view = nullptr;
  std::uint64_t call = 0;
  std::string policy;  // for error messages
};

// Binds View, Cluster, Job, RunningJob and Placement into module `m`.
void bind_view(pybind11::module_& m);

// A new View object reading `slot`.
pybind11::object make_view(const std::shared_ptr<ViewSlot>& slot);

}  // namespace rcn::python
