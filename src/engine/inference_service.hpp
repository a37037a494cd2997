#pragma once
// LLM inference services in the engine: one dispatcher actor per service
// draws request arrivals (Poisson, daily profile, or a trace file), picks a
// region by demand share and a replica by the routing rule, and one actor per
// replica serves its queue with continuous batching (InferenceCost). Requests
// are data, never actors; a replica advances many decode steps in one SimGrid
// wait, stopping early when a request arrives.
#include <memory>
#include <vector>

#include "rcn/engine/results.hpp"

namespace rcn {

struct EngineContext;
class InferenceRuntime;

// Reserves the replicas' servers (before any training job) and starts the
// actors. Throws InputError when a site cannot hold its replicas.
std::shared_ptr<InferenceRuntime> start_inference(EngineContext& ctx);
// Latency percentiles, SLO attainment, conservation counts at the end of the run.
void collect_inference(const InferenceRuntime& rt, double end, SimulationResult& out,
                       std::vector<double>& busy_gpu_seconds_per_cluster);

}  // namespace rcn
