// One training job across sites (docs/cross-site.md): the WAN part of the
// hierarchical all-reduce against its closed form, local-sgd's WAN bytes,
// two jobs sharing a WAN link, a site outage with and without `elastic`, and
// the loader's refusals. Each TEST_CASE runs in its own process (one SimGrid
// engine per process).
#include <catch2/catch.hpp>

#include <cmath>
#include <numeric>

#include <fmt/format.h>

#include "rcn/engine/simulation.hpp"
#include "rcn/models/cross_site_sync.hpp"
#include "rcn/models/training_step.hpp"
#include "tests/load_scenario.hpp"

using namespace rcn;

namespace {

// Two sites of 2 H100 servers each, joined by a 10 Gb/s, 5 ms link; a 16-GPU job
// (8 per site) of a small model, whose exchange (115M parameters) the WAN dominates.
// `island`: a third site no WAN link reaches (refused by the platform check, not the loader).
std::string two_sites(const std::string& jobs, const std::string& extra = "", bool island = false) {
  return R"(name: xsite
horizon: 30d
sites:
  - {name: a, clusters: [{gpu: h100-sxm, servers: 4, gpus_per_server: 8}]}
  - {name: b, clusters: [{gpu: h100-sxm, servers: 4, gpus_per_server: 8}]}
)" + std::string(island ? "  - {name: island, clusters: [{gpu: h100-sxm, servers: 1, gpus_per_server: 8}]}\n" : "") +
         R"(wan:
  - {from: a, to: b, bandwidth: 10Gbps, latency: 5ms}
models:
  m: {layers: 4, hidden: 1024, heads: 8, kv_heads: 8, ffn: 4096, vocab: 32000, seq: 1024}
workloads:
  training:
)" + jobs + extra;
}

const char* kJob = "    - {name: x, model: m, gpus: 16, parallelism: {dp: 16}, global_batch: 64, steps: 400, sites: [a, b]";

// The scenario with storage writing 1 GB/s and reading 2 GB/s at every site.
std::string with_storage(std::string y) {
  const std::string plain = "gpus_per_server: 8}]}";
  for (std::size_t at = y.find(plain); at != std::string::npos; at = y.find(plain, at + 1))
    y.replace(at, plain.size(), "gpus_per_server: 8, storage: {write_bandwidth: 1GB/s, read_bandwidth: 2GB/s}}]}");
  return y;
}

SimulationResult run(const std::string& yaml) { return run_simulation(test::load_scenario(yaml, "xsite.yaml")); }

double sum_wan_bytes(const SimulationResult& r, const std::string& job) {
  double total = 0;
  for (const CrossSiteRow& row : r.cross_site)
    if (row.job == job) total += row.wan_bytes;
  return total;
}

}  // namespace

TEST_CASE("cross-site sync: closed forms of the ring over the WAN", "[models][cross-site]") {
  // S = 1 GB, 10 Gb/s = 1.25e9 B/s, L = 5 ms. Two sites: 2 L + S / B = 0.01 + 0.8 s.
  CHECK(cross_site_all_reduce_s(1e9, 2, 0.005, 1.25e9) == Approx(0.81));
  // Three sites: 4 L + 4/3 S / B = 0.02 + 1.0667 s; each site sends 4/3 S.
  CHECK(cross_site_all_reduce_s(1e9, 3, 0.005, 1.25e9) == Approx(0.02 + 4.0 / 3 * 0.8));
  CHECK(ring_bytes_per_site(1e9, 3) == Approx(4e9 / 3));
  CHECK(cross_site_all_reduce_s(1e9, 1, 0.005, 1.25e9) == 0);
  // The hierarchical all-reduce adds the intra-site reduce-scatter and all-gather.
  CHECK(hierarchical_all_reduce(1e9, 2, 0.005, 1.25e9, 0.1, 0.2).total_s() == Approx(1.11));
  // Pseudo-gradient bytes per parameter: fp32 4, fp16 2, int8 1, top-1% 0.01 x (4 + 4).
  CHECK(pseudo_gradient_bytes_per_param(PseudoGradientCompression::None, 0) == 4);
  CHECK(pseudo_gradient_bytes_per_param(PseudoGradientCompression::Int8, 0) == 1);
  CHECK(pseudo_gradient_bytes_per_param(PseudoGradientCompression::TopK, 0.01) == Approx(0.08));
  // Overlapped, the exchange hides behind the H inner steps: max(100 x 1 s, 30 s).
  CHECK(exchange_period_s(1.0, 100, 30, true) == 100);
  CHECK(exchange_period_s(1.0, 100, 30, false) == 130);
}

