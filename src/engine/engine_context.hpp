#pragma once
// State shared by the engine's actors during one run. Actors are cooperative
// (SimGrid runs one at a time), so plain containers are safe; the mutex and
// condition variable exist only because SimGrid's condition variable needs one.
#include <simgrid/s4u.hpp>

#include <deque>
#include <functional>
#include <map>
#include <string>
#include <memory>
#include <optional>
#include <vector>

#include "rcn/engine/results.hpp"
#include "rcn/models/failure_schedule.hpp"
#include "rcn/models/training_step.hpp"
#include "rcn/scenario/scenario.hpp"
#include "rcn/sched/scheduling_policy.hpp"
#include "rcn/topology/platform.hpp"
#include "rcn/topology/site_graph.hpp"
#include "src/engine/cluster_runtime.hpp"
#include "src/engine/job_runtime.hpp"

namespace rcn {

struct EngineEvent {
  enum class Kind {
    Arrival,     // a job is submitted
    Completion,  // a job finished its work
    Requeue,     // an interrupted job is ready to be placed again
    Capacity,    // servers came back from repair
  };
  Kind kind;
  std::size_t job = 0;  // unused for Capacity
};

// GPUs of a site busy serving inference over [start, end), for the site's energy over time.
struct InferenceBusySpan {
  std::size_t site = 0;
  int gpus = 0;
  double start = 0, end = 0;
};

// One failure as it happened, for failures.csv.
struct FailureRecord {
  double at = 0;
  std::string component, site, cluster, servers, jobs;  // servers: their ids when a few, else ""
  int server_count = 0;
  double downtime = 0;
};

struct EngineContext {
  const Scenario& scenario;
  Platform platform;
  std::unique_ptr<SchedulingPolicy> policy;

  // What the policy sees, kept up to date by the scheduler (never rebuilt per event):
  // its clusters are the live capacity, one per (site, cluster), also known as `clusters`.
  SchedulerView view;
  std::vector<ClusterState>& clusters = view.clusters;
  std::vector<ClusterRuntime> cluster_runtime;      // per cluster, same order as `clusters`
  // The step model's figures once per (job shape, cluster), without the job's length;
  // estimate_index[job * clusters + cluster] points into it. Read through estimate().
  // Shared pointers, so a job's result shares its step's figures (JobResult::step_shape).
  std::vector<std::shared_ptr<const TrainingStep>> step_table;
  std::vector<std::uint32_t> estimate_index;
  // [job][cluster] for `parallelism: auto` jobs (empty for the others): the layout search's
  // best layout there, none where no layout fits (the job is never placed there).
  std::vector<std::vector<std::optional<ParallelismSpec>>> layouts;

  std::vector<JobRuntime> jobs;                     // per Scenario::training job
  std::map<std::string, std::shared_ptr<const TrainingStep>> flow_steps;  // flow fidelity: step per (job shape, placement)
  std::vector<std::size_t> started;                 // jobs placed and perhaps still running, ascending (view.running's source)
  // Queued jobs with a residency that have not yet been seen waiting while a cluster outside it
  // could have taken them (JobResult::residency_delayed_at); empty without residency.
  std::vector<std::size_t> resident_waiting;
  std::size_t jobs_expected = 0;                    // submitted within the horizon
  std::size_t jobs_done = 0;

  std::unique_ptr<SiteGraph> graph;                 // routes and bottlenecks, for transfer estimates
  std::vector<FailureRecord> failure_log;
  std::vector<UtilisationPoint> utilisation;        // busy GPUs per site, at each change
  std::vector<int> site_busy_gpus;
  std::vector<InferenceBusySpan> inference_busy;     // filled by the inference runtime (collect_inference)
  std::vector<WanTransfer> wan_transfers;
  std::vector<ComponentFailure> failure_classes;

  // Set by the inference runtime: a failure hit (cluster, server); returns the
  // name of the replica it stopped, or "" when no replica holds that server.
  std::function<std::string(std::size_t, int, bool)> on_server_failure;

