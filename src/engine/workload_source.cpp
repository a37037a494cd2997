// Submits each training job to the scheduler at its submit time.
#include <algorithm>
#include <numeric>

#include "src/engine/engine_context.hpp"

namespace rcn {
namespace sg4 = simgrid::s4u;

void workload_source(EngineContext& ctx) {
  const auto& jobs = ctx.scenario.training;
  std::vector<std::size_t> order(jobs.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return jobs[a].submit < jobs[b].submit; });
  for (std::size_t j : order) {
    if (jobs[j].submit >= ctx.scenario.horizon) break;
    if (jobs[j].submit > sg4::Engine::get_clock()) sg4::this_actor::sleep_until(jobs[j].submit);
    ctx.post({EngineEvent::Kind::Arrival, j});
  }
}

}  // namespace rcn
