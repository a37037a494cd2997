// Pure models against closed forms, published sizes and invariants.
#include <catch2/catch.hpp>

#include "rcn/models/site_energy.hpp"
#include "rcn/models/training_memory.hpp"
#include "rcn/models/training_step.hpp"
#include "rcn/models/transformer_size.hpp"

using namespace rcn;

namespace {
ModelSpec gpt3() {
  ModelSpec m;
  m.layers = 96, m.hidden = 12288, m.heads = 96, m.kv_heads = 96, m.ffn = 49152, m.vocab = 51200, m.seq = 2048;
  return m;
}
TrainingJobSpec job(int tp, int pp, int dp, int batch) {
  TrainingJobSpec j;
  j.gpus = tp * pp * dp;
  j.parallelism.tp = tp, j.parallelism.pp = pp, j.parallelism.dp = dp;
  j.global_batch = batch;
  j.tokens = 300e9;
  return j;
}
const HardwareProfile& a100() { return builtin_hardware_profiles().at("a100-80g"); }
ClusterLinks dgx() {
  ClusterLinks l;
  l.nic_bandwidth = 200e9 / 8;
  return l;
}
}  // namespace

TEST_CASE("GPT-3 175B has 175B parameters (Brown et al. 2020, Table 2.1), within 1%", "[models]") {
  CHECK(transformer_size(gpt3()).total_params == Approx(175e9).epsilon(0.01));
  // The 12 h^2 per layer rule of thumb plus embeddings, exactly.
  const double h = 12288;
  CHECK(transformer_size(gpt3()).total_params == Approx(96 * (12 * h * h + 4 * h) + 51200 * h));
}

TEST_CASE("Llama 3 8B and 70B (GQA, SwiGLU, untied head) match their published sizes within 1%", "[models]") {
  // Meta Llama 3 model card: 8.03B and 70.6B parameters.
  ModelSpec l8;
  l8.layers = 32, l8.hidden = 4096, l8.heads = 32, l8.kv_heads = 8, l8.ffn = 14336, l8.vocab = 128256, l8.seq = 8192;
  l8.gated_mlp = true, l8.tied_embeddings = false;
  CHECK(transformer_size(l8).total_params == Approx(8.03e9).epsilon(0.01));
  ModelSpec l70 = l8;
  l70.layers = 80, l70.hidden = 8192, l70.heads = 64, l70.ffn = 28672;
  CHECK(transformer_size(l70).total_params == Approx(70.6e9).epsilon(0.01));
}

TEST_CASE("activations per layer follow Korthikanti et al. 2022 (34 sbh, /t with SP, 2 sbh with full recompute)",
          "[models][memory]") {
  const ModelSpec m = gpt3();  // ffn = 4h, no GQA: the paper's setting
  const double sbh = 2048.0 * 1 * 12288;
  CHECK(layer_activation_bytes(m, 1, 1, false, "none") == Approx(34 * sbh));
  CHECK(layer_activation_bytes(m, 1, 8, true, "none") == Approx(34 * sbh / 8));
  // Tensor parallelism without SP: 10 sbh stay replicated, the other 24 are split (Eq. 2).
  CHECK(layer_activation_bytes(m, 1, 8, false, "none") == Approx((10 + 24.0 / 8) * sbh));
  CHECK(layer_activation_bytes(m, 1, 1, false, "full") == Approx(2 * sbh));
}

TEST_CASE("model state: 2 + 4 + 12 bytes per parameter, sharded as ZeRO says", "[models][memory]") {
  TrainingJobSpec j = job(1, 1, 8, 8);
  j.parallelism.zero = 0;
  const ModelSpec m = gpt3();
  const double n = transformer_size(m).total_params;
  TrainingMemory mem = training_memory(m, j);
  CHECK(mem.params_on_gpu == Approx(n));
  CHECK(mem.weights_bytes == Approx(2 * n));
  CHECK(mem.gradients_bytes == Approx(4 * n));
  CHECK(mem.optimizer_bytes == Approx(12 * n));
  for (int zero = 1; zero <= 3; ++zero) {
    j.parallelism.zero = zero;
    mem = training_memory(m, j);
    CHECK(mem.optimizer_bytes == Approx(12 * n / 8));
    CHECK(mem.gradients_bytes == Approx(zero >= 2 ? 4 * n / 8 : 4 * n));
    CHECK(mem.weights_bytes == Approx(zero >= 3 ? 2 * n / 8 : 2 * n));
  }
  // Tensor and pipeline parallelism divide the layers' parameters.
  TrainingJobSpec split = job(8, 8, 1, 8);
  const double layer = (n - 51200.0 * 12288) / 96;
  CHECK(training_memory(m, split).params_on_gpu == Approx((12 * layer + 51200.0 * 12288) / 8));
}

