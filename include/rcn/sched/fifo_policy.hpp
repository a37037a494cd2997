#pragma once
// Strict first-in first-out: jobs start in submission order; when the head
// of the queue does not fit anywhere, nothing behind it starts (no backfill).
// Among clusters that fit, the first in scenario order wins. A job across sites takes
// the first split offered for it whose clusters all have its shares' servers free.
#include "rcn/sched/scheduling_policy.hpp"

namespace rcn {

class FifoPolicy : public SchedulingPolicy {
 public:
  explicit FifoPolicy(const PolicyOptions& options);
  std::vector<Placement> schedule(const SchedulerView& view) override;
  bool places_cross_site() const override { return true; }
};

}  // namespace rcn
