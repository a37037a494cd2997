#pragma once
// One LLM serving replica (tensor parallel inside a server, optionally pipeline parallel
// across servers) as a cost model.
// Prefill and a decode step are each the sum of the kernels an engine such as
// vLLM runs for them (KernelModel): the weight GEMMs, attention (flash
// attention over each prompt, or a memory-bound read of every running
// request's KV cache), norms, rotary, residual adds and the activation, the
// logits GEMM and sampling, the tensor-parallel collectives, and one launch
// per kernel. Decode is replayed from a CUDA graph when the replica says so
// (a graph launch per kernel), prefill runs eagerly, as those engines do for
// variable-length prompts. The KV cache that fits next to the weights limits
// the batch. docs/inference.md gives every kernel's bytes. A mixture-of-experts model's MoE
// layers read only the experts a step's tokens route to (docs/models.md, Mixture of experts);
// with expert parallelism (`ep`) each GPU of a stage holds E / ep experts and every MoE layer
// adds an all-to-all dispatch and combine of the routed tokens (docs/inference.md).
//
// Around those kernels the serving engine does CPU work every iteration
// (scheduling, building the step's inputs, turning sampled tokens into
// outputs). An engine that waits for it adds it to the step; one that prepares
// the next iteration while the GPU runs this one (SGLang's overlap scheduler,
// TensorRT-LLM's) only shows it where it is the longer of the two
// (ServingEngineSpec, docs/inference.md).
#include <string>
#include <unordered_map>
#include <vector>

#include "rcn/models/cluster_fabric.hpp"
#include "rcn/models/collective_model.hpp"
#include "rcn/models/kernel_model.hpp"
#include "rcn/scenario/hardware_profile.hpp"
#include "rcn/scenario/scenario.hpp"

namespace rcn {

// A slice of one request's prompt run in a chunked-prefill iteration: `tokens` new tokens
// after `done` already in the KV cache; `last` when it ends the prompt (its logits are sampled).
struct PrefillChunk {
  double done = 0, tokens = 0;
  bool last = false;
};

class InferenceCost {
 public:
  // `cuda_graphs`: decode steps are replayed from a CUDA graph (the replica's `cuda_graphs` option).
  // `pp` > 1: the replica spans pp servers, tp GPUs each, one pipeline stage of layers / pp layers
  // per server; an iteration runs its stages one after another (one batch in flight) and sends the
  // activations between them over `links`' fabric (docs/inference.md, replicas spanning servers).
  // `ep` > 1 (a MoE model only, dividing tp and the experts): the stage's tp GPUs form ep groups
  // of tp / ep, each holding E / ep whole experts split over its tp / ep GPUs (attention and the
  // dense layers stay tensor parallel over all tp). Throws std::invalid_argument otherwise.
  // `tp_servers` > 1 (with pp 1): the tp GPUs span that many servers of `links`' cluster, tp /
  // tp_servers in each, as one stage (SGLang's `--tp 16` over 2 nodes): the tensor-parallel
  // collectives are hierarchical over NVLink and the fabric, and the ep ranks (tp_servers dividing
  // ep, an EP rank inside one server) exchange the all-to-all over the fabric.
  InferenceCost(const ModelSpec& model, const HardwareProfile& gpu, int tp, const std::string& precision,
                bool cuda_graphs = true, const ServingEngineSpec& engine = {}, int pp = 1,
                const ClusterLinks& links = {}, int ep = 1, int tp_servers = 1);

  // One iteration's time from its GPU time and the engine's CPU time for it:
  //   gpu + host, or max(gpu, host) when the engine overlaps them.
  static double iteration_s(double gpu_s, double host_s, bool overlapped);