// One step of job x (or any 16-GPU job of model m) on an idle WAN: the share's step
// (dp 8, 32 sequences, from the step model tested in tests/models) plus the ring's closed
// form for the fp32 gradient, S = 4 x params, over two sites: 2 L + S / B.
struct SyncStep {
  TrainingStep share;
  double wan_s = 0;
  double total() const { return share.step_time_s + wan_s; }
};
SyncStep sync_step(const Scenario& s) {
  TrainingJobSpec share = s.training[0];
  share.gpus = 8, share.parallelism.dp = 8, share.global_batch = 32, share.cross_site = nullptr;
  SyncStep st;
  st.share = training_step(*s.find_model("m"), share, *s.find_profile("h100-sxm"), ClusterLinks::of(s.sites[0].clusters[0]));
  st.wan_s = cross_site_all_reduce_s(4 * st.share.params, 2, 0.005, 10e9 / 8);
  return st;
}

TEST_CASE("cross-site sync on an idle WAN: each step is the share's step plus the ring's closed form",
          "[engine][cross-site]") {
  const Scenario s = test::load_scenario(two_sites(std::string(kJob) + "}\n"), "xsite.yaml");
  const SimulationResult r = run_simulation(s);
  REQUIRE(r.jobs.size() == 1);
  const JobResult& j = r.jobs[0];
  REQUIRE(j.state == JobState::Finished);
  CHECK(std::string(j.site) == "a+b");
  const SyncStep st = sync_step(s);
  CHECK(st.wan_s > 10 * st.share.step_time_s);  // the WAN dominates: the check is about it
  CHECK(j.time_to_train_s == Approx(400 * st.total()).epsilon(1e-6));
  REQUIRE(r.cross_site.size() == 2);
  CHECK(r.cross_site[0].exchanges == 400);
  CHECK(r.cross_site[0].cross_site_sync_s == Approx(400 * st.wan_s).epsilon(1e-6));
  // Each site sends S per exchange (2 (s - 1) / s = 1 with two sites).
  CHECK(sum_wan_bytes(r, "x") == Approx(2 * 400 * 4 * st.share.params).epsilon(1e-6));
  CHECK(r.cross_site[0].compute_utilisation == Approx(st.share.step_time_s / st.total()).epsilon(1e-6));
  // The link's bytes in wan.csv include the exchange.
  REQUIRE(r.wan_links.size() == 1);
  CHECK(r.wan_links[0].bytes == Approx(2 * 400 * 4 * st.share.params).epsilon(1e-6));
  // Its cost: each share's 8 GPUs for the whole run at its own cluster's GPU-hour rate.
  REQUIRE(r.tco.clusters.size() == 2);
  const double hours = j.time_to_train_s / 3600;
  CHECK(r.cross_site[1].gpu_hours == Approx(8 * hours).epsilon(1e-6));
  CHECK(j.cost == Approx(8 * hours * (r.tco.clusters[0].gpu_hour_rate + r.tco.clusters[1].gpu_hour_rate)).epsilon(1e-6));
  CHECK(j.cost > 0);
}

