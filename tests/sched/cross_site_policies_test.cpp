// Every built-in policy places jobs across sites (PendingJob::across_sites) on one of the
// splits the engine offers (SchedulerView::cross_site_splits), each by its own rule
// (docs/scheduling.md, "Jobs across sites"), on hand-built views. FIFO's own test is in
// fifo_policy_test.cpp.
#include <catch2/catch.hpp>

#include <limits>

#include "rcn/sched/builtin_policies.hpp"
#include "rcn/sched/policy_registry.hpp"
#include "tests/sched/policy_views.hpp"

using namespace rcn;

namespace {

// Clusters of 4 servers of 8 GPUs, one per site (site index = cluster index).
SchedulerView view(const std::vector<int>& free, const std::vector<SiteKind>& kinds = {}) {
  SchedulerView v;
  for (std::size_t c = 0; c < free.size(); ++c) {
    v.clusters.push_back(test::cluster(std::string(1, static_cast<char>('a' + c)), 4, free[c],
                                       c < kinds.size() ? kinds[c] : SiteKind::Node));
    v.clusters.back().site = c;
  }
  return v;
}

PendingJob job(const SchedulerView& v, std::size_t id, int gpus, double runtime = 100) {
  PendingJob p;
  p.job = id;
  p.gpus = gpus;
  p.submit_time = static_cast<double>(id);
  p.runtime_on.assign(v.clusters.size(), runtime);
  p.transfer_s_to.assign(v.clusters.size(), 0.0);
  return p;
}

// A job across the sites `sites` (a split of sites.size() shares), which no single cluster takes.
PendingJob across(const SchedulerView& v, std::size_t id, int gpus, const std::vector<std::size_t>& sites) {
  PendingJob p = job(v, id, gpus, std::numeric_limits<double>::infinity());
  p.across_sites = true;
  for (const ClusterState& c : v.clusters) p.not_allowed_on.emplace_back(c.site, c.cluster);
  for (std::size_t s : sites) p.share_clusters.push_back({s});
  p.split_counts = {static_cast<int>(sites.size())};
  return p;
}

bool every_policy_places_cross_site() {
  for (const std::string& name : PolicyRegistry::instance().names()) {
    Diagnostics diags;
    SchedulerSpec spec;
    spec.policy = name;
    if (!PolicyRegistry::instance().create(spec, diags)->places_cross_site()) return false;
  }
  return true;
}

}  // namespace

TEST_CASE("every built-in policy places jobs across sites itself", "[sched][cross-site]") {
  CHECK(PolicyRegistry::instance().names().size() == 8);
  CHECK(every_policy_places_cross_site());
}

TEST_CASE("EASY backfill reserves for a head across sites and backfills only what spares it",
          "[sched][cross-site]") {
  EasyBackfillPolicy easy(PolicyOptions({}));
  // a: 0 of 4 free (a running job of 4 servers ends at 100); b: 4 free.
  SchedulerView v = view({0, 4});
  v.running.push_back({9, 0, 4, 0, 100, 0, false});
  // x across a and b, 16 GPUs: one server at each. It fits now at b but not at a: no split
  // offered, x is the head. Its reservation: a frees at 100, b now -> shadow = max(100, 0) = 100,
  // one server on a and one on b. Servers of b free at 100 beyond x's: 4 - 1 = 3.
  const PendingJob x = across(v, 0, 16, {0, 1});
  // y: 4 servers, ends at 200 > 100: would take b's reserved server -> not backfilled.
  // z: 1 server, 500 s: 1 <= 3 spare on b -> backfilled on b (spare now 2).
  // w: 3 servers, 50 s: 3 > 2 spare, but ends at 50 <= 100 -> backfilled on b.
  v.queue = {x, job(v, 1, 32, 200), job(v, 2, 8, 500), job(v, 3, 24, 50)};
  auto p = easy.schedule(v);
  REQUIRE(p.size() == 2);
  CHECK((p[0].job == 2 && p[0].cluster_state == 1 && p[0].split.empty()));
  CHECK((p[1].job == 3 && p[1].cluster_state == 1));
  // a frees: the engine offers {a, b}; x, at the head, starts on it first, y (4 servers) then
  // fits nowhere (a 3 left, b 3 left) and becomes the head.
  v.running.clear();
  v.clusters[0].free_servers = 4;
  v.cross_site_splits[0] = {{0, 1}};
  p = easy.schedule(v);
  REQUIRE(p.size() >= 1);
  CHECK((p[0].job == 0 && p[0].split == std::vector<std::size_t>{0, 1}));
  for (const Placement& q : p) CHECK(q.job != 1);
}