  // Seconds to prefill prompts of these lengths together (one iteration, the engine's CPU work included).
  double prefill_s(const std::vector<double>& prompt_tokens) const;
  // Seconds of one decode step for `batch` requests holding `kv_tokens` tokens of cache in all, the
  // engine's CPU work included (one scheduler iteration's share with multi-step scheduling).
  double decode_step_s(double batch, double kv_tokens) const;
  // One iteration mixing `decodes` decode tokens (holding `decode_kv_tokens` of cache in all) with
  // prompt chunks (Sarathi-Serve's stall-free batching): the token kernels run once over all the
  // iteration's tokens, a chunk's attention is the causal work of its rows against done + tokens
  // keys, and the logits are sampled for the decodes and the chunks that end a prompt. Engines
  // replay only pure decode batches from CUDA graphs, so a step with a chunk runs eagerly and is
  // a scheduler iteration of its own; with no chunk it is decode_step_s.
  double mixed_step_s(double decodes, double decode_kv_tokens, const std::vector<PrefillChunk>& chunks) const;
  // Bytes of the model's weights in the replica's precision, all ranks together (what a cold start loads).
  double weight_bytes() const { return weight_bytes_; }
  // Bytes of KV cache per token of context, all layers and ranks together.
  double kv_bytes_per_token() const { return kv_bytes_per_token_; }
  // Tokens of KV cache the replica holds next to its weights (90% of GPU memory usable).
  double kv_capacity_tokens() const { return kv_capacity_; }
  // Seconds the pp - 1 stage boundaries of one iteration of `tokens` tokens take: each TP rank sends
  // its 1/tp share of the hidden states to its peer of the next stage over the fabric, and the
  // receiving stage all-gathers them over NVLink (Megatron's scatter/gather, as training's PP does).
  double pipeline_sends_s(double tokens) const;
  // Seconds of one MoE layer's expert-parallel all-to-alls for an iteration of `tokens` tokens:
  // each EP rank dispatches its 1/ep share of the tokens' top_k hidden-state copies to the ranks
  // holding their experts and gets the outputs back (combine), two all-to-alls over NVLink of
  // tokens / ep x top_k x hidden x 2 B sent per rank (training's all-to-all, collective_model;
  // over the fabric, ep / tp_servers ranks per server, when the stage spans servers).
  // 0 without expert parallelism.
  double expert_all_to_all_s(double tokens) const;
  // Bytes of routed-expert weights one GPU holds: E / ep experts of every MoE layer of its stage,
  // 1 / (tp / ep) of each (the experts of all layers over the replica's tp x pp GPUs, evenly).
  double expert_bytes_per_gpu() const;

 private:
  const ModelSpec model_;
  KernelModel eager_;   // prefill
  KernelModel decode_;  // decode: graph replay or eager, by the option
  int tp_, pp_, ep_, tp_servers_;
  std::string precision_;
  ServingEngineSpec engine_;
  CollectiveFabric fabric_;  // NVLink (and the cluster's fabric when tp spans servers): the TP collectives
  CollectiveFabric pp_fabric_;  // the cluster's fabric, for the pipeline-stage sends
  double weight_bytes_ = 0, kv_bytes_per_token_ = 0, kv_capacity_ = 0;

  // One GEMM kernel launched by `k`: the table's time (timed eagerly, so one eager launch is in
  // it) with that launch replaced by k's, and never below reading its operands at k's HBM rate.
  double gemm_s(const KernelModel& k, double m, double n, double kk) const;
  // Everything whose size follows the tokens of the iteration, all layers: embedding, norms,
  // GEMMs, rotary and KV-cache write, residual adds, activation, TP all-reduces, final norm.
  double token_kernels_s(const KernelModel& k, double tokens) const;
  // A MoE layer's MLP on T tokens (experts split over the TP ranks, as vLLM's fused MoE does
  // without expert parallelism; with it, each rank's E / ep experts split over tp / ep ranks):
  // router, top-k, permutation, shared experts and the routed experts the tokens touch, each
  // reading its weights once, and the expert-parallel all-to-alls.
  double moe_mlp_s(const KernelModel& k, double T) const;
  // Logits GEMM, their all-gather over the TP ranks and sampling, for `rows` tokens.
  double head_s(const KernelModel& k, double rows) const;
  // Attention of one decode step over the batch's KV cache, all layers.
  double decode_attention_s(const KernelModel& k, double batch, double kv_tokens) const;
  // Flash attention over one causal prompt of `tokens`, all layers (memoised).
  double prompt_attention_s(double tokens) const;

  // Memoised: a replica asks about the same shapes again and again.
  mutable std::unordered_map<double, double> prefill_tokens_cache_, prefill_attention_cache_, prefill_head_cache_,
      decode_cache_;
};

}  // namespace rcn
