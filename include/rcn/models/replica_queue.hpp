#pragma once
// One serving replica fed Poisson arrivals at a fixed rate, simulated request by request without
// SimGrid: the replica's scheduler is replica_scheduler.hpp's, the same code the engine's replica
// actors run, driven here by a clock of its own that reproduces the actors' waits (an arrival cuts
// a run of decode steps short at the next step boundary). Its statistics at one load level
// calibrate the fast inference mode (fast_replica.hpp); docs/inference.md, "Fast mode".
#include <cstdint>
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
  double busy_fraction = 0;   // share of the span the replica computed
  double kv_occupancy = 0;    // time mean of the KV cache held, as a share of its capacity
  double in_system = 0;       // time mean of the requests queued or running
  double tokens_per_request = 0;  // prompt + output, mean over the completed requests
  // Per completed request, in completion order (tpot: 0 for a single output token).
  std::vector<double> ttft, tpot, e2e;
  std::vector<bool> multi_token;  // whether the request's TPOT is defined (output > 1)
};

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
