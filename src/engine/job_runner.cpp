// Holds a job's servers for the rest of its run time. One attempt is one exec
// on the job's first server, sized to last exactly the model's time for the
// work not yet saved; a failure kills this actor (failure_injector.cpp).
#include <fmt/format.h>

#include "src/engine/engine_context.hpp"
#include "src/engine/flow_collectives.hpp"

namespace rcn {
namespace sg4 = simgrid::s4u;

namespace {

// Flow fidelity: one iteration's cross-server collectives run as SimGrid flows
// on this job's servers; the step model takes their times. Cached per (job
// shape, placement), so a restart on the same servers does not measure again.
void measure_step_with_flows(EngineContext& ctx, std::size_t job) {
  const std::size_t c = ctx.job_cluster[job];
  const ClusterState& cs = ctx.clusters[c];
  const TrainingJobSpec& spec = ctx.scenario.training[job];
  const ClusterSpec& cluster = ctx.scenario.sites[cs.site].clusters[cs.cluster];
  const auto& par = spec.parallelism;
  std::string key = fmt::format("{}|{}|{}x{}x{}|{}|{}|{}|{}|{}|{}|", spec.model, spec.precision, par.tp, par.pp,
                                par.dp, par.micro_batch, par.virtual_stages, par.recompute, par.zero,
                                spec.global_batch, c);
  for (int s : ctx.job_servers[job]) key += fmt::format("{},", s);
  auto it = ctx.flow_steps.find(key);
  if (it == ctx.flow_steps.end()) {
    const HardwareProfile& hw = *ctx.scenario.find_profile(cs.gpu);
    const ClusterLinks links = ClusterLinks::of(cluster);
    std::vector<sg4::Host*> hosts;
    for (int s : ctx.job_servers[job]) hosts.push_back(ctx.platform.sites[cs.site].clusters[cs.cluster].servers[s]);
    FlowCollectives flows(hosts, cluster.gpus_per_server, collective_fabric(hw, links), hw.nic_efficiency);
    const TrainingStep step = training_step(*ctx.scenario.find_model(spec.model), spec, hw, links, std::ref(flows));
    it = ctx.flow_steps.emplace(key, step).first;
  }
  const TrainingStep& step = it->second;
  JobProgress& p = ctx.progress[job];
  JobResult& r = ctx.jobs[job];
  p.ideal_on_cluster = step.time_to_train_s;
  if (r.interruptions == 0) r.ideal_time_to_train_s = step.time_to_train_s;
  r.step = step;
  r.step_time_s = step.step_time_s;
  r.tflops_per_gpu = step.model_tflops_per_gpu;
  r.mfu = step.mfu;
}

}  // namespace

void job_runner(EngineContext& ctx, std::size_t job) {
  if (ctx.scenario.fidelity == Fidelity::Flow) measure_step_with_flows(ctx, job);
  const JobProgress& p = ctx.progress[job];
  const double run_time = p.remaining * p.ideal_on_cluster;
  sg4::Host* host = sg4::this_actor::get_host();
  if (run_time > 0) sg4::this_actor::execute(run_time * host->get_speed());
  ctx.post({EngineEvent::Kind::Completion, job});
}

}  // namespace rcn
