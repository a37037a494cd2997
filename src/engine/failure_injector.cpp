// Failures, scripted and random (models/failure_schedule.hpp), applied in
// time order by one actor. A hardware failure turns its servers (or a WAN
// link) off in SimGrid; a spare server of the cluster, if any is idle, takes
// each failed server's place at once. Every running job holding a failed
// server, or hit by a software failure, loses the work since its last
// completed checkpoint, gives back its healthy servers and asks to be placed
// again after detection + restart time. Repaired servers refill the spare
// pool first, then the free pool. An inference replica on a failed server
// stops; its requests are routed again and it restarts elsewhere
// (inference_service.cpp).
#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "rcn/models/checkpoint_model.hpp"
#include "src/engine/engine_context.hpp"
#include "src/engine/wait_all.hpp"

namespace rcn {
namespace sg4 = simgrid::s4u;

namespace {

sg4::Host* host_of(EngineContext& ctx, std::size_t c, int server) {
  const ClusterState& cs = ctx.clusters[c];
  return ctx.platform.sites[cs.site].clusters[cs.cluster].servers[server];
}

// (cluster index, server) pairs an event hits.
std::vector<std::pair<std::size_t, int>> targets(const EngineContext& ctx, const FailureEvent& e) {
  std::vector<std::pair<std::size_t, int>> out;
  if (e.wan_link >= 0) return out;
  for (std::size_t c = 0; c < ctx.clusters.size(); ++c) {
    const ClusterState& cs = ctx.clusters[c];
    if (cs.site != e.site) continue;
    if (e.whole_site) {
      for (int i = 0; i < static_cast<int>(ctx.cluster_runtime[c].down.size()); ++i) out.emplace_back(c, i);  // spares too
    } else if (cs.cluster == e.cluster) {
      for (int s : e.servers) out.emplace_back(c, s);
    }
  }
  return out;
}

// Stops the actors of a job's current attempt: its runner, its checkpoint
// writer and a re-measurement of its step (fabric_contention.cpp), if any.
void stop_attempt(JobProgress& p) {
  for (auto* actor : {&p.writer, &p.runner, &p.remeasure}) {
    if (*actor) kill_with_flows(*actor);
    *actor = nullptr;
  }
  p.computation = nullptr;
  p.remeasure_again = false;
}

// The cluster index (into ctx.clusters) of a fabric event's (site, cluster).
std::size_t cluster_of(const EngineContext& ctx, const FailureEvent& e) {
  for (std::size_t c = 0; c < ctx.clusters.size(); ++c)
    if (ctx.clusters[c].site == e.site && ctx.clusters[c].cluster == e.cluster) return c;
  return 0;
}

}  // namespace

double interrupt_job(EngineContext& ctx, std::size_t j, const std::string& cause, double delay) {
  const TrainingJobSpec& spec = ctx.scenario.training[j];
  JobProgress& p = ctx.jobs[j].progress;
  JobResult& r = ctx.jobs[j].result;
  const double now = sg4::Engine::get_clock();
  const double worked = p.pace.worked(now);
  p.close_attempt(now);
  const double lost = std::max(0.0, worked - p.saved_work_s);
  r.lost_work_s += lost;
  p.useful_s += p.saved_work_s;
  if (p.ideal_on_cluster > 0) p.remaining = std::max(0.0, p.remaining - p.saved_work_s / p.ideal_on_cluster);
  r.interruptions += 1;
  r.interruptions_by_cause[cause] += 1;
  stop_attempt(p);
  release_job(ctx, j);
  begin_span(ctx, j, "restarting");
  r.state = JobState::Queued;
  r.restart_overhead_s += delay;
  sg4::Actor::create("restart:" + spec.name, ctx.platform.sites.front().gateway, [&ctx, j, delay] {
    guarded(ctx, fmt::format("training job \"{}\"", ctx.scenario.training[j].name), [&] {
      sg4::this_actor::sleep_for(delay);
      ctx.post({EngineEvent::Kind::Requeue, j});
    });
  });
  return lost;
}

namespace {

// A failure stops a job for detection + restart.
void interrupt(EngineContext& ctx, std::size_t j, const std::string& cause) {
  interrupt_job(ctx, j, cause, ctx.scenario.failures.detection + ctx.scenario.failures.restart);
}

// The servers' ids ("s3;s17") when a few, "" when many (failures.csv has their count too).
std::string describe_servers(const EngineContext& ctx, const std::vector<std::pair<std::size_t, int>>& hit) {
  if (hit.size() > 4) return "";
  std::string out;
  for (const auto& [c, s] : hit) out += fmt::format("{}s{}", out.empty() ? "" : ";", s);
  (void)ctx;
  return out;
}

void fail(EngineContext& ctx, const FailureEvent& e) {
  const auto hit = targets(ctx, e);
  FailureRecord rec;
  rec.at = sg4::Engine::get_clock();
  rec.component = e.component;
  rec.downtime = e.blast == BlastRadius::Job ? 0 : e.repair;
  if (e.wan_link >= 0) {
    const auto& w = ctx.scenario.wan[static_cast<std::size_t>(e.wan_link)];
    rec.site = w.from + "<->" + w.to;
    ctx.platform.wan_links[static_cast<std::size_t>(e.wan_link)]->turn_off();
  } else {
    rec.site = ctx.scenario.sites[e.site].name;
    rec.cluster = e.whole_site ? "" : ctx.scenario.sites[e.site].clusters[e.cluster].name;
    rec.servers = describe_servers(ctx, hit);
    rec.server_count = static_cast<int>(hit.size());
  }
  std::vector<std::size_t> affected;
  auto holds = [&](std::size_t j, std::size_t c, int s) {
    return ctx.jobs[j].result.state == JobState::Running && ctx.jobs[j].holds(c, s);
  };
  // A job across sites loses only the shares the failure hit (cross_site_runner.cpp); others restart.
  auto stop_job = [&](std::size_t j) {
    if (ctx.jobs[j].cross_site) cross_site_failure(ctx, j, hit, e.blast == BlastRadius::Job, e.component);
    else interrupt(ctx, j, e.component);
  };
  std::string replicas_hit;  // inference replicas stopped by this failure
  auto stop_replica = [&](std::size_t c, int s, bool hardware) {
    if (!ctx.on_server_failure) return;
    const std::string name = ctx.on_server_failure(c, s, hardware);
    if (!name.empty()) replicas_hit += (replicas_hit.empty() ? "" : ";") + name;
  };
  if (e.blast == BlastRadius::Job) {  // software: the job on that server restarts, no hardware goes down
    for (const auto& [c, s] : hit) stop_replica(c, s, false);
    for (const auto& [c, s] : hit)
      for (std::size_t j = 0; j < ctx.jobs.size(); ++j)
        if (holds(j, c, s) && std::find(affected.begin(), affected.end(), j) == affected.end()) affected.push_back(j);
  } else {
    std::vector<std::pair<std::size_t, int>> newly_down;
    for (const auto& [c, s] : hit) {
      if (ctx.cluster_runtime[c].down[s]++ > 0) continue;
      newly_down.emplace_back(c, s);
      auto& pool = ctx.cluster_runtime[c].free_servers;
      auto& spares = ctx.cluster_runtime[c].spare_pool;
      if (auto it = std::find(spares.begin(), spares.end(), s); it != spares.end()) {  // an idle spare failed
        spares.erase(it);
        ctx.cluster_runtime[c].spares_lent += 1;  // owed back to the spare pool when repaired
        continue;
      }
      if (auto it = std::find(pool.begin(), pool.end(), s); it != pool.end()) {
        pool.erase(it);
        ctx.clusters[c].free_servers -= 1;
      }
      if (!ctx.cluster_runtime[c].spare_pool.empty()) {  // a spare steps in
        return_free_server(ctx, c, ctx.cluster_runtime[c].spare_pool.front());
        ctx.cluster_runtime[c].spare_pool.erase(ctx.cluster_runtime[c].spare_pool.begin());
        ctx.cluster_runtime[c].spares_lent += 1;
      } else {
        ctx.cluster_runtime[c].unreplaced += 1;
      }
    }
    for (std::size_t j = 0; j < ctx.jobs.size(); ++j)
      for (const auto& [c, s] : hit)
        if (holds(j, c, s) && std::find(affected.begin(), affected.end(), j) == affected.end()) affected.push_back(j);
    for (std::size_t j : affected) stop_job(j);
    for (const auto& [c, s] : newly_down) stop_replica(c, s, true);
    for (const auto& [c, s] : newly_down) host_of(ctx, c, s)->turn_off();
  }
  if (e.blast == BlastRadius::Job)
    for (std::size_t j : affected) stop_job(j);
  if (!e.uplinks_lost.empty()) change_uplinks(ctx, cluster_of(ctx, e), e.uplinks_lost, +1);
  std::vector<std::size_t> touched;  // clusters whose fabric or running jobs changed
  if (!e.uplinks_lost.empty()) touched.push_back(cluster_of(ctx, e));
  for (std::size_t j : affected) {
    if (const auto& x = ctx.jobs[j].cross_site)  // a job across sites: the clusters of its shares
      for (const SiteShare& sh : x->shares) touched.push_back(sh.cluster);
    else
      touched.push_back(ctx.jobs[j].cluster);
  }
  std::sort(touched.begin(), touched.end());
  touched.erase(std::unique(touched.begin(), touched.end()), touched.end());
  for (std::size_t c : touched) reevaluate_contention(ctx, c);
  for (std::size_t j : affected) rec.jobs += (rec.jobs.empty() ? "" : ";") + ctx.jobs[j].result.name;
  if (!replicas_hit.empty()) rec.jobs += (rec.jobs.empty() ? "" : ";") + replicas_hit;
  ctx.failure_log.push_back(rec);
  ctx.post({EngineEvent::Kind::Capacity});
}

void repair(EngineContext& ctx, const FailureEvent& e) {
  if (e.wan_link >= 0) {
    ctx.platform.wan_links[static_cast<std::size_t>(e.wan_link)]->turn_on();
    ctx.wan_repairs += 1;  // flows cut by it start again (job_runner.cpp)
    ctx.wan_repaired->notify_all();
  }
  if (!e.uplinks_lost.empty()) {  // a spine or cable back: its uplinks carry traffic again
    change_uplinks(ctx, cluster_of(ctx, e), e.uplinks_lost, -1);
    reevaluate_contention(ctx, cluster_of(ctx, e));
  }
  for (const auto& [c, s] : targets(ctx, e)) {
    if (--ctx.cluster_runtime[c].down[s] > 0) continue;  // another failure still holds it
    host_of(ctx, c, s)->turn_on();
    if (ctx.cluster_runtime[c].unreplaced == 0 && ctx.cluster_runtime[c].spares_lent > 0) {  // the spare that stood in stays in service; this one becomes a spare
      ctx.cluster_runtime[c].spares_lent -= 1;
      auto& pool = ctx.cluster_runtime[c].spare_pool;  // kept sorted: one insertion, not a sort per repair
      pool.insert(std::lower_bound(pool.begin(), pool.end(), s), s);
    } else {  // fills the gap no spare could, or simply comes back
      if (ctx.cluster_runtime[c].unreplaced > 0) ctx.cluster_runtime[c].unreplaced -= 1;
      return_free_server(ctx, c, s);
    }
  }
  ctx.capacity_changed->notify_all();  // jobs across sites waiting for a share's servers
  ctx.post({EngineEvent::Kind::Capacity});
}

}  // namespace

void preempt_job(EngineContext& ctx, std::size_t j) {
  JobProgress& p = ctx.jobs[j].progress;
  JobResult& r = ctx.jobs[j].result;
  const TrainingJobSpec& spec = ctx.scenario.training[j];
  const double now = sg4::Engine::get_clock();
  const double worked = p.pace.worked(now);
  stop_attempt(p);
  p.pace.pause(now);
  p.close_attempt(now);
  p.preempting = true;
  const std::size_t site = ctx.clusters[ctx.jobs[j].cluster].site;
  const double bytes = checkpoint_bytes(*ctx.scenario.find_model(spec.model));
  r.timeline.push_back({"checkpointing", now, -1, ctx.scenario.sites[site].name});
  sg4::Actor::create("preempt:" + spec.name, ctx.platform.sites[site].gateway, [&ctx, j, site, bytes, worked] {
    guarded(ctx, fmt::format("training job \"{}\"", ctx.scenario.training[j].name), [&] {
      JobProgress& p = ctx.jobs[j].progress;
      JobResult& r = ctx.jobs[j].result;
      const double t0 = sg4::Engine::get_clock();
      storage_transfer(ctx, j, site, bytes, true);
      r.checkpoint_overhead_s += sg4::Engine::get_clock() - t0;
      r.checkpoints += 1;
      r.preemptions += 1;
      p.useful_s += worked;
      if (p.ideal_on_cluster > 0) p.remaining = std::max(0.0, p.remaining - worked / p.ideal_on_cluster);
      p.checkpoint_site = static_cast<int>(site);
      p.preempting = false;
      release_job(ctx, j);
      end_span(ctx, j);
      ctx.post({EngineEvent::Kind::Requeue, j});
    });
  });
}

void failure_injector(EngineContext& ctx, std::vector<FailureEvent> events) {
  struct Step {
    double at;
    bool is_repair;
    std::size_t event;
  };
  std::vector<Step> timeline;
  for (std::size_t i = 0; i < events.size(); ++i) {
    timeline.push_back({events[i].at, false, i});
    if (events[i].blast != BlastRadius::Job && events[i].repair > 0)
      timeline.push_back({events[i].at + events[i].repair, true, i});
  }
  std::stable_sort(timeline.begin(), timeline.end(), [](const Step& a, const Step& b) { return a.at < b.at; });
  for (const Step& st : timeline) {
    if (st.at >= ctx.scenario.horizon) break;
    if (st.at > sg4::Engine::get_clock()) sg4::this_actor::sleep_until(st.at);
    if (st.is_repair) repair(ctx, events[st.event]);
    else fail(ctx, events[st.event]);
  }
}

}  // namespace rcn