TEST_CASE("local-sgd moves 1/H of sync's WAN bytes, and the compression ratio on top", "[engine][cross-site]") {
  // Same model and tokens; sync exchanges 400 times, local-sgd with H = 10 40 times, the same S
  // uncompressed (fp32 gradient, fp32 pseudo-gradient), S / 2 in fp16, S / 4 in int8, and top-5%
  // 0.05 x 8 / 4 = S / 10. Contention changes times, never bytes.
  auto job = [](const std::string& name, const std::string& keys) {
    return "    - {name: " + name +
           ", model: m, gpus: 16, parallelism: {dp: 16}, global_batch: 64, steps: 400, sites: [a, b]" + keys + "}\n";
  };
  const std::string local = ", sync: local-sgd, local_sgd: {inner_steps: 10";
  const SimulationResult r = run(two_sites(job("sync", "") + job("local", local + "}") +
                                           job("fp16", local + ", compression: fp16}") +
                                           job("int8", local + ", compression: int8}") +
                                           job("topk", local + ", compression: topk, topk_ratio: 0.05}")));
  for (const JobResult& j : r.jobs) CHECK(j.state == JobState::Finished);
  const double sync = sum_wan_bytes(r, "sync");
  REQUIRE(sync > 0);
  CHECK(sum_wan_bytes(r, "local") == Approx(sync / 10).epsilon(1e-9));
  CHECK(sum_wan_bytes(r, "fp16") == Approx(sync / 20).epsilon(1e-9));
  CHECK(sum_wan_bytes(r, "int8") == Approx(sync / 40).epsilon(1e-9));
  CHECK(sum_wan_bytes(r, "topk") == Approx(sync / 100).epsilon(1e-9));
  for (const CrossSiteRow& row : r.cross_site) CHECK(row.exchanges == (row.job == "sync" ? 400 : 40));
}

TEST_CASE("two cross-site jobs sharing a WAN link each slow down", "[engine][cross-site]") {
  auto job = [](const std::string& name) {
    return "    - {name: " + name +
           ", model: m, gpus: 16, parallelism: {dp: 16}, global_batch: 64, steps: 400, sites: [a, b]}\n";
  };
  const Scenario s = test::load_scenario(two_sites(job("p") + job("q")), "xsite.yaml");
  const SimulationResult r = run_simulation(s);
  REQUIRE(r.jobs.size() == 2);
  // Alone a job takes 400 x (step + S / B + 2 L) (the case above). Together they start at
  // once and share the link half and half: each exchange takes 2 S / B, nearly doubling the time.
  const SyncStep st = sync_step(s);
  const double alone = 400 * st.total();
  const double shared = 400 * (st.share.step_time_s + 2 * (st.wan_s - 0.01) + 0.01);
  for (const JobResult& j : r.jobs) {
    CHECK(j.state == JobState::Finished);
    CHECK(j.start_s == 0);
    CHECK(j.time_to_train_s > 1.8 * alone);
    CHECK(j.time_to_train_s == Approx(shared).epsilon(1e-3));
  }
}

namespace {
// 2000 sync steps of ~0.38 s (about 770 s alone); site b is out from 100 s for 1000 s.
std::string outage(const std::string& elastic) {
  return two_sites("    - {name: x, model: m, gpus: 16, parallelism: {dp: 16}, global_batch: 64, steps: 2000, "
                   "sites: [a, b], elastic: " + elastic + "}\n",
                   "failures:\n  events:\n    - {at: 100s, target: b, kind: site-outage, duration: 1000s}\n");
}
}  // namespace

TEST_CASE("a site outage stops a job across sites that is not elastic: it waits for the site", "[engine][cross-site]") {
  const Scenario s = test::load_scenario(outage("false"), "xsite.yaml");
  const SimulationResult r = run_simulation(s);
  REQUIRE(r.jobs[0].state == JobState::Finished);
  const double alone = 2000 * sync_step(s).total();
  const double batch = alone / 200;  // exchanges are simulated in 200 batches of 10
  // The outage's 1000 s pass without progress; the batch it struck (at most one) is lost.
  REQUIRE(r.cross_site.size() == 2);
  CHECK(r.cross_site[0].waiting_s == Approx(1000).margin(batch));
  CHECK(r.jobs[0].interruptions == 1);
  CHECK(r.jobs[0].lost_work_s <= batch * 1.001);
  CHECK(r.jobs[0].time_to_train_s > alone + 1000 - batch);
  CHECK(r.jobs[0].time_to_train_s < alone + 1000 + 2 * batch);
}

