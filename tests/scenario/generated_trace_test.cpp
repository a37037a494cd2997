// workloads.training_trace.generate: the synthetic trace of `rcnsim trace generate`,
// drawn from the scenario's seed, so every seed of a sweep is another job mix.
#include <catch2/catch.hpp>

#include <string>

#include "rcn/scenario/loader.hpp"
#include "src/scenario/job_trace.hpp"

using namespace rcn;

namespace {

std::string scenario(const std::string& generate, int seed = 1) {
  return "name: g\nseed: " + std::to_string(seed) + R"(
horizon: 1d
sites:
  - {name: a, clusters: [{name: main, gpu: h100-sxm, servers: 64}]}
  - {name: b, clusters: [{name: main, gpu: h100-sxm, servers: 8}]}
wan: [{from: a, to: b, bandwidth: 100Gbps, latency: 1ms}]
models:
  llama3-8b: {layers: 32, hidden: 4096, heads: 32, kv_heads: 8, ffn: 14336, vocab: 128256, seq: 8192,
              gated_mlp: true, tied_embeddings: false}
workloads:
  training_trace:
    generate: )" + generate + "\n";
}

LoadResult load(const std::string& text, std::optional<std::uint64_t> seed = std::nullopt) {
  LoadOptions o;
  o.seed = seed;
  return load_scenario_text(text, "g.yaml", o, ".");
}

}  // namespace

TEST_CASE("a generated trace is the CSV trace generate writes for the scenario's seed") {
  const LoadResult r = load(scenario("{jobs: 40, rate: 30/h, max_gpus: 64, model: llama3-8b, dataset_sites: [b]}", 7));
  REQUIRE(r.scenario);
  Diagnostics d;
  const std::string csv = generate_job_trace(40, 30.0 / 3600, 64, "llama3-8b", {"b"}, 7);
  const auto expected = read_job_trace(csv, "x.csv", *r.scenario, d);
  REQUIRE(r.scenario->training.size() == 40);
  REQUIRE(expected.size() == 40);
  for (std::size_t i = 0; i < 40; ++i) {
    CHECK(r.scenario->training[i].name == expected[i].name);
    CHECK(r.scenario->training[i].submit == expected[i].submit);
    CHECK(r.scenario->training[i].gpus == expected[i].gpus);
    CHECK(r.scenario->training[i].duration == expected[i].duration);
  }
}

TEST_CASE("another seed, or --seed, draws another generated trace; the same seed the same one") {
  const std::string g = "{jobs: 30, rate: 30/h, model: llama3-8b}";
  auto submits = [](const LoadResult& r) {
    std::vector<double> t;
    for (const auto& j : r.scenario->training) t.push_back(j.submit);
    return t;
  };
  const LoadResult one = load(scenario(g, 1)), again = load(scenario(g, 1)), two = load(scenario(g, 2));
  const LoadResult overridden = load(scenario(g, 1), 2);
  REQUIRE((one.scenario && again.scenario && two.scenario && overridden.scenario));
  CHECK(submits(one) == submits(again));
  CHECK(submits(one) != submits(two));
  CHECK(submits(overridden) == submits(two));  // --seed 2 is seed: 2
  CHECK(overridden.scenario->seed == 2);
}

TEST_CASE("a generated trace's keys are checked with file:line:col and field paths") {
  const LoadResult r = load(scenario("{jobs: 0, rate: 30/h, model: nope, dataset_sites: [c], colour: red}"));
  CHECK_FALSE(r.scenario);
  std::string all;
  for (const auto& d : r.diagnostics.items()) all += d.str() + "\n";
  CHECK(all.find("g.yaml:13:70: error: workloads.training_trace.generate.colour: unknown key") != std::string::npos);
  CHECK(all.find("g.yaml:13:22: error: workloads.training_trace.generate.jobs: expected an integer >= 1") !=
        std::string::npos);
  CHECK(all.find("workloads.training_trace.generate.model: unknown model \"nope\"") != std::string::npos);
  CHECK(all.find("workloads.training_trace.generate.dataset_sites[0]: expected a site name") != std::string::npos);
}
