#include "rcn/engine/simulation.hpp"

#include <signal.h>

#include <simgrid/s4u.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <limits>
#include <map>
#include <unordered_map>
#include <stdexcept>

#include "rcn/models/layout_search.hpp"
#include "rcn/models/site_energy.hpp"
#include "rcn/models/transformer_size.hpp"
#include "rcn/sched/policy_registry.hpp"
#include "rcn/version.hpp"
#include "src/engine/daemon_actor.hpp"
#include "src/engine/engine_context.hpp"
#include "src/engine/inference_service.hpp"
#include "src/engine/run_cost.hpp"
#include "src/engine/site_energy_series.hpp"
#include "src/engine/wait_all.hpp"

namespace rcn {
namespace sg4 = simgrid::s4u;

TrainingStep JobResult::step() const {
  if (!step_shape) return {};
  TrainingStep s = *step_shape;
  s.steps = steps;
  s.total_tokens = tokens;
  s.time_to_train_s = step_time_to_train_s;
  return s;
}

const char* to_string(JobState s) {
  switch (s) {
    case JobState::Finished: return "finished";
    case JobState::Running: return "running";
    case JobState::Queued: return "queued";
    case JobState::NotSubmitted: return "not-submitted";
    case JobState::Unschedulable: return "unschedulable";
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
      ClusterRuntime rt;
      rt.fabric = ctx.platform.sites[si].clusters[ci].shape;
      rt.leaf_uplink_lost.assign(static_cast<std::size_t>(rt.fabric.groups), 0.0);
      rt.pod_uplink_lost.assign(static_cast<std::size_t>(rt.fabric.pods), 0.0);
      rt.packed_placement = c.scale_out.placement == "packed";
      rt.free_servers.resize(c.servers);
      for (int i = 0; i < c.servers; ++i) rt.free_servers[i] = i;
      rt.down.assign(c.servers + c.spares, 0);
      rt.spare_pool.resize(c.spares);
      for (int i = 0; i < c.spares; ++i) rt.spare_pool[i] = c.servers + i;
      ctx.cluster_runtime.push_back(std::move(rt));
    }
  }
  ctx.site_busy_gpus.assign(s.sites.size(), 0);
  // Layout searches of auto jobs, by what their result depends on: a trace of
  // identical jobs searches once per cluster kind. Steps likewise, once per (job
  // shape, cluster): training_step_key() leaves out the job's length.
  std::map<std::string, std::optional<ParallelismSpec>> searched;
  std::unordered_map<std::string, std::uint32_t> step_of;
  const std::size_t clusters = ctx.clusters.size();
  ctx.estimate_index.reserve(s.training.size() * clusters);
  ctx.jobs.reserve(s.training.size());
  ctx.layouts.reserve(s.training.size());
  auto shared_step = [&](const std::string& key, const auto& compute) {
    auto [it, fresh] = step_of.emplace(key, static_cast<std::uint32_t>(ctx.step_table.size()));
    if (fresh) ctx.step_table.push_back(std::make_shared<const TrainingStep>(compute()));
    ctx.estimate_index.push_back(it->second);
  };
  for (const TrainingJobSpec& j : s.training) {
    const ModelSpec& m = *s.find_model(j.model);
    std::vector<std::optional<ParallelismSpec>> chosen;
    const std::string shape = j.parallelism.auto_layout ? "" : training_step_key(j);  // auto: per chosen layout
    for (std::size_t c = 0; c < clusters; ++c) {
      const ClusterState& cs = ctx.clusters[c];
      const ClusterSpec& spec = s.sites[cs.site].clusters[cs.cluster];
      const HardwareProfile& hw = *s.find_profile(cs.gpu);
      const ClusterLinks links = ClusterLinks::of(spec);
      const std::string on_cluster = fmt::format("|{}", c);
      if (!j.parallelism.auto_layout) {
        shared_step(shape + on_cluster, [&] { return training_step(m, j, hw, links); });
        continue;
      }
      std::optional<ParallelismSpec> layout;
      if (can_hold(j, spec, &hw)) {
        const std::string key = layout_search_key(m, j, cs.gpu, links);
        auto it = searched.find(key);
        if (it == searched.end()) {
          const LayoutSearchResult r = search_layouts(m, j, hw, links, {1, true});
          it = searched.emplace(key, r.best.empty() ? std::nullopt : std::optional(r.best.front().layout)).first;
        }
        layout = it->second;
      }
      chosen.push_back(layout);
      if (layout) {
        const TrainingJobSpec placed = with_layout(j, *layout);
        shared_step(training_step_key(placed) + on_cluster, [&] { return training_step(m, placed, hw, links); });
      } else {  // never placed here; the figures only keep the table whole
        shared_step("none|" + j.model, [&] {
          TrainingStep none;
          none.params = transformer_size(m).total_params;
          none.step_time_s = none.time_to_train_s = std::numeric_limits<double>::infinity();
          return none;
        });
      }
    }
    ctx.layouts.push_back(std::move(chosen));
    JobResult r;
    r.name = j.name;
    r.model = j.model;
    r.gpus = j.gpus;
    r.submit_s = j.submit;
    r.params = ctx.step_table[ctx.estimate_index[ctx.jobs.size() * clusters]]->params;
    ctx.jobs.push_back({std::move(r), 0, {}, {}, nullptr});
    if (j.submit < s.horizon) ++ctx.jobs_expected;
  }
}

