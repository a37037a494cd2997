// Serving costs (InferenceCost) against closed forms and invariants: the HBM floor of a decode
// step, the slope per KV token, the launch cost CUDA graphs remove, prefill bounds.
#include <catch2/catch.hpp>

#include "rcn/models/cluster_fabric.hpp"
#include "rcn/models/inference_model.hpp"
#include "rcn/models/transformer_size.hpp"
#include "rcn/scenario/loader.hpp"
#include "tests/load_scenario.hpp"
#include "tests/serving_models.hpp"

using namespace rcn;

namespace {

using test::llama3_70b;
using test::llama3_8b;

const HardwareProfile& gpu(const char* name) { return builtin_hardware_profiles().at(name); }
double hbm_rate(const HardwareProfile& g) { return g.hbm_bandwidth * g.hbm_efficiency; }
double weight_bytes(const ModelSpec& m) { return 2.0 * transformer_size(m).total_params; }  // bf16
// The weights a step multiplies: all of them but the (untied) embedding table, of which only the
// rows of the step's tokens are read.
double weights_multiplied(const ModelSpec& m) { return weight_bytes(m) - 2.0 * m.vocab * m.hidden; }
// K and V of every layer, bf16: 2 x layers x kv_heads x head_dim x 2 bytes.
double kv_bytes_per_token(const ModelSpec& m) { return 2.0 * m.layers * m.kv_heads * (m.hidden / m.heads) * 2.0; }
// Kernels of a decode step or a prefill, collectives aside: per layer norm, QKV, rotary (with the
// KV-cache write), attention, output projection, residual, norm, fc1, activation, fc2, residual;
// then embedding, final norm, logits and sampling.
double kernels(const ModelSpec& m) { return 11.0 * m.layers + 4; }

// A one-service scenario whose service mapping ends with `extra` (its line is line 9).
std::string service_yaml(const std::string& extra) { return test::tiny_service_yaml("arrivals: {poisson: 1/s}" + extra); }

}  // namespace

TEST_CASE("a decode step reads at least every weight it multiplies from HBM", "[models][inference]") {
  REQUIRE(transformer_size(llama3_8b()).total_params == Approx(8.03e9).epsilon(0.01));
  struct Case {
    ModelSpec m;
    const char* gpu;
    int tp;
  };
  for (const Case& c : {Case{llama3_8b(), "h100-sxm", 1}, Case{llama3_8b(), "h200-sxm", 1},
                        Case{llama3_70b(), "h100-sxm", 4}, Case{llama3_70b(), "h200-sxm", 8}}) {
    for (bool graphs : {true, false}) {
      InferenceCost cost(c.m, gpu(c.gpu), c.tp, "bf16", graphs);
      for (double batch : {1, 8, 64, 256}) {
        INFO(c.gpu << " tp " << c.tp << " graphs " << graphs << " batch " << batch);
        CHECK(cost.decode_step_s(batch, 0) >= weights_multiplied(c.m) / c.tp / hbm_rate(gpu(c.gpu)));
      }
    }
  }
}

TEST_CASE("decode time grows with the batch and with KV tokens at KV bytes over HBM bandwidth per token",
          "[models][inference]") {
  const ModelSpec m = llama3_8b();
  for (int tp : {1, 2}) {
    InferenceCost cost(m, gpu("h100-sxm"), tp, "bf16");
    // The GEMM model interpolates a measured table that is itself not monotone (m = 8 runs 2.6%
    // faster than m = 1 at 32768 x 8192 on the H200), so one more request may cost up to 1% less
    // where the GEMMs dominate; growth is asserted over doublings and to within that wobble.
    double last = 0;
    for (double batch = 1; batch <= 512; batch *= 2) {  // 1k tokens of context each
      const double t = cost.decode_step_s(batch, batch * 1024);
      CHECK(t > last * 0.99);
      CHECK(cost.decode_step_s(batch + 1, batch * 1024) > 0.99 * cost.decode_step_s(batch, batch * 1024));
      last = t;
    }
    CHECK(cost.decode_step_s(512, 512 * 1024) > 1.5 * cost.decode_step_s(1, 1024));
    // Attention over the cache is memory-bound: every extra token of KV is read once per step,
    // each rank reading its share of the KV heads.
    const double k1 = 64 * 1024, k2 = 128 * 1024;
    const double slope = (cost.decode_step_s(32, k2) - cost.decode_step_s(32, k1)) / (k2 - k1);
    CHECK(slope == Approx(kv_bytes_per_token(m) / tp / hbm_rate(gpu("h100-sxm"))).epsilon(1e-6));
  }
}

