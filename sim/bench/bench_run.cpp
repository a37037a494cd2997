// Times `rcnsim run` of a scenario end to end (load, platform, simulation),
// in one process per call as SimGrid requires. Usage:
//   rcn-bench-run [SCENARIO]       (default: the embedded default scenario)
#include <fmt/format.h>

#include <chrono>

#include "rcn/engine/checked_scenario.hpp"
#include "rcn/engine/simulation.hpp"

int main(int argc, char** argv) {
  using clock = std::chrono::steady_clock;
  const auto t0 = clock::now();
  rcn::LoadResult r = argc > 1 ? rcn::load_checked_file(argv[1])
                               : rcn::load_checked_text(rcn::embedded_default_scenario(), "<default scenario>");
  if (!r.scenario) {
    for (const auto& d : r.diagnostics.items()) fmt::print(stderr, "{}\n", d.str());
    return 2;
  }
  const auto t1 = clock::now();
  const rcn::SimulationResult res = rcn::run_simulation(*r.scenario);
  const auto t2 = clock::now();
  auto ms = [](auto d) { return std::chrono::duration<double, std::milli>(d).count(); };
  fmt::print("scenario {}: {} GPUs, {} jobs; load {:.1f} ms, simulate {:.1f} ms, total {:.1f} ms\n", res.scenario,
             r.scenario->total_gpus(), res.jobs.size(), ms(t1 - t0), ms(t2 - t1), ms(t2 - t0));
  return 0;
}
