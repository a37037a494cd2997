// Times the layout search (models/layout_search.hpp) on three planner-sized cases:
// a Llama-3-70B-shaped model on 1,024 H100s, a 405B-class one of 128 layers on
// 16,384 H100s (every pp splits it evenly), and Llama 3 405B's own 126 layers on
// 16,384 (pp 8 and 16 only as the embedding-and-loss split), one core.
// Prints, per case, the layouts enumerated, skipped for memory, pruned by the
// bound and evaluated with the full step model, the wall time, and both rates.
// Usage: rcn-bench-search [--exhaustive]   (also times the search without pruning)
#include <fmt/format.h>

#include <chrono>
#include <cstring>

#include "rcn/scenario/loader.hpp"
#include "rcn/models/layout_search.hpp"

int main(int argc, char** argv) {
  const bool exhaustive = argc > 1 && std::strcmp(argv[1], "--exhaustive") == 0;
  const std::string y =
      "name: bench-search\nsites:\n"
      "  - {name: a, clusters: [{name: h100, gpu: h100-sxm, servers: 2048,\n"
      "      scale_out: {kind: infiniband, nic_bandwidth: 400Gbps, nics_per_server: 8}}]}\n"
      "models:\n"
      "  llama3-70b: {layers: 80, hidden: 8192, heads: 64, kv_heads: 8, ffn: 28672, vocab: 128256, seq: 8192,\n"
      "               gated_mlp: true, tied_embeddings: false, dropout: false}\n"
      "  llama3-405b: {layers: 128, hidden: 16384, heads: 128, kv_heads: 8, ffn: 53248, vocab: 128256, seq: 8192,\n"
      "                gated_mlp: true, tied_embeddings: false, dropout: false}\n"
      "  llama3-405b-126: {layers: 126, hidden: 16384, heads: 128, kv_heads: 8, ffn: 53248, vocab: 128256,\n"
      "                    seq: 8192, gated_mlp: true, tied_embeddings: false, dropout: false}\n"
      "workloads:\n  training:\n"
      "    - {name: l70-1024, model: llama3-70b, gpus: 1024, global_batch: 1024, tokens: 15e12, parallelism: auto}\n"
      "    - {name: l405-16384, model: llama3-405b, gpus: 16384, global_batch: 2048, tokens: 15.6e12,\n"
      "       parallelism: auto}\n"
      "    - {name: l405-126-16384, model: llama3-405b-126, gpus: 16384, global_batch: 2048, tokens: 15.6e12,\n"
      "       parallelism: auto}\n";
  rcn::LoadResult r = rcn::load_scenario_text(y, "<bench-search>");
  if (!r.scenario) {
    for (const auto& d : r.diagnostics.items()) fmt::print(stderr, "{}\n", d.str());
    return 2;
  }
  const rcn::Scenario& s = *r.scenario;
  const rcn::ClusterSpec& cluster = s.sites[0].clusters[0];
  const rcn::HardwareProfile& gpu = *s.find_profile(cluster.gpu);
  const rcn::ClusterLinks links = rcn::ClusterLinks::of(cluster);
  using clock = std::chrono::steady_clock;
  for (const rcn::TrainingJobSpec& job : s.training) {
    const rcn::ModelSpec& m = *s.find_model(job.model);
    for (const bool prune : {true, false}) {
      if (!prune && !exhaustive) continue;
      const auto t0 = clock::now();
      const rcn::LayoutSearchResult res = rcn::search_layouts(m, job, gpu, links, {5, prune});
      const double wall = std::chrono::duration<double>(clock::now() - t0).count();
      const auto& c = res.counts;
      fmt::print("{} ({}): {} layouts in {:.3f} s = {:.0f} decided/s; {} skipped for memory, {} pruned by the bound, "
                 "{} evaluated with the step model ({:.0f}/s)\n",
                 job.name, prune ? "pruned" : "exhaustive", c.enumerated, wall, c.enumerated / wall, c.skipped_memory,
                 c.pruned_bound, c.evaluated, c.evaluated / wall);
      if (!res.best.empty()) {
        const auto& b = res.best.front();
        const auto& q = b.layout;
        const std::string ends =
            q.first_stage_layers >= 0 ? fmt::format(" (first and last stage {} layers)", q.first_stage_layers) : "";
        fmt::print("  best: tp {} cp {} pp {}{} v {} dp {} mb {} recompute {} zero {} sp {}: step {:.3f} s, MFU {:.1f}%, "
                   "{:.1f} GB per GPU\n",
                   q.tp, q.cp, q.pp, ends, q.virtual_stages, q.dp, q.micro_batch, q.recompute, q.zero,
                   q.sequence_parallel && q.tp > 1 ? "on" : "off", b.step_time_s, 100 * b.mfu,
                   b.memory.total_bytes / 1e9);
      }
    }
  }
  return 0;
}
