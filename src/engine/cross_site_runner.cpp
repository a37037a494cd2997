// One training job across sites (docs/cross-site.md): a share of dp / sites
// data-parallel replicas on one cluster of each site, tensor and pipeline
// parallelism inside it. Each share runs the single-site step model on its
// part of the global batch; after every step (sync) or every H inner steps
// (local-sgd) the sites meet in the cross-site part of a hierarchical
// all-reduce (models/cross_site_sync.hpp), run here as SimGrid flows between
// the sites' gateways over their WAN routes, so it shares the links with
// checkpoint, dataset and inference traffic. Exchanges are simulated in at
// most kBatches batches of R: the flows carry R exchanges' bytes and the
// latencies of the R rings are added, which on an idle WAN is exactly R times
// the closed form. A failure that hits a share's servers stops that share at
// once (its healthy servers go back to the pool) and loses the batch in
// flight; `elastic` goes on with the other shares (fewer data-parallel
// servers to come back. With `checkpoint`, every share writes the job's state
// to its own site's storage (nothing leaves the site); a failure of a job that is
// not elastic rolls every share back to the last checkpoint, which each reads
// from its own site's storage; an elastic job's other shares go on, and the
// share that failed reads the checkpoint before it rejoins.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <optional>

#include "rcn/models/checkpoint_model.hpp"
#include "rcn/models/cross_site_sync.hpp"
#include "src/engine/engine_context.hpp"

