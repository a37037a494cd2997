#pragma once
// Runs one scenario on SimGrid and returns its results. SimGrid owns the
// clock: every delay is a SimGrid activity (exec, comm, sleep).
//
// SimGrid allows one engine per process, so run_simulation may be called
// once per process; tests that run it are one process per test case.
#include <csignal>
#include <functional>
#include <stdexcept>

#include "rcn/engine/results.hpp"
#include "rcn/scenario/scenario.hpp"
#include "rcn/topology/site_graph.hpp"

namespace rcn {

struct RunOptions {
  // Called now and then with the simulated time; for progress lines.
  std::function<void(double simulated_now)> on_progress;
  // Set (non-zero) from a signal handler to stop the run: checked at every
  // advance of the simulated clock; the run then ends with SimulationInterrupted.
  const volatile std::sig_atomic_t* stop = nullptr;
};

// The run was stopped through RunOptions::stop; no results are returned.
struct SimulationInterrupted : std::runtime_error {
  explicit SimulationInterrupted(double at) : std::runtime_error("interrupted"), simulated_s(at) {}
  double simulated_s;  // the simulated time it had reached
};

// An actor of the simulation failed: what() says which job or service and why
// ("error in training job \"gpt3\": ..."). No results are returned.
struct SimulationError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// Throws InputError (a scenario problem found late), SimulationError or
// SimulationInterrupted. The caller's SIGINT and SIGTERM handlers stay in
// force (SimGrid's engine would install its own, which exits with status 1).
SimulationResult run_simulation(const Scenario& scenario, const RunOptions& options = {});

}  // namespace rcn
