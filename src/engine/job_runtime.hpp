#pragma once
// One training job's state during a run, in one place: the result being
// written, where its current attempt runs and its progress across attempts.
// The step estimates stay in EngineContext's shared table (one per job shape
// and cluster, not one per job: a trace of identical jobs shares them).
#include <simgrid/s4u.hpp>

#include <cstddef>
#include <vector>

#include "rcn/engine/results.hpp"

namespace rcn {

// Progress of one job across its attempts (one attempt per placement).
struct JobProgress {
  double remaining = 1.0;        // fraction of the job's work not yet saved (at attempt start)
  double attempt_start = -1;     // when the current attempt started
  int gpus = 0;                  // GPUs of the current attempt (fewer than asked after an elastic shrink)
  double ideal_on_cluster = 0;   // run time of the whole job on the current cluster
  double useful_s = 0;           // running time whose work was kept, over all attempts
  double attained_gpu_s = 0;     // GPU-seconds of running in finished attempts (least attained service)
  std::vector<std::size_t> data_at;  // sites holding a copy of the job's dataset
  bool preempting = false;       // writing its checkpoint before giving its servers back
  // Within the current attempt, in seconds of compute on this cluster:
  double work_done_s = 0;        // finished compute segments
  double segment_start = -1;     // start of the compute segment running now, or -1
  double saved_work_s = 0;       // work covered by the last completed checkpoint
  int checkpoint_site = -1;      // site whose storage holds the last checkpoint (-1: none)
  simgrid::s4u::ActorPtr runner; // the current attempt's actor
  simgrid::s4u::ActorPtr writer; // its asynchronous checkpoint writer, if one is in flight
};

struct JobRuntime {
  JobResult result;                // what results.csv and the report show
  std::size_t cluster = 0;         // where the current (or last) attempt runs
  std::vector<int> servers;        // its servers, empty between attempts
  JobProgress progress;
};

}  // namespace rcn