TEST_CASE("a site outage: an elastic job across sites goes on with the other site", "[engine][cross-site]") {
  const Scenario s = test::load_scenario(outage("true"), "xsite.yaml");
  const SimulationResult r = run_simulation(s);
  REQUIRE(r.jobs[0].state == JobState::Finished);
  // Site a alone: no exchange, half the tokens per step; the ~1700 steps' worth left take
  // 2 x 1700 share steps of a few ms, so it ends soon after 100 s, long before b is back.
  const SyncStep st = sync_step(s);
  REQUIRE(r.cross_site.size() == 2);
  CHECK(r.cross_site[0].waiting_s == 0);
  CHECK(r.jobs[0].interruptions == 1);
  CHECK(r.jobs[0].time_to_train_s > 100);
  CHECK(r.jobs[0].time_to_train_s < 100 + 2 * 2000 * st.share.step_time_s + 2000 * st.total() / 200);
  // Site b sent nothing after the outage: fewer bytes than a.
  CHECK(r.cross_site[1].wan_bytes < r.cross_site[0].wan_bytes + 1);
}

TEST_CASE("sites: auto splits a job no single site fits, and keeps a small one on one site", "[engine][cross-site]") {
  // 64 GPUs: no site has them (32 each): two shares of 32. 16 GPUs, later: one site holds
  // them, and a split would add the slow WAN exchange to every step: one site.
  const SimulationResult r = run(two_sites(
      "    - {name: big, model: m, gpus: 64, parallelism: {dp: 64}, global_batch: 64, steps: 10, sites: auto}\n"
      "    - {name: small, model: m, submit: 1h, gpus: 16, parallelism: {dp: 16}, global_batch: 64, steps: 10, "
      "sites: auto}\n"));
  REQUIRE(r.jobs.size() == 2);
  CHECK(r.jobs[0].state == JobState::Finished);
  CHECK(std::string(r.jobs[0].site) == "a+b");
  CHECK(r.jobs[1].state == JobState::Finished);
  CHECK(std::string(r.jobs[1].site) == "a");
}

TEST_CASE("cross-site bad input: an unknown site, a split without a WAN route", "[scenario][cross-site]") {
  // The job is on line 12 (13 with the island site).
  test::check_refused(two_sites("    - {name: x, model: m, gpus: 16, global_batch: 64, steps: 4, sites: [a, bb]}\n"),
                      "xsite.yaml", "xsite.yaml:12:", "workloads.training[0].sites[1]");
  test::check_refused(two_sites("    - {name: x, model: m, gpus: 16, global_batch: 64, steps: 4, sites: [a, island]}\n", "", true),
                      "xsite.yaml", "xsite.yaml:13:", "workloads.training[0].sites[1]: no WAN route between sites a and island");
  test::check_refused(two_sites("    - {name: x, model: m, gpus: 16, global_batch: 64, steps: 4, sites: [a, b], "
                                "sync: local-sgd}\n"),
                      "xsite.yaml", "xsite.yaml:12:", "local_sgd");
  // A dataset needs the job's sites named (auto: refused), and a WAN route from its site.
  test::check_refused(two_sites("    - {name: x, model: m, gpus: 16, global_batch: 64, steps: 4, sites: auto, "
                                "dataset: {size: 1GB, site: a}}\n"),
                      "xsite.yaml", "xsite.yaml:12:", "workloads.training[0].dataset: dataset staging of a job with sites: auto");
  test::check_refused(two_sites("    - {name: x, model: m, gpus: 16, global_batch: 64, steps: 4, sites: [a, b], "
                                "dataset: {size: 1GB, site: island}}\n", "", true),
                      "xsite.yaml", "xsite.yaml:13:",
                      "workloads.training[0].dataset.site: no WAN route from the dataset's site island to the job's sites");
  // Checkpoints are blocking, each share writing to its own site: async is refused at its key.
  test::check_refused(with_storage(two_sites("    - {name: x, model: m, gpus: 16, global_batch: 64, steps: 4, "
                                             "sites: [a, b], checkpoint: {interval: 1h, async: true}}\n")),
                      "xsite.yaml", "xsite.yaml:12:",
                      "workloads.training[0].checkpoint.async: asynchronous checkpoints of a job across sites are not "
                      "modelled");
  // Data residency (issue #18 item 4): no share of the job may run outside it.
  test::check_refused(two_sites("    - {name: x, model: m, gpus: 16, global_batch: 64, steps: 4, sites: [a, b], "
                                "residency: [a]}\n"),
                      "xsite.yaml", "xsite.yaml:12:", "workloads.training[0].sites[1]: site b (region b) is outside the job's residency [a]");
}

