#pragma once
// The run as a Chrome trace-event file (trace.json), which Perfetto and
// chrome://tracing open: one process per site (plus the scheduler queue and
// the WAN), one thread per job; spans for queued, running, checkpointing,
// loading and restarting; failures as instant events; busy GPUs per site as
// counters. Times in microseconds of simulated time.
#include <string>

#include "rcn/engine/results.hpp"

namespace rcn {

std::string trace_json(const SimulationResult& r);
// Busy GPUs and utilisation per site over time, as a CSV step function
// (time_s, site, busy_gpus, utilisation), for plots.
std::string utilisation_csv(const SimulationResult& r);

}  // namespace rcn
