#pragma once
// The serving runtime's state, shared by the files that implement it:
// inference_service.cpp (dispatchers, routing, failures, autoscaling, the replica
// actors, results). The replicas' schedulers are models/replica_scheduler.hpp.
#include <simgrid/s4u.hpp>

#include <algorithm>
#include <cstdint>
#include <deque>
#include <list>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <tuple>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#include "rcn/engine/results.hpp"
#include "rcn/models/inference_model.hpp"
#include "rcn/models/failure_schedule.hpp"
#include "rcn/models/fast_replica.hpp"
#include "rcn/models/fluid_fifo.hpp"
#include "rcn/models/replica_scheduler.hpp"
#include "rcn/scenario/scenario.hpp"
#include "src/engine/engine_context.hpp"

namespace rcn {
namespace sg4 = simgrid::s4u;

// A trace's rows in replay order, as both modes replay them: timestamps divided by rate_scale, a
// looped trace starting again one period (its span and one mean gap between requests) later.
struct TraceCursor {
  const ArrivalSpec& a;
  std::size_t next = 0;
  double offset = 0, period = 0;
  explicit TraceCursor(const ArrivalSpec& spec) : a(spec) {
    const auto& rows = a.requests;
    const double span = rows.empty() ? 0 : rows.back().at - rows.front().at;
    period = rows.size() >= 2 ? span * rows.size() / (rows.size() - 1.0) / a.rate_scale : 0;
  }
  double next_at() {  // the next row's time; 1e300 past the trace's end
    if (a.loop && next >= a.requests.size() && period > 0) next = 0, offset += period;
    return next < a.requests.size() ? offset + a.requests[next].at / a.rate_scale : 1e300;
  }
  const TraceRequest& row() const { return a.requests[next]; }
};

// A request of the run: what the replica's scheduler sees (ServingRequest) and what the results need.
struct Request : ServingRequest {
  double arrival = 0;
  std::uint16_t region = 0;
  float rtt = 0;
  double first_token = -1;
  std::uint64_t conversation = 0;  // the trace's ConversationId (0: none)
};

// Active: routable. Draining: finishing its requests before giving its server
// back (autoscaling down). Restarting: stopped by a failure. Idle: holds no
// server (an autoscaling slot not in use).
enum class ReplicaState { Active, Draining, Restarting, Idle };

struct Replica : ReplicaBatch {  // its queue, batch and KV cache, as its scheduler keeps them
  std::size_t service = 0, site = 0, cluster = 0;  // cluster: index into ctx.clusters
  int server = -1;                                 // the (first) server it holds (-1: none)
  std::vector<int> more_servers;                   // a replica spanning servers: the others, one per pipeline stage
  bool holds(std::size_t c, int s) const {
    return server >= 0 && cluster == c &&
           (server == s || std::find(more_servers.begin(), more_servers.end(), s) != more_servers.end());
  }
  ReplicaState state = ReplicaState::Idle;
  double held_since = -1;                          // when it took its server (-1: holds none)
  double held_s = 0;                               // server time held before held_since
  sg4::Host* host = nullptr;
  sg4::ActorPtr actor;
  const InferenceCost* cost = nullptr;
  BatchLimits limits;  // set with `cost`
  double busy_s = 0;
  double busy_from = -1, busy_to = -1;  // the busy stretch under way (back-to-back batches merged)
  double serving_since = -1;            // its actor's start (-1: not serving)
  double last_sample = -1e300;
  // Prefix cache of conversations (prefix_cache.conversations): each one's context (prompt +
  // output of its last turn here), least recently used first, within the KV capacity.
  std::list<std::pair<std::uint64_t, double>> contexts;
  std::unordered_map<std::uint64_t, std::list<std::pair<std::uint64_t, double>>::iterator> context_of;
  double context_tokens = 0;
  // Fast mode: requests in it (the model's mean at its load, plus its backlog).
  double fast_in_system = 0;
  // Fast mode, calibrated arrivals: requests arrived beyond what it could serve, carried to the
  // next interval, and the load level they queued at: served ahead of the next interval's
  // requests, at most at that level's throughput; their arrival times and regions (fifo) give
  // each part served its wait and its region.
  struct FastBacklog {
    FluidFifo fifo;         // tagged by demand region
    std::size_t model = 0;  // index into ServiceRuntime::fast_models
    int level = 0;
    double requests() const { return fifo.queued(); }
  } fast_backlog;
  // Fast mode, calibrated arrivals: the load levels it serves at this interval (the lower one's
  // share 1 - upper_weight), whose in-system samples the autoscaler draws from; none when idle.
  struct FastLevels {
    const ReplicaQueueStats *upper = nullptr, *lower = nullptr;
    double upper_weight = 1;
  } fast_levels;
  // Released once per request pushed: no lock object lives across a wait, so a
  // replica killed at the end of the run unwinds cleanly.
  sg4::SemaphorePtr arrivals = sg4::Semaphore::create(0);
};

struct RegionStats {
  std::vector<double> ttft, tpot, e2e;
  long requests = 0, dropped = 0, slo_met = 0;
  double tokens = 0;  // prompt + output tokens of completed requests (docs/tco.md)
  // Fast mode: completed requests by (fast model, load level, latency added by a backlog), and
  // how many of them met the SLO; the latencies are those levels' calibration samples.
  std::map<std::tuple<std::size_t, int, double>, double> fast_mix;
  double fast_completed = 0, fast_slo_met = 0;
  double fast_dropped = 0;  // too large for the KV cache (ReplicaQueueStats::dropped_fraction)
  double fast_unrouted = 0;  // of a stopped replica's backlog, with no replica up to take them
  // A request completed with these latencies (round trip included): its samples and tokens;
  // whether it met the SLO (counted in slo_met).
  bool record_completion(const SloSpec& slo, double ttft, double tpot, double e2e, double prompt, double output) {
    this->ttft.push_back(ttft);
    this->e2e.push_back(e2e);
    tokens += prompt + output;
    if (output > 1) this->tpot.push_back(tpot);
    const bool met = meets_slo(slo, ttft, tpot, e2e);
    if (met) ++slo_met;
    return met;
  }
};

struct ServiceRuntime {
  const InferenceServiceSpec* spec = nullptr;
  std::vector<std::size_t> replicas;
  std::vector<std::string> regions;      // demand regions, or the first replica's region
  std::vector<double> cumulative_share;  // to draw a region
  std::vector<std::size_t> region_site;  // a site standing for each region's users
  std::vector<std::vector<double>> rtt;  // [region][replica slot]: round trip to each replica
  std::vector<RegionStats> stats;
  // Data residency (InferenceServiceSpec::residency): which demand regions' requests must stay in
  // it, and which replica slots are in it. Both all-false without residency.
  std::vector<char> region_resident;     // [region]
  std::vector<char> slot_resident;       // [replica slot]
  long kept_in_residency = 0;            // resident requests the router would otherwise have sent outside
  std::map<std::string, long> drops;
  int replica_failures = 0;
  long retried = 0;  // requests re-routed because their replica failed
  std::unordered_set<std::uint32_t> in_transfer;  // disaggregated: requests whose KV cache is on the way to a decode replica
  long preemptions = 0;  // running requests evicted from a full paged KV cache (recomputed later)
  int scale_ups = 0, scale_downs = 0, peak = 0;
  // Fast mode: one model per replica shape (cost model), and its SLO attainment by (model,
  // level, round trip + backlog wait).
  std::vector<std::unique_ptr<FastReplicaModel>> fast_models;
  // Fast mode: a failed or scaled-down replica's backlog, by demand region and with its arrival
  // times, routed again with the next interval's requests (InferenceRuntime::reroute_fast_backlog).
  std::vector<FluidFifo::Part> fast_rerouted;
  std::map<std::pair<const InferenceCost*, int>, std::size_t> fast_model_of;  // by (shape, replicas sharing a region)
  std::map<std::tuple<std::size_t, int, double>, double> fast_slo;
  // Fast mode with trace arrivals: each replica slot's queue, fed the trace's own rows and carried
  // from one interval to the next (made when the slot is first routed to).
  std::vector<std::unique_ptr<ReplicaQueue>> trace_queues;
  std::vector<double> trace_busy;  // [slot]: its queue's busy seconds counted so far
  // A request's region, drawn by demand share (one uniform from `rng`).
  std::size_t draw_region(SplitMix64& rng) const {
    std::size_t g = 0;
    const double u = rng.uniform() * cumulative_share.back();
    while (g + 1 < cumulative_share.size() && u >= cumulative_share[g]) ++g;
    return g;
  }
  int min_at(std::size_t site, const Scenario& s) const {
    for (const auto& [name, n] : spec->replicas)
      if (s.sites[site].name == name) return n;
    return 0;
  }
};

// Quantiles of weighted samples (fast mode's latency mixes, the tenant report): the smallest value whose cumulative weight reaches q of the total.
class WeightedQuantiles {
 public:
  explicit WeightedQuantiles(std::vector<std::pair<double, double>>& xs) {
    std::sort(xs.begin(), xs.end());
    double sum = 0;
    for (const auto& [value, weight] : xs) values_.push_back(value), cumulative_.push_back(sum += weight);
  }
  double at(double q) const {
    if (values_.empty()) return 0;
    const auto it = std::lower_bound(cumulative_.begin(), cumulative_.end(), q * cumulative_.back() * (1 - 1e-12));
    return values_[std::min<std::size_t>(it - cumulative_.begin(), values_.size() - 1)];
  }

