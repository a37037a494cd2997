#pragma once
// The scenario as plain typed structs, SI units throughout. This is the only
// shape of input the rest of rcnsim sees; YAML stays in the loader.
#include <algorithm>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <memory>

#include "rcn/models/cross_site_sync.hpp"
#include "rcn/scenario/diagnostics.hpp"
#include "rcn/scenario/hardware_profile.hpp"

namespace rcn {

enum class Fidelity { Analytic, Flow };
enum class SiteKind { Center, Node };

struct GeoLocation {
  double lat_deg = 0;
  double lon_deg = 0;
};

struct PowerSpec {
  double pue = 1.2;                // facility energy / IT energy
  double price_per_kwh = 0.10;     // currency units per kWh
  double carbon_g_per_kwh = 400;   // grams CO2e per kWh
  std::vector<double> price_by_hour;   // 24 values (hour of day 0-23, simulated time); empty = flat
  std::vector<double> carbon_by_hour;  // likewise
  double price_at(double t) const;
  double carbon_at(double t) const;
};

struct ScaleUpSpec {
  std::string kind = "nvswitch";
  double bandwidth = 0;  // bytes/s per GPU; 0 = the GPU profile's
};

struct ScaleOutSpec {
  std::string kind = "infiniband";      // infiniband | roce | ethernet
  double nic_bandwidth = 400e9 / 8;     // bytes/s per NIC
  int nics_per_server = 8;
  // ideal | fat-tree | rail-optimised | rail-only | torus | dragonfly. `ideal` and a fat-tree
  // without `tiers` are one aggregated fabric link (rcn/models/fabric_shape.hpp).
  std::string topology = "fat-tree";
  double oversubscription = 1.0;        // >= 1; leaf tier: server-facing / spine-facing bandwidth
  // The switches of a tiered fabric (0: not given, derived; docs/models.md "Fabric").
  int tiers = 0;                        // 2 or 3 switch tiers; 0: the single aggregated link
  int radix = 64;                       // ports per switch
  int servers_per_leaf = 0;             // servers under one leaf switch (rail-optimised: one rail group)
  int uplinks_per_leaf = 0;             // leaf to spine links per leaf switch
  int leaves_per_pod = 0;               // 3 tiers: leaf switches (rail groups) per pod
  int uplinks_per_spine = 0;            // 3 tiers: spine to core links per spine switch
  double link_bandwidth = 0;            // bytes/s per leaf-spine (torus, dragonfly) link; 0: nic_bandwidth
  // Torus: the nodes along each dimension (1 to 4 dimensions, each >= 2); one server per node.
  std::vector<int> dimensions;
  // Dragonfly (SimGrid's parameters): groups of chassis of routers, servers per router, and the
  // parallel links between two groups, two chassis (per router position) and two routers of a chassis.
  int groups = 0;
  int chassis_per_group = 0;
  int routers_per_chassis = 0;
  int servers_per_router = 0;
  int links_between_groups = 1;
  int links_between_chassis = 1;
  int links_between_routers = 1;
  double core_link_bandwidth = 0;       // bytes/s per spine-core link; 0: link_bandwidth
  std::string placement = "packed";     // packed (fill a leaf, then a pod) | lowest (lowest free indices)
  std::string ecmp = "ideal";           // ideal (flows spread evenly over a leaf's uplinks) | hash (one uplink per flow)
  double latency = -1;                  // one way, NIC to NIC through the fabric (s); < 0 = the GPU profile's
  std::string in_network_reduction = "none";  // none | sharp (switches reduce: NVLS+SHARP / CollNet collectives)
};

struct StorageSpec {
  double write_bandwidth = 0;  // bytes/s, 0 = not modelled
  double read_bandwidth = 0;
};

// Calendar units of prices: a year is 365 days (as `1y` in durations), a month a twelfth of it.
inline constexpr double kSecondsPerYear = 365 * 86400.0;
inline constexpr double kSecondsPerMonth = kSecondsPerYear / 12;

// What a site or cluster costs to own (docs/tco.md), SI units and currency units. Every
// field is optional: an unset one is inherited from the site's `cost`, then from the
// top-level `cost`, then from the built-in defaults (models/tco.hpp), in that order.
struct CostSpec {
  std::optional<double> server_price;       // currency per server (spares are bought too)
  std::optional<double> server_power;       // W of IT load per server at full power: sizes the building
  std::optional<double> network_per_gpu;    // currency per GPU: switches, cables, optics of the scale-out fabric
  std::optional<double> network_per_port;   // currency per scale-out NIC port (instead of per GPU; the most
                                            // specific level that gives either one decides)
  std::optional<double> switch_price;       // currency per switch of a tiered scale_out fabric (added to the network)
  std::optional<double> storage_per_byte;   // currency per byte of storage capacity (given per PB)
  std::optional<double> storage_per_gpu;    // bytes of storage capacity per GPU
  std::optional<double> storage_capacity;   // bytes of the cluster's storage (clusters only; replaces storage_per_gpu)
  std::optional<double> building_per_watt;  // currency per W of IT power (given per MW)
  std::optional<double> staff_maintenance;  // fraction of capex spent per year on staff and maintenance
  std::optional<double> servers_life, network_life, storage_life, building_life;  // amortisation, seconds (given in years)
};

// The scenario's `cost` section: the currency, the defaults every site and cluster
// inherits, and the default price of WAN capacity.
struct CostSettings {
  std::string currency = "USD";
  CostSpec defaults;
  std::optional<double> wan_per_byte_per_s;  // currency per (byte/s) of WAN bandwidth per second (given per Gbps-month)
};

struct ClusterSpec {
  std::string name;
  std::string gpu;  // hardware profile key
  int servers = 0;
  int gpus_per_server = 8;
  ScaleUpSpec scale_up;
  ScaleOutSpec scale_out;
  StorageSpec storage;
  int spares = 0;  // spare servers
  CostSpec cost;
  SourceLoc loc;
  int gpus() const { return servers * gpus_per_server; }
};

struct SiteSpec {
  std::string name;
  SiteKind kind = SiteKind::Node;
  std::string region;
  std::optional<GeoLocation> location;
  PowerSpec power;
  std::vector<ClusterSpec> clusters;
  CostSpec cost;
  SourceLoc loc;
  int gpus() const;
};

struct WanLinkSpec {
  std::string from, to;
  double bandwidth = 0;  // bytes/s, each direction
  double latency = 0;    // one way, seconds (given, or derived from distance)
  std::optional<double> distance_m;
  std::optional<double> cost_per_byte_per_s;  // its price: currency per (byte/s) per second (given per Gbps-month)
  std::optional<double> cost_per_s;           // or a flat price: currency per second (given per month)
  SourceLoc loc;
};

struct ModelSpec {
  std::string name;
  int layers = 0;
  int hidden = 0;
  int heads = 0;
  int kv_heads = 0;  // = heads unless grouped-query attention
  int ffn = 0;
  int vocab = 0;
  int seq = 0;
  bool gated_mlp = false;        // SwiGLU-style MLP: three ffn matrices instead of two
  bool tied_embeddings = true;   // output head shares the input embedding
  bool dropout = true;           // dropout after attention and MLP (its 1-byte masks are stored activations);
                                 // Llama-style models train without
  int head_dim = 0;              // width of one attention head; 0 = hidden / heads (Qwen3 sets it wider)
  // Mixture of experts (`moe:`): some layers replace the dense MLP by `experts` routed experts
  // of width `expert_ffn`, each token going to `top_k` of them, plus `shared_experts` every
  // token goes through. Layers 0 .. dense_layers-1 keep the dense MLP (DeepSeek's
  // first_k_dense_replace); after them every `every`-th layer is a MoE layer (Megatron's
  // moe_layer_freq). experts == 0: a dense model.
  struct Moe {
    int experts = 0;
    int top_k = 0;
    int expert_ffn = 0;
    int shared_experts = 0;
    int dense_layers = 0;
    int every = 1;
  } moe;
  // Multi-head latent attention (`mla:`, DeepSeek-V2/V3): queries and keys/values pass through
  // low-rank latents (q_lora_rank 0: queries projected directly); each head has a
  // qk_nope_head_dim + qk_rope_head_dim wide query/key and a v_head_dim wide value.
  // kv_lora_rank == 0: ordinary (grouped-query) attention.
  struct Mla {
    int q_lora_rank = 0;
    int kv_lora_rank = 0;
    int qk_nope_head_dim = 0;
    int qk_rope_head_dim = 0;
    int v_head_dim = 0;
  } mla;
  bool is_moe() const { return moe.experts > 0; }
  bool uses_mla() const { return mla.kv_lora_rank > 0; }
  // Width of one attention head (the query/key width of ordinary attention).
  double head_size() const { return head_dim > 0 ? static_cast<double>(head_dim) : static_cast<double>(hidden) / heads; }
  // Whether layer `i` (0-based) has a MoE MLP.
  bool is_moe_layer(int i) const {
    return is_moe() && i >= moe.dense_layers && (i - moe.dense_layers) % std::max(1, moe.every) == 0;
  }
  // MoE layers among layers [first, first + count).
  int moe_layers_in(int first, int count) const {
    if (!is_moe()) return 0;
    const std::int64_t f = std::max(1, moe.every);
    const std::int64_t lo = std::max<std::int64_t>({0, first, moe.dense_layers});
    const std::int64_t hi = std::min<std::int64_t>(layers, std::int64_t{first} + count);
    const std::int64_t start = moe.dense_layers + (lo - moe.dense_layers + f - 1) / f * f;  // first MoE layer >= lo
    return start < hi ? static_cast<int>((hi - 1 - start) / f + 1) : 0;
  }
  SourceLoc loc;
};

struct ParallelismSpec {
  int tp = 1, pp = 1, dp = 1;
  int cp = 1;                      // context parallel ranks: each holds seq / cp tokens
  Symbol cp_comm = "ring";         // ring: K/V blocks passed round the cp group behind the attention blocks
                                   // (Megatron-Core's p2p); all-gather: K and V all-gathered before attention,
                                   // exposed (Llama 3's CP, Dubey et al. 2024 sec. 3.3.2)
  int micro_batch = 1;
  Symbol schedule = "1f1b";        // 1f1b | interleaved-1f1b | gpipe
  int virtual_stages = 1;          // model chunks per pipeline stage (interleaved-1f1b: >= 2)
  int first_stage_layers = -1;     // layers of the first / last pipeline stage, the others sharing the
  int last_stage_layers = -1;      // rest evenly (Megatron-Core's --decoder-first/last-pipeline-num-layers);
                                   // -1: ceil(layers / pp) per stage (models/pipeline_stages.hpp)
  Symbol recompute = "none";       // none | selective | full
  bool sequence_parallel = true;   // with tp > 1: norms and dropout sharded, all-gather/reduce-scatter instead of all-reduce
  int min_dp = 0;                  // elastic: after a failure, may restart with dp down to this (0 = dp, not elastic)
  int zero = 1;                    // 0: replicated optimizer; 1: optimizer state sharded over dp x cp (Megatron's
                                   // distributed optimizer, the default); 2: + gradients; 3: + weights
  Symbol gradient_dtype = "fp32";       // fp32 | bf16: gradient buffer and its reduction (Megatron's
                                        // --accumulate-allreduce-grads-in-fp32 is fp32)
  Symbol optimizer = "megatron";        // megatron: Megatron-Core's distributed optimizer (sharding per `zero`);
                                        // apex: Apex DistributedFusedAdam as NeMo's GPT models set it up (full
                                        // gradient buffer, reduced shard, 16-bit fp32 remainders; zero 1 only)
  Symbol optimizer_dtype = "fp32";      // fp32 | bf16: Adam's m and v (NeMo optim.dtype, Megatron --exp-avg-dtype)
  // Mixture-of-experts layers (docs/models.md, Expert parallelism): `ep` ranks split a MoE
  // layer's experts, `etp` ranks split each expert's FFN; as Megatron-Core's MoE parallel
  // folding lays them out, etp x ep ranks are taken from the tp x cp x dp ranks of one pipeline
  // stage, and the expert-data-parallel group (tp cp dp / (etp ep) ranks) holds the same experts.
  int ep = 1;
  int etp = 1;
  double moe_imbalance = 1.0;   // tokens of the busiest expert rank over the mean (>= 1; a capacity factor caps it)
  double a2a_overlap = 0.0;     // share of the all-to-all that may hide behind the other micro-batch's
                                // compute (DualPipe: 1), at most that compute
  int expert_data_parallel() const {
    return ep > 0 && etp > 0 ? static_cast<int>(std::int64_t{tp} * cp * dp / (std::int64_t{etp} * ep)) : 0;
  }
  // `parallelism: auto`: the layout search (models/layout_search.hpp) picks tp, cp, pp, dp,
  // micro_batch, schedule and virtual_stages, recompute, zero and sequence_parallel per cluster,
  // keeping the keys the user gave (`fixed`) as given; the other fields are the defaults.
  bool auto_layout = false;
  struct Fixed {
    bool tp = false, cp = false, pp = false, dp = false, micro_batch = false, schedule = false,
         virtual_stages = false, recompute = false, sequence_parallel = false, zero = false;
  };
  Fixed fixed;  // only with auto_layout
  int model_parallel() const { return tp * cp * pp; }  // GPUs of one data-parallel replica
  double gradient_bytes() const { return gradient_dtype == "bf16" ? 2.0 : 4.0; }  // per parameter
  SourceLoc loc;
};

struct CheckpointSpec {
  bool enabled = false;
  bool auto_interval = false;  // Young/Daly
  double interval = 0;         // seconds when not auto
  bool async = false;
  SourceLoc loc;
};
// (checkpoint bytes: models/checkpoint_model.hpp)

// Words from small vocabularies are Symbols (8 bytes): a trace holds a million of these.
struct TrainingJobSpec {
  std::string name;
  Symbol model;
  double submit = 0;
  std::optional<Symbol> site;
  int gpus = 0;
  ParallelismSpec parallelism;
  int global_batch = 0;  // sequences per step
  std::optional<double> tokens;
  std::optional<double> steps;
  Symbol precision = "bf16";
  CheckpointSpec checkpoint;
  std::optional<double> duration;  // fixed run time (trace jobs); replaces the step model's time to train
  double dataset_bytes = 0;        // training data, held at dataset_site
  std::optional<Symbol> dataset_site;
  std::string user;                // from job traces; informational
  // Set for a job across sites (`sites: [A, B]` or `sites: auto`; docs/cross-site.md);
  // a pointer, so the million jobs of a trace carry 16 bytes for it, not a list.
  std::shared_ptr<const CrossSiteSpec> cross_site;
  // Data residency (docs/scheduling.md, "Data residency"): the regions (SiteSpec::region) the
  // job may run in, its own `residency` and its dataset's together (their intersection).
  // Empty: anywhere. Its checkpoints are written where it runs, so they stay inside too.
  std::vector<std::string> residency;
  bool may_run_in(const std::string& region) const {
    return residency.empty() || std::find(residency.begin(), residency.end(), region) != residency.end();
  }
  SourceLoc loc;
  // Micro-batches each data-parallel rank runs per step (at least 1; the product in 64 bits).
  int micro_batches() const {
    const std::int64_t per_step = std::max<std::int64_t>(1, std::int64_t{parallelism.dp} * parallelism.micro_batch);
    return static_cast<int>(std::max<std::int64_t>(1, global_batch / per_step));
  }
};

// One request of an inference trace, read and checked when the scenario loads.
struct TraceRequest {
  double at = 0;             // seconds after the trace's earliest request
  double prompt_tokens = 0;  // >= 1
  double output_tokens = 0;  // >= 0 (a request that generates nothing still takes a decode step)
  std::uint64_t conversation = 0;  // ConversationId column (optional): turns of one conversation share it; 0: none
};

// The prompt or output length of a service's requests (poisson and daily arrivals):
// fixed, or drawn per request (models/token_length.hpp, docs/inference.md).
struct TokenLengthSpec {
  enum class Kind { Fixed, Uniform, Lognormal, Empirical };
  Kind kind = Kind::Fixed;
  double value = 0;             // fixed: the length; lognormal: its mean
  double min = 0, max = 0;      // uniform: whole numbers min..max
  double sigma = 0;             // lognormal: standard deviation of ln(length)
  std::string trace;            // empirical: the trace, as shown in messages
  std::vector<double> samples;  // empirical: its column (ContextTokens or GeneratedTokens)
  static TokenLengthSpec fixed(double tokens) {
    TokenLengthSpec t;
    t.value = tokens;
    return t;
  }
};

struct ArrivalSpec {
  std::string kind = "poisson";  // poisson | trace | daily
  double rate = 0;               // requests/s (poisson, daily mean)
  std::string trace;             // path as shown in messages (trace)
  std::vector<TraceRequest> requests;  // the trace's rows sorted by time (trace)
  double rate_scale = 1;         // trace: replayed this many times faster (timestamps / rate_scale)
  bool loop = false;             // trace: replayed again and again until the horizon
  double prompt_tokens = 1024;   // mean (poisson, daily)
  double output_tokens = 128;
  TokenLengthSpec prompt_length = TokenLengthSpec::fixed(1024);  // per request (poisson, daily)
  TokenLengthSpec output_length = TokenLengthSpec::fixed(128);
  SourceLoc loc;
};

// Prefix caching (vLLM's automatic prefix caching, SGLang's RadixAttention): the first
// hit x prompt tokens of every prompt are found in the replica's KV cache and not
// prefilled again; with a trace's conversation ids, a turn finds its conversation's
// previous turn (prompt + output) when the same replica served it.
struct PrefixCacheSpec {
  double hit = 0;             // share of each prompt found cached (0: none)
  bool conversations = false;  // from the trace's ConversationId column
};

struct SloSpec {
  double ttft = 0;  // seconds, 0 = none
  double tpot = 0;
  double e2e = 0;
};

// Replicas added and removed with the load, on servers shared with training.
struct AutoscaleSpec {
  std::vector<std::pair<std::string, int>> max;  // site -> most replicas; empty = no autoscaling
  double interval = 60;   // seconds between load checks
  double up = 0.8;        // add a replica when requests in system / (replicas x max_batch) exceeds this
  double down = 0.3;      // remove one (drained first) when it stays below this
  int down_after = 5;     // ... for this many checks in a row
};

// The serving engine's CPU work between GPU steps (scheduling, input preparation, output
// processing), which kernel sums leave out. Resolved from `engine` (a preset with its source,
// docs/inference.md) and the `host_overhead` / `scheduler_steps` keys; the default is `ideal`.
struct ServingEngineSpec {
  std::string name = "ideal";
  double host_overhead = 0;   // CPU seconds per scheduler iteration (0: none, `ideal`)
  bool overlapped = false;    // the CPU prepares the next iteration while the GPU runs this one
  int scheduler_steps = 1;    // decode steps per scheduler iteration (vLLM multi-step scheduling)
};

// The engine names a service's `engine` accepts, and each one's preset (docs/inference.md gives
// every figure's source): `ideal` no host time; `vllm-0.5` 4 ms per iteration, the GPU waiting
// (vLLM RFC #6854); `sglang` and `trtllm` overlapped, no host time of their own. One home for the
// figures the loader and the validation rows use. An unknown name gives `ideal`.
inline const std::vector<std::string>& serving_engine_names() {
  static const std::vector<std::string> names{"ideal", "vllm-0.5", "sglang", "trtllm"};
  return names;
}
ServingEngineSpec serving_engine_preset(const std::string& name);

// How a replica builds each iteration (docs/inference.md, "Scheduling inside a replica"):
//   orca    whole-prompt prefill, the running batch pausing for it; KV reserved for
//           prompt + output at admission (the default, and rcnsim's behaviour before #14);
//   vllm    whole-prompt prefill (vLLM v0 without chunked prefill), paged KV: blocks
//           taken as tokens are written, the newest request preempted (recomputed later)
//           when a decode step finds none free;
//   sarathi chunked prefill (Sarathi-Serve, vLLM v1): every iteration decodes the running
//           requests and fills the rest of a token budget with prompt chunks; paged KV.
struct ReplicaSchedulerSpec {
  std::string name = "orca";
  double max_batched_tokens = 0;  // tokens per iteration (0: no limit); vllm/sarathi set a default
  int kv_block = 16;              // tokens per KV block (vllm, sarathi; vLLM's default block size)
  bool paged() const { return name != "orca"; }
  bool chunked() const { return name == "sarathi"; }
};

struct InferenceServiceSpec {
  std::string name;
  std::string model;
  std::vector<std::pair<std::string, int>> replicas;  // site -> replicas (both pools when disaggregated)
  int gpus_per_replica = 1;
  // Expert-parallel degree of a MoE model's experts over each server's share of a replica (`ep`,
  // dividing the experts and gpus_per_replica; docs/inference.md, "Expert parallelism"). 1: none.
  int ep = 1;
  // Disaggregated serving (`disaggregated: {prefill: {SITE: N}, decode: {SITE: N}}`): the first
  // N replicas of a site in `prefill` prefill prompts and hand their KV cache to the decode pool
  // (`replicas` then counts both pools). Empty: every replica prefills and decodes.
  std::vector<std::pair<std::string, int>> prefill_replicas;
  bool disaggregated() const { return !prefill_replicas.empty(); }
  int prefill_replicas_at(const std::string& site) const {
    for (const auto& [name, n] : prefill_replicas)
      if (name == site) return n;
    return 0;
  }
  // Servers one replica holds on servers of `gpus_per_server` GPUs: 1 when gpus_per_replica divides
  // them (the rest idles or is shared), gpus_per_replica / gpus_per_server when it is a multiple
  // (tensor parallel inside each server, pipeline parallel across them), 0 when it is neither.
  int servers_per_replica(int gpus_per_server) const {
    if (gpus_per_server <= 0) return 0;
    if (gpus_per_replica <= gpus_per_server) return gpus_per_server % gpus_per_replica == 0 ? 1 : 0;
    return gpus_per_replica % gpus_per_server == 0 ? gpus_per_replica / gpus_per_server : 0;
  }
  // Replicas of fewer GPUs than a server has share servers (gpus_per_server / gpus_per_replica
  // each, any service's); false: one replica per server, the rest of it idle (rcnsim before #14).
  bool share_servers = false;
  // A replica that takes a server loads its weights from the site's storage first (cluster
  // `storage.read_bandwidth`); false: it serves at once (rcnsim before #14).
  bool cold_start = false;
  // Who the service serves (the per-tenant SLO report, tenants.csv); empty: none given.
  std::string tenant;
  // `priority: above-training`: a replica that needs a server when none is free preempts a
  // training job that checkpoints on its site (docs/inference.md, "Serving above training").
  bool above_training = false;
  // `mode: fast`: replicas are served per interval of `fast_interval` seconds from a model of
  // their batching regime calibrated per load level (docs/inference.md, "Fast mode"); false:
  // every request is simulated (discrete, the default).
  bool fast = false;
  double fast_interval = 60;
  ArrivalSpec arrivals;
  std::vector<std::pair<std::string, double>> demand;  // region -> share
  std::string routing = "nearest";
  SloSpec slo;
  std::string precision = "bf16";
  int max_batch = 256;  // requests decoded together per replica (continuous batching)
  bool cuda_graphs = true;  // decode steps replayed from a CUDA graph (vLLM, SGLang, TRT-LLM default)
  ServingEngineSpec engine;
  ReplicaSchedulerSpec scheduler;
  PrefixCacheSpec prefix_cache;
  AutoscaleSpec autoscale;
  // Data residency (docs/inference.md, "Data residency"): requests from users in these regions
  // are served only by replicas in them (the router never sends them elsewhere); requests from
  // other demand regions go anywhere. Empty: none.
  std::vector<std::string> residency;
  bool resident(const std::string& region) const {
    return std::find(residency.begin(), residency.end(), region) != residency.end();
  }
  SourceLoc loc;
};

struct FailureEventSpec {
  double at = 0;
  std::string target;  // site name, "site/cluster", or a WAN link "a<->b"
  std::string kind;    // site-outage | server | gpu | link-cut
  double duration = 0;
  SourceLoc loc;
};

// Overrides of one component class of the failure mix (models/failure_model.hpp).
struct ComponentOverride {
  std::optional<double> rate;          // failures per GPU-second
  std::optional<std::string> distribution;  // exponential | weibull
  std::optional<double> shape;         // Weibull shape k
  std::optional<double> repair;        // seconds
};

struct FailureSpec {
  bool present = false;
  std::string mix = "none";  // none | llama3
  double scale = 1.0;        // multiplies every rate
  SourceLoc scale_loc;       // of `scale`, or of the section when not given (for the event-count limit)
  double detection = 300;    // failure -> noticed and the faulty server isolated
  double restart = 600;      // job relaunch once servers are ready (before the checkpoint load)
  int rack_servers = 4;      // servers behind one leaf switch (blast radius of a switch failure)
  std::map<std::string, ComponentOverride> components;
  std::map<std::string, double> site_scale;  // per-site multiplier of every rate
  std::vector<FailureEventSpec> events;
  SourceLoc loc;
};

struct SchedulerSpec {
  std::string policy = "fifo";
  std::map<std::string, std::string> options;
  SourceLoc loc;
  SourceLoc policy_loc;
};

struct OutputSpec {
  std::string dir = "results";
  bool trace = true;   // trace.json
  bool report = true;  // report.html
  SourceLoc loc;
};

struct Scenario {
  std::string source_file;
  std::string name;
  std::uint64_t seed = 1;
  double horizon = 365 * 86400.0;
  Fidelity fidelity = Fidelity::Analytic;
  std::vector<SiteSpec> sites;
  std::vector<WanLinkSpec> wan;
  std::vector<ModelSpec> models;
  std::vector<TrainingJobSpec> training;
  std::vector<InferenceServiceSpec> inference;
  FailureSpec failures;
  SchedulerSpec scheduler;
  OutputSpec outputs;
  CostSettings cost;
  std::map<std::string, HardwareProfile> hardware;  // built-in plus the scenario's own

  const SiteSpec* find_site(const std::string& name) const;
  const ModelSpec* find_model(const std::string& name) const;
  const HardwareProfile* find_profile(const std::string& name) const;
  int total_gpus() const;
};

// A target "site/cluster/REST" (a server, a switch, a cable of that cluster): the cluster's
// indices and the REST after its name; nullopt when no cluster has that site and name.
struct ClusterTarget {
  std::size_t site = 0, cluster = 0;
  std::string rest;
};
std::optional<ClusterTarget> resolve_cluster_target(const Scenario& s, const std::string& target);

// A server named "site/cluster/sN": indices into sites, clusters and servers.
struct ServerRef {
  std::size_t site = 0, cluster = 0;
  int server = 0;
};
std::optional<ServerRef> resolve_server(const Scenario& s, const std::string& target);

const char* to_string(Fidelity f);
const char* to_string(SiteKind k);

}  // namespace rcn
