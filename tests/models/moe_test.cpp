// Mixture of experts: parameter counts against published totals, expert-parallel
// memory against hand arithmetic, the all-to-all against its closed form, and the
// step's MoE terms against the parts they are made of.
#include <algorithm>

#include <catch2/catch.hpp>

#include "rcn/models/collective_model.hpp"
#include "rcn/models/inference_model.hpp"
#include "rcn/models/kernel_model.hpp"
#include "rcn/models/layer_cost.hpp"
#include "rcn/models/training_memory.hpp"
#include "rcn/models/training_step.hpp"
#include "rcn/models/transformer_size.hpp"

using namespace rcn;

namespace {

// DeepSeek-V3 (config.json of deepseek-ai/DeepSeek-V3): 61 layers, the first 3 dense,
// 256 routed experts of width 2048 and 1 shared, top 8, MLA.
ModelSpec deepseek_v3() {
  ModelSpec m;
  m.layers = 61, m.hidden = 7168, m.heads = 128, m.kv_heads = 128, m.ffn = 18432, m.vocab = 129280, m.seq = 4096;
  m.gated_mlp = true, m.tied_embeddings = false, m.dropout = false;
  m.moe = {256, 8, 2048, 1, 3, 1};
  m.mla = {1536, 512, 128, 64, 128};
  return m;
}

// Mixtral 8x7B (mistralai/Mixtral-8x7B-v0.1 config.json): Mistral 7B's shape with 8 experts, top 2.
ModelSpec mixtral() {
  ModelSpec m;
  m.layers = 32, m.hidden = 4096, m.heads = 32, m.kv_heads = 8, m.ffn = 14336, m.vocab = 32000, m.seq = 4096;
  m.gated_mlp = true, m.tied_embeddings = false, m.dropout = false;
  m.moe = {8, 2, 14336, 0, 0, 1};
  return m;
}

// Qwen3-30B-A3B (Qwen/Qwen3-30B-A3B config.json): 128 experts of width 768, top 8, head_dim 128
// (32 heads x 128 = 4096 wide queries on a 2048 hidden).
ModelSpec qwen3_30b() {
  ModelSpec m;
  m.layers = 48, m.hidden = 2048, m.heads = 32, m.kv_heads = 4, m.head_dim = 128, m.ffn = 6144, m.vocab = 151936;
  m.seq = 4096, m.gated_mlp = true, m.tied_embeddings = false, m.dropout = false;
  m.moe = {128, 8, 768, 0, 0, 1};
  return m;
}

// A small MoE model for hand arithmetic.
ModelSpec small_moe() {
  ModelSpec m;
  m.layers = 4, m.hidden = 1024, m.heads = 8, m.kv_heads = 8, m.ffn = 4096, m.vocab = 32000, m.seq = 1024;
  m.gated_mlp = true, m.tied_embeddings = false, m.dropout = false;
  m.moe = {16, 2, 1024, 1, 1, 1};
  return m;
}

TrainingJobSpec moe_job(int tp, int pp, int dp, int ep, int batch) {
  TrainingJobSpec j;
  j.gpus = tp * pp * dp;
  j.parallelism.tp = tp, j.parallelism.pp = pp, j.parallelism.dp = dp, j.parallelism.ep = ep;
  j.parallelism.sequence_parallel = tp > 1;
  j.global_batch = batch;
  j.steps = 1;
  return j;
}

const HardwareProfile& h100() { return builtin_hardware_profiles().at("h100-sxm"); }

ClusterLinks ib400() {
  ClusterLinks l;
  l.nic_bandwidth = 400e9 / 8;
  return l;
}

}  // namespace

TEST_CASE("DeepSeek-V3 has 671B parameters, 37B active per token (DeepSeek-AI 2024, sec. 1), within 2%",
          "[models][moe]") {
  const TransformerSize t = transformer_size(deepseek_v3());
  CHECK(t.total_params == Approx(671e9).epsilon(0.01));
  CHECK(t.active_params == Approx(37e9).epsilon(0.02));
  CHECK(t.moe_layers == 58);
  CHECK(t.dense_layers == 3);
  // MLA by hand: q_a 7168 x 1536, q_b 1536 x 128 x 192, kv_a 7168 x 576, kv_b 512 x 128 x 256, o 16384 x 7168.
  CHECK(t.attention_params_per_layer ==
        Approx(7168.0 * 1536 + 1536.0 * 128 * 192 + 7168.0 * 576 + 512.0 * 128 * 256 + 128.0 * 128 * 7168));
  CHECK(t.expert_params == 3.0 * 7168 * 2048);
}

