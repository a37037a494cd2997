// Pure models against closed forms, published sizes and invariants.
#include <cmath>
#include <catch2/catch.hpp>

#include "rcn/models/collective_model.hpp"
#include "rcn/models/kernel_model.hpp"
#include "rcn/models/layer_cost.hpp"
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

TEST_CASE("activations per layer match Korthikanti et al. 2022 Table 2 with stored attention scores",
          "[models][memory]") {
  // The paper's setting: GPT-3 175B (ffn = 4h, no GQA, dropout), attention that stores
  // its a x s x s scores. Table 2, per layer per GPU, bytes:
  const ModelSpec m = gpt3();
  const double s = 2048, b = 1, h = 12288, a = 96, t = 8;
  const double sbh = s * b * h;
  const double scores = 5 * a * s / h;  // 80 for GPT-3
  const auto stored = AttentionStorage::Materialized;
  // no parallelism: sbh (34 + 5 a s / h)
  CHECK(layer_activation_bytes(m, b, 1, false, "none", 1, stored) == Approx(sbh * (34 + scores)));
  // tensor parallel: sbh (10 + 24/t + 5 a s / (h t))
  CHECK(layer_activation_bytes(m, b, 8, false, "none", 1, stored) == Approx(sbh * (10 + 24 / t + scores / t)));
  // tensor + sequence parallel: sbh/t (34 + 5 a s / h)
  CHECK(layer_activation_bytes(m, b, 8, true, "none", 1, stored) == Approx(sbh / t * (34 + scores)));
  // tensor + sequence parallel + selective recompute: 34 sbh / t
  CHECK(layer_activation_bytes(m, b, 8, true, "selective", 1, stored) == Approx(34 * sbh / t));
  // full recompute: 2 sbh (the layer input)
  CHECK(layer_activation_bytes(m, b, 1, false, "full", 1, stored) == Approx(2 * sbh));
  // Two sequences per micro-batch: twice the bytes.
  CHECK(layer_activation_bytes(m, 2, 8, true, "none", 1, stored) == Approx(2 * sbh / t * (34 + scores)));
}

TEST_CASE("flash attention stores no scores, so selective recompute saves nothing more", "[models][memory]") {
  const ModelSpec m = gpt3();
  const double sbh = 2048.0 * 12288;
  CHECK(layer_activation_bytes(m, 1, 1, false, "none") == Approx(34 * sbh));
  CHECK(layer_activation_bytes(m, 1, 8, true, "none") == Approx(34 * sbh / 8));
  CHECK(layer_activation_bytes(m, 1, 8, true, "selective") == Approx(34 * sbh / 8));
  CHECK(layer_activation_bytes(m, 1, 8, false, "none") == Approx((10 + 24.0 / 8) * sbh));
}

TEST_CASE("activations generalise to GQA, gated MLPs, no dropout and context parallelism", "[models][memory]") {
  ModelSpec m = gpt3();
  const double sbh = 2048.0 * 12288;
  // GQA with g = a/8: K and V 4 sbh -> 0.5 sbh.
  m.kv_heads = 12;
  CHECK(layer_activation_bytes(m, 1, 1, false, "none") == Approx((34 - 3.5) * sbh));
  // Gated MLP of ffn f: fc1 input 2, gate and up outputs 4 f/h, fc2 input 2 f/h (+ mask 1).
  m.kv_heads = 96, m.gated_mlp = true, m.ffn = 32768;
  CHECK(layer_activation_bytes(m, 1, 1, false, "none") == Approx((11 + 3 + 6 * 32768.0 / 12288 + 4) * sbh));
  // No dropout: the two 1-byte masks go.
  m = gpt3();
  m.dropout = false;
  CHECK(layer_activation_bytes(m, 1, 1, false, "none") == Approx(32 * sbh));
  CHECK(layer_activation_bytes(m, 1, 8, false, "none") == Approx((8 + 24.0 / 8) * sbh));
  // Context parallelism: each GPU holds seq / cp tokens.
  m = gpt3();
  for (int cp : {2, 4, 16})
    CHECK(layer_activation_bytes(m, 1, 8, true, "none", cp) == Approx(layer_activation_bytes(m, 1, 8, true, "none") / cp));
}

