// The engine against closed-form times. SimGrid allows one engine per
// process: ctest runs each TEST_CASE in its own process (catch_discover_tests),
// so each case below calls run_simulation or builds a platform once.
#include <catch2/catch.hpp>

#include <simgrid/s4u.hpp>

#include "rcn/engine/simulation.hpp"
#include "rcn/models/training_step.hpp"
#include "rcn/scenario/loader.hpp"
#include "tests/load_scenario.hpp"
#include "rcn/topology/platform.hpp"

using namespace rcn;
namespace sg4 = simgrid::s4u;

namespace {

Scenario load(const std::string& yaml) { return test::load_scenario(yaml, "engine.yaml"); }

// One site of 4 H100 servers (32 GPUs), a tiny model, fixed step counts.
const char* kOneSite = R"(name: one
horizon: 30d
sites:
  - name: a
    clusters: [{gpu: h100-sxm, servers: 4, gpus_per_server: 8}]
models:
  m: {layers: 2, hidden: 1024, heads: 8, ffn: 4096, vocab: 1000, seq: 1000}
workloads:
  training:
)";

// Run time of `steps` steps of model m on this cluster, from the step model
// (tested on its own in tests/models): the engine must realise it exactly.
double expected_run_time(double steps, int batch, int gpus) {
  ModelSpec m;
  m.layers = 2, m.hidden = 1024, m.heads = 8, m.kv_heads = 8, m.ffn = 4096, m.vocab = 1000, m.seq = 1000;
  TrainingJobSpec j;
  j.gpus = gpus;
  j.parallelism.dp = gpus;
  j.global_batch = batch;
  j.steps = steps;
  ClusterSpec c;
  c.servers = 4;
  return steps * training_step(m, j, builtin_hardware_profiles().at("h100-sxm"), ClusterLinks::of(c)).step_time_s;
}

}  // namespace

TEST_CASE("a job of known size starts at submit and ends at the closed-form time", "[engine]") {
  Scenario s = load(std::string(kOneSite) +
                    "    - {name: j, model: m, submit: 1h, gpus: 32, global_batch: 64, steps: 200000}\n");
  SimulationResult r = run_simulation(s);
  REQUIRE(r.jobs.size() == 1);
  const JobResult& j = r.jobs[0];
  const double run = expected_run_time(200000, 64, 32);
  CHECK(j.state == JobState::Finished);
  CHECK(j.start_s == Approx(3600));
  CHECK(j.end_s == Approx(3600 + run).epsilon(1e-9));
  CHECK(j.goodput == Approx(1.0));
  CHECK(r.simulated_end_s == Approx(3600 + run).epsilon(1e-9));
  // Utilisation is busy GPU-seconds over GPU-seconds available until the end.
  CHECK(r.sites[0].utilisation == Approx(run / (3600 + run)).epsilon(1e-9));
  CHECK(r.sites[0].gpu_hours_busy == Approx(32 * run / 3600).epsilon(1e-9));
}

TEST_CASE("two jobs that do not fit together run one after the other under FIFO", "[engine]") {
  // Each needs 3 of the 4 servers; the second waits for the first.
  Scenario s = load(std::string(kOneSite) +
                    "    - {name: first, model: m, gpus: 24, global_batch: 48, steps: 100000}\n"
                    "    - {name: second, model: m, gpus: 24, global_batch: 48, steps: 100000}\n"
                    "    - {name: small, model: m, submit: 10s, gpus: 8, global_batch: 8, steps: 1000}\n");
  SimulationResult r = run_simulation(s);
  const double run = expected_run_time(100000, 48, 24);
  const double small = expected_run_time(1000, 8, 8);
  CHECK(r.jobs[0].start_s == 0);
  CHECK(r.jobs[0].end_s == Approx(run).epsilon(1e-9));
  CHECK(r.jobs[1].start_s == Approx(run).epsilon(1e-9));
  CHECK(r.jobs[1].queue_wait_s == Approx(run).epsilon(1e-9));
  CHECK(r.jobs[1].end_s == Approx(2 * run).epsilon(1e-9));
  // Strict FIFO: the small job fits in the free server but waits behind `second`.
  CHECK(r.jobs[2].start_s == Approx(run).epsilon(1e-9));
  CHECK(r.jobs[2].end_s == Approx(run + small).epsilon(1e-9));
}

