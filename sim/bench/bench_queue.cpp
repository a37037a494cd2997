// A deep queue (issue #17): N synthetic trace jobs on the five sites of
// sim/bench/deep-queue.yaml, arriving faster than the 6,144 GPUs serve them,
// so a persistent queue builds up. Writes the trace and a copy of the scenario
// (trace, horizon and policy replaced) to a scratch folder, then loads and runs
// it in this process and prints wall times, the queue at the end and peak RSS.
//   rcn-bench-queue JOBS POLICY [RATE_PER_HOUR]      (RATE default 70)
// The horizon is the trace's mean span (JOBS / RATE): the jobs still waiting then
// are the persistent queue.
#include <fmt/format.h>
#include <sys/resource.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "rcn/engine/checked_scenario.hpp"
#include "rcn/engine/simulation.hpp"
#include "src/scenario/job_trace.hpp"

namespace {

std::string read_all(const std::filesystem::path& p) {
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void replace_line(std::string& text, const std::string& starts, const std::string& with) {
  const auto at = text.find("\n" + starts);
  if (at == std::string::npos) throw std::runtime_error("deep-queue.yaml has no line starting with " + starts);
  const auto end = text.find('\n', at + 1);
  text.replace(at + 1, end - at - 1, with);
}

// The process's peak resident set so far.
double peak_rss_mb() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return ru.ru_maxrss / 1024.0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    fmt::print(stderr, "usage: rcn-bench-queue JOBS POLICY [RATE_PER_HOUR]\n");
    return 2;
  }
  const int jobs = std::stoi(argv[1]);
  const std::string policy = argv[2];
  const double rate_h = argc > 3 ? std::stod(argv[3]) : 70.0;
  namespace fs = std::filesystem;
  const fs::path dir = fs::temp_directory_path() / fmt::format("rcn-bench-queue-{}-{}", jobs, policy);
  fs::create_directories(dir);
  using clock = std::chrono::steady_clock;
  const auto t0 = clock::now();
  {
    std::ofstream(dir / "jobs.csv") << rcn::generate_job_trace(jobs, rate_h / 3600.0, 512, "llama3-8b",
                                                               {"center-north", "node-west"}, 11);
  }
  std::string yaml = read_all(fs::path(RCN_SOURCE_DIR) / "sim/bench/deep-queue.yaml");
  replace_line(yaml, "horizon:", fmt::format("horizon: {:.0f}s", jobs / rate_h * 3600.0));
  replace_line(yaml, "  training_trace:", "  training_trace: jobs.csv");
  replace_line(yaml, "scheduler:", fmt::format("scheduler: {{policy: {}}}", policy));
  { std::ofstream(dir / "scenario.yaml") << yaml; }
  const auto t1 = clock::now();
  rcn::LoadResult r = rcn::load_checked_file((dir / "scenario.yaml").string());
  if (!r.scenario) {
    for (const auto& d : r.diagnostics.items()) fmt::print(stderr, "{}\n", d.str());
    return 2;
  }
  const auto t2 = clock::now();
  const double rss_loaded_mb = peak_rss_mb();
  const rcn::SimulationResult res = rcn::run_simulation(*r.scenario);
  const auto t3 = clock::now();
  std::size_t queued = 0, finished = 0;
  for (const auto& j : res.jobs) {
    queued += j.state == rcn::JobState::Queued;
    finished += j.state == rcn::JobState::Finished;
  }
  auto s = [](auto d) { return std::chrono::duration<double>(d).count(); };
  fmt::print("{} jobs, {}: trace {:.2f} s, load {:.2f} s, simulate {:.2f} s, load+simulate {:.2f} s "
             "({:.1f} us/job); finished {}, queued at the end {} ({:.0f}%); peak RSS {:.0f} MB ({:.0f} MB after loading)\n",
             jobs, policy, s(t1 - t0), s(t2 - t1), s(t3 - t2), s(t3 - t1), s(t3 - t1) / jobs * 1e6, finished,
             queued, 100.0 * queued / jobs, peak_rss_mb(), rss_loaded_mb);
  return 0;
}
