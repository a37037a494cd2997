// Policies on a 50,000-job queue: the shape-based EASY backfill and SJF place exactly
// what a plain scan of every queued job places (the reference below, written the
// straightforward way), round after round while jobs join (some at the same submit
// time, some in the middle as restarts do) and leave; and FIFO looks only at the head.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>

#include "rcn/sched/builtin_policies.hpp"
#include "rcn/sched/fifo_policy.hpp"
#include "tests/sched/policy_views.hpp"

using namespace rcn;
using test::cluster;

namespace {

constexpr std::size_t kQueue = 50000;

struct World {
  std::mt19937_64 rng{17};
  SchedulerView v;
  std::size_t next_id = 0;

  PendingJob random_job(double submit) {
    PendingJob p;
    p.job = next_id++;
    p.gpus = 8 << std::uniform_int_distribution<int>(0, 6)(rng);
    p.submit_time = submit;
    if (std::uniform_int_distribution<int>(0, 9)(rng) == 0) p.site = "b";
    const double base = std::uniform_real_distribution<double>(60, 20000)(rng);
    p.runtime_on = {base, base * 1.5, base * 0.8};
    p.transfer_s_to = {0, 0, 0};
    return p;
  }
  void reshuffle_capacity() {
    std::uniform_int_distribution<int> free_a(0, 64), free_b(0, 32);
    v.clusters = {cluster("a", 64, free_a(rng)), cluster("b", 32, free_b(rng)), cluster("a", 16, free_b(rng) / 2)};
    v.running.clear();
    for (std::size_t c = 0; c < 3; ++c)
      for (int k = 0; k < 4; ++k) {
        RunningJob r;
        r.job = 1000000 + c * 10 + k;
        r.cluster_state = c;
        r.servers = 1 + static_cast<int>(rng() % 8);
        r.expected_end = v.now + std::uniform_real_distribution<double>(100, 30000)(rng);
        v.running.push_back(r);
      }
  }
};

std::vector<const PendingJob*> in_order(const PendingQueue& q) {
  std::vector<const PendingJob*> out;
  for (const PendingJob& j : q) out.push_back(&j);
  return out;
}

// EASY as a scan of every queued job (rcnsim's algorithm before the queue had shapes).
std::vector<Placement> easy_reference(const SchedulerView& v) {
  std::vector<int> free;
  for (const auto& c : v.clusters) free.push_back(c.free_servers);
  std::vector<Placement> out;
  bool reserved = false;
  std::size_t res = 0;
  double shadow = 0;
  int extra = 0;
  for (const PendingJob* job : in_order(v.queue)) {
    std::optional<std::size_t> fit;
    for (std::size_t c = 0; c < v.clusters.size() && !fit; ++c)
      if (allowed_on(*job, v.clusters[c]) && v.clusters[c].servers_for(job->gpus) <= free[c]) fit = c;
    if (!reserved) {
      if (fit) {
        free[*fit] -= v.clusters[*fit].servers_for(job->gpus);
        out.push_back({job->job, *fit});
        continue;
      }
      shadow = std::numeric_limits<double>::infinity();
      for (std::size_t c = 0; c < v.clusters.size(); ++c) {
        if (!allowed_on(*job, v.clusters[c])) continue;
        const int need = v.clusters[c].servers_for(job->gpus);
        if (need > v.clusters[c].total_servers) continue;
        const double t = earliest_free(v, c, need, free[c]);
        if (t < shadow) shadow = t, res = c;
      }
      reserved = true;
      if (!std::isfinite(shadow)) return out;
      int free_then = free[res];
      for (const RunningJob& r : v.running)
        if (r.cluster_state == res && r.expected_end <= shadow) free_then += r.servers;
      extra = free_then - v.clusters[res].servers_for(job->gpus);
      continue;
    }
    if (!fit) continue;
    const int need = v.clusters[*fit].servers_for(job->gpus);
    const double ends = v.now + job->runtime_on[*fit];
    if (*fit != res || ends <= shadow || need <= extra) {
      if (*fit == res && ends > shadow) extra -= need;
      free[*fit] -= need;
      out.push_back({job->job, *fit});
    }
  }
  return out;
}

// SJF as a stable sort of the whole queue.
std::vector<Placement> sjf_reference(const SchedulerView& v) {
  std::vector<const PendingJob*> order = in_order(v.queue);
  auto shortest = [&](const PendingJob* j) {
    double best = std::numeric_limits<double>::infinity();
    for (std::size_t c = 0; c < v.clusters.size(); ++c)
      if (allowed_on(*j, v.clusters[c])) best = std::min(best, j->runtime_on[c]);
    return best;
  };
  std::stable_sort(order.begin(), order.end(),
                   [&](const PendingJob* a, const PendingJob* b) { return shortest(a) < shortest(b); });
  std::vector<int> free;
  for (const auto& c : v.clusters) free.push_back(c.free_servers);
  std::vector<Placement> out;
  for (const PendingJob* j : order) {
    std::optional<std::size_t> best;
    for (std::size_t c = 0; c < v.clusters.size(); ++c) {
      if (!allowed_on(*j, v.clusters[c]) || v.clusters[c].servers_for(j->gpus) > free[c]) continue;
      if (!best || j->runtime_on[c] < j->runtime_on[*best]) best = c;
    }
    if (!best) continue;
    free[*best] -= v.clusters[*best].servers_for(j->gpus);
    out.push_back({j->job, *best});
  }
  return out;
}

bool same(const std::vector<Placement>& a, const std::vector<Placement>& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (a[i].job != b[i].job || a[i].cluster_state != b[i].cluster_state || a[i].gpus != b[i].gpus) return false;
  return true;
}

}  // namespace

