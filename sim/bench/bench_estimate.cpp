// Times `rcnsim estimate` on N training jobs (default 100) of assorted shapes
// on a three-site network, excluding process start. Usage: rcn-bench-estimate [N]
#include <fmt/format.h>

#include <chrono>
#include <cstdlib>

#include "rcn/engine/checked_scenario.hpp"
#include "rcn/report/step_report.hpp"

int main(int argc, char** argv) {
  const int n = argc > 1 ? std::atoi(argv[1]) : 100;
  std::string y =
      "name: bench-estimate\nsites:\n"
      "  - {name: a, clusters: [{gpu: h200-sxm, servers: 2048}]}\n"
      "  - {name: b, clusters: [{gpu: h100-sxm, servers: 512}]}\n"
      "  - {name: c, clusters: [{gpu: a100-80g, servers: 512}]}\n"
      "wan:\n  - {from: a, to: b, bandwidth: 1Tbps, latency: 5ms}\n  - {from: a, to: c, bandwidth: 1Tbps, latency: 5ms}\n"
      "models:\n"
      "  l8: {layers: 32, hidden: 4096, heads: 32, kv_heads: 8, ffn: 14336, vocab: 128256, seq: 8192, gated_mlp: true}\n"
      "  l70: {layers: 80, hidden: 8192, heads: 64, kv_heads: 8, ffn: 28672, vocab: 128256, seq: 8192, gated_mlp: true}\n"
      "  g175: {layers: 96, hidden: 12288, heads: 96, ffn: 49152, vocab: 51200, seq: 2048}\n"
      "workloads:\n  training:\n";
  const char* shapes[] = {
      "model: l8, gpus: 256, parallelism: {tp: 1, pp: 1, dp: 256, zero: 3}, global_batch: 512",
      "model: l70, gpus: 1024, parallelism: {tp: 8, pp: 4, dp: 32, recompute: selective}, global_batch: 512",
      "model: g175, gpus: 1024, parallelism: {tp: 8, pp: 8, dp: 16, recompute: full}, global_batch: 1536",
      "model: l70, gpus: 2048, parallelism: {tp: 8, pp: 8, dp: 32, schedule: interleaved-1f1b, virtual_stages: 2}, "
      "global_batch: 1024"};
  for (int i = 0; i < n; ++i) y += fmt::format("    - {{name: j{}, {}, tokens: 1e11}}\n", i, shapes[i % 4]);
  using clock = std::chrono::steady_clock;
  const auto t0 = clock::now();
  rcn::LoadResult r = rcn::load_checked_text(y, "<bench>");
  if (!r.scenario) {
    for (const auto& d : r.diagnostics.items()) fmt::print(stderr, "{}\n", d.str());
    return 2;
  }
  const auto t1 = clock::now();
  const auto est = rcn::estimate_jobs(*r.scenario);
  const std::string text = rcn::estimates_table(est);
  const auto t2 = clock::now();
  auto ms = [](auto d) { return std::chrono::duration<double, std::milli>(d).count(); };
  fmt::print("estimate of {} jobs: load+check {:.1f} ms, estimate+format {:.1f} ms, total {:.1f} ms ({} bytes)\n",
             est.size(), ms(t1 - t0), ms(t2 - t1), ms(t2 - t0), text.size());
  return 0;
}