namespace rcn {
namespace sg4 = simgrid::s4u;

namespace {

constexpr double kBatches = 200;  // at most this many simulated batches of exchanges per job

// The job's step on one share: its dp / sites replicas and global_batch / sites sequences.
TrainingStep share_step(const EngineContext& ctx, std::size_t j, std::size_t c, int parts) {
  TrainingJobSpec s = ctx.scenario.training[j];
  s.gpus /= parts;
  s.parallelism.dp /= parts;
  s.global_batch /= parts;
  s.cross_site = nullptr;
  const ClusterState& cs = ctx.clusters[c];
  return training_step(*ctx.scenario.find_model(s.model), s, *ctx.scenario.find_profile(cs.gpu),
                       ClusterLinks::of(ctx.scenario.sites[cs.site].clusters[cs.cluster]));
}

// The share takes its servers if its cluster has them free (and a software failure's restart is over).
bool join(EngineContext& ctx, SiteShare& sh) {
  const double now = sg4::Engine::get_clock();
  const ClusterState& cs = ctx.clusters[sh.cluster];
  const int need = cs.servers_for(sh.gpus);
  if (sh.active || now < sh.available_at || cs.free_servers < need) return false;
  sh.servers = take_free_servers(ctx, sh.cluster, need);
  sh.active = true;
  sh.held_since = now;
  add_busy(ctx, cs.site, sh.gpus);
  return true;
}

// The share gives its healthy servers back (a failed one returns when repaired).
void leave(EngineContext& ctx, std::size_t j, SiteShare& sh) {
  if (!sh.active) return;
  const double held = sg4::Engine::get_clock() - sh.held_since;
  sh.held_s += held;
  ctx.cluster_runtime[sh.cluster].busy_gpu_seconds += sh.gpus * held;
  ctx.jobs[j].progress.attained_gpu_s += sh.gpus * held;
  add_busy(ctx, ctx.clusters[sh.cluster].site, -sh.gpus);
  for (int s : sh.servers)
    if (ctx.cluster_runtime[sh.cluster].down[s] == 0) return_free_server(ctx, sh.cluster, s);
  sh.servers.clear();
  sh.active = false;
  ctx.capacity_changed->notify_all();
}

std::string joined(const std::vector<std::string>& names) {
  std::string out;
  for (const std::string& n : names) out += (out.empty() ? "" : "+") + n;
  return out;
}

// The cross-site part of R exchanges of S bytes among the active shares: each site sends
// R x 2 (s - 1) / s x S to the next one of the ring, all at once, then the ring's latencies
// (2 (s - 1) per exchange, the slowest neighbour route's) beyond the one the flows paid.
double exchange(EngineContext& ctx, std::size_t j, const std::vector<SiteShare*>& active, double rounds, double bytes) {
  const int s = static_cast<int>(active.size());
  if (s < 2) return 0;
  const double per_site = rounds * ring_bytes_per_site(bytes, s);
  std::vector<std::size_t> site;
  for (const SiteShare* sh : active) site.push_back(ctx.clusters[sh->cluster].site);
  double latency = 0;
  for (int k = 0; k < s; ++k)
    latency = std::max(latency, ctx.graph->latency(*ctx.graph->route(site[k], site[(k + 1) % s])));
  const double t0 = sg4::Engine::get_clock();
  transfer_until_done(ctx, [&] {
    std::vector<sg4::CommPtr> comms;
    for (int k = 0; k < s; ++k)
      comms.push_back(sg4::Comm::sendto_async(ctx.platform.sites[site[k]].gateway,
                                              ctx.platform.sites[site[(k + 1) % s]].gateway,
                                              static_cast<std::uint64_t>(per_site)));
    return comms;
  });
  const double extra = std::max(0.0, rounds * 2.0 * (s - 1) * latency - latency);
  if (extra > 0) sg4::this_actor::sleep_for(extra);
  const double t1 = sg4::Engine::get_clock();
  for (int k = 0; k < s; ++k) {
    active[k]->wan_bytes += per_site;
    ctx.wan_transfers.push_back({t0, t1, ctx.scenario.sites[site[k]].name, ctx.scenario.sites[site[(k + 1) % s]].name,
                                 "cross-site exchange of " + ctx.scenario.training[j].name, per_site});
  }
  return t1 - t0;
}

// Each of `shares` moves `bytes` between its site's gateway (the border router and storage head)
// and its site's storage at once: a checkpoint written (to_storage) or read. Unmodelled storage
// costs nothing.
void share_storage(EngineContext& ctx, const std::vector<SiteShare*>& shares, double bytes, bool to_storage) {
  transfer_until_done(ctx, [&] {
    std::vector<sg4::CommPtr> comms;
    for (const SiteShare* sh : shares) {
      const SitePlatform& site = ctx.platform.sites[ctx.clusters[sh->cluster].site];
      if (!site.storage_modelled) continue;
      const auto size = static_cast<std::uint64_t>(bytes);
      comms.push_back(to_storage ? sg4::Comm::sendto_async(site.gateway, site.storage, size)
                                 : sg4::Comm::sendto_async(site.storage, site.gateway, size));
    }
    return comms;
  });
}

void cross_site_runner(EngineContext& ctx, std::size_t j) {
  const TrainingJobSpec& spec = ctx.scenario.training[j];
  const CrossSiteSpec& x = *spec.cross_site;
  CrossSiteProgress& xp = *ctx.jobs[j].cross_site;
  JobResult& r = ctx.jobs[j].result;
  const int parts = static_cast<int>(xp.shares.size());
  std::vector<TrainingStep> steps;
  double full_tokens = 0;  // per step, every share active
  for (const SiteShare& sh : xp.shares) {
    steps.push_back(share_step(ctx, j, sh.cluster, parts));
    full_tokens += steps.back().tokens_per_step;
  }
  const int inner = x.mode == CrossSiteMode::Sync ? 1 : x.inner_steps;
  const double bytes = exchange_bytes(x, steps.front().params, spec.parallelism.gradient_bytes());
  const double job_steps = training_steps(spec, full_tokens);
  xp.tokens_needed = job_steps * full_tokens * (1 + x.convergence_penalty);
  const double per_batch = std::max(1.0, std::ceil(std::ceil(xp.tokens_needed / (inner * full_tokens)) / kBatches));
  {  // the step the job's result shows: the first share's, with the job's length
    TrainingStep sized = steps.front();
    sized.steps = job_steps * (1 + x.convergence_penalty);
    sized.total_tokens = xp.tokens_needed;
    sized.tokens_per_step = full_tokens;
    set_job_step(r, std::make_shared<const TrainingStep>(steps.front()), sized);
    r.tflops_per_gpu = steps.front().model_tflops_per_gpu;  // while computing; cross_site.csv has the share of time
    r.mfu = steps.front().mfu;
  }
  std::vector<std::string> names;
  for (const SiteShare& sh : xp.shares) names.push_back(ctx.clusters[sh.cluster].site_name);
  const double state_bytes = checkpoint_bytes(*ctx.scenario.find_model(spec.model));
  std::vector<std::size_t> share_clusters;
  for (const SiteShare& sh : xp.shares) share_clusters.push_back(sh.cluster);
  // Useful seconds (compute and exchanges) between checkpoints: Young/Daly over the slowest share's
  // write and the whole job's failure rate at the busiest site's failure scale.
  const double interval = checkpoint_interval(ctx, j, state_bytes, share_clusters);
  r.checkpoint_interval_s = std::isfinite(interval) ? interval : 0;
  // A failure struck during the last `lost` seconds: they are lost; a job that is not elastic
  // rolls every share back to the last checkpoint (each rereads it), an elastic one only makes
  // the stopped shares reread it before they rejoin.
  auto struck = [&](double lost) {
    r.lost_work_s += lost;
    if (!spec.checkpoint.enabled) return;
    if (!x.elastic) {
      r.lost_work_s += xp.since_checkpoint_s;
      ctx.jobs[j].progress.useful_s -= xp.since_checkpoint_s;
      xp.tokens_done = xp.saved_tokens;
      xp.since_checkpoint_s = 0;
    }
    for (SiteShare& sh : xp.shares)
      if (!x.elastic || !sh.active) sh.reload = xp.checkpointed;
  };
  // Stage the dataset: each share's site gets the share's 1 / parts of it from the dataset's site
  // (storage to storage over the WAN, all at once; nothing for a share at that site), once.
  if (spec.dataset_site && spec.dataset_bytes > 0) {
    const auto home = static_cast<std::size_t>(ctx.scenario.find_site(*spec.dataset_site) - ctx.scenario.sites.data());
    const double part = spec.dataset_bytes / parts;
    std::vector<std::size_t> to;
    for (const SiteShare& sh : xp.shares)
      if (ctx.clusters[sh.cluster].site != home) to.push_back(ctx.clusters[sh.cluster].site);
    const double t0 = sg4::Engine::get_clock();
    begin_span(ctx, j, "staging", names.front());
    transfer_until_done(ctx, [&] {
      std::vector<sg4::CommPtr> comms;
      for (std::size_t site : to)
        comms.push_back(sg4::Comm::sendto_async(ctx.platform.sites[home].storage, ctx.platform.sites[site].storage,
                                                static_cast<std::uint64_t>(part)));
      return comms;
    });
    const double t1 = sg4::Engine::get_clock();
    begin_span(ctx, j, "running", names.front());
    r.staging_s += t1 - t0;
    for (std::size_t site : to)
      ctx.wan_transfers.push_back({t0, t1, ctx.scenario.sites[home].name, ctx.scenario.sites[site].name,
                                   "dataset of " + spec.name, part});
  }
  bool waiting = false;
  while (xp.tokens_done < xp.tokens_needed * (1 - 1e-12)) {
    for (SiteShare& sh : xp.shares) join(ctx, sh);
    std::vector<SiteShare*> active;
    std::vector<std::size_t> which;
    for (std::size_t k = 0; k < xp.shares.size(); ++k)
      if (xp.shares[k].active) {
        active.push_back(&xp.shares[k]);
        which.push_back(k);
      }
    if (active.empty() || (!x.elastic && static_cast<int>(active.size()) < parts)) {
      if (!waiting) begin_span(ctx, j, "waiting", names.front());  // spans name one site: the first share's
      waiting = true;
      const double t0 = sg4::Engine::get_clock();
      double wake = -1;  // a software failure's restart ends then
      for (const SiteShare& sh : xp.shares)
        if (!sh.active && sh.available_at > t0) wake = wake < 0 ? sh.available_at : std::min(wake, sh.available_at);
      {
        std::unique_lock<sg4::Mutex> lock(*ctx.mutex);
        if (wake > 0) ctx.capacity_changed->wait_until(lock, wake);
        else ctx.capacity_changed->wait(lock);
      }
      xp.waiting_s += sg4::Engine::get_clock() - t0;
      continue;
    }
    if (waiting) begin_span(ctx, j, "running", names.front());
    waiting = false;
    std::vector<SiteShare*> loading;
    for (SiteShare* sh : active)
      if (sh->reload) loading.push_back(sh);
    if (!loading.empty()) {  // each reads the last checkpoint from its own site's storage
      const int failures = r.interruptions;
      const double t0 = sg4::Engine::get_clock();
      begin_span(ctx, j, "loading", names.front());
      share_storage(ctx, loading, state_bytes, false);
      r.restart_overhead_s += sg4::Engine::get_clock() - t0;
      begin_span(ctx, j, "running", names.front());
      for (SiteShare* sh : loading) sh->reload = false;
      if (r.interruptions != failures) struck(0);
      continue;
    }
    double compute = 0, tokens = 0;
    for (std::size_t k : which) {
      compute = std::max(compute, inner * steps[k].step_time_s);
      tokens += inner * steps[k].tokens_per_step;
    }
    // At least one round: a remainder under 1e-9 of a round would otherwise give 0 rounds, and the loop
    // would send empty exchanges for ever.
    double rounds = std::max(1.0, std::min(per_batch, std::ceil((xp.tokens_needed - xp.tokens_done) / tokens - 1e-9)));
    if (std::isfinite(interval) && compute > 0)  // a batch does not run far past the next checkpoint
      rounds = std::min(rounds, std::max(1.0, std::ceil((interval - xp.since_checkpoint_s) / compute - 1e-9)));
    const int failures = r.interruptions;
    const double t0 = sg4::Engine::get_clock();
    if (!x.overlap) sg4::this_actor::sleep_for(rounds * compute);
    const double t_wan = sg4::Engine::get_clock();
    exchange(ctx, j, active, rounds, bytes);
    if (x.overlap && sg4::Engine::get_clock() < t0 + rounds * compute) sg4::this_actor::sleep_until(t0 + rounds * compute);
    const double t1 = sg4::Engine::get_clock();
    if (r.interruptions != failures) {  // a share stopped during the batch: its exchanges are lost
      struck(t1 - t0);
      continue;
    }
    xp.sync_s += x.overlap ? std::max(0.0, t1 - t0 - rounds * compute) : t1 - t_wan;
    xp.tokens_done += rounds * tokens;
    xp.exchanges += static_cast<std::int64_t>(rounds);
    ctx.jobs[j].progress.useful_s += t1 - t0;
    for (std::size_t k : which) xp.shares[k].compute_s += rounds * inner * steps[k].step_time_s;
    if (r.step_time_s == 0) r.step_time_s = (t1 - t0) / (rounds * inner);  // first batch, every share active
    xp.since_checkpoint_s += t1 - t0;
    if (xp.since_checkpoint_s >= interval * (1 - 1e-12) && xp.tokens_done < xp.tokens_needed * (1 - 1e-12)) {
      const double c0 = sg4::Engine::get_clock();
      begin_span(ctx, j, "checkpointing", names.front());
      share_storage(ctx, active, state_bytes, true);
      r.checkpoint_overhead_s += sg4::Engine::get_clock() - c0;
      begin_span(ctx, j, "running", names.front());
      if (r.interruptions != failures) {  // struck while writing: this checkpoint does not count
        struck(0);
        continue;
      }
      r.checkpoints += 1;
      xp.saved_tokens = xp.tokens_done;
      xp.checkpointed = true;
      xp.since_checkpoint_s = 0;
    }
  }
  ctx.post({EngineEvent::Kind::Completion, j});
}

// The first cluster of `site` with `gpus` GPUs' servers free now, if any, inside the job's
// residency (no share of a resident job runs outside it; docs/scheduling.md).
std::optional<std::size_t> free_cluster(const EngineContext& ctx, std::size_t job, std::size_t site, int gpus) {
  for (std::size_t c = 0; c < ctx.clusters.size(); ++c) {
    const ClusterState& cs = ctx.clusters[c];
    if (cs.site == site && ctx.scenario.training[job].may_run_in(cs.region) && cs.servers_for(gpus) <= cs.free_servers)
      return c;
  }
  return std::nullopt;
}

// Estimated time to train on `split` (one cluster per share, in ring order) on an idle WAN: the
// periods the job needs, each its slowest share's inner steps and the ring's exchange over the
// WAN route's worst latency and narrowest bandwidth. `steps[i]`: the share's step on split[i]
// (share_step). Empty when two neighbours have no route.
std::optional<double> split_time_s(const EngineContext& ctx, std::size_t j, const std::vector<std::size_t>& split,
                                   const std::vector<TrainingStep>& steps) {
  const TrainingJobSpec& spec = ctx.scenario.training[j];
  const CrossSiteSpec& x = *spec.cross_site;
  const int inner = x.mode == CrossSiteMode::Sync ? 1 : x.inner_steps;
  const int k = static_cast<int>(split.size());
  double latency = 0, bandwidth = 1e300, slowest = 0;
  for (int i = 0; i < k && k > 1; ++i) {
    const auto& path = ctx.graph->route(ctx.clusters[split[i]].site, ctx.clusters[split[(i + 1) % k]].site);
    if (!path) return std::nullopt;
    latency = std::max(latency, ctx.graph->latency(*path));
    bandwidth = std::min(bandwidth, ctx.graph->bottleneck_bandwidth(*path));
  }
  for (const TrainingStep& step : steps) slowest = std::max(slowest, step.step_time_s);
  const TrainingStep& first = steps.front();
  const double tokens = first.tokens_per_step * k;  // per step, every share
  const double periods = std::ceil(training_steps(spec, tokens) * (1 + x.convergence_penalty) / inner);
  const double wan =
      cross_site_all_reduce_s(exchange_bytes(x, first.params, spec.parallelism.gradient_bytes()), k, latency, bandwidth);
  return periods * exchange_period_s(slowest, inner, wan, x.overlap);
}

// `sites: auto`: the splits over k = 1, 2, ... sites that fit now (dp and global_batch
// divisible by k, a cluster with the share free at each, a WAN route around the ring), by
// estimated time to train on an idle WAN, least first (ties: fewer sites); for each k the k
// sites are those whose share steps fastest (ties: scenario order). Empty when none fits now.
std::vector<CrossSiteOffer> auto_splits(const EngineContext& ctx, std::size_t j) {
  const TrainingJobSpec& spec = ctx.scenario.training[j];
  std::vector<CrossSiteOffer> splits;
  for (int k = 1; k <= static_cast<int>(ctx.scenario.sites.size()); ++k) {
    if (spec.parallelism.dp % k != 0 || spec.global_batch % k != 0) continue;
    std::vector<std::pair<TrainingStep, std::size_t>> candidates;  // (share step, cluster)
    for (std::size_t site = 0; site < ctx.scenario.sites.size(); ++site)
      if (auto c = free_cluster(ctx, j, site, spec.gpus / k)) candidates.emplace_back(share_step(ctx, j, *c, k), *c);
    if (static_cast<int>(candidates.size()) < k) continue;
    std::stable_sort(candidates.begin(), candidates.end(),
                     [](const auto& a, const auto& b) { return a.first.step_time_s < b.first.step_time_s; });
    candidates.resize(static_cast<std::size_t>(k));
    std::vector<std::size_t> split;
    std::vector<TrainingStep> steps;
    for (auto& cand : candidates) split.push_back(cand.second), steps.push_back(std::move(cand.first));
    if (const auto time = split_time_s(ctx, j, split, steps)) splits.push_back({*time, std::move(split)});
  }
  std::stable_sort(splits.begin(), splits.end(), [](const auto& a, const auto& b) { return a.time_s < b.time_s; });
  return splits;
}

}  // namespace

std::vector<CrossSiteOffer> cross_site_offers(const EngineContext& ctx, std::size_t j) {
  const TrainingJobSpec& spec = ctx.scenario.training[j];
  const CrossSiteSpec& x = *spec.cross_site;
  if (x.auto_sites) return auto_splits(ctx, j);
  std::vector<std::size_t> split;
  for (const std::string& name : x.sites) {
    const auto site = static_cast<std::size_t>(ctx.scenario.find_site(name) - ctx.scenario.sites.data());
    const auto c = free_cluster(ctx, j, site, spec.gpus / static_cast<int>(x.sites.size()));
    if (!c) return {};
    split.push_back(*c);
  }
  std::vector<TrainingStep> steps;
  for (std::size_t c : split) steps.push_back(share_step(ctx, j, c, static_cast<int>(split.size())));
  const auto time = split_time_s(ctx, j, split, steps);  // a named split has a route (checked when the scenario loads)
  return {{time.value_or(std::numeric_limits<double>::infinity()), split}};
}

bool try_start_cross_site(EngineContext& ctx, std::size_t j) {
  const std::vector<CrossSiteOffer> offers = cross_site_offers(ctx, j);
  if (offers.empty()) return false;
  start_cross_site(ctx, j, offers.front().split);
  return true;
}

void start_cross_site(EngineContext& ctx, std::size_t j, const std::vector<std::size_t>& chosen) {
  const TrainingJobSpec& spec = ctx.scenario.training[j];
  const int gpus = spec.gpus / static_cast<int>(chosen.size());
  auto xp = std::make_unique<CrossSiteProgress>();
  std::vector<std::string> sites, clusters;
  int servers = 0;
  for (std::size_t c : chosen) {
    SiteShare sh;
    sh.cluster = c;
    sh.gpus = gpus;
    join(ctx, sh);
    servers += static_cast<int>(sh.servers.size());
    xp->shares.push_back(std::move(sh));
    sites.push_back(ctx.clusters[c].site_name);
    clusters.push_back(ctx.clusters[c].cluster_name);
  }
  ctx.jobs[j].cross_site = std::move(xp);
  const double now = sg4::Engine::get_clock();
  JobResult& r = ctx.jobs[j].result;
  r.start_s = now;
  r.queue_wait_s = now - r.submit_s;
  r.state = JobState::Running;
  r.site = joined(sites);
  r.cluster = joined(clusters);
  r.gpu = ctx.clusters[chosen.front()].gpu;
  r.servers = servers;
  r.gpus_last_attempt = spec.gpus;
  begin_span(ctx, j, "running", sites.front());  // timeline spans name one site (trace.json)
  JobProgress& p = ctx.jobs[j].progress;
  p.attempt_start = now;
  p.gpus = 0;  // the shares count their own GPUs (leave(), close_cross_site)
  p.runner = sg4::Actor::create("job:" + spec.name, ctx.platform.sites[ctx.clusters[chosen.front()].site].gateway,
                                [&ctx, j] {
                                  guarded(ctx, fmt::format("training job \"{}\"", ctx.scenario.training[j].name),
                                          [&] { cross_site_runner(ctx, j); });
                                });
}

void cross_site_failure(EngineContext& ctx, std::size_t j, const std::vector<std::pair<std::size_t, int>>& hit,
                        bool software, const std::string& cause) {
  CrossSiteProgress& xp = *ctx.jobs[j].cross_site;
  JobResult& r = ctx.jobs[j].result;
  const double restart_at =
      sg4::Engine::get_clock() + (software ? ctx.scenario.failures.detection + ctx.scenario.failures.restart : 0);
  for (SiteShare& sh : xp.shares) {
    const bool struck = sh.active && std::any_of(hit.begin(), hit.end(), [&](const auto& cs) {
      return cs.first == sh.cluster && std::find(sh.servers.begin(), sh.servers.end(), cs.second) != sh.servers.end();
    });
    if (!struck) continue;
    leave(ctx, j, sh);
    sh.available_at = restart_at;
    r.interruptions += 1;
    r.interruptions_by_cause[cause] += 1;
  }
}

void finish_cross_site(EngineContext& ctx, std::size_t j) {
  JobRuntime& job = ctx.jobs[j];
  for (SiteShare& sh : job.cross_site->shares) leave(ctx, j, sh);
  end_span(ctx, j);
  JobResult& r = job.result;
  r.state = JobState::Finished;
  r.end_s = sg4::Engine::get_clock();
  r.time_to_train_s = r.end_s - r.start_s;
  r.ideal_time_to_train_s = job.progress.useful_s;
  r.goodput = r.time_to_train_s > 0 ? r.ideal_time_to_train_s / r.time_to_train_s : 1.0;
  r.progress = 1.0;
  job.progress.runner = nullptr;
  ++ctx.jobs_done;
}

void close_cross_site(EngineContext& ctx, std::size_t j, double end, std::vector<double>& busy) {
  JobRuntime& job = ctx.jobs[j];
  if (!job.cross_site) return;
  CrossSiteProgress& xp = *job.cross_site;
  for (SiteShare& sh : xp.shares)
    if (sh.active) {
      const double held = end - sh.held_since;
      sh.held_s += held;
      busy[sh.cluster] += sh.gpus * held;
      job.result.gpu_hours += sh.gpus * held / 3600;
      sh.active = false;
    }
  if (job.result.state == JobState::Running) {
    job.result.progress = xp.tokens_needed > 0 ? xp.tokens_done / xp.tokens_needed : 0;
    if (end > job.result.start_s) job.result.goodput = job.progress.useful_s / (end - job.result.start_s);
  }
}

}  // namespace rcn