 private:
  std::vector<double> values_, cumulative_;
};

// The autoscaler averages this many load samples per check (one instant's queue is too noisy to act on).
constexpr int kAutoscaleSamples = 10;

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
  // The routing rule's choice for a request from `region` among the service's replicas up (not
  // decode-only): the best slot among those its residency allows, and the best of all; each
  // sv.replicas.size() when there is none. load(slot): {outstanding tokens, requests in it}.
  template <class Load>
  std::pair<std::size_t, std::size_t> route(const ServiceRuntime& sv, std::size_t region, Load load) const {
    const std::size_t none = sv.replicas.size();
    const bool resident = sv.region_resident[region] != 0;
    std::size_t best_slot = none, any_slot = none;
    double best_key = 1e300, any_key = 1e300;
    for (std::size_t slot = 0; slot < sv.replicas.size(); ++slot) {
      const Replica& rep = replicas[sv.replicas[slot]];
      if (rep.state != ReplicaState::Active || rep.role == ReplicaRole::Decode) continue;
      const auto [work, in_system] = load(slot);
      double key = work;
      if (sv.spec->routing == "nearest") key = sv.rtt[region][slot] * 1e12 + key;
      else if (sv.spec->routing == "cost")
        key = (in_system < static_cast<std::size_t>(sv.spec->max_batch) ? 0 : 1e15) +
              ctx.scenario.sites[rep.site].power.price_per_kwh * 1e12 + key;
      if (key < any_key) any_key = key, any_slot = slot;
      if ((!resident || sv.slot_resident[slot]) && key < best_key) best_key = key, best_slot = slot;
    }
    return {best_slot, any_slot};
  }
  // Fast mode (src/engine/fast_inference.cpp): the service's arrivals counted per interval and
  // region, routed to its active replicas, each served by its fast model at its load.
  void fast_service(std::size_t s);
  // Fast mode, calibrated arrivals: replica r stops (failure, scale-down) and its backlog goes to
  // the service's other replicas with the next interval's requests (counted as retried after a
  // failure), as the discrete dispatcher routes a stopped replica's requests again.
  void reroute_fast_backlog(std::size_t r, bool failed);
  // Fast mode, trace arrivals: the interval [t, t + dt)'s rows, each routed as the dispatcher routes
  // it to a replica's ReplicaQueue, and every queue run to the interval's end.
  void replay_trace_interval(ServiceRuntime& sv, double t, double dt, SplitMix64& region_rng, TraceCursor& rows);
  // The fast model of a replica's shape, made the first time.
  std::size_t fast_model(ServiceRuntime& sv, const Replica& rep, int share_of);
  // A replica's actor: iterations of its scheduler (replica_scheduler.hpp), sleeping in the simulation.
  void replica_loop(std::size_t r);
  // Waits until the replica has requests; false when it was draining and has now let go of its
  // server (its loop must return).
  bool wait_for_work(std::size_t r);
  // Ends an iteration: completes finished requests, samples the replica's load.
  void end_iteration(Replica& rep, std::size_t r);
  // Prompt tokens of `q` this replica's prefix cache holds: the spec's share of the prompt, or its
  // conversation's context here; at least one token is always prefilled.
  double cached_prefix(const Replica& rep, const Request& q) const;
  // A finished turn's context (prompt + output) stays in the replica's prefix cache.
  void remember_context(Replica& rep, const Request& q);
  void complete(Replica& rep, std::uint32_t id, double now);
  // Routes request `id` of service `s` to a live replica (of the prefill pool when disaggregated), or drops it.
  void dispatch(std::size_t s, std::uint32_t id);
  // Disaggregated serving: request `id`, just prefilled on `from`, leaves it; its KV cache (prompt tokens x
  // the model's bytes per token) flows to the decode replica chosen now, which decodes it on arrival.
  void hand_off(Replica& from, std::uint32_t id);
  // The live decode replica for a request prefilled at `site`: nearest (WAN round trip), then least
  // outstanding work; replicas.size() when none is up.
  std::size_t pick_decode(std::size_t service, std::size_t site) const;
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
  // Cold start: the replica's weights from its site's storage, or over the WAN from the first
  // center's storage when the site does not hold them yet (it does afterwards).
  void load_weights(std::size_t r);
  std::set<std::pair<std::size_t, std::string>> weights_at;  // (node site, model) loaded there over the WAN
  // `priority: above-training`: stops the training job on the replica's site whose server it can
  // take and that loses the least work (jobs that checkpoint only); false when there is none.
  bool preempt_training(std::size_t r);
  std::vector<TrainingPreemption> training_preemptions;
  // Takes a free server of the replica's site for it (the first cluster that
  // can hold it, lowest server first); false when none is free.
  bool take_server(std::size_t r);
  // Gives its server back to the pool (unless it is down) and wakes the scheduler.
  void release_server(std::size_t r);
  void autoscaler(std::size_t s);
  // Busy time and serving time over time (site energy and replicas serving per bin).
  void note_busy(Replica& rep, double from, double to);
  // One iteration of t seconds (a prefill, a mixed step): sleeps, counts it busy; returns the time it ends.
  double busy_for(Replica& rep, double t);
  // Decode steps of `step` seconds: one when a queued request can join after it, else k, or fewer when
  // a request arrives meanwhile (the step under way is finished). Counts them busy; returns how many ran.
  // Shared by every scheduler.
  double decode_steps(Replica& rep, double k, double step, bool can_join);
  void end_serving(std::size_t r, double now);
  std::vector<ReplicaServingSpan> serving;  // closed spans
  std::map<std::size_t, std::unique_ptr<InferenceCost>> cost_cache;  // by service x clusters + cluster
};

// A fast-mode region's results (completed requests, SLO attainment, latency percentiles and
// CDFs) from its mix of calibrated load levels (src/engine/fast_inference.cpp).
void fast_region_result(const ServiceRuntime& sv, const RegionStats& st, double end, InferenceRegionResult& rr);

}  // namespace rcn
