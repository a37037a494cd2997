// One attempt of a training job on its servers: load the checkpoint it
// resumes from, then compute in segments between checkpoints, writing each
// checkpoint through the site's storage (blocking, or in a writer actor when
// asynchronous). A failure kills this actor (failure_injector.cpp), which
// then counts the work since the last completed checkpoint as lost.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>
#include <mutex>

#include "rcn/models/checkpoint_model.hpp"
#include "rcn/scenario/input_limits.hpp"
#include "src/engine/engine_context.hpp"
#include "rcn/models/fabric_rounds.hpp"
#include "src/engine/flow_collectives.hpp"
#include "src/engine/wait_all.hpp"

namespace rcn {
namespace sg4 = simgrid::s4u;

namespace {

// Flow fidelity: one iteration's cross-server collectives run as SimGrid flows
// on this job's servers; the step model takes their times. Cached per (job
// shape, placement), so a restart on the same servers does not measure again;
// the job's own length (and a trace's fixed duration) is applied to the copy.
void measure_step_with_flows(EngineContext& ctx, std::size_t job) {
  const std::size_t c = ctx.jobs[job].cluster;
  const TrainingJobSpec spec = running_job(ctx, job);  // shrunk after an elastic restart
  std::string key = fmt::format("{}|{}|", training_step_key(spec), c);
  for (int s : ctx.jobs[job].servers) key += fmt::format("{},", s);
  if (ctx.cluster_runtime[c].fabric.ecmp_hash) key += "|" + ctx.scenario.training[job].name;  // its own hash seed
  auto it = ctx.flow_steps.find(key);
  if (it == ctx.flow_steps.end())
    it = ctx.flow_steps.emplace(key, std::make_shared<const TrainingStep>(measure_flow_step(ctx, job))).first;
  TrainingStep step = *it->second;
  set_training_length(step, spec);
  if (spec.duration) step.time_to_train_s = *spec.duration;
  JobProgress& p = ctx.jobs[job].progress;
  JobResult& r = ctx.jobs[job].result;
  p.ideal_on_cluster = step.time_to_train_s;
  if (r.interruptions == 0) r.ideal_time_to_train_s = step.time_to_train_s;
  set_job_step(r, it->second, step);
  r.step_time_s = step.step_time_s;
  r.tflops_per_gpu = step.model_tflops_per_gpu;
  r.mfu = step.mfu;
  p.reference_step_s = step.step_time_s;
}

// Computes `segment` more seconds of work (at the attempt's reference step)
// at a speed that may change meanwhile: the compute runs as one execution on
// the job's host, which set_job_rate cancels to start the rest at the new
// speed. At rate 1 it is the plain execution of `segment` seconds.
void compute(EngineContext& ctx, std::size_t job, double segment) {
  JobProgress& p = ctx.jobs[job].progress;
  JobPace& pace = p.pace;
  const double target = pace.work_s + segment;
  sg4::Host* host = sg4::this_actor::get_host();
  double now = sg4::Engine::get_clock();
  pace.resume(now);
  double left = segment / pace.rate;  // the first piece: no rounding through worked()
  for (;;) {
    if (left > 0 && std::isfinite(left)) {
      p.computation = sg4::this_actor::exec_init(left * host->get_speed());
      try {
        p.computation->start()->wait();
        break;
      } catch (const simgrid::CancelException&) {  // the rate changed: compute the rest at the new one
      }
    } else if (left > 0) {  // stopped (rate 0): wait for a new rate
      if (!p.pace_changed) p.pace_changed = sg4::ConditionVariable::create();
      std::unique_lock<sg4::Mutex> lock(*ctx.mutex);
      p.pace_changed->wait(lock);
    } else {
      break;
    }
    now = sg4::Engine::get_clock();
    left = pace.time_to(target, now);
  }
  p.computation = nullptr;
  pace.pause(sg4::Engine::get_clock());
  pace.work_s = target;
}


// Moves `bytes` between a storage host and the job's servers, spread over at
// most 8 of them (storage bandwidth, not NICs, is what limits it).
void storage_transfer_impl(EngineContext& ctx, std::size_t job, std::size_t storage_site, double bytes, bool to_storage) {
  const SitePlatform& store = ctx.platform.sites[storage_site];
  const ClusterState& cs = ctx.clusters[ctx.jobs[job].cluster];
  // Unmodelled storage costs nothing, except that a checkpoint read from another site still crosses the WAN.
  if (!store.storage_modelled && (to_storage || storage_site == cs.site)) return;
  sg4::Host* storage = store.storage;
  const auto& hosts = ctx.platform.sites[cs.site].clusters[cs.cluster].servers;
  const auto& mine = ctx.jobs[job].servers;
  const std::size_t k = std::min<std::size_t>(8, mine.size());
  transfer_until_done(ctx, [&] {
    std::vector<sg4::CommPtr> comms;
    for (std::size_t i = 0; i < k; ++i) {
      sg4::Host* server = hosts[mine[i * mine.size() / k]];
      const auto size = static_cast<uint64_t>(bytes / k);
      comms.push_back(to_storage ? sg4::Comm::sendto_async(server, storage, size)
                                 : sg4::Comm::sendto_async(storage, server, size));
    }
    return comms;
  });
}

}  // namespace

double checkpoint_interval(const EngineContext& ctx, std::size_t job, double bytes,
                           const std::vector<std::size_t>& clusters) {
  const TrainingJobSpec& spec = ctx.scenario.training[job];
  if (!spec.checkpoint.enabled) return std::numeric_limits<double>::infinity();
  if (!spec.checkpoint.auto_interval) return spec.checkpoint.interval;
  double write_s = 0, scale = 0;
  for (std::size_t c : clusters) {
    const ClusterState& cs = ctx.clusters[c];
    write_s = std::max(write_s, bytes / ctx.platform.sites[cs.site].storage_write->get_bandwidth());
    auto sc = ctx.scenario.failures.site_scale.find(cs.site_name);
    scale = std::max(scale, sc == ctx.scenario.failures.site_scale.end() ? 1.0 : sc->second);
  }
  const double rate = job_failure_rate(ctx.failure_classes, spec.gpus, scale);
  if (rate <= 0) return std::numeric_limits<double>::infinity();
  // Never shorter than a given interval may be, nor than horizon / limits::kMaxCheckpoints: a small
  // model on fast storage under frequent failures would otherwise checkpoint every few milliseconds
  // (12.7 ms, found while bounding slow inputs), billions of checkpoints over a long horizon.
  return std::max({young_daly_interval(write_s, 1 / rate), limits::kMinIntervalSeconds,
                   ctx.scenario.horizon / limits::kMaxCheckpoints});
}

// A split-duplex link's on/off state lives in its two directions, not in the pair.
bool any_wan_link_down(const EngineContext& ctx) {
  return std::any_of(ctx.platform.wan_links.begin(), ctx.platform.wan_links.end(), [](sg4::Link* l) {
    auto* duplex = static_cast<sg4::SplitDuplexLink*>(l);
    return !duplex->get_link_up()->is_on() || !duplex->get_link_down()->is_on();
  });
}

TrainingStep measure_flow_step(EngineContext& ctx, std::size_t job) {
  const std::size_t c = ctx.jobs[job].cluster;
  const ClusterState& cs = ctx.clusters[c];
  const TrainingJobSpec spec = running_job(ctx, job);  // shrunk after an elastic restart
  const ClusterSpec& cluster = ctx.scenario.sites[cs.site].clusters[cs.cluster];
  const HardwareProfile& hw = *ctx.scenario.find_profile(cs.gpu);
  const ClusterLinks links = ClusterLinks::of(cluster);
  std::vector<sg4::Host*> hosts;
  for (int s : ctx.jobs[job].servers) hosts.push_back(ctx.platform.sites[cs.site].clusters[cs.cluster].servers[s]);
  const ClusterRuntime& rt = ctx.cluster_runtime[c];
  EcmpHashing ecmp;
  if (rt.fabric.ecmp_hash && rt.fabric.tiered())
    ecmp = {&rt.fabric, ctx.jobs[job].servers, ecmp_seed(ctx.scenario.seed, ctx.scenario.training[job].name),
            uplinks_left(rt.leaf_uplink_lost), uplinks_left(rt.pod_uplink_lost)};
  FlowCollectives flows(hosts, cluster.gpus_per_server, collective_fabric(hw, links), hw.nic_efficiency,
                        std::move(ecmp));
  return training_step(*ctx.scenario.find_model(spec.model), spec, hw, links, std::ref(flows));
}

void set_job_rate(EngineContext& ctx, std::size_t job, double rate) {
  JobProgress& p = ctx.jobs[job].progress;
  p.pace.set_rate(sg4::Engine::get_clock(), rate);
  if (p.computation) p.computation->cancel();  // its runner computes the rest at the new rate
  if (p.pace_changed) p.pace_changed->notify_all();
}

// Runs a batch of flows to the end. A batch cut by a WAN link failure
// (link-cut) does not fail the job: the job keeps its servers, waits until a
// WAN link is repaired and sends the whole batch again (docs/failures.md).
// Other failures (a server turned off) pass on: they belong to the caller.
void transfer_until_done(EngineContext& ctx, const std::function<std::vector<sg4::CommPtr>()>& start) {
  for (;;) {
    std::vector<sg4::CommPtr> comms;
    try {
      comms = start();
      wait_all(comms);
      return;
    } catch (const simgrid::NetworkFailureException&) {
      if (!any_wan_link_down(ctx)) throw;
    }
    const std::uint64_t seen = ctx.wan_repairs;
    std::unique_lock<sg4::Mutex> lock(*ctx.mutex);
    while (ctx.wan_repairs == seen && any_wan_link_down(ctx)) ctx.wan_repaired->wait(lock);
  }
}

void storage_transfer(EngineContext& ctx, std::size_t job, std::size_t storage_site, double bytes, bool to_storage) {
  storage_transfer_impl(ctx, job, storage_site, bytes, to_storage);
}

void job_runner(EngineContext& ctx, std::size_t job) {
  if (ctx.scenario.fidelity == Fidelity::Flow) measure_step_with_flows(ctx, job);
  JobProgress& p = ctx.jobs[job].progress;
  JobResult& r = ctx.jobs[job].result;
  const TrainingJobSpec& spec = ctx.scenario.training[job];
  const std::size_t site = ctx.clusters[ctx.jobs[job].cluster].site;
  const double bytes = checkpoint_bytes(*ctx.scenario.find_model(spec.model));
  p.pace.restart();
  if (ctx.scenario.fidelity != Fidelity::Flow) p.pace.rate = uplink_loss_rate(ctx, job);  // spines or cables down now
  p.saved_work_s = 0;

  // Stage the dataset: a copy from its home site over the WAN, once per site.
  if (spec.dataset_site && spec.dataset_bytes > 0) {
    const auto home = static_cast<std::size_t>(ctx.scenario.find_site(*spec.dataset_site) - ctx.scenario.sites.data());
    if (p.data_at.empty()) p.data_at.push_back(home);
    if (std::find(p.data_at.begin(), p.data_at.end(), site) == p.data_at.end()) {
      const double t0 = sg4::Engine::get_clock();
      r.timeline.push_back({"staging", t0, -1, ctx.scenario.sites[site].name});
      transfer_until_done(ctx, [&] {
        return std::vector<sg4::CommPtr>{sg4::Comm::sendto_async(
            ctx.platform.sites[home].storage, ctx.platform.sites[site].storage, static_cast<uint64_t>(spec.dataset_bytes))};
      });
      const double t1 = sg4::Engine::get_clock();
      r.timeline.back().end = t1;
      r.staging_s += t1 - t0;
      ctx.wan_transfers.push_back({t0, t1, ctx.scenario.sites[home].name, ctx.scenario.sites[site].name,
                                   "dataset of " + spec.name, spec.dataset_bytes});
      p.data_at.push_back(site);
    }
  }
  // Resume: read the last checkpoint, from this site's storage or over the WAN.
  if (p.checkpoint_site >= 0 && p.remaining < 1) {
    const double t0 = sg4::Engine::get_clock();
    const std::string& here = ctx.scenario.sites[site].name;
    r.timeline.push_back({"loading", t0, -1, here});
    storage_transfer(ctx, job, static_cast<std::size_t>(p.checkpoint_site), bytes, false);
    const double t1 = sg4::Engine::get_clock();
    r.timeline.back().end = t1;
    r.restart_overhead_s += t1 - t0;
    if (static_cast<std::size_t>(p.checkpoint_site) != site)
      ctx.wan_transfers.push_back({t0, t1, ctx.scenario.sites[p.checkpoint_site].name, here,
                                   "checkpoint of " + spec.name, bytes});
  }

  const double total = p.remaining * p.ideal_on_cluster;
  const double interval = checkpoint_interval(ctx, job, bytes, {ctx.jobs[job].cluster});
  r.checkpoint_interval_s = std::isfinite(interval) ? interval : 0;
  sg4::Host* host = sg4::this_actor::get_host();
  sg4::ActorPtr writer;  // the asynchronous checkpoint in flight
  while (p.pace.work_s < total) {
    compute(ctx, job, std::min(interval, total - p.pace.work_s));
    if (p.pace.work_s >= total * (1 - 1e-12)) break;
    const double t0 = sg4::Engine::get_clock();
    if (writer) writer->join();  // at most one asynchronous checkpoint in flight
    const double covered = p.pace.work_s;
    if (spec.checkpoint.async) {
      writer = sg4::Actor::create("checkpoint:" + spec.name, host, [&ctx, job, bytes, covered, site] {
        guarded(ctx, fmt::format("training job \"{}\"", ctx.scenario.training[job].name), [&] {
          storage_transfer(ctx, job, site, bytes, true);
          ctx.jobs[job].progress.saved_work_s = covered;
          ctx.jobs[job].progress.checkpoint_site = static_cast<int>(site);
          ctx.jobs[job].result.checkpoints += 1;
        });
      });
      p.writer = writer;
    } else {
      r.timeline.push_back({"checkpointing", t0, -1, ctx.scenario.sites[site].name});
      storage_transfer(ctx, job, site, bytes, true);
      r.timeline.back().end = sg4::Engine::get_clock();
      p.saved_work_s = covered;
      p.checkpoint_site = static_cast<int>(site);
      r.checkpoints += 1;
    }
    r.checkpoint_overhead_s += sg4::Engine::get_clock() - t0;
  }
  if (writer) writer->join();
  p.writer = nullptr;
  ctx.post({EngineEvent::Kind::Completion, job});
}

}  // namespace rcn