TEST_CASE("CUDA graphs make a decode step faster by the launch cost they save on every kernel",
          "[models][inference]") {
  // Same kernels, launched eagerly or replayed from a graph: the step differs by
  // kernels x (eager launch - graph launch) and by nothing else.
  struct Case {
    ModelSpec m;
    int tp;
  };
  const HardwareProfile& g = gpu("h200-sxm");
  for (const Case& c : {Case{llama3_8b(), 1}, Case{llama3_70b(), 8}}) {
    InferenceCost graphs(c.m, g, c.tp, "bf16", true), eager(c.m, g, c.tp, "bf16", false);
    for (double batch : {1, 4}) {
      INFO("tp " << c.tp << " batch " << batch);
      const double saved = eager.decode_step_s(batch, batch * 1024) - graphs.decode_step_s(batch, batch * 1024);
      CHECK(saved == Approx(kernels(c.m) * (g.launch_overhead - g.graph_launch_overhead)).epsilon(1e-6));
    }
    // Prefill stays eager whatever the option says.
    CHECK(graphs.prefill_s({512}) == eager.prefill_s({512}));
  }
}

TEST_CASE("a short prompt's prefill costs at least its launches and one read of the weights it multiplies",
          "[models][inference]") {
  // Every kernel but attention (timed from the flash-attention table) pays an eager launch.
  const ModelSpec m = llama3_8b();
  for (const char* name : {"h100-sxm", "h200-sxm"}) {
    const HardwareProfile& g = gpu(name);
    InferenceCost cost(m, g, 1, "bf16");
    const double launches = (kernels(m) - m.layers) * g.launch_overhead;
    for (double prompt : {1, 16, 128}) {
      INFO(name << " prompt " << prompt);
      CHECK(cost.prefill_s({prompt}) >= launches + weights_multiplied(m) / hbm_rate(g));
    }
  }
}

TEST_CASE("prefill grows with the prompt and batching prompts costs less than prefilling them apart",
          "[models][inference]") {
  for (int tp : {1, 4}) {
    InferenceCost cost(tp == 1 ? llama3_8b() : llama3_70b(), gpu("h100-sxm"), tp, "bf16");
    double last = 0;  // to within the GEMM table's 1% wobble (see the decode test)
    for (double p = 1; p <= 32768; p *= 2) {
      const double t = cost.prefill_s({p});
      CHECK(t > 0.99 * last);
      last = t;
    }
    CHECK(cost.prefill_s({32768}) > 30 * cost.prefill_s({128}));
    // Two prompts together: more work than one, less than two iterations (the weights are read once).
    const double one = cost.prefill_s({512}), two = cost.prefill_s({512, 512});
    CHECK(two > one);
    CHECK(two < 2 * one);
    CHECK(cost.prefill_s({}) == 0);
    CHECK(cost.prefill_s({0}) == 0);
  }
}

TEST_CASE("tensor parallelism halves the weight read per GPU but adds all-reduces", "[models][inference]") {
  const ModelSpec m = llama3_8b();
  const HardwareProfile& g = gpu("h200-sxm");
  InferenceCost tp1(m, g, 1, "bf16"), tp2(m, g, 2, "bf16");
  // At batch 1 the step is weight-bound: halving the weights per GPU wins.
  CHECK(tp2.decode_step_s(1, 1024) < tp1.decode_step_s(1, 1024));
  // But the step keeps its all-reduces: 2 per layer plus the embedding's, each of one token's
  // activations on the NVLink tier, and the logits' all-gather, on top of half the weight read.
  const CollectiveFabric f = collective_fabric(g, ClusterLinks{});
  const double allreduce = collective_time(CollectiveOp::AllReduce, m.hidden * 2.0, 2, 2, f).seconds;
  const double gather = collective_time(CollectiveOp::AllGather, m.vocab * 2.0, 2, 2, f).seconds;
  REQUIRE(allreduce > 0);
  CHECK(tp2.decode_step_s(1, 0) >=
        weights_multiplied(m) / 2 / hbm_rate(g) + (2.0 * m.layers + 1) * allreduce + gather + kernels(m) * g.graph_launch_overhead);
}

