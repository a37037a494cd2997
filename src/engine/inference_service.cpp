#include "src/engine/inference_service.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <map>

#include "rcn/models/failure_schedule.hpp"
#include "rcn/models/inference_model.hpp"
#include "rcn/models/token_length.hpp"
#include "rcn/topology/site_graph.hpp"
#include "src/engine/daemon_actor.hpp"
#include "src/engine/engine_context.hpp"
#include "src/engine/inference_runtime.hpp"

namespace rcn {

namespace {

double percentile(std::vector<double>& xs, double q) {
  if (xs.empty()) return 0;
  const std::size_t k = std::min(xs.size() - 1, static_cast<std::size_t>(q * (xs.size() - 1) + 0.5));
  std::nth_element(xs.begin(), xs.begin() + static_cast<std::ptrdiff_t>(k), xs.end());
  return xs[k];
}

// The per-tenant SLO report: each tenant's requests over its services (a service without a
// tenant is its own), in order of first appearance; none when no service names a tenant.
// A fast-mode service keeps no per-request samples: its regions' completions and requests
// meeting the SLO are its mix's, and its latencies the regions' CDF points (each 1/99 of
// their completions), pooled with the discrete services' samples by weight.
std::vector<TenantResult> tenant_results(std::vector<ServiceRuntime>& services,
                                         const std::vector<InferenceServiceResult>& results,
                                         const std::vector<InferenceRegionResult>& regions) {
  std::vector<TenantResult> out;
  if (std::none_of(services.begin(), services.end(), [](const ServiceRuntime& sv) { return !sv.spec->tenant.empty(); }))
    return out;
  std::vector<std::vector<double>> ttft, e2e;
  std::vector<std::vector<std::pair<double, double>>> fast_ttft, fast_e2e;  // fast services' weighted points
  for (std::size_t si = 0; si < services.size(); ++si) {
    const InferenceServiceSpec& spec = *services[si].spec;
    const std::string& tenant = spec.tenant.empty() ? spec.name : spec.tenant;
    auto it = std::find_if(out.begin(), out.end(), [&](const TenantResult& t) { return t.tenant == tenant; });
    if (it == out.end()) {
      out.push_back({});
      out.back().tenant = tenant;
      ttft.emplace_back(), e2e.emplace_back(), fast_ttft.emplace_back(), fast_e2e.emplace_back();
      it = std::prev(out.end());
    }
    const auto k = static_cast<std::size_t>(it - out.begin());
    it->services += (it->services.empty() ? "" : ";") + spec.name;
    it->gpu_hours += results[si].gpu_hours;
    for (const RegionStats& st : services[si].stats) {
      it->requests += st.requests, it->dropped += st.dropped;
      if (spec.fast) {
        it->completed += std::lround(st.fast_completed), it->slo_met += std::lround(st.fast_slo_met);
        continue;
      }
      it->slo_met += st.slo_met;
      it->completed += static_cast<long>(st.e2e.size());
      ttft[k].insert(ttft[k].end(), st.ttft.begin(), st.ttft.end());
      e2e[k].insert(e2e[k].end(), st.e2e.begin(), st.e2e.end());
    }
    if (spec.fast)
      for (const InferenceRegionResult& rr : regions)
        if (rr.service == spec.name && rr.completed > 0) {
          for (double x : rr.ttft_cdf) fast_ttft[k].emplace_back(x, rr.completed / static_cast<double>(rr.ttft_cdf.size()));
          for (double x : rr.e2e_cdf) fast_e2e[k].emplace_back(x, rr.completed / static_cast<double>(rr.e2e_cdf.size()));
        }
  }
  for (std::size_t k = 0; k < out.size(); ++k) {
    TenantResult& t = out[k];
    t.slo_attainment = t.completed > 0 ? static_cast<double>(t.slo_met) / t.completed : 0;
    if (fast_ttft[k].empty() && fast_e2e[k].empty()) {
      t.ttft_p50 = percentile(ttft[k], 0.5), t.ttft_p99 = percentile(ttft[k], 0.99), t.e2e_p99 = percentile(e2e[k], 0.99);
      continue;
    }
    for (double x : ttft[k]) fast_ttft[k].emplace_back(x, 1.0);
    for (double x : e2e[k]) fast_e2e[k].emplace_back(x, 1.0);
    const WeightedQuantiles ttft_q(fast_ttft[k]), e2e_q(fast_e2e[k]);
    t.ttft_p50 = ttft_q.at(0.5), t.ttft_p99 = ttft_q.at(0.99), t.e2e_p99 = e2e_q.at(0.99);
  }
  return out;
}

}  // namespace

// Busy time and serving time over time (site energy and replicas serving per bin;
// report.html): a replica's back-to-back batches make one busy span.
void InferenceRuntime::note_busy(Replica& rep, double from, double to) {
  if (rep.busy_from >= 0 && from <= rep.busy_to + 1e-9) {
    rep.busy_to = std::max(rep.busy_to, to);
    return;
  }
  if (rep.busy_from >= 0)
    ctx.inference_busy.push_back({rep.site, services[rep.service].spec->gpus_per_replica, rep.busy_from, rep.busy_to});
  rep.busy_from = from, rep.busy_to = to;
}

double InferenceRuntime::busy_for(Replica& rep, double t) {
  sg4::this_actor::sleep_for(t);
  rep.busy_s += t;
  const double now = sg4::Engine::get_clock();
  note_busy(rep, now - t, now);
  return now;
}

double InferenceRuntime::decode_steps(Replica& rep, double k, double step, bool can_join) {
  const double start = sg4::Engine::get_clock();
  double steps = k;
  if (can_join) {
    steps = 1;
    sg4::this_actor::sleep_for(step);
  } else if (rep.arrivals->acquire_timeout(k * step) == false) {  // an arrival: finish the step under way
    steps = decode_steps_run(k, step, sg4::Engine::get_clock() - start);
    if (start + steps * step > sg4::Engine::get_clock()) sg4::this_actor::sleep_until(start + steps * step);
  }
  rep.busy_s += steps * step;
  note_busy(rep, start, start + steps * step);
  return steps;
}

void InferenceRuntime::end_serving(std::size_t r, double now) {
  Replica& rep = replicas[r];
  if (rep.serving_since < 0) return;
  serving.push_back({rep.serving_since, now, ctx.scenario.sites[rep.site].name, services[rep.service].spec->name,
                     static_cast<int>(r)});
  rep.serving_since = -1;
}

void InferenceRuntime::dispatcher(std::size_t s) {
  ServiceRuntime& sv = services[s];
  const ArrivalSpec& a = sv.spec->arrivals;
  SplitMix64 rng(stream_seed(ctx.scenario.seed, "arrivals:" + sv.spec->name));
  SplitMix64 lengths(stream_seed(ctx.scenario.seed, "lengths:" + sv.spec->name));  // fixed lengths draw nothing
  const double horizon = ctx.scenario.horizon;
  TraceCursor rows(a);  // the trace's rows, read and checked when the scenario loaded
  double t = 0;
  for (;;) {
    double prompt = a.prompt_tokens, output = a.output_tokens;
    std::uint64_t conversation = 0;
    if (a.kind == "trace") {
      t = rows.next_at();
      if (t >= 1e300) {  // the trace is over: stay until its last requests are served
        for (;;) {
          bool idle = sv.in_transfer.empty();
          for (std::size_t r : sv.replicas) idle = idle && replicas[r].queue.empty() && replicas[r].running.empty();
          if (idle) return;
          sg4::this_actor::sleep_for(1.0);
        }
      }
      const TraceRequest& row = rows.row();
      prompt = row.prompt_tokens, output = std::max(1.0, row.output_tokens), conversation = row.conversation;
      ++rows.next;
    } else if (a.kind == "poisson") {
      t += -std::log(1 - rng.uniform()) / a.rate;
    } else {  // daily: Poisson with rate x (1 + 0.5 sin), peak at 14:00, thinned from the peak rate
      const double peak = 1.5 * a.rate;
      do {
        t += -std::log(1 - rng.uniform()) / peak;
      } while (rng.uniform() * peak > a.rate * (1 + 0.5 * std::sin(2 * M_PI * (std::fmod(t, 86400) - 8 * 3600) / 86400)));
    }
    if (t >= horizon) {
      // The next arrival is past the horizon, yet the service runs until it: the horizon
      // actor ends the run there. Returning now would end an inference-only run at the last
      // arrival (at 0 s for a trace whose second row is past the horizon), its requests unserved.
      sg4::this_actor::sleep_until(horizon);
      for (;;) sg4::this_actor::sleep_for(horizon > 0 ? horizon : 1.0);  // killed by the horizon actor
    }
    if (a.kind != "trace") {  // a fixed length is the spec's token count, drawn from no stream
      if (a.prompt_length.kind != TokenLengthSpec::Kind::Fixed) prompt = draw_token_length(a.prompt_length, lengths);
      if (a.output_length.kind != TokenLengthSpec::Kind::Fixed) output = draw_token_length(a.output_length, lengths);
    }
    if (t > sg4::Engine::get_clock()) sg4::this_actor::sleep_until(t);
    const std::size_t region = sv.draw_region(rng);
    RegionStats& st = sv.stats[region];
    ++st.requests;
    Request req;
    req.arrival = t, req.prompt = static_cast<float>(prompt), req.output = static_cast<float>(output);
    req.region = static_cast<std::uint16_t>(region);
    req.conversation = conversation;
    requests.push_back(req);
    dispatch(s, static_cast<std::uint32_t>(requests.size() - 1));
  }
}

void InferenceRuntime::dispatch(std::size_t s, std::uint32_t id) {
  ServiceRuntime& sv = services[s];
  Request& req = requests[id];
  RegionStats& st = sv.stats[req.region];
  const std::size_t none = sv.replicas.size();
  const auto [best_slot, any_slot] = route(sv, req.region, [&](std::size_t slot) {
    const Replica& rep = replicas[sv.replicas[slot]];
    return std::pair{outstanding(rep), rep.running.size() + rep.queue.size()};
  });
  if (best_slot == none) {  // every replica (it may use) is down
    ++st.dropped;
    ++sv.drops[any_slot == none ? "no replica up" : "no replica up in its residency"];
    return;
  }
  if (any_slot != best_slot) ++sv.kept_in_residency;
  const std::size_t best = sv.replicas[best_slot];
  Replica& rep = replicas[best];
  if (!fits_alone(req, rep.limits)) {  // can never fit in this replica's KV cache
    ++st.dropped;
    ++sv.drops["exceeds KV cache"];
    return;
  }
  req.rtt = static_cast<float>(sv.rtt[req.region][best_slot]);
  req.prefix = static_cast<float>(cached_prefix(rep, req));
  rep.outstanding += req.prompt + req.output;
  rep.queue.push_back(id);
  rep.arrivals->release();
}

std::string InferenceRuntime::server_failed(std::size_t cluster, int server, bool hardware) {
  // Every replica on the server (several when replicas share servers) stops before any of their
  // requests is routed again, so none goes to a replica about to stop.
  auto serving = [](ReplicaState st) { return st == ReplicaState::Active || st == ReplicaState::Draining; };
  std::vector<std::pair<std::size_t, bool>> hit;  // replica, was draining
  for (std::size_t r = 0; r < replicas.size(); ++r) {
    Replica& rep = replicas[r];
    if (!serving(rep.state) || !rep.holds(cluster, server)) continue;
    hit.emplace_back(r, rep.state == ReplicaState::Draining);
    if (rep.actor) rep.actor->kill();
    rep.actor = nullptr;
    rep.state = ReplicaState::Restarting;
  }
  std::string names;
  for (const auto& [r, draining] : hit) names += (names.empty() ? "" : ";") + replica_stopped(r, hardware, draining);
  return names;
}

std::string InferenceRuntime::replica_stopped(std::size_t r, bool hardware, bool draining) {
  Replica& rep = replicas[r];
  ServiceRuntime& sv = services[rep.service];
  end_serving(r, sg4::Engine::get_clock());
  ++sv.replica_failures;
  // Its requests start over elsewhere: the prefill and tokens done are lost,
  // the time already waited stays in their latency.
  std::vector<std::uint32_t> orphans(rep.running.begin(), rep.running.end());
  orphans.insert(orphans.end(), rep.queue.begin(), rep.queue.end());
  rep.running.clear();
  rep.queue.clear();
  rep.kv_reserved = rep.outstanding = rep.kv_blocks = 0;
  while (!rep.arrivals->would_block()) rep.arrivals->acquire();  // drop pending wake-ups
  std::sort(orphans.begin(), orphans.end());  // arrival order
  for (std::uint32_t id : orphans) {
    requests[id].first_token = -1, requests[id].generated = 0;
    requests[id].cached = 0, requests[id].prefilled = false;
    ++sv.retried;
    dispatch(rep.service, id);
  }
  reroute_fast_backlog(r, true);  // fast mode: its backlog goes with the next interval's requests
  if (hardware) drop_server(r);  // the failed server goes to repair; the replica needs another
  if (draining) {  // it was leaving anyway
    if (!hardware) release_server(r);
    rep.state = ReplicaState::Idle;
  } else {
    restart(r, !hardware);
  }
  std::size_t k = 0;
  for (std::size_t slot = 0; slot < sv.replicas.size(); ++slot)
    if (sv.replicas[slot] == r) k = slot;
  return fmt::format("{}/replica{}", sv.spec->name, k);
}

void InferenceRuntime::restart(std::size_t r, bool keep_server) {
  const double delay = ctx.scenario.failures.detection + ctx.scenario.failures.restart;
  create_daemon("replica-restart", ctx.platform.sites.front().gateway, [this, r, delay, keep_server] {
    guarded(ctx, service_label(replicas[r].service), [&] {
      sg4::this_actor::sleep_for(delay);
      Replica& rep = replicas[r];
      bool keep = keep_server;
      const auto& down = ctx.cluster_runtime[rep.cluster].down;
      const bool any_down = rep.server >= 0 && (down[rep.server] > 0 || std::any_of(rep.more_servers.begin(), rep.more_servers.end(),
                                                                                   [&](int x) { return down[x] > 0; }));
      if (keep && any_down) {
        // Its server failed while it was restarting (a site outage, say): that
        // server now belongs to the repair, which returns it to the free pool.
        drop_server(r);
        keep = false;
      }
      // After a hardware failure: a free server of its site, checked every
      // minute until one is free (the training scheduler competes for them).
      if (!keep)
        while (!take_server(r)) sg4::this_actor::sleep_for(60);
      replicas[r].state = ReplicaState::Active;
      start_actor(r);
    });
  });
}

bool InferenceRuntime::take_server(std::size_t r) {
  Replica& rep = replicas[r];
  const InferenceServiceSpec& spec = *services[rep.service].spec;
  int server = -1;
  std::size_t c = 0;
  if (spec.share_servers)  // room on a server other replicas already share, lowest first
    for (auto& [at, held] : shared_gpus)
      if (ctx.clusters[at.first].site == rep.site && held + spec.gpus_per_replica <= ctx.clusters[at.first].gpus_per_server &&
          ctx.cluster_runtime[at.first].down[at.second] == 0) {
        held += spec.gpus_per_replica;
        c = at.first, server = at.second;
        break;
      }
  for (; server < 0 && c < ctx.clusters.size(); ++c) {
    ClusterState& cs = ctx.clusters[c];
    const int k = spec.servers_per_replica(cs.gpus_per_server);  // whole servers it holds (spanning: > 1)
    if (cs.site != rep.site || k == 0 || static_cast<int>(ctx.cluster_runtime[c].free_servers.size()) < k) continue;
    const std::vector<int> taken = take_free_servers(ctx, c, k);
    server = taken.front();
    rep.more_servers.assign(taken.begin() + 1, taken.end());
    if (spec.share_servers && k == 1) shared_gpus[{c, server}] = spec.gpus_per_replica;
    break;
  }
  if (server >= 0) {
    ClusterState& cs = ctx.clusters[c];
    rep.cluster = c;
    rep.server = server;
    rep.host = ctx.platform.sites[cs.site].clusters[cs.cluster].servers[rep.server];
    rep.held_since = sg4::Engine::get_clock();
    auto& cost = cost_cache[rep.service * ctx.clusters.size() + c];
    if (!cost) {
      // A replica spanning k servers runs a pipeline stage per server, unless its ep exceeds a
      // server's share of it: then it is one stage tensor parallel over all k servers, its
      // all-to-alls over the fabric (docs/inference.md, expert parallelism across servers).
      const int k = spec.servers_per_replica(cs.gpus_per_server);
      const bool ep_spans = k > 1 && spec.ep > spec.gpus_per_replica / k;
      const int pp = ep_spans ? 1 : k;
      const ClusterLinks links = k > 1 ? ClusterLinks::of(ctx.scenario.sites[cs.site].clusters[cs.cluster]) : ClusterLinks{};
      cost = std::make_unique<InferenceCost>(*ctx.scenario.find_model(spec.model), *ctx.scenario.find_profile(cs.gpu),
                                             spec.gpus_per_replica / pp, spec.precision, spec.cuda_graphs, spec.engine,
                                             pp, links, spec.ep, ep_spans ? k : 1);
    }
    rep.cost = cost.get();
    rep.limits = batch_limits(spec, *ctx.scenario.find_model(spec.model), *rep.cost);
    return true;
  }
  if (spec.above_training && preempt_training(r)) {
    const bool took = take_server(r);
    ctx.post({EngineEvent::Kind::Capacity});  // the job's other servers are free for the scheduler
    return took;
  }
  return false;
}

// True when the replica was the last one on a shared server, or held a server of its own.
static bool let_go(std::map<std::pair<std::size_t, int>, int>& shared_gpus, std::size_t cluster, int server, int gpus) {
  auto it = shared_gpus.find({cluster, server});
  if (it == shared_gpus.end()) return true;
  if ((it->second -= gpus) > 0) return false;
  shared_gpus.erase(it);
  return true;
}

void InferenceRuntime::release_server(std::size_t r) {
  Replica& rep = replicas[r];
  if (rep.server < 0) return;
  rep.held_s += sg4::Engine::get_clock() - rep.held_since;
  rep.held_since = -1;
  const bool last = let_go(shared_gpus, rep.cluster, rep.server, services[rep.service].spec->gpus_per_replica);
  if (last && ctx.cluster_runtime[rep.cluster].down[rep.server] == 0) return_free_server(ctx, rep.cluster, rep.server);
  for (int other : rep.more_servers)
    if (ctx.cluster_runtime[rep.cluster].down[other] == 0) return_free_server(ctx, rep.cluster, other);
  rep.more_servers.clear();
  rep.server = -1;
  if (last) ctx.post({EngineEvent::Kind::Capacity});
}

void InferenceRuntime::drop_server(std::size_t r) {
  Replica& rep = replicas[r];
  if (rep.server < 0) return;
  rep.held_s += sg4::Engine::get_clock() - rep.held_since;
  rep.held_since = -1;
  let_go(shared_gpus, rep.cluster, rep.server, services[rep.service].spec->gpus_per_replica);
  // A replica spanning servers: those still up go back to the pool (the failed ones return when repaired).
  bool returned = false;
  const auto& down = ctx.cluster_runtime[rep.cluster].down;
  if (!rep.more_servers.empty()) rep.more_servers.push_back(rep.server);
  for (int other : rep.more_servers)
    if (down[other] == 0) return_free_server(ctx, rep.cluster, other), returned = true;
  rep.more_servers.clear();
  rep.server = -1;
  if (returned) ctx.post({EngineEvent::Kind::Capacity});
}

void InferenceRuntime::autoscaler(std::size_t s) {
  ServiceRuntime& sv = services[s];
  const AutoscaleSpec& a = sv.spec->autoscale;
  const double max_batch = sv.spec->max_batch;
  // Fast mode's calibrated replicas have no queue to look at: each sample is an instant of their
  // level's simulation (one of its in-system samples, drawn), plus the backlog carried.
  SplitMix64 draw(stream_seed(ctx.scenario.seed, "autoscale-samples:" + sv.spec->name));
  auto in_system = [&](const Replica& rep) {
    const auto& [upper, lower, w] = rep.fast_levels;
    if (upper && !upper->in_system_samples.empty() && !lower->in_system_samples.empty()) {
      const auto& xs = draw.uniform() < w ? upper->in_system_samples : lower->in_system_samples;
      const auto i = std::min(xs.size() - 1, static_cast<std::size_t>(draw.uniform() * static_cast<double>(xs.size())));
      return static_cast<double>(xs[i]) + rep.fast_backlog.requests();
    }
    return static_cast<double>(rep.queue.size() + rep.running.size()) + rep.fast_in_system;  // one of them is 0
  };
  constexpr int kSamples = kAutoscaleSamples;
  std::vector<double> site_sum(a.max.size()), site_n(a.max.size());
  double all_sum = 0, all_n = 0;
  std::vector<std::size_t> sites;
  std::vector<int> low(a.max.size(), 0);  // consecutive checks below `down`, per site
  for (const auto& [site_name, most] : a.max) {
    std::size_t site = 0;
    while (ctx.scenario.sites[site].name != site_name) ++site;
    sites.push_back(site);
  }
  for (;;) {
    std::fill(site_sum.begin(), site_sum.end(), 0.0);
    std::fill(site_n.begin(), site_n.end(), 0.0);
    all_sum = all_n = 0;
    for (int k = 0; k < kSamples; ++k) {
      sg4::this_actor::sleep_for(a.interval / kSamples);
      for (std::size_t r : sv.replicas) {
        const Replica& rep = replicas[r];
        if (rep.state != ReplicaState::Active) continue;
        all_sum += in_system(rep), all_n += 1;
        for (std::size_t i = 0; i < sites.size(); ++i)
          if (rep.site == sites[i]) site_sum[i] += in_system(rep), site_n[i] += 1;
      }
    }
    // A site with no active replica gets no requests: it uses the service-wide load.
    const double service_load = all_n > 0 ? all_sum / (all_n * max_batch) : 1e300;
    for (std::size_t i = 0; i < sites.size(); ++i) {
      const std::size_t site = sites[i];
      const int most = a.max[i].second;
      std::vector<std::size_t> active;
      std::size_t idle = replicas.size();
      for (std::size_t r : sv.replicas) {
        const Replica& rep = replicas[r];
        if (rep.site != site) continue;
        if (rep.state == ReplicaState::Active) active.push_back(r);
        else if (rep.state == ReplicaState::Idle && idle == replicas.size()) idle = r;
      }
      // site_n counts replica-samples, so this is the mean per active replica.
      const double load = site_n[i] > 0 ? site_sum[i] / (site_n[i] * max_batch) : service_load;
      if (load >= a.down) low[i] = 0;
      if (load > a.up && static_cast<int>(active.size()) < most && idle < replicas.size() && take_server(idle)) {
        replicas[idle].state = ReplicaState::Active;
        start_actor(idle);
        ++sv.scale_ups;
        low[i] = 0;
      } else if (load < a.down && static_cast<int>(active.size()) > sv.min_at(site, ctx.scenario) &&
                 ++low[i] >= a.down_after) {
        // Only after `down_after` low checks in a row (a stabilisation window, as Kubernetes'
        // autoscaler has): batching makes one replica's load grow faster than 1/replicas,
        // so removing on the first low check would bring it straight back.
        low[i] = 0;
        Replica& rep = replicas[active.back()];  // the newest slot goes first
        rep.state = ReplicaState::Draining;
        rep.arrivals->release();  // wake it if it waits with nothing to do
        ++sv.scale_downs;
      }
    }
    int holding = 0;
    for (std::size_t r : sv.replicas)
      if (replicas[r].server >= 0) ++holding;
    sv.peak = std::max(sv.peak, holding);
  }
}

void InferenceRuntime::start_actor(std::size_t r) {
  auto self = this;
  replicas[r].serving_since = sg4::Engine::get_clock();
  if (services[replicas[r].service].spec->fast) return;  // served by fast_service, no actor of its own
  replicas[r].actor = sg4::Actor::create("replica", replicas[r].host, [self, r] {
    guarded(self->ctx, self->service_label(self->replicas[r].service), [&] {
      const InferenceServiceSpec& spec = *self->services[self->replicas[r].service].spec;
      if (spec.cold_start) self->load_weights(r);  // before it serves (requests queue meanwhile)
      self->replica_loop(r);
    });
  });
  // Daemonized by its creator, not by create_daemon: its body loops until killed, so it cannot end
  // first, and a daemonize inside it would reorder same-instant events (shifting results by 1e-8 s).
  replicas[r].actor->daemonize();
}

void InferenceRuntime::load_weights(std::size_t r) {
  const Replica& rep = replicas[r];
  const Scenario& s = ctx.scenario;
  const std::string& model = services[rep.service].spec->model;
  const auto bytes = static_cast<std::uint64_t>(rep.cost->weight_bytes());
  std::size_t from = rep.site;
  if (s.sites[rep.site].kind == SiteKind::Node && weights_at.count({rep.site, model}) == 0)
    for (std::size_t i = 0; i < s.sites.size(); ++i)
      if (s.sites[i].kind == SiteKind::Center) {
        from = i;
        break;
      }
  const double t0 = sg4::Engine::get_clock();
  sg4::Comm::sendto(ctx.platform.sites[from].storage, rep.host, bytes);
  if (from == rep.site) return;
  weights_at.insert({rep.site, model});
  ctx.wan_transfers.push_back({t0, sg4::Engine::get_clock(), s.sites[from].name, s.sites[rep.site].name,
                               "weights of " + model, static_cast<double>(bytes)});
}

bool InferenceRuntime::preempt_training(std::size_t r) {
  const Replica& rep = replicas[r];
  const InferenceServiceSpec& spec = *services[rep.service].spec;
  const double now = sg4::Engine::get_clock();
  std::size_t best = ctx.jobs.size();
  double best_lost = 0;
  for (std::size_t j = 0; j < ctx.jobs.size(); ++j) {
    const JobRuntime& job = ctx.jobs[j];
    const JobProgress& p = job.progress;
    if (job.result.state != JobState::Running || p.preempting || job.servers.empty() ||
        !ctx.scenario.training[j].checkpoint.enabled)
      continue;
    const ClusterState& cs = ctx.clusters[job.cluster];
    if (cs.site != rep.site || cs.gpus_per_server < spec.gpus_per_replica) continue;
    const double lost = p.pace.worked(now) - p.saved_work_s;
    if (best == ctx.jobs.size() || lost < best_lost) best = j, best_lost = lost;
  }
  if (best == ctx.jobs.size()) return false;
  const int gpus = ctx.jobs[best].progress.gpus;
  const double restart = ctx.scenario.failures.restart;  // no detection: the preemption is known at once
  const double lost = interrupt_job(ctx, best, "inference", restart);
  training_preemptions.push_back({now, spec.name, ctx.scenario.sites[rep.site].name, ctx.jobs[best].result.name, gpus,
                                  lost, restart, gpus * (lost + restart) / 3600});
  return true;
}

void InferenceRuntime::complete(Replica& rep, std::uint32_t id, double now) {
  const Request& q = requests[id];
  ServiceRuntime& sv = services[rep.service];
  RegionStats& st = sv.stats[q.region];
  const double tpot = q.output > 1 ? (now - q.first_token) / (q.output - 1) : 0;
  st.record_completion(sv.spec->slo, q.first_token - q.arrival + q.rtt, tpot, now - q.arrival + q.rtt, q.prompt, q.output);
  remember_context(rep, q);
}

double InferenceRuntime::cached_prefix(const Replica& rep, const Request& q) const {
  const PrefixCacheSpec& pc = services[rep.service].spec->prefix_cache;
  double prefix = 0;
  if (pc.hit > 0) {
    prefix = std::floor(pc.hit * q.prompt);
  } else if (pc.conversations && q.conversation != 0) {
    auto it = rep.context_of.find(q.conversation);
    if (it != rep.context_of.end()) prefix = it->second->second;
  }
  return std::max(0.0, std::min(prefix, static_cast<double>(q.prompt) - 1));
}

void InferenceRuntime::remember_context(Replica& rep, const Request& q) {
  if (!services[rep.service].spec->prefix_cache.conversations || q.conversation == 0) return;
  if (auto it = rep.context_of.find(q.conversation); it != rep.context_of.end()) {
    rep.context_tokens -= it->second->second;
    rep.contexts.erase(it->second);
  }
  const double context = static_cast<double>(q.prompt) + q.output;
  rep.contexts.emplace_back(q.conversation, context);
  rep.context_of[q.conversation] = std::prev(rep.contexts.end());
  rep.context_tokens += context;
  // Cached contexts live in KV blocks no running request needs: at most the cache's capacity.
  while (rep.context_tokens > rep.cost->kv_capacity_tokens() && !rep.contexts.empty()) {
    rep.context_tokens -= rep.contexts.front().second;
    rep.context_of.erase(rep.contexts.front().first);
    rep.contexts.pop_front();
  }
}

void InferenceRuntime::end_iteration(Replica& rep, std::size_t r) {
  const double now = sg4::Engine::get_clock();
  retire_finished(rep, requests, rep.limits, [&](std::uint32_t id) { complete(rep, id, now); });
  if (now - rep.last_sample >= 10) {
    rep.last_sample = now;
    load.push_back({now, ctx.scenario.sites[rep.site].name, services[rep.service].spec->name, static_cast<int>(r),
                    static_cast<int>(rep.queue.size() + rep.running.size())});
  }
}

bool InferenceRuntime::wait_for_work(std::size_t r) {
  Replica& rep = replicas[r];
  while (rep.queue.empty() && rep.running.empty()) {
    if (rep.state == ReplicaState::Draining) {  // scaled down and done: the server goes back
      release_server(r);
      end_serving(r, sg4::Engine::get_clock());
      rep.state = ReplicaState::Idle;
      rep.actor = nullptr;
      return false;
    }
    rep.arrivals->acquire();
  }
  return true;
}

std::size_t InferenceRuntime::pick_decode(std::size_t service, std::size_t site) const {
  std::size_t best = replicas.size();
  double best_key = 1e300;
  for (std::size_t r : services[service].replicas) {
    const Replica& rep = replicas[r];
    if (rep.state != ReplicaState::Active || rep.role != ReplicaRole::Decode) continue;
    const double key = rtt(site, rep.site) * 1e12 + outstanding(rep);
    if (key < best_key) best_key = key, best = r;
  }
  return best;
}

void InferenceRuntime::hand_off(Replica& from, std::uint32_t id) {
  Request& q = requests[id];
  ServiceRuntime& sv = services[from.service];
  if (!from.limits.paged) from.kv_reserved -= q.prompt + q.output;  // a paged replica freed its blocks itself
  from.outstanding -= q.output - 1;
  const double bytes = from.cost->kv_bytes_per_token() * q.prompt;  // the prompt's KV cache, all layers
  sv.in_transfer.insert(id);
  // The transfer's actor waits on the site's gateway, not on the prefill server: a failure of that
  // server must reach it as a failed flow (the cache is lost, the request starts over), not kill
  // it with the request still counted in transfer.
  create_daemon("kv-transfer", ctx.platform.sites[from.site].gateway,
                     [this, id, service = from.service, site = from.site, src = from.host, bytes] {
    guarded(ctx, service_label(service), [&] {
      ServiceRuntime& svc = services[service];
      for (;;) {
        const std::size_t to = pick_decode(service, site);
        if (to == replicas.size()) {  // no decode replica up
          svc.in_transfer.erase(id);
          ++svc.stats[requests[id].region].dropped;
          ++svc.drops["no replica up"];
          return;
        }
        const std::uint64_t repairs = ctx.wan_repairs;
        sg4::Host* const dst_host = replicas[to].host;
        try {
          sg4::Comm::sendto(src, dst_host, static_cast<std::uint64_t>(bytes));
        } catch (const simgrid::Exception&) {  // a server at either end failed, or a WAN link was cut
          if (!src->is_on()) {  // the prefill server, and the cache with it: routed again, as its queue is
            svc.in_transfer.erase(id);
            Request& req = requests[id];
            req.first_token = -1, req.generated = 0, req.cached = 0, req.prefilled = false;
            ++svc.retried;
            dispatch(service, id);
            return;
          }
          // The decode end is up, and the replica still on it (with no restart delay a failed
          // replica is Active again on another server before this actor hears of the failure).
          if (dst_host->is_on() && replicas[to].state == ReplicaState::Active && replicas[to].host == dst_host) {
            if (!any_wan_link_down(ctx)) throw;  // not a failure rcnsim injects
            // A link-cut: wait for a repair, then send it all again (docs/failures.md).
            std::unique_lock<sg4::Mutex> lock(*ctx.mutex);
            while (ctx.wan_repairs == repairs && any_wan_link_down(ctx)) ctx.wan_repaired->wait(lock);
          }
          continue;  // the decode replica failed: another one (or the same one after the repair)
        }
        Replica& dst = replicas[to];
        if (dst.state != ReplicaState::Active) continue;  // it failed meanwhile: send to another one
        svc.in_transfer.erase(id);
        Request& req = requests[id];
        req.first_token = sg4::Engine::get_clock();  // the first token leaves with the decode replica's first step
        req.generated = 1;
        dst.outstanding += req.output - 1;
        dst.queue.push_back(id);
        dst.arrivals->release();
        return;
      }
    });
  });
}

namespace {

// The replica scheduler's clock in the simulation: iterations sleep the replica's actor.
struct ActorClock {
  InferenceRuntime& rt;
  Replica& rep;
  double busy(double seconds) { return rt.busy_for(rep, seconds); }
  double decode(double k, double step, bool can_join) { return rt.decode_steps(rep, k, step, can_join); }
  void first_token(std::uint32_t id, double now) {
    if (rt.requests[id].first_token < 0) rt.requests[id].first_token = now;
  }
  void preempted(std::uint32_t) { ++rt.services[rep.service].preemptions; }
  void hand_off(std::uint32_t id) { rt.hand_off(rep, id); }
};

}  // namespace

void InferenceRuntime::replica_loop(std::size_t r) {
  Replica& rep = replicas[r];
  ActorClock clock{*this, rep};
  for (;;) {
    if (!wait_for_work(r)) return;
    replica_iteration(rep, requests, rep.limits, *rep.cost, clock);
    end_iteration(rep, r);
  }
}

std::shared_ptr<InferenceRuntime> start_inference(EngineContext& ctx) {
  auto rt = std::make_shared<InferenceRuntime>(ctx);
  const Scenario& s = ctx.scenario;
  Diagnostics diags;
  for (std::size_t si = 0; si < s.inference.size(); ++si) {
    const InferenceServiceSpec& spec = s.inference[si];
    rt->services.emplace_back();
    ServiceRuntime& sv = rt->services.back();
    sv.spec = &spec;
    // Slots: the starting replicas per site, then (autoscaling) idle slots up to each site's maximum.
    std::vector<std::pair<std::string, int>> slots = spec.replicas;
    for (const auto& [site_name, most] : spec.autoscale.max) {
      auto it = std::find_if(slots.begin(), slots.end(), [&name = site_name](const auto& x) { return x.first == name; });
      if (it == slots.end()) slots.emplace_back(site_name, 0);
    }
    for (const auto& [site_name, start_count] : slots) {
      std::size_t site = 0;
      while (s.sites[site].name != site_name) ++site;
      int most = start_count;
      for (const auto& [m_site, m] : spec.autoscale.max)
        if (m_site == site_name) most = std::max(most, m);
      for (int k = 0; k < most; ++k) {
        Replica rep;
        rep.service = si, rep.site = site;
        if (spec.disaggregated()) rep.role = k < spec.prefill_replicas_at(site_name) ? ReplicaRole::Prefill : ReplicaRole::Decode;
        const std::size_t r = rt->replicas.size();
        sv.replicas.push_back(r);
        rt->replicas.push_back(std::move(rep));
        if (k >= start_count) continue;  // an idle autoscaling slot
        if (rt->take_server(r)) {
          rt->replicas[r].state = ReplicaState::Active;
        } else {
          diags.error(spec.loc, fmt::format("workloads.inference[{}].replicas.{}", si, site_name),
                      fmt::format("site {} has no room for replica {} of {} ({} GPUs in one server)", site_name, k + 1,
                                  spec.name, spec.gpus_per_replica));
        }
      }
    }
    double total = 0;
    for (const auto& [region, share] : spec.demand) {
      sv.regions.push_back(region);
      total += share;
      sv.cumulative_share.push_back(total);
    }
    if (sv.regions.empty() && !sv.replicas.empty()) {
      sv.regions.push_back(s.sites[rt->replicas[sv.replicas.front()].site].region);
      sv.cumulative_share.push_back(1);
    }
    for (const auto& region : sv.regions) {
      std::size_t site = 0;
      for (std::size_t i = 0; i < s.sites.size(); ++i)
        if (s.sites[i].region == region) {
          site = i;
          break;
        }
      sv.region_site.push_back(site);
    }
    sv.stats.resize(sv.regions.size());
    for (const auto& region : sv.regions) sv.region_resident.push_back(spec.resident(region) ? 1 : 0);
    for (std::size_t r : sv.replicas) sv.slot_resident.push_back(spec.resident(s.sites[rt->replicas[r].site].region) ? 1 : 0);
    for (std::size_t g = 0; g < sv.regions.size(); ++g) {
      std::vector<double> row;
      for (std::size_t r : sv.replicas) row.push_back(rt->rtt(sv.region_site[g], rt->replicas[r].site));
      sv.rtt.push_back(row);
    }
    sv.peak = static_cast<int>(std::count_if(sv.replicas.begin(), sv.replicas.end(),
                                             [&](std::size_t r) { return rt->replicas[r].server >= 0; }));
  }
  if (diags.has_errors()) throw InputError{diags};
  rt->requests.reserve(1 << 16);
  sg4::Host* control = ctx.platform.sites.front().gateway;
  for (std::size_t r = 0; r < rt->replicas.size(); ++r)
    if (rt->replicas[r].state == ReplicaState::Active) rt->start_actor(r);
  ctx.on_server_failure = [raw = rt.get()](std::size_t c, int server, bool hardware) {
    return raw->server_failed(c, server, hardware);
  };
  for (std::size_t si = 0; si < rt->services.size(); ++si)
    if (!rt->services[si].replicas.empty())
      sg4::Actor::create((s.inference[si].fast ? "fast:" : "dispatch:") + s.inference[si].name, control, [rt, si] {
        guarded(rt->ctx, rt->service_label(si), [&] {
          if (rt->services[si].spec->fast) rt->fast_service(si);
          else rt->dispatcher(si);
        });
      });
  for (std::size_t si = 0; si < rt->services.size(); ++si)
    if (!s.inference[si].autoscale.max.empty())
      create_daemon("autoscale:" + s.inference[si].name, control, [rt, si] {
        guarded(rt->ctx, rt->service_label(si), [&] { rt->autoscaler(si); });
      });
  return rt;
}

void collect_inference(const InferenceRuntime& crt, double end, SimulationResult& out,
                       std::vector<double>& busy_gpu_seconds) {
  auto& rt = const_cast<InferenceRuntime&>(crt);
  out.inference_load = rt.load;
  for (std::size_t si = 0; si < rt.services.size(); ++si) {
    ServiceRuntime& sv = rt.services[si];
    InferenceServiceResult res;
    res.service = sv.spec->name;
    res.replicas = 0;
    for (const auto& [site, n] : sv.spec->replicas) res.replicas += n;
    res.gpus = res.replicas * sv.spec->gpus_per_replica;
    res.slo_ttft_s = sv.spec->slo.ttft, res.slo_tpot_s = sv.spec->slo.tpot, res.slo_e2e_s = sv.spec->slo.e2e;
    double busy = 0, held = 0;
    std::vector<long> in_flight(sv.regions.size(), 0);
    res.gpu_seconds_by_cluster.assign(busy_gpu_seconds.size(), 0.0);
    for (std::size_t r : sv.replicas) {
      const Replica& rep = rt.replicas[r];
      busy += rep.busy_s;
      const double rep_held = rep.held_s + (rep.held_since >= 0 ? std::max(0.0, end - rep.held_since) : 0);
      held += rep_held;
      res.gpu_seconds_by_cluster[rep.cluster] += rep_held * sv.spec->gpus_per_replica;
      busy_gpu_seconds[rep.cluster] += std::min(rep.busy_s, end) * sv.spec->gpus_per_replica;
      for (auto id : rep.queue) ++in_flight[rt.requests[id].region];
      for (auto id : rep.running) ++in_flight[rt.requests[id].region];
    }
    for (auto id : sv.in_transfer) ++in_flight[rt.requests[id].region];
    for (std::size_t r : sv.replicas) {
      const Replica& rep = rt.replicas[r];
      if (rep.busy_from >= 0)
        rt.ctx.inference_busy.push_back({rep.site, sv.spec->gpus_per_replica, rep.busy_from, std::min(rep.busy_to, end)});
      if (rep.serving_since >= 0)
        rt.serving.push_back({rep.serving_since, end, rt.ctx.scenario.sites[rep.site].name, sv.spec->name, static_cast<int>(r)});
    }
    res.gpu_utilisation = held > 0 ? std::min(1.0, busy / held) : 0;
    res.replica_hours = held / 3600;
    res.gpu_hours = held * sv.spec->gpus_per_replica / 3600;
    for (const RegionStats& st : sv.stats) res.tokens_served += st.tokens;
    res.replicas_peak = sv.peak;
    res.scale_ups = sv.scale_ups, res.scale_downs = sv.scale_downs;
    res.replica_failures = sv.replica_failures;
    res.requests_retried = sv.retried;
    res.preemptions = sv.preemptions;
    res.scheduler = sv.spec->scheduler.name;
    for (const std::string& region : sv.spec->residency) res.residency += (res.residency.empty() ? "" : ",") + region;
    res.requests_kept_in_residency = sv.kept_in_residency;
    if (auto d = sv.drops.find("no replica up in its residency"); d != sv.drops.end()) res.requests_dropped_for_residency = d->second;
    std::map<std::string, long> drops = sv.drops;  // fast mode's calibrated drops, per region as reported
    for (const RegionStats& st : sv.stats)
      if (std::lround(st.fast_dropped) > 0) drops["exceeds KV cache"] += std::lround(st.fast_dropped);
    for (const auto& [reason, n] : drops) res.drop_reasons += fmt::format("{}{}={}", res.drop_reasons.empty() ? "" : ";", reason, n);
    out.services.push_back(res);
    for (std::size_t g = 0; g < sv.regions.size(); ++g) {
      RegionStats& st = sv.stats[g];
      InferenceRegionResult rr;
      rr.service = sv.spec->name;
      rr.region = sv.regions[g];
      rr.requests = st.requests;
      if (sv.spec->fast) {
        rr.dropped = st.dropped;
        fast_region_result(sv, st, end, rr);
        out.inference.push_back(rr);
        continue;
      }
      rr.completed = static_cast<long>(st.e2e.size());
      rr.dropped = st.dropped;
      rr.in_flight = in_flight[g];
      rr.throughput_rps = end > 0 ? rr.completed / end : 0;
      for (double x : st.ttft) rr.ttft_mean += x;
      for (double x : st.e2e) rr.e2e_mean += x;
      if (rr.completed > 0) rr.ttft_mean /= rr.completed, rr.e2e_mean /= rr.completed;
      rr.ttft_p50 = percentile(st.ttft, 0.5), rr.ttft_p90 = percentile(st.ttft, 0.9), rr.ttft_p99 = percentile(st.ttft, 0.99);
      rr.tpot_p50 = percentile(st.tpot, 0.5), rr.tpot_p90 = percentile(st.tpot, 0.9), rr.tpot_p99 = percentile(st.tpot, 0.99);
      rr.e2e_p50 = percentile(st.e2e, 0.5), rr.e2e_p90 = percentile(st.e2e, 0.9), rr.e2e_p99 = percentile(st.e2e, 0.99);
      rr.slo_attainment = rr.completed > 0 ? static_cast<double>(st.slo_met) / rr.completed : 0;
      for (int q = 1; q <= 99; ++q) {
        rr.ttft_cdf.push_back(percentile(st.ttft, q / 100.0));
        rr.tpot_cdf.push_back(percentile(st.tpot, q / 100.0));
        rr.e2e_cdf.push_back(percentile(st.e2e, q / 100.0));
      }
      out.inference.push_back(rr);
    }
  }
  out.inference_serving = rt.serving;
  out.training_preemptions = rt.training_preemptions;
  out.tenants = tenant_results(rt.services, out.services, out.inference);
}

}  // namespace rcn
