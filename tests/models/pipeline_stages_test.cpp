// Uneven pipeline stages: which layers each stage holds, and that the busiest
// stage sets a step's pace and the fullest one its memory peak.
#include <catch2/catch.hpp>

#include "rcn/models/kernel_model.hpp"
#include "rcn/models/layer_cost.hpp"
#include "rcn/models/pipeline_stages.hpp"
#include "rcn/models/training_memory.hpp"
#include "rcn/models/training_step.hpp"
#include "rcn/models/transformer_size.hpp"

using namespace rcn;

namespace {

ModelSpec llama3_405b(int layers) {
  ModelSpec m;
  m.layers = layers, m.hidden = 16384, m.heads = 128, m.kv_heads = 8, m.ffn = 53248, m.vocab = 128256, m.seq = 8192;
  m.gated_mlp = true, m.tied_embeddings = false, m.dropout = false;
  return m;
}

// The 8,192-GPU Llama 3 405B job of Dubey et al. 2024 (Table 4, sec. 3.3.2): TP 8, PP 16, V 8,
// DP 64, 32 micro-batches of one sequence per data-parallel rank, no recompute.
TrainingJobSpec llama3_job() {
  TrainingJobSpec j;
  j.gpus = 8192, j.global_batch = 2048, j.tokens = 3 * 2048 * 8192.0;
  auto& q = j.parallelism;
  q.tp = 8, q.pp = 16, q.dp = 64, q.micro_batch = 1, q.schedule = "interleaved-1f1b", q.virtual_stages = 8;
  q.recompute = "none", q.sequence_parallel = true, q.zero = 2;
  return j;
}

}  // namespace

TEST_CASE("default split: ceil(layers / pp) per stage, the last ones holding what is left", "[models][pipeline]") {
  ModelSpec m = llama3_405b(128);
  ParallelismSpec q;
  q.pp = 16;
  for (int i = 0; i < 16; ++i) {
    CHECK(stage_layers(m, q, i).first == 8 * i);
    CHECK(stage_layers(m, q, i).count == 8);
  }
  m.layers = 61;  // DeepSeek-V3: 4 per stage, the last stage 61 - 60 = 1
  CHECK(stage_layers(m, q, 14).first == 56);
  CHECK(stage_layers(m, q, 14).count == 4);
  CHECK(stage_layers(m, q, 15).first == 60);
  CHECK(stage_layers(m, q, 15).count == 1);
  CHECK_FALSE(custom_stage_split(q));
}

TEST_CASE("first and last stage sizes: the other stages share the rest evenly", "[models][pipeline]") {
  // Llama 3 405B: 126 layers, one fewer on the first and the last of 16 stages: 7 + 14 x 8 + 7.
  const ModelSpec m = llama3_405b(126);
  ParallelismSpec q;
  q.pp = 16, q.first_stage_layers = 7, q.last_stage_layers = 7;
  CHECK(custom_stage_split(q));
  int sum = 0;
  for (int i = 0; i < 16; ++i) {
    const StageLayers s = stage_layers(m, q, i);
    CHECK(s.first == sum);  // contiguous
    CHECK(s.count == (i == 0 || i == 15 ? 7 : 8));
    sum += s.count;
  }
  CHECK(sum == 126);
  // Only the last named: 10 layers on 4 stages with 1 on the last, 3 on each other one.
  ModelSpec small = m;
  small.layers = 10;
  ParallelismSpec last_only;
  last_only.pp = 4, last_only.last_stage_layers = 1;
  CHECK(stage_layers(small, last_only, 0).count == 3);
  CHECK(stage_layers(small, last_only, 2).first == 6);
  CHECK(stage_layers(small, last_only, 3).first == 9);
  CHECK(stage_layers(small, last_only, 3).count == 1);
}

TEST_CASE("Llama 3 405B's split: a middle stage of 8 layers sets the pace and the memory peak", "[models][pipeline]") {
  const HardwareProfile& gpu = builtin_hardware_profiles().at("h100-sxm");
  ClusterLinks roce;  // 400 Gb/s per GPU
  roce.nic_bandwidth = 400e9 / 8;
  const ModelSpec m = llama3_405b(126);
  TrainingJobSpec j = llama3_job();
  j.parallelism.first_stage_layers = 7, j.parallelism.last_stage_layers = 7;
  const LayerCost layer = layer_cost(m, LayerShard::of(j), KernelModel(gpu));
  // The last stage's 7 layers and the logits weigh less than 8 layers (the head is 2 h V flops per
  // token against a layer's 2 x 3.2B): so every per-micro-batch term is a middle stage's 8 layers.
  REQUIRE(layer.head_forward_s + layer.head_backward_s < layer.forward_s + layer.backward_s);
  const TrainingStep st = training_step(m, j, gpu, roce);
  REQUIRE(st.micro_batches == 32);
  CHECK(st.forward_s == Approx(32 * 8 * layer.forward_s));
  CHECK(st.backward_s == Approx(32 * 8 * layer.backward_s));
  // Memory: stage 1 holds 8 layers of 2 (p - 2) + (v - 1) p + 1 = 141 chunks in flight (17.625
  // micro-batches), more than stage 0's 7 layers of 143 chunks (17.875) with the embedding.
  const TrainingMemory mem = training_memory(m, j);
  const double per_layer = layer_activation_bytes(m, 1, 8, true, "none");
  CHECK(mem.in_flight_micro_batches == Approx(17.625));
  CHECK(mem.activations_bytes == Approx(8 * 17.625 * per_layer));
  const TransformerSize size = transformer_size(m);
  const double layer_params = size.attention_params_per_layer + size.mlp_params_per_layer + size.norm_params_per_layer;
  CHECK(mem.params_on_gpu == Approx(8 * layer_params / 8));
  // The even 128-layer stand-in the scenario used before paid the head on top of 8 layers.
  const TrainingStep even = training_step(llama3_405b(128), llama3_job(), gpu, roce);
  CHECK(even.forward_s == Approx(32 * (8 * layer.forward_s + layer.head_forward_s)));
}