TEST_CASE("Mixtral 8x7B has 46.7B parameters, 12.9B active (Jiang et al. 2024, sec. 2), within 1%", "[models][moe]") {
  const TransformerSize t = transformer_size(mixtral());
  CHECK(t.total_params == Approx(46.7e9).epsilon(0.01));
  CHECK(t.active_params == Approx(12.9e9).epsilon(0.01));
}

TEST_CASE("Qwen3-30B-A3B has 30.5B parameters, 3.3B active (Qwen3 technical report, Table 2), within 2%",
          "[models][moe]") {
  const TransformerSize t = transformer_size(qwen3_30b());
  CHECK(t.total_params == Approx(30.5e9).epsilon(0.02));
  CHECK(t.active_params == Approx(3.3e9).epsilon(0.02));
}

TEST_CASE("a dense model's active parameters are all of them, and head_dim 0 means hidden over heads",
          "[models][moe]") {
  ModelSpec m = mixtral();
  m.moe = {};
  const TransformerSize t = transformer_size(m);
  CHECK(t.active_params == t.total_params);
  CHECK(t.moe_layers == 0);
  ModelSpec explicit_dim = m;
  explicit_dim.head_dim = 128;  // = 4096 / 32
  CHECK(transformer_size(explicit_dim).total_params == Approx(t.total_params).epsilon(1e-12));
  CHECK(attention_flops_per_token(explicit_dim) == Approx(attention_flops_per_token(m)).epsilon(1e-12));
}

TEST_CASE("MoE layers counted in closed form agree with counting them one by one", "[models][moe]") {
  ModelSpec m = small_moe();
  m.layers = 37;
  for (int dense = 0; dense < 5; ++dense)
    for (int every = 1; every < 4; ++every) {
      m.moe.dense_layers = dense, m.moe.every = every;
      for (int first = 0; first < 37; first += 3)
        for (int count = 0; count < 12; ++count) {
          int n = 0;
          for (int i = first; i < std::min(37, first + count); ++i) n += m.is_moe_layer(i);
          INFO(dense << " " << every << " " << first << " " << count);
          CHECK(m.moe_layers_in(first, count) == n);
        }
    }
}

TEST_CASE("expert-parallel memory per GPU matches hand arithmetic", "[models][moe][memory]") {
  // 8 GPUs, dp 8, ep 4: each GPU holds 16 / 4 = 4 experts of each of its 3 MoE layers; the
  // expert-data-parallel group has 8 / 4 = 2 ranks, which shard the experts' optimizer state.
  const ModelSpec m = small_moe();
  TrainingJobSpec j = moe_job(1, 1, 8, 4, 64);
  const double h = 1024, expert = 3 * h * 1024;
  const double attention = 4 * h * h, norms = 4 * h, router = 16 * h;
  const double dense_layer = attention + norms + 3 * h * 4096;
  const double moe_shared = attention + norms + router + expert;  // one shared expert
  const double embedding = 2 * 32000 * h;
  const double nd = dense_layer + 3 * moe_shared + embedding, ne = 3 * 4 * expert;
  CHECK(j.parallelism.expert_data_parallel() == 2);
  const TrainingMemory mem = training_memory(m, j);
  CHECK(mem.expert_params_on_gpu == Approx(ne));
  CHECK(mem.params_on_gpu == Approx(nd + ne));
  CHECK(mem.weights_bytes == Approx(2 * (nd + ne)));
  CHECK(mem.gradients_bytes == Approx(4 * (nd + ne)));
  CHECK(mem.optimizer_bytes == Approx(12 * (nd / 8 + ne / 2)));
  // ZeRO-3: weights and gradients sharded the same way.
  j.parallelism.zero = 3;
  const TrainingMemory z3 = training_memory(m, j);
  CHECK(z3.weights_bytes == Approx(2 * (nd / 8 + ne / 2)));
  CHECK(z3.gradients_bytes == Approx(4 * (nd / 8 + ne / 2)));
  // etp 2 halves each expert again; the expert-data-parallel group halves too.
  j.parallelism.zero = 1, j.parallelism.etp = 2;
  CHECK(j.parallelism.expert_data_parallel() == 1);
  const TrainingMemory etp = training_memory(m, j);
  CHECK(etp.expert_params_on_gpu == Approx(ne / 2));
  CHECK(etp.optimizer_bytes == Approx(12 * (nd / 8 + ne / 2)));
}