TEST_CASE("EASY backfill starts a job across sites behind a head only where it spares the reservation",
          "[sched][cross-site]") {
  EasyBackfillPolicy easy(PolicyOptions({}));
  // a: 1 of 4 free, a running job of 3 servers ends at 100; b, c: 2 free each, nothing running.
  SchedulerView v = view({1, 2, 2});
  v.running.push_back({9, 0, 3, 0, 100, 0, false});
  // Head h: 4 servers anywhere. a: earliest_free = 100 (1 + 3); b, c never (nothing running
  // there, 2 free < 4) -> reserved on a at 100, spare on a then 1 + 3 - 4 = 0.
  const PendingJob h = job(v, 0, 32, 10);
  // x across sites: 16 GPUs in 2 shares of 1 server; offered {a, b} first, then {b, c}.
  PendingJob x = across(v, 1, 16, {0, 1, 2});
  x.split_counts = {2};
  v.queue = {h, x};
  v.cross_site_splits[1] = {{0, 1}, {1, 2}};
  SECTION("it ends after the shadow time: not on a (no spare), on {b, c}") {
    v.cross_site_time_s[1] = {1000, 1000};
    const auto p = easy.schedule(v);
    REQUIRE(p.size() == 1);
    CHECK((p[0].job == 1 && p[0].split == std::vector<std::size_t>{1, 2}));
  }
  SECTION("it ends by the shadow time (50 <= 100): the first split offered, {a, b}") {
    v.cross_site_time_s[1] = {50, 50};
    const auto p = easy.schedule(v);
    REQUIRE(p.size() == 1);
    CHECK((p[0].job == 1 && p[0].split == std::vector<std::size_t>{0, 1}));
  }
}

TEST_CASE("SJF orders a job across sites by its estimated time on the quickest offered split",
          "[sched][cross-site]") {
  SjfPolicy sjf(PolicyOptions({}));
  SchedulerView v = view({4, 4});
  // n: 4 servers, 300 s on either cluster. x: 32 GPUs across a and b (2 servers each).
  v.queue = {job(v, 0, 32, 300), across(v, 1, 32, {0, 1})};
  v.cross_site_splits[1] = {{0, 1}};
  SECTION("x (200 s) is shorter: it goes first, and n (4 servers) then fits nowhere") {
    v.cross_site_time_s[1] = {200};
    const auto p = sjf.schedule(v);
    REQUIRE(p.size() == 1);
    CHECK((p[0].job == 1 && p[0].split == std::vector<std::size_t>{0, 1}));
  }
  SECTION("x (400 s) is longer: n takes a first, and x no longer has its share there") {
    v.cross_site_time_s[1] = {400};
    const auto p = sjf.schedule(v);
    REQUIRE(p.size() == 1);
    CHECK((p[0].job == 0 && p[0].cluster_state == 0));
  }
}

TEST_CASE("LAS places a job across sites by attained service and never preempts for it", "[sched][cross-site]") {
  LasPolicy las(PolicyOptions({}));
  SchedulerView v = view({1, 1});
  PendingJob n = job(v, 0, 8);
  n.attained_service_s = 1e6;
  const PendingJob x = across(v, 1, 16, {0, 1});  // attained 0: first
  v.queue = {n, x};
  v.cross_site_splits[1] = {{0, 1}};
  auto p = las.schedule(v);
  REQUIRE(p.size() == 1);  // x takes a's and b's last server; n fits nowhere after it
  CHECK((p[0].job == 1 && p[0].split == std::vector<std::size_t>{0, 1}));
  // Nothing free, x waits: a preemptible job that has run 2 h with 1e7 GPU-s would be a victim
  // for a plain job of attained 0, but LAS does not preempt for a job across sites.
  v = view({0, 0});
  v.now = 7200;
  v.running.push_back({5, 0, 4, 0, 1e9, 1e7, true});
  v.queue = {x};
  CHECK(las.preempt(v).empty());
  PendingJob plain = job(v, 2, 8);
  v.queue = {plain};
  CHECK(las.preempt(v) == std::vector<std::size_t>{5});
}

