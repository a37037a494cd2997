// The one place where policies are registered by their YAML name.
#include "rcn/sched/fifo_policy.hpp"
#include "rcn/sched/policy_registry.hpp"

namespace rcn {

template <class P>
static PolicyFactory make() {
  return [](const PolicyOptions& o) { return std::make_unique<P>(o); };
}

void register_builtin_policies(PolicyRegistry& r) {
  r.add("fifo", "strict first-in first-out, first cluster that fits, no backfill", make<FifoPolicy>());
}

}  // namespace rcn