TEST_CASE("all-to-all on an oversubscribed fabric slows as the closed form says", "[models][moe][collectives]") {
  CollectiveFabric f;
  f.scale_up = {400e9, 1e-6};
  f.scale_out = {50e9, 5e-6};
  const double S = 1e9, base = f.base_latency;
  for (double o : {1.0, 2.0, 4.0}) {
    f.core_oversubscription = o;
    // 32 ranks on 4 servers: 7/32 of S over NVLink, 24/32 over the fabric at 50 GB/s / o.
    const double expected = base + 7 * 1e-6 + 24 * 5e-6 + std::max(7.0 / 32 * S / 400e9, 24.0 / 32 * S * o / 50e9);
    CHECK(collective_time(CollectiveOp::AllToAll, S, 32, 8, f).seconds == Approx(expected));
    // In one server the fabric is not used.
    CHECK(collective_time(CollectiveOp::AllToAll, S, 8, 8, f).seconds == Approx(base + 7e-6 + 7.0 / 8 * S / 400e9));
  }
  // Other collectives keep to their rails.
  CollectiveFabric g = f;
  g.core_oversubscription = 1;
  CHECK(collective_time(CollectiveOp::AllReduce, S, 32, 8, f).seconds ==
        collective_time(CollectiveOp::AllReduce, S, 32, 8, g).seconds);
}

TEST_CASE("a MoE layer's experts compute top_k x imbalance token-copies per token", "[models][moe]") {
  const ModelSpec m = small_moe();
  const KernelModel k(h100());
  LayerShard sh;
  sh.micro_batch = 16, sh.ep = 4;
  const LayerCost even = layer_cost(m, sh, k, LayerKind::Moe);
  CHECK(even.expert_tokens == 16 * 1024 * 2);  // b s top_k
  sh.moe_imbalance = 2;
  const LayerCost skewed = layer_cost(m, sh, k, LayerKind::Moe);
  CHECK(skewed.expert_tokens == 2 * even.expert_tokens);
  // Twice the rows per expert GEMM: about twice the time once the GEMMs are large (16,384 rows).
  CHECK(skewed.expert_forward_s == Approx(2 * even.expert_forward_s).epsilon(0.15));
  // The rest of the layer does not change.
  CHECK(skewed.forward_s - skewed.expert_forward_s == Approx(even.forward_s - even.expert_forward_s));
  // The dense layer kind of the same model is the dense MLP.
  const LayerCost dense = layer_cost(m, sh, k, LayerKind::Dense);
  CHECK(dense.expert_tokens == 0);
}

TEST_CASE("the step's all-to-all is four all-to-alls per MoE layer and micro-batch, NVLink when ep fits a server",
          "[models][moe]") {
  const ModelSpec m = small_moe();
  const HardwareProfile& gpu = h100();
  const ClusterLinks links = ib400();
  const CollectiveFabric fabric = collective_fabric(gpu, links);
  for (int ep : {8, 16}) {
    TrainingJobSpec j = moe_job(1, 1, 16, ep, 64);
    const TrainingStep st = training_step(m, j, gpu, links);
    // Per micro-batch each GPU sends its 1024 tokens x top_k 2 x h 1024 copies: dispatch and
    // combine forward, their gradients backward, all bf16; 3 MoE layers on the one stage.
    const double bytes = 1024.0 * 2 * 1024 * 2;
    const int per_server = std::min(ep, 8);
    const double a2a = collective_time(CollectiveOp::AllToAll, bytes, ep, per_server, fabric).seconds;
    INFO("ep " << ep);
    CHECK(st.ep_comm_total_s == Approx(st.micro_batches * 3 * 4 * a2a));
    CHECK(st.ep_comm_s == Approx(st.ep_comm_total_s));  // no overlap asked
    CHECK(st.step_time_s == Approx(st.forward_s + st.backward_s + st.recompute_s + st.tp_comm_s + st.cp_comm_s +
                                   st.pp_bubble_s + st.pp_comm_s + st.dp_comm_exposed_s + st.optimizer_s +
                                   st.ep_comm_s));
    // fp8 dispatches in one byte per element.
    j.precision = "fp8";
    const double half = collective_time(CollectiveOp::AllToAll, bytes / 2, ep, per_server, fabric).seconds;
    CHECK(training_step(m, j, gpu, links).ep_comm_total_s == Approx(st.micro_batches * 3 * (3 * a2a + half)));
  }
  // Across servers the all-to-all is slower than inside one.
  CHECK(training_step(m, moe_job(1, 1, 16, 16, 64), gpu, links).ep_comm_total_s >
        training_step(m, moe_job(1, 1, 16, 8, 64), gpu, links).ep_comm_total_s);
}