TEST_CASE("the first pipeline stage holds p micro-batches (1F1B), x (1 + (p-1)/(p v)) interleaved",
          "[models][memory]") {
  // Korthikanti et al. sec. 4.2.3: the first stage's activations are L layers' worth,
  // whatever p, with 1F1B; interleaving multiplies them by 1 + (p - 1)/(p v).
  const ModelSpec m = gpt3();
  TrainingJobSpec j = job(8, 8, 4, 4 * 64);  // 64 micro-batches >= p
  const double per_layer = layer_activation_bytes(m, 1, 8, true, "none");
  CHECK(training_memory(m, j).activations_bytes == Approx(96 * per_layer));
  j.parallelism.pp = 16, j.parallelism.dp = 2, j.global_batch = 2 * 64;
  CHECK(training_memory(m, j).activations_bytes == Approx(96 * per_layer));
  j.parallelism.schedule = "interleaved-1f1b", j.parallelism.virtual_stages = 3;
  CHECK(training_memory(m, j).activations_bytes == Approx(96 * per_layer * (1 + 15.0 / (16 * 3))));
  // Never more than the step's micro-batches: m = 4 < p = 16.
  j.global_batch = 2 * 4;
  CHECK(training_memory(m, j).in_flight_micro_batches == 4);
  j.parallelism.schedule = "gpipe", j.parallelism.virtual_stages = 1, j.global_batch = 2 * 64;
  CHECK(training_memory(m, j).in_flight_micro_batches == 64);
  // Full recompute: 2 sbh/t per layer and micro-batch in flight, plus one layer's working set.
  j = job(8, 8, 4, 4 * 64);
  j.parallelism.recompute = "full";
  CHECK(training_memory(m, j).activations_bytes == Approx(96 * 2 * 2048.0 * 12288 / 8 + per_layer));
}

TEST_CASE("the first stage's warm-up count is Megatron's and equals Korthikanti's closed form",
          "[models][memory]") {
  // Megatron-Core schedules.py: rank 0 runs 2(p - 1) + (v - 1) p forward chunks before its
  // first backward when interleaved (all m v chunks when m = p), p - 1 without; it then holds
  // warm-up + 1 chunks of L/(p v) layers. In units of the stage's L/p layers that is
  // min(m, p + (p - 1)/v) (Korthikanti et al. 2022 sec. 4.2.3: p (1 + (p - 1)/(p v))), min(m, p) for 1F1B.
  CHECK(first_stage_warmup_chunks(8, 12, 16) == 102);  // the dgxc Nemotron-4 340B recipe
  CHECK(first_stage_warmup_chunks(9, 7, 63) == 70);    // the dgxc Llama 3.1 405B recipe
  CHECK(first_stage_warmup_chunks(16, 4, 16) == 64);   // m = p: everything forward first
  CHECK(first_stage_warmup_chunks(8, 1, 64) == 7);
  CHECK(first_stage_warmup_chunks(8, 1, 3) == 3);      // never more than the step's chunks
  ParallelismSpec par;
  for (int p = 2; p <= 16; ++p)
    for (int v = 1; v <= 6; ++v)
      for (int k = 1; k <= 4; ++k) {
        const int m = k * p;
        par.pp = p, par.virtual_stages = v, par.schedule = v > 1 ? "interleaved-1f1b" : "1f1b";
        const double closed = std::min<double>(m, v > 1 ? p + (p - 1.0) / v : p);  // 1F1B: p
        CHECK(first_stage_in_flight(par, m) == Approx(closed));
      }
  par.pp = 1, par.virtual_stages = 1, par.schedule = "1f1b";
  CHECK(first_stage_in_flight(par, 32) == 1);  // no pipeline: one micro-batch at a time
}

