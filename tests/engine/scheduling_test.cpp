// Policies in the engine: preemption through checkpoints, dataset staging over
// the WAN, and conservation of jobs.
#include <catch2/catch.hpp>

#include "rcn/engine/simulation.hpp"
#include "rcn/scenario/loader.hpp"
#include "tests/load_scenario.hpp"

using namespace rcn;

namespace {
Scenario load(const std::string& yaml) { return test::load_scenario(yaml, "sched.yaml"); }
}  // namespace

TEST_CASE("LAS preempts a long job for a new one, and the long job resumes from its checkpoint", "[engine][las]") {
  // One 4-server cluster. `long` (4 servers, 10 h) starts at 0; `short` (2 servers, 1 h) arrives at 2 h.
  // LAS stops `long` (checkpoint), runs `short`, and `long` resumes with all its work kept.
  Scenario s = load(R"(name: las
horizon: 2d
sites:
  - {name: a, clusters: [{gpu: h100-sxm, servers: 4}]}
models:
  m: {layers: 2, hidden: 1024, heads: 8, ffn: 4096, vocab: 1000, seq: 1000}
workloads:
  training:
    - {name: long, model: m, gpus: 32, global_batch: 32, duration: 10h, checkpoint: {interval: 1h}}
    - {name: short, model: m, submit: 2h, gpus: 16, global_batch: 16, duration: 1h}
scheduler: {policy: las, options: {quantum: 30min, gap: 0}}
)");
  SimulationResult r = run_simulation(s);
  const JobResult& lj = r.jobs[0];
  const JobResult& sj = r.jobs[1];
  CHECK(lj.preemptions == 1);
  CHECK(sj.start_s == Approx(2 * 3600));
  CHECK(sj.end_s == Approx(3 * 3600));
  // No work lost: long's 10 h of work end at 10 h + the hour it stood aside (checkpoints are free here).
  CHECK(lj.state == JobState::Finished);
  CHECK(lj.lost_work_s == 0);
  CHECK(lj.end_s == Approx(11 * 3600).epsilon(1e-9));
}

TEST_CASE("a job placed away from its dataset first copies it over the WAN", "[engine][locality]") {
  // 10 TB at node-west; node-west is full, the job goes to center (spillover would, fifo does):
  // the copy takes 10e12 B / 100 GB/s (800 Gb/s) + 5 ms before training starts.
  Scenario s = load(R"(name: staging
horizon: 10d
sites:
  - {name: center, kind: center, clusters: [{gpu: h100-sxm, servers: 4}]}
  - {name: node-west, clusters: [{gpu: h100-sxm, servers: 1}]}
wan:
  - {from: center, to: node-west, bandwidth: 800Gbps, latency: 5ms}
models:
  m: {layers: 2, hidden: 1024, heads: 8, ffn: 4096, vocab: 1000, seq: 1000}
workloads:
  training:
    - {name: j, model: m, gpus: 32, global_batch: 32, duration: 2h, dataset: {size: 10TB, site: node-west}}
)");
  SimulationResult r = run_simulation(s);
  const JobResult& j = r.jobs[0];
  CHECK(j.site == "center");
  CHECK(j.staging_s == Approx(10e12 / 100e9 + 5e-3).epsilon(1e-6));
  CHECK(j.end_s == Approx(j.staging_s + 2 * 3600).epsilon(1e-9));
  REQUIRE(r.wan_transfers.size() == 1);
  CHECK(r.wan_transfers[0].bytes == 10e12);
  // The one WAN link carried the 10 TB, at its full bandwidth once the latency had passed.
  REQUIRE(r.wan_links.size() == 1);
  CHECK(r.wan_links[0].bytes == 10e12);
  CHECK(r.wan_links[0].peak_utilisation == Approx(1.0).epsilon(1e-9));
}

