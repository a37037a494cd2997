#pragma once
// `rcnsim sweep SWEEP.yaml`: every (point, seed) of a sweep as its own
// `rcnsim run` process (SimGrid allows one engine per process), -j at a time,
// skipping runs whose results exist (resume), then sweep.csv with the mean and
// 95% confidence interval per point. Under mpirun the ranks share the runs and
// rank 0 writes the table (needs a build with MPI and a shared file system).
#include <string>
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

}  // namespace rcn
