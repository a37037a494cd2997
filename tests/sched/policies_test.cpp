// Each policy's defining behaviour on small hand-checked views.
#include <catch2/catch.hpp>

#include "rcn/sched/builtin_policies.hpp"
#include "rcn/sched/policy_registry.hpp"
#include "tests/sched/policy_views.hpp"

using namespace rcn;
using test::cluster;

namespace {
PendingJob job(std::size_t id, int gpus, std::vector<double> runtime) {
  PendingJob p;
  p.job = id;
  p.gpus = gpus;
  p.runtime_on = std::move(runtime);
  p.transfer_s_to.assign(p.runtime_on.size(), 0);
  return p;
}
RunningJob running(std::size_t id, std::size_t c, int servers, double start, double end, double attained = 0) {
  RunningJob r;
  r.job = id, r.cluster_state = c, r.servers = servers, r.start_time = start, r.expected_end = end;
  r.attained_service_s = attained;
  r.preemptible = true;
  return r;
}
}  // namespace

TEST_CASE("EASY backfill starts a small job that ends before the head's reservation, not one that would delay it",
          "[sched][backfill]") {
  // Cluster of 4 servers, 2 free; a running job frees its 2 at t = 100. The head needs 4 servers:
  // reservation at 100. A 1-server job of 50 s ends at 50 < 100: backfilled. A 1-server job of
  // 500 s would hold a server the head needs at 100 (no extra servers then): not started.
  EasyBackfillPolicy p(PolicyOptions({}));
  SchedulerView v;
  v.now = 0;
  v.clusters = {cluster("a", 4, 2)};
  v.running = {running(9, 0, 2, 0, 100)};
  v.queue = {job(0, 32, {1000}), job(1, 8, {500}), job(2, 8, {50})};
  auto out = p.schedule(v);
  REQUIRE(out.size() == 1);
  CHECK(out[0].job == 2);
  // With a fifth server, the head needs only 4 of the 5 free at t = 100: one extra, so the long one may go.
  v.clusters = {cluster("a", 5, 3)};
  out = p.schedule(v);
  REQUIRE(out.size() == 2);
  CHECK(out[0].job == 1);
  CHECK(out[1].job == 2);
}

TEST_CASE("EASY backfill never delays the head: its reservation holds whatever is backfilled", "[sched][backfill]") {
  // Invariant over many small cases: after backfilling, the head can still start at its shadow time.
  EasyBackfillPolicy p(PolicyOptions({}));
  for (int free = 0; free <= 3; ++free)
    for (double rt : {10.0, 90.0, 110.0, 1000.0}) {
      SchedulerView v;
      v.clusters = {cluster("a", 4, free)};
      v.running = {running(9, 0, 4 - free, 0, 100)};
      v.queue = {job(0, 32, {1000}), job(1, 8, {rt}), job(2, 16, {rt})};
      int held_at_shadow = 0;  // servers backfilled jobs still hold at t = 100
      for (const Placement& pl : p.schedule(v)) {
        CHECK(pl.job != 0);
        if (rt > 100) held_at_shadow += pl.job == 1 ? 1 : 2;
      }
      CHECK(held_at_shadow == 0);  // all 4 servers are free at t = 100 for the head
    }
}

TEST_CASE("SJF starts the shortest job first and lets others pass", "[sched]") {
  SjfPolicy p(PolicyOptions({}));
  SchedulerView v;
  v.clusters = {cluster("a", 2, 2)};
  v.queue = {job(0, 16, {900}), job(1, 8, {60}), job(2, 8, {300})};
  auto out = p.schedule(v);
  REQUIRE(out.size() == 2);
  CHECK(out[0].job == 1);
  CHECK(out[1].job == 2);
}

