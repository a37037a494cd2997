// Scripted failure events: at `at`, servers (or a whole site, or a WAN link)
// go down for `duration`. Failed hosts and links are turned off in SimGrid.
// A job using a failed server loses the work since its last checkpoint,
// gives back its healthy servers, and asks to be placed again after
// detection + restart time. Repaired servers return to the free pool.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "src/engine/engine_context.hpp"

namespace rcn {
namespace sg4 = simgrid::s4u;

namespace {

struct Target {
  std::vector<std::pair<std::size_t, int>> servers;  // (cluster index, server)
  sg4::Link* link = nullptr;
};

Target resolve(const EngineContext& ctx, const FailureEventSpec& ev) {
  const Scenario& s = ctx.scenario;
  Target t;
  if (ev.kind == "link-cut") {
    for (std::size_t i = 0; i < s.wan.size(); ++i)
      if (ev.target == s.wan[i].from + "<->" + s.wan[i].to || ev.target == s.wan[i].to + "<->" + s.wan[i].from)
        t.link = ctx.platform.wan_links[i];
  } else if (ev.kind == "site-outage") {
    for (std::size_t c = 0; c < ctx.clusters.size(); ++c)
      if (ctx.clusters[c].site_name == ev.target)
        for (int i = 0; i < ctx.clusters[c].total_servers; ++i) t.servers.emplace_back(c, i);
  } else if (auto ref = resolve_server(s, ev.target)) {  // server, gpu: the whole server goes
    t.servers.emplace_back(cluster_index(ctx, ref->site, ref->cluster), ref->server);
  }
  return t;
}

sg4::Host* host_of(EngineContext& ctx, std::size_t c, int server) {
  const ClusterState& cs = ctx.clusters[c];
  return ctx.platform.sites[cs.site].clusters[cs.cluster].servers[server];
}

void interrupt(EngineContext& ctx, std::size_t j) {
  const TrainingJobSpec& spec = ctx.scenario.training[j];
  JobProgress& p = ctx.progress[j];
  JobResult& r = ctx.jobs[j];
  const double now = sg4::Engine::get_clock();
  const double ran = now - p.attempt_start;
  // Work is saved at every whole checkpoint interval of running time.
  const double interval = spec.checkpoint.enabled && !spec.checkpoint.auto_interval ? spec.checkpoint.interval : 0;
  const double saved = interval > 0 ? std::floor(ran / interval) * interval : 0.0;
  r.lost_work_s += ran - saved;
  p.useful_s += saved;
  r.interruptions += 1;
  p.remaining = std::max(0.0, p.remaining - saved / p.ideal_on_cluster);
  if (p.runner) p.runner->kill();
  p.runner = nullptr;
  release_job(ctx, j);
  r.state = JobState::Queued;
  const double delay = ctx.scenario.failures.detection + ctx.scenario.failures.restart;
  r.restart_overhead_s += delay;
  sg4::Actor::create("restart:" + spec.name, ctx.platform.sites.front().gateway, [&ctx, j, delay] {
    sg4::this_actor::sleep_for(delay);
    ctx.post({EngineEvent::Kind::Requeue, j});
  });
}

}  // namespace

void failure_event(EngineContext& ctx, std::size_t e) {
  const FailureEventSpec& ev = ctx.scenario.failures.events[e];
  const Target t = resolve(ctx, ev);
  if (ev.at > sg4::Engine::get_clock()) sg4::this_actor::sleep_until(ev.at);

  if (t.link) t.link->turn_off();
  for (const auto& [c, server] : t.servers) {
    if (ctx.down[c][server]++ > 0) continue;  // already down
    auto& pool = ctx.free_servers[c];
    if (auto it = std::find(pool.begin(), pool.end(), server); it != pool.end()) {
      pool.erase(it);
      ctx.clusters[c].free_servers -= 1;
    }
  }
  // Interrupt every running job that holds a failed server (before the hosts
  // go off, so that the job's own bookkeeping runs, not SimGrid's kill).
  for (std::size_t j = 0; j < ctx.jobs.size(); ++j) {
    if (ctx.jobs[j].state != JobState::Running) continue;
    const std::size_t c = ctx.job_cluster[j];
    bool hit = false;
    for (int server : ctx.job_servers[j]) hit = hit || ctx.down[c][server] > 0;
    if (hit) interrupt(ctx, j);
  }
  for (const auto& [c, server] : t.servers) host_of(ctx, c, server)->turn_off();

  sg4::this_actor::sleep_for(ev.duration);

  if (t.link) t.link->turn_on();
  for (const auto& [c, server] : t.servers) {
    if (--ctx.down[c][server] > 0) continue;  // another failure still holds it
    host_of(ctx, c, server)->turn_on();
    auto& pool = ctx.free_servers[c];
    pool.insert(std::upper_bound(pool.begin(), pool.end(), server), server);
    ctx.clusters[c].free_servers += 1;
  }
  ctx.post({EngineEvent::Kind::Capacity});
}

}  // namespace rcn
