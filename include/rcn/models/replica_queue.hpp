#pragma once
// One serving replica fed Poisson arrivals at a fixed rate, simulated request by request without
// SimGrid: the replica's scheduler is replica_scheduler.hpp's, the same code the engine's replica
// actors run, driven here by a clock of its own that reproduces the actors' waits (an arrival cuts
// a run of decode steps short at the next step boundary). Its statistics at one load level
// calibrate the fast inference mode (fast_replica.hpp); docs/inference.md, "Fast mode".
#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include "rcn/models/inference_model.hpp"
#include "rcn/models/replica_scheduler.hpp"
#include "rcn/scenario/scenario.hpp"

namespace rcn {

// What one replica does at one arrival rate, measured after a warm-up (the first tenth of the
// requests).
struct ReplicaQueueStats {
  double offered_rps = 0;     // the arrival rate simulated
  double throughput_rps = 0;  // requests completed per second of the measured span
  // Requests completed per second once the warm-up ones were done: past saturation, the
  // replica's capacity (throughput_rps counts the warm-up's service in its span, about 10%
  // low at several times the capacity); below it, about the offered rate.
  double capacity_rps = 0;
  double busy_fraction = 0;   // share of the span the replica computed
  double kv_occupancy = 0;    // time mean of the KV cache held, as a share of its capacity
  double in_system = 0;       // time mean of the requests queued or running
  // Requests queued or running at evenly spaced instants of the measured span (one per mean gap
  // between arrivals): their distribution, which an autoscaler sampling the replica sees.
  std::vector<float> in_system_samples;
  double tokens_per_request = 0;  // prompt + output, mean over the completed requests
  // Share of the arrivals too large for the KV cache even alone (fits_alone): dropped, as the
  // discrete replica drops them ("exceeds KV cache"), so not part of what the replica completes.
  double dropped_fraction = 0;
  // Per completed request, in completion order (tpot: 0 for a single output token).
  std::vector<double> ttft, tpot, e2e;
  std::vector<bool> multi_token;  // whether the request's TPOT is defined (output > 1)
};

// One replica's queue simulated request by request, fed as requests come: each added in arrival
// order (arrive), the replica run up to a time (run_until), what finishes reported. The fast mode
// replays a trace's own arrivals through one of these per replica, carrying its queue from one
// interval to the next (docs/inference.md, "Fast mode"); simulate_replica_queue feeds one a whole
// Poisson stream at once. Requests done are forgotten whenever the replica is idle with no
// arrival pending, so memory follows the requests in it, not the run's.
class ReplicaQueue {
 public:
  struct Done {
    std::uint32_t tag;   // arrive's tag
    double at, first, end;  // arrival, first token, last token
    float prompt, output;
  };
  ReplicaQueue(const BatchLimits& lim, const InferenceCost& cost);
  ~ReplicaQueue();
  ReplicaQueue(const ReplicaQueue&) = delete;
  ReplicaQueue& operator=(const ReplicaQueue&) = delete;
  // A request arriving at `at` (not before the previous one's); false, and nothing queued, when it
  // could never fit in the KV cache alone (fits_alone).
  bool arrive(double at, float prompt, float output, std::uint32_t tag);
  // Runs the replica's iterations that start before `t` (an iteration under way at `t` is finished,
  // a run of decode steps stops at the step boundary after `t` and resumes at the next call);
  // done(Done) for each request finished.
  void run_until(double t, const std::function<void(const Done&)>& done);
  // Tokens still to process as the engine's router sees them at `t` (its key; t not before the
  // previous call's): the replica's count when the iteration or run of decode steps under way at t
  // began (the engine lowers it when one ends), plus every request routed to it since.
  double outstanding(double t);
  std::size_t in_system() const;
  double busy_s() const;  // seconds computed so far
  double now() const;
  // Time integrals from `t` on (for simulate_replica_queue's means), and the requests in it every
  // `every` seconds from then on (0: none): set before running.
  void measure_from(double t, double every = 0);
  const std::vector<float>& in_system_samples() const;
  double busy_measured() const, kv_area() const, queue_area() const;

 private:
  struct State;
  std::unique_ptr<State> s_;
};

// Whether a request with these latencies (round trip included) meets the service's SLO.
inline bool meets_slo(const SloSpec& slo, double ttft, double tpot, double e2e) {
  return (slo.ttft <= 0 || ttft <= slo.ttft) && (slo.tpot <= 0 || tpot <= slo.tpot) && (slo.e2e <= 0 || e2e <= slo.e2e);
}

// Simulates `requests` arrivals at `rate` per second (lengths as the service's arrivals draw them;
// a trace's rows in turn) on one replica with these limits and cost; `seed` picks the streams.
// `share_of` > 1: the replica takes every share_of-th request of a Poisson stream (Erlang gaps of
// that many phases), as one of share_of replicas that a router feeds in turn.
ReplicaQueueStats simulate_replica_queue(const BatchLimits& lim, const InferenceCost& cost, const ArrivalSpec& arrivals,
                                         double rate, int requests, std::uint64_t seed, int share_of = 1);

// Share of the measured requests meeting `slo` when each one's TTFT and end-to-end latency also
// include `rtt` (the user's round trip to the replica), as the engine counts them.
double slo_attainment(const ReplicaQueueStats& st, const SloSpec& slo, double rtt);

}  // namespace rcn
