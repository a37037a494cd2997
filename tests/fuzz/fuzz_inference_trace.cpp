// libFuzzer target: an inference arrival trace (arrivals.trace, the Azure LLM
// CSV layout) named by a small fixed scenario, which is loaded and, when it
// validates, run with the semantic checks of fuzz_run.hpp. Going through the
// scenario covers the trace wherever it is read (at load time or at run time).
#include <cstdint>
#include <optional>
#include <string>

#include "fuzz_run.hpp"
#include "rcn/engine/checked_scenario.hpp"

namespace {

// The trace is input_dir()/trace.csv, named relative to the scenario's folder.
std::string scenario_text() {
  return R"(name: fuzz-inference-trace
horizon: 10min
sites:
  - {name: east, kind: center, region: east, location: {lat: 31.2, lon: 121.5}, clusters: [{gpu: h100-sxm, servers: 2}]}
models:
  llama3-8b: {layers: 32, hidden: 4096, heads: 32, kv_heads: 8, ffn: 14336, vocab: 128256, seq: 8192,
              gated_mlp: true, tied_embeddings: false}
workloads:
  inference:
    - name: code
      model: llama3-8b
      replicas: {east: 2}
      gpus_per_replica: 1
      max_batch: 16
      arrivals: {trace: trace.csv}
      demand: {east: 1}
      slo: {ttft: 2s, e2e: 5s}
)";
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  rcn::fuzz::write_input_file(rcn::fuzz::as_text(data, size), "trace.csv");
  std::optional<rcn::Scenario> scenario;
  try {
    rcn::LoadResult r = rcn::load_checked_text(scenario_text(), "fuzz.yaml", {}, rcn::fuzz::input_dir().string());
    rcn::fuzz::check_diagnostics(r.diagnostics);
    scenario = std::move(r.scenario);
  } catch (const rcn::InputError& e) {
    rcn::fuzz::check_diagnostics(e.diagnostics);
  }
  if (scenario) rcn::fuzz::run_and_check(*scenario);
  return 0;
}