// Bytes per WAN link, from the transfers rcnsim made: each loads every link of
// its route. Peak utilisation is the largest rate a link carried in one
// direction at any moment (sampled by watch_wan_links), over its bandwidth.
void wan_link_usage(const EngineContext& ctx, const std::vector<double>& peak_rate, SimulationResult& res) {
  const Scenario& s = ctx.scenario;
  std::map<std::string, std::size_t> index;
  for (std::size_t i = 0; i < s.sites.size(); ++i) index[s.sites[i].name] = i;
  for (std::size_t i = 0; i < s.wan.size(); ++i) res.wan_links.push_back({s.wan[i].from, s.wan[i].to, s.wan[i].bandwidth, 0, 0});
  for (const WanTransfer& t : res.wan_transfers) {
    auto path = ctx.graph->route(index.at(t.from), index.at(t.to));
    if (!path) continue;
    for (const auto& hop : *path) res.wan_links[hop.wan_index].bytes += t.bytes;
  }
  // SimGrid's max-min sharing keeps a link's load within its bandwidth up to the
  // solver's precision; min() removes that rounding, so the ratio never exceeds 1.
  for (std::size_t i = 0; i < s.wan.size(); ++i)
    res.wan_links[i].peak_utilisation = s.wan[i].bandwidth > 0 ? std::min(1.0, peak_rate[i] / s.wan[i].bandwidth) : 0;
}

// The largest rate (bytes/s) each WAN link carries in either direction. Rates are
// constant between two clock advances; at each advance SimGrid's link usage still
// holds the rates of the interval that just ended, so the maximum over advances
// is the true peak.
void watch_wan_links(const Platform& platform, double horizon, std::vector<double>& peak_rate) {
  peak_rate.assign(platform.wan_links.size(), 0.0);
  std::vector<std::pair<const sg4::Link*, const sg4::Link*>> halves;
  for (sg4::Link* l : platform.wan_links) {
    auto* duplex = static_cast<sg4::SplitDuplexLink*>(l);
    halves.emplace_back(duplex->get_link_up(), duplex->get_link_down());
  }
  if (halves.empty()) return;
  sg4::Engine::on_time_advance_cb([&peak_rate, halves, horizon](double delta) {
    if (sg4::Engine::get_clock() - delta >= horizon) return;  // activities left running after the horizon
    for (std::size_t i = 0; i < halves.size(); ++i)
      peak_rate[i] = std::max({peak_rate[i], halves[i].first->get_usage(), halves[i].second->get_usage()});
  });
}

