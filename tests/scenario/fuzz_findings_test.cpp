// Inputs fuzz_scenario_loader found (tests/fuzz/regressions/fuzz_scenario_loader/,
// replayed there under ASan+UBSan too): each gets the exact diagnostics a user sees.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "rcn/engine/checked_scenario.hpp"

using namespace rcn;

namespace {

std::vector<std::string> errors_of(const std::string& yaml) {
  LoadResult r = load_checked_text(yaml, "f.yaml");
  REQUIRE_FALSE(r.scenario);
  std::vector<std::string> lines;
  for (const auto& d : r.diagnostics.items()) lines.push_back(d.str());
  return lines;
}

}  // namespace

TEST_CASE("fuzz finding: a job without gpus and with a global_batch is one error, not a division by zero") {
  const std::string yaml =
      "name: t\n"
      "sites: [{name: a, region: r, clusters: [{gpu: h100-sxm, servers: 1}]}]\n"
      "models: {m: {layers: 2, hidden: 64, heads: 2, ffn: 256, vocab: 100, seq: 128}}\n"
      "workloads: {training: [{name: j, model: m, global_batch: 8, steps: 1, parallelism: {zero: 1}}]}\n";
  CHECK(errors_of(yaml) ==
        std::vector<std::string>{"f.yaml:4:24: error: workloads.training[0]: missing required key 'gpus' (an integer >= 1)"});
}

TEST_CASE("fuzz finding: a name holding a carriage return is quoted on one line") {
  const std::string yaml =
      "name: t\n"
      "sites: [{name: \"center\\reast\", region: r, clusters: [{gpu: h100-sxm, servers: 1}]}]\n"
      "wan: [{from: center-east, to: b, bandwidth: 1Gbps}]\n";
  CHECK(errors_of(yaml) == std::vector<std::string>{
                               "f.yaml:3:14: error: wan[0].from: unknown site \"center-east\", did you mean center?east?",
                               "f.yaml:3:31: error: wan[0].to: unknown site \"b\" (known: center?east)"});
}