TEST_CASE("Llama 3 405B on TP 8 PP 16 with 8 chunks per rank: the first stage's activations by hand",
          "[models][memory]") {
  // The 8,192-GPU Llama 3 row (Dubey et al. 2024, Table 4 and sec. 3.3.2): 32 micro-batches of one
  // 8,192-token sequence per data-parallel rank, no recompute, sequence parallelism, no dropout,
  // V = 8. Korthikanti et al. 2022 Eq. 1 with SP (sec. 4.2.2) per layer, in s b h / t bytes:
  // attention 6 + 4 g/a (QKV input, Q, projection input; K and V at g/a of the heads), SwiGLU MLP
  // 2 + 6 f/h (fc1 input; gate, up and fc2 input at f wide), two norm inputs 4; flash attention
  // stores no scores. The first stage holds p (1 + (p - 1)/(p v)) micro-batches (sec. 4.2.3):
  // 16 (1 + 15/128) = 17.875, i.e. Megatron's 2 (p - 1) + (v - 1) p + 1 = 143 chunks of one layer.
  ModelSpec m;
  m.layers = 128, m.hidden = 16384, m.heads = 128, m.kv_heads = 8, m.ffn = 53248, m.vocab = 128256, m.seq = 8192;
  m.gated_mlp = true, m.dropout = false;
  TrainingJobSpec j = job(8, 16, 64, 2048);
  j.parallelism.micro_batch = 1, j.parallelism.sequence_parallel = true, j.parallelism.recompute = "none";
  j.parallelism.schedule = "interleaved-1f1b", j.parallelism.virtual_stages = 8;
  const double sbh_t = 8192.0 * 16384 / 8;
  const double per_layer = sbh_t * ((6 + 4 * 8.0 / 128) + (2 + 6 * 53248.0 / 16384) + 4);  // 31.75 s b h / t
  const TrainingMemory mem = training_memory(m, j);
  CHECK(mem.activations_per_layer_bytes == Approx(per_layer));
  CHECK(mem.in_flight_micro_batches == Approx(17.875));
  CHECK(first_stage_warmup_chunks(16, 8, 32) == 142);
  CHECK(mem.activations_bytes == Approx(8 * 17.875 * per_layer));  // 76.2 GB: the row fits an H100
  // With dropout (the 1-byte masks of both blocks) and V = 4 the same job held 19.75 micro-batches
  // of 33.75 s b h / t per layer, 89.5 GB: what the memory check refused.
  m.dropout = true, j.parallelism.virtual_stages = 4;
  CHECK(training_memory(m, j).activations_bytes == Approx(8 * (16 + 15.0 / 4) * sbh_t * 33.75));
}

TEST_CASE("Apex DistributedFusedAdam as NeMo sets it up: full gradient buffer, 16-bit master remainders",
          "[models][memory]") {
  // apex/contrib/optimizers/distributed_fused_adam.py with contiguous_grad_buffer: a full
  // buffer in grad_sync_dtype plus each bucket's reduce-scatter shard; state shard m, v (+ int16
  // remainders of fp32 masters with fp32 state; none with bf16 state, NeMo's store_params rule).
  // NeMo keeps the word embedding's gradients in fp32 (with_fp32_embedding_grads).
  const ModelSpec m = gpt3();
  const double d = 8;
  TrainingJobSpec j = job(1, 2, 8, 64);  // pp 2: the first stage holds the input embedding only
  j.parallelism.optimizer = "apex";
  j.parallelism.gradient_dtype = "bf16";
  const TrainingMemory mem = training_memory(m, j);
  const double n = mem.params_on_gpu, e = 51200.0 * 12288;
  CHECK(mem.weights_bytes == Approx(2 * n));
  CHECK(mem.gradients_bytes == Approx(2 * (n - e) * (1 + 1 / d) + 4 * e * (1 + 1 / d)));
  CHECK(mem.optimizer_bytes == Approx(10 * n / d));
  j.parallelism.optimizer_dtype = "bf16";
  CHECK(training_memory(m, j).optimizer_bytes == Approx(4 * n / d));
  j.parallelism.gradient_dtype = "fp32";
  CHECK(training_memory(m, j).gradients_bytes == Approx(4 * n * (1 + 1 / d)));
  // Megatron's optimizer with bf16 moments (--exp-avg-dtype bf16): 4 B less per parameter, / d.
  TrainingJobSpec mj = job(1, 2, 8, 64);
  const double fp32_moments = training_memory(m, mj).optimizer_bytes;
  mj.parallelism.optimizer_dtype = "bf16";
  CHECK(fp32_moments - training_memory(m, mj).optimizer_bytes == Approx(4 * n / d));
}

