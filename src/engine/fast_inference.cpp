// The fast inference mode (`mode: fast`; docs/inference.md, "Fast mode"): per interval, a
// service's arrivals are counted per region, routed to its active replicas, and each replica's
// throughput, latencies, busy time and requests in it come from its fast model at its load
// (FastReplicaModel: the replica's own scheduler simulated once per load level). Routing,
// autoscaling, failures and training stay in the engine; no request is an object.
#include <algorithm>
#include <cmath>
#include <functional>
#include <tuple>

#include "rcn/models/failure_schedule.hpp"
#include "src/engine/inference_runtime.hpp"

namespace rcn {

namespace {

// Requests expected in [from, to) of Poisson or daily arrivals (daily: the dispatcher's rate x
// (1 + 0.5 sin(2 pi (t - 8 h) / 1 d)), integrated).
double expected_arrivals(const ArrivalSpec& a, double from, double to) {
  if (a.kind != "daily") return a.rate * (to - from);
  const double w = 2 * M_PI / 86400, phase = 8 * 3600;
  return a.rate * ((to - from) + 0.5 / w * (std::cos(w * (from - phase)) - std::cos(w * (to - phase))));
}

// A Poisson count of mean m: by inversion below 30, else its normal approximation, rounded.
double poisson_count(double m, SplitMix64& rng) {
  if (m <= 0) return 0;
  if (m < 30) {
    double p = std::exp(-m), cdf = p;
    const double u = rng.uniform();
    int k = 0;
    while (u > cdf && k < 1000) p *= m / ++k, cdf += p;
    return k;
  }
  const double u1 = 1 - rng.uniform(), u2 = rng.uniform();
  return std::max(0.0, std::round(m + std::sqrt(m) * std::sqrt(-2 * std::log(u1)) * std::cos(2 * M_PI * u2)));
}

// A backlog's wait as a latency shift: to the millisecond under a second, beyond it on a 1%
// grid, so that a long backlog adds at most about 230 distinct shifts per decade of wait (each
// shift is a key of RegionStats::fast_mix, expanded to a level's samples at the end).
double quantized_wait(double w) {
  if (w < 1) return std::round(w * 1e3) / 1e3;
  const double step = std::log(1.01);
  return std::exp(std::round(std::log(w) / step) * step);
}

// Whether a level's calibration served less than it was offered (beyond the requests too large
// for the KV cache, dropped at arrival): the replica past its capacity.
bool saturated_level(const ReplicaQueueStats& q) {
  return q.throughput_rps < 0.97 * q.offered_rps * (1 - q.dropped_fraction);
}

// The level a replica at capacity times its requests by: the fastest one below saturation near
// `over`, a saturated level (at most 8 levels, about 21% of rate, down from its throughput).
// A saturated calibration's samples hold the queue it built up over its own requests, which a
// backlog's wait already counts; without such a level, `over` itself.
int capacity_level(FastReplicaModel& model, int over) {
  int l = std::min(over - 1, FastReplicaModel::level_of(model.at_level(over).capacity_rps) - 1);
  for (int k = 0; k < 8 && l >= 0; ++k, --l)
    if (!saturated_level(model.at_level(l))) return l;
  return over;
}

}  // namespace

std::size_t InferenceRuntime::fast_model(ServiceRuntime& sv, const Replica& rep, int share_of) {
  auto it = sv.fast_model_of.find({rep.cost, share_of});
  if (it != sv.fast_model_of.end()) return it->second;
  sv.fast_models.push_back(std::make_unique<FastReplicaModel>(
      rep.limits, *rep.cost, sv.spec->arrivals, stream_seed(ctx.scenario.seed, "fast:" + sv.spec->name), 4000, share_of));
  return sv.fast_model_of[{rep.cost, share_of}] = sv.fast_models.size() - 1;
}

void InferenceRuntime::replay_trace_interval(ServiceRuntime& sv, double t, double dt, SplitMix64& region_rng,
                                             TraceCursor& rows) {
  const std::size_t slots = sv.replicas.size(), none = slots;
  // What a replica slot's queue finishes: the request's latencies with its region's round trip, as
  // the engine counts them (InferenceRuntime::complete).
  std::vector<std::function<void(const ReplicaQueue::Done&)>> record(slots);
  for (std::size_t slot = 0; slot < slots; ++slot)
    record[slot] = [&sv, slot](const ReplicaQueue::Done& d) {
      RegionStats& st = sv.stats[d.tag];
      const double rtt = sv.rtt[d.tag][slot];
      const double tpot = d.output > 1 ? (d.end - d.first) / (d.output - 1) : 0;
      st.fast_completed += 1;
      if (st.record_completion(sv.spec->slo, d.first - d.at + rtt, tpot, d.end - d.at + rtt, d.prompt, d.output))
        st.fast_slo_met += 1;
    };
  const auto queue_of = [&](std::size_t slot) -> ReplicaQueue& {
    auto& q = sv.trace_queues[slot];
    if (!q) q = std::make_unique<ReplicaQueue>(replicas[sv.replicas[slot]].limits, *replicas[sv.replicas[slot]].cost);
    return *q;
  };
  for (double at; (at = rows.next_at()) < t + dt; ++rows.next) {
    const TraceRequest& row = rows.row();
    const std::size_t g = sv.draw_region(region_rng);
    RegionStats& st = sv.stats[g];
    ++st.requests;
    // The router sees each replica as it is at the arrival: least outstanding work by the rule.
    const auto [best, any] = route(sv, g, [&](std::size_t slot) {
      ReplicaQueue& q = queue_of(slot);
      q.run_until(at, record[slot]);
      return std::pair{q.outstanding(at), q.in_system()};
    });
    if (best == none) {
      ++st.dropped;
      ++sv.drops[any == none ? "no replica up" : "no replica up in its residency"];
      continue;
    }
    if (any != best) ++sv.kept_in_residency;
    const auto prompt = static_cast<float>(row.prompt_tokens), output = static_cast<float>(std::max(1.0, row.output_tokens));
    if (!queue_of(best).arrive(at, prompt, output, static_cast<std::uint32_t>(g))) {
      ++st.dropped;
      ++sv.drops["exceeds KV cache"];
    }
  }
  // Every queue runs to the interval's end (a replica scaled down or failed finishes what it holds).
  for (std::size_t slot = 0; slot < slots; ++slot) {
    if (!sv.trace_queues[slot]) continue;
    ReplicaQueue& q = *sv.trace_queues[slot];
    Replica& rep = replicas[sv.replicas[slot]];
    q.run_until(t + dt, record[slot]);
    const double busy = q.busy_s() - sv.trace_busy[slot];  // since the last interval's end
    sv.trace_busy[slot] = q.busy_s();
    rep.busy_s += busy;
    if (busy > 0) note_busy(rep, t, t + std::min(busy, dt));
    rep.fast_in_system = static_cast<double>(q.in_system());
  }
}

void InferenceRuntime::reroute_fast_backlog(std::size_t r, bool failed) {
  Replica& rep = replicas[r];
  Replica::FastBacklog& backlog = rep.fast_backlog;
  if (backlog.requests() > 0) {
    ServiceRuntime& sv = services[rep.service];
    if (failed) sv.retried += std::lround(backlog.requests());
    for (FluidFifo::Part& part : backlog.fifo.take_all()) {
      part.by_tag.resize(sv.regions.size());
      sv.fast_rerouted.push_back(std::move(part));
    }
  }
  backlog = {};
  rep.fast_in_system = 0;
  rep.fast_levels = {nullptr, nullptr, 1.0};
}

void InferenceRuntime::fast_service(std::size_t s) {
  ServiceRuntime& sv = services[s];
  const InferenceServiceSpec& spec = *sv.spec;
  const ArrivalSpec& a = spec.arrivals;
  SplitMix64 rng(stream_seed(ctx.scenario.seed, "fast-arrivals:" + spec.name));
  const double horizon = ctx.scenario.horizon, T = spec.fast_interval;
  // A trace is replayed as the dispatcher replays it: rows counted per interval.
  TraceCursor rows(a);
  const std::size_t regions = sv.regions.size(), slots = sv.replicas.size();
  std::vector<double> assigned(regions * slots);  // [region][slot]: this interval's requests
  std::vector<double> route_share(regions * slots);  // [region][slot]: the slot's share of the region's requests
  std::vector<double> by_region(regions);            // one FIFO admission's requests, by region
  std::vector<int> share_of(slots);               // [slot]: the size of the group it served in
  const long sample_every = std::max(1L, std::lround(3600 / T));  // load points: hourly
  // A trace's rows are replayed one by one through each replica's queue (ReplicaQueue), carried
  // across intervals: its bursts queue as they do in discrete mode. Each row's region is drawn as
  // the discrete dispatcher draws it (the same stream), so both modes split the trace alike.
  const bool replay = a.kind == "trace";
  SplitMix64 region_rng(stream_seed(ctx.scenario.seed, "arrivals:" + spec.name));
  if (replay) sv.trace_queues.resize(slots), sv.trace_busy.assign(slots, 0.0);
  // Credits `done` requests of region g served by replica `slot` at model m's level (and the
  // level below it, weighted 1 - w_upper), `wait` of backlog added to their latencies.
  auto credit = [&](std::size_t g, std::size_t slot, double done, std::size_t m, int level,
                    const ReplicaQueueStats& q, const ReplicaQueueStats& lower, double w_upper, double wait) {
    if (done <= 0) return;
    RegionStats& st = sv.stats[g];
    const double shift = sv.rtt[g][slot] + wait;  // the engine adds the round trip to TTFT and E2E
    st.fast_completed += done;
    for (const auto& [lv, stats, share] : {std::tuple{level, &q, w_upper}, std::tuple{level - 1, &lower, 1 - w_upper}}) {
      if (share <= 0) continue;
      st.fast_mix[{m, lv, shift}] += done * share;
      st.tokens += done * share * stats->tokens_per_request;
      auto [it, fresh] = sv.fast_slo.try_emplace({m, lv, shift}, 0.0);
      if (fresh) it->second = slo_attainment(*stats, spec.slo, shift);
      st.fast_slo_met += done * share * it->second;
    }
  };
  long interval = 0;
  for (double t = 0; t < horizon; t = ++interval * T) {
    if (t > sg4::Engine::get_clock()) sg4::this_actor::sleep_until(t);
    const double dt = std::min(T, horizon - t);
    for (std::size_t slot = 0; slot < slots; ++slot) {  // scaled down: it leaves at once, its backlog routed again
      const std::size_t r = sv.replicas[slot];
      Replica& rep = replicas[r];
      if (rep.state != ReplicaState::Draining) continue;
      release_server(r);
      end_serving(r, t);
      rep.state = ReplicaState::Idle;
      reroute_fast_backlog(r, false);
    }
    if (replay) {
      // With an autoscaler, in steps of its sampling period: each step replayed when the clock
      // reaches its end, so each load sample reads the replicas' queues as they are then.
      const double step = spec.autoscale.max.empty() ? dt : std::min(dt, spec.autoscale.interval / kAutoscaleSamples);
      for (double u = t; u < t + dt; u += step) {
        const double ds = std::min(step, t + dt - u);
        if (ds < dt && u + ds > sg4::Engine::get_clock()) sg4::this_actor::sleep_until(u + ds);
        replay_trace_interval(sv, u, ds, region_rng, rows);
      }
      for (std::size_t slot = 0; slot < slots; ++slot) {
        const Replica& rep = replicas[sv.replicas[slot]];
        if (rep.state == ReplicaState::Active && interval % sample_every == 0)
          load.push_back({t, ctx.scenario.sites[rep.site].name, spec.name, static_cast<int>(sv.replicas[slot]),
                          static_cast<int>(std::lround(rep.fast_in_system))});
      }
      continue;
    }
    const double expected = expected_arrivals(a, t, t + dt), n = poisson_count(expected, rng);
    // The load level is the process's own rate, not this interval's count: a level's calibration
    // already holds the Poisson arrivals' randomness, and a replica's queue near saturation
    // answers the mean rate, not one minute's draw (taking the draw overstated the tail there).
    const double rate_per_request = n > 0 ? expected / n / dt : 0;
    std::fill(assigned.begin(), assigned.end(), 0.0);
    std::fill(route_share.begin(), route_share.end(), 0.0);
    std::fill(share_of.begin(), share_of.end(), 1);
    // A stopped replica's backlog, routed again with this interval's requests (already counted).
    std::vector<FluidFifo::Part> moved_parts;
    moved_parts.swap(sv.fast_rerouted);
    std::vector<double> rerouted(regions, 0.0);
    for (const FluidFifo::Part& part : moved_parts)
      for (std::size_t g = 0; g < regions; ++g) rerouted[g] += part.by_tag[g];  // sized by reroute_fast_backlog
    double before = 0;
    for (std::size_t g = 0; g < regions; ++g) {  // demand shares, rounded cumulatively
      const double upto = std::round(n * sv.cumulative_share[g] / sv.cumulative_share.back());
      const double count = upto - before;
      before = upto;
      if (count <= 0 && rerouted[g] <= 0) continue;
      RegionStats& st = sv.stats[g];
      if (count > 0) st.requests += static_cast<long>(count);
      // The routing's best replicas (nearest: the shortest round trip; cost: the cheapest power;
      // least-loaded: every one) share the region's requests evenly.
      double best = 1e300;
      std::vector<std::size_t> group;
      for (std::size_t slot = 0; slot < slots; ++slot) {
        const Replica& rep = replicas[sv.replicas[slot]];
        if (rep.state != ReplicaState::Active) continue;
        const double key = spec.routing == "nearest" ? sv.rtt[g][slot]
                           : spec.routing == "cost"  ? ctx.scenario.sites[rep.site].power.price_per_kwh
                                                     : 0.0;
        if (key < best - 1e-12) best = key, group.clear();
        if (key <= best + 1e-12) group.push_back(slot);
      }
      if (group.empty()) {
        st.dropped += static_cast<long>(std::max(0.0, count));
        st.fast_unrouted += rerouted[g];  // fractional: a fluid's share, rounded once at the end
        sv.drops["no replica up"] += static_cast<long>(std::max(0.0, count)) + std::lround(rerouted[g]);
        continue;
      }
      const double each = count > 0 ? std::floor(count / group.size()) : 0;
      const std::size_t extra = count > 0 ? static_cast<std::size_t>(count - each * group.size()) : 0;
      for (std::size_t slot : group) share_of[slot] = std::max(share_of[slot], static_cast<int>(group.size()));
      for (std::size_t i = 0; i < group.size(); ++i)  // the remainder goes round the group, interval by interval
        assigned[g * slots + group[i]] = each + ((i + group.size() - interval % group.size()) % group.size() < extra);
      for (std::size_t slot : group) route_share[g * slots + slot] = 1.0 / group.size();
    }
    for (std::size_t slot = 0; slot < slots; ++slot) {
      Replica& rep = replicas[sv.replicas[slot]];
      if (rep.state != ReplicaState::Active) continue;
      Replica::FastBacklog& backlog = rep.fast_backlog;
      // This interval's requests, and those of a stopped replica's backlog sent here: served with
      // them, at their level, never dropped again (the time they waited before counts).
      double total = 0, moved = 0;
      for (std::size_t g = 0; g < regions; ++g)
        total += assigned[g * slots + slot], moved += rerouted[g] * route_share[g * slots + slot];
      const double queued = backlog.requests();
      rep.fast_in_system = queued;
      rep.fast_levels = {nullptr, nullptr, 1.0};
      if (total + moved <= 0 && queued <= 0) continue;
      // This interval's requests are served at their load level (none without requests); the
      // backlog, queued ahead of them, at the level it queued at.
      std::size_t m = backlog.model;
      int level = backlog.level;
      const ReplicaQueueStats* q = nullptr;
      const ReplicaQueueStats* lower = nullptr;
      double w_upper = 1.0, admitted = 0, rate = 0;
      bool saturated = false;
      if (total + moved > 0) {
        m = fast_model(sv, rep, share_of[slot]);
        FastReplicaModel& model = *sv.fast_models[m];
        rate = total * rate_per_request + moved / dt;
        level = FastReplicaModel::level_of(rate);
        q = &model.at_level(level);
        // Past saturation (the level completes less than it was offered) the replica serves at
        // its throughput and the rest waits for the next interval. Requests too large for the KV
        // cache even alone are dropped at arrival, as the discrete replica drops them: neither
        // served nor a sign of saturation.
        admitted = total * (1 - q->dropped_fraction) + moved;
        saturated = saturated_level(*q);
        // Below saturation the rate sits between two levels: its requests are served at both,
        // weighted linearly in rate (FastReplicaModel::upper_weight).
        w_upper = saturated || level <= 0 ? 1.0 : FastReplicaModel::upper_weight(rate);
        lower = w_upper < 1.0 ? &model.at_level(level - 1) : q;
      }
      const ReplicaQueueStats* queued_at = queued > 0 ? &sv.fast_models[backlog.model]->at_level(backlog.level) : nullptr;
      // What the replica serves: everything it is offered, unless its level is saturated (then
      // its throughput) or a backlog waits (then at least the new requests, at most the
      // backlog's level's throughput); what is left waits for the next interval.
      double served = admitted + queued, throughput = 0;
      if (saturated) {
        throughput = q->capacity_rps;
        served = std::min(served, throughput * dt);
      } else if (queued_at && queued_at->capacity_rps > 0) {
        throughput = queued_at->capacity_rps;
        served = std::min(served, std::max(admitted, throughput * dt));
      }
      const double left = admitted + queued - served;
      // First in, first out: the backlog is served before this interval's requests, those moved
      // here from a stopped replica first (with their arrival times), then the new ones.
      const double from_queue = std::min(queued, served), from_new = served - from_queue;
      const bool at_capacity = saturated || left > 0;
      // The moved requests join behind this replica's backlog, as the discrete dispatcher queues
      // a stopped replica's requests again, keeping their arrival times (the wait so far counts).
      if (moved > 0)
        for (const FluidFifo::Part& part : moved_parts) {
          for (std::size_t g = 0; g < regions; ++g) by_region[g] = part.by_tag[g] * route_share[g * slots + slot];
          backlog.fifo.admit(part.t0, part.t1, by_region);
        }
      std::fill(by_region.begin(), by_region.end(), 0.0);
      if (q)
        for (std::size_t g = 0; g < regions; ++g) by_region[g] = assigned[g * slots + slot] * (1 - q->dropped_fraction);
      backlog.fifo.admit(t, t + dt, by_region);
      // Served in order from t: the backlog, then this interval's requests (a stopped replica's
      // first). Each piece's wait is its middle request's time from arrival to departure
      // (FluidFifo), departures paced at the throughput that bounds the interval, or with none
      // (a moved burst on a replica below saturation) its level's, and never slower than what is
      // served in the interval.
      const bool behind = queued > 0 || moved > 0;  // requests queued ahead of this interval's
      const double pace = std::max(throughput > 0 ? throughput : q ? q->throughput_rps : 0.0, served / dt);
      const std::vector<FluidFifo::Served> old_ones = backlog.fifo.serve(t, from_queue, pace);
      const std::vector<FluidFifo::Served> new_ones =
          backlog.fifo.serve(t + (pace > 0 ? from_queue / pace : 0.0), from_new, pace);
      double busy = 0;
      if (at_capacity) {  // left > 0 only when the throughput bounded what was served
        busy = dt;
      } else {
        if (q) busy = (w_upper * q->busy_fraction + (1 - w_upper) * lower->busy_fraction) * dt;
        if (from_queue > 0 && throughput > 0) busy = std::min(dt, busy + from_queue / throughput);
      }
      rep.busy_s += busy;
      note_busy(rep, t, t + busy);
      // A replica at capacity (saturated, or a backlog left at the end) times everything it
      // serves at its capacity level with its wait; else a backlog cleared within the interval at
      // its capacity level with its wait, and this interval's requests at their own level (their
      // samples hold their queueing), with the wait behind what was queued ahead of them.
      const std::size_t m_cap = saturated ? m : backlog.model;
      const int cap = queued_at || saturated ? capacity_level(*sv.fast_models[m_cap], saturated ? level : backlog.level) : 0;
      const ReplicaQueueStats* capq = queued_at || saturated ? &sv.fast_models[m_cap]->at_level(cap) : nullptr;
      if (q)
        for (std::size_t g = 0; g < regions; ++g) sv.stats[g].fast_dropped += assigned[g * slots + slot] * q->dropped_fraction;
      for (const FluidFifo::Served& part : old_ones)
        credit(part.tag, slot, part.requests, m_cap, cap, *capq, *capq, 1.0, quantized_wait(part.wait));
      if (at_capacity) {
        for (const FluidFifo::Served& part : new_ones)
          credit(part.tag, slot, part.requests, m_cap, cap, *capq, *capq, 1.0, quantized_wait(part.wait));
      } else if (behind) {  // caught up within the interval: their level, and the wait behind the queue
        for (const FluidFifo::Served& part : new_ones)
          credit(part.tag, slot, part.requests, m, level, *q, *lower, w_upper, quantized_wait(part.wait));
      } else if (q) {  // nothing queued ahead, nothing moved here: all at their level
        for (std::size_t g = 0; g < regions; ++g)
          credit(g, slot, assigned[g * slots + slot] * from_new / total, m, level, *q, *lower, w_upper, 0.0);
      }
      if (saturated) backlog.model = m, backlog.level = level;  // else the level it queued at
      if (at_capacity) {
        rep.fast_in_system = capq->in_system + left;
        rep.fast_levels = {capq, capq, 1.0};
      } else if (q) {
        rep.fast_in_system = w_upper * q->in_system + (1 - w_upper) * lower->in_system + left;
        rep.fast_levels = {q, lower, w_upper};
      } else {
        rep.fast_in_system = 0;  // its backlog served within the interval, no request of its own
      }
      if (interval % sample_every == 0)
        load.push_back({t, ctx.scenario.sites[rep.site].name, spec.name, static_cast<int>(sv.replicas[slot]),
                        static_cast<int>(std::lround(rep.fast_in_system))});
    }
  }
}

void fast_region_result(const ServiceRuntime& sv, const RegionStats& st, double end, InferenceRegionResult& rr) {
  rr.completed = std::lround(st.fast_completed);
  rr.dropped += std::lround(st.fast_dropped) + std::lround(st.fast_unrouted);
  rr.in_flight = std::max(0L, rr.requests - rr.completed - rr.dropped);  // a saturated replica's backlog
  rr.throughput_rps = end > 0 ? st.fast_completed / end : 0;
  rr.slo_attainment = st.fast_completed > 0 ? st.fast_slo_met / st.fast_completed : 0;
  // Every calibration sample of a level stands for its share of the requests served at that level.
  std::vector<std::pair<double, double>> ttft, tpot, e2e;
  double total = 0;
  for (const auto& [key, requests] : st.fast_mix) {
    const auto& [m, level, shift] = key;
    const ReplicaQueueStats& q = sv.fast_models[m]->at_level(level);
    const double n = static_cast<double>(q.ttft.size());
    double multi = 0;
    for (bool b : q.multi_token) multi += b;
    for (std::size_t i = 0; i < q.ttft.size(); ++i) {
      ttft.emplace_back(q.ttft[i] + shift, requests / n);
      e2e.emplace_back(q.e2e[i] + shift, requests / n);
      rr.ttft_mean += (q.ttft[i] + shift) * requests / n;
      rr.e2e_mean += (q.e2e[i] + shift) * requests / n;
      if (q.multi_token[i]) tpot.emplace_back(q.tpot[i], requests / multi);
    }
    total += requests;
  }
  // Requests replayed from a trace (replay_trace_interval): their own latencies, one sample each.
  for (std::size_t i = 0; i < st.ttft.size(); ++i) {
    ttft.emplace_back(st.ttft[i], 1.0), e2e.emplace_back(st.e2e[i], 1.0);
    rr.ttft_mean += st.ttft[i], rr.e2e_mean += st.e2e[i];
  }
  for (double x : st.tpot) tpot.emplace_back(x, 1.0);
  total += static_cast<double>(st.ttft.size());
  if (total > 0) rr.ttft_mean /= total, rr.e2e_mean /= total;
  const auto fill = [](std::vector<std::pair<double, double>>& xs, double& p50, double& p90, double& p99,
                       std::vector<double>& cdf) {
    const WeightedQuantiles w(xs);
    p50 = w.at(0.5), p90 = w.at(0.9), p99 = w.at(0.99);
    for (int k = 1; k <= 99; ++k) cdf.push_back(w.at(k / 100.0));
  };
  fill(ttft, rr.ttft_p50, rr.ttft_p90, rr.ttft_p99, rr.ttft_cdf);
  fill(tpot, rr.tpot_p50, rr.tpot_p90, rr.tpot_p99, rr.tpot_cdf);
  fill(e2e, rr.e2e_p50, rr.e2e_p90, rr.e2e_p99, rr.e2e_cdf);
}

}  // namespace rcn