namespace {
// Job x with checkpoints every 3 s of useful time on sites whose storage writes 1 GB/s and
// reads 2 GB/s; 200 sync steps (one per simulated batch); site b is out from `at` for 100 s.
std::string checkpointed(double at) {
  return with_storage(two_sites("    - {name: x, model: m, gpus: 16, parallelism: {dp: 16}, global_batch: 64, steps: 200, "
                                 "sites: [a, b], checkpoint: {interval: 3s}}\n",
                                 fmt::format("failures:\n  events:\n    - {{at: {}s, target: b, kind: site-outage, "
                                             "duration: 100s}}\n",
                                             at)));
}
}  // namespace

TEST_CASE("checkpoints of a job across sites: each share writes to its own site, a failure rolls all back",
          "[engine][cross-site]") {
  // Closed form. P = one sync step (share step + 2 L + S / B, sync_step above); a checkpoint
  // follows the first step at which 3 s of useful time have passed since the last, so every
  // n = ceil(3 / P) steps, and takes W = 14 B x params / 1 GB/s (each site writes the whole state
  // to its own storage, both at once); a reload takes R = 14 B x params / 2 GB/s.
  // b fails 2.5 steps after the second checkpoint (in the third step's exchange): that step
  // ends, is lost with the 2 before it (lost work 3 P); the job waits for b (100 s after the
  // failure), both shares reload the second checkpoint (R), and the 200 - 2n steps left run
  // with a checkpoint after every n except the last: k = ceil((200 - 2n) / n) - 1 more.
  const Scenario probe = test::load_scenario(checkpointed(1e6), "xsite.yaml");
  const SyncStep st = sync_step(probe);
  const double P = st.total(), params = st.share.params;
  const double W = 14 * params / 1e9, R = 14 * params / 2e9;
  const int n = static_cast<int>(std::ceil(3 / P));
  REQUIRE(std::abs(3 / P - std::round(3 / P)) > 0.05);  // no tie at the checkpoint boundary
  const double fail_at = 2 * (n * P + W) + 2.5 * P;
  const Scenario s = test::load_scenario(checkpointed(fail_at), "xsite.yaml");
  const SimulationResult r = run_simulation(s);
  REQUIRE(r.jobs.size() == 1);
  const JobResult& j = r.jobs[0];
  REQUIRE(j.state == JobState::Finished);
  const int k = static_cast<int>(std::ceil((200.0 - 2 * n) / n)) - 1;
  CHECK(j.interruptions == 1);
  CHECK(j.checkpoints == 2 + k);
  CHECK(j.checkpoint_overhead_s == Approx((2 + k) * W).epsilon(1e-6));
  CHECK(j.lost_work_s == Approx(3 * P).epsilon(1e-6));
  CHECK(j.restart_overhead_s == Approx(R).epsilon(1e-6));
  CHECK(j.time_to_train_s == Approx(fail_at + 100 + R + (200 - 2 * n) * P + k * W).epsilon(1e-6));
  // Nothing of the checkpoints crosses the WAN: its bytes are the exchanges' alone, S per site and
  // step (the 3 lost steps included: they were sent).
  REQUIRE(r.wan_links.size() == 1);
  CHECK(r.wan_links[0].bytes == Approx(2 * (200 + 3) * 4 * params).epsilon(1e-6));
}

namespace {
// Job big takes all 4 servers of site a from 0 for 20000 steps (over a minute); x (across a and b, one server
// each) is submitted at 1 s, small (one server, site b) at 2 s.
std::string queue_order(const std::string& policy) {
  return two_sites("    - {name: big, model: m, gpus: 32, parallelism: {dp: 32}, global_batch: 64, steps: 20000, site: a}\n"
                   "    - {name: x, model: m, submit: 1s, gpus: 16, parallelism: {dp: 16}, global_batch: 64, steps: 10, "
                   "sites: [a, b]}\n"
                   "    - {name: small, model: m, submit: 2s, gpus: 8, parallelism: {dp: 8}, global_batch: 64, "
                   "steps: 10, site: b}\n",
                   "scheduler: {policy: " + policy + "}\n");
}
}  // namespace