TEST_CASE("the dgxc Nemotron-4 340B recipe fits an H100 on its first stage, and not with Megatron's fp32 state",
          "[models][memory]") {
  // NVIDIA dgxc-benchmarking v25.01 nemotron/nemotron4-340b-synth.yaml + configure.sh: TP 8, PP 8,
  // VP 12, DP 2, MBS 1, GBS 32, seq 4096, SP, selective recompute, dropout 0, Apex distributed
  // Adam with bf16 state and bf16 gradient sync. H100: CUDA reports 79.11 GiB.
  ModelSpec m;
  m.layers = 96, m.hidden = 18432, m.heads = 96, m.kv_heads = 8, m.ffn = 73728, m.vocab = 256000, m.seq = 4096;
  m.tied_embeddings = false, m.dropout = false;
  TrainingJobSpec j = job(8, 8, 2, 32);
  j.parallelism.schedule = "interleaved-1f1b", j.parallelism.virtual_stages = 12;
  j.parallelism.recompute = "selective";
  j.parallelism.optimizer = "apex", j.parallelism.optimizer_dtype = "bf16", j.parallelism.gradient_dtype = "bf16";
  const TrainingMemory mem = training_memory(m, j);
  // 103 one-layer chunks in flight; per layer (6 + 4 g/a) + 2 + 4 f/h + 4 = 28 1/3 sbh / t bytes.
  const double sbh = 4096.0 * 18432;
  CHECK(mem.activations_bytes == Approx(103 * (6 + 4.0 * 8 / 96 + 2 + 16 + 4) * sbh / 8));
  const double h100 = 79.11 * 1073741824.0;
  CHECK(mem.total_bytes < h100);
  CHECK(mem.total_bytes > 0.8 * h100);
  j.parallelism.optimizer = "megatron", j.parallelism.optimizer_dtype = "fp32", j.parallelism.gradient_dtype = "fp32";
  CHECK(training_memory(m, j).total_bytes > h100);
}

TEST_CASE("model state per parameter follows Megatron's distributed optimizer table and ZeRO stages",
          "[models][memory]") {
  // Megatron-LM docs (distrib_optimizer.md), bytes per parameter, d data-parallel ranks:
  // bf16 params with fp32 grads 18 (replicated) or 6 + 12/d; 16-bit grads 20 or 4 + 16/d.
  const ModelSpec m = gpt3();
  const double n = transformer_size(m).total_params;
  const double d = 8;
  TrainingJobSpec j = job(1, 1, 8, 8);
  auto per_param = [&] {
    const TrainingMemory mem = training_memory(m, j);
    CHECK(mem.params_on_gpu == Approx(n));
    return (mem.weights_bytes + mem.gradients_bytes + mem.optimizer_bytes) / n;
  };
  j.parallelism.zero = 0;
  CHECK(per_param() == Approx(18));
  j.parallelism.zero = 1;  // the default: Megatron's distributed optimizer
  CHECK(per_param() == Approx(6 + 12 / d));
  j.parallelism.gradient_dtype = "bf16";
  CHECK(per_param() == Approx(4 + 16 / d));
  j.parallelism.zero = 0;
  CHECK(per_param() == Approx(20));
  // ZeRO (Rajbhandari et al. 2020): stage 2 shards the gradients too, stage 3 the weights.
  j.parallelism.gradient_dtype = "fp32";
  j.parallelism.zero = 2;
  CHECK(per_param() == Approx(2 + 16 / d));
  j.parallelism.zero = 3;
  CHECK(per_param() == Approx(18 / d));
  // Context-parallel ranks hold the same weights: the optimizer shards over dp x cp.
  j = job(1, 1, 4, 8);
  j.parallelism.cp = 2;
  CHECK(training_memory(m, j).optimizer_bytes == Approx(12 * n / 8));
  // Tensor and pipeline parallelism divide the layers' parameters.
  TrainingJobSpec split = job(8, 8, 1, 8);
  const double layer = (n - 51200.0 * 12288) / 96;
  CHECK(training_memory(m, split).params_on_gpu == Approx((12 * layer + 51200.0 * 12288) / 8));
}

TEST_CASE("a Llama-3-405B-like job fits 80 GB as the published run did, and not without its choices",
          "[models][memory]") {
  // Llama 3 paper (Dubey et al. 2024) sec. 3.3.2 and Table 4: TP 8, CP 1, PP 16, DP 128, 8K sequences,
  // 16M tokens per step, micro-batch 1, no activation checkpointing, interleaved pipeline, FSDP
  // sharding optimizer state and gradients. 128 layer slots (126 layers + embedding + output).
  ModelSpec m;
  m.layers = 128, m.hidden = 16384, m.heads = 128, m.kv_heads = 8, m.ffn = 53248, m.vocab = 128256, m.seq = 8192;
  m.gated_mlp = true, m.tied_embeddings = false, m.dropout = false;
  TrainingJobSpec j = job(8, 16, 128, 2048);
  j.parallelism.schedule = "interleaved-1f1b", j.parallelism.virtual_stages = 8;
  j.parallelism.zero = 2;
  const TrainingMemory mem = training_memory(m, j);
  CHECK(mem.in_flight_micro_batches == 16);  // all 16 micro-batches of the step
  CHECK(mem.total_bytes < 80e9);
  CHECK(mem.total_bytes > 60e9);
  // A replicated fp32 gradient buffer (zero 1) would not fit.
  j.parallelism.zero = 1;
  CHECK(training_memory(m, j).total_bytes > 80e9);
}