// Time-of-use cost and carbon: the site's energy hour by hour, from the busy-GPU
// step function of training (utilisation series) plus the rest of its busy time
// (inference) spread evenly, priced at each hour's price and carbon intensity.
// Power per GPU from the site's first cluster (an approximation for mixed sites).
void hourly_cost(const EngineContext& ctx, std::size_t si, double busy_s, double end, SiteResult& sr) {
  const SiteSpec& site = ctx.scenario.sites[si];
  const HardwareProfile& hw = *ctx.scenario.find_profile(site.clusters.front().gpu);
  std::vector<std::pair<double, int>> steps{{0.0, 0}};
  for (const UtilisationPoint& u : ctx.utilisation)
    if (u.site == si) steps.emplace_back(u.time_s, u.busy_gpus);
  double training_busy = 0;
  for (std::size_t k = 0; k < steps.size(); ++k) {
    const double t1 = k + 1 < steps.size() ? steps[k + 1].first : end;
    training_busy += steps[k].second * (std::min(t1, end) - std::min(steps[k].first, end));
  }
  const double other_rate = std::max(0.0, busy_s - training_busy) / end;  // GPUs busy on average otherwise
  sr.cost = sr.carbon_kg = 0;
  std::size_t k = 0;
  for (double h0 = 0; h0 < end; h0 += 3600) {
    const double h1 = std::min(end, h0 + 3600);
    double busy = other_rate * (h1 - h0);
    while (k + 1 < steps.size() && steps[k + 1].first <= h0) ++k;
    for (std::size_t q = k; q < steps.size() && steps[q].first < h1; ++q) {
      const double a = std::max(h0, steps[q].first), b = std::min(h1, q + 1 < steps.size() ? steps[q + 1].first : end);
      if (b > a) busy += steps[q].second * (b - a);
    }
    busy = std::min(busy, sr.gpus * (h1 - h0));
    const double kwh = (busy * hw.busy_power_w + (sr.gpus * (h1 - h0) - busy) * hw.idle_power_w) * site.power.pue / 3.6e6;
    sr.cost += kwh * site.power.price_at(h0);
    sr.carbon_kg += kwh * site.power.carbon_at(h0) / 1000;
  }
}

// A job that never started and needs more servers than any cluster it may use
// can ever give training (its servers less those the scenario's inference replicas
// hold for the whole run; servers in repair come back, autoscaled replicas go)
// becomes Unschedulable, with the reason: waiting longer would not have helped.
void mark_unschedulable(EngineContext& ctx) {
  const std::size_t n = ctx.clusters.size();
  std::vector<int> for_training(n);
  for (std::size_t c = 0; c < n; ++c)
    for_training[c] = ctx.clusters[c].total_servers - ctx.cluster_runtime[c].inference_servers;
  for (std::size_t j = 0; j < ctx.jobs.size(); ++j) {
    JobResult& r = ctx.jobs[j].result;
    if (r.state != JobState::Queued || r.start_s >= 0 || ctx.scenario.training[j].cross_site) continue;
    const TrainingJobSpec& spec = ctx.scenario.training[j];
    std::string best;  // the cluster that came closest, for the reason
    int best_servers = -1;
    bool fits = false;
    for (std::size_t c = 0; c < n && !fits; ++c) {
      const ClusterState& cs = ctx.clusters[c];
      if ((spec.site && *spec.site != cs.site_name) || !has_layout_on(ctx, j, c) || !spec.may_run_in(cs.region)) continue;
      fits = cs.servers_for(spec.gpus) <= for_training[c];
      if (for_training[c] > best_servers) {
        best_servers = for_training[c];
        best = fmt::format("{}/{}: {} of its {} servers, {} needed", cs.site_name, cs.cluster_name, for_training[c],
                           cs.total_servers, cs.servers_for(spec.gpus));
      }
    }
    if (fits) continue;
    r.state = JobState::Unschedulable;
    r.unschedulable_reason = best.empty() ? "no cluster it may use has a layout for it"
                                          : "more servers than any cluster it may use can give training beside the "
                                            "scenario's inference replicas (the most: " + best + ")";
  }
}

