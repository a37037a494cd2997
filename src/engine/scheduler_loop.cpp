// The scheduler actor: waits for arrivals and completions, asks the policy
// for placements, allocates servers and starts job runners.
#include <fmt/format.h>

#include <algorithm>
#include <limits>
#include <stdexcept>

#include "rcn/models/checkpoint_model.hpp"
#include "rcn/models/fabric_placement.hpp"
#include "src/engine/engine_context.hpp"
#include "src/engine/wait_all.hpp"

namespace rcn {
namespace sg4 = simgrid::s4u;

void release_job(EngineContext& ctx, std::size_t j) {
  const std::size_t c = ctx.jobs[j].cluster;
  const double ran = sg4::Engine::get_clock() - ctx.jobs[j].progress.attempt_start;
  ctx.cluster_runtime[c].busy_gpu_seconds += ctx.jobs[j].progress.gpus * ran;
  ctx.jobs[j].progress.attained_gpu_s += ctx.jobs[j].progress.gpus * ran;
  add_busy(ctx, ctx.clusters[c].site, -ctx.jobs[j].progress.gpus);
  for (int server : ctx.jobs[j].servers)
    if (ctx.cluster_runtime[c].down[server] == 0) return_free_server(ctx, c, server);  // a failed one returns when repaired
  ctx.jobs[j].servers.clear();
  ctx.capacity_changed->notify_all();  // a job across sites may be waiting for these servers
}

std::vector<int> take_free_servers(EngineContext& ctx, std::size_t c, int count) {
  ClusterRuntime& rt = ctx.cluster_runtime[c];
  auto& pool = rt.free_servers;
  std::vector<int> taken = choose_servers(pool, rt.fabric, count, rt.packed_placement);
  if (!taken.empty() && taken.back() == pool[count - 1])  // the lowest ones (always on an ideal fabric)
    pool.erase(pool.begin(), pool.begin() + count);
  else
    pool.erase(std::remove_if(pool.begin(), pool.end(),
                              [&](int s) { return std::binary_search(taken.begin(), taken.end(), s); }),
               pool.end());
  ctx.clusters[c].free_servers -= count;
  return taken;
}

void return_free_server(EngineContext& ctx, std::size_t c, int server) {
  auto& pool = ctx.cluster_runtime[c].free_servers;
  pool.insert(std::upper_bound(pool.begin(), pool.end(), server), server);
  ctx.clusters[c].free_servers += 1;
}

void end_span(EngineContext& ctx, std::size_t j) {
  // Closes every open span: a job killed while checkpointing leaves two open (running and the write).
  for (auto& span : ctx.jobs[j].result.timeline)
    if (span.end < 0) span.end = sg4::Engine::get_clock();
}

void begin_span(EngineContext& ctx, std::size_t j, const std::string& state, const std::string& site) {
  end_span(ctx, j);
  const double now = sg4::Engine::get_clock();
  ctx.jobs[j].result.timeline.push_back({state, now, -1, site});
}

void add_busy(EngineContext& ctx, std::size_t site, int delta) {
  ctx.site_busy_gpus[site] += delta;
  const double now = sg4::Engine::get_clock();
  auto& u = ctx.utilisation;
  if (!u.empty() && u.back().time_s == now && u.back().site == site) u.back().busy_gpus = ctx.site_busy_gpus[site];
  else u.push_back({now, site, ctx.site_busy_gpus[site]});
}

double wan_transfer_estimate(const EngineContext& ctx, std::size_t a, std::size_t b, double bytes) {
  if (a == b || bytes <= 0) return 0;
  const auto& path = ctx.graph->route(a, b);  // kept by the graph: no search, no copy
  if (!path) return 1e30;
  return ctx.graph->latency(*path) + bytes / ctx.graph->bottleneck_bandwidth(*path);
}

void EngineContext::post(EngineEvent e) {
  std::unique_lock lock(*mutex);
  inbox.push_back(e);
  wakeup->notify_all();
}

namespace {

// A job as the policy sees it while it waits. Nothing here changes while a job
// is queued (its data moves and its checkpoints are written only while it runs),
// so it is built once when the job joins the queue.
PendingJob pending_job(const EngineContext& ctx, std::size_t j) {
  const TrainingJobSpec& spec = ctx.scenario.training[j];
  const JobProgress& prog = ctx.jobs[j].progress;
  PendingJob p;
  p.job = j;
  p.name = spec.name;
  p.gpus = spec.gpus;
  p.submit_time = spec.submit;
  p.site = spec.site;
  p.attained_service_s = prog.attained_gpu_s;
  // Data to move: the checkpoint it resumes from, else its dataset.
  double bytes = 0;
  if (prog.checkpoint_site >= 0 && prog.remaining < 1) {
    p.data_site = static_cast<std::size_t>(prog.checkpoint_site);
    bytes = checkpoint_bytes(*ctx.scenario.find_model(spec.model));
  } else if (spec.dataset_site) {
    p.data_site = static_cast<std::size_t>(ctx.scenario.find_site(*spec.dataset_site) - ctx.scenario.sites.data());
    bytes = spec.dataset_bytes;
  }
  p.transfer_s_to.reserve(ctx.clusters.size());
  for (const ClusterState& cs : ctx.clusters) {
    const bool there = !p.data_site || std::find(prog.data_at.begin(), prog.data_at.end(), cs.site) != prog.data_at.end();
    p.transfer_s_to.push_back(there ? 0 : wan_transfer_estimate(ctx, *p.data_site, cs.site, bytes));
  }
  if (spec.cross_site) {  // no single cluster takes it: it starts on one of view.cross_site_splits
    p.across_sites = true;
    for (const ClusterState& cs : ctx.clusters) p.not_allowed_on.emplace_back(cs.site, cs.cluster);
    p.runtime_on.assign(ctx.clusters.size(), std::numeric_limits<double>::infinity());
    const CrossSiteSpec& x = *spec.cross_site;
    std::vector<std::size_t> sites;  // the candidate sites
    if (x.auto_sites) {
      for (std::size_t s = 0; s < ctx.scenario.sites.size(); ++s) sites.push_back(s);
      for (int k = 1; k <= static_cast<int>(sites.size()); ++k)
        if (spec.parallelism.dp % k == 0 && spec.global_batch % k == 0) p.split_counts.push_back(k);
    } else {
      for (const std::string& name : x.sites)
        sites.push_back(static_cast<std::size_t>(ctx.scenario.find_site(name) - ctx.scenario.sites.data()));
      p.split_counts.push_back(static_cast<int>(x.sites.size()));
    }
    for (std::size_t s : sites) {
      p.share_clusters.emplace_back();
      for (std::size_t c = 0; c < ctx.clusters.size(); ++c)
        if (ctx.clusters[c].site == s && spec.may_run_in(ctx.clusters[c].region)) p.share_clusters.back().push_back(c);
    }
    return p;
  }
  for (std::size_t c = 0; c < ctx.clusters.size(); ++c)
    if (!has_layout_on(ctx, j, c) || !spec.may_run_in(ctx.clusters[c].region))
      p.not_allowed_on.emplace_back(ctx.clusters[c].site, ctx.clusters[c].cluster);
  p.runtime_on.reserve(ctx.clusters.size());
  for (std::size_t c = 0; c < ctx.clusters.size(); ++c)
    p.runtime_on.push_back(prog.remaining * estimated_time_to_train(ctx, j, c));
  // Elastic jobs may come back smaller after a failure: fewer data-parallel replicas, same global batch.
  const auto& par = spec.parallelism;
  if (par.min_dp > 0 && par.min_dp < par.dp && ctx.jobs[j].result.interruptions > 0)
    for (int dp = par.dp - 1; dp >= par.min_dp; --dp)
      if (spec.global_batch % (dp * par.micro_batch) == 0) p.shrink_gpus.push_back(dp * par.model_parallel());
  return p;
}

// Brings the view up to now: the hour's prices and the running jobs. O(clusters +
// jobs started and still running), whatever the queue's length.
void refresh_view(EngineContext& ctx) {
  SchedulerView& v = ctx.view;
  v.now = sg4::Engine::get_clock();
  for (ClusterState& cs : v.clusters) {
    const PowerSpec& pw = ctx.scenario.sites[cs.site].power;
    cs.price_per_kwh_now = pw.price_at(v.now);
    cs.carbon_g_per_kwh_now = pw.carbon_at(v.now);
  }
  v.running.clear();
  std::size_t kept = 0;  // compacts `started` in the same pass
  for (const std::size_t j : ctx.started) {
    const JobResult& r = ctx.jobs[j].result;
    if (r.state != JobState::Running) continue;  // finished or interrupted: it comes back through start_job
    ctx.started[kept++] = j;
    const JobProgress& p = ctx.jobs[j].progress;
    if (p.preempting) continue;
    v.running.push_back({j, ctx.jobs[j].cluster, r.servers, p.attempt_start,
                         p.attempt_start + p.remaining * p.ideal_on_cluster,
                         p.attained_gpu_s + p.gpus * (v.now - p.attempt_start),
                         ctx.scenario.training[j].checkpoint.enabled});
  }
  ctx.started.resize(kept);
}

// The step on cluster c with `gpus` GPUs, recorded in the job's result: the
// precomputed estimate at full size, else the step model with fewer data-parallel replicas.
TrainingStep step_for(EngineContext& ctx, std::size_t j, std::size_t c, int gpus) {
  if (gpus == ctx.scenario.training[j].gpus) {
    TrainingStep e = estimate(ctx, j, c);
    set_job_step(ctx.jobs[j].result, estimate_shape(ctx, j, c), e);
    return e;
  }
  const TrainingJobSpec shrunk = job_on_cluster(ctx, j, c, gpus);
  const ClusterState& cs = ctx.clusters[c];
  const TrainingStep e = training_step(*ctx.scenario.find_model(shrunk.model), shrunk, *ctx.scenario.find_profile(cs.gpu),
                                       ClusterLinks::of(ctx.scenario.sites[cs.site].clusters[cs.cluster]));
  set_job_step(ctx.jobs[j].result, std::make_shared<const TrainingStep>(e), e);
  return e;
}

void start_job(EngineContext& ctx, std::size_t j, std::size_t c, int gpus) {
  ClusterState& cs = ctx.clusters[c];
  const TrainingJobSpec& spec = ctx.scenario.training[j];
  const int need = cs.servers_for(gpus);
  ctx.jobs[j].servers = take_free_servers(ctx, c, need);
  ctx.jobs[j].cluster = c;

  const TrainingStep e = step_for(ctx, j, c, gpus);
  const double now = sg4::Engine::get_clock();
  JobResult& r = ctx.jobs[j].result;
  if (r.start_s < 0) {  // first attempt: the figures a planner reads
    r.start_s = now;
    r.queue_wait_s = now - r.submit_s;
    if (r.residency_delayed_at >= 0) r.residency_wait_s = now - r.residency_delayed_at;
    r.ideal_time_to_train_s = e.time_to_train_s;
  }
  r.state = JobState::Running;
  auto at = std::lower_bound(ctx.started.begin(), ctx.started.end(), j);
  if (at == ctx.started.end() || *at != j) ctx.started.insert(at, j);  // restarted before a refresh dropped it
  r.site = cs.site_name;
  r.cluster = cs.cluster_name;
  r.gpu = cs.gpu;
  r.servers = need;
  r.fabric_span = fabric_span(ctx.jobs[j].servers, ctx.cluster_runtime[c].fabric);
  r.step_time_s = e.step_time_s;
  r.tflops_per_gpu = e.model_tflops_per_gpu;
  r.mfu = e.mfu;
  r.gpus_last_attempt = gpus;
  begin_span(ctx, j, "running", cs.site_name);
  add_busy(ctx, cs.site, gpus);
  JobProgress& p = ctx.jobs[j].progress;
  p.attempt_start = now;
  p.gpus = gpus;
  p.ideal_on_cluster = e.time_to_train_s;
  sg4::Host* host = ctx.platform.sites[cs.site].clusters[cs.cluster].servers[ctx.jobs[j].servers.front()];
  p.reference_step_s = ctx.scenario.fidelity == Fidelity::Flow ? 0 : e.step_time_s;  // flow: its runner measures it
  p.runner = sg4::Actor::create("job:" + spec.name, host, [&ctx, j] {
    guarded(ctx, fmt::format("training job \"{}\"", ctx.scenario.training[j].name), [&] { job_runner(ctx, j); });
  });
  reevaluate_contention(ctx, c, j);  // its neighbours now share the fabric with it
}

void finish_job(EngineContext& ctx, std::size_t j) {
  JobResult& r = ctx.jobs[j].result;
  JobProgress& p = ctx.jobs[j].progress;
  p.runner = nullptr;
  p.remaining = 0;
  if (p.remeasure) kill_with_flows(p.remeasure);  // its flows would share the fabric with whoever comes next
  p.remeasure = nullptr;
  p.remeasure_again = false;
  release_job(ctx, j);
  reevaluate_contention(ctx, ctx.jobs[j].cluster);  // its neighbours have the fabric to themselves
  end_span(ctx, j);
  r.state = JobState::Finished;
  r.end_s = sg4::Engine::get_clock();
  p.useful_s += p.pace.worked(r.end_s);
  p.close_attempt(r.end_s);
  r.mean_step_time_s = p.mean_step_s();
  // Uninterrupted time of the work on the placements it actually had.
  r.ideal_time_to_train_s = p.useful_s;
  r.time_to_train_s = r.end_s - r.start_s;
  r.goodput = r.time_to_train_s > 0 ? r.ideal_time_to_train_s / r.time_to_train_s : 1.0;
  r.progress = 1.0;
  ++ctx.jobs_done;
}

// Marks queued jobs with a residency that wait while a cluster outside it (one their size, site
// pin and layout would allow) has the servers they need: residency delayed them from now on.
void note_residency_delays(EngineContext& ctx) {
  std::size_t kept = 0;
  for (const std::size_t j : ctx.resident_waiting) {
    const PendingJob* q = ctx.view.queue.find(j);
    if (!q || q->across_sites || ctx.jobs[j].result.start_s >= 0) continue;  // started: no longer waiting for a first start
    const TrainingJobSpec& spec = ctx.scenario.training[j];
    bool delayed = false;
    for (std::size_t c = 0; c < ctx.clusters.size() && !delayed; ++c) {
      const ClusterState& cs = ctx.clusters[c];
      delayed = !spec.may_run_in(cs.region) && (!spec.site || *spec.site == cs.site_name) && has_layout_on(ctx, j, c) &&
                cs.servers_for(spec.gpus) <= cs.free_servers;
    }
    if (delayed) ctx.jobs[j].result.residency_delayed_at = ctx.view.now;
    else ctx.resident_waiting[kept++] = j;
  }
  ctx.resident_waiting.resize(kept);
}

// A policy's placement of a job across sites: one of the splits offered for it, each cluster
// with its share's servers free after the placements before it.
void start_placed_cross_site(EngineContext& ctx, const Placement& p) {
  const auto offered = ctx.view.cross_site_splits.find(p.job);
  const TrainingJobSpec& spec = ctx.scenario.training[p.job];
  const bool was_offered = offered != ctx.view.cross_site_splits.end() &&
                           std::find(offered->second.begin(), offered->second.end(), p.split) != offered->second.end();
  const bool fits = !p.split.empty() && std::all_of(p.split.begin(), p.split.end(), [&](std::size_t c) {
    return ctx.clusters[c].servers_for(spec.gpus / static_cast<int>(p.split.size())) <= ctx.clusters[c].free_servers;
  });
  if (!was_offered || !fits)
    throw std::logic_error(fmt::format("policy placed job {} across sites on a split that was not offered or has no room",
                                       spec.name));
  ctx.view.queue.erase(p.job);
  ctx.view.cross_site_splits.erase(p.job);
  ctx.view.cross_site_time_s.erase(p.job);
  auto& waiting = ctx.cross_site_waiting;
  waiting.erase(std::remove(waiting.begin(), waiting.end(), p.job), waiting.end());
  start_cross_site(ctx, p.job, p.split);
}

// Keeps the queue in submission order, so a restarted job regains its place.
void enqueue(EngineContext& ctx, std::size_t j) {
  ctx.jobs[j].result.resident = !ctx.scenario.training[j].residency.empty();
  if (!ctx.scenario.training[j].residency.empty() && ctx.jobs[j].result.start_s < 0 &&
      ctx.jobs[j].result.residency_delayed_at < 0)
    ctx.resident_waiting.push_back(j);
  if (ctx.scenario.training[j].cross_site) {
    ctx.cross_site_waiting.push_back(j);
    if (!ctx.policy->places_cross_site()) {  // placed by try_start_cross_site, before the policy
      ctx.jobs[j].result.state = JobState::Queued;
      begin_span(ctx, j, "queued");
      return;
    }
  }
  ctx.view.queue.push(pending_job(ctx, j));
  ctx.jobs[j].result.state = JobState::Queued;
  begin_span(ctx, j, "queued");
}

}  // namespace

void scheduler_loop(EngineContext& ctx) {
  while (ctx.jobs_done < ctx.jobs_expected) {
    std::deque<EngineEvent> events;
    {
      std::unique_lock lock(*ctx.mutex);
      while (ctx.inbox.empty()) ctx.wakeup->wait(lock);
      events.swap(ctx.inbox);
    }
    for (const EngineEvent& e : events) {
      switch (e.kind) {
        case EngineEvent::Kind::Arrival:
        case EngineEvent::Kind::Requeue: enqueue(ctx, e.job); break;
        case EngineEvent::Kind::Completion:
          if (ctx.jobs[e.job].cross_site) finish_cross_site(ctx, e.job);
          else finish_job(ctx, e.job);
          break;
        case EngineEvent::Kind::Capacity: break;  // only a reason to ask the policy again
      }
    }
    auto& waiting = ctx.cross_site_waiting;
    if (!ctx.policy->places_cross_site()) {
      // Jobs across sites first, in arrival order: each starts once all its sites have room.
      waiting.erase(std::remove_if(waiting.begin(), waiting.end(), [&](std::size_t j) { return try_start_cross_site(ctx, j); }),
                    waiting.end());
    } else {  // the policy places them: offer each its splits that fit now
      ctx.view.cross_site_splits.clear();
      ctx.view.cross_site_time_s.clear();
      for (std::size_t j : waiting) {
        std::vector<CrossSiteOffer> offers = cross_site_offers(ctx, j);
        if (offers.empty()) continue;
        auto& splits = ctx.view.cross_site_splits[j];
        auto& times = ctx.view.cross_site_time_s[j];
        for (CrossSiteOffer& o : offers) {
          splits.push_back(std::move(o.split));
          times.push_back(o.time_s);
        }
      }
    }
    if (ctx.view.queue.empty()) continue;
    refresh_view(ctx);
    const std::vector<std::size_t> stop = ctx.policy->preempt(ctx.view);
    for (std::size_t j : stop) {
      if (j >= ctx.jobs.size() || ctx.jobs[j].result.state != JobState::Running || !ctx.scenario.training[j].checkpoint.enabled)
        throw std::logic_error(fmt::format("policy preempted job {}, which is not a running job that checkpoints", j));
      preempt_job(ctx, j);
    }
    if (!stop.empty()) refresh_view(ctx);  // the preempted jobs no longer count as running
    for (const Placement& p : ctx.policy->schedule(ctx.view)) {
      if (!ctx.view.queue.find(p.job) || p.cluster_state >= ctx.clusters.size())
        throw std::logic_error(fmt::format("policy placed job {} that is not queued", p.job));
      const auto& spec = ctx.scenario.training[p.job];
      if (spec.cross_site) {
        start_placed_cross_site(ctx, p);
        continue;
      }
      const ClusterState& cs = ctx.clusters[p.cluster_state];
      const int gpus = p.gpus > 0 ? p.gpus : spec.gpus;
      const auto& par = spec.parallelism;
      const bool size_ok = gpus == spec.gpus || (par.min_dp > 0 && gpus % par.model_parallel() == 0 &&
                                                 gpus / par.model_parallel() >= par.min_dp && gpus < spec.gpus);
      if (!size_ok || cs.servers_for(gpus) > cs.free_servers || (spec.site && *spec.site != cs.site_name) ||
          !has_layout_on(ctx, p.job, p.cluster_state) || !spec.may_run_in(cs.region))
        throw std::logic_error(fmt::format("policy placed job {} on {}/{}, which cannot take it", spec.name,
                                           cs.site_name, cs.cluster_name));
      ctx.view.queue.erase(p.job);
      start_job(ctx, p.job, p.cluster_state, gpus);
    }
    if (!ctx.resident_waiting.empty()) note_residency_delays(ctx);  // still waiting after this event's placements
  }
}

}  // namespace rcn