TEST_CASE("the replica option cuda_graphs defaults to true and is read from the service", "[models][inference]") {
  CHECK(test::load_scenario(service_yaml(""), "g.yaml").inference.at(0).cuda_graphs);
  CHECK_FALSE(test::load_scenario(service_yaml(", cuda_graphs: false"), "g.yaml").inference.at(0).cuda_graphs);
  LoadResult bad = load_scenario_text(service_yaml(", cuda_graphs: maybe"), "g.yaml");
  CHECK_FALSE(bad.scenario);
  REQUIRE(bad.diagnostics.items().size() == 1);
  CHECK_THAT(bad.diagnostics.items()[0].str(), Catch::StartsWith("g.yaml:9:") &&
                                                   Catch::Contains("workloads.inference[0].cuda_graphs") &&
                                                   Catch::Contains("expected true or false"));
}

TEST_CASE("an iteration takes its GPU time plus the engine's host time, or the longer of the two when overlapped",
          "[models][inference][engine]") {
  CHECK(InferenceCost::iteration_s(5e-3, 2e-3, false) == Approx(7e-3));
  CHECK(InferenceCost::iteration_s(5e-3, 2e-3, true) == Approx(5e-3));
  CHECK(InferenceCost::iteration_s(1e-3, 2e-3, true) == Approx(2e-3));
  CHECK(InferenceCost::iteration_s(5e-3, 0, false) == 5e-3);

  const ModelSpec m = llama3_8b();
  const HardwareProfile& g = gpu("h100-sxm");
  InferenceCost ideal(m, g, 1, "bf16");
  const double gpu_step = ideal.decode_step_s(16, 16 * 1024), gpu_prefill = ideal.prefill_s({512, 256});
  REQUIRE(gpu_step > 1e-3);

  // Waiting for the CPU: every decode step and every prefill pays the host time once.
  ServingEngineSpec serial;
  serial.host_overhead = 3e-3;
  InferenceCost waits(m, g, 1, "bf16", true, serial);
  CHECK(waits.decode_step_s(16, 16 * 1024) == Approx(gpu_step + 3e-3).epsilon(1e-12));
  CHECK(waits.prefill_s({512, 256}) == Approx(gpu_prefill + 3e-3).epsilon(1e-12));
  CHECK(waits.decode_step_s(0, 0) == 0);  // no iteration, no CPU work
  CHECK(waits.prefill_s({}) == 0);

  // Multi-step scheduling: one iteration's CPU work is shared by its decode steps; a prefill
  // still runs as an iteration of its own.
  ServingEngineSpec multi = serial;
  multi.scheduler_steps = 10;
  InferenceCost amortised(m, g, 1, "bf16", true, multi);
  CHECK(amortised.decode_step_s(16, 16 * 1024) == Approx(gpu_step + 3e-4).epsilon(1e-12));
  CHECK(amortised.prefill_s({512, 256}) == Approx(gpu_prefill + 3e-3).epsilon(1e-12));

  // Overlapped: hidden behind a longer GPU step, the whole step when the CPU is the longer.
  ServingEngineSpec overlap;
  overlap.overlapped = true;
  overlap.host_overhead = 1e-4;
  CHECK(InferenceCost(m, g, 1, "bf16", true, overlap).decode_step_s(16, 16 * 1024) == gpu_step);
  overlap.host_overhead = 0.5;
  CHECK(InferenceCost(m, g, 1, "bf16", true, overlap).decode_step_s(16, 16 * 1024) == 0.5);
  CHECK(InferenceCost(m, g, 1, "bf16", true, overlap).prefill_s({512, 256}) == 0.5);
}