// cross_site.csv: one row per site of each job across sites that started (docs/results.md).
std::vector<CrossSiteRow> cross_site_rows(const EngineContext& ctx, double end) {
  std::vector<CrossSiteRow> rows;
  for (std::size_t j = 0; j < ctx.jobs.size(); ++j) {
    const JobRuntime& job = ctx.jobs[j];
    if (!job.cross_site) continue;
    const CrossSiteSpec& x = *ctx.scenario.training[j].cross_site;
    const CrossSiteProgress& xp = *job.cross_site;
    const JobResult& r = job.result;
    const double elapsed = (r.end_s >= 0 ? r.end_s : end) - r.start_s;
    // Tokens of quality: what a fully synchronous run would have needed for the same progress.
    const double effective = elapsed > 0 ? xp.tokens_done / (1 + x.convergence_penalty) / elapsed : 0;
    for (const SiteShare& sh : xp.shares) {
      const ClusterState& cs = ctx.clusters[sh.cluster];
      rows.push_back({r.name, cs.site_name, cs.cluster_name, to_string(x.mode),
                      x.mode == CrossSiteMode::Sync ? 1 : x.inner_steps, to_string(x.compression), sh.gpus, xp.exchanges,
                      sh.wan_bytes, xp.sync_s, xp.waiting_s, sh.held_s > 0 ? sh.compute_s / sh.held_s : 0, effective,
                      sh.gpus * sh.held_s / 3600});
    }
  }
  return rows;
}

SimulationResult collect(EngineContext& ctx, const InferenceRuntime* inference, const std::vector<double>& wan_peak) {
  const Scenario& s = ctx.scenario;
  // Killing the actors at the horizon does not stop every activity they started
  // (a checkpoint write in flight went on for days), so SimGrid's clock may pass
  // the horizon; no actor code runs after it, so nothing was recorded later than
  // it, and the results end there.
  const double end = std::min(sg4::Engine::get_clock(), s.horizon);
  SimulationResult res;
  res.scenario = s.name;
  res.seed = s.seed;
  res.version = kVersion;
  res.horizon_s = s.horizon;
  res.simulated_end_s = end;
  res.policy = s.scheduler.policy;
  res.fidelity = to_string(s.fidelity);
  std::vector<double> busy;
  for (const ClusterRuntime& rt : ctx.cluster_runtime) busy.push_back(rt.busy_gpu_seconds);
  if (inference) collect_inference(*inference, end, res, busy);
  for (std::size_t j = 0; j < ctx.jobs.size(); ++j) {
    JobResult& r = ctx.jobs[j].result;
    JobProgress& p = ctx.jobs[j].progress;
    r.gpu_hours = p.attained_gpu_s / 3600;
    if (r.state == JobState::Running) p.close_attempt(end);
    if (!ctx.jobs[j].cross_site) r.mean_step_time_s = p.mean_step_s();
    if (r.state == JobState::Running) {  // finished and interrupted attempts were closed already
      const double ran = end - p.attempt_start;
      busy[ctx.jobs[j].cluster] += p.gpus * ran;
      r.gpu_hours += p.gpus * ran / 3600;
      const double worked = p.pace.worked(end);
      r.progress = 1.0 - p.remaining + (p.ideal_on_cluster > 0 ? worked / p.ideal_on_cluster : 0);
      // Effective training time so far: work kept or still running, over the time since the first start.
      if (end > r.start_s) r.goodput = (p.useful_s + worked) / (end - r.start_s);
    } else if (r.state == JobState::Queued) {
      r.progress = 1.0 - p.remaining;
    }
    if (r.start_s < 0 && r.residency_delayed_at >= 0) r.residency_wait_s = end - r.residency_delayed_at;  // still waiting
  }
  for (std::size_t j = 0; j < ctx.jobs.size(); ++j) close_cross_site(ctx, j, end, busy);
  res.cross_site = cross_site_rows(ctx, end);
  mark_unschedulable(ctx);
  for (JobRuntime& job : ctx.jobs)  // spans still open end with the run
    for (TimelineSpan& span : job.result.timeline)
      if (span.end < 0) span.end = end;
  // Moved, not copied (ctx.jobs is not read again): one copy of every job's record at the peak, not two.
  res.jobs.reserve(ctx.jobs.size());
  for (JobRuntime& job : ctx.jobs) res.jobs.push_back(std::move(job.result));
  res.utilisation = ctx.utilisation;
  res.wan_transfers = ctx.wan_transfers;
  wan_link_usage(ctx, wan_peak, res);
  for (const FailureRecord& f : ctx.failure_log)
    res.failures.push_back({f.at, f.component, f.site, f.cluster, f.servers, f.jobs, f.downtime, f.server_count});
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
    if ((!site.power.price_by_hour.empty() || !site.power.carbon_by_hour.empty()) && end > 0 && sr.gpus > 0)
      hourly_cost(ctx, si, busy_s, end, sr);
    res.sites.push_back(sr);
  }
  account_costs(s, res);
  res.site_energy = site_energy_series(ctx, busy, res);
  return res;
}

}  // namespace

