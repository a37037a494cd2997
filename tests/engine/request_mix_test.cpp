// What a service's requests look like: traces replayed faster and looped, lengths drawn from a
// distribution, prompts found in the prefix cache. Closed forms from the cost model and the
// trace's arithmetic; one simulation per test case.
#include <catch2/catch.hpp>

#include <fstream>

#include "rcn/engine/simulation.hpp"
#include "rcn/models/inference_model.hpp"
#include "tests/load_scenario.hpp"
#include "tests/test_support.hpp"

using namespace rcn;

namespace {


// A one-replica llama3-8b service (one H100) with these arrivals and extra keys.
Scenario service(const std::string& horizon, const std::string& arrivals, const std::string& extra,
                 const std::string& dir = ".", int max_batch = 1) {
  const std::string y = "name: mix\nhorizon: " + horizon + "\n" + test::kLlama8bOnOneH100 +
                        "    - {name: s, model: llama3-8b, replicas: {a: 1}, gpus_per_replica: 1, max_batch: " +
                        std::to_string(max_batch) + extra +
                        ",\n       arrivals: " + arrivals + "}\n";
  return test::load_scenario(y, dir + "/mix.yaml", dir);
}

InferenceCost llama8b(const Scenario& s) {
  return InferenceCost(*s.find_model("llama3-8b"), builtin_hardware_profiles().at("h100-sxm"), 1, "bf16");
}

// Writes an Azure-format trace: one row per (seconds, prompt, output[, conversation]).
std::string write_trace(const std::string& dir, const std::vector<std::vector<double>>& rows) {
  std::ofstream out(dir + "/trace.csv");
  const bool conversations = !rows.empty() && rows[0].size() == 4;
  out << "TIMESTAMP,ContextTokens,GeneratedTokens" << (conversations ? ",ConversationId" : "") << "\n";
  for (const auto& r : rows) {
    char line[96];
    std::snprintf(line, sizeof line, "2024-05-10 00:%02d:%09.6f,%.0f,%.0f", static_cast<int>(r[0] / 60),
                  std::fmod(r[0], 60), r[1], r[2]);
    out << line;
    if (conversations) out << "," << static_cast<long>(r[3]);
    out << "\n";
  }
  return "trace.csv";
}

}  // namespace

TEST_CASE("a trace replayed twice as fast and looped brings its rows once per period until the horizon",
          "[engine][inference][lengths]") {
  // Ten rows one second apart: a span of 9 s and a mean gap of 1 s, so at rate_scale 2 a period of
  // (9 + 1) / 2 = 5 s; a one-minute horizon holds 12 periods of 10 requests.
  const std::string dir = test::scratch_dir("trace-loop");
  std::vector<std::vector<double>> rows;
  for (int i = 0; i < 10; ++i) rows.push_back({static_cast<double>(i), 64, 4});
  write_trace(dir, rows);
  SimulationResult r = run_simulation(service("1min", "{trace: trace.csv, rate_scale: 2, loop: true}", "", dir));
  const auto& g = r.inference.at(0);
  CHECK(g.requests == 120);
  // A few ms each, half a second apart: all served but possibly the last, in flight when its
  // dispatcher, with nothing left to send, lets the run end.
  CHECK(g.completed >= g.requests - 1);
  CHECK(g.completed + g.in_flight == g.requests);
}

TEST_CASE("lengths drawn per request: the tokens served are the distribution's mean per request",
          "[engine][inference][lengths]") {
  // Uniform prompts 100..900 (mean 500) and lognormal outputs of mean 40: over ~36,000 requests
  // the tokens per completed request are 540 within a few tenths of a percent.
  Scenario s = service("2h", "{poisson: 5/s, prompt_tokens: {uniform: {min: 100, max: 900}}, "
                             "output_tokens: {lognormal: {mean: 40, sigma: 0.5}}}",
                       "", ".", 64);
  SimulationResult r = run_simulation(s);
  const auto& sv = r.services.at(0);
  const auto& g = r.inference.at(0);
  REQUIRE(g.completed > 30000);
  CHECK(sv.tokens_served / g.completed == Approx(540).epsilon(0.01));
}

TEST_CASE("a prefix cache hit share cuts each prompt's prefill to the rest of the prompt",
          "[engine][inference][prefix]") {
  // Requests 10 s apart on an idle replica: TTFT is the prefill alone. With hit 0.75 the first
  // 1,536 of 2,048 tokens are cached: the prefill is one 512-token chunk after 1,536 cached tokens.
  Scenario s = service("10min", "{poisson: 0.1/s, prompt_tokens: 2048, output_tokens: 2}", ", prefix_cache: {hit: 0.75}");
  const InferenceCost c = llama8b(s);
  const double with_hit = c.mixed_step_s(0, 0, {{1536, 512, true}});
  REQUIRE(with_hit < 0.5 * c.prefill_s({2048}));
  SimulationResult r = run_simulation(s);
  const auto& g = r.inference.at(0);
  REQUIRE(g.completed > 30);
  // Poisson arrivals may land while the replica is busy: the fastest requests waited for nothing.
  CHECK(g.ttft_cdf.front() == Approx(with_hit).epsilon(1e-9));
}

TEST_CASE("a conversation's next turn finds its previous turn's context in the replica's prefix cache",
          "[engine][inference][prefix]") {
  // Conversation 7: a first turn of 1,000 prompt tokens answered with 100, then 30 s later a turn
  // whose prompt (1,500) holds that context: only its last 400 tokens are prefilled. Conversation 8's
  // single turn of 1,500 tokens finds nothing.
  const std::string dir = test::scratch_dir("prefix-conversations");
  write_trace(dir, {{0, 1000, 100, 7}, {30, 1500, 10, 7}, {60, 1500, 10, 8}});
  Scenario s = service("5min", "{trace: trace.csv}", ", prefix_cache: {conversations: true}", dir);
  const InferenceCost c = llama8b(s);
  const double second_turn = c.mixed_step_s(0, 0, {{1100, 400, true}});
  const double fresh = c.prefill_s({1500});
  REQUIRE(second_turn < c.prefill_s({1000}));
  SimulationResult r = run_simulation(s);
  const auto& g = r.inference.at(0);
  REQUIRE(g.completed == 3);
  CHECK(g.ttft_cdf.front() == Approx(second_turn).epsilon(1e-9));  // the fastest of the three
  CHECK(g.ttft_cdf.back() == Approx(fresh).epsilon(1e-9));         // the slowest: conversation 8
}
