#pragma once
// Runs one scenario on SimGrid and returns its results. SimGrid owns the
// clock: every delay is a SimGrid activity (exec, comm, sleep).
//
// SimGrid allows one engine per process, so run_simulation may be called
// once per process; tests that run it are one process per test case.
#include <functional>
#include <stdexcept>

#include "rcn/engine/results.hpp"
#include "rcn/scenario/scenario.hpp"
#include "rcn/topology/site_graph.hpp"

namespace rcn {

struct RunOptions {
  // Called now and then with the simulated time; for progress lines.
  std::function<void(double simulated_now)> on_progress;
};

// An actor of the simulation failed: what() says which job or service and why
// ("error in training job \"gpt3\": ..."). No results are returned.
struct SimulationError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// Throws InputError (a scenario problem found late) or SimulationError.
SimulationResult run_simulation(const Scenario& scenario, const RunOptions& options = {});

}  // namespace rcn