TEST_CASE("the step is the sum of its parts, and the parts behave", "[models][step]") {
  const ModelSpec m = gpt3();
  TrainingJobSpec j = job(8, 8, 16, 1536);
  j.parallelism.recompute = "full";
  const TrainingStep s = training_step(m, j, a100(), dgx());
  CHECK(s.step_time_s == Approx(s.forward_s + s.backward_s + s.recompute_s + s.tp_comm_s + s.pp_bubble_s +
                                s.pp_comm_s + s.dp_comm_exposed_s + s.optimizer_s));
  CHECK(s.micro_batches == 1536 / 16);
  // Full recomputation repeats the forward pass (and its TP communication).
  CHECK(s.recompute_s > s.forward_s);
  CHECK(s.recompute_s < 1.5 * s.forward_s);
  // 1F1B bubble: (p - 1) micro-batch stage times.
  const double per_mb = (s.forward_s + s.backward_s + s.recompute_s + s.tp_comm_s) / s.micro_batches;
  CHECK(s.pp_bubble_s == Approx(7 * per_mb));
  // Backward costs about twice the forward (two GEMMs per forward GEMM).
  CHECK(s.layer_backward_s / s.layer_forward_s == Approx(2.0).epsilon(0.25));
  // Hardware FLOPs count the recomputed forward: 8 N + 4/3 attention against 6 N + attention.
  CHECK(s.hardware_tflops_per_gpu > s.model_tflops_per_gpu);
  CHECK(s.mfu == Approx(s.model_tflops_per_gpu / 312));
  CHECK(s.time_to_train_s == Approx(s.steps * s.step_time_s));

  // Interleaving (v = 2) halves the bubble; more micro-batches shrink its share.
  TrainingJobSpec jv = j;
  jv.parallelism.schedule = "interleaved-1f1b", jv.parallelism.virtual_stages = 2;
  CHECK(training_step(m, jv, a100(), dgx()).pp_bubble_s == Approx(s.pp_bubble_s / 2).epsilon(0.01));
  // No recomputation: less time, more memory.
  TrainingJobSpec jn = j;
  jn.parallelism.recompute = "none";
  const TrainingStep n = training_step(m, jn, a100(), dgx());
  CHECK(n.step_time_s < s.step_time_s);
  CHECK(n.memory.activations_bytes > s.memory.activations_bytes);
  // Faster GPUs, faster steps.
  CHECK(training_step(m, j, builtin_hardware_profiles().at("h100-sxm"), dgx()).step_time_s < s.step_time_s);
}

TEST_CASE("data parallelism: exposed gradient sync never exceeds the whole sync", "[models][step]") {
  const ModelSpec m = gpt3();
  for (int dp : {2, 16, 64}) {
    const TrainingStep s = training_step(m, job(8, 8, dp, 64 * dp), a100(), dgx());
    CHECK(s.dp_comm_exposed_s <= s.dp_comm_total_s);
    CHECK(s.dp_comm_exposed_s > 0);
  }
  CHECK(training_step(m, job(8, 8, 1, 64), a100(), dgx()).dp_comm_total_s == 0);
}

TEST_CASE("energy: busy and idle GPU-seconds at their power, times PUE", "[models]") {
  HardwareProfile g;
  g.busy_power_w = 700;
  g.idle_power_w = 100;
  PowerSpec p;
  p.pue = 1.5, p.price_per_kwh = 0.1, p.carbon_g_per_kwh = 400;
  // 8 GPUs busy for an hour and 8 idle for an hour: (5600 + 800) Wh x 1.5 = 9.6 kWh.
  const EnergyUse e = cluster_energy(8 * 3600, 8 * 3600, g, p);
  CHECK(e.energy_kwh == Approx(9.6));
  CHECK(e.cost == Approx(0.96));
  CHECK(e.carbon_kg == Approx(3.84));
}