TEST_CASE("locality takes the offered split whose slowest data transfer is least", "[sched][cross-site]") {
  LocalityPolicy locality(PolicyOptions({}));
  SchedulerView v = view({4, 4, 4});
  PendingJob x = across(v, 0, 16, {0, 1, 2});
  x.split_counts = {2};
  x.data_site = 1;
  x.transfer_s_to = {500, 0, 800};  // the dataset lives at b
  v.queue = {x};
  // Offered {a, c} first (max 800 s of transfer), then {a, b} (max 500 s): {a, b}.
  v.cross_site_splits[0] = {{0, 2}, {0, 1}};
  const auto p = locality.schedule(v);
  REQUIRE(p.size() == 1);
  CHECK(p[0].split == std::vector<std::size_t>{0, 1});
}

TEST_CASE("cost-aware and carbon-aware take the cheapest and the cleanest offered split", "[sched][cross-site]") {
  SchedulerView v = view({4, 4, 4});
  const double price[] = {0.10, 0.30, 0.05}, carbon[] = {100, 50, 400};
  for (std::size_t c = 0; c < 3; ++c) v.clusters[c].price_per_kwh_now = price[c], v.clusters[c].carbon_g_per_kwh_now = carbon[c];
  PendingJob x = across(v, 0, 16, {0, 1, 2});
  x.split_counts = {2};
  v.queue = {x, job(v, 1, 8)};
  v.cross_site_splits[0] = {{0, 1}, {0, 2}};
  // Mean price: {a, b} (0.10 + 0.30) / 2 = 0.20, {a, c} (0.10 + 0.05) / 2 = 0.075 -> {a, c}.
  auto p = GreenestPolicy(PolicyOptions({}), false).schedule(v);
  REQUIRE(p.size() == 2);
  CHECK(p[0].split == std::vector<std::size_t>{0, 2});
  CHECK(p[1].cluster_state == 2);  // job 1: the cheapest cluster with room (c: 3 left)
  // Mean carbon: {a, b} (100 + 50) / 2 = 75, {a, c} (100 + 400) / 2 = 250 -> {a, b}.
  p = GreenestPolicy(PolicyOptions({}), true).schedule(v);
  REQUIRE(p.size() == 2);
  CHECK(p[0].split == std::vector<std::size_t>{0, 1});
  // No split offered: the head waits and, FIFO, so does job 1.
  v.cross_site_splits.clear();
  CHECK(GreenestPolicy(PolicyOptions({}), false).schedule(v).empty());
}

TEST_CASE("spillover takes the offered split with the fewest shares on the large center", "[sched][cross-site]") {
  Diagnostics diags;
  SchedulerSpec spec;
  spec.policy = "spillover";
  const auto spill = PolicyRegistry::instance().create(spec, diags);
  REQUIRE(spill);
  SchedulerView v = view({4, 4, 4}, {SiteKind::Center, SiteKind::Node, SiteKind::Node});
  PendingJob x = across(v, 0, 16, {0, 1, 2});
  x.split_counts = {2};
  v.queue = {x, job(v, 1, 8)};
  v.cross_site_splits[0] = {{0, 1}, {1, 2}};  // {center, b} first, then {b, c}: all on nodes
  auto p = spill->schedule(v);
  REQUIRE(p.size() == 2);
  CHECK(p[0].split == std::vector<std::size_t>{1, 2});
  CHECK(p[1].cluster_state == 1);  // job 1: the first node with room
  v.cross_site_splits.clear();  // none offered: the head waits, and job 1 behind it
  CHECK(spill->schedule(v).empty());
}
