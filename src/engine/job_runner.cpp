// Holds a job's servers for its run time. The run is one exec on the job's
// first server, sized so that it lasts exactly the model's time to train; the
// failures issue splits it at checkpoints and failures.
#include "src/engine/engine_context.hpp"

namespace rcn {
namespace sg4 = simgrid::s4u;

void job_runner(EngineContext& ctx, std::size_t job) {
  const std::size_t c = ctx.job_cluster[job];
  const double run_time = ctx.estimates[job][c].time_to_train_s;
  sg4::Host* host = sg4::this_actor::get_host();
  if (run_time > 0) sg4::this_actor::execute(run_time * host->get_speed());
  ctx.post({EngineEvent::Kind::Completion, job});
}

}  // namespace rcn