TEST_CASE("the service's engine, host_overhead and scheduler_steps are read and bounded", "[models][inference][engine]") {
  const ServingEngineSpec none = test::load_scenario(service_yaml(""), "g.yaml").inference.at(0).engine;
  CHECK(none.name == "ideal");
  CHECK(none.host_overhead == 0);
  CHECK_FALSE(none.overlapped);
  CHECK(none.scheduler_steps == 1);
  const ServingEngineSpec v = test::load_scenario(service_yaml(", engine: vllm-0.5, scheduler_steps: 8"), "g.yaml").inference.at(0).engine;
  CHECK(v.host_overhead == Approx(4e-3));
  CHECK_FALSE(v.overlapped);
  CHECK(v.scheduler_steps == 8);
  const ServingEngineSpec sg = test::load_scenario(service_yaml(", engine: sglang, host_overhead: 1.5ms"), "g.yaml").inference.at(0).engine;
  CHECK(sg.overlapped);
  CHECK(sg.host_overhead == Approx(1.5e-3));
  CHECK(test::load_scenario(service_yaml(", engine: trtllm"), "g.yaml").inference.at(0).engine.overlapped);
  // The loader's engines are the presets the validation rows use (one home for their figures).
  for (const std::string& name : serving_engine_names()) {
    const ServingEngineSpec loaded =
        test::load_scenario(service_yaml(", engine: " + name), "g.yaml").inference.at(0).engine;
    const ServingEngineSpec preset = serving_engine_preset(name);
    CHECK(loaded.name == name);
    CHECK(preset.name == name);
    CHECK(loaded.host_overhead == preset.host_overhead);
    CHECK(loaded.overlapped == preset.overlapped);
    CHECK(loaded.scheduler_steps == preset.scheduler_steps);
  }
  CHECK(serving_engine_preset("tgi").name == "ideal");

  struct Bad {
    const char* extra;
    const char* field;
  };
  for (const Bad& b : {Bad{", engine: tgi", "workloads.inference[0].engine"},
                       Bad{", host_overhead: 2s", "workloads.inference[0].host_overhead"},
                       Bad{", host_overhead: -1ms", "workloads.inference[0].host_overhead"},
                       Bad{", scheduler_steps: 0", "workloads.inference[0].scheduler_steps"},
                       Bad{", scheduler_steps: 5000", "workloads.inference[0].scheduler_steps"}}) {
    test::check_refused(service_yaml(b.extra), "g.yaml", "g.yaml:9:", b.field);
  }
}

TEST_CASE("a chunked-prefill iteration with one whole prompt is that prompt's prefill, and with none a decode step",
          "[models][inference][scheduler]") {
  InferenceCost c(llama3_8b(), gpu("h100-sxm"), 1, "bf16");
  for (double p : {64.0, 512.0, 3000.0}) {
    INFO(p);
    CHECK(c.mixed_step_s(0, 0, {{0, p, true}}) == Approx(c.prefill_s({p})).epsilon(1e-12));
  }
  CHECK(c.mixed_step_s(32, 32 * 700.0, {}) == Approx(c.decode_step_s(32, 32 * 700.0)).epsilon(1e-12));
  // Two whole prompts in one iteration: the prefill of both together.
  CHECK(c.mixed_step_s(0, 0, {{0, 300, true}, {0, 900, true}}) == Approx(c.prefill_s({300, 900})).epsilon(1e-12));
}

TEST_CASE("chunks of a prompt add up to the prompt's attention and cost more than prefilling it whole",
          "[models][inference][scheduler]") {
  // Attention alone: a chunk's step less the same tokens' step without attention history is the
  // causal attention of its rows; over the chunks the rows make up the whole prompt.
  InferenceCost c(llama3_8b(), gpu("h100-sxm"), 1, "bf16");
  const double p = 4096, chunk = 1024;
  double chunked = 0;
  for (double done = 0; done < p; done += chunk) chunked += c.mixed_step_s(0, 0, {{done, chunk, done + chunk >= p}});
  const double whole = c.prefill_s({p});
  CHECK(chunked > whole);  // each chunk reads the weights again and launches its own kernels
  // Later chunks attend to more keys: past a few thousand tokens, where the measured attention
  // rate has levelled off, each chunk of a long prompt costs more than the one before.
  double before = 0;
  for (double done = 0; done < 32768; done += 8192) {
    const double t = c.mixed_step_s(0, 0, {{done, 8192, false}});
    CHECK(t > before);
    before = t;
  }
  // A decode batch riding along with a chunk costs less than running it as a step of its own.
  const double mixed = c.mixed_step_s(64, 64 * 1000.0, {{0, 512, true}});
  CHECK(mixed < c.prefill_s({512}) + c.decode_step_s(64, 64 * 1000.0));
  CHECK(mixed > c.prefill_s({512}));
}