TEST_CASE("a job still running at the horizon is reported running, with its progress", "[engine]") {
  Scenario s = load(std::string(kOneSite) +
                    "    - {name: long, model: m, gpus: 32, global_batch: 64, steps: 1e9}\n");
  s.horizon = 86400;
  SimulationResult r = run_simulation(s);
  const double run = expected_run_time(1e9, 64, 32);
  CHECK(r.jobs[0].state == JobState::Running);
  CHECK(r.jobs[0].end_s < 0);
  CHECK(r.simulated_end_s == 86400);
  CHECK(r.jobs[0].progress == Approx(86400 / run));
  CHECK(r.sites[0].utilisation == Approx(1.0));
}

TEST_CASE("a WAN transfer ends at latency + size / bandwidth (alpha-beta)", "[engine][topology]") {
  // Two sites 2000 km apart (9.8 ms at 4.9 us/km) over a 100 Gb/s link; NICs
  // 8 x 400 Gb/s, fabric latency 3 us NIC to NIC, so 1.5 us from a server to
  // its site's border on each side. 10 GB crosses in
  // 1.5 us + 9.8 ms + 1.5 us + 10e9 / 12.5e9 s.
  Scenario s = load(R"(name: wan
sites:
  - name: a
    clusters: [{gpu: h100-sxm, servers: 2, scale_out: {latency: 3us}}]
  - name: b
    clusters: [{gpu: h100-sxm, servers: 2, scale_out: {latency: 3us}}]
wan:
  - {from: a, to: b, bandwidth: 100Gbps, distance: 2000km}
)");
  auto engine = create_engine();
  Platform p = build_platform(s, SiteGraph(s));
  sg4::Host* from = p.sites[0].clusters[0].servers[1];
  sg4::Host* to = p.sites[1].clusters[0].servers[0];
  double done_ab = -1, done_ba = -1;
  sg4::Actor::create("ab", from, [&] {
    sg4::Comm::sendto(from, to, 10'000'000'000ULL);
    done_ab = sg4::Engine::get_clock();
  });
  // The reverse direction at the same time: split-duplex links do not share.
  sg4::Actor::create("ba", to, [&] {
    sg4::Comm::sendto(to, from, 10'000'000'000ULL);
    done_ba = sg4::Engine::get_clock();
  });
  engine->run();
  const double expected = 1.5e-6 + 2000 * 4.9e-6 + 1.5e-6 + 10e9 / 12.5e9;
  CHECK(done_ab == Approx(expected).epsilon(1e-9));
  CHECK(done_ba == Approx(expected).epsilon(1e-9));
}

TEST_CASE("two flows sharing a WAN link each get half of it", "[engine][topology]") {
  Scenario s = load(R"(name: wan2
sites:
  - name: a
    clusters: [{gpu: h100-sxm, servers: 2, scale_out: {latency: 0s}}]
  - name: b
    clusters: [{gpu: h100-sxm, servers: 2, scale_out: {latency: 0s}}]
wan:
  - {from: a, to: b, bandwidth: 80Gbps, latency: 5ms}
)");
  auto engine = create_engine();
  Platform p = build_platform(s, SiteGraph(s));
  std::vector<double> done(2, -1);
  for (int i = 0; i < 2; ++i) {
    sg4::Host* from = p.sites[0].clusters[0].servers[i];
    sg4::Host* to = p.sites[1].clusters[0].servers[i];
    sg4::Actor::create("flow", from, [&done, from, to, i] {
      sg4::Comm::sendto(from, to, 5'000'000'000ULL);
      done[i] = sg4::Engine::get_clock();
    });
  }
  engine->run();
  // 10 GB in total through 10 GB/s: both end after 5 ms + 1 s.
  CHECK(done[0] == Approx(5e-3 + 1.0).epsilon(1e-9));
  CHECK(done[1] == Approx(5e-3 + 1.0).epsilon(1e-9));
}

TEST_CASE("a server failure costs the work since the last checkpoint plus detection and restart", "[engine][failures]") {
  // Job j (4 servers, pinned to site a, checkpoint every hour) loses server
  // s1 at 2.5 h for 4 h: 0.5 h of work is lost, the job restarts only when
  // the server is back (6.5 h), and then runs what was not saved.
  // Job k (2 servers) runs on b; b is out from 3 h to 4 h with no checkpoint:
  // all 3 h are lost. Strict FIFO keeps k behind j (same submit time, j first)
  // until j restarts at 6.5 h, although b is back at 4 h.
  Scenario s = load(std::string(kOneSite).replace(std::string(kOneSite).find("sites:"), 6,
                                                  "sites:\n  - name: b\n    clusters: [{gpu: h100-sxm, servers: 4}]") +
                    "    - {name: j, model: m, site: a, gpus: 32, global_batch: 64, steps: 2e7, checkpoint: {interval: 1h}}\n"
                    "    - {name: k, model: m, gpus: 16, global_batch: 64, steps: 2e7}\n"
                    "wan: [{from: a, to: b, bandwidth: 100Gbps, latency: 5ms}]\n"
                    "failures:\n  detection: 5min\n  restart: 10min\n  events:\n"
                    "    - {at: 2.5h, target: a/main/s1, kind: server, duration: 4h}\n"
                    "    - {at: 3h, target: b, kind: site-outage, duration: 1h}\n");
  SimulationResult r = run_simulation(s);
  const double j_run = expected_run_time(2e7, 64, 32);
  const double k_run = expected_run_time(2e7, 64, 16);
  const JobResult& j = r.jobs[0];
  const JobResult& k = r.jobs[1];
  CHECK(j.interruptions == 1);
  CHECK(j.lost_work_s == Approx(1800));
  CHECK(j.restart_overhead_s == Approx(900));
  CHECK(j.end_s == Approx(6.5 * 3600 + (j_run - 2 * 3600)).epsilon(1e-9));
  CHECK(j.goodput == Approx(j_run / j.end_s).epsilon(1e-9));
  CHECK(k.site == "b");
  CHECK(k.interruptions == 1);
  CHECK(k.lost_work_s == Approx(3 * 3600));
  CHECK(k.end_s == Approx(6.5 * 3600 + k_run).epsilon(1e-9));
  // Busy GPU time counts every attempt, lost work included (site a is listed second).
  const double busy_a = 32 * (2.5 * 3600 + (j_run - 2 * 3600));
  CHECK(r.sites[1].name == "a");
  CHECK(r.sites[1].gpu_hours_busy * 3600 == Approx(busy_a).epsilon(1e-9));
}

TEST_CASE("a job submitted at the horizon never starts and does not extend the run", "[engine]") {
  Scenario s = load(std::string(kOneSite) +
                    "    - {name: early, model: m, gpus: 8, global_batch: 8, steps: 1000}\n"
                    "    - {name: late, model: m, submit: 1d, gpus: 8, global_batch: 8, steps: 1000}\n");
  s.horizon = 86400;
  SimulationResult r = run_simulation(s);
  CHECK(r.jobs[0].state == JobState::Finished);
  CHECK(r.jobs[1].state == JobState::NotSubmitted);
  CHECK(r.simulated_end_s == Approx(expected_run_time(1000, 8, 8)));
}

namespace {
// Two identical 128-GPU jobs (16 servers each, tp 8 x dp 16) on one cluster of
// 32 servers whose fabric is 4:1 oversubscribed: the fabric carries 8 servers'
// worth of NIC bandwidth. Data-parallel rings cross it every round.
std::string oversubscribed(bool two_jobs) {
  std::string y = R"(name: contention
fidelity: flow
sites:
  - name: a
    clusters: [{gpu: h100-sxm, servers: 32, scale_out: {nic_bandwidth: 400Gbps, nics_per_server: 8, oversubscription: 4}}]
models:
  m: {layers: 16, hidden: 4096, heads: 32, ffn: 16384, vocab: 32000, seq: 2048}
workloads:
  training:
    - {name: a, model: m, gpus: 128, parallelism: {tp: 8, pp: 1, dp: 16}, global_batch: 64, steps: 100}
)";
  if (two_jobs) y += "    - {name: b, model: m, gpus: 128, parallelism: {tp: 8, pp: 1, dp: 16}, global_batch: 64, steps: 100}\n";
  return y;
}
double analytic_dp(const Scenario& s) {
  return training_step(*s.find_model("m"), s.training[0], builtin_hardware_profiles().at("h100-sxm"),
                       ClusterLinks::of(s.sites[0].clusters[0])).dp_comm_total_s;
}
}  // namespace

TEST_CASE("flow fidelity agrees with analytic on an uncontended fabric", "[engine][flow]") {
  // 32 servers, non-blocking fabric, tp 8 x pp 4 x dp 8: pipeline sends and
  // data-parallel rings run as flows; the analytic model is the reference (5%).
  Scenario s = load(R"(name: flow
fidelity: flow
sites:
  - name: a
    clusters: [{gpu: h100-sxm, servers: 32, scale_out: {nic_bandwidth: 400Gbps, nics_per_server: 8}}]
models:
  l70: {layers: 80, hidden: 8192, heads: 64, kv_heads: 8, ffn: 28672, vocab: 128256, seq: 4096, gated_mlp: true}
workloads:
  training:
    - {name: j, model: l70, gpus: 256, parallelism: {tp: 8, pp: 4, dp: 8}, global_batch: 256, steps: 1000}
)");
  const TrainingStep analytic = training_step(*s.find_model("l70"), s.training[0],
                                              builtin_hardware_profiles().at("h100-sxm"),
                                              ClusterLinks::of(s.sites[0].clusters[0]));
  SimulationResult r = run_simulation(s);
  REQUIRE(r.jobs[0].state == JobState::Finished);
  CHECK(r.fidelity == "flow");
  CHECK(r.jobs[0].step_time_s == Approx(analytic.step_time_s).epsilon(0.05));
  CHECK(r.jobs[0].step().dp_comm_total_s == Approx(analytic.dp_comm_total_s).epsilon(0.05));
  CHECK(r.jobs[0].step().pp_comm_s == Approx(analytic.pp_comm_s).epsilon(0.05));
  CHECK(analytic.dp_comm_total_s > 0);
}

TEST_CASE("flow fidelity: one job alone on a 4:1 oversubscribed fabric is limited by it", "[engine][flow]") {
  // 16 servers send at once through a fabric of 8 servers' bandwidth: each ring round takes about twice as long.
  Scenario s = load(oversubscribed(false));
  SimulationResult r = run_simulation(s);
  const double ratio = r.jobs[0].step().dp_comm_total_s / analytic_dp(s);
  CHECK(ratio > 1.6);
  CHECK(ratio < 2.1);
}

TEST_CASE("flow fidelity: two jobs sharing an oversubscribed fabric both slow down", "[engine][flow]") {
  // 32 servers through 8 servers' bandwidth: about 4x the idle-fabric time, twice the lone job's.
  Scenario s = load(oversubscribed(true));
  SimulationResult r = run_simulation(s);
  for (const JobResult& j : r.jobs) {
    INFO(j.name);
    const double ratio = j.step().dp_comm_total_s / analytic_dp(s);
    CHECK(ratio > 3.2);
    CHECK(ratio < 4.1);
  }
  CHECK(r.jobs[0].step_time_s > analytic_dp(s));  // sanity: the step includes it
}

TEST_CASE("a job that does not fill whole servers runs, on 8-GPU and on 6-GPU servers", "[engine]") {
  // Issue #10 item 6: 12 GPUs on 8-GPU servers (dp 12) and tp 8 on 6-GPU servers
  // ended in "internal error: collective_time: ranks_per_server must divide ranks".
  // The step model spreads such a job evenly (2 servers of 6 ranks for dp 12).
  Scenario s = load(R"(name: partial
horizon: 30d
sites:
  - name: a
    clusters:
      - {name: eights, gpu: h100-sxm, servers: 2, gpus_per_server: 8}
      - {name: sixes, gpu: h100-sxm, servers: 4, gpus_per_server: 6}
models:
  m: {layers: 2, hidden: 1024, heads: 8, ffn: 4096, vocab: 1000, seq: 1000}
workloads:
  training:
    - {name: twelve, model: m, gpus: 12, global_batch: 12, steps: 100}
    - {name: tp8, model: m, gpus: 16, parallelism: {tp: 8, pp: 1, dp: 2}, global_batch: 16, steps: 100}
)");
  SimulationResult r = run_simulation(s);
  REQUIRE(r.jobs.size() == 2);
  for (const JobResult& j : r.jobs) {
    INFO(j.name);
    CHECK(j.state == JobState::Finished);
    CHECK(j.step_time_s > 0);
  }
  // dp 12 with room for 8 per server: 6 per server, as on 12 GPUs of 6-GPU servers.
  ModelSpec m;
  m.layers = 2, m.hidden = 1024, m.heads = 8, m.kv_heads = 8, m.ffn = 4096, m.vocab = 1000, m.seq = 1000;
  TrainingJobSpec j;
  j.gpus = 12, j.parallelism.dp = 12, j.global_batch = 12, j.steps = 1;
  ClusterSpec eight, six;
  eight.servers = 2, eight.gpus_per_server = 8;
  six.servers = 2, six.gpus_per_server = 6, six.scale_out.nics_per_server = 6;  // same NIC bandwidth per GPU
  const HardwareProfile& hw = builtin_hardware_profiles().at("h100-sxm");
  CHECK(training_step(m, j, hw, ClusterLinks::of(eight)).dp_comm_total_s ==
        Approx(training_step(m, j, hw, ClusterLinks::of(six)).dp_comm_total_s));
}

TEST_CASE("jobs of one shape share their step figures but keep their own length", "[engine]") {
  // Two jobs identical but for their steps: one step shape in memory (issue #17), and
  // each job's step() carries its own steps and time to train, as the step model gives them.
  Scenario s = load(std::string(kOneSite) +
                    "    - {name: short, model: m, gpus: 16, global_batch: 64, steps: 1000}\n"
                    "    - {name: long, model: m, gpus: 16, global_batch: 64, steps: 5000}\n");
  SimulationResult r = run_simulation(s);
  REQUIRE(r.jobs.size() == 2);
  const JobResult& a = r.jobs[0];
  const JobResult& b = r.jobs[1];
  REQUIRE(a.step_shape);
  CHECK(a.step_shape == b.step_shape);
  const TrainingStep sa = a.step(), sb = b.step();
  CHECK(sa.steps == 1000);
  CHECK(sb.steps == 5000);
  CHECK(sa.time_to_train_s == Approx(expected_run_time(1000, 64, 16)).epsilon(1e-12));
  CHECK(sb.time_to_train_s == Approx(expected_run_time(5000, 64, 16)).epsilon(1e-12));
  CHECK(sb.total_tokens == Approx(5 * sa.total_tokens));
  CHECK(sa.step_time_s == sb.step_time_s);
  CHECK(b.end_s - b.start_s == Approx(sb.time_to_train_s).epsilon(1e-9));
  // A job that never started has no step.
  CHECK_FALSE(JobResult{}.step_shape);
  CHECK(JobResult{}.step().steps == 0);
}
