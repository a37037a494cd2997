#pragma once
// What one simulation run produced, in SI units. The report layer turns it
// into summary.json and CSV tables; tests read it directly.
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "rcn/models/training_step.hpp"
#include "rcn/scenario/symbol.hpp"

namespace rcn {

// Unschedulable: still queued when the run ended, and larger than what any
// cluster it may use had for training then (servers down, held by inference
// replicas): it could not have started later either (docs/results.md).
enum class JobState { Finished, Running, Queued, NotSubmitted, Unschedulable };
const char* to_string(JobState s);

// One stretch of a job's life, for the timeline (trace.json, report.html).
struct TimelineSpan {
  Symbol state;  // queued | running | checkpointing | restarting | loading
  double start = 0, end = 0;
  Symbol site;   // where (running, checkpointing, loading); "" otherwise
};

// Names from the scenario's vocabularies are Symbols (8 bytes; rcn/scenario/symbol.hpp).
struct JobResult {
  std::string name;
  Symbol model;
  Symbol site;     // where it ran ("" if it never started)
  Symbol cluster;
  Symbol gpu;
  int gpus = 0;
  int gpus_last_attempt = 0;  // fewer than gpus when an elastic job restarted smaller
  int servers = 0;
  Symbol fabric_span;  // leaves and pods of its last placement on a tiered fabric ("leaves 0-3 pods 0"), a dragonfly's
                       // chassis and groups ("chassis 0-1 groups 0"), a torus's nodes ("nodes 0-7"); else ""
  JobState state = JobState::NotSubmitted;
  double submit_s = 0;
  double start_s = -1;  // first start; -1: never started
  double end_s = -1;    // -1: not finished by the end of the run
  double queue_wait_s = 0;
  double step_time_s = 0;
  double mean_step_time_s = 0;  // over the job's life: compute seconds per step, every attempt (contention,
                                // failed spines and cables included); 0 before its first step
  double steps = 0;
  double tokens = 0;
  double params = 0;
  double tflops_per_gpu = 0;  // model FLOP/s per GPU, in TFLOP/s (step.model_tflops_per_gpu)
  double mfu = 0;
  double time_to_train_s = 0;        // end - start (with failures once they exist)
  double ideal_time_to_train_s = 0;  // finished: running time whose work was kept (no failures: steps x step time);
                                     // otherwise: steps x step time on the first cluster it ran on
  double goodput = 0;                // ideal / time_to_train (1 without failures)
  int interruptions = 0;
  int preemptions = 0;               // stopped by the scheduling policy (and resumed from a checkpoint)
  double staging_s = 0;              // time moving its dataset over the WAN before running
  double lost_work_s = 0;         // running time whose work was lost to failures (since the last checkpoint)
  double restart_overhead_s = 0;  // detection + restart + checkpoint load after failures
  double checkpoint_overhead_s = 0;  // time the job stood still writing checkpoints
  int checkpoints = 0;               // checkpoints completed
  double checkpoint_interval_s = 0;  // compute time between checkpoints (last attempt); 0 = none
  std::map<std::string, int> interruptions_by_cause;
  double progress = 0;  // fraction of steps done at the end of the run
  double gpu_hours = 0;  // GPUs held x time held, every attempt (checkpoints and lost work included)
  double cost = 0;       // gpu_hours x the all-in GPU-hour rate of the cluster of its last placement (docs/tco.md)
  std::string unschedulable_reason;  // state Unschedulable: why, in words
  // Data residency (docs/scheduling.md): the first time it waited in the queue while a cluster
  // outside its residency had room for it (-1: never), and the queueing from then to its first
  // start (or to the end of the run) that residency cost it.
  bool resident = false;  // has a residency (its own or its dataset's)
  double residency_delayed_at = -1;
  double residency_wait_s = 0;
  // The step model on the cluster of its (last) placement, with this job's steps,
  // tokens and time to train: step_shape (shared by every job of the same shape on
  // that cluster, so a million-job trace holds a few steps, not a million) and the
  // job's own length (steps, tokens, step_time_to_train_s) put back together.
  TrainingStep step() const;
  std::shared_ptr<const TrainingStep> step_shape;  // null until the job first starts
  double step_time_to_train_s = 0;  // the step's time to train here (a trace's fixed duration)
  std::vector<TimelineSpan> timeline;  // in time order; spans open at the end of the run end there
};

struct SiteResult {
  std::string name, region, kind;
  int gpus = 0;
  double gpu_hours_busy = 0;
  double utilisation = 0;  // busy GPU-seconds / (GPUs x simulated time)
  double energy_kwh = 0;
  double cost = 0;
  double carbon_kg = 0;
};

// Busy GPUs of a site from `time_s` on (a step function), for utilisation over time.
struct UtilisationPoint {
  double time_s = 0;
  std::size_t site = 0;
  int busy_gpus = 0;
};

// A site's energy, cost and carbon over one time bin [start_s, end_s) (site_energy.csv):
// the run's totals (SiteResult, TcoSiteResult) spread over time by the site's busy
// GPUs, so the bins of a site add up to its totals (docs/results.md#site_energycsv).
struct SiteEnergyBin {
  std::size_t site = 0;  // index into SimulationResult::sites
  double start_s = 0, end_s = 0;
  double busy_gpu_hours = 0;  // training and inference
  double energy_kwh = 0;
  double power_cost = 0;  // the power bill's share (SiteResult::cost)
  double tco = 0;         // power_cost + amortised capex and staff and maintenance for the bin's time
  double carbon_kg = 0;
};

// A transfer that crossed the WAN (a checkpoint read from another site).
struct WanTransfer {
  double start_s = 0, end_s = 0;
  std::string from, to, what;
  double bytes = 0;
};

// One inference service as seen from one region of users.
struct InferenceRegionResult {
  std::string service, region;
  long requests = 0, completed = 0, dropped = 0, in_flight = 0;
  double throughput_rps = 0;  // completed requests per second of simulated time
  double ttft_p50 = 0, ttft_p90 = 0, ttft_p99 = 0;
  double tpot_p50 = 0, tpot_p90 = 0, tpot_p99 = 0;
  double e2e_p50 = 0, e2e_p90 = 0, e2e_p99 = 0;
  double ttft_mean = 0, e2e_mean = 0;
  double slo_attainment = 0;  // completed requests meeting every SLO given, over completed
  std::vector<double> ttft_cdf, tpot_cdf, e2e_cdf;  // quantiles 1%..99% (tpot: requests with more than one output token)
};

// One tenant's requests over every service it has (`tenant:`; a service without one is its own
// tenant): what the per-tenant SLO report (tenants.csv, summary.json `tenants`) shows.
struct TenantResult {
  std::string tenant;
  std::string services;  // "a;b/c": its services, scenario order
  long requests = 0, completed = 0, dropped = 0, slo_met = 0;
  double slo_attainment = 0;  // slo_met / completed
  double ttft_p50 = 0, ttft_p99 = 0, e2e_p99 = 0;  // over its completed requests, all services together
  double gpu_hours = 0;       // its services' replicas' GPUs x the time they held servers
};

// A training job a replica above training (`priority: above-training`) stopped to take its
// server, and what that cost the job: the work since its last checkpoint and the restart.
struct TrainingPreemption {
  double time_s = 0;
  std::string service, site, job;
  int gpus = 0;              // the job's GPUs
  double lost_work_s = 0;    // compute since its last completed checkpoint, redone
  double restart_s = 0;      // before it rejoins the queue (failures.restart)
  double gpu_hours = 0;      // gpus x (lost_work_s + restart_s) / 3600
};

// Requests in one replica (queued + being served), sampled at most every 10 s of simulated time.
struct InferenceLoadPoint {
  double time_s = 0;
  std::string site, service;
  int replica = 0;
  int in_system = 0;
};

// A replica serving (its actor up, busy or idle; not restarting or scaled away) over [start_s, end_s).
struct ReplicaServingSpan {
  double start_s = 0, end_s = 0;
  std::string site, service;
  int replica = 0;
};

struct InferenceServiceResult {
  std::string service;
  int replicas = 0;            // at the start (the scenario's replicas)
  int gpus = 0;                // of those
  double gpu_utilisation = 0;  // replica busy time over the time replicas held their servers
  int replicas_peak = 0;       // most replicas holding servers at once (autoscaling)
  double replica_hours = 0;    // server time held by replicas
  int scale_ups = 0, scale_downs = 0;
  std::string drop_reasons;    // "reason=count;..."
  int replica_failures = 0;    // failures that stopped a replica (hardware or software)
  long requests_retried = 0;   // requests routed again because their replica failed
  std::string scheduler = "orca";  // ReplicaSchedulerSpec::name
  long preemptions = 0;        // requests evicted from a full paged KV cache (scheduler vllm or sarathi)
  double tokens_served = 0;    // prompt + output tokens of its completed requests
  double gpu_hours = 0;        // replicas' GPUs x the time they held their servers
  double cost = 0;             // those GPU-hours x their clusters' all-in GPU-hour rates (docs/tco.md)
  std::vector<double> gpu_seconds_by_cluster;  // held GPU-seconds per cluster, clusters in scenario order
  // The service's SLOs in seconds (0: none), kept with the results so a comparison
  // of run folders draws them without the scenario.
  double slo_ttft_s = 0, slo_tpot_s = 0, slo_e2e_s = 0;
  // Data residency (docs/inference.md): its regions ("" none), and the requests from them that
  // the router kept inside although its rule would have chosen a replica outside. Requests it
  // dropped because no replica inside was up are in drop_reasons ("no replica up in its residency").
  std::string residency;
  long requests_kept_in_residency = 0;
  long requests_dropped_for_residency = 0;
};

// Traffic rcnsim moved over one WAN link (datasets, checkpoints read from another site).
struct WanLinkResult {
  std::string from, to;
  double bandwidth = 0;         // bytes/s each direction
  double bytes = 0;             // both directions together
  double peak_utilisation = 0;  // highest share of one direction's bandwidth in use at once
};

struct FailureRow {
  double time_s = 0;
  std::string component, site, cluster;
  std::string servers;   // the servers' ids ("s3;s17") when at most 4, else ""
  std::string affected_jobs;
  double downtime_s = 0;
  int server_count = 0;  // servers it took down (0: a WAN link)
};

// Total cost of ownership over the simulated period (docs/tco.md).
struct TcoSiteResult {
  std::string name;
  double capex_amortised = 0, power = 0, staff_maintenance = 0, total = 0;
};

struct TcoClusterResult {
  std::string site, cluster, gpu;
  int gpus = 0;                 // in service (spares excluded)
  double capex = 0;             // purchase price, not per period
  double capex_amortised = 0, staff_maintenance = 0;
  double gpu_hour_rate = 0;     // all-in cost of one GPU-hour
};

struct TcoResult {
  std::string currency = "USD";
  double period_s = 0;  // the simulated period every amount covers
  double capex_amortised = 0, power = 0, staff_maintenance = 0, wan = 0, total = 0;
  double tokens_served = 0;   // inference: prompt + output tokens of completed requests
  double tokens_trained = 0;  // training: tokens x progress, over jobs
  std::optional<double> per_million_tokens_served;   // services' cost / tokens served x 1e6; none without tokens
  std::optional<double> per_million_trained_tokens;  // training jobs' cost / tokens trained x 1e6; likewise
  std::vector<TcoSiteResult> sites;                  // in scenario order
  std::vector<TcoClusterResult> clusters;
  std::vector<std::string> notes;  // defaults that stood in for missing prices
};

// One site's share of a job across sites (cross_site.csv, docs/results.md). The job's
// figures (exchanges, sync and waiting time, effective tokens/s) repeat on each of its rows.
struct CrossSiteRow {
  std::string job, site, cluster, mode;
  int inner_steps = 1;
  std::string compression;
  int gpus = 0;
  std::int64_t exchanges = 0;         // cross-site all-reduces completed
  double wan_bytes = 0;               // bytes this site sent into the WAN
  double cross_site_sync_s = 0;       // time the job stood in the cross-site exchange (not hidden by compute)
  double waiting_s = 0;               // time it waited for a stopped site (not elastic)
  double compute_utilisation = 0;     // this share's step time over the time it held its servers
  double effective_tokens_per_s = 0;  // tokens trained / (1 + convergence_penalty) / time since start
  double gpu_hours = 0;               // this share's GPUs x the time it held its servers (the job's cost)
};

struct SimulationResult {
  std::string scenario;
  std::uint64_t seed = 0;
  std::string version;
  double horizon_s = 0;        // the scenario's horizon
  double simulated_end_s = 0;  // when the run stopped: all jobs done, or the horizon
  std::string policy;
  std::string fidelity;
  std::vector<JobResult> jobs;
  std::vector<SiteResult> sites;
  std::vector<FailureRow> failures;
  std::vector<UtilisationPoint> utilisation;
  std::vector<WanTransfer> wan_transfers;
  std::vector<CrossSiteRow> cross_site;
  std::vector<WanLinkResult> wan_links;
  std::vector<InferenceRegionResult> inference;
  std::vector<InferenceServiceResult> services;
  std::vector<InferenceLoadPoint> inference_load;
  std::vector<ReplicaServingSpan> inference_serving;  // in the order they ended
  std::vector<TenantResult> tenants;                  // only when some service names a tenant
  std::vector<TrainingPreemption> training_preemptions;  // in time order
  std::vector<SiteEnergyBin> site_energy;             // per site (scenario order), bins in time order
  TcoResult tco;
};

}  // namespace rcn
