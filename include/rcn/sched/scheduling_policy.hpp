#pragma once
// What a scheduling policy sees and decides. Policies get a read-only
// snapshot of the clusters and the queue and return placements; they never
// touch SimGrid, so a policy is a plain class that tests can drive by hand.
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "rcn/scenario/scenario.hpp"

namespace rcn {

struct ClusterState {
  std::size_t site = 0;     // index into Scenario::sites
  std::size_t cluster = 0;  // index into SiteSpec::clusters
  std::string site_name, cluster_name, region, gpu;
  SiteKind kind = SiteKind::Node;
  int gpus_per_server = 8;
  int total_servers = 0;
  int free_servers = 0;
  double price_per_kwh_now = 0;     // electricity price at this site this hour
  double carbon_g_per_kwh_now = 0;  // grid carbon intensity at this site this hour
  // Servers a job of `gpus` GPUs occupies here (jobs take whole servers).
  int servers_for(int gpus) const { return (gpus + gpus_per_server - 1) / gpus_per_server; }
};

struct PendingJob {
  std::size_t job = 0;  // index into Scenario::training
  std::string name;
  int gpus = 0;
  double submit_time = 0;
  std::optional<std::string> site;  // the job insists on this site
  // Runtime if placed on each cluster (same order as SchedulerView::clusters);
  // from the step-time model, for policies that need estimates (backfill, SJF).
  std::vector<double> runtime_on;
  // Smaller sizes (GPUs, descending) the job accepts now: an elastic job
  // restarting after a failure may shrink its data parallelism. Usually empty.
  std::vector<int> shrink_gpus;
  double attained_service_s = 0;  // GPU-seconds of running so far (least attained service)
  // Where its data lives (its dataset, or the checkpoint it resumes from), and
  // the WAN time to bring it to each cluster's site (0 there, and without data).
  std::optional<std::size_t> data_site;
  std::vector<double> transfer_s_to;
  // Clusters (site, cluster indices) where no layout of the job fits (`parallelism: auto`):
  // not allowed, like another site's clusters for a job with `site`. Usually empty.
  std::vector<std::pair<std::size_t, std::size_t>> no_layout_on;
};

struct RunningJob {
  std::size_t job = 0;
  std::size_t cluster_state = 0;  // index into SchedulerView::clusters
  int servers = 0;
  double start_time = 0;
  double expected_end = 0;
  double attained_service_s = 0;  // GPU-seconds of running so far, this attempt included
  bool preemptible = false;       // checkpoints, so it can be stopped and resumed
};

struct SchedulerView {
  double now = 0;
  std::vector<ClusterState> clusters;
  std::vector<PendingJob> queue;  // in order of submission
  std::vector<RunningJob> running;
};

struct Placement {
  std::size_t job = 0;            // Scenario::training index
  std::size_t cluster_state = 0;  // index into SchedulerView::clusters
  int gpus = 0;                   // 0 = the job's full size; else one of its shrink_gpus
};

class SchedulingPolicy {
 public:
  virtual ~SchedulingPolicy() = default;
  // Called whenever the queue or the free capacity changes. Returned
  // placements are applied in order; each must fit the capacity left by the
  // ones before it (the engine checks, and refuses a placement that does not).
  virtual std::vector<Placement> schedule(const SchedulerView& view) = 0;
  // Running jobs to stop before schedule() is asked (they checkpoint, give back
  // their servers and rejoin the queue). Most policies never preempt.
  virtual std::vector<std::size_t> preempt(const SchedulerView& view) {
    (void)view;
    return {};
  }
};

// Options from `scheduler.options`. Policies read what they understand;
// anything left unread is reported as an unknown option.
class PolicyOptions {
 public:
  explicit PolicyOptions(std::map<std::string, std::string> values) : values_(std::move(values)) {}
  std::optional<std::string> get(const std::string& key) const;
  std::vector<std::string> unread() const;

 private:
  std::map<std::string, std::string> values_;
  mutable std::map<std::string, bool> read_;
};

}  // namespace rcn