namespace {

ModelSpec llama3_8b() {
  ModelSpec m;
  m.layers = 32, m.hidden = 4096, m.heads = 32, m.kv_heads = 8, m.ffn = 14336, m.vocab = 128256, m.seq = 8192;
  m.gated_mlp = true, m.tied_embeddings = false, m.dropout = false;
  return m;
}

TrainingJobSpec pp4_job(int first, int last) {
  TrainingJobSpec j;
  j.gpus = 32, j.global_batch = 64, j.tokens = 1e9;
  auto& q = j.parallelism;
  q.tp = 1, q.pp = 4, q.dp = 8, q.micro_batch = 1, q.recompute = "none";
  q.first_stage_layers = first, q.last_stage_layers = last;
  return j;
}

double layer_params(const ModelSpec& m) {
  const TransformerSize size = transformer_size(m);
  return size.attention_params_per_layer + size.mlp_params_per_layer + size.norm_params_per_layer;
}

}  // namespace

TEST_CASE("jobs that differ only in their stage sizes do not share a cached step", "[models][pipeline]") {
  CHECK(training_step_key(pp4_job(2, -1)) != training_step_key(pp4_job(-1, -1)));
  CHECK(training_step_key(pp4_job(2, -1)) != training_step_key(pp4_job(-1, 2)));
}

TEST_CASE("the stage with the most parameters syncs them; the memory peak may be another stage",
          "[models][pipeline]") {
  // 32 layers as 2 / 10 / 10 / 10. Plain 1F1B: stage 1 holds 10 layers x 3 micro-batches in flight
  // (p - r - 1 + 1), the last stage 10 layers x 1 and the untied head: stage 1 is the memory peak,
  // the last stage holds the most parameters.
  const ModelSpec m = llama3_8b();
  const TrainingJobSpec j = pp4_job(2, -1);
  const TrainingMemory mem = training_memory(m, j);
  CHECK(mem.params_on_gpu == Approx(10 * layer_params(m)));
  CHECK(mem.in_flight_micro_batches == 3);
  CHECK(mem.sync_params == Approx(10 * layer_params(m) + 128256.0 * 4096));
  CHECK(mem.sync_expert_params == 0);
  // An even split: the first stage is both (its embedding weighs what the last one's head does).
  const TrainingMemory even = training_memory(m, pp4_job(-1, -1));
  CHECK(even.sync_params == even.params_on_gpu);
  CHECK(even.params_on_gpu == Approx(8 * layer_params(m) + 128256.0 * 4096));
}

TEST_CASE("DualPipe with uneven stages: a middle rank holds its two stages", "[models][pipeline]") {
  // 32 layers as 2 / 14 / 14 / 2 on 4 stages: DualPipe's rank 0 holds stages 0 and 3 (4 layers,
  // the embedding and the head), rank 1 stages 1 and 2 (28 layers), PP + 1 = 5 micro-batches of
  // its larger stage (14 layers) in flight.
  const ModelSpec m = llama3_8b();
  TrainingJobSpec j = pp4_job(2, 2);
  j.parallelism.schedule = "dualpipe";
  const TrainingMemory mem = training_memory(m, j);
  CHECK(mem.params_on_gpu == Approx(28 * layer_params(m)));
  CHECK(mem.sync_params == Approx(28 * layer_params(m)));
  CHECK(mem.in_flight_micro_batches == 5);
  CHECK(mem.activations_bytes == Approx(14 * 5 * layer_activation_bytes(m, 1, 1, false, "none")));
}

TEST_CASE("the search's splits: even, or the embedding and the loss counted as layers", "[models][pipeline]") {
  // Even where pp divides the layers.
  CHECK(pipeline_split_units(8, 4) == 8);
  CHECK(embedding_loss_stage_layers(8, 4) == -1);
  CHECK(pipeline_split_units(126, 1) == 126);
  // Llama 3 405B on 16 stages: 126 + 2 = 128 = 16 x 8, so 7 + 14 x 8 + 7 (Dubey et al. 2024, sec. 3.3.2).
  CHECK(pipeline_split_units(126, 16) == 128);
  CHECK(embedding_loss_stage_layers(126, 16) == 7);
  // 10 layers on 4 stages: 12 units, 2 + 3 + 3 + 2.
  CHECK(embedding_loss_stage_layers(10, 4) == 2);
  // DeepSeek-V3's 61 layers on 16 stages: 63 is not a multiple of 16, no split offered.
  CHECK(pipeline_split_units(61, 16) == 0);
  CHECK(embedding_loss_stage_layers(61, 16) == -1);
  // 6 layers on 8 stages: 8 units, but one each would leave the ends without a layer.
  CHECK(pipeline_split_units(6, 8) == 0);
  // The split the search names is one the stage model takes as given: every layer on one stage.
  ModelSpec m = llama3_405b(126);
  ParallelismSpec q;
  q.pp = 16;
  q.first_stage_layers = q.last_stage_layers = embedding_loss_stage_layers(126, 16);
  int total = 0;
  for (int i = 0; i < 16; ++i) total += stage_layers(m, q, i).count;
  CHECK(total == 126);
  CHECK(stage_layers(m, q, 0).count == 7);
  CHECK(stage_layers(m, q, 8).count == 8);
  CHECK(stage_layers(m, q, 15).count == 7);
}