  // The first error an actor raised, naming what it concerns; empty when none (see guarded()).
  std::string error;
  // WAN link repairs so far, announced on wan_repaired: flows cut by a link-cut wait for one.
  std::uint64_t wan_repairs = 0;
  simgrid::s4u::ConditionVariablePtr wan_repaired = simgrid::s4u::ConditionVariable::create();
  // Servers came back (a repair, or a job gave its servers back): jobs across sites waiting
  // for a share's servers look again (cross_site_runner.cpp).
  simgrid::s4u::ConditionVariablePtr capacity_changed = simgrid::s4u::ConditionVariable::create();
  std::vector<std::size_t> cross_site_waiting;      // jobs across sites waiting to start, in arrival order

  std::deque<EngineEvent> inbox;
  simgrid::s4u::MutexPtr mutex = simgrid::s4u::Mutex::create();
  simgrid::s4u::ConditionVariablePtr wakeup = simgrid::s4u::ConditionVariable::create();

  explicit EngineContext(const Scenario& s) : scenario(s) {}
  void post(EngineEvent e);
};

// The job as it runs on cluster c: with its own layout, or with the layout the
// search chose there (`parallelism: auto`; only for a cluster where one fits).
TrainingJobSpec job_on_cluster(const EngineContext& ctx, std::size_t job, std::size_t cluster);
// The same with `gpus` of its GPUs (an elastic shrink: dp = gpus / model-parallel size).
TrainingJobSpec job_on_cluster(const EngineContext& ctx, std::size_t job, std::size_t cluster, int gpus);
// The job as its current attempt runs: on its cluster, with the GPUs it holds (one
// definition for the step model, the flow measurement and the uplink-loss rate).
TrainingJobSpec running_job(const EngineContext& ctx, std::size_t job);
// Whether the job can run on cluster c at all: false for an auto job that no layout there fits.
bool has_layout_on(const EngineContext& ctx, std::size_t job, std::size_t cluster);
// The step model's figures for the job on cluster c with all its GPUs, its own
// length (tokens or steps) and a trace's fixed duration applied.
TrainingStep estimate(const EngineContext& ctx, std::size_t job, std::size_t cluster);
// Its time to train alone, without copying the step.
double estimated_time_to_train(const EngineContext& ctx, std::size_t job, std::size_t cluster);
// The shared figures estimate() starts from (without the job's length).
const std::shared_ptr<const TrainingStep>& estimate_shape(const EngineContext& ctx, std::size_t job, std::size_t cluster);
// Records the step a job runs with in its result: the shared shape and the job's
// own length from `sized` (the shape with set_training_length() and a trace's duration applied).
void set_job_step(JobResult& r, std::shared_ptr<const TrainingStep> shape, const TrainingStep& sized);

// Runs an actor's body. An exception (SimGrid's kill aside, which must pass)
// becomes the run's error, naming what it concerns (`what`: training job "gpt3",
// the scheduler...), and stops every actor: the run ends at once and
// run_simulation throws SimulationError instead of returning results.
void guarded(EngineContext& ctx, const std::string& what, const std::function<void()>& body);

// The actors (one file each under src/engine/).
void workload_source(EngineContext& ctx);
void scheduler_loop(EngineContext& ctx);
void job_runner(EngineContext& ctx, std::size_t job);
void failure_injector(EngineContext& ctx, std::vector<FailureEvent> events);
// Stops a running job for its policy: it checkpoints (holding its servers),
// then gives them back and rejoins the queue with all its work saved.
void preempt_job(EngineContext& ctx, std::size_t job);
// Changes a running job's speed from now on (JobPace: 1 = its reference step,
// 0.5 = steps twice as long); its runner's compute segment ends accordingly.
void set_job_rate(EngineContext& ctx, std::size_t job, double rate);
// Flow fidelity: the running jobs of cluster c (but `except`) measure their
// step again, all at once, under the fabric as it is now (neighbours, failed
// spines and cables), and continue at the rate it gives (fabric_contention.cpp).
// Analytic fidelity: they continue at uplink_loss_rate (the job starting, `except`,
// takes it when its runner starts).
void reevaluate_contention(EngineContext& ctx, std::size_t cluster, std::size_t except = SIZE_MAX);
// Analytic fidelity: reference step / the step with the cluster's failed spines and
// cables in closed form (models/fabric_rounds.hpp); 1 when its uplinks are whole.
double uplink_loss_rate(const EngineContext& ctx, std::size_t job);
// The share of each uplink in service, from the shares failures hold (ClusterRuntime).
std::vector<double> uplinks_left(const std::vector<double>& lost);
// A failed (sign +1) or repaired (-1) spine or cable: its share of the cluster's uplinks.
void change_uplinks(EngineContext& ctx, std::size_t cluster, const std::vector<UplinkLoss>& lost, int sign);
// Seconds of work between the job's checkpoints: fixed, Young/Daly (the slowest write to the
// storage of `clusters`' sites, the job's failure rate at their largest failure scale), or none
// (infinity). One cluster for a job on one site, its shares' clusters for one across sites.
double checkpoint_interval(const EngineContext& ctx, std::size_t job, double bytes,
                           const std::vector<std::size_t>& clusters);
// Flow fidelity: one iteration of the job's collectives as SimGrid flows on its servers,
// now (not cached); must run in an actor.
TrainingStep measure_flow_step(EngineContext& ctx, std::size_t job);
// Jobs across sites (cross_site_runner.cpp, docs/cross-site.md). Starts the job when every
// site of it has a cluster with its share's servers free; false (nothing taken) otherwise.
bool try_start_cross_site(EngineContext& ctx, std::size_t job);
// A split (one cluster per site share) the job may start on now, with its estimated time to train.
struct CrossSiteOffer {
  double time_s = 0;
  std::vector<std::size_t> split;
};
// The splits the job may start on now, best first (SchedulerView::cross_site_splits and
// cross_site_time_s); empty when none fits.
std::vector<CrossSiteOffer> cross_site_offers(const EngineContext& ctx, std::size_t job);
// Starts the job on this split (each cluster has its share's servers free).
void start_cross_site(EngineContext& ctx, std::size_t job, const std::vector<std::size_t>& split);
// A completed job across sites gives back its shares' servers.
void finish_cross_site(EngineContext& ctx, std::size_t job);
// A failure hit servers some shares of the job hold: those shares stop (their healthy servers
// go back to the pool); `software`: they may rejoin after detection + restart.
void cross_site_failure(EngineContext& ctx, std::size_t job, const std::vector<std::pair<std::size_t, int>>& hit,
                        bool software, const std::string& cause);
// At the end of the run: the held time of shares still active, added to `busy` (GPU-seconds per cluster).
void close_cross_site(EngineContext& ctx, std::size_t job, double end, std::vector<double>& busy);
// Runs a batch of WAN flows to the end; a batch cut by a WAN link failure waits for a repair
// and is sent again (job_runner.cpp).
void transfer_until_done(EngineContext& ctx, const std::function<std::vector<simgrid::s4u::CommPtr>()>& start);
// Whether a WAN link is cut now (a link-cut not yet repaired; ctx.wan_repaired announces repairs).
bool any_wan_link_down(const EngineContext& ctx);
// Stops a running job at once (a failure, or a serving replica above training taking its
// servers): the work since its last completed checkpoint is lost, its healthy servers go back to
// the pool and it rejoins the queue `delay` seconds later. Returns the seconds of work lost.
double interrupt_job(EngineContext& ctx, std::size_t job, const std::string& cause, double delay);
// Moves `bytes` between a site's storage and the job's servers (checkpoints).
void storage_transfer(EngineContext& ctx, std::size_t job, std::size_t storage_site, double bytes, bool to_storage);
// WAN time to move `bytes` from site a to site b (latency + bytes / narrowest link); 0 when a == b.
double wan_transfer_estimate(const EngineContext& ctx, std::size_t a, std::size_t b, double bytes);

// The free pool of a cluster (ClusterRuntime::free_servers, kept ascending, and its count in
// ctx.clusters): every server that leaves or rejoins it goes through these two.
// Takes the `count` lowest free servers.
std::vector<int> take_free_servers(EngineContext& ctx, std::size_t cluster, int count);
// Puts a healthy server back.
void return_free_server(EngineContext& ctx, std::size_t cluster, int server);

// Ends a job's current attempt: its busy time is counted and its healthy
// servers go back to the pool. Shared by completion and interruption.
void release_job(EngineContext& ctx, std::size_t job);

// Timeline bookkeeping: close the job's open span (if any) now, then open `state`.
void begin_span(EngineContext& ctx, std::size_t job, const std::string& state, const std::string& site = "");
void end_span(EngineContext& ctx, std::size_t job);
// Records a change of a site's busy GPUs.
void add_busy(EngineContext& ctx, std::size_t site, int delta);

}  // namespace rcn