TEST_CASE("context parallelism: Llama 3's 128K layout holds per GPU what its 8K layout holds", "[models][memory]") {
  // Llama 3 paper Table 4: 8K at TP 8, CP 1, PP 16, DP 128 and 128K at TP 8, CP 16, PP 16, DP 8, both on
  // 16,384 GPUs with 16 sequences per DP rank. With 16x the sequence over 16 CP ranks each GPU keeps
  // 8K tokens' activations, and the optimizer shards over the same dp x cp = 128 ranks.
  ModelSpec m;
  m.layers = 128, m.hidden = 16384, m.heads = 128, m.kv_heads = 8, m.ffn = 53248, m.vocab = 128256, m.seq = 8192;
  m.gated_mlp = true, m.tied_embeddings = false, m.dropout = false;
  TrainingJobSpec short_ctx = job(8, 16, 128, 128 * 16);
  short_ctx.parallelism.schedule = "interleaved-1f1b", short_ctx.parallelism.virtual_stages = 8;
  short_ctx.parallelism.zero = 2;
  TrainingJobSpec long_ctx = short_ctx;
  long_ctx.parallelism.cp = 16, long_ctx.parallelism.dp = 8, long_ctx.global_batch = 8 * 16;
  ModelSpec m_long = m;
  m_long.seq = 131072;
  const TrainingMemory a = training_memory(m, short_ctx), b = training_memory(m_long, long_ctx);
  CHECK(b.activations_bytes == Approx(a.activations_bytes));
  CHECK(b.optimizer_bytes == Approx(a.optimizer_bytes));
  CHECK(b.total_bytes == Approx(a.total_bytes));
  // Without cp the 128K sequence would need 16x the activations.
  TrainingJobSpec no_cp = long_ctx;
  no_cp.parallelism.cp = 1, no_cp.parallelism.dp = 128, no_cp.global_batch = 128 * 16;
  CHECK(training_memory(m_long, no_cp).activations_bytes == Approx(16 * a.activations_bytes));
}