TEST_CASE("a2a_overlap hides the all-to-all behind the paired micro-batch's compute, at most all of it",
          "[models][moe]") {
  const ModelSpec m = small_moe();
  TrainingJobSpec j = moe_job(1, 1, 16, 16, 64);
  const TrainingStep none = training_step(m, j, h100(), ib400());
  j.parallelism.a2a_overlap = 0.5;
  const TrainingStep half = training_step(m, j, h100(), ib400());
  j.parallelism.a2a_overlap = 1;
  const TrainingStep full = training_step(m, j, h100(), ib400());
  REQUIRE(none.ep_comm_s > 0);
  CHECK(half.ep_comm_total_s == Approx(none.ep_comm_total_s));
  const double layer_compute = none.layer_forward_s + none.layer_backward_s;  // a MoE layer's
  const double per_layer = none.ep_comm_total_s / (none.micro_batches * 3);
  CHECK(half.ep_comm_s == Approx(none.micro_batches * 3 * (per_layer - std::min(0.5 * per_layer, layer_compute))));
  CHECK(full.ep_comm_s == Approx(none.micro_batches * 3 * std::max(0.0, per_layer - layer_compute)));
  CHECK(full.step_time_s <= half.step_time_s);
}

TEST_CASE("MoE FLOPs per token count the active parameters, MLA attention its own widths", "[models][moe]") {
  const ModelSpec m = deepseek_v3();
  const TransformerSize t = transformer_size(m);
  // 6 x 128 heads x (192 + 128) per layer and token of context.
  CHECK(attention_flops_per_token(m) == Approx(6.0 * 61 * 4096 * 128 * (192 + 128)));
  ModelSpec small = small_moe();
  const TrainingStep st = training_step(small, moe_job(1, 1, 8, 4, 64), h100(), ib400());
  CHECK(st.active_params == Approx(transformer_size(small).active_params));
  CHECK(st.model_flops_per_step ==
        Approx((6 * st.active_params + attention_flops_per_token(small)) * st.tokens_per_step));
  CHECK(st.params > st.active_params);
  CHECK(t.active_params < t.total_params / 10);
}

TEST_CASE("uneven pipeline stages of a MoE model: the busiest stage sets the pace", "[models][moe]") {
  ModelSpec m = small_moe();
  m.layers = 7, m.moe.dense_layers = 1;  // 2 stages: layers 0-3 (one dense) and 4-6
  const TrainingJobSpec j = moe_job(1, 2, 8, 8, 64);
  const TrainingStep st = training_step(m, j, h100(), ib400());
  const KernelModel k(h100());
  const LayerShard sh = LayerShard::of(j);
  const LayerCost dense = layer_cost(m, sh, k, LayerKind::Dense), moe = layer_cost(m, sh, k, LayerKind::Moe);
  const double first_f = dense.forward_s + 3 * moe.forward_s + dense.embedding_forward_s;
  const double first_b = dense.backward_s + 3 * moe.backward_s + dense.embedding_backward_s;
  const double last_f = 3 * moe.forward_s + dense.head_forward_s;
  const double last_b = 3 * moe.backward_s + dense.head_backward_s;
  // Both stages have 3 MoE layers (the same all-to-all): compute decides which is busiest.
  const bool first_busiest = first_f + first_b > last_f + last_b;
  CHECK(st.forward_s == Approx(st.micro_batches * (first_busiest ? first_f : last_f)));
  CHECK(st.backward_s == Approx(st.micro_batches * (first_busiest ? first_b : last_b)));
  CHECK(first_stage_layers(m, j.parallelism) == 4);
}