TrainingJobSpec job_on_cluster(const EngineContext& ctx, std::size_t job, std::size_t cluster) {
  const TrainingJobSpec& spec = ctx.scenario.training[job];
  if (!spec.parallelism.auto_layout) return spec;
  return with_layout(spec, ctx.layouts[job][cluster].value());
}

TrainingJobSpec job_on_cluster(const EngineContext& ctx, std::size_t job, std::size_t cluster, int gpus) {
  TrainingJobSpec spec = job_on_cluster(ctx, job, cluster);
  if (gpus > 0 && gpus != spec.gpus) {  // an elastic shrink keeps the model-parallel group, fewer replicas
    spec.parallelism.dp = gpus / spec.parallelism.model_parallel();
    spec.gpus = gpus;
  }
  return spec;
}

TrainingJobSpec running_job(const EngineContext& ctx, std::size_t job) {
  return job_on_cluster(ctx, job, ctx.jobs[job].cluster, ctx.jobs[job].progress.gpus);
}

bool has_layout_on(const EngineContext& ctx, std::size_t job, std::size_t cluster) {
  return !ctx.scenario.training[job].parallelism.auto_layout || ctx.layouts[job][cluster].has_value();
}

const std::shared_ptr<const TrainingStep>& estimate_shape(const EngineContext& ctx, std::size_t job, std::size_t cluster) {
  return ctx.step_table[ctx.estimate_index[job * ctx.clusters.size() + cluster]];
}

void set_job_step(JobResult& r, std::shared_ptr<const TrainingStep> shape, const TrainingStep& sized) {
  r.step_shape = std::move(shape);
  r.steps = sized.steps;
  r.tokens = sized.total_tokens;
  r.step_time_to_train_s = sized.time_to_train_s;
}

TrainingStep estimate(const EngineContext& ctx, std::size_t job, std::size_t cluster) {
  TrainingStep st = *estimate_shape(ctx, job, cluster);
  if (!has_layout_on(ctx, job, cluster)) return st;  // infinite: never placed there
  const TrainingJobSpec& spec = ctx.scenario.training[job];
  set_training_length(st, spec);
  if (spec.duration) st.time_to_train_s = *spec.duration;  // a trace's fixed run time
  return st;
}

double estimated_time_to_train(const EngineContext& ctx, std::size_t job, std::size_t cluster) {
  const TrainingStep& st = *estimate_shape(ctx, job, cluster);
  const TrainingJobSpec& spec = ctx.scenario.training[job];
  if (!has_layout_on(ctx, job, cluster)) return st.time_to_train_s;
  if (spec.duration) return *spec.duration;
  return training_steps(spec, st.tokens_per_step) * st.step_time_s;
}

