#pragma once
// The queue a policy sees, kept by the engine from one scheduling event to the
// next instead of rebuilt: jobs join and leave it, so a policy that looks only
// at the head costs O(1) per event however deep the queue is. Policies that
// look past a waiting head (backfill, shortest first) use its shapes: queued
// jobs of the same size and site pin fit the same clusters, so one check per
// shape replaces one per job, and each shape keeps its jobs in ordered
// structures (queue order with per-cluster minimum run times; run time order).
#include <cstdint>
#include <initializer_list>
#include <iterator>
#include <limits>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <tuple>
#include <unordered_map>
#include <vector>

namespace rcn {

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
  // Clusters (site, cluster indices) the job may not use besides its site pin: where no layout
  // of it fits (`parallelism: auto`), and outside its data residency. Usually empty.
  std::vector<std::pair<std::size_t, std::size_t>> not_allowed_on;
  // A job across sites: no single cluster takes it (all are in not_allowed_on); it starts on one
  // of SchedulerView::cross_site_splits (only policies that place such jobs see it).
  bool across_sites = false;
  // Set by the queue: among jobs submitted at the same time, the one that joined first is earlier.
  std::uint64_t joined = 0;
};

// Queue order: submission time, then joining order (a restarted job regains its place
// behind the jobs submitted at the same time that are already waiting).
inline bool queued_before(const PendingJob& a, const PendingJob& b) {
  return std::tie(a.submit_time, a.joined) < std::tie(b.submit_time, b.joined);
}

class PendingQueue {
  using Key = std::pair<double, std::uint64_t>;  // (submit_time, joined)
  using Jobs = std::map<Key, PendingJob>;

 public:
  // Queued jobs of one size, site pin and set of clusters without a layout, in two orders.
  class Shape {
   public:
    int gpus() const { return gpus_; }
    const std::optional<std::string>& site() const { return site_; }
    const std::vector<std::pair<std::size_t, std::size_t>>& not_allowed_on() const { return not_allowed_on_; }
    std::size_t size() const { return live_; }
    // The first job of this shape queued after `after` (nullptr: from the head), or nullptr.
    const PendingJob* first_after(const PendingJob* after) const;
    // The same among jobs that end by `deadline` if started now on cluster c
    // (now + runtime_on[c] <= deadline): EASY backfill's question, in O(log n).
    const PendingJob* first_ending_by(const PendingJob* after, std::size_t c, double now, double deadline) const;
    // Its jobs by (runtime_on[c], queue order), for shortest-first policies. Built
    // on the first call and kept up to date from then on (policies that never ask
    // pay nothing for it).
    using ByRuntime = std::set<std::tuple<double, Key, const PendingJob*>>;
    const ByRuntime& by_runtime_on(std::size_t c) const;

   private:
    friend class PendingQueue;
    void add(const PendingJob& job);
    void remove(const PendingJob& job);
    void rebuild();
    void update(std::size_t slot);
    std::size_t first_slot_after(const PendingJob* after) const;
    template <class Pred>
    std::size_t find(std::size_t node, std::size_t lo, std::size_t hi, std::size_t from, const Pred& ok) const;

    int gpus_ = 0;
    std::optional<std::string> site_;
    std::vector<std::pair<std::size_t, std::size_t>> not_allowed_on_;
    std::size_t clusters_ = 0;  // runtime_on entries tracked (the first job's)
    std::size_t live_ = 0;
    // Slots in queue order (nullptr once the job left), and over them a segment
    // tree: live jobs below each node and their least run time on each cluster.
    std::vector<const PendingJob*> slots_;
    std::vector<Key> keys_;
    std::size_t leaves_ = 0;
    std::vector<std::uint32_t> count_;
    std::vector<double> least_;  // node * clusters_ + c
    std::unordered_map<std::size_t, std::size_t> slot_of_;  // job -> slot
    mutable std::vector<ByRuntime> by_runtime_;  // empty until by_runtime_on() is first called
  };

  class const_iterator {
   public:
    using iterator_category = std::bidirectional_iterator_tag;
    using value_type = PendingJob;
    using difference_type = std::ptrdiff_t;
    using pointer = const PendingJob*;
    using reference = const PendingJob&;
    explicit const_iterator(Jobs::const_iterator it) : it_(it) {}
    reference operator*() const { return it_->second; }
    pointer operator->() const { return &it_->second; }
    const_iterator& operator++() { return ++it_, *this; }
    const_iterator& operator--() { return --it_, *this; }
    bool operator==(const const_iterator& o) const { return it_ == o.it_; }
    bool operator!=(const const_iterator& o) const { return it_ != o.it_; }

   private:
    Jobs::const_iterator it_;
  };

  PendingQueue() = default;
  PendingQueue(std::initializer_list<PendingJob> jobs);  // each joins in turn (tests)
  PendingQueue(const PendingQueue& other);
  PendingQueue& operator=(const PendingQueue& other);
  PendingQueue(PendingQueue&&) = default;
  PendingQueue& operator=(PendingQueue&&) = default;

  // Joins behind every job submitted at or before it; returns its entry.
  const PendingJob& push(PendingJob job);
  // Leaves the queue; false when it was not queued.
  bool erase(std::size_t job);
  const PendingJob* find(std::size_t job) const;

  const_iterator begin() const { return const_iterator(jobs_.begin()); }
  const_iterator end() const { return const_iterator(jobs_.end()); }
  const PendingJob& front() const { return jobs_.begin()->second; }
  std::size_t size() const { return jobs_.size(); }
  bool empty() const { return jobs_.empty(); }
  // Shapes that have held a job (some may be empty now), in order of first appearance.
  const std::vector<Shape>& shapes() const { return shapes_; }

 private:
  Shape& shape_for(const PendingJob& job);
  void rebuild_shapes();

  Jobs jobs_;
  std::unordered_map<std::size_t, Key> key_of_;
  std::vector<Shape> shapes_;
  std::map<std::tuple<int, std::optional<std::string>, std::vector<std::pair<std::size_t, std::size_t>>>, std::size_t>
      shape_of_;
  std::uint64_t joined_ = 0;
};

}  // namespace rcn