TEST_CASE("EASY backfill and SJF on a 50,000-job queue place what a scan of every job places", "[sched][scale]") {
  World w;
  for (std::size_t i = 0; i < kQueue; ++i) w.v.queue.push(w.random_job(std::floor(i / 3.0)));  // 3 per submit time
  REQUIRE(w.v.queue.size() == kQueue);
  EasyBackfillPolicy easy(PolicyOptions({}));
  SjfPolicy sjf(PolicyOptions({}));
  std::size_t placed_easy = 0, placed_sjf = 0, backfilled = 0;
  for (int round = 0; round < 4; ++round) {
    w.v.now = 1000.0 * round;
    w.reshuffle_capacity();
    const auto e = easy.schedule(w.v);
    const auto s = sjf.schedule(w.v);
    INFO("round " << round);
    REQUIRE(same(e, easy_reference(w.v)));
    REQUIRE(same(s, sjf_reference(w.v)));
    placed_easy += e.size();
    placed_sjf += s.size();
    if (!e.empty()) backfilled += e.back().job != w.v.queue.front().job;
    // The engine's side of a round: placed jobs leave, new ones join at the back, and a
    // "restarted" job rejoins in the middle at a submit time others share.
    for (const Placement& p : e) w.v.queue.erase(p.job);
    for (int k = 0; k < 50; ++k) w.v.queue.push(w.random_job(kQueue));
    w.v.queue.push(w.random_job(100.0 * (round + 1)));
  }
  // Not vacuous: both policies placed jobs, and EASY placed some past a waiting head.
  CHECK(placed_easy > 0);
  CHECK(placed_sjf > 0);
  CHECK(backfilled > 0);
}

TEST_CASE("FIFO on a 50,000-job queue whose head waits places nothing, in a few steps per event", "[sched][scale]") {
  World w;
  SchedulerView& v = w.v;
  v.clusters = {cluster("a", 64, 3)};
  PendingJob head = w.random_job(0);
  head.gpus = 64;  // 8 servers: does not fit in 3
  head.site.reset();
  v.queue.push(head);
  for (std::size_t i = 1; i < kQueue; ++i) {
    PendingJob j = w.random_job(static_cast<double>(i));
    j.gpus = 8;  // would fit, but FIFO never passes the head
    j.site.reset();
    v.queue.push(j);
  }
  FifoPolicy fifo(PolicyOptions({}));
  for (int event = 0; event < 20000; ++event) REQUIRE(fifo.schedule(v).empty());  // O(n) each would take minutes
  v.clusters[0].free_servers = 8;
  const auto out = fifo.schedule(v);
  REQUIRE(out.size() == 1);
  CHECK(out[0].job == head.job);
}
