// FIFO on hand-built views: order is kept, the head blocks the queue, sites pin.
#include <catch2/catch.hpp>

#include "rcn/sched/fifo_policy.hpp"
#include "rcn/sched/policy_registry.hpp"
#include "tests/sched/policy_views.hpp"

using namespace rcn;
using test::cluster;

namespace {
PendingJob job(std::size_t id, int gpus, std::optional<std::string> site = std::nullopt) {
  PendingJob p;
  p.job = id;
  p.gpus = gpus;
  p.site = site;
  return p;
}
}  // namespace

TEST_CASE("FIFO places jobs in order on the first cluster that fits", "[sched]") {
  FifoPolicy fifo(PolicyOptions({}));
  SchedulerView v;
  v.clusters = {cluster("a", 4, 4), cluster("b", 8, 8)};
  v.queue = {job(0, 24), job(1, 16), job(2, 8)};  // 3, 2 and 1 servers
  auto p = fifo.schedule(v);
  REQUIRE(p.size() == 3);
  CHECK((p[0].job == 0 && p[0].cluster_state == 0));  // a: 4 -> 1 free
  CHECK((p[1].job == 1 && p[1].cluster_state == 1));  // does not fit a any more
  CHECK((p[2].job == 2 && p[2].cluster_state == 0));  // fits the last server of a
}

TEST_CASE("FIFO never lets a later job pass a head that does not fit", "[sched]") {
  FifoPolicy fifo(PolicyOptions({}));
  SchedulerView v;
  v.clusters = {cluster("a", 4, 2)};
  v.queue = {job(0, 32), job(1, 8)};  // head needs 4 servers, only 2 free; the small one could fit
  CHECK(fifo.schedule(v).empty());
}

TEST_CASE("FIFO honours a job's site and counts partial servers whole", "[sched]") {
  FifoPolicy fifo(PolicyOptions({}));
  SchedulerView v;
  v.clusters = {cluster("a", 4, 4), cluster("b", 4, 4)};
  v.queue = {job(0, 9, std::string("b"))};  // 9 GPUs -> 2 servers of 8
  auto p = fifo.schedule(v);
  REQUIRE(p.size() == 1);
  CHECK(p[0].cluster_state == 1);
  CHECK(v.clusters[1].servers_for(9) == 2);
}

TEST_CASE("the registry knows fifo and refuses unknown names and options", "[sched]") {
  auto& reg = PolicyRegistry::instance();
  CHECK(reg.contains("fifo"));
  Diagnostics d;
  SchedulerSpec spec;
  spec.policy = "fifo";
  CHECK(reg.create(spec, d) != nullptr);
  spec.options["greedy"] = "yes";
  CHECK(reg.create(spec, d) == nullptr);
  spec.options.clear();
  spec.policy = "fiffo";
  CHECK(reg.create(spec, d) == nullptr);
  CHECK(d.error_count() == 2);
}

TEST_CASE("FIFO shrinks an elastic job only when its full size fits nowhere", "[sched]") {
  FifoPolicy fifo(PolicyOptions({}));
  SchedulerView v;
  v.clusters = {cluster("a", 4, 3)};
  PendingJob j = job(0, 32);
  j.shrink_gpus = {24, 16};
  v.queue = {j};
  auto p = fifo.schedule(v);
  REQUIRE(p.size() == 1);
  CHECK(p[0].gpus == 24);  // the largest size that fits 3 free servers
  v.clusters = {cluster("a", 4, 4)};
  p = fifo.schedule(v);
  CHECK(p[0].gpus == 0);  // full size fits: no shrink
}

TEST_CASE("FIFO starts a job across sites on the first offered split with room, else it holds the head",
          "[sched][cross-site]") {
  FifoPolicy fifo(PolicyOptions({}));
  CHECK(fifo.places_cross_site());
  SchedulerView v;
  v.clusters = {cluster("a", 4, 1), cluster("b", 4, 4), cluster("c", 4, 2)};
  PendingJob x = job(0, 32);  // across sites: 2 shares of 16 GPUs (2 servers) or 4 of 8 (1 server)
  x.across_sites = true;
  for (std::size_t c = 0; c < 3; ++c) x.not_allowed_on.emplace_back(c, 0);
  v.queue = {x, job(1, 8)};
  // Offered best first: {a, b} (a has 1 server free, a share needs 2: no room), then {b, c}.
  v.cross_site_splits[0] = {{0, 1}, {1, 2}};
  auto p = fifo.schedule(v);
  REQUIRE(p.size() == 2);
  CHECK(p[0].job == 0);
  CHECK(p[0].split == std::vector<std::size_t>{1, 2});
  // b: 4 - 2 = 2 free, c: 2 - 2 = 0: job 1 (1 server) takes a, the first cluster with room.
  CHECK((p[1].job == 1 && p[1].cluster_state == 0 && p[1].split.empty()));
  // No split offered (none fits now): the job across sites holds the head, job 1 waits behind it.
  v.cross_site_splits.clear();
  CHECK(fifo.schedule(v).empty());
  // Offered but with no room left for every share: the same.
  v.cross_site_splits[0] = {{0, 2}};
  CHECK(fifo.schedule(v).empty());
}
