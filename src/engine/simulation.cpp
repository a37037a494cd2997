#include "rcn/engine/simulation.hpp"

#include <simgrid/s4u.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <stdexcept>

#include "rcn/models/site_energy.hpp"
#include "rcn/sched/policy_registry.hpp"
#include "rcn/version.hpp"
#include "src/engine/engine_context.hpp"
#include "src/engine/inference_service.hpp"

namespace rcn {
namespace sg4 = simgrid::s4u;

const char* to_string(JobState s) {
  switch (s) {
    case JobState::Finished: return "finished";
    case JobState::Running: return "running";
    case JobState::Queued: return "queued";
    case JobState::NotSubmitted: return "not-submitted";
  }
  return "?";
}

namespace {

void prepare(EngineContext& ctx) {
  const Scenario& s = ctx.scenario;
  for (std::size_t si = 0; si < s.sites.size(); ++si) {
    for (std::size_t ci = 0; ci < s.sites[si].clusters.size(); ++ci) {
      const SiteSpec& site = s.sites[si];
      const ClusterSpec& c = site.clusters[ci];
      ClusterState cs;
      cs.site = si;
      cs.cluster = ci;
      cs.site_name = site.name;
      cs.cluster_name = c.name;
      cs.region = site.region;
      cs.gpu = c.gpu;
      cs.kind = site.kind;
      cs.gpus_per_server = c.gpus_per_server;
      cs.total_servers = cs.free_servers = c.servers;
      ctx.clusters.push_back(cs);
      std::vector<int> pool(c.servers);
      for (int i = 0; i < c.servers; ++i) pool[i] = i;
      ctx.free_servers.push_back(std::move(pool));
      ctx.down.emplace_back(c.servers + c.spares, 0);
      std::vector<int> spares(c.spares);
      for (int i = 0; i < c.spares; ++i) spares[i] = c.servers + i;
      ctx.spare_pool.push_back(std::move(spares));
      ctx.spares_lent.push_back(0);
      ctx.unreplaced.push_back(0);
    }
  }
  ctx.busy_gpu_seconds.assign(ctx.clusters.size(), 0.0);
  ctx.site_busy_gpus.assign(s.sites.size(), 0);
  for (const TrainingJobSpec& j : s.training) {
    const ModelSpec& m = *s.find_model(j.model);
    std::vector<TrainingStep> per_cluster;
    for (const ClusterState& cs : ctx.clusters) {
      const ClusterSpec& spec = s.sites[cs.site].clusters[cs.cluster];
      per_cluster.push_back(training_step(m, j, *s.find_profile(cs.gpu), ClusterLinks::of(spec)));
      if (j.duration) per_cluster.back().time_to_train_s = *j.duration;  // a trace's fixed run time
    }
    ctx.estimates.push_back(std::move(per_cluster));
    JobResult r;
    r.name = j.name;
    r.model = j.model;
    r.gpus = j.gpus;
    r.submit_s = j.submit;
    r.params = ctx.estimates.back().front().params;
    ctx.jobs.push_back(r);
    if (j.submit < s.horizon) ++ctx.jobs_expected;
  }
  ctx.job_cluster.assign(s.training.size(), 0);
  ctx.job_servers.assign(s.training.size(), {});
  ctx.progress.assign(s.training.size(), JobProgress{});
}

SimulationResult collect(EngineContext& ctx, const InferenceRuntime* inference) {
  const Scenario& s = ctx.scenario;
  const double end = sg4::Engine::get_clock();
  SimulationResult res;
  res.scenario = s.name;
  res.seed = s.seed;
  res.version = kVersion;
  res.horizon_s = s.horizon;
  res.simulated_end_s = end;
  res.policy = s.scheduler.policy;
  res.fidelity = to_string(s.fidelity);
  std::vector<double> busy = ctx.busy_gpu_seconds;
  if (inference) collect_inference(*inference, end, res, busy);
  for (std::size_t j = 0; j < ctx.jobs.size(); ++j) {
    JobResult& r = ctx.jobs[j];
    const JobProgress& p = ctx.progress[j];
    if (r.state == JobState::Running) {  // finished and interrupted attempts were closed already
      const double ran = end - p.attempt_start;
      busy[ctx.job_cluster[j]] += p.gpus * ran;
      const double worked = p.work_done_s + (p.segment_start >= 0 ? end - p.segment_start : 0);
      r.progress = 1.0 - p.remaining + (p.ideal_on_cluster > 0 ? worked / p.ideal_on_cluster : 0);
      // Effective training time so far: work kept or still running, over the time since the first start.
      if (end > r.start_s) r.goodput = (p.useful_s + worked) / (end - r.start_s);
    } else if (r.state == JobState::Queued) {
      r.progress = 1.0 - p.remaining;
    }
  }
  for (JobResult& r : ctx.jobs)  // spans still open end with the run
    for (TimelineSpan& span : r.timeline)
      if (span.end < 0) span.end = end;
  res.jobs = ctx.jobs;
  res.utilisation = ctx.utilisation;
  res.wan_transfers = ctx.wan_transfers;
  for (const FailureRecord& f : ctx.failure_log)
    res.failures.push_back({f.at, f.component, f.site, f.cluster, f.servers, f.jobs, f.downtime});
  for (std::size_t si = 0; si < s.sites.size(); ++si) {
    const SiteSpec& site = s.sites[si];
    SiteResult sr;
    sr.name = site.name;
    sr.region = site.region;
    sr.kind = to_string(site.kind);
    sr.gpus = site.gpus();
    double busy_s = 0;
    for (std::size_t c = 0; c < ctx.clusters.size(); ++c) {
      if (ctx.clusters[c].site != si) continue;
      const ClusterSpec& spec = site.clusters[ctx.clusters[c].cluster];
      const double total_s = static_cast<double>(spec.gpus()) * end;
      const EnergyUse e = cluster_energy(busy[c], total_s - busy[c], *s.find_profile(spec.gpu), site.power);
      sr.energy_kwh += e.energy_kwh;
      sr.cost += e.cost;
      sr.carbon_kg += e.carbon_kg;
      busy_s += busy[c];
    }
    sr.gpu_hours_busy = busy_s / 3600.0;
    sr.utilisation = (sr.gpus > 0 && end > 0) ? busy_s / (sr.gpus * end) : 0;
    res.sites.push_back(sr);
  }
  return res;
}

}  // namespace

SimulationResult run_simulation(const Scenario& scenario, const RunOptions& options) {
  auto engine = create_engine();

  EngineContext ctx(scenario);
  Diagnostics diags;
  ctx.policy = PolicyRegistry::instance().create(scenario.scheduler, diags);
  if (!ctx.policy) throw InputError{diags};
  ctx.graph = std::make_unique<SiteGraph>(scenario);
  ctx.platform = build_platform(scenario, *ctx.graph);
  prepare(ctx);
  // Inference replicas take their servers before any training job is placed.
  std::shared_ptr<InferenceRuntime> inference = scenario.inference.empty() ? nullptr : start_inference(ctx);

  if (options.on_progress) sg4::Engine::on_time_advance_cb([&](double) { options.on_progress(sg4::Engine::get_clock()); });
  sg4::Host* control = ctx.platform.sites.front().gateway;
  sg4::Actor::create("workload-source", control, [&ctx] { workload_source(ctx); });
  sg4::Actor::create("scheduler", control, [&ctx] { scheduler_loop(ctx); });
  ctx.failure_classes = failure_components(scenario.failures);
  std::vector<FailureEvent> failures = failure_schedule(scenario);
  if (!failures.empty())
    sg4::Actor::create("failures", control, [&ctx, f = std::move(failures)]() mutable {
      failure_injector(ctx, std::move(f));
    })->daemonize();
  // The horizon ends the run by stopping every actor; as a daemon it dies
  // quietly (without moving the clock) when everything finished earlier.
  sg4::Actor::create("horizon", control, [horizon = scenario.horizon] {
    sg4::this_actor::sleep_until(horizon);
    sg4::Actor::kill_all();
  })->daemonize();
  engine->run();
  return collect(ctx, inference.get());
}

}  // namespace rcn
