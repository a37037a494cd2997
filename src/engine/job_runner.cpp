// Holds a job's servers for the rest of its run time. One attempt is one exec
// on the job's first server, sized to last exactly the model's time for the
// work not yet saved; a failure kills this actor (failure_injector.cpp).
#include "src/engine/engine_context.hpp"

namespace rcn {
namespace sg4 = simgrid::s4u;

void job_runner(EngineContext& ctx, std::size_t job) {
  const JobProgress& p = ctx.progress[job];
  const double run_time = p.remaining * p.ideal_on_cluster;
  sg4::Host* host = sg4::this_actor::get_host();
  if (run_time > 0) sg4::this_actor::execute(run_time * host->get_speed());
  ctx.post({EngineEvent::Kind::Completion, job});
}

}  // namespace rcn
