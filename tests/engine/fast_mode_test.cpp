// The fast inference mode through the engine (src/engine/fast_inference.cpp): per-interval
// serving from the calibrated replica model, against the M/D/1 closed form and the request
// bookkeeping. One simulation per test case.
#include <catch2/catch.hpp>

#include "rcn/engine/simulation.hpp"
#include "rcn/models/inference_model.hpp"
#include "rcn/scenario/loader.hpp"
#include "tests/load_scenario.hpp"

using namespace rcn;

TEST_CASE("fast mode serves one replica at one request at a time as M/D/1", "[engine][inference][fast]") {
  // max_batch 1, prompt 512, output 2: service time S = prefill_s({512}) + decode_step_s(1, 513)
  // per request, Poisson arrivals at rho = 0.6 / S. Pollaczek-Khinchine: mean wait
  // Wq = rho S / (2 (1 - rho)); mean TTFT = Wq + prefill; the replica busy rho of the time.
  const Scenario probe = test::load_scenario(
      "name: p\nhorizon: 1h\n" + std::string(test::kLlama8bOnOneH100) +
          "    - {name: s, model: llama3-8b, replicas: {a: 1}, arrivals: {poisson: 0.01/s}}\n",
      "p.yaml");
  InferenceCost cost(*probe.find_model("llama3-8b"), builtin_hardware_profiles().at("h100-sxm"), 1, "bf16");
  const double prefill = cost.prefill_s({512}), S = prefill + cost.decode_step_s(1, 513);
  const double rho = 0.6, rate = rho / S, Wq = rho * S / (2 * (1 - rho));
  const Scenario s = test::load_scenario(
      "name: f\nhorizon: 6h\n" + std::string(test::kLlama8bOnOneH100) +
          "    - {name: s, model: llama3-8b, replicas: {a: 1}, max_batch: 1, mode: fast,\n"
          "       arrivals: {poisson: " + std::to_string(rate) + "/s, prompt_tokens: 512, output_tokens: 2}}\n",
      "f.yaml");
  const SimulationResult r = run_simulation(s);
  const InferenceRegionResult& g = r.inference.at(0);
  // Requests: a Poisson count of rate x 6 h (about 1e5: within 1%), all served.
  CHECK(g.requests == Approx(rate * 6 * 3600).epsilon(0.01));
  CHECK(g.completed + g.dropped + g.in_flight == g.requests);
  CHECK(g.dropped == 0);
  // The calibrated level is the rate rounded up to 3%: Wq grows by up to ~7.5% there.
  CHECK(g.ttft_mean == Approx(Wq + prefill).epsilon(0.10));
  CHECK(g.e2e_mean == Approx(Wq + S).epsilon(0.10));
  CHECK(r.services.at(0).gpu_utilisation == Approx(rho).epsilon(0.04));
}

TEST_CASE("fast mode's intervals over the horizon are bounded when the scenario loads", "[scenario][inference][fast]") {
  // 1000 years of 1 s intervals: 3.16e10 steps, past the 1e8 of every periodic check.
  const std::string head = "name: f\nhorizon: 1000y\n" + std::string(test::kLlama8bOnOneH100);
  test::check_refused(head + "    - {name: s, model: llama3-8b, replicas: {a: 1}, mode: fast, fast_interval: 1s,\n"
                             "       arrivals: {poisson: 0.01/s}}\n",
                      "f.yaml", "f.yaml:", "workloads.inference[0].fast_interval: fast mode's interval of 1.00 s over the horizon (365000.00 d) is 3.15e+10 intervals");
  // Without fast_interval (60 s: 5.3e8 intervals) the error is at `mode`.
  test::check_refused(head + "    - {name: s, model: llama3-8b, replicas: {a: 1}, mode: fast, arrivals: {poisson: 0.01/s}}\n",
                      "f.yaml", "f.yaml:", "workloads.inference[0].mode: fast mode's interval of 60.00 s over the horizon (365000.00 d) is 5.26e+08 intervals");
}