void guarded(EngineContext& ctx, const std::string& what, const std::function<void()>& body) {
  // Only std::exception is caught (rcnsim's, the standard library's, yaml-cpp's
  // and SimGrid's own errors all derive from it). SimGrid's ForcefulKillException
  // (an actor killed by a failure or the horizon) does not, so it unwinds the
  // actor without being caught and rethrown here: a rethrow on an actor's stack
  // is what AddressSanitizer mistook for a stack overflow under the ucontext
  // factory (docs/reliability.md).
  try {
    body();
  } catch (const std::exception& e) {
    if (ctx.error.empty()) ctx.error = fmt::format("error in {}: {}", what, e.what());
    kill_all_with_flows();
  }
}

SimulationResult run_simulation(const Scenario& scenario, const RunOptions& options) {
  struct sigaction caller_int {}, caller_term {};
  ::sigaction(SIGINT, nullptr, &caller_int);
  ::sigaction(SIGTERM, nullptr, &caller_term);
  auto engine = create_engine();
  ::sigaction(SIGINT, &caller_int, nullptr);  // SimGrid's handler would exit(1) mid-run
  ::sigaction(SIGTERM, &caller_term, nullptr);

  EngineContext ctx(scenario);
  Diagnostics diags;
  ctx.policy = PolicyRegistry::instance().create(scenario.scheduler, diags);
  if (!ctx.policy) throw InputError{diags};
  ctx.graph = std::make_unique<SiteGraph>(scenario);
  ctx.platform = build_platform(scenario, *ctx.graph);
  prepare(ctx);
  // Inference replicas take their servers before any training job is placed.
  std::shared_ptr<InferenceRuntime> inference = scenario.inference.empty() ? nullptr : start_inference(ctx);
  for (std::size_t c = 0; c < ctx.clusters.size(); ++c)
    ctx.cluster_runtime[c].inference_servers = ctx.clusters[c].total_servers - ctx.clusters[c].free_servers;

  std::vector<double> wan_peak;  // bytes/s per WAN link
  watch_wan_links(ctx.platform, scenario.horizon, wan_peak);
  if (options.on_progress) sg4::Engine::on_time_advance_cb([&](double) { options.on_progress(sg4::Engine::get_clock()); });
  sg4::Host* control = ctx.platform.sites.front().gateway;
  bool interrupted = false;
  if (options.stop)  // a stop request ends the run as the horizon does, from an actor
    sg4::Engine::on_time_advance_cb([&interrupted, control, stop = options.stop](double) {
      if (*stop == 0 || interrupted) return;
      interrupted = true;
      sg4::Actor::create("interrupt", control, [] { kill_all_with_flows(); });
    });
  sg4::Actor::create("workload-source", control, [&ctx] { guarded(ctx, "the workload source", [&] { workload_source(ctx); }); });
  sg4::Actor::create("scheduler", control, [&ctx] { guarded(ctx, "the scheduler", [&] { scheduler_loop(ctx); }); });
  ctx.failure_classes = failure_components(scenario.failures);
  std::vector<FailureEvent> failures = failure_schedule(scenario);
  if (!failures.empty())
    create_daemon("failures", control, [&ctx, f = std::move(failures)]() mutable {
      guarded(ctx, "the failure injector", [&] { failure_injector(ctx, std::move(f)); });
    });
  // The horizon ends the run by stopping every actor; as a daemon it dies
  // quietly (without moving the clock) when everything finished earlier.
  create_daemon("horizon", control, [horizon = scenario.horizon] {
    sg4::this_actor::sleep_until(horizon);
    kill_all_with_flows();
  });
  engine->run();
  if (!ctx.error.empty()) throw SimulationError(ctx.error);
  if (interrupted || (options.stop && *options.stop)) throw SimulationInterrupted(sg4::Engine::get_clock());
  return collect(ctx, inference.get(), wan_peak);
}

}  // namespace rcn
