#include "src/engine/inference_service.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <deque>
#include <map>

#include "rcn/models/failure_schedule.hpp"
#include "rcn/models/inference_model.hpp"
#include "rcn/topology/site_graph.hpp"
#include "src/engine/engine_context.hpp"

namespace rcn {
namespace sg4 = simgrid::s4u;

struct Request {
  double arrival = 0;
  float prompt = 0, output = 0;
  std::uint16_t region = 0;
  float rtt = 0;
  double first_token = -1;
  float generated = 0;
};

// Active: routable. Draining: finishing its requests before giving its server
// back (autoscaling down). Restarting: stopped by a failure. Idle: holds no
// server (an autoscaling slot not in use).
enum class ReplicaState { Active, Draining, Restarting, Idle };

struct Replica {
  std::size_t service = 0, site = 0, cluster = 0;  // cluster: index into ctx.clusters
  int server = -1;                                 // the one server it holds (-1: none)
  ReplicaState state = ReplicaState::Idle;
  double held_since = -1;                          // when it took its server (-1: holds none)
  double held_s = 0;                               // server time held before held_since
  sg4::Host* host = nullptr;
  sg4::ActorPtr actor;
  const InferenceCost* cost = nullptr;
  std::deque<std::uint32_t> queue;
  std::vector<std::uint32_t> running;
  double kv_reserved = 0;  // tokens of KV cache promised to running requests (prompt + output)
  double outstanding = 0;  // tokens still to process for queued and running requests (routing)
  double busy_s = 0;
  double last_sample = -1e300;
  // Released once per request pushed: no lock object lives across a wait, so a
  // replica killed at the end of the run unwinds cleanly.
  sg4::SemaphorePtr arrivals = sg4::Semaphore::create(0);
};

struct RegionStats {
  std::vector<double> ttft, tpot, e2e;
  long requests = 0, dropped = 0, slo_met = 0;
  double tokens = 0;  // prompt + output tokens of completed requests (docs/tco.md)
};

struct ServiceRuntime {
  const InferenceServiceSpec* spec = nullptr;
  std::vector<std::size_t> replicas;
  std::vector<std::string> regions;      // demand regions, or the first replica's region
  std::vector<double> cumulative_share;  // to draw a region
  std::vector<std::size_t> region_site;  // a site standing for each region's users
  std::vector<std::vector<double>> rtt;  // [region][replica slot]: round trip to each replica
  std::vector<RegionStats> stats;
  std::map<std::string, long> drops;
  int replica_failures = 0;
  long retried = 0;  // requests re-routed because their replica failed
  int scale_ups = 0, scale_downs = 0, peak = 0;
  int min_at(std::size_t site, const Scenario& s) const {
    for (const auto& [name, n] : spec->replicas)
      if (s.sites[site].name == name) return n;
    return 0;
  }
};

class InferenceRuntime {
 public:
  explicit InferenceRuntime(EngineContext& ctx) : ctx(ctx) {}
  EngineContext& ctx;
  std::vector<ServiceRuntime> services;
  std::vector<Replica> replicas;
  std::vector<Request> requests;
  std::vector<InferenceLoadPoint> load;