TEST_CASE("FIFO places a job across sites in its queue: the job behind it waits, as behind any head",
          "[engine][cross-site][sched]") {
  // x waits at the head of FIFO's queue for site a; small, behind it, fits at b but waits with it
  // (FIFO never lets a later job pass a waiting head). When big ends, FIFO starts x on the split
  // offered (a and b) and small beside it, at the same instant.
  const SimulationResult r = run(queue_order("fifo"));
  REQUIRE(r.jobs.size() == 3);
  for (const JobResult& j : r.jobs) REQUIRE(j.state == JobState::Finished);
  const double big_end = r.jobs[0].end_s;
  CHECK(big_end > 2);
  CHECK(std::string(r.jobs[1].site) == "a+b");
  CHECK(r.jobs[1].start_s == Approx(big_end).epsilon(1e-12));
  CHECK(r.jobs[2].start_s == Approx(big_end).epsilon(1e-12));
  CHECK(r.jobs[2].queue_wait_s == Approx(big_end - 2).epsilon(1e-12));
}

TEST_CASE("SJF places a job across sites in its queue: a job that fits passes it while it waits",
          "[engine][cross-site][sched]") {
  // SJF has no split to offer x while big holds a; small fits at b and starts at its submission
  // (2 s), passing x, which starts on a and b when big ends.
  const SimulationResult r = run(queue_order("sjf"));
  REQUIRE(r.jobs.size() == 3);
  for (const JobResult& j : r.jobs) REQUIRE(j.state == JobState::Finished);
  CHECK(r.jobs[1].start_s == Approx(r.jobs[0].end_s).epsilon(1e-12));
  CHECK(r.jobs[2].start_s == Approx(2).epsilon(1e-12));
}

TEST_CASE("EASY backfill reserves for a job across sites: only what spares its reservation passes it",
          "[engine][cross-site][sched]") {
  // big holds all 4 servers of a for 20000 steps: T = 20000 x its step (closed form: the step
  // model on an idle cluster). x (a and b, one server each) comes at 1 s: no split fits, it heads
  // the queue with a reservation at T of one server on a and one on b, leaving 3 of b spare.
  // wide (4 servers of b, as long as big: ends at 2 + T > T) would take x's server on b: it waits.
  // small (1 server of b) fits in b's spare 3: it starts at its submission, 3 s. At T, x starts;
  // wide then finds 3 of b's servers free and starts when x ends and gives its server back.
  const Scenario s = test::load_scenario(
      two_sites("    - {name: big, model: m, gpus: 32, parallelism: {dp: 32}, global_batch: 64, steps: 20000, site: a}\n"
                "    - {name: x, model: m, submit: 1s, gpus: 16, parallelism: {dp: 16}, global_batch: 64, steps: 10, "
                "sites: [a, b]}\n"
                "    - {name: wide, model: m, submit: 2s, gpus: 32, parallelism: {dp: 32}, global_batch: 64, "
                "steps: 20000, site: b}\n"
                "    - {name: small, model: m, submit: 3s, gpus: 8, parallelism: {dp: 8}, global_batch: 64, "
                "steps: 10, site: b}\n",
                "scheduler: {policy: easy-backfill}\n"),
      "xsite.yaml");
  const SimulationResult r = run_simulation(s);
  REQUIRE(r.jobs.size() == 4);
  for (const JobResult& j : r.jobs) REQUIRE(j.state == JobState::Finished);
  const TrainingStep big = training_step(*s.find_model("m"), s.training[0], *s.find_profile("h100-sxm"),
                                         ClusterLinks::of(s.sites[0].clusters[0]));
  const double t = 20000 * big.step_time_s;
  CHECK(t > 3);
  CHECK(r.jobs[0].end_s == Approx(t).epsilon(1e-9));
  CHECK(std::string(r.jobs[1].site) == "a+b");
  CHECK(r.jobs[1].start_s == Approx(t).epsilon(1e-9));
  CHECK(r.jobs[3].start_s == Approx(3).epsilon(1e-12));
  CHECK(r.jobs[2].start_s == Approx(r.jobs[1].end_s).epsilon(1e-12));
  CHECK(r.jobs[2].start_s > t);
}

