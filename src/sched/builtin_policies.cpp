// The one place where policies are registered by their YAML name.
#include "rcn/sched/builtin_policies.hpp"
#include "rcn/sched/fifo_policy.hpp"
#include "rcn/sched/policy_registry.hpp"

namespace rcn {

template <class P>
static PolicyFactory make() {
  return [](const PolicyOptions& o) { return std::make_unique<P>(o); };
}

void register_builtin_policies(PolicyRegistry& r) {
  r.add("fifo", "strict first-in first-out, first cluster that fits, no backfill", make<FifoPolicy>());
  r.add("easy-backfill", "FIFO with EASY backfilling behind the head's reservation", make<EasyBackfillPolicy>());
  r.add("sjf", "shortest job first (step-model run time), no preemption", make<SjfPolicy>());
  r.add("las", "least attained service first, preempting the longest-served job via checkpoint", make<LasPolicy>());
  r.add("locality", "data gravity: least wait + WAN transfer of the dataset or checkpoint", make<LocalityPolicy>());
  r.add("cost-aware", "cheapest electricity now among clusters that fit",
        [](const PolicyOptions& o) { return std::make_unique<GreenestPolicy>(o, false); });
  r.add("carbon-aware", "lowest grid carbon now among clusters that fit",
        [](const PolicyOptions& o) { return std::make_unique<GreenestPolicy>(o, true); });
  RCN_REGISTER_POLICY(r, "spillover", "regional nodes first, the large center when no node has room",
                      make_spillover_policy);
}

}  // namespace rcn
