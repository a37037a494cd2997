#include "src/engine/inference_service.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <deque>
#include <list>
#include <map>
#include <unordered_map>

#include "rcn/models/failure_schedule.hpp"
#include "rcn/models/inference_model.hpp"
#include "rcn/models/token_length.hpp"
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
  // Paged schedulers (vllm, sarathi): tokens whose KV the replica holds for it, and whether its
  // prompt (after a preemption: prompt + tokens generated, recomputed) is prefilled.
  float cached = 0;
  bool prefilled = false;
  float prefix = 0;                // prompt tokens found in the replica's prefix cache (not prefilled)
  std::uint64_t conversation = 0;  // the trace's ConversationId (0: none)
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
  double kv_blocks = 0;    // paged schedulers: KV blocks its running requests hold
  double outstanding = 0;  // tokens still to process for queued and running requests (routing)
  double busy_s = 0;
  double last_sample = -1e300;
  // Prefix cache of conversations (prefix_cache.conversations): each one's context (prompt +
  // output of its last turn here), least recently used first, within the KV capacity.
  std::list<std::pair<std::uint64_t, double>> contexts;
  std::unordered_map<std::uint64_t, std::list<std::pair<std::uint64_t, double>>::iterator> context_of;
  double context_tokens = 0;
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
  long preemptions = 0;  // running requests evicted from a full paged KV cache (recomputed later)
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
  // The vllm and sarathi schedulers: paged KV with preemption, chunked prefill for sarathi.
  void paged_replica_loop(std::size_t r);
  // Decode steps of the running requests (all prefilled): until the first one finishes, the KV
  // cache has no block for the next step, or (when `can_join` is false) a request arrives.
  void paged_decode(Replica& rep, bool can_join);
  // Evicts the newest running request: its blocks are freed, it waits at the head of the queue
  // and recomputes its prompt and generated tokens when admitted again (vLLM's recompute).
  void preempt(Replica& rep);
  // Ends an iteration: completes finished requests, samples the replica's load.
  void end_iteration(Replica& rep, std::size_t r);
  // Prompt tokens of `q` this replica's prefix cache holds: the spec's share of the prompt, or its
  // conversation's context here; at least one token is always prefilled.
  double cached_prefix(const Replica& rep, const Request& q) const;
  // A finished turn's context (prompt + output) stays in the replica's prefix cache.
  void remember_context(Replica& rep, const Request& q);
  // Seconds to prefill these requests' prompts (whole, as one iteration), less their cached prefixes.
  double prefill_time(const Replica& rep, const std::vector<std::uint32_t>& ids, const std::vector<double>& prompts) const;
  // Whether a request could ever fit in this replica's KV cache by itself.
  bool fits_alone(const Replica& rep, const Request& q) const;
  void complete(Replica& rep, std::uint32_t id, double now);
  // Routes request `id` of service `s` to a live replica, or drops it.
  void dispatch(std::size_t s, std::uint32_t id);
  // A failure hit (cluster, server): the replica there stops, its requests are
  // routed again, and it restarts after detection + restart on a free server
  // of its cluster (the same one after a software failure). Returns its name, or "".
  std::string server_failed(std::size_t cluster, int server, bool hardware);
  // One replica of a failed server (already marked Restarting): its requests are routed again and
  // it restarts, or goes idle if it was draining. Returns its name.
  std::string replica_stopped(std::size_t r, bool hardware, bool draining);
  // The replica lets go of its server without returning it to the free pool (the server is down:
  // its repair returns it); a shared server is let go when its last replica leaves.
  void drop_server(std::size_t r);
  // GPUs replicas hold on servers shared between replicas (share_servers), by (cluster, server).
  std::map<std::pair<std::size_t, int>, int> shared_gpus;
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
  SplitMix64 lengths(stream_seed(ctx.scenario.seed, "lengths:" + sv.spec->name));  // fixed lengths draw nothing
  const double horizon = ctx.scenario.horizon;
  const std::vector<TraceRequest>& trace = a.requests;  // read and checked when the scenario loaded
  std::size_t next_row = 0;
  double t = 0;
  // A looped trace starts again one period later: its span and one mean gap between requests.
  double offset = 0;
  const double span = trace.empty() ? 0 : trace.back().at - trace.front().at;
  const double period = trace.size() >= 2 ? span * trace.size() / (trace.size() - 1.0) / a.rate_scale : 0;
  for (;;) {
    double prompt = a.prompt_tokens, output = a.output_tokens;
    std::uint64_t conversation = 0;
    if (a.kind == "trace" && a.loop && next_row >= trace.size() && period > 0) next_row = 0, offset += period;
    if (a.kind == "trace") {
      if (next_row >= trace.size()) {  // the trace is over: stay until its last requests are served
        for (;;) {
          bool idle = true;
          for (std::size_t r : sv.replicas) idle = idle && replicas[r].queue.empty() && replicas[r].running.empty();
          if (idle) return;
          sg4::this_actor::sleep_for(1.0);
        }
      }
      t = offset + trace[next_row].at / a.rate_scale, prompt = trace[next_row].prompt_tokens;
      output = std::max(1.0, trace[next_row].output_tokens);
      conversation = trace[next_row].conversation;
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
    if (a.kind != "trace") {  // a fixed length is the spec's token count, drawn from no stream
      if (a.prompt_length.kind != TokenLengthSpec::Kind::Fixed) prompt = draw_token_length(a.prompt_length, lengths);
      if (a.output_length.kind != TokenLengthSpec::Kind::Fixed) output = draw_token_length(a.output_length, lengths);
    }
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
    req.conversation = conversation;
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
  if (!fits_alone(rep, req)) {  // can never fit in this replica's KV cache
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
    if (!serving(rep.state) || rep.cluster != cluster || rep.server != server) continue;
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
  sg4::Actor::create("replica-restart", ctx.platform.sites.front().gateway, [this, r, delay, keep_server] {
    guarded(ctx, service_label(replicas[r].service), [&] {
      sg4::this_actor::sleep_for(delay);
      Replica& rep = replicas[r];
      bool keep = keep_server;
      if (keep && rep.server >= 0 && ctx.down[rep.cluster][rep.server] > 0) {
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
  })->daemonize();
}

bool InferenceRuntime::take_server(std::size_t r) {
  Replica& rep = replicas[r];
  const InferenceServiceSpec& spec = *services[rep.service].spec;
  int server = -1;
  std::size_t c = 0;
  if (spec.share_servers)  // room on a server other replicas already share, lowest first
    for (auto& [at, held] : shared_gpus)
      if (ctx.clusters[at.first].site == rep.site && held + spec.gpus_per_replica <= ctx.clusters[at.first].gpus_per_server &&
          ctx.down[at.first][at.second] == 0) {
        held += spec.gpus_per_replica;
        c = at.first, server = at.second;
        break;
      }
  for (; server < 0 && c < ctx.clusters.size(); ++c) {
    ClusterState& cs = ctx.clusters[c];
    if (cs.site != rep.site || cs.gpus_per_server < spec.gpus_per_replica || ctx.free_servers[c].empty()) continue;
    server = take_free_servers(ctx, c, 1).front();
    if (spec.share_servers) shared_gpus[{c, server}] = spec.gpus_per_replica;
    break;
  }
  if (server >= 0) {
    ClusterState& cs = ctx.clusters[c];
    rep.cluster = c;
    rep.server = server;
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
  if (last && ctx.down[rep.cluster][rep.server] == 0) return_free_server(ctx, rep.cluster, rep.server);
  rep.server = -1;
  if (last) ctx.post({EngineEvent::Kind::Capacity});
}

void InferenceRuntime::drop_server(std::size_t r) {
  Replica& rep = replicas[r];
  if (rep.server < 0) return;
  rep.held_s += sg4::Engine::get_clock() - rep.held_since;
  rep.held_since = -1;
  let_go(shared_gpus, rep.cluster, rep.server, services[rep.service].spec->gpus_per_replica);
  rep.server = -1;
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
    guarded(self->ctx, self->service_label(self->replicas[r].service), [&] {
      const InferenceServiceSpec& spec = *self->services[self->replicas[r].service].spec;
      if (spec.cold_start) {  // its weights come from the site's storage before it serves (requests queue meanwhile)
        const Replica& rep = self->replicas[r];
        sg4::Comm::sendto(self->ctx.platform.sites[rep.site].storage, rep.host,
                          static_cast<std::uint64_t>(rep.cost->weight_bytes()));
      }
      if (spec.scheduler.paged()) self->paged_replica_loop(r);
      else self->replica_loop(r);
    });
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
  if (sv.spec->scheduler.paged()) rep.kv_blocks -= std::ceil(q.cached / sv.spec->scheduler.kv_block);
  else rep.kv_reserved -= q.prompt + q.output;
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

double InferenceRuntime::prefill_time(const Replica& rep, const std::vector<std::uint32_t>& ids,
                                      const std::vector<double>& prompts) const {
  std::vector<PrefillChunk> chunks;
  bool any = false;
  for (std::size_t i = 0; i < ids.size(); ++i) {
    const double prefix = requests[ids[i]].prefix;
    any = any || prefix > 0;
    chunks.push_back({prefix, prompts[i] - prefix, true});
  }
  // Without a cached prefix this is a whole-prompt prefill (the same time as one chunk per prompt).
  return any ? rep.cost->mixed_step_s(0, 0, chunks) : rep.cost->prefill_s(prompts);
}

bool InferenceRuntime::fits_alone(const Replica& rep, const Request& q) const {
  const ReplicaSchedulerSpec& sch = services[rep.service].spec->scheduler;
  const double capacity = rep.cost->kv_capacity_tokens();
  if (!sch.paged()) return q.prompt + q.output <= capacity;
  // Its last decode step writes token prompt + output - 1; whole blocks.
  return std::ceil((q.prompt + q.output) / sch.kv_block) <= std::floor(capacity / sch.kv_block);
}

void InferenceRuntime::end_iteration(Replica& rep, std::size_t r) {
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

void InferenceRuntime::replica_loop(std::size_t r) {
  Replica& rep = replicas[r];
  const int max_batch = services[rep.service].spec->max_batch;
  const double budget = services[rep.service].spec->scheduler.max_batched_tokens;  // 0: none
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
    double batched = 0;  // prompt tokens admitted (the first prompt goes in whatever the budget)
    while (!rep.queue.empty() && static_cast<int>(rep.running.size()) < max_batch) {
      const Request& q = requests[rep.queue.front()];
      if (rep.kv_reserved + q.prompt + q.output > capacity) break;
      if (budget > 0 && !admitted.empty() && batched + q.prompt > budget) break;
      batched += q.prompt;
      rep.kv_reserved += q.prompt + q.output;
      admitted.push_back(rep.queue.front());
      prompts.push_back(q.prompt);
      rep.running.push_back(rep.queue.front());
      rep.queue.pop_front();
    }
    if (!admitted.empty()) {  // prefill the newcomers; the others wait (no chunked prefill)
      const double t = prefill_time(rep, admitted, prompts);
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
    end_iteration(rep, r);
  }
}

void InferenceRuntime::preempt(Replica& rep) {
  const std::uint32_t id = rep.running.back();
  rep.running.pop_back();
  Request& q = requests[id];
  const ReplicaSchedulerSpec& sch = services[rep.service].spec->scheduler;
  // A prefilled request holds the blocks of its cache; one still in its prompt those of the whole
  // prompt, taken when it was admitted.
  rep.kv_blocks -= std::ceil((q.prefilled ? q.cached : q.prompt + q.generated) / sch.kv_block);
  // Work to redo: the cached tokens, and the last generated one, whose KV was not written yet.
  if (q.prefilled) rep.outstanding += q.cached + 1;
  else rep.outstanding += q.cached;
  q.cached = 0, q.prefilled = false;
  q.prefix = 0;  // its blocks are gone: all of it is recomputed
  rep.queue.push_front(id);
  ++services[rep.service].preemptions;
}

void InferenceRuntime::paged_decode(Replica& rep, bool can_join) {
  const double block = services[rep.service].spec->scheduler.kv_block;
  const double free_blocks = std::floor(rep.cost->kv_capacity_tokens() / block) - rep.kv_blocks;
  double k = 1e300, kv = 0;
  for (auto id : rep.running) {
    k = std::min<double>(k, requests[id].output - requests[id].generated);
    kv += requests[id].cached + 1;  // the step attends over the cache and the token it writes
  }
  // Blocks the running requests take over their next j steps.
  auto blocks_for = [&](double j) {
    double n = 0;
    for (auto id : rep.running) n += std::ceil((requests[id].cached + j) / block) - std::ceil(requests[id].cached / block);
    return n;
  };
  if (blocks_for(k) > free_blocks) {  // the cache fills first: stop at the last step it holds
    double lo = 1, hi = k;             // blocks_for(1) <= free_blocks: the caller made room
    while (hi - lo > 1) {
      const double mid = std::floor((lo + hi) / 2);
      (blocks_for(mid) <= free_blocks ? lo : hi) = mid;
    }
    k = lo;
  }
  const double batch = static_cast<double>(rep.running.size());
  const double step = rep.cost->decode_step_s(batch, kv + (k - 1) * batch / 2);
  const double start = sg4::Engine::get_clock();
  double steps = k;
  if (can_join) {
    steps = 1;
    sg4::this_actor::sleep_for(step);
  } else if (rep.arrivals->acquire_timeout(k * step) == false) {  // an arrival: finish the step under way
    steps = std::min(k, std::floor((sg4::Engine::get_clock() - start) / step) + 1);
    if (start + steps * step > sg4::Engine::get_clock()) sg4::this_actor::sleep_until(start + steps * step);
  }
  rep.busy_s += steps * step;
  rep.kv_blocks += blocks_for(steps);
  for (auto id : rep.running) {
    requests[id].generated += static_cast<float>(steps);
    requests[id].cached += static_cast<float>(steps);
  }
  rep.outstanding -= steps * batch;
}

void InferenceRuntime::paged_replica_loop(std::size_t r) {
  Replica& rep = replicas[r];
  const InferenceServiceSpec& spec = *services[rep.service].spec;
  const ReplicaSchedulerSpec& sch = spec.scheduler;
  const double block = sch.kv_block;
  const double total_blocks = std::floor(rep.cost->kv_capacity_tokens() / block);
  // vLLM's watermark (1% of the blocks): a new request is admitted only if that many stay free
  // after its prompt, room for the running requests' next blocks, so that a request just
  // preempted is not taken straight back in (and preempted again) before one finishes.
  const double watermark = std::floor(0.01 * total_blocks);
  // vLLM v0's default budget without chunked prefill: max(model length, 2048); sarathi's is set when loading.
  const double budget = sch.max_batched_tokens > 0
                            ? sch.max_batched_tokens
                            : std::max(2048.0, static_cast<double>(ctx.scenario.find_model(spec.model)->seq));
  const auto batch_full = [&] { return static_cast<int>(rep.running.size()) >= spec.max_batch; };
  const auto blocks = [&](double tokens) { return std::ceil(tokens / block); };
  const auto target = [](const Request& q) { return static_cast<double>(q.prompt) + q.generated; };
  // A prefill of `q` up to `tokens` of its target, as the iteration ends.
  // A request admitted from the queue takes the blocks of its whole prompt (and, after a preemption,
  // of the tokens it recomputes) at once, as vLLM v0 does with and without chunked prefill.
  const auto admit = [&](double& free_blocks) {
    const std::uint32_t id = rep.queue.front();
    rep.queue.pop_front();
    rep.running.push_back(id);
    const double need = blocks(target(requests[id]));
    rep.kv_blocks += need;
    free_blocks -= need;
  };
  // Whether the queue's head may be admitted: its prompt, the block its first decode writes to, and
  // the watermark (unless it would run alone: a request that fits may use every block) are free.
  const auto admissible = [&](double free_blocks) {
    return !rep.queue.empty() && !batch_full() &&
           blocks(target(requests[rep.queue.front()]) + 1) + (rep.running.empty() ? 0.0 : watermark) <= free_blocks;
  };
  const auto prefill_to = [&](std::uint32_t id, double tokens, double now) {
    Request& q = requests[id];
    rep.outstanding -= tokens - q.cached;  // a cached prefix included: it was counted at routing
    q.cached = static_cast<float>(tokens);
    if (tokens >= target(q)) {  // the prompt is in: its next token is sampled
      q.prefilled = true;
      q.generated += 1;
      rep.outstanding -= 1;
      if (q.first_token < 0) q.first_token = now;
    }
  };
  for (;;) {
    while (rep.queue.empty() && rep.running.empty()) {
      if (rep.state == ReplicaState::Draining) {
        release_server(r);
        rep.state = ReplicaState::Idle;
        rep.actor = nullptr;
        return;
      }
      rep.arrivals->acquire();
    }
    // Room for this step's decode tokens: evict the newest requests until every decode has its block.
    double decode_blocks = 0;
    for (;;) {
      decode_blocks = 0;
      for (auto id : rep.running)
        if (requests[id].prefilled) decode_blocks += blocks(requests[id].cached + 1) - blocks(requests[id].cached);
      if (decode_blocks <= total_blocks - rep.kv_blocks || rep.running.size() <= 1) break;
      preempt(rep);
    }
    double free_blocks = total_blocks - rep.kv_blocks - decode_blocks;  // after this step's decodes
    if (!sch.chunked()) {
      // vllm: prompts first, whole, within the token budget (the first one whatever its size).
      std::vector<std::uint32_t> admitted;
      std::vector<double> prompts;
      double batched = 0;
      while (admissible(free_blocks)) {
        const double prompt = target(requests[rep.queue.front()]);
        if (!admitted.empty() && batched + prompt > budget) break;
        batched += prompt;
        prompts.push_back(prompt);
        admitted.push_back(rep.queue.front());
        admit(free_blocks);
      }
      if (!admitted.empty()) {
        const double t = prefill_time(rep, admitted, prompts);
        sg4::this_actor::sleep_for(t);
        rep.busy_s += t;
        const double now = sg4::Engine::get_clock();
        for (std::size_t i = 0; i < admitted.size(); ++i) prefill_to(admitted[i], prompts[i], now);
      } else {
        paged_decode(rep, admissible(free_blocks));
      }
      end_iteration(rep, r);
      continue;
    }
    // sarathi: every prefilled request decodes one token; prompt chunks fill the rest of the
    // budget, unfinished prompts first, then new requests in arrival order.
    double decodes = 0, decode_kv = 0;
    for (auto id : rep.running)
      if (requests[id].prefilled) decodes += 1, decode_kv += requests[id].cached + 1;
    double left = std::max(0.0, budget - decodes);
    std::vector<PrefillChunk> chunks;
    std::vector<std::pair<std::uint32_t, double>> to;  // request, cached tokens after the chunk
    const auto add_chunk = [&](std::uint32_t id) {  // its blocks are held since its admission
      const Request& q = requests[id];
      const double start = std::max<double>(q.cached, q.prefix);  // a new request's cached prefix is in already
      const double tokens = std::min(target(q) - start, left);
      left -= tokens;
      chunks.push_back({start, tokens, start + tokens >= target(q)});
      to.emplace_back(id, start + tokens);
    };
    for (auto id : rep.running)
      if (!requests[id].prefilled && left > 0) add_chunk(id);
    while (left > 0 && admissible(free_blocks)) {
      admit(free_blocks);
      add_chunk(rep.running.back());
    }
    if (chunks.empty() && decodes == static_cast<double>(rep.running.size())) {  // a decode-only batch: many steps at once
      paged_decode(rep, admissible(free_blocks));
      end_iteration(rep, r);
      continue;
    }
    const double t = rep.cost->mixed_step_s(decodes, decode_kv, chunks);
    sg4::this_actor::sleep_for(t);
    rep.busy_s += t;
    const double now = sg4::Engine::get_clock();
    for (auto id : rep.running) {
      Request& q = requests[id];
      if (!q.prefilled) continue;
      rep.kv_blocks += blocks(q.cached + 1) - blocks(q.cached);
      q.cached += 1, q.generated += 1;
      rep.outstanding -= 1;
    }
    for (const auto& [id, tokens] : to) prefill_to(id, tokens, now);
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
    res.preemptions = sv.preemptions;
    res.scheduler = sv.spec->scheduler.name;
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
