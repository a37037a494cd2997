// Pure models against closed forms and published parameter counts.
#include <catch2/catch.hpp>

#include "rcn/models/first_step_time.hpp"
#include "rcn/models/site_energy.hpp"
#include "rcn/models/transformer_size.hpp"

using namespace rcn;

namespace {
ModelSpec gpt3() {
  ModelSpec m;
  m.layers = 96, m.hidden = 12288, m.heads = 96, m.kv_heads = 96, m.ffn = 49152, m.vocab = 51200, m.seq = 2048;
  return m;
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

TEST_CASE("first step-time model: 6 N D FLOPs at the profile's efficiency", "[models]") {
  ModelSpec m = gpt3();
  TrainingJobSpec j;
  j.gpus = 1024;
  j.global_batch = 1536;
  j.tokens = 300e9;
  HardwareProfile a100;
  a100.peak_flops["bf16"] = 312e12;
  a100.training_efficiency = 0.5;
  const TrainingEstimate e = first_step_time(m, j, a100);
  const double n = transformer_size(m).total_params;
  const double tokens_per_step = 1536.0 * 2048;
  CHECK(e.tokens_per_step == tokens_per_step);
  CHECK(e.steps == std::ceil(300e9 / tokens_per_step));
  CHECK(e.step_time_s == Approx(6 * n * tokens_per_step / (1024 * 312e12 * 0.5)));
  CHECK(e.time_to_train_s == Approx(e.steps * e.step_time_s));
  CHECK(e.tflops_per_gpu == Approx(156));
  CHECK(e.mfu == Approx(0.5));
  // Doubling the GPUs halves the step time; a fixed step count overrides tokens.
  j.gpus = 2048;
  CHECK(first_step_time(m, j, a100).step_time_s == Approx(e.step_time_s / 2));
  j.steps = 10;
  j.tokens.reset();
  CHECK(first_step_time(m, j, a100).steps == 10);
}

TEST_CASE("energy: busy and idle GPU-seconds at their power, times PUE", "[models]") {
  HardwareProfile g;
  g.busy_power_w = 700;
  g.idle_power_w = 100;
  PowerSpec p{1.5, 0.1, 400};
  // 8 GPUs busy for an hour and 8 idle for an hour: (5600 + 800) Wh x 1.5 = 9.6 kWh.
  const EnergyUse e = cluster_energy(8 * 3600, 8 * 3600, g, p);
  CHECK(e.energy_kwh == Approx(9.6));
  CHECK(e.cost == Approx(0.96));
  CHECK(e.carbon_kg == Approx(3.84));
}