TEST_CASE("a MoE model's later stage with more expert layers holds the most parameters", "[models][moe]") {
  ModelSpec m = small_moe();
  m.layers = 8, m.moe.dense_layers = 2, m.moe.every = 1;  // 2 stages: 2 dense + 2 MoE, then 4 MoE
  const TrainingJobSpec j = moe_job(1, 2, 8, 1, 64);  // ep 1: a layer's 16 experts outweigh a dense MLP
  const TrainingMemory mem = training_memory(m, j);
  const TransformerSize size = transformer_size(m);
  const double experts_per_layer = 16.0 * size.expert_params;
  CHECK(mem.sync_expert_params == Approx(4 * experts_per_layer));
  CHECK(mem.sync_params == Approx(4 * size.moe_layer_dense_params() + 32000.0 * 1024 + 4 * experts_per_layer));
  CHECK(mem.params_on_gpu <= mem.sync_params);
}

TEST_CASE("dualpipe: the bubble of DeepSeek-V3's Table 2, PP + 1 micro-batches in flight, two stages' weights",
          "[models][moe]") {
  const ModelSpec m = small_moe();
  TrainingJobSpec j = moe_job(1, 4, 4, 4, 64);
  const TrainingStep plain = training_step(m, j, h100(), ib400());
  j.parallelism.schedule = "dualpipe";
  const TrainingStep dual = training_step(m, j, h100(), ib400());
  // Same work per micro-batch; bubble (p/2 - 1)(F&B + B - 3W) with B = W = backward / 2:
  // (p/2 - 1)(stage time - backward), here p = 4.
  CHECK(dual.forward_s == Approx(plain.forward_s));
  const double mb = dual.micro_batches;
  const double stage = (dual.forward_s + dual.backward_s + dual.recompute_s + dual.tp_comm_s + dual.cp_comm_s +
                        dual.ep_comm_s) / mb;
  CHECK(dual.pp_bubble_s == Approx(1.0 * (stage - dual.backward_s / mb)));
  CHECK(plain.pp_bubble_s == Approx(3.0 * stage));
  // Stage-to-stage sends: 1F1B pays 2 (m + p - 1) sends of time `send`; DualPipe only what of
  // each outlasts a forward chunk. One GPU a server, so that stages send over the NIC: on 400G
  // the send hides; on a 1 Gb/s link it shows.
  for (double nic : {400e9 / 8, 1e9 / 8}) {
    ClusterLinks slow = ib400();
    slow.nic_bandwidth = nic;
    slow.gpus_per_server = 1;
    TrainingJobSpec one = j;
    one.parallelism.schedule = "1f1b";
    const TrainingStep a = training_step(m, one, h100(), slow), d = training_step(m, j, h100(), slow);
    const double sends = 2 * (mb + 4 - 1), send = a.pp_comm_s / sends;
    INFO("nic " << nic << ": send " << send << " s, forward chunk " << d.forward_s / mb << " s");
    CHECK(d.pp_comm_s == Approx(sends * std::max(0.0, send - d.forward_s / mb)).margin(1e-12));
    if (nic < 1e9) CHECK(d.pp_comm_s > 0);
  }
  CHECK(first_stage_in_flight(j.parallelism, 16) == 5);
  CHECK(first_stage_in_flight(j.parallelism, 3) == 3);
  // Rank 0 holds stage 0 (embedding, the dense layer) and stage 3 (one MoE layer and the untied head).
  const TransformerSize size = transformer_size(m);
  const double first = size.dense_layer_params() + 32000.0 * 1024;
  const double last = size.moe_layer_dense_params() + 4 * size.expert_params + 32000.0 * 1024;
  CHECK(dual.memory.params_on_gpu == Approx(first + last));
}

