// Simulated inference requests per second of wall time (issue #14 item 7, "a year in a minute";
// docs/performance.md, "Fast inference mode"): runs one scenario (one process per run, as SimGrid
// requires) and prints its requests, jobs and wall time. Run it on sim/bench/regional-year.yaml
// (fast mode) and on sim/bench/regional-day.yaml (discrete) for the two rates side by side.
// Usage: rcn-bench-fast SCENARIO
#include <fmt/format.h>

#include <chrono>

#include "rcn/engine/checked_scenario.hpp"
#include "rcn/engine/simulation.hpp"

int main(int argc, char** argv) {
  if (argc != 2) {
    fmt::print(stderr, "usage: rcn-bench-fast SCENARIO\n");
    return 2;
  }
  using clock = std::chrono::steady_clock;
  const auto t0 = clock::now();
  rcn::LoadResult r = rcn::load_checked_file(argv[1]);
  if (!r.scenario) {
    for (const auto& d : r.diagnostics.items()) fmt::print(stderr, "{}\n", d.str());
    return 2;
  }
  const rcn::SimulationResult res = rcn::run_simulation(*r.scenario);
  const double wall = std::chrono::duration<double>(clock::now() - t0).count();
  long requests = 0, completed = 0;
  for (const auto& g : res.inference) requests += g.requests, completed += g.completed;
  bool fast = false;
  for (const auto& sv : r.scenario->inference) fast = fast || sv.fast;
  fmt::print("scenario {} ({}): {:.0f} simulated days, {} requests ({} completed), {} jobs; wall {:.2f} s, "
             "{:.3g} requests per wall second\n",
             res.scenario, fast ? "fast" : "discrete", res.simulated_end_s / 86400, requests, completed, res.jobs.size(),
             wall, requests / wall);
  return 0;
}
