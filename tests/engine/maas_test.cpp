// Model-as-a-service (issue #14 item 4): a service's `models:` expanded to one service per model,
// tenants and their SLO report, and replicas serving above training (`priority: above-training`)
// preempting training jobs that checkpoint. One simulation per test case at most.
#include <catch2/catch.hpp>

#include "rcn/engine/simulation.hpp"
#include "rcn/scenario/loader.hpp"
#include "tests/load_scenario.hpp"

using namespace rcn;

namespace {

// A scenario's first lines: one site `a` of H100 servers, a tiny model `m`, up to `workloads:`.
std::string one_site(const std::string& name, const std::string& horizon, int servers) {
  return "name: " + name + "\nhorizon: " + horizon +
         "\nsites:\n  - {name: a, clusters: [{name: main, gpu: h100-sxm, servers: " + std::to_string(servers) +
         "}]}\nmodels:\n  m: {layers: 2, hidden: 256, heads: 4, kv_heads: 4, ffn: 1024, vocab: 1000, seq: 512}\n"
         "workloads:\n";
}

const std::string kModels = one_site("maas", "1h", 4) + R"(  inference:
    - name: maas
      replicas: {a: 1}
      max_batch: 8
      slo: {ttft: 1h}
      models:
        - {name: chat, model: m, tenant: acme, arrivals: {poisson: 2/s, prompt_tokens: 64, output_tokens: 8},
           slo: {ttft: 1us}}
        - {name: code, model: m, replicas: {a: 2}, arrivals: {poisson: 1/s, prompt_tokens: 128, output_tokens: 4}}
    - {name: solo, model: m, tenant: acme, replicas: {a: 1}, arrivals: {poisson: 1/s, prompt_tokens: 32, output_tokens: 4}}
)";

}  // namespace

TEST_CASE("a service's models become services SERVICE/NAME, each with the service's keys under its own",
          "[scenario][inference][maas]") {
  const Scenario s = test::load_scenario(kModels, "maas.yaml");
  REQUIRE(s.inference.size() == 3);
  const auto& chat = s.inference[0];
  const auto& code = s.inference[1];
  CHECK(chat.name == "maas/chat");
  CHECK(code.name == "maas/code");
  CHECK(s.inference[2].name == "solo");
  // Inherited: replicas (chat), max_batch, the SLO (code); overridden: replicas (code), the SLO (chat).
  CHECK(chat.replicas == std::vector<std::pair<std::string, int>>{{"a", 1}});
  CHECK(code.replicas == std::vector<std::pair<std::string, int>>{{"a", 2}});
  CHECK(chat.max_batch == 8);
  CHECK(code.max_batch == 8);
  CHECK(chat.slo.ttft == Approx(1e-6));
  CHECK(code.slo.ttft == Approx(3600));
  CHECK(chat.arrivals.rate == Approx(2));
  CHECK(code.arrivals.prompt_tokens == Approx(128));
  // Tenants: given, else the service's name (a model of a service: the parent's).
  CHECK(chat.tenant == "acme");
  CHECK(code.tenant == "maas");
  CHECK(s.inference[2].tenant == "acme");
  CHECK_FALSE(chat.above_training);
}

TEST_CASE("models of a service are refused with the entry's own line", "[scenario][inference][maas]") {
  std::string dup = kModels;
  dup.replace(dup.find("name: code"), 10, "name: chat");
  test::check_refused(dup, "maas.yaml", "maas.yaml:16:",
                      "workloads.inference[0].models[1].name: duplicate model name \"chat\" in service maas");
  std::string typo = kModels;
  typo.replace(typo.find("replicas: {a: 2}"), 8, "replicaz");
  test::check_refused(typo, "maas.yaml", "maas.yaml:16:", "workloads.inference[0].models[1]");
  std::string priority = kModels;
  priority.replace(priority.find("replicas: {a: 2}"), 8, "priority: high, replicas");
  test::check_refused(priority, "maas.yaml", "maas.yaml:16:", "workloads.inference[0].models[1].priority");
  std::string not_list = kModels;
  not_list.replace(not_list.find("models:\n"), 8, "models: chat\n");
  CHECK_FALSE(load_scenario_text(not_list, "maas.yaml").scenario);
}

TEST_CASE("the tenant report counts a fast-mode service's completions, SLO and latencies",
          "[engine][inference][maas]") {
  // As below with maas/code in fast mode (tenant maas alone). A fast service keeps no
  // per-request samples (its region's figures come from its calibrated mix), so its tenant's
  // completions, attainment and percentiles must be its region's, not 0.
  std::string y = kModels;
  const std::string from = "{name: code, model: m, replicas: {a: 2},";
  REQUIRE(y.find(from) != std::string::npos);
  y.replace(y.find(from), from.size(), "{name: code, model: m, mode: fast, replicas: {a: 2},");
  SimulationResult r = run_simulation(test::load_scenario(y, "maas.yaml"));
  REQUIRE(r.tenants.size() == 2);
  const TenantResult& maas = r.tenants[1];
  const auto& code = r.inference.at(1);
  REQUIRE(maas.services == "maas/code");
  REQUIRE(code.completed > 1000);  // 1/s over an hour
  CHECK(maas.completed == code.completed);
  CHECK(maas.slo_met == code.completed);  // its SLO is a TTFT of an hour: every request meets it
  CHECK(maas.slo_attainment == Approx(code.slo_attainment));
  CHECK(maas.ttft_p50 == Approx(code.ttft_p50));
  CHECK(maas.ttft_p99 == Approx(code.ttft_p99));
  CHECK(maas.e2e_p99 == Approx(code.e2e_p99));
  CHECK(maas.ttft_p99 > 0);
}