TEST_CASE("checkpoints of an elastic job across sites: the others go on, the failed share rereads its own site's",
          "[engine][cross-site]") {
  // As above, but elastic and b out for 1 s only: the struck step is lost (P) and nothing before
  // it (a holds the current state and goes on alone); b rejoins 1 s later, while a still trains,
  // and first reads the last checkpoint from its own site's storage: one reload of
  // R = 14 B x params / 2 GB/s.
  const Scenario probe = test::load_scenario(checkpointed(1e6), "xsite.yaml");
  const SyncStep st = sync_step(probe);
  const double P = st.total(), R = 14 * st.share.params / 2e9;
  const int n = static_cast<int>(std::ceil(3 / P));
  const double fail_at = 2 * (n * P + 14 * st.share.params / 1e9) + 2.5 * P;
  std::string y = checkpointed(fail_at);
  y.replace(y.find("checkpoint: {interval: 3s}"), 26, "checkpoint: {interval: 3s}, elastic: true");
  y.replace(y.find("duration: 100s"), 14, "duration: 1s");
  const SimulationResult r = run_simulation(test::load_scenario(y, "xsite.yaml"));
  REQUIRE(r.jobs.size() == 1);
  const JobResult& j = r.jobs[0];
  REQUIRE(j.state == JobState::Finished);
  CHECK(j.interruptions == 1);
  CHECK(j.lost_work_s == Approx(P).epsilon(1e-6));
  CHECK(j.restart_overhead_s == Approx(R).epsilon(1e-6));
  CHECK(j.checkpoints >= 2);
  REQUIRE(r.cross_site.size() == 2);
  CHECK(r.cross_site[0].waiting_s == 0);
}

TEST_CASE("a job across sites stages each share's part of its dataset to that share's site", "[engine][cross-site]") {
  // A 10 GB dataset held at a: b's share needs its half, 5 GB over the 10 Gb/s, 5 ms link:
  // 0.005 + 5e9 / 1.25e9 = 4.005 s before the first step (storage unmodelled: free); a's share
  // reads it where it is. Then the 400 steps of the idle-WAN case.
  const Scenario s = test::load_scenario(
      two_sites(std::string(kJob) + ", dataset: {size: 10GB, site: a}}\n"), "xsite.yaml");
  const SimulationResult r = run_simulation(s);
  REQUIRE(r.jobs.size() == 1);
  const JobResult& j = r.jobs[0];
  REQUIRE(j.state == JobState::Finished);
  CHECK(j.staging_s == Approx(4.005).epsilon(1e-6));
  const SyncStep st = sync_step(s);
  CHECK(j.time_to_train_s == Approx(4.005 + 400 * st.total()).epsilon(1e-6));
  REQUIRE(r.wan_links.size() == 1);
  CHECK(r.wan_links[0].bytes == Approx(5e9 + 2 * 400 * 4 * st.share.params).epsilon(1e-6));
}

TEST_CASE("a job across sites whose penalty leaves a sliver of a step takes one more whole step, then ends",
          "[engine][cross-site]") {
  // local-sgd, H = 1, steps 1, convergence_penalty 1e-10: the tokens needed are 1 + 1e-10 steps' worth. The first
  // batch runs ceil(1 + 1e-10 - 1e-9) = 1 exchange; the 1e-10 left is a sliver that used to round to
  // 0 exchanges, so the job looped on empty exchanges until the horizon. A sliver is one more step.
  const SimulationResult r = run(two_sites(std::string(kJob).replace(std::string(kJob).find("steps: 400"), 10,
                                                                     "steps: 1") +
                                           ", sync: local-sgd, local_sgd: {inner_steps: 1}, convergence_penalty: 1e-10}\n"));
  REQUIRE(r.jobs.size() == 1);
  CHECK(r.jobs[0].state == JobState::Finished);
  for (const CrossSiteRow& row : r.cross_site) CHECK(row.exchanges == 2);
}
