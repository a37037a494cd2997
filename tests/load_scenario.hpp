#pragma once
// Loads a scenario a test writes inline. A scenario with errors fails the test
// and prints every diagnostic (UNSCOPED_INFO: a plain INFO would end with the
// loop that reports it, before REQUIRE could show it).
#include <catch2/catch.hpp>

#include <string>

#include "rcn/scenario/loader.hpp"

namespace rcn::test {

// `base_dir`: the folder its file references (traces, hardware) are read from.
inline Scenario load_scenario(const std::string& yaml, const std::string& name, const std::string& base_dir = ".") {
  LoadResult r = load_scenario_text(yaml, name, {}, base_dir);
  for (const auto& d : r.diagnostics.items()) UNSCOPED_INFO(d.str());
  REQUIRE(r.scenario);
  return *r.scenario;
}

// A one-service scenario (a tiny model, one H100 server); `service` continues the service's flow
// mapping after its name, model and replicas, on line 9.
inline std::string tiny_service_yaml(const std::string& service) {
  return R"(name: g
horizon: 1h
sites:
  - {name: a, clusters: [{gpu: h100-sxm, servers: 1}]}
models:
  m: {layers: 2, hidden: 256, heads: 4, kv_heads: 4, ffn: 1024, vocab: 1000, seq: 512}
workloads:
  inference:
    - {name: s, model: m, replicas: {a: 1}, )" +
         service + "}\n";
}

// The loader refuses `yaml` with exactly one error, starting with `where` ("file:line:") and
// naming `field`.
inline void check_refused(const std::string& yaml, const std::string& name, const std::string& where,
                          const std::string& field) {
  INFO(yaml);
  LoadResult bad = load_scenario_text(yaml, name);
  CHECK_FALSE(bad.scenario);
  REQUIRE(bad.diagnostics.items().size() == 1);
  CHECK_THAT(bad.diagnostics.items()[0].str(), Catch::StartsWith(where) && Catch::Contains(field));
}

// A scenario's sites, models and the start of its services: one H100 server, Llama-3-8B; the
// services follow as list items.
inline const char* const kLlama8bOnOneH100 = R"(sites:
  - {name: a, clusters: [{gpu: h100-sxm, servers: 1}]}
models:
  llama3-8b: {layers: 32, hidden: 4096, heads: 32, kv_heads: 8, ffn: 14336, vocab: 128256, seq: 8192,
              gated_mlp: true, tied_embeddings: false}
workloads:
  inference:
)";

}  // namespace rcn::test
