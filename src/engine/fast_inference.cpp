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
    for (std::size_t slot = 0; slot < slots; ++slot) {  // scaled down: it leaves at once, its requests finished
      const std::size_t r = sv.replicas[slot];
      Replica& rep = replicas[r];
      if (rep.state != ReplicaState::Draining) continue;
      release_server(r);
      end_serving(r, t);
      rep.state = ReplicaState::Idle;
      rep.fast_in_system = 0;
      rep.fast_backlog = {};
      rep.fast_levels = {nullptr, nullptr, 1.0};
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
    std::fill(share_of.begin(), share_of.end(), 1);
    double before = 0;
    for (std::size_t g = 0; g < regions; ++g) {  // demand shares, rounded cumulatively
      const double upto = std::round(n * sv.cumulative_share[g] / sv.cumulative_share.back());
      const double count = upto - before;
      before = upto;
      if (count <= 0) continue;
      RegionStats& st = sv.stats[g];
      st.requests += static_cast<long>(count);
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
        st.dropped += static_cast<long>(count);
        sv.drops["no replica up"] += static_cast<long>(count);
        continue;
      }
      const double each = std::floor(count / group.size());
      const std::size_t extra = static_cast<std::size_t>(count - each * group.size());
      for (std::size_t slot : group) share_of[slot] = std::max(share_of[slot], static_cast<int>(group.size()));
      for (std::size_t i = 0; i < group.size(); ++i)  // the remainder goes round the group, interval by interval
        assigned[g * slots + group[i]] = each + ((i + group.size() - interval % group.size()) % group.size() < extra);
    }
    for (std::size_t slot = 0; slot < slots; ++slot) {
      Replica& rep = replicas[sv.replicas[slot]];
      if (rep.state != ReplicaState::Active) continue;
      Replica::FastBacklog& backlog = rep.fast_backlog;
      double total = 0;
      for (std::size_t g = 0; g < regions; ++g) total += assigned[g * slots + slot];
      rep.fast_in_system = backlog.requests;
      rep.fast_levels = {nullptr, nullptr, 1.0};
      if (total <= 0) {
        // No request this interval but some queued from earlier ones: served at the throughput
        // of the level they queued at, the rest waiting on (a wait of what is left / throughput).
        if (backlog.requests <= 0) continue;
        const ReplicaQueueStats& q = sv.fast_models[backlog.model]->at_level(backlog.level);
        if (q.throughput_rps <= 0) continue;
        const double served = std::min(backlog.requests, q.throughput_rps * dt);
        backlog.requests -= served;
        const double wait = std::round(backlog.requests / q.throughput_rps * 1e3) / 1e3;
        const double busy = served / q.throughput_rps;
        rep.busy_s += busy;
        note_busy(rep, t, t + busy);
        const bool busy_throughout = backlog.requests > 0;
        rep.fast_in_system = (busy_throughout ? q.in_system : 0.0) + backlog.requests;
        if (busy_throughout) rep.fast_levels = {&q, &q, 1.0};
        for (std::size_t g = 0; g < regions; ++g)
          credit(g, slot, served * backlog.region_share[g], backlog.model, backlog.level, q, q, 1.0, wait);
        if (interval % sample_every == 0)
          load.push_back({t, ctx.scenario.sites[rep.site].name, spec.name, static_cast<int>(sv.replicas[slot]),
                          static_cast<int>(std::lround(rep.fast_in_system))});
        continue;
      }
      const std::size_t m = fast_model(sv, rep, share_of[slot]);
      FastReplicaModel& model = *sv.fast_models[m];
      const double rate = total * rate_per_request;
      const int level = FastReplicaModel::level_of(rate);
      const ReplicaQueueStats& q = model.at_level(level);
      // Past saturation (the level completes less than it was offered) the replica serves at its
      // throughput and the rest waits for the next interval: a wait of backlog / throughput.
      // Requests too large for the KV cache even alone are dropped at arrival, as the discrete
      // replica drops them: neither served nor a sign of saturation.
      const double admitted = total * (1 - q.dropped_fraction);
      const bool saturated = q.throughput_rps < 0.97 * q.offered_rps * (1 - q.dropped_fraction);
      const double served =
          saturated ? std::min(admitted + backlog.requests, q.throughput_rps * dt) : admitted + backlog.requests;
      backlog.requests = admitted + backlog.requests - served;
      if (backlog.requests > 0) {  // what an interval without requests would serve, and for whom
        backlog.model = m, backlog.level = level;
        backlog.region_share.resize(regions);
        for (std::size_t g = 0; g < regions; ++g) backlog.region_share[g] = assigned[g * slots + slot] / total;
      }
      const double wait = saturated ? std::round(backlog.requests / q.throughput_rps * 1e3) / 1e3 : 0;
      // Below saturation the rate sits between two levels: its requests are served at both,
      // weighted linearly in rate (FastReplicaModel::upper_weight).
      const double w_upper = saturated || level <= 0 ? 1.0 : FastReplicaModel::upper_weight(rate);
      const ReplicaQueueStats& lower = w_upper < 1.0 ? model.at_level(level - 1) : q;
      const double busy = (saturated ? 1.0 : w_upper * q.busy_fraction + (1 - w_upper) * lower.busy_fraction) * dt;
      rep.busy_s += busy;
      note_busy(rep, t, t + busy);
      rep.fast_in_system = w_upper * q.in_system + (1 - w_upper) * lower.in_system + backlog.requests;
      rep.fast_levels = {&q, &lower, w_upper};
      for (std::size_t g = 0; g < regions; ++g) {
        sv.stats[g].fast_dropped += assigned[g * slots + slot] * q.dropped_fraction;
        credit(g, slot, assigned[g * slots + slot] * served / total, m, level, q, lower, w_upper, wait);
      }
      if (interval % sample_every == 0)
        load.push_back({t, ctx.scenario.sites[rep.site].name, spec.name, static_cast<int>(sv.replicas[slot]),
                        static_cast<int>(std::lround(rep.fast_in_system))});
    }
  }
}

void fast_region_result(const ServiceRuntime& sv, const RegionStats& st, double end, InferenceRegionResult& rr) {
  rr.completed = std::lround(st.fast_completed);
  rr.dropped += std::lround(st.fast_dropped);
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
