#pragma once
// What a scheduling policy sees and decides. Policies get a read-only view of
// the clusters and the queue and return placements; they never touch SimGrid,
// so a policy is a plain class that tests can drive by hand. The engine keeps
// one view for the whole run and updates it as jobs come and go (it is never
// copied per event), so a policy's cost per event is what it reads of it.
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "rcn/scenario/scenario.hpp"
#include "rcn/sched/pending_queue.hpp"

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
  PendingQueue queue;  // in order of submission, with its shapes (pending_queue.hpp)
  std::vector<RunningJob> running;  // by job index
  // For a policy that places jobs across sites (SchedulingPolicy::places_cross_site): each queued
  // job across sites (PendingJob::across_sites) and the splits it may start on now, best first:
  // one cluster (index into clusters) per site share, each share gpus / split size GPUs. A job
  // naming its sites has at most one; `sites: auto` one per number of sites that fits now, by
  // estimated time to train on an idle WAN (docs/cross-site.md). Absent: none fits now.
  std::map<std::size_t, std::vector<std::vector<std::size_t>>> cross_site_splits;
};

struct Placement {
  std::size_t job = 0;            // Scenario::training index
  std::size_t cluster_state = 0;  // index into SchedulerView::clusters
  int gpus = 0;                   // 0 = the job's full size; else one of its shrink_gpus
  // A job across sites: one of view.cross_site_splits' splits for it (cluster_state and gpus unused).
  std::vector<std::size_t> split{};
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
  // True: jobs across sites join the queue like any job (no single cluster allowed to them) and
  // the policy starts them with a Placement naming one of view.cross_site_splits. False (the
  // default): the engine starts them itself before asking the policy, in arrival order.
  virtual bool places_cross_site() const { return false; }
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
