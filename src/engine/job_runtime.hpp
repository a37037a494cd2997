#pragma once
// One training job's state during a run, in one place: the result being
// written, where its current attempt runs and its progress across attempts.
// The step estimates stay in EngineContext's shared table (one per job shape
// and cluster, not one per job: a trace of identical jobs shares them).
#include <simgrid/s4u.hpp>

#include <algorithm>
#include <cstddef>
#include <limits>
#include <memory>
#include <vector>

#include "rcn/engine/results.hpp"

namespace rcn {

// Work of one attempt under a speed that changes while it runs (contention
// that comes and goes, a spine or cable failure): every change of a running
// job's speed goes through set_rate(), so progress integrates the piecewise
// step time. Work is counted in seconds of compute at the attempt's reference
// step (the step it started with: rate 1); rate = reference step / current
// step, so half the speed is rate 0.5. Between compute segments (a blocking
// checkpoint) the job does no work: pause() and resume().
struct JobPace {
  double work_s = 0;      // work done up to `since`
  double rate = 1;        // work seconds per second, from `since` on
  double since = 0;       // last change of rate or of computing
  bool computing = false;
  double wall_s = 0;      // seconds spent computing up to `since`, whatever the rate
  double counted_work = 0, counted_wall = 0;  // what JobProgress::close_attempt has already counted

  double worked(double now) const { return work_s + (computing ? rate * (now - since) : 0); }
  double wall(double now) const { return wall_s + (computing ? now - since : 0); }
  // Seconds from `now` until worked() reaches `target` at the current rate (infinite when stopped).
  double time_to(double target, double now) const;
  void set_rate(double now, double r) { advance(now), rate = r; }
  void resume(double now) { advance(now), computing = true; }
  void pause(double now) { advance(now), computing = false; }
  // A new attempt: nothing done yet, at the reference speed.
  void restart() { *this = JobPace{}; }

 private:
  void advance(double now) { work_s = worked(now), wall_s = wall(now), since = now; }
};

inline double JobPace::time_to(double target, double now) const {
  if (!computing || rate <= 0) return std::numeric_limits<double>::infinity();
  return std::max(0.0, target - worked(now)) / rate;
}

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
  // Within the current attempt, in seconds of compute at its reference step on this cluster:
  JobPace pace;                  // work done so far, at the speed it runs now
  double reference_step_s = 0;   // the step pace rate 1 stands for (0 while its first flow step is measured)
  simgrid::s4u::ActorPtr remeasure;  // flow fidelity: its step measured again under today's contention, if in flight
  bool remeasure_again = false;      // something changed while it was measuring
  simgrid::s4u::ExecPtr computation;                // the compute running now (job_runner.cpp), cancelled at a new rate
  simgrid::s4u::ConditionVariablePtr pace_changed;  // wakes a runner stopped at rate 0
  double saved_work_s = 0;       // work covered by the last completed checkpoint
  int checkpoint_site = -1;      // site whose storage holds the last checkpoint (-1: none)
  simgrid::s4u::ActorPtr runner; // the current attempt's actor
  simgrid::s4u::ActorPtr writer; // its asynchronous checkpoint writer, if one is in flight
  double life_compute_s = 0;     // seconds spent computing, all attempts closed so far (kept or lost work)
  double life_steps = 0;         // steps computed in them

  // Counts the current attempt's compute time and steps into the job's life (at a finish,
  // a failure, a preemption, the end of the run); counting twice adds nothing.
  void close_attempt(double now) {
    const double work = pace.worked(now), wall = pace.wall(now);
    if (reference_step_s > 0) life_steps += (work - pace.counted_work) / reference_step_s;
    life_compute_s += wall - pace.counted_wall;
    pace.counted_work = work, pace.counted_wall = wall;
  }
  // Mean step time over the job's life: compute seconds per step computed (0 before any step).
  double mean_step_s() const { return life_steps > 0 ? life_compute_s / life_steps : 0; }
};

// A job across sites (docs/cross-site.md): one share per site, dp / sites replicas on
// one cluster of it. A share leaves the job when a failure hits one of its servers and
// rejoins when its cluster has the servers again (src/engine/cross_site_runner.cpp).
struct SiteShare {
  std::size_t cluster = 0;         // index into EngineContext::clusters
  std::vector<int> servers;        // held while active, empty otherwise
  int gpus = 0;
  bool active = false;
  double held_since = -1;          // when it last joined
  double available_at = 0;         // a software failure: not before detection + restart
  double held_s = 0;               // closed spans of holding its servers
  double compute_s = 0;            // time its GPUs computed (the rest: waiting for the WAN or a slower site)
  double wan_bytes = 0;            // bytes it sent into the WAN
  bool reload = false;             // reads the job's last checkpoint from its site's storage before computing again
};

struct CrossSiteProgress {
  std::vector<SiteShare> shares;   // in the order of the job's sites
  double tokens_done = 0;          // tokens trained so far (with the convergence penalty's extra)
  double tokens_needed = 0;        // the job's tokens x (1 + convergence_penalty)
  double sync_s = 0;               // time the job stood in (or waited for) the cross-site exchange
  double waiting_s = 0;            // time it waited for a site to come back (not elastic)
  std::int64_t exchanges = 0;      // outer all-reduces (sync: one per step); steps reach 1e12
  // Checkpoints (each share writes the job's state to its own site's storage): the tokens the
  // last one holds, whether there is one, and the useful time since it.
  double saved_tokens = 0;
  bool checkpointed = false;
  double since_checkpoint_s = 0;
};

struct JobRuntime {
  JobResult result;                // what results.csv and the report show
  std::size_t cluster = 0;         // where the current (or last) attempt runs
  std::vector<int> servers;        // its servers, empty between attempts
  JobProgress progress;
  std::unique_ptr<CrossSiteProgress> cross_site;  // a job across sites only, from its start
  // Whether the job's current attempt holds server s of cluster c (a single-site attempt or a share).
  bool holds(std::size_t c, int s) const {
    auto has = [s](const std::vector<int>& v) { return std::find(v.begin(), v.end(), s) != v.end(); };
    if (cluster == c && has(servers)) return true;
    if (cross_site)
      for (const SiteShare& sh : cross_site->shares)
        if (sh.active && sh.cluster == c && has(sh.servers)) return true;
    return false;
  }
};

}  // namespace rcn
