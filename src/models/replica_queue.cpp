#include "rcn/models/replica_queue.hpp"

#include <algorithm>
#include <cmath>

#include "rcn/models/failure_schedule.hpp"
#include "rcn/models/token_length.hpp"

namespace rcn {

namespace {

// The replica's clock: the engine's waits without SimGrid. Arrivals join the queue when the
// clock passes them, each with a wake-up (the engine's semaphore), which an idle replica or a run
// of decode steps that no newcomer could join consumes.
struct QueueClock {
  ReplicaBatch& b;
  std::vector<ServingRequest>& reqs;
  const std::vector<double>& at;
  const BatchLimits& lim;
  std::vector<double>& first;
  double now = 0, busy = 0;
  std::size_t next = 0;  // the next arrival
  long wakeups = 0;
  long dropped = 0;
  // Time integrals (for the occupancy and queue means) from `measure_from` on.
  double measure_from = 0, kv_area = 0, queue_area = 0, busy_measured = 0;

  void account(double from, double to) {
    const double a = std::max(from, measure_from), z = std::max(to, measure_from);
    if (z <= a) return;
    const double held = lim.paged ? b.kv_blocks * lim.block : b.kv_reserved;
    kv_area += (z - a) * held / lim.capacity;
    queue_area += (z - a) * static_cast<double>(b.queue.size() + b.running.size());
  }
  void arrive_until(double t) {
    while (next < at.size() && at[next] <= t) {
      account(now, at[next]);  // the queue grows at this instant: integrate up to it first
      now = std::max(now, at[next]);
      const ServingRequest& q = reqs[next];
      if (!fits_alone(q, lim)) {
        ++dropped;
      } else {
        b.outstanding += q.prompt + q.output;
        b.queue.push_back(static_cast<std::uint32_t>(next));
        ++wakeups;
      }
      ++next;
    }
  }
  // Moves the clock to `to`, the replica computing all along when `working`.
  void advance(double to, bool working) {
    const double from = now;
    arrive_until(to);  // integrates up to each arrival
    account(now, to);
    if (working) busy_measured += std::max(0.0, to - std::max(from, measure_from));
    now = to;
  }
  double busy_for(double seconds) {
    const double end = now + seconds;
    busy += seconds;
    advance(end, true);
    return now;
  }
  double decode(double k, double step, bool can_join) {
    const double start = now;
    double steps = k;
    bool interrupted = false;
    if (can_join) {
      steps = 1;
    } else if (wakeups > 0) {  // a wake-up is pending: the engine's acquire returns at once
      --wakeups;
      steps = decode_steps_run(k, step, 0);
    } else if (next < at.size() && at[next] < start + k * step) {  // an arrival: finish the step under way
      steps = decode_steps_run(k, step, at[next] - start);
      interrupted = true;
    }
    busy += steps * step;
    advance(start + steps * step, true);
    if (interrupted) --wakeups;  // the arrival that woke it
    return steps;
  }
};

// The scheduler's clock interface on top of QueueClock.
struct SchedulerClock {
  QueueClock& c;
  double busy(double seconds) { return c.busy_for(seconds); }
  double decode(double k, double step, bool can_join) { return c.decode(k, step, can_join); }
  void first_token(std::uint32_t id, double now) {
    if (c.first[id] < 0) c.first[id] = now;
  }
  void preempted(std::uint32_t) {}
  void hand_off(std::uint32_t) {}  // every replica here does prefill and decode (ReplicaRole::Both)
};

}  // namespace

ReplicaQueueStats simulate_replica_queue(const BatchLimits& lim, const InferenceCost& cost, const ArrivalSpec& a,
                                         double rate, int requests, std::uint64_t seed, int share_of) {
  ReplicaQueueStats st;
  st.offered_rps = rate;
  const std::size_t n = static_cast<std::size_t>(std::max(requests, 10));
  SplitMix64 gaps(stream_seed(seed, "fast:arrivals")), lengths(stream_seed(seed, "fast:lengths"));
  std::vector<ServingRequest> reqs(n);
  std::vector<double> at(n), first(n, -1.0);
  double t = 0;
  for (std::size_t i = 0; i < n; ++i) {
    for (int k = 0; k < std::max(share_of, 1); ++k) t += -std::log(1 - gaps.uniform()) / (rate * std::max(share_of, 1));
    at[i] = t;
    double prompt = a.prompt_tokens, output = a.output_tokens;
    if (a.kind == "trace" && !a.requests.empty()) {  // the trace's rows in turn
      const TraceRequest& row = a.requests[i % a.requests.size()];
      prompt = row.prompt_tokens, output = std::max(1.0, row.output_tokens);
    } else {
      if (a.prompt_length.kind != TokenLengthSpec::Kind::Fixed) prompt = draw_token_length(a.prompt_length, lengths);
      if (a.output_length.kind != TokenLengthSpec::Kind::Fixed) output = draw_token_length(a.output_length, lengths);
    }
    reqs[i].prompt = static_cast<float>(prompt), reqs[i].output = static_cast<float>(output);
  }
  const std::size_t warm = n / 10;
  ReplicaBatch b;
  QueueClock c{b, reqs, at, lim, first};
  c.measure_from = at[warm];
  SchedulerClock clock{c};
  double last_done = c.measure_from, tokens = 0;
  long measured = 0;
  while (c.next < n || !b.queue.empty() || !b.running.empty()) {
    if (b.queue.empty() && b.running.empty()) {  // idle: the engine's wait_for_work drains the
      c.wakeups = 0;                               // stale wake-ups, then waits for the next arrival's
      c.advance(at[c.next], false);
      if (c.wakeups > 0) --c.wakeups;
      continue;
    }
    replica_iteration(b, reqs, lim, cost, clock);
    retire_finished(b, reqs, lim, [&](std::uint32_t id) {
      if (id < warm) return;
      const ServingRequest& q = reqs[id];
      st.ttft.push_back(first[id] - at[id]);
      st.e2e.push_back(c.now - at[id]);
      st.tpot.push_back(q.output > 1 ? (c.now - first[id]) / (q.output - 1) : 0);
      st.multi_token.push_back(q.output > 1);
      tokens += static_cast<double>(q.prompt) + q.output;
      last_done = c.now;
      ++measured;
    });
  }
  const double span = std::max(1e-12, last_done - c.measure_from);
  st.throughput_rps = measured / span;
  st.busy_fraction = std::min(1.0, c.busy_measured / span);
  st.kv_occupancy = c.kv_area / span;
  st.in_system = c.queue_area / span;
  st.tokens_per_request = measured > 0 ? tokens / measured : 0;
  return st;
}

double slo_attainment(const ReplicaQueueStats& st, const SloSpec& slo, double rtt) {
  if (st.ttft.empty()) return 0;
  long met = 0;
  for (std::size_t i = 0; i < st.ttft.size(); ++i) {
    const double ttft = st.ttft[i] + rtt, e2e = st.e2e[i] + rtt, tpot = st.tpot[i];
    if ((slo.ttft <= 0 || ttft <= slo.ttft) && (slo.tpot <= 0 || tpot <= slo.tpot) && (slo.e2e <= 0 || e2e <= slo.e2e))
      ++met;
  }
  return static_cast<double>(met) / static_cast<double>(st.ttft.size());
}

}  // namespace rcn
