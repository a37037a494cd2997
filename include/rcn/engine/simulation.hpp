#pragma once
// Runs one scenario on SimGrid and returns its results. SimGrid owns the
// clock: every delay is a SimGrid activity (exec, comm, sleep).
//
// SimGrid allows one engine per process, so run_simulation may be called
// once per process; tests that run it are one process per test case.
#include <functional>

#include "rcn/engine/results.hpp"
#include "rcn/scenario/scenario.hpp"
#include "rcn/topology/site_graph.hpp"

namespace rcn {

struct RunOptions {
  // Called now and then with the simulated time; for progress lines.
  std::function<void(double simulated_now)> on_progress;
};

SimulationResult run_simulation(const Scenario& scenario, const RunOptions& options = {});

}  // namespace rcn