  double rtt(std::size_t from_site, std::size_t to_site) const {
    if (from_site == to_site) return 0;
    auto path = ctx.graph->route(from_site, to_site);  // the run's graph, built once
    return path ? 2 * ctx.graph->latency(*path) : 0;
  }
  double outstanding(const Replica& r) const { return r.outstanding; }
  void dispatcher(std::size_t s);
  void replica_loop(std::size_t r);
  void complete(Replica& rep, std::uint32_t id, double now);
  // Routes request `id` of service `s` to a live replica, or drops it.
  void dispatch(std::size_t s, std::uint32_t id);
  // A failure hit (cluster, server): the replica there stops, its requests are
  // routed again, and it restarts after detection + restart on a free server
  // of its cluster (the same one after a software failure). Returns its name, or "".
  std::string server_failed(std::size_t cluster, int server, bool hardware);
  void restart(std::size_t r, bool keep_server);
  // What an error in one of the service's actors concerns, for guarded().
  std::string service_label(std::size_t service) const {
    return fmt::format("inference service \"{}\"", services[service].spec->name);
  }
  void start_actor(std::size_t r);
  // Takes a free server of the replica's site for it (the first cluster that
  // can hold it, lowest server first); false when none is free.
  bool take_server(std::size_t r);
  // Gives its server back to the pool (unless it is down) and wakes the scheduler.
  void release_server(std::size_t r);
  void autoscaler(std::size_t s);
  std::map<std::size_t, std::unique_ptr<InferenceCost>> cost_cache;  // by service x clusters + cluster
};

namespace {

double percentile(std::vector<double>& xs, double q) {
  if (xs.empty()) return 0;
  const std::size_t k = std::min(xs.size() - 1, static_cast<std::size_t>(q * (xs.size() - 1) + 0.5));
  std::nth_element(xs.begin(), xs.begin() + static_cast<std::ptrdiff_t>(k), xs.end());
  return xs[k];
}

}  // namespace

void InferenceRuntime::dispatcher(std::size_t s) {
  ServiceRuntime& sv = services[s];
  const ArrivalSpec& a = sv.spec->arrivals;
  SplitMix64 rng(stream_seed(ctx.scenario.seed, "arrivals:" + sv.spec->name));
  const double horizon = ctx.scenario.horizon;
  const std::vector<TraceRequest>& trace = a.requests;  // read and checked when the scenario loaded
  std::size_t next_row = 0;
  double t = 0;
  for (;;) {
    double prompt = a.prompt_tokens, output = a.output_tokens;
    if (a.kind == "trace") {
      if (next_row >= trace.size()) {  // the trace is over: stay until its last requests are served
        for (;;) {
          bool idle = true;
          for (std::size_t r : sv.replicas) idle = idle && replicas[r].queue.empty() && replicas[r].running.empty();
          if (idle) return;
          sg4::this_actor::sleep_for(1.0);
        }
      }
      t = trace[next_row].at, prompt = trace[next_row].prompt_tokens;
      output = std::max(1.0, trace[next_row].output_tokens);
      ++next_row;
    } else if (a.kind == "poisson") {
      t += -std::log(1 - rng.uniform()) / a.rate;
    } else {  // daily: Poisson with rate x (1 + 0.5 sin), peak at 14:00, thinned from the peak rate
      const double peak = 1.5 * a.rate;
      do {
        t += -std::log(1 - rng.uniform()) / peak;
      } while (rng.uniform() * peak > a.rate * (1 + 0.5 * std::sin(2 * M_PI * (std::fmod(t, 86400) - 8 * 3600) / 86400)));
    }
    if (t >= horizon) return;
    if (t > sg4::Engine::get_clock()) sg4::this_actor::sleep_until(t);
    // Region by demand share.
    std::size_t region = 0;
    const double u = rng.uniform() * sv.cumulative_share.back();
    while (region + 1 < sv.cumulative_share.size() && u >= sv.cumulative_share[region]) ++region;
    RegionStats& st = sv.stats[region];
    ++st.requests;
    Request req;
    req.arrival = t, req.prompt = static_cast<float>(prompt), req.output = static_cast<float>(output);
    req.region = static_cast<std::uint16_t>(region);
    requests.push_back(req);
    dispatch(s, static_cast<std::uint32_t>(requests.size() - 1));
  }
}

void InferenceRuntime::dispatch(std::size_t s, std::uint32_t id) {
  ServiceRuntime& sv = services[s];
  Request& req = requests[id];
  RegionStats& st = sv.stats[req.region];
  std::size_t best = 0, best_slot = sv.replicas.size();
  double best_key = 1e300;
  for (std::size_t slot = 0; slot < sv.replicas.size(); ++slot) {
    const std::size_t r = sv.replicas[slot];
    const Replica& rep = replicas[r];
    if (rep.state != ReplicaState::Active) continue;
    double key = outstanding(rep);
    if (sv.spec->routing == "nearest") key = sv.rtt[req.region][slot] * 1e12 + key;
    else if (sv.spec->routing == "cost")
      key = (rep.running.size() + rep.queue.size() < static_cast<std::size_t>(sv.spec->max_batch) ? 0 : 1e15) +
            ctx.scenario.sites[rep.site].power.price_per_kwh * 1e12 + key;
    if (key < best_key) best_key = key, best = r, best_slot = slot;
  }
  if (best_slot == sv.replicas.size()) {  // every replica is down
    ++st.dropped;
    ++sv.drops["no replica up"];
    return;
  }
  Replica& rep = replicas[best];
  if (req.prompt + req.output > rep.cost->kv_capacity_tokens()) {  // can never fit in this replica's KV cache
    ++st.dropped;
    ++sv.drops["exceeds KV cache"];
    return;
  }
  req.rtt = static_cast<float>(sv.rtt[req.region][best_slot]);
  rep.outstanding += req.prompt + req.output;
  rep.queue.push_back(id);
  rep.arrivals->release();
}

std::string InferenceRuntime::server_failed(std::size_t cluster, int server, bool hardware) {
  std::size_t r = 0;
  auto serving = [](ReplicaState st) { return st == ReplicaState::Active || st == ReplicaState::Draining; };
  while (r < replicas.size() && !(serving(replicas[r].state) && replicas[r].cluster == cluster && replicas[r].server == server)) ++r;
  if (r == replicas.size()) return "";
  Replica& rep = replicas[r];
  ServiceRuntime& sv = services[rep.service];
  const bool draining = rep.state == ReplicaState::Draining;
  if (rep.actor) rep.actor->kill();
  rep.actor = nullptr;
  rep.state = ReplicaState::Restarting;
  ++sv.replica_failures;
  // Its requests start over elsewhere: the prefill and tokens done are lost,
  // the time already waited stays in their latency.
  std::vector<std::uint32_t> orphans(rep.running.begin(), rep.running.end());
  orphans.insert(orphans.end(), rep.queue.begin(), rep.queue.end());
  rep.running.clear();
  rep.queue.clear();
  rep.kv_reserved = rep.outstanding = 0;
  while (!rep.arrivals->would_block()) rep.arrivals->acquire();  // drop pending wake-ups
  std::sort(orphans.begin(), orphans.end());  // arrival order
  for (std::uint32_t id : orphans) {
    requests[id].first_token = -1, requests[id].generated = 0;
    ++sv.retried;
    dispatch(rep.service, id);
  }
  if (hardware) {  // the failed server goes to repair; the replica needs another
    rep.held_s += sg4::Engine::get_clock() - rep.held_since;
    rep.held_since = -1, rep.server = -1;
  }
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
  sg4::Actor::create("replica-restart", ctx.platform.sites.front().gateway, [this, r, delay, keep_server] {
    guarded(ctx, service_label(replicas[r].service), [&] {
      sg4::this_actor::sleep_for(delay);
      Replica& rep = replicas[r];
      bool keep = keep_server;
      if (keep && rep.server >= 0 && ctx.cluster_runtime[rep.cluster].down[rep.server] > 0) {
        // Its server failed while it was restarting (a site outage, say): that
        // server now belongs to the repair, which returns it to the free pool.
        rep.held_s += sg4::Engine::get_clock() - rep.held_since;
        rep.held_since = -1, rep.server = -1;
        keep = false;
      }
      // After a hardware failure: a free server of its site, checked every
      // minute until one is free (the training scheduler competes for them).
      if (!keep)
        while (!take_server(r)) sg4::this_actor::sleep_for(60);
      replicas[r].state = ReplicaState::Active;
      start_actor(r);
    });
  })->daemonize();
}

bool InferenceRuntime::take_server(std::size_t r) {
  Replica& rep = replicas[r];
  const InferenceServiceSpec& spec = *services[rep.service].spec;
  for (std::size_t c = 0; c < ctx.clusters.size(); ++c) {
    ClusterState& cs = ctx.clusters[c];
    if (cs.site != rep.site || cs.gpus_per_server < spec.gpus_per_replica || ctx.cluster_runtime[c].free_servers.empty()) continue;
    rep.cluster = c;
    rep.server = take_free_servers(ctx, c, 1).front();
    rep.host = ctx.platform.sites[cs.site].clusters[cs.cluster].servers[rep.server];
    rep.held_since = sg4::Engine::get_clock();
    auto& cost = cost_cache[rep.service * ctx.clusters.size() + c];
    if (!cost)
      cost = std::make_unique<InferenceCost>(*ctx.scenario.find_model(spec.model), *ctx.scenario.find_profile(cs.gpu),
                                             spec.gpus_per_replica, spec.precision, spec.cuda_graphs, spec.engine);
    rep.cost = cost.get();
    return true;
  }
  return false;
}

void InferenceRuntime::release_server(std::size_t r) {
  Replica& rep = replicas[r];
  if (rep.server < 0) return;
  rep.held_s += sg4::Engine::get_clock() - rep.held_since;
  rep.held_since = -1;
  if (ctx.cluster_runtime[rep.cluster].down[rep.server] == 0) return_free_server(ctx, rep.cluster, rep.server);
  rep.server = -1;
  ctx.post({EngineEvent::Kind::Capacity});
}

void InferenceRuntime::autoscaler(std::size_t s) {
  ServiceRuntime& sv = services[s];
  const AutoscaleSpec& a = sv.spec->autoscale;
  const double max_batch = sv.spec->max_batch;
  auto in_system = [&](const Replica& rep) { return static_cast<double>(rep.queue.size() + rep.running.size()); };
  // Load is averaged over 10 samples per interval: one instant's queue is too noisy to act on.
  constexpr int kSamples = 10;
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
  replicas[r].actor = sg4::Actor::create("replica", replicas[r].host, [self, r] {
    guarded(self->ctx, self->service_label(self->replicas[r].service), [&] { self->replica_loop(r); });
  });
  replicas[r].actor->daemonize();
}

void InferenceRuntime::complete(Replica& rep, std::uint32_t id, double now) {
  const Request& q = requests[id];
  ServiceRuntime& sv = services[rep.service];
  RegionStats& st = sv.stats[q.region];
  const double ttft = q.first_token - q.arrival + q.rtt;
  const double e2e = now - q.arrival + q.rtt;
  const double tpot = q.output > 1 ? (now - q.first_token) / (q.output - 1) : 0;
  st.ttft.push_back(ttft);
  st.e2e.push_back(e2e);
  st.tokens += static_cast<double>(q.prompt) + q.output;
  if (q.output > 1) st.tpot.push_back(tpot);
  const SloSpec& slo = sv.spec->slo;
  if ((slo.ttft <= 0 || ttft <= slo.ttft) && (slo.tpot <= 0 || tpot <= slo.tpot) && (slo.e2e <= 0 || e2e <= slo.e2e))
    ++st.slo_met;
  rep.kv_reserved -= q.prompt + q.output;
}

void InferenceRuntime::replica_loop(std::size_t r) {
  Replica& rep = replicas[r];
  const int max_batch = services[rep.service].spec->max_batch;
  const double capacity = rep.cost->kv_capacity_tokens();
  for (;;) {
    while (rep.queue.empty() && rep.running.empty()) {
      if (rep.state == ReplicaState::Draining) {  // scaled down and done: the server goes back
        release_server(r);
        rep.state = ReplicaState::Idle;
        rep.actor = nullptr;
        return;
      }
      rep.arrivals->acquire();
    }
    // Admit in arrival order while the batch and the KV cache allow.
    std::vector<double> prompts;
    std::vector<std::uint32_t> admitted;
    while (!rep.queue.empty() && static_cast<int>(rep.running.size()) < max_batch) {
      const Request& q = requests[rep.queue.front()];
      if (rep.kv_reserved + q.prompt + q.output > capacity) break;
      rep.kv_reserved += q.prompt + q.output;
      admitted.push_back(rep.queue.front());
      prompts.push_back(q.prompt);
      rep.running.push_back(rep.queue.front());
      rep.queue.pop_front();
    }
    if (!admitted.empty()) {  // prefill the newcomers; the others wait (no chunked prefill)
      const double t = rep.cost->prefill_s(prompts);
      sg4::this_actor::sleep_for(t);
      rep.busy_s += t;
      const double now = sg4::Engine::get_clock();
      for (auto id : admitted) {
        requests[id].first_token = now, requests[id].generated = 1;
        rep.outstanding -= requests[id].prompt + 1;
      }
    }
    // Decode: steps until the first running request finishes, or until a newcomer can join.
    double k = 1e300, kv = 0;
    for (auto id : rep.running) {
      k = std::min<double>(k, requests[id].output - requests[id].generated);
      kv += requests[id].prompt + requests[id].generated;
    }
    const double batch = static_cast<double>(rep.running.size());
    if (batch > 0 && k > 0) {
      const double step = rep.cost->decode_step_s(batch, kv + (k - 1) * batch / 2);
      const double start = sg4::Engine::get_clock();
      double steps = k;
      bool woken = false;
      const bool can_join = !rep.queue.empty() && static_cast<int>(rep.running.size()) < max_batch;
      if (can_join) steps = 1;
      else woken = rep.arrivals->acquire_timeout(k * step) == false;  // false: acquired, i.e. an arrival
      if (woken) {  // a request arrived: finish the step under way, then let it join
        const double elapsed = sg4::Engine::get_clock() - start;
        steps = std::min(k, std::floor(elapsed / step) + 1);
        if (start + steps * step > sg4::Engine::get_clock()) sg4::this_actor::sleep_until(start + steps * step);
      } else if (steps == 1) {
        sg4::this_actor::sleep_for(step);
      }
      rep.busy_s += steps * step;
      for (auto id : rep.running) requests[id].generated += static_cast<float>(steps);
      rep.outstanding -= steps * batch;
    }
    const double now = sg4::Engine::get_clock();
    std::vector<std::uint32_t> still;
    for (auto id : rep.running) {
      if (requests[id].generated >= requests[id].output) complete(rep, id, now);
      else still.push_back(id);
    }
    rep.running.swap(still);
    if (now - rep.last_sample >= 10) {
      rep.last_sample = now;
      load.push_back({now, ctx.scenario.sites[rep.site].name, services[rep.service].spec->name, static_cast<int>(r),
                      static_cast<int>(rep.queue.size() + rep.running.size())});
    }
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
      sg4::Actor::create("dispatch:" + s.inference[si].name, control, [rt, si] {
        guarded(rt->ctx, rt->service_label(si), [&] { rt->dispatcher(si); });
      });
  for (std::size_t si = 0; si < rt->services.size(); ++si)
    if (!s.inference[si].autoscale.max.empty())
      sg4::Actor::create("autoscale:" + s.inference[si].name, control, [rt, si] {
        guarded(rt->ctx, rt->service_label(si), [&] { rt->autoscaler(si); });
      })->daemonize();
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
    res.gpu_utilisation = held > 0 ? std::min(1.0, busy / held) : 0;
    res.replica_hours = held / 3600;
    res.gpu_hours = held * sv.spec->gpus_per_replica / 3600;
    for (const RegionStats& st : sv.stats) res.tokens_served += st.tokens;
    res.replicas_peak = sv.peak;
    res.scale_ups = sv.scale_ups, res.scale_downs = sv.scale_downs;
    res.replica_failures = sv.replica_failures;
    res.requests_retried = sv.retried;
    for (const auto& [reason, n] : sv.drops) res.drop_reasons += fmt::format("{}{}={}", res.drop_reasons.empty() ? "" : ";", reason, n);
    out.services.push_back(res);
    for (std::size_t g = 0; g < sv.regions.size(); ++g) {
      RegionStats& st = sv.stats[g];
      InferenceRegionResult rr;
      rr.service = sv.spec->name;
      rr.region = sv.regions[g];
      rr.requests = st.requests;
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
        rr.e2e_cdf.push_back(percentile(st.e2e, q / 100.0));
      }
      out.inference.push_back(rr);
    }
  }
}

}  // namespace rcn
