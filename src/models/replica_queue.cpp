#include "rcn/models/replica_queue.hpp"

#include <algorithm>
#include <cmath>
#include <deque>

#include "rcn/models/failure_schedule.hpp"
#include "rcn/models/token_length.hpp"

namespace rcn {

namespace {

// The replica's clock: the engine's waits without SimGrid. Arrivals join the queue when the
// clock passes them, each with a wake-up (the engine's semaphore), which an idle replica or a run
// of decode steps that no newcomer could join consumes.
struct QueueClock {
  ReplicaBatch b;
  std::vector<ServingRequest> reqs;
  std::vector<double> at, first;
  std::vector<std::uint32_t> tag;
  const BatchLimits& lim;
  double now = 0, busy = 0;
  double horizon = 1e300;  // run_until's time: a run of decode steps stops at the boundary after it
  std::size_t next = 0;    // the next arrival
  long wakeups = 0;
  // The router's view (outstanding_at): the engine's router reads the replica's count of work,
  // which its scheduler lowers after each clock call returns. Each call (and each idle stretch)
  // logs when it began, that count then, and the tokens of all arrivals queued by then; `routed`:
  // tokens of every arrival added.
  struct Call {
    double start, outstanding, queued;
  };
  std::deque<Call> calls;
  double routed = 0, queued = 0;
  // A run of decode steps stopped at run_until's time, not by the replica: the next call resumes
  // it as the same run (its step length and steps), so the cut changes nothing.
  struct OpenRun {
    bool open = false;
    double k = 0, step = 0, done = 0;
  } run;
  // The last call was a run of decode steps during which the engine's actor waits on its semaphore
  // (no newcomer joining, no wake-up pending), from `listen_from`: an arrival added later that
  // landed in it ended it, as the engine's would have.
  bool listening = false;
  double listen_from = 0;
  // The last call was a fresh run of decode steps from `decode_from` (not resumed), and it took a
  // pending wake-up: an arrival added later but landed before it would have joined the batch.
  bool decode_fresh = false, took_wakeup = false;
  double decode_from = 0;
  // Time integrals (for the occupancy and queue means) from `measure_from` on.
  double measure_from = 0, kv_area = 0, queue_area = 0, busy_measured = 0;
  double sample_every = 0, next_sample = 0;  // in-system samples (0: none) and the next one's time
  std::vector<float> samples;

