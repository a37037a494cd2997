// Contention that changes while jobs run (flow fidelity, docs/models.md
// "Fabric"): when a job starts or ends on a cluster, or one of its spines or
// cables fails or comes back, the cluster's running jobs measure their step
// again, all at once, so each sees the others' flows and the uplinks as they
// are now. A job's speed becomes reference step / new step (JobPace), from the
// end of that measurement on. Only the cluster concerned is re-evaluated.
// Analytic fidelity sees only failed spines and cables, in closed form
// (models/fabric_rounds.hpp): no measurement, the new rate applies at once.
#include <fmt/format.h>

#include <algorithm>

#include "rcn/models/fabric_rounds.hpp"

#include "src/engine/engine_context.hpp"

namespace rcn {
namespace sg4 = simgrid::s4u;

namespace {

bool remeasurable(const EngineContext& ctx, std::size_t j, std::size_t c) {
  const JobRuntime& job = ctx.jobs[j];
  // Still measuring its first step (reference 0): that measurement already sees the change.
  return job.cluster == c && !job.cross_site && job.result.state == JobState::Running && !job.progress.preempting &&
         job.progress.runner && job.progress.reference_step_s > 0 && !job.servers.empty();
}

void start_remeasure(EngineContext& ctx, std::size_t j) {
  JobProgress& p = ctx.jobs[j].progress;
  if (p.remeasure) {  // one measurement in flight per job: it runs once more when done
    p.remeasure_again = true;
    return;
  }
  const ClusterState& cs = ctx.clusters[ctx.jobs[j].cluster];
  sg4::Host* host = ctx.platform.sites[cs.site].clusters[cs.cluster].servers[ctx.jobs[j].servers.front()];
  const double attempt = p.attempt_start;
  p.remeasure = sg4::Actor::create("contention:" + ctx.scenario.training[j].name, host, [&ctx, j, attempt] {
    guarded(ctx, fmt::format("training job \"{}\"", ctx.scenario.training[j].name), [&] {
      JobProgress& p = ctx.jobs[j].progress;
      auto same_attempt = [&] {
        return p.attempt_start == attempt && remeasurable(ctx, j, ctx.jobs[j].cluster);
      };
      do {
        p.remeasure_again = false;
        double step = 0;
        try {
          step = measure_flow_step(ctx, j).step_time_s;
        } catch (const simgrid::Exception&) {  // its servers failed meanwhile: the interruption handles it
          break;
        }
        if (!same_attempt()) break;
        if (step > 0) set_job_rate(ctx, j, p.reference_step_s / step);
      } while (p.remeasure_again && same_attempt());
      p.remeasure = nullptr;
      p.remeasure_again = false;
    });
  });
}

}  // namespace

std::vector<double> uplinks_left(const std::vector<double>& lost) {
  std::vector<double> out;
  out.reserve(lost.size());
  for (double l : lost) out.push_back(1 - l);
  return out;
}

double uplink_loss_rate(const EngineContext& ctx, std::size_t j) {
  const JobRuntime& job = ctx.jobs[j];
  const ClusterRuntime& rt = ctx.cluster_runtime[job.cluster];
  auto whole = [](const std::vector<double>& lost) {
    return std::all_of(lost.begin(), lost.end(), [](double l) { return l <= 1e-12; });
  };
  const bool hashed = rt.fabric.ecmp_hash && rt.fabric.tiered();
  if (job.cross_site || job.servers.empty() || (!hashed && whole(rt.leaf_uplink_lost) && whole(rt.pod_uplink_lost)))
    return 1;
  const ClusterState& cs = ctx.clusters[job.cluster];
  const TrainingJobSpec spec = running_job(ctx, j);  // as the reference step was computed: shrunk if it is
  const ClusterSpec& cluster = ctx.scenario.sites[cs.site].clusters[cs.cluster];
  const HardwareProfile& hw = *ctx.scenario.find_profile(cs.gpu);
  const ClusterLinks links = ClusterLinks::of(cluster);
  const UplinkLossTimer timer(rt.fabric, job.servers, cluster.gpus_per_server, collective_fabric(hw, links),
                              uplinks_left(rt.leaf_uplink_lost), uplinks_left(rt.pod_uplink_lost),
                              ecmp_seed(ctx.scenario.seed, ctx.scenario.training[j].name));
  const double step = training_step(*ctx.scenario.find_model(spec.model), spec, hw, links, std::cref(timer)).step_time_s;
  return step > 0 && job.progress.reference_step_s > 0 ? job.progress.reference_step_s / step : 1;
}

void reevaluate_contention(EngineContext& ctx, std::size_t c, std::size_t except) {
  if (ctx.scenario.fidelity != Fidelity::Flow) {
    for (std::size_t j : ctx.started)
      if (j != except && remeasurable(ctx, j, c)) {
        const double rate = uplink_loss_rate(ctx, j);
        if (rate != ctx.jobs[j].progress.pace.rate) set_job_rate(ctx, j, rate);
      }
    return;
  }
  for (std::size_t j : ctx.started)
    if (j != except && remeasurable(ctx, j, c)) start_remeasure(ctx, j);
}

void change_uplinks(EngineContext& ctx, std::size_t c, const std::vector<UplinkLoss>& lost, int sign) {
  ClusterRuntime& rt = ctx.cluster_runtime[c];
  const ClusterState& cs = ctx.clusters[c];
  const ClusterHosts& cp = ctx.platform.sites[cs.site].clusters[cs.cluster];
  for (const UplinkLoss& l : lost) {
    auto& held = l.pod ? rt.pod_uplink_lost : rt.leaf_uplink_lost;
    const auto& links = l.pod ? cp.pod_uplinks : cp.leaf_uplinks;
    const auto i = static_cast<std::size_t>(l.index);
    if (i >= held.size() || i >= links.size() || !links[i]) continue;
    held[i] += sign * l.fraction;
    // Overlapping failures add up; the link keeps a sliver so SimGrid's sharing stays defined.
    const double left = std::max(1e-9, 1 - held[i]);
    const double nominal = l.pod ? rt.fabric.pod_uplink : rt.fabric.group_uplink;
    auto* duplex = static_cast<sg4::SplitDuplexLink*>(links[i]);
    duplex->get_link_up()->set_bandwidth(nominal * left);
    duplex->get_link_down()->set_bandwidth(nominal * left);
  }
}

}  // namespace rcn