TEST_CASE("the step is the sum of its parts, and the parts behave", "[models][step]") {
  const ModelSpec m = gpt3();
  TrainingJobSpec j = job(8, 8, 16, 1536);
  j.parallelism.recompute = "full";
  const TrainingStep s = training_step(m, j, a100(), dgx());
  CHECK(s.step_time_s == Approx(s.forward_s + s.backward_s + s.recompute_s + s.tp_comm_s + s.cp_comm_s +
                                s.pp_bubble_s + s.pp_comm_s + s.dp_comm_exposed_s + s.optimizer_s));
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

TEST_CASE("context parallelism: ring attention blocks and their exposed KV sends", "[models][step]") {
  // GPT-3 with tp 8, cp 2 across servers on a slow 10 Gb/s network: each of the cp - 1 ring
  // steps sends K and V (fwd) or K, V and their gradients (bwd) while one attention block
  // runs; what the block does not hide is exposed.
  const ModelSpec m = gpt3();
  TrainingJobSpec j = job(8, 1, 2, 16);
  j.parallelism.cp = 2;
  j.gpus = 32;
  ClusterLinks slow = dgx();
  slow.nic_bandwidth = 10e9 / 8;
  const HardwareProfile& gpu = a100();
  const TrainingStep st = training_step(m, j, gpu, slow);
  const KernelModel k(gpu);
  const double s = 1024, d = 128, heads = 12;  // per GPU: seq / cp tokens, a / t heads
  const AttentionTime block = k.attention(1, heads, s, d, true);
  const CollectiveFabric fabric = collective_fabric(gpu, slow);
  const double kv = s * 2 * 12 * d * 2;  // K and V of 12 KV heads (no GQA: a / t), bf16
  const double send_f = collective_time(CollectiveOp::SendRecv, kv, 2, 1, fabric).seconds;
  const double send_b = collective_time(CollectiveOp::SendRecv, 2 * kv, 2, 1, fabric).seconds;
  REQUIRE(send_f > block.forward_s);
  REQUIRE(send_b > block.backward_s);
  CHECK(st.cp_comm_s == Approx(st.micro_batches * 96 * ((send_f - block.forward_s) + (send_b - block.backward_s))));
  // The ring's blocks are the layer's attention, which layer_cost() already times as this rank's
  // whole share (its diagonal block and (cp - 1) / 2 full blocks): the step adds no compute.
  const LayerCost share = layer_cost(m, LayerShard::of(j), k);
  CHECK(st.layer_forward_s == Approx(share.forward_s));
  CHECK(st.layer_backward_s == Approx(share.backward_s));
  CHECK(st.step_time_s == Approx(st.forward_s + st.backward_s + st.recompute_s + st.tp_comm_s + st.cp_comm_s +
                                 st.pp_bubble_s + st.pp_comm_s + st.dp_comm_exposed_s + st.optimizer_s));
  // On a fast network the sends hide behind the blocks; without cp there are none.
  CHECK(training_step(m, j, gpu, dgx()).cp_comm_s < st.cp_comm_s);
  CHECK(training_step(m, job(8, 1, 4, 16), gpu, dgx()).cp_comm_s == 0);
  // The same GPUs as dp 4: the same tokens per step, and the same model FLOPs.
  const TrainingStep flat = training_step(m, job(8, 1, 4, 16), gpu, dgx());
  CHECK(flat.model_flops_per_step == Approx(st.model_flops_per_step));
}

TEST_CASE("context parallelism: Llama 3's all-gather CP exposes a gather and a reduce-scatter of K and V per layer",
          "[models][step]") {
  // GPT-3 (96 layers, 96 heads of 128, no GQA), tp 8, cp 2, seq 2048: each GPU holds 1,024 tokens
  // and 96 / 8 = 12 heads, so its K and V per layer are 1024 x 12 x 128 x 2 (K, V) x 2 B =
  // 6,291,456 B, and the gathered sequence's 2 x that = 12,582,912 B. Forward: one all-gather of
  // those bytes over the 2 cp ranks; backward: the gather again and the reduce-scatter of dK, dV.
  // Nothing hides them: cp_comm = micro-batches x 96 layers x (AG + AG + RS).
  const ModelSpec m = gpt3();
  TrainingJobSpec j = job(8, 1, 2, 16);
  j.parallelism.cp = 2;
  j.gpus = 32;
  j.parallelism.cp_comm = "all-gather";
  const HardwareProfile& gpu = a100();
  const TrainingStep st = training_step(m, j, gpu, dgx());
  const CollectiveFabric fabric = collective_fabric(gpu, dgx());
  const double gathered = 12582912;  // worked above
  // tp 8 fills an 8-GPU server: the two cp ranks are on two servers (one per server).
  const double ag = collective_time(CollectiveOp::AllGather, gathered, 2, 1, fabric).seconds;
  const double rs = collective_time(CollectiveOp::ReduceScatter, gathered, 2, 1, fabric).seconds;
  REQUIRE(ag > 0);
  CHECK(st.cp_comm_s == Approx(st.micro_batches * 96 * (2 * ag + rs)));
  // The compute is the ring's: only how K and V travel differs.
  TrainingJobSpec ring = j;
  ring.parallelism.cp_comm = "ring";
  const TrainingStep r = training_step(m, ring, gpu, dgx());
  CHECK(st.forward_s == Approx(r.forward_s));
  CHECK(st.backward_s == Approx(r.backward_s));
  CHECK(st.cp_comm_s > r.cp_comm_s);
  CHECK(st.step_time_s == Approx(st.forward_s + st.backward_s + st.recompute_s + st.tp_comm_s + st.cp_comm_s +
                                 st.pp_bubble_s + st.pp_comm_s + st.dp_comm_exposed_s + st.optimizer_s));
  // Without cp there is nothing to gather.
  TrainingJobSpec flat = job(8, 1, 4, 16);
  flat.parallelism.cp_comm = "all-gather";
  CHECK(training_step(m, flat, gpu, dgx()).cp_comm_s == 0);
}

TEST_CASE("gradient buffer dtype and ZeRO stage set what data parallelism sends", "[models][step]") {
  const ModelSpec m = gpt3();
  TrainingJobSpec j = job(8, 8, 16, 16 * 16);
  const TrainingStep fp32 = training_step(m, j, a100(), dgx());
  j.parallelism.gradient_dtype = "bf16";
  const TrainingStep bf16 = training_step(m, j, a100(), dgx());
  // fp32 reduce-scatter (4 B/param) + bf16 all-gather (2 B) against 2 + 2: 3/2 the bytes.
  CHECK(fp32.dp_comm_total_s > bf16.dp_comm_total_s);
  CHECK(fp32.dp_comm_total_s < 1.5 * bf16.dp_comm_total_s * 1.01);
  // ZeRO 2 reduce-scatters every micro-batch's gradients: m reduce-scatters and one all-gather.
  j.parallelism.gradient_dtype = "fp32";
  j.parallelism.zero = 2;
  const TrainingStep z2 = training_step(m, j, a100(), dgx());
  const double gather = fp32.dp_comm_total_s - (z2.dp_comm_total_s - fp32.dp_comm_total_s) / (z2.micro_batches - 1);
  CHECK(gather > 0);
  CHECK(z2.dp_comm_exposed_s >= fp32.dp_comm_exposed_s);
  CHECK(z2.dp_comm_exposed_s <= z2.dp_comm_total_s);
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

TEST_CASE("training_step_key changes with every field the step reads and not with the job's length",
          "[models][step-key]") {
  // The engine computes one step per key and cluster; a field missing from the key
  // would give two different jobs the same step.
  const TrainingJobSpec base = job(8, 4, 2, 512);
  const std::string k = training_step_key(base);
  std::vector<std::pair<const char*, TrainingJobSpec>> changed;
  auto vary = [&](const char* what, auto edit) {
    TrainingJobSpec j = base;
    edit(j);
    changed.emplace_back(what, j);
  };
  vary("model", [](auto& j) { j.model = "other"; });
  vary("global_batch", [](auto& j) { j.global_batch = 1024; });
  vary("precision", [](auto& j) { j.precision = "fp8"; });
  vary("tp", [](auto& j) { j.parallelism.tp = 4; });
  vary("pp", [](auto& j) { j.parallelism.pp = 8; });
  vary("dp", [](auto& j) { j.parallelism.dp = 4; });
  vary("cp", [](auto& j) { j.parallelism.cp = 2; });
  vary("micro_batch", [](auto& j) { j.parallelism.micro_batch = 2; });
  vary("schedule", [](auto& j) { j.parallelism.schedule = "gpipe"; });
  vary("virtual_stages", [](auto& j) { j.parallelism.virtual_stages = 2; });
  vary("recompute", [](auto& j) { j.parallelism.recompute = "full"; });
  vary("sequence_parallel", [](auto& j) { j.parallelism.sequence_parallel = false; });
  vary("min_dp", [](auto& j) { j.parallelism.min_dp = 1; });
  vary("zero", [](auto& j) { j.parallelism.zero = 2; });
  vary("gradient_dtype", [](auto& j) { j.parallelism.gradient_dtype = "bf16"; });
  vary("optimizer", [](auto& j) { j.parallelism.optimizer = "apex"; });
  vary("optimizer_dtype", [](auto& j) { j.parallelism.optimizer_dtype = "bf16"; });
  vary("auto", [](auto& j) { j.parallelism.auto_layout = true; });
  vary("fixed tp", [](auto& j) { j.parallelism.fixed.tp = true; });
  for (const auto& [what, j] : changed) {
    INFO(what);
    CHECK(training_step_key(j) != k);
  }
  TrainingJobSpec longer = base;
  longer.tokens = 1e12;
  longer.name = "another";
  CHECK(training_step_key(longer) == k);

  // The step with another job's length: the same as the step model's own.
  const ModelSpec m = gpt3();
  TrainingStep shared = training_step(m, base, a100(), dgx());
  set_training_length(shared, longer);
  const TrainingStep own = training_step(m, longer, a100(), dgx());
  CHECK(shared.steps == own.steps);
  CHECK(shared.total_tokens == own.total_tokens);
  CHECK(shared.time_to_train_s == own.time_to_train_s);
  CHECK(own.steps == std::ceil(1e12 / (512.0 * 2048)));
  TrainingJobSpec by_steps = base;
  by_steps.steps = 10.2;
  CHECK(training_steps(by_steps, 1.0) == 11);
  by_steps.steps.reset();
  by_steps.tokens.reset();
  CHECK(training_steps(by_steps, 1.0) == 0);
}
