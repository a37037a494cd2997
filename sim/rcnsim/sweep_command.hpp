#pragma once
// `rcnsim sweep SWEEP.yaml`: every (point, seed) of a sweep as its own
// `rcnsim run` process (SimGrid allows one engine per process), -j at a time,
// skipping runs whose results exist (resume), then sweep.csv with the mean and
// 95% confidence interval per point. Under mpirun the ranks share the runs and
// rank 0 writes the table (needs a build with MPI and a shared file system).
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace rcn {

struct SweepOptions {
  std::string file;
  std::string output;  // "" = the sweep file's `output`
  int jobs = 0;        // parallel local runs per rank; 0 = number of cores
  bool progress = false;
  std::vector<std::string> allow_paths;  // --allow-paths, for the base scenario and every run
};

int run_sweep(const SweepOptions& options);

// The machinery a sweep and a plan share: runs of one base scenario, each an
// `rcnsim run` process with its seed and --set values writing into `dir`,
// `jobs` at a time, resumed when `dir` holds a readable summary.json and the
// run's key file (<dir>.key: its arguments and the base scenario's hash) is unchanged.
struct RunTask {
  std::vector<std::pair<std::string, std::string>> sets;  // --set path, value
  std::uint64_t seed = 1;
  std::string dir;
  std::string key_extra;  // appended to the run's key: anything else its results depend on
};

struct RunBatch {
  std::string base;                      // the scenario every run starts from
  std::vector<std::string> allow_paths;  // passed to every run
  int jobs = 0;                          // parallel runs; 0 = number of cores
  bool progress = false;
  std::string label = "sweep";           // names the progress line and messages
  int rank = 0, size = 1;                // this process runs the tasks k with k % size == rank
};

struct RunCounts {
  std::size_t done = 0, resumed = 0, failed = 0;
  int interrupted_by = 0;  // SIGINT or SIGTERM stopped the batch: runs in flight were stopped, finished ones kept
};

// What a sweep or plan stopped by a signal says, and its exit status (128 + signal).
int report_interrupted(const char* label, const RunCounts& c, std::size_t total, const std::string& out);

// <out>/runs/p<point>-seed<seed>: a run's folder, named by its point and seed.
std::string run_dir(const std::string& out, std::size_t point, std::uint64_t seed);

// Runs (or resumes) this rank's share of `tasks`; a failed run is reported on stderr.
// SIGINT or SIGTERM stops it: the runs in flight get the same signal (and
// remove their temporary folders), no new run starts, finished runs stay.
RunCounts execute_runs(const RunBatch& batch, const std::vector<RunTask>& tasks);

// The metrics of a finished run (src/sweep/sweep_table.hpp run_metrics), or
// nothing when <dir>/summary.json is missing, empty, truncated or not rcnsim's.
std::optional<std::map<std::string, double>> read_run_metrics(const std::string& dir);

}  // namespace rcn