TEST_CASE("conservation: every submitted job is finished, running, queued, or not submitted", "[engine]") {
  Scenario s = load(R"(name: busy
horizon: 6h
sites:
  - {name: a, clusters: [{gpu: h100-sxm, servers: 2}]}
models:
  m: {layers: 2, hidden: 1024, heads: 8, ffn: 4096, vocab: 1000, seq: 1000}
workloads:
  training:
    - {name: a, model: m, gpus: 16, global_batch: 16, duration: 2h}
    - {name: b, model: m, gpus: 16, global_batch: 16, duration: 5h}
    - {name: c, model: m, submit: 1h, gpus: 8, global_batch: 8, duration: 1h}
    - {name: d, model: m, submit: 7h, gpus: 8, global_batch: 8, duration: 1h}
scheduler: {policy: sjf}
)");
  SimulationResult r = run_simulation(s);
  int finished = 0, running = 0, queued = 0, not_submitted = 0;
  for (const auto& j : r.jobs) {
    finished += j.state == JobState::Finished;
    running += j.state == JobState::Running;
    queued += j.state == JobState::Queued;
    not_submitted += j.state == JobState::NotSubmitted;
  }
  CHECK(finished + running + queued + not_submitted == 4);
  CHECK(finished == 2);       // a (0-2 h), then c (2-3 h) by SJF before the long b
  CHECK(running == 1);        // b (3 h to 8 h): running at the 6 h horizon
  CHECK(not_submitted == 1);  // d arrives after the horizon
}

TEST_CASE("time-of-use prices and carbon are applied hour by hour", "[engine][cost]") {
  // One server (8 H100s: 690 W busy, 80 W idle), PUE 1; a job busy from 1 h to 2 h, the run ends at 2 h.
  // Hour 0: idle at 0.10/kWh and 100 g; hour 1: busy at 0.50/kWh and 300 g.
  std::string prices = "[0.10, 0.50";
  std::string carbon = "[100, 300";
  for (int h = 2; h < 24; ++h) prices += ", 1", carbon += ", 1";
  Scenario s = load(R"(name: tou
horizon: 1d
sites:
  - name: a
    power: {pue: 1, price_by_hour: )" + prices + R"(], carbon_by_hour: )" + carbon + R"(]}
    clusters: [{gpu: h100-sxm, servers: 1}]
models:
  m: {layers: 2, hidden: 1024, heads: 8, ffn: 4096, vocab: 1000, seq: 1000}
workloads:
  training:
    - {name: j, model: m, submit: 1h, gpus: 8, global_batch: 8, duration: 1h}
)");
  SimulationResult r = run_simulation(s);
  const double idle_kwh = 8 * 80 * 3600 / 3.6e6, busy_kwh = 8 * 690 * 3600 / 3.6e6;
  CHECK(r.simulated_end_s == Approx(7200));
  CHECK(r.sites[0].energy_kwh == Approx(idle_kwh + busy_kwh));
  CHECK(r.sites[0].cost == Approx(idle_kwh * 0.10 + busy_kwh * 0.50));
  CHECK(r.sites[0].carbon_kg == Approx((idle_kwh * 100 + busy_kwh * 300) / 1000));
  // site_energy.csv: 120 bins of 1 min, idle at hour 0's price, busy at hour 1's, each with
  // 1/120 of the site's amortised capex and staff in its cost of ownership.
  REQUIRE(r.site_energy.size() == 120);
  const double idle_bin = idle_kwh / 60, busy_bin = busy_kwh / 60;
  const double fixed = (r.tco.sites[0].capex_amortised + r.tco.sites[0].staff_maintenance) / 120;
  double tco = 0;
  for (std::size_t i = 0; i < 120; ++i) {
    const SiteEnergyBin& b = r.site_energy[i];
    const bool busy = i >= 60;
    INFO("bin " << i);
    CHECK(b.start_s == Approx(60.0 * i).margin(1e-9));
    CHECK(b.end_s == Approx(60.0 * (i + 1)));
    CHECK(b.busy_gpu_hours == Approx(busy ? 8 * 60 / 3600.0 : 0).margin(1e-12));
    CHECK(b.energy_kwh == Approx(busy ? busy_bin : idle_bin));
    CHECK(b.power_cost == Approx(busy ? busy_bin * 0.50 : idle_bin * 0.10));
    CHECK(b.carbon_kg == Approx(busy ? busy_bin * 300 / 1000 : idle_bin * 100 / 1000));
    CHECK(b.tco == Approx(b.power_cost + fixed));
    tco += b.tco;
  }
  CHECK(tco == Approx(r.tco.sites[0].total).epsilon(1e-9));
}