TEST_CASE("the service's scheduler, max_batched_tokens and kv_block are read and bounded", "[models][inference][scheduler]") {
  const ReplicaSchedulerSpec none = test::load_scenario(service_yaml(""), "g.yaml").inference.at(0).scheduler;
  CHECK(none.name == "orca");
  CHECK_FALSE(none.paged());
  CHECK(none.max_batched_tokens == 0);
  const ReplicaSchedulerSpec v = test::load_scenario(service_yaml(", scheduler: vllm, kv_block: 32"), "g.yaml").inference.at(0).scheduler;
  CHECK(v.paged());
  CHECK_FALSE(v.chunked());
  CHECK(v.kv_block == 32);
  CHECK(v.max_batched_tokens == 0);  // the run uses max(model length, 2048)
  const ReplicaSchedulerSpec sa = test::load_scenario(service_yaml(", scheduler: sarathi"), "g.yaml").inference.at(0).scheduler;
  CHECK(sa.chunked());
  CHECK(sa.max_batched_tokens == 512);
  CHECK(test::load_scenario(service_yaml(", scheduler: sarathi, max_batched_tokens: 2048"), "g.yaml")
            .inference.at(0).scheduler.max_batched_tokens == 2048);
  struct Bad {
    const char* extra;
    const char* field;
  };
  for (const Bad& b : {Bad{", scheduler: tgi", "workloads.inference[0].scheduler"},
                       Bad{", max_batched_tokens: 0", "workloads.inference[0].max_batched_tokens"},
                       Bad{", max_batched_tokens: 1e9", "workloads.inference[0].max_batched_tokens"},
                       Bad{", kv_block: 0", "workloads.inference[0].kv_block"},
                       Bad{", kv_block: 2000000", "workloads.inference[0].kv_block"}}) {
    test::check_refused(service_yaml(b.extra), "g.yaml", "g.yaml:9:", b.field);
  }
}

TEST_CASE("a replica spanning two servers steps through both stages' layers and sends between them once",
          "[models][inference][shapes]") {
  // Llama-3-405B (126 layers, hidden 16,384, GQA 8 KV heads) on H100s: 825 GB of bf16 weights do
  // not fit one 8-GPU server (0.9 x 8 x 80 GiB), so a replica takes two, TP 8 inside each, PP 2 across.
  // An iteration runs the two stages one after the other (one batch in flight): the same kernels as
  // 126 layers on one TP-8 server, plus one stage boundary, where each of the 8 ranks sends its
  // 1/8 of the batch's hidden states (T x 16,384 x 2 B) to its peer over the fabric
  //   base latency + hop latency + T x 16,384 x 2 / 8 / per-GPU scale-out bandwidth
  // and the next stage all-gathers them over NVLink.
  const ModelSpec m = test::llama3_405b();
  const HardwareProfile& g = gpu("h100-sxm");
  ClusterLinks links;
  links.nic_bandwidth = 50e9, links.nics_per_server = 8, links.net_latency = 5e-6;
  const InferenceCost one(m, g, 8, "bf16");
  const InferenceCost two(m, g, 8, "bf16", true, {}, 2, links);
  const CollectiveFabric out = collective_fabric(g, links), nvlink = collective_fabric(g, ClusterLinks{});
  REQUIRE(out.scale_out.hop_latency == 5e-6);
  for (double batch : {1.0, 64.0}) {
    const double hidden = batch * 16384 * 2;
    const double send = out.base_latency + 5e-6 + hidden / 8 / out.scale_out.bandwidth +
                        collective_time(CollectiveOp::AllGather, hidden, 8, 8, nvlink).seconds;
    INFO("batch " << batch);
    CHECK(two.decode_step_s(batch, batch * 1024) - one.decode_step_s(batch, batch * 1024) == Approx(send).margin(1e-12));
    CHECK(two.prefill_s({batch * 8}) - one.prefill_s({batch * 8}) ==
          Approx(out.base_latency + 5e-6 + 8 * hidden / 8 / out.scale_out.bandwidth +
                 collective_time(CollectiveOp::AllGather, 8 * hidden, 8, 8, nvlink).seconds)
              .margin(1e-12));
  }
  // The KV cache takes both servers' memory less the weights: 0.9 x 16 x 80 GiB = 1,237 GB,
  // less 825 GB (412.7e9 parameters in bf16), over 516,096 B per token (2 x 126 x 8 x 128 x 2 B),
  // about 797,000 tokens; one server alone (576 GB usable) has no room at all.
  CHECK(kv_bytes_per_token(m) == 516096);
  CHECK(two.kv_capacity_tokens() == Approx((0.9 * 16 * g.memory_bytes - weight_bytes(m)) / 516096).epsilon(1e-12));
  CHECK(two.kv_capacity_tokens() == Approx(797000).epsilon(0.01));
  CHECK(one.kv_capacity_tokens() == 0);
}