TEST_CASE("MoE decode reads only the experts the batch routes to, MLA caches its latent", "[models][moe][inference]") {
  const HardwareProfile& gpu = builtin_hardware_profiles().at("h200-sxm");
  const ModelSpec moe = mixtral();
  ModelSpec top2 = moe, all8 = moe;
  top2.moe = {}, all8.moe = {};
  top2.ffn = 2 * 14336;  // what one token's two experts hold
  all8.ffn = 8 * 14336;  // every expert
  const InferenceCost m(moe, gpu, 2, "bf16"), d2(top2, gpu, 2, "bf16"), d8(all8, gpu, 2, "bf16");
  // One token touches its 2 experts: a decode step costs about the dense model of those two
  // (plus the router, top-k and permutation).
  CHECK(m.decode_step_s(1, 1000) > d2.decode_step_s(1, 1000));
  CHECK(m.decode_step_s(1, 1000) < 1.2 * d2.decode_step_s(1, 1000));
  // 64 tokens touch all 8 (1 - 0.75^64 of each): every expert's weights are read, as a dense
  // model holding all of them reads its MLP (both weight-bound at 16 and 64 rows).
  CHECK(m.decode_step_s(64, 64000) == Approx(d8.decode_step_s(64, 64000)).epsilon(0.2));
  CHECK(m.decode_step_s(64, 64000) > 2 * m.decode_step_s(1, 1000));
  // DeepSeek-V3's MLA cache: 61 layers x (512 + 64) x 2 B per token, whole on each of the 8 ranks.
  const ModelSpec v3 = deepseek_v3();
  const InferenceCost ds(v3, gpu, 8, "fp8");
  const double usable = 0.9 * gpu.memory_bytes * 8 - 1.0 * transformer_size(v3).total_params;
  CHECK(ds.kv_capacity_tokens() == Approx(usable / (61.0 * 576 * 2 * 8)));
  // Spanning 2 servers (tp 8, pp 2): 16 GPUs' memory, and each stage keeps only its own layers'
  // latents on its 8 ranks, so a token still costs 61 x 576 x 2 B x 8 over the whole replica.
  const InferenceCost ds2(v3, gpu, 8, "fp8", true, {}, 2);
  const double usable2 = 0.9 * gpu.memory_bytes * 16 - 1.0 * transformer_size(v3).total_params;
  CHECK(ds2.kv_capacity_tokens() == Approx(usable2 / (61.0 * 576 * 2 * 8)));
}

TEST_CASE("expert-parallel serving: two NVLink all-to-alls per MoE layer, closed form", "[models][moe][inference]") {
  const HardwareProfile& gpu = builtin_hardware_profiles().at("h200-sxm");
  const ModelSpec m = mixtral();
  const InferenceCost tp2(m, gpu, 2, "bf16"), ep2(m, gpu, 2, "bf16", true, {}, 1, {}, 2);
  // Each of the 2 EP ranks dispatches its 64 / 2 tokens' top-2 hidden states (4096 x 2 B):
  // S = 32 x 2 x 4096 x 2 = 524288 B sent per rank; one NVLink all-to-all of 2 ranks takes
  // base + 1 hop + (2-1)/2 S / B_up (collective_model.hpp), dispatch and combine twice that.
  const CollectiveFabric f = collective_fabric(gpu, ClusterLinks{});
  const double a2a = f.base_latency + f.scale_up.hop_latency + 0.5 * 524288.0 / f.scale_up.bandwidth;
  CHECK(ep2.expert_all_to_all_s(64) == Approx(2 * a2a).epsilon(1e-12));
  CHECK(tp2.expert_all_to_all_s(64) == 0);
  // Expert parallelism only moves experts between the same 2 GPUs: the KV capacity is unchanged.
  CHECK(ep2.kv_capacity_tokens() == tp2.kv_capacity_tokens());
  // ep must divide the stage's GPUs and the experts, and the model must be MoE.
  CHECK_THROWS_AS(InferenceCost(m, gpu, 2, "bf16", true, {}, 1, {}, 4), std::invalid_argument);
  ModelSpec dense = m;
  dense.moe = {};
  CHECK_THROWS_AS(InferenceCost(dense, gpu, 2, "bf16", true, {}, 1, {}, 2), std::invalid_argument);
}