TEST_CASE("LAS preempts the longest-served job for a job that has run less", "[sched][las]") {
  PolicyOptions o({{"quantum", "10min"}, {"gap", "100"}});
  LasPolicy p(o);
  SchedulerView v;
  v.now = 7200;
  v.clusters = {cluster("a", 4, 0)};
  // Two running jobs of 2 servers: attained 1,000 and 50,000 GPU-seconds; the newcomer has 0.
  v.running = {running(5, 0, 2, 0, 9000, 1000), running(6, 0, 2, 0, 9000, 50000)};
  v.queue = {job(0, 16, {100})};
  auto victims = p.preempt(v);
  REQUIRE(victims.size() == 1);
  CHECK(victims[0] == 6);
  // A job that started within the quantum is not preempted.
  v.running[1].start_time = 7000;
  CHECK(p.preempt(v) == std::vector<std::size_t>{5});
  // Nor is one whose service is not larger by the gap.
  v.running = {running(5, 0, 4, 0, 9000, 50)};
  CHECK(p.preempt(v).empty());
}

TEST_CASE("locality waits for the data's site when moving the data would take longer", "[sched][locality]") {
  LocalityPolicy p(PolicyOptions({}));
  SchedulerView v;
  v.now = 0;
  v.clusters = {cluster("data", 4, 0), cluster("far", 4, 4)};
  v.running = {running(9, 0, 4, 0, 600)};  // the data site frees up at t = 600
  PendingJob j = job(0, 32, {1000, 1000});
  j.data_site = 0;
  j.transfer_s_to = {0, 3600};  // an hour to move the data
  v.queue = {j};
  CHECK(p.schedule(v).empty());  // wait 600 s beats moving for 3600 s
  j.transfer_s_to = {0, 60};  // a minute to move: go now
  v.queue = {j};
  auto out = p.schedule(v);
  REQUIRE(out.size() == 1);
  CHECK(out[0].cluster_state == 1);
}

TEST_CASE("cost-aware and carbon-aware pick the cheapest and the cleanest cluster this hour", "[sched]") {
  SchedulerView v;
  v.clusters = {cluster("a", 4, 4), cluster("b", 4, 4)};
  v.clusters[0].price_per_kwh_now = 0.12, v.clusters[0].carbon_g_per_kwh_now = 100;
  v.clusters[1].price_per_kwh_now = 0.05, v.clusters[1].carbon_g_per_kwh_now = 600;
  v.queue = {job(0, 8, {10, 10})};
  GreenestPolicy cost(PolicyOptions({}), false), carbon(PolicyOptions({}), true);
  CHECK(cost.schedule(v).at(0).cluster_state == 1);
  CHECK(carbon.schedule(v).at(0).cluster_state == 0);
}

TEST_CASE("spillover fills regional nodes before the large center", "[sched]") {
  Diagnostics d;
  SchedulerSpec spec;
  spec.policy = "spillover";
  auto p = PolicyRegistry::instance().create(spec, d);  // the one-file policy, through its registration
  REQUIRE(p);
  SchedulerView v;
  v.clusters = {cluster("center", 64, 64, SiteKind::Center), cluster("node-a", 4, 4), cluster("node-b", 4, 1)};
  v.queue = {job(0, 32, {1, 1, 1}), job(1, 16, {1, 1, 1}), job(2, 8, {1, 1, 1})};
  auto out = p->schedule(v);
  REQUIRE(out.size() == 3);
  CHECK(out[0].cluster_state == 1);  // node-a: 4 servers
  CHECK(out[1].cluster_state == 0);  // nodes full for 2 servers: the center
  CHECK(out[2].cluster_state == 2);  // node-b's last server
}

TEST_CASE("every policy is registered under its YAML name", "[sched]") {
  for (const char* name : {"fifo", "easy-backfill", "sjf", "las", "locality", "cost-aware", "carbon-aware", "spillover"}) {
    INFO(name);
    CHECK(PolicyRegistry::instance().contains(name));
    Diagnostics d;
    SchedulerSpec spec;
    spec.policy = name;
    CHECK(PolicyRegistry::instance().create(spec, d) != nullptr);
  }
}