  explicit QueueClock(const BatchLimits& l) : lim(l) {}
  void account(double from, double to) {
    const double a = std::max(from, measure_from), z = std::max(to, measure_from);
    if (z <= a) return;
    const double held = lim.paged ? b.kv_blocks * lim.block : b.kv_reserved;
    kv_area += (z - a) * held / lim.capacity;
    queue_area += (z - a) * static_cast<double>(b.queue.size() + b.running.size());
    for (; sample_every > 0 && next_sample < z; next_sample += sample_every)
      if (next_sample >= a) samples.push_back(static_cast<float>(b.queue.size() + b.running.size()));
  }
  void arrive_until(double t) {
    while (next < at.size() && at[next] <= t) {
      account(now, at[next]);  // the queue grows at this instant: integrate up to it first
      now = std::max(now, at[next]);
      const double tokens = reqs[next].prompt + reqs[next].output;
      b.outstanding += tokens, queued += tokens;
      b.queue.push_back(static_cast<std::uint32_t>(next));
      ++wakeups;
      ++next;
    }
  }
  void log_call() { calls.push_back({now, b.outstanding, queued}); }
  double outstanding_at(double t) {
    while (calls.size() >= 2 && calls[1].start <= t) calls.pop_front();
    if (calls.empty() || calls.front().start > t) return routed - queued;  // nothing logged before t
    return calls.front().outstanding + routed - calls.front().queued;
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
    log_call();
    run.open = listening = decode_fresh = false;
    const double end = now + seconds;
    busy += seconds;
    advance(end, true);
    return now;
  }
  double decode(double k, double step, bool can_join) {
    if (can_join) run.open = false;
    const bool resumed = run.open;
    if (resumed) k = run.k - run.done, step = run.step;
    else log_call();
    const double start = now;
    double steps = k;
    bool interrupted = false, cut = false;
    listening = !can_join;
    if (can_join) {
      steps = 1;
    } else if (!resumed && wakeups > 0) {  // a wake-up is pending: the engine's acquire returns at once
      --wakeups;
      listening = false;
      steps = decode_steps_run(k, step, 0);
    } else if (next < at.size() && at[next] < start + k * step) {  // an arrival: finish the step under way
      steps = decode_steps_run(k, step, at[next] - start);
      interrupted = true;
    } else if (start + k * step > horizon) {  // the caller's time: resumed at its next call
      steps = decode_steps_run(k, step, std::max(0.0, horizon - start));
      cut = steps < k;
    }
    if (listening && !resumed) listen_from = start;
    decode_fresh = !resumed, decode_from = start, took_wakeup = !resumed && !listening && !can_join;
    busy += steps * step;
    advance(start + steps * step, true);
    if (interrupted) --wakeups, listening = false;  // the arrival that woke it
    if (!cut) run.open = false;
    else if (resumed) run.done += steps;
    else run = {true, k, step, steps};
    return steps;
  }
  // At a run_until call: arrivals added since that the clock has passed join the queue, as the
  // engine's would have when they came. The first one ended a run of decode steps it landed in
  // (or, arrived before that run began with the batch full, was the wake-up it took).
  void catch_up() {
    const std::size_t before = next;
    arrive_until(now);
    if (next == before) return;
    if (decode_fresh && at[before] <= decode_from && static_cast<int>(b.running.size()) < lim.max_batch) {
      // In the queue when that run began, it would have joined: one step (as the run was cut to),
      // no wake-up taken.
      if (took_wakeup) ++wakeups;
      run.open = listening = decode_fresh = false;
      return;
    }
    if (!listening) return;
    if (at[before] > listen_from || static_cast<int>(b.running.size()) >= lim.max_batch) --wakeups;
    run.open = listening = false;
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

struct ReplicaQueue::State {
  BatchLimits lim;  // a copy: the clock refers to it
  const InferenceCost& cost;
  QueueClock c;
  State(const BatchLimits& l, const InferenceCost& k) : lim(l), cost(k), c(lim) {}
};

ReplicaQueue::ReplicaQueue(const BatchLimits& lim, const InferenceCost& cost) : s_(std::make_unique<State>(lim, cost)) {}
ReplicaQueue::~ReplicaQueue() = default;

bool ReplicaQueue::arrive(double at, float prompt, float output, std::uint32_t tag) {
  QueueClock& c = s_->c;
  ServingRequest q;
  q.prompt = prompt, q.output = output;
  if (!fits_alone(q, s_->lim)) return false;
  c.reqs.push_back(q), c.at.push_back(at), c.first.push_back(-1.0), c.tag.push_back(tag);
  c.routed += static_cast<double>(prompt) + output;
  return true;
}

void ReplicaQueue::run_until(double t, const std::function<void(const Done&)>& done) {
  QueueClock& c = s_->c;
  ReplicaBatch& b = c.b;
  SchedulerClock clock{c};
  for (;;) {
    if (!b.queue.empty() || !b.running.empty()) c.catch_up();
    if (b.queue.empty() && b.running.empty()) {
      c.log_call();  // idle from now: the router sees what it holds (nothing, or a rounding residue)
      c.listening = c.run.open = false;
      if (c.next < c.at.size() && c.at[c.next] <= t) {  // idle: the engine's wait_for_work drains the
        c.wakeups = 0;                                   // stale wake-ups, then waits for the next arrival's
        c.advance(c.at[c.next], false);
        if (c.wakeups > 0) --c.wakeups;
        continue;
      }
      if (c.next == c.at.size()) {  // nothing in it or on the way: forget the requests done
        c.reqs.clear(), c.at.clear(), c.first.clear(), c.tag.clear();
        if (c.calls.size() > 1) c.calls.erase(c.calls.begin(), c.calls.end() - 1);  // the idle stretch's entry
        c.next = 0;
      }
      if (t < 1e300 && t > c.now) c.advance(t, false);
      return;
    }
    if (c.now >= t) return;
    c.horizon = t;
    replica_iteration(b, c.reqs, s_->lim, s_->cost, clock);
    retire_finished(b, c.reqs, s_->lim, [&](std::uint32_t id) {
      const ServingRequest& q = c.reqs[id];
      done(Done{c.tag[id], c.at[id], c.first[id], c.now, q.prompt, q.output});
    });
  }
}

double ReplicaQueue::outstanding(double t) { return s_->c.outstanding_at(t); }
std::size_t ReplicaQueue::in_system() const { return s_->c.b.queue.size() + s_->c.b.running.size(); }
double ReplicaQueue::busy_s() const { return s_->c.busy; }
double ReplicaQueue::now() const { return s_->c.now; }
void ReplicaQueue::measure_from(double t, double every) {
  s_->c.measure_from = s_->c.next_sample = t;
  s_->c.sample_every = every;
}
const std::vector<float>& ReplicaQueue::in_system_samples() const { return s_->c.samples; }
double ReplicaQueue::busy_measured() const { return s_->c.busy_measured; }
double ReplicaQueue::kv_area() const { return s_->c.kv_area; }
double ReplicaQueue::queue_area() const { return s_->c.queue_area; }

ReplicaQueueStats simulate_replica_queue(const BatchLimits& lim, const InferenceCost& cost, const ArrivalSpec& a,
                                         double rate, int requests, std::uint64_t seed, int share_of) {
  ReplicaQueueStats st;
  st.offered_rps = rate;
  const std::size_t n = static_cast<std::size_t>(std::max(requests, 10));
  SplitMix64 gaps(stream_seed(seed, "fast:arrivals")), lengths(stream_seed(seed, "fast:lengths"));
  ReplicaQueue queue(lim, cost);
  const std::size_t warm = n / 10;
  double t = 0, measure_from = 0;
  std::size_t dropped = 0;
  for (std::size_t i = 0; i < n; ++i) {
    for (int k = 0; k < std::max(share_of, 1); ++k) t += -std::log(1 - gaps.uniform()) / (rate * std::max(share_of, 1));
    if (i == warm) queue.measure_from(measure_from = t, 1 / rate);
    double prompt = a.prompt_tokens, output = a.output_tokens;
    if (a.kind == "trace" && !a.requests.empty()) {  // the trace's rows in turn
      const TraceRequest& row = a.requests[i % a.requests.size()];
      prompt = row.prompt_tokens, output = std::max(1.0, row.output_tokens);
    } else {
      if (a.prompt_length.kind != TokenLengthSpec::Kind::Fixed) prompt = draw_token_length(a.prompt_length, lengths);
      if (a.output_length.kind != TokenLengthSpec::Kind::Fixed) output = draw_token_length(a.output_length, lengths);
    }
    if (!queue.arrive(t, static_cast<float>(prompt), static_cast<float>(output), static_cast<std::uint32_t>(i)))
      ++dropped;
  }
  double last_done = measure_from, warm_done = measure_from, tokens = 0;
  long measured = 0, after_warm = 0;  // measured requests done, and those done after the last warm-up one
  queue.run_until(1e300, [&](const ReplicaQueue::Done& d) {  // in order of completion
    if (d.tag < warm) {
      warm_done = std::max(warm_done, d.end);
      after_warm = 0;
      return;
    }
    ++after_warm;
    st.ttft.push_back(d.first - d.at);
    st.e2e.push_back(d.end - d.at);
    st.tpot.push_back(d.output > 1 ? (d.end - d.first) / (d.output - 1) : 0);
    st.multi_token.push_back(d.output > 1);
    tokens += static_cast<double>(d.prompt) + d.output;
    last_done = d.end;
    ++measured;
  });
  const double span = std::max(1e-12, last_done - measure_from);
  st.dropped_fraction = static_cast<double>(dropped) / static_cast<double>(n);
  st.throughput_rps = measured / span;
  const double capacity_span = last_done - std::max(measure_from, warm_done);
  st.capacity_rps = after_warm > 0 && capacity_span > 0 ? after_warm / capacity_span : st.throughput_rps;
  st.busy_fraction = std::min(1.0, queue.busy_measured() / span);
  st.kv_occupancy = queue.kv_area() / span;
  st.in_system = queue.queue_area() / span;
  st.in_system_samples = queue.in_system_samples();
  st.tokens_per_request = measured > 0 ? tokens / measured : 0;
  return st;
}

double slo_attainment(const ReplicaQueueStats& st, const SloSpec& slo, double rtt) {
  if (st.ttft.empty()) return 0;
  long met = 0;
  for (std::size_t i = 0; i < st.ttft.size(); ++i) met += meets_slo(slo, st.ttft[i] + rtt, st.tpot[i], st.e2e[i] + rtt);
  return static_cast<double>(met) / static_cast<double>(st.ttft.size());
}

}  // namespace rcn