TEST_CASE("the tenant report sums each tenant's services", "[engine][inference][maas]") {
  SimulationResult r = run_simulation(test::load_scenario(kModels, "maas.yaml"));
  REQUIRE(r.services.size() == 3);
  REQUIRE(r.inference.size() == 3);  // one region per service
  REQUIRE(r.tenants.size() == 2);
  const TenantResult& acme = r.tenants[0];
  const TenantResult& maas = r.tenants[1];
  CHECK(acme.tenant == "acme");
  CHECK(acme.services == "maas/chat;solo");
  CHECK(maas.services == "maas/code");
  const auto& chat = r.inference[0];
  const auto& code = r.inference[1];
  const auto& solo = r.inference[2];
  REQUIRE(chat.completed > 1000);  // 2/s over an hour, served by a tiny model
  CHECK(acme.requests == chat.requests + solo.requests);
  CHECK(acme.completed == chat.completed + solo.completed);
  // chat's 1 us TTFT is never met; solo's hour (inherited by nobody: its own default none) always.
  CHECK(chat.slo_attainment == 0);
  CHECK(solo.slo_attainment == 1);
  CHECK(acme.slo_attainment == Approx(static_cast<double>(solo.completed) / (chat.completed + solo.completed)));
  CHECK(maas.slo_attainment == code.slo_attainment);
  CHECK(maas.slo_attainment == 1);
  CHECK(maas.ttft_p99 == Approx(code.ttft_p99));
  CHECK(acme.gpu_hours == Approx(r.services[0].gpu_hours + r.services[2].gpu_hours));
}

namespace {

// Two servers. The replica takes s0, the 10,000 s job (checkpoint every 1,000 s) s1, both at 0.
// s0 fails at 2,500 s (repaired at 5,000 s); the replica restarts after detection + restart
// (300 + 600 s) at 3,400 s and finds no free server.
std::string above_yaml(const std::string& priority) {
  return one_site("above", "4h", 2) + R"(  training:
    - {name: t, model: m, gpus: 8, global_batch: 8, duration: 10000s, checkpoint: {interval: 1000s}}
  inference:
    - {name: s, model: m, replicas: {a: 1}, priority: )" +
         priority + R"(, arrivals: {poisson: 0.05/s, prompt_tokens: 64, output_tokens: 8}}
failures:
  detection: 300s
  restart: 600s
  events:
    - {at: 2500s, target: a/main/s0, kind: server, duration: 2500s}
)";
}

}  // namespace

TEST_CASE("a replica above training preempts a training job; the job loses the work since its checkpoint",
          "[engine][inference][maas]") {
  // Above training, the replica preempts the job at 3,400 s, which loses the 400 s since its
  // checkpoint at 3,000 s and rejoins the queue after the 600 s restart (4,000 s). No server is
  // free until s0's repair at 5,000 s; the job's 7,000 s left end at 12,000 s.
  SimulationResult r = run_simulation(test::load_scenario(above_yaml("above-training"), "above.yaml"));
  REQUIRE(r.training_preemptions.size() == 1);
  const TrainingPreemption& p = r.training_preemptions[0];
  CHECK(p.time_s == Approx(3400));
  CHECK(p.job == "t");
  CHECK(p.service == "s");
  CHECK(p.gpus == 8);
  CHECK(p.lost_work_s == Approx(400).margin(1e-6));
  CHECK(p.restart_s == Approx(600));
  CHECK(p.gpu_hours == Approx(8 * 1000 / 3600.0));
  const JobResult& job = r.jobs.at(0);
  CHECK(job.end_s == Approx(12000).margin(1e-6));
  CHECK(job.lost_work_s == Approx(400).margin(1e-6));
  CHECK(job.interruptions_by_cause.at("inference") == 1);
}

TEST_CASE("a replica of normal priority waits for a server and leaves training alone", "[engine][inference][maas]") {
  // It polls every minute from 3,400 s and takes s0 back after the repair; the job ends at 10,000 s.
  SimulationResult r = run_simulation(test::load_scenario(above_yaml("normal"), "above.yaml"));
  CHECK(r.training_preemptions.empty());
  CHECK(r.jobs.at(0).end_s == Approx(10000).margin(1e-6));
  CHECK(r.jobs.at(0).interruptions == 0);
}