TEST_CASE("expert-parallel serving: one whole decode step of Mixtral on tp 2, ep 2, worked by hand",
          "[models][moe][inference]") {
  // Mixtral 8x7B (32 MoE layers, h 4096, 32 heads of d 128, 8 KV heads, 8 experts of width
  // 14336, top 2, vocab 32000), bf16 on 2 H200 with ep 2, CUDA graphs, no engine CPU time;
  // one request, 1000 tokens of KV cache. Every term below is written from docs/inference.md;
  // only the GEMM table and the two NCCL collectives come from their models' public functions.
  const HardwareProfile& gpu = builtin_hardware_profiles().at("h200-sxm");
  const ModelSpec m = mixtral();
  const InferenceCost ep2(m, gpu, 2, "bf16", true, {}, 1, {}, 2);
  const KernelModel eager(gpu, false), graph(gpu, true);
  const double rate = gpu.hbm_bandwidth * gpu.hbm_efficiency, L = graph.launch_s();
  auto mem = [&](double bytes, int kernels = 1) { return bytes / rate + kernels * L; };
  // A GEMM of one token row: never faster than reading its bf16 operands, 2 (m k + k n + m n) B,
  // at the HBM rate; the measured GEMM table (its public function, timed eagerly: one eager launch
  // taken out) is slower than that at m = 1 for the big weight GEMMs on H200 (the table's
  // efficiency at one row), so the term is the larger of the two plus one graph launch.
  auto gemm = [&](double mm, double n, double k) {
    const double operands = 2 * (mm * k + k * n + mm * n);
    return std::max(eager.gemm_s("bf16", mm, n, k) - eager.launch_s(), operands / rate) + L;
  };
  const CollectiveFabric nvl = collective_fabric(gpu, ClusterLinks{});
  // Per layer, rank 0 of 2 (16 query heads, 4 KV heads):
  //   QKV      1 x (16 + 2 x 4) x 128 = 3072 columns over h = 4096;  output projection 4096 x 2048
  //   2 RMSNorms  2 x 1 x 4096 x 2 B = 16384 B each; rotary 1 x 128 x 2 B x (2 x 16 + 4 x 4) = 12288 B
  //   2 residual adds 3 x 4096 x 2 B = 24576 B each
  const double attention_part = gemm(1, 3072, 4096) + gemm(1, 4096, 2048) + 2 * mem(16384) + mem(12288) + 2 * mem(24576);
  // MoE MLP: router 1 x 8 over 4096 (replicated); top-k reads and writes 2 x 8 fp32 logits = 64 B;
  // permute + combine 4 x 1 x 2 x 4096 x 2 B = 65536 B in 2 kernels. One token touches
  // 8 (1 - (1 - 2/8)^1) = 2 experts, one row each; with ep 2 each rank holds 4 whole experts
  // (width 14336 / (2 / 2) = 14336) and runs 2 / 2 = 1 of them: fc1 (gate + up) 28672 x 4096,
  // fc2 4096 x 14336; the activation reads 2 and writes 1 of 1 x 2 / 2 x 14336 x 2 B: 86016 B.
  const double experts = gemm(1, 28672, 4096) + gemm(1, 4096, 14336) + mem(86016);
  // Dispatch + combine: each rank sends 1 / 2 x 2 x 4096 x 2 B = 8192 B; one NVLink all-to-all of
  // 2 ranks is base + 1 hop + (2 - 1) / 2 x 8192 / B_up (collective_model.hpp's closed form).
  const double a2a = 2 * (nvl.base_latency + nvl.scale_up.hop_latency + 0.5 * 8192 / nvl.scale_up.bandwidth);
  const double router = gemm(1, 8, 4096) + mem(64) + mem(65536, 2);
  const double layer = attention_part + router + experts + a2a;
  // Per step: embedding 2 x 4096 x 2 B = 16384 B, final norm 16384 B, 2 x 32 + 1 = 65 TP
  // all-reduces of 4096 x 2 B = 8192 B; logits GEMM 1 x 16000 over 4096, their all-gather
  // (32000 x 2 B = 64000 B), sampling 32000 x 4 B = 128000 B.
  const double allreduce = collective_time(CollectiveOp::AllReduce, 8192, 2, 2, nvl).seconds;
  const double gather = collective_time(CollectiveOp::AllGather, 64000, 2, 2, nvl).seconds;
  const double head = gemm(1, 16000, 4096) + gather + mem(128000);
  // Decode attention per layer: this rank's KV share 1000 x 2 x 4 x 128 x 2 B = 2048000 B plus the
  // query and output 2 x 16 x 128 x 2 B = 8192 B.
  const double attention = 32 * mem(2048000 + 8192);
  const double step = mem(16384) + 32 * layer + 65 * allreduce + mem(16384) + head + attention;
  CHECK(ep2.decode_step_s(1, 1000) == Approx(step).epsilon(1e-9));
  // The expert-parallel part in it: 32 layers' all-to-alls, and each rank reads 1 expert's
  // 3 x 4096 x 14336 x 2 B = 352 MB per layer instead of tp's 2 halves (the same bytes).
  CHECK(32 * a2a == Approx(32 * ep2.expert_all_to_all_s(1)).epsilon(1e-12));
  // Scale: the weights each GPU reads, (4096 x 5120 x 2 B attention + 352 MB expert) x 32 layers
  // = 12.6 GB at 4.8 TB/s x 0.85 = 3.1 ms is the floor; the table's one-row GEMMs run below the
  // HBM rate (5.3 ms here), but never 2x below it.
  CHECK(step > 3.1e-3);
  CHECK(step < 6.2e-3);
}

TEST_CASE("expert parallelism across servers: the all-to-all over the fabric, closed form; experts per GPU by hand",
          "[models][moe][inference]") {
  // Qwen3-30B-A3B (128 experts of width 768, top 8, h 2048, 48 MoE layers) on a replica of
  // 2 H200 servers of 8, tp 16 and ep 16 as one stage; 8 NICs of 400 Gb/s per server.
  const HardwareProfile& gpu = builtin_hardware_profiles().at("h200-sxm");
  const ModelSpec m = qwen3_30b();
  ClusterLinks links;
  links.gpus_per_server = 8, links.nic_bandwidth = 50e9, links.nics_per_server = 8;
  const InferenceCost span(m, gpu, 16, "bf16", true, {}, 1, links, 16, 2);
  // 64 tokens: each of the 16 EP ranks sends 64 / 16 x 8 x 2048 x 2 B = 131072 B. An all-to-all of
  // n = 16 ranks, g = 8 per server (collective_model.hpp): base + (g - 1) l_up + (n - g) l_out +
  // max((g - 1) / n S / B_up, (n - g) / n S o / B_out), B_out = 50 GB/s x 8 NICs / 8 GPUs x the
  // NIC efficiency, o = 1; dispatch and combine twice that.
  const CollectiveFabric f = collective_fabric(gpu, links);
  const double S = 131072, b_out = 50e9 * gpu.nic_efficiency;
  const double one = f.base_latency + 7 * gpu.scale_up.hop_latency + 8 * gpu.net_hop_latency +
                     std::max(7.0 / 16 * S / f.scale_up.bandwidth, 8.0 / 16 * S / b_out);
  CHECK(span.expert_all_to_all_s(64) == Approx(2 * one).epsilon(1e-12));
  // Half of each rank's copies leave the server at b_out (~ 45 GB/s) against NVLink's ~ 400+ GB/s:
  // the fabric part sets the pace.
  CHECK(8.0 / 16 * S / b_out > 7.0 / 16 * S / f.scale_up.bandwidth);
  // On a 2:1 oversubscribed core the cross-server part takes twice as long.
  ClusterLinks thin = links;
  thin.oversubscription = 2;
  const InferenceCost span2(m, gpu, 16, "bf16", true, {}, 1, thin, 16, 2);
  CHECK(span2.expert_all_to_all_s(64) ==
        Approx(2 * (one - 8.0 / 16 * S / b_out + 2 * 8.0 / 16 * S / b_out)).epsilon(1e-12));
  // Experts per GPU: 128 / 16 = 8 whole experts of every one of the 48 layers, each 3 x 2048 x 768
  // = 4,718,592 parameters, bf16: 8 x 48 x 4718592 x 2 B = 3,623,878,656 B.
  CHECK(span.expert_bytes_per_gpu() == Approx(3623878656.0).epsilon(1e-12));
  // The same 16 GPUs as 2 pipeline stages of tp 8, ep 8 hold the same bytes per GPU: 128 / 8 = 16
  // whole experts of each of a stage's 24 layers, 16 x 24 x 4718592 x 2 B.
  const InferenceCost staged(m, gpu, 8, "bf16", true, {}, 2, links, 8);
  CHECK(staged.expert_bytes_per_gpu() == Approx(16.0 * 24 * 4718592 * 2).epsilon(1e-12));
  // but its all-to-all stays on NVLink: base + 7 hops + 7 / 8 S' / B_up with S' = 64 / 8 x 8 x 2048 x 2 B.
  const CollectiveFabric nvl = collective_fabric(gpu, ClusterLinks{});
  CHECK(staged.expert_all_to_all_s(64) ==
        Approx(2 * (nvl.base_latency + 7 * nvl.scale_up.hop_latency + 7.0 / 8 * 262144 / nvl.scale_up.bandwidth))
            .epsilon(1e-12));
  // ep spanning servers needs tp and ep divisible by the servers, pp 1 and a fabric.
  CHECK_THROWS_AS(InferenceCost(m, gpu, 16, "bf16", true, {}, 2, links, 16, 2), std::invalid_argument);
  CHECK_THROWS_AS(InferenceCost(m, gpu, 16, "bf16", true, {}, 1, links, 2, 4), std::invalid_argument);
}
