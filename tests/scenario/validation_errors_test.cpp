// Every kind of input error, each a broken copy of one small valid scenario
// with the exact line the user must see: file:line:col, field path, what was
// expected and what was found. Columns are where the offending text starts
// in the replacement line (str.index + 1, computed outside the code under test).
#include <catch2/catch.hpp>

#include <fmt/format.h>

#include "rcn/engine/checked_scenario.hpp"

using namespace rcn;

namespace {

// Line numbers matter: the table below refers to them.
const std::vector<std::string> kBase = {
    /* 1 */ "name: t",
    /* 2 */ "sites:",
    /* 3 */ "  - name: node-west",
    /* 4 */ "    region: west",
    /* 5 */ "    clusters:",
    /* 6 */ "      - {name: main, gpu: h100-sxm, servers: 4, gpus_per_server: 8}",
    /* 7 */ "  - name: node-east",
    /* 8 */ "    region: east",
    /* 9 */ "    clusters:",
    /*10 */ "      - {name: main, gpu: a100-80g, servers: 2}",
    /*11 */ "wan:",
    /*12 */ "  - {from: node-west, to: node-east, bandwidth: 100Gbps, latency: 5ms}",
    /*13 */ "models:",
    /*14 */ "  m: {layers: 4, hidden: 512, heads: 8, vocab: 1000, seq: 128}",
    /*15 */ "workloads:",
    /*16 */ "  training:",
    /*17 */ "    - {name: j, model: m, gpus: 16, parallelism: {tp: 2, pp: 2, dp: 4}, global_batch: 8, steps: 10}",
    /*18 */ "scheduler: {policy: fifo}",
};

// A MoE model (moe:, mla:) and an expert-parallel job, for the MoE keys' cases.
const std::vector<std::string> kMoeBase = {
    /* 1 */ "name: t",
    /* 2 */ "sites:",
    /* 3 */ "  - name: a",
    /* 4 */ "    clusters:",
    /* 5 */ "      - {name: main, gpu: h100-sxm, servers: 4}",
    /* 6 */ "models:",
    /* 7 */ "  m: {layers: 4, hidden: 512, heads: 8, vocab: 1000, seq: 128, gated_mlp: true,",
    /* 8 */ "      moe: {experts: 16, top_k: 2, expert_ffn: 200, shared_experts: 1, dense_layers: 1},",
    /* 9 */ "      mla: {q_lora_rank: 128, kv_lora_rank: 64, qk_nope_head_dim: 64, qk_rope_head_dim: 32, v_head_dim: 64}}",
    /*10 */ "  d: {layers: 4, hidden: 512, heads: 8, vocab: 1000, seq: 128}",
    /*11 */ "workloads:",
    /*12 */ "  training:",
    /*13 */ "    - {name: j, model: m, gpus: 32, parallelism: {tp: 2, pp: 2, dp: 8, ep: 8}, global_batch: 16, steps: 10}",
};

std::string with_line(int line, const std::string& text, const std::vector<std::string>& base = kBase) {
  std::vector<std::string> lines = base;
  lines[static_cast<std::size_t>(line - 1)] = text;
  return fmt::format("{}\n", fmt::join(lines, "\n"));
}

struct Case {
  const char* what;
  int line;
  std::string replacement;
  std::string expected;  // the one error line
};

}  // namespace

// The error lines of a load, in order (warnings left out).
std::vector<std::string> error_lines(const LoadResult& r) {
  std::vector<std::string> errors;
  for (const auto& d : r.diagnostics.items())
    if (d.severity == Diagnostic::Severity::Error) errors.push_back(d.str());
  return errors;
}

TEST_CASE("the unbroken base scenario is valid", "[validation]") {
  LoadResult r = load_checked_text(with_line(1, "name: t"), "t.yaml");
  for (const auto& d : r.diagnostics.items()) UNSCOPED_INFO(d.str());
  CHECK(r.scenario);
  CHECK(r.diagnostics.items().empty());
}

TEST_CASE("each broken scenario gives its one clear error", "[validation]") {
  const std::vector<Case> cases = {
      {"typo in a key", 6, "      - {name: main, gpu: h100-sxm, servers: 4, gpus_per_sever: 8}",
       "t.yaml:6:49: error: sites[0].clusters[0].gpus_per_sever: unknown key, did you mean gpus_per_server?"},
      {"negative bandwidth", 12, "  - {from: node-west, to: node-east, bandwidth: -100Gbps, latency: 5ms}",
       "t.yaml:12:49: error: wan[0].bandwidth: expected a positive value, got \"-100Gbps\""},
      {"unknown unit", 12, "  - {from: node-west, to: node-east, bandwidth: 100Gbps, latency: 5 fortnights}",
       "t.yaml:12:67: error: wan[0].latency: expected a duration such as 5ms, 2.5min, 6h or 30d, got \"5 fortnights\" "
       "(unknown unit \"fortnights\")"},
      {"text where an integer belongs", 6, "      - {name: main, gpu: h100-sxm, servers: lots, gpus_per_server: 8}",
       "t.yaml:6:46: error: sites[0].clusters[0].servers: expected an integer >= 1, got \"lots\""},
      {"fractional GPU count", 17,
       "    - {name: j, model: m, gpus: 15.5, parallelism: {tp: 2, pp: 2, dp: 4}, global_batch: 8, steps: 10}",
       "t.yaml:17:33: error: workloads.training[0].gpus: expected an integer >= 1, got \"15.5\""},
      {"unknown GPU type", 10, "      - {name: main, gpu: h100sxm, servers: 2}",
       "t.yaml:10:27: error: sites[1].clusters[0].gpu: unknown GPU type \"h100sxm\", did you mean h100-sxm? (known: "
       "a100-80g, b200, h100-sxm, h200-sxm, h800)"},
      {"missing required key", 10, "      - {name: main, gpu: a100-80g}",
       "t.yaml:10:9: error: sites[1].clusters[0]: missing required key 'servers' (an integer >= 1)"},
      {"unknown site in a WAN link", 12, "  - {from: node-wst, to: node-east, bandwidth: 100Gbps, latency: 5ms}",
       "t.yaml:12:12: error: wan[0].from: unknown site \"node-wst\", did you mean node-west?"},
      {"unknown model", 17,
       "    - {name: j, model: mm, gpus: 16, parallelism: {tp: 2, pp: 2, dp: 4}, global_batch: 8, steps: 10}",
       "t.yaml:17:24: error: workloads.training[0].model: unknown model \"mm\", did you mean m?"},
      {"unknown site for a job", 17,
       "    - {name: j, model: m, site: west, gpus: 16, parallelism: {tp: 2, pp: 2, dp: 4}, global_batch: 8, steps: 10}",
       "t.yaml:17:33: error: workloads.training[0].site: unknown site \"west\", did you mean node-west?"},
      {"tp*pp*dp differs from gpus", 17,
       "    - {name: j, model: m, gpus: 16, parallelism: {tp: 2, pp: 2, dp: 2}, global_batch: 8, steps: 10}",
       "t.yaml:17:50: error: workloads.training[0].parallelism: tp*pp*dp = 2*2*2 = 8 but the job asks for gpus: 16"},
      {"tp*cp*pp*dp differs from gpus", 17,
       "    - {name: j, model: m, gpus: 16, parallelism: {tp: 2, cp: 2, pp: 2, dp: 4}, global_batch: 8, steps: 10}",
       "t.yaml:17:50: error: workloads.training[0].parallelism: tp*cp*pp*dp = 2*2*2*4 = 32 but the job asks for "
       "gpus: 16"},
      {"cp that does not split the sequence in 2 cp chunks", 17,
       "    - {name: j, model: m, gpus: 12, parallelism: {tp: 2, cp: 3, dp: 2}, global_batch: 8, steps: 10}",
       "t.yaml:17:50: error: workloads.training[0].parallelism.cp: 2 x cp (6) must divide the model's seq (128)"},
      {"cp_comm not ring or all-gather", 17,
       "    - {name: j, model: m, gpus: 16, parallelism: {tp: 2, pp: 2, cp_comm: rings}, global_batch: 8, steps: 10}",
       "t.yaml:17:74: error: workloads.training[0].parallelism.cp_comm: expected one of ring, all-gather, got "
       "\"rings\" (did you mean ring?)"},
      {"gradient_dtype not fp32 or bf16", 17,
       "    - {name: j, model: m, gpus: 16, parallelism: {tp: 2, pp: 2, gradient_dtype: fp16}, global_batch: 8, "
       "steps: 10}",
       "t.yaml:17:81: error: workloads.training[0].parallelism.gradient_dtype: expected one of fp32, bf16, got "
       "\"fp16\" (did you mean fp32?)"},
      {"uneven pipeline stages that do not add up to the layers with pp 2", 17,
       "    - {name: j, model: m, gpus: 16, parallelism: {tp: 2, pp: 2, dp: 4, first_stage_layers: 1, last_stage_layers: 2}, global_batch: 8, steps: 10}",
       "t.yaml:17:92: error: workloads.training[0].parallelism.first_stage_layers: with pp 2, first_stage_layers + last_stage_layers (3) must equal the model's layers (4)"},
      {"a first pipeline stage with more layers than the model", 17,
       "    - {name: j, model: m, gpus: 16, parallelism: {tp: 2, pp: 2, dp: 4, first_stage_layers: 5}, global_batch: 8, steps: 10}",
       "t.yaml:17:92: error: workloads.training[0].parallelism.first_stage_layers: first_stage_layers (5) exceeds the model's layers (4)"},
      {"other pipeline stages left without a layer each", 17,
       "    - {name: j, model: m, gpus: 16, parallelism: {tp: 2, pp: 4, dp: 2, last_stage_layers: 2}, global_batch: 8, steps: 10}",
       "t.yaml:17:91: error: workloads.training[0].parallelism.last_stage_layers: the other 3 stages must share the remaining 2 of the model's 4 layers evenly, at least one each"},
      {"a stage size without a pipeline", 17,
       "    - {name: j, model: m, gpus: 16, parallelism: {tp: 2, dp: 8, first_stage_layers: 2}, global_batch: 8, steps: 10}",
       "t.yaml:17:85: error: workloads.training[0].parallelism.first_stage_layers: first_stage_layers needs pp >= 2, got pp 1"},
      {"a stage size with a searched layout", 17,
       "    - {name: j, model: m, gpus: 16, parallelism: {auto: true, pp: 2, last_stage_layers: 1}, global_batch: 8, steps: 10}",
       "t.yaml:17:89: error: workloads.training[0].parallelism.last_stage_layers: last_stage_layers needs a fixed layout, not auto (the search chooses the split)"},
      {"a searched layout's fixed pp that splits the layers neither evenly nor as the embedding-and-loss split", 17,
       "    - {name: j, model: m, gpus: 16, parallelism: {auto: true, pp: 8}, global_batch: 8, steps: 10}",
       "t.yaml:17:50: error: workloads.training[0].parallelism.pp: pp (8) must divide the model's layers (4) or, for the search's embedding-and-loss split, layers + 2 (6) with at least 2 a stage"},
      {"a searched layout's fixed pp and virtual_stages that do not divide the layers pp splits evenly", 17,
       "    - {name: j, model: m, gpus: 16, parallelism: {auto: true, pp: 2, virtual_stages: 3}, global_batch: 8, steps: 10}",
       "t.yaml:17:50: error: workloads.training[0].parallelism.virtual_stages: pp x virtual_stages (6) must divide what the search splits over pp 2: the model's layers (4)"},
      {"more GPUs than the site has", 17,
       "    - {name: j, model: m, site: node-east, gpus: 32, parallelism: {tp: 2, pp: 2, dp: 8}, global_batch: 8, "
       "steps: 10}",
       "t.yaml:17:50: error: workloads.training[0].gpus: the job asks for 32 GPUs but the largest cluster of site "
       "node-east has 16"},
      {"more GPUs than any cluster has", 17,
       "    - {name: j, model: m, gpus: 64, parallelism: {tp: 2, pp: 2, dp: 16}, global_batch: 16, steps: 10}",
       "t.yaml:17:33: error: workloads.training[0].gpus: the job asks for 64 GPUs but the largest cluster "
       "(node-west/main) has 32"},
      {"both tokens and steps", 17,
       "    - {name: j, model: m, gpus: 16, parallelism: {tp: 2, pp: 2, dp: 4}, global_batch: 8, steps: 10, tokens: 1e9}",
       "t.yaml:17:7: error: workloads.training[0]: give one of tokens, steps or duration"},
      {"neither tokens nor steps", 17,
       "    - {name: j, model: m, gpus: 16, parallelism: {tp: 2, pp: 2, dp: 4}, global_batch: 8}",
       "t.yaml:17:7: error: workloads.training[0]: missing required key 'tokens', 'steps' or 'duration'"},
      {"heads not divisible by kv_heads", 14, "  m: {layers: 4, hidden: 512, heads: 8, kv_heads: 3, vocab: 1000, seq: 128}",
       "t.yaml:14:51: error: models.m.kv_heads: heads (8) must be a multiple of kv_heads (3)"},
      {"precision the GPU lacks", 17,
       "    - {name: j, model: m, site: node-east, gpus: 16, parallelism: {tp: 2, pp: 2, dp: 4}, global_batch: 8, "
       "steps: 10, precision: fp8}",
       "t.yaml:17:129: error: workloads.training[0].precision: GPU type a100-80g (site node-east) has no fp8 peak in "
       "its profile"},
      {"duplicate site name", 7, "  - name: node-west",
       "t.yaml:7:11: error: sites[1].name: duplicate site name \"node-west\""},
      {"a WAN link with no latency, distance or locations", 12, "  - {from: node-west, to: node-east, bandwidth: 100Gbps}",
       "t.yaml:12:5: error: wan[0]: give latency or distance (or locations for both sites)"},
      {"unreachable site", 12, "  - {from: node-west, to: node-west, bandwidth: 100Gbps, latency: 5ms}",
       "t.yaml:12:5: error: wan[0]: a WAN link must join two different sites"},
      {"unknown scheduler policy", 18, "scheduler: {policy: fifoo}",
       "t.yaml:18:21: error: scheduler.policy: unknown policy \"fifoo\", did you mean fifo? (known: fifo, easy-backfill, sjf, las, locality, cost-aware, carbon-aware, spillover)"},
      {"unknown scheduler option", 18, "scheduler: {policy: fifo, options: {aggressive: true}}",
       "t.yaml:18:12: error: scheduler.options.aggressive: unknown option for policy fifo"},
      {"bad enum value", 18, "scheduler: {policy: fifo}\nfidelity: flwo",
       "t.yaml:19:11: error: fidelity: expected one of analytic, flow, got \"flwo\" (did you mean flow?)"},
      {"failure on a server that does not exist", 18,
       "scheduler: {policy: fifo}\nfailures: {events: [{at: 1h, target: node-west/main/s9, kind: server, duration: 1h}]}",
       "t.yaml:19:38: error: failures.events[0].target: expected site/cluster/sN naming an existing server, got "
       "\"node-west/main/s9\""},
      {"failure on an unknown site", 18,
       "scheduler: {policy: fifo}\nfailures: {events: [{at: 1h, target: node-nrth, kind: site-outage, duration: 1h}]}",
       "t.yaml:19:38: error: failures.events[0].target: unknown site \"node-nrth\" (known: node-west, node-east)"},
      {"autoscale maximum below the starting replicas", 17,
       "    - {name: j, model: m, gpus: 16, parallelism: {tp: 2, pp: 2, dp: 4}, global_batch: 8, steps: 10}\n  inference:\n"
       "    - {name: s, model: m, replicas: {node-west: 2}, gpus_per_replica: 8, arrivals: {poisson: 1/s}, autoscale: {max: {node-west: 1}}}",
       "t.yaml:19:129: error: workloads.inference[0].autoscale.max.node-west: expected at least the 2 replicas the service starts with there"},
      {"autoscale at an unknown site", 17,
       "    - {name: j, model: m, gpus: 16, parallelism: {tp: 2, pp: 2, dp: 4}, global_batch: 8, steps: 10}\n  inference:\n"
       "    - {name: s, model: m, replicas: {node-west: 2}, gpus_per_replica: 8, arrivals: {poisson: 1/s}, autoscale: {max: {node-wst: 2}}}",
       "t.yaml:19:118: error: workloads.inference[0].autoscale.max.node-wst: unknown site \"node-wst\", did you mean node-west?"},
      {"autoscale thresholds the wrong way round", 17,
       "    - {name: j, model: m, gpus: 16, parallelism: {tp: 2, pp: 2, dp: 4}, global_batch: 8, steps: 10}\n  inference:\n"
       "    - {name: s, model: m, replicas: {node-west: 2}, gpus_per_replica: 8, arrivals: {poisson: 1/s}, autoscale: {max: {node-west: 3}, up: 0.5, down: 0.6}}",
       "t.yaml:19:111: error: workloads.inference[0].autoscale: expected down < up (got down 0.6 and up 0.5)"},
      {"a service with no replica anywhere and no autoscale", 17,
       "    - {name: j, model: m, gpus: 16, parallelism: {tp: 2, pp: 2, dp: 4}, global_batch: 8, steps: 10}\n  inference:\n"
       "    - {name: s, model: m, replicas: {node-west: 0}, gpus_per_replica: 8, arrivals: {poisson: 1/s}}",
       "t.yaml:19:37: error: workloads.inference[0].replicas: a service needs at least one replica somewhere, or "
       "autoscale with max >= 1 somewhere"},
      {"unknown top-level key", 1, "nmae: t",
       "t.yaml:1:1: error: nmae: unknown key, did you mean name?"},
      {"YAML syntax error", 14, "  m: {layers: 4, hidden: 512",
       "t.yaml:15:10: error: YAML syntax error: end of map flow not found"},
  };
  for (const Case& c : cases) {
    INFO(c.what);
    LoadResult r = load_checked_text(with_line(c.line, c.replacement), "t.yaml");
    CHECK_FALSE(r.scenario);
    const std::vector<std::string> errors = error_lines(r);
    INFO(fmt::format("got:\n{}", fmt::join(errors, "\n")));
    REQUIRE(errors.size() >= 1);
    CHECK(errors.front() == c.expected);
  }
}

TEST_CASE("a service may start with no replica when it autoscales", "[validation]") {
  const LoadResult r = load_checked_text(
      with_line(17, "    - {name: j, model: m, gpus: 16, parallelism: {tp: 2, pp: 2, dp: 4}, global_batch: 8, steps: 10}\n"
                    "  inference:\n    - {name: s, model: m, replicas: {node-west: 0}, gpus_per_replica: 8, "
                    "arrivals: {poisson: 1/s}, autoscale: {max: {node-west: 2}}}"),
      "t.yaml");
  INFO(fmt::format("{}", fmt::join(error_lines(r), "\n")));
  REQUIRE(r.scenario);
  CHECK(r.scenario->inference.at(0).autoscale.max.size() == 1);
}

TEST_CASE("an unreachable site is an error naming it", "[validation]") {
  std::string text = with_line(12, "  - {from: node-west, to: node-west2, bandwidth: 100Gbps, latency: 5ms}");
  text += "  - name: node-west2\n    clusters: [{gpu: h100-sxm, servers: 1}]\n";
  // The extra site is appended after `scheduler:`, so re-add it under sites instead.
  std::string fixed = with_line(10, "      - {name: main, gpu: a100-80g, servers: 2}\n  - name: node-west2\n"
                                    "    clusters: [{gpu: h100-sxm, servers: 1}]");
  fixed.replace(fixed.find("to: node-east, bandwidth"), 13, "to: node-west2");
  LoadResult r = load_checked_text(fixed, "t.yaml");
  CHECK_FALSE(r.scenario);
  REQUIRE(r.diagnostics.error_count() == 1);
  CHECK(r.diagnostics.items()[0].str() ==
        "t.yaml:7:5: error: sites[1]: site node-east cannot be reached from site node-west over the WAN links (add a "
        "wan entry joining them)");
}

TEST_CASE("all errors are reported at once, not only the first", "[validation]") {
  std::string text = with_line(6, "      - {name: main, gpu: h100-sxm, servers: -4, gpus_per_sever: 8}");
  text.replace(text.find("bandwidth: 100Gbps"), 18, "bandwidth: fast");
  text.replace(text.find("model: m,"), 9, "model: x,");
  LoadResult r = load_checked_text(text, "t.yaml");
  CHECK_FALSE(r.scenario);
  CHECK(r.diagnostics.error_count() == 4);  // servers, typo, bandwidth, model
}

TEST_CASE("a scenario needs at least one site", "[validation]") {
  LoadResult r = load_checked_text("name: t\nsites: []\n", "t.yaml");
  CHECK_FALSE(r.scenario);
  REQUIRE(r.diagnostics.error_count() == 1);
  CHECK(r.diagnostics.items()[0].str() == "t.yaml:2:8: error: sites: expected at least one site");
}

TEST_CASE("a job that does not fit in GPU memory names the bytes needed and available", "[validation]") {
  // GPT-3 175B with tp = pp = 1 needs 175e9 x 18 B of model state alone.
  std::string text = with_line(14, "  m: {layers: 96, hidden: 12288, heads: 96, vocab: 51200, seq: 2048}");
  text.replace(text.find("parallelism: {tp: 2, pp: 2, dp: 4}"), 34, "parallelism: {tp: 1, pp: 1, dp: 16, zero: 0}");
  text.replace(text.find("global_batch: 8"), 15, "global_batch: 16");
  LoadResult r = load_checked_text(text, "t.yaml");
  CHECK_FALSE(r.scenario);
  REQUIRE(r.diagnostics.error_count() == 1);
  const std::string msg = r.diagnostics.items()[0].str();
  CHECK(msg.rfind("t.yaml:17:7: error: workloads.training[0]: job j needs ", 0) == 0);
  CHECK(msg.find("but a h100-sxm has 84.9 GB") != std::string::npos);  // 79.11 GiB, what CUDA reports
}

TEST_CASE("optimizer apex shards over dp x cp only, so another zero stage is an error", "[validation]") {
  std::string text = with_line(14, "  m: {layers: 96, hidden: 12288, heads: 96, vocab: 51200, seq: 2048}");
  text.replace(text.find("parallelism: {tp: 2, pp: 2, dp: 4}"), 34,
               "parallelism: {tp: 2, pp: 2, dp: 4, zero: 2, optimizer: apex}");
  LoadResult r = load_checked_text(text, "t.yaml");
  CHECK_FALSE(r.scenario);
  REQUIRE(r.diagnostics.error_count() >= 1);
  CHECK(r.diagnostics.items()[0].str().find("parallelism.zero: optimizer: apex") != std::string::npos);
}

// Issue #10 (hardening): inputs that crashed `validate` or `run` (SIGFPE,
// SIGSEGV, "internal error", SimGrid aborts, unbounded allocation) or were
// accepted as nonsense. Each gives one clear line and nothing runs. The line
// expected is among the errors (a broken value may bring a second, later one).
TEST_CASE("inputs that crashed or were accepted as nonsense give one clear error", "[validation][hardening]") {
  const std::string job = "    - {name: j, model: m, ";
  const std::string tail = "global_batch: 8, steps: 10}";
  const std::string inference = "    - {name: j, model: m, gpus: 16, parallelism: {tp: 2, pp: 2, dp: 4}, " + tail +
                                "\n  inference:\n";
  const std::vector<Case> cases = {
      // item 4: dp derived as 0, or products that overflowed int
      {"dp derived from gpus < tp*pp", 17, job + "gpus: 2, parallelism: {tp: 2, pp: 2}, " + tail,
       "t.yaml:17:49: error: workloads.training[0].parallelism: gpus (2) must be a multiple of tp*pp (2*2 = 4) to "
       "derive dp"},
      {"dp derived from an invalid gpus", 17, job + "gpus: lots, parallelism: {tp: 2, pp: 2}, " + tail,
       "t.yaml:17:33: error: workloads.training[0].gpus: expected an integer >= 1, got \"lots\""},
      {"dp*micro_batch beyond int", 17,
       job + "gpus: 16, parallelism: {tp: 1, pp: 1, dp: 16, micro_batch: 2000000000}, " + tail,
       "t.yaml:17:113: error: workloads.training[0].global_batch: global_batch (8) must be a multiple of "
       "dp*micro_batch (16*2000000000)"},
      {"dp*micro_batch of 2^32", 17,
       job + "gpus: 16, parallelism: {tp: 1, pp: 1, dp: 65536, micro_batch: 65536}, " + tail,
       "t.yaml:17:111: error: workloads.training[0].global_batch: global_batch (8) must be a multiple of "
       "dp*micro_batch (65536*65536)"},
      {"tp*pp*dp beyond int", 17, job + "gpus: 16, parallelism: {tp: 65536, pp: 65536, dp: 65536}, " + tail,
       "t.yaml:17:50: error: workloads.training[0].parallelism: tp*pp*dp = 65536*65536*65536 = more than 2000000000 "
       "but the job asks for gpus: 16"},
      {"pp*virtual_stages of 2^32", 17,
       job + "gpus: 16, parallelism: {tp: 1, pp: 65536, dp: 1, schedule: interleaved-1f1b, virtual_stages: 65536}, " +
           tail,
       "t.yaml:17:50: error: workloads.training[0].parallelism.pp: pp x virtual_stages (4294967296) must divide the "
       "model's layers (4)"},
      // item 5: empty names and references
      {"empty model of a job", 17, "    - {name: j, model: \"\", gpus: 16, parallelism: {tp: 2, pp: 2, dp: 4}, " + tail,
       "t.yaml:17:24: error: workloads.training[0].model: expected a non-empty name, got \"\""},
      {"empty model of a service", 17,
       inference + "    - {name: s, model: \"\", replicas: {node-west: 1}, arrivals: {poisson: 1/s}}",
       "t.yaml:19:24: error: workloads.inference[0].model: expected a non-empty name, got \"\""},
      {"empty end of a WAN link", 12, "  - {from: \"\", to: node-east, bandwidth: 100Gbps, latency: 5ms}",
       "t.yaml:12:12: error: wan[0].from: expected a non-empty name, got \"\""},
      {"empty model name", 14, "  \"\": {layers: 4, hidden: 512, heads: 8, vocab: 1000, seq: 128}\n  m: {layers: 4, "
                                 "hidden: 512, heads: 8, vocab: 1000, seq: 128}",
       "t.yaml:14:3: error: models: expected a non-empty model name, got \"\""},
      // item 8: horizons and durations SimGrid cannot keep
      {"horizon 1e308y", 1, "name: t\nhorizon: 1e308y",
       "t.yaml:2:10: error: horizon: expected a duration such as 5ms, 2.5min, 6h or 30d, got \"1e308y\" (out of range)"},
      {"horizon beyond 1000 years", 1, "name: t\nhorizon: 1001y",
       "t.yaml:2:10: error: horizon: expected a duration between 0 and 1000y, got \"1001y\""},
      {"submit beyond 1000 years", 17,
       "    - {name: j, model: m, submit: 1e300s, gpus: 16, parallelism: {tp: 2, pp: 2, dp: 4}, " + tail,
       "t.yaml:17:35: error: workloads.training[0].submit: expected a duration between 0 and 1000y, got \"1e300s\""},
      {"checkpoint every microsecond", 17,
       "    - {name: j, model: m, gpus: 16, parallelism: {tp: 2, pp: 2, dp: 4}, checkpoint: {interval: 1us}, " + tail,
       "t.yaml:17:96: error: workloads.training[0].checkpoint.interval: expected an interval between 1s and 1000y, "
       "got \"1us\""},
      // slow inputs (each validated, then ran for hours or days): bounded at load
      {"a checkpoint every second for a year", 17,
       "    - {name: j, model: m, gpus: 16, parallelism: {tp: 2, pp: 2, dp: 4}, checkpoint: {interval: 1s}, " + tail,
       "t.yaml:17:96: error: workloads.training[0].checkpoint.interval: an interval of 1.00 s over the job's 365.00 d "
       "before the horizon is up to 3.15e+07 checkpoints (3.15e+07 in the run); the limit is 1e+06"},
      // 365 d / 1 min = 525,600 checkpoints each: the second job brings the run to 1,051,200
      {"two jobs checkpointing every minute for a year", 17,
       "    - {name: j, model: m, gpus: 16, parallelism: {tp: 2, pp: 2, dp: 4}, checkpoint: {interval: 1min}, " + tail +
           "\n    - {name: k, model: m, gpus: 16, parallelism: {tp: 2, pp: 2, dp: 4}, checkpoint: {interval: 1min}, " +
           tail,
       "t.yaml:18:96: error: workloads.training[1].checkpoint.interval: an interval of 60.00 s over the job's 365.00 d "
       "before the horizon is up to 5.26e+05 checkpoints (1.05e+06 in the run); the limit is 1e+06"},
      // 365 d / 1 s = 3.15e7 load checks
      {"autoscaling checked every second for a year", 17,
       inference + "    - {name: s, model: m, replicas: {node-west: 1}, arrivals: {poisson: 1/s}, "
                   "autoscale: {max: {node-west: 2}, interval: 1s}}",
       "t.yaml:19:122: error: workloads.inference[0].autoscale.interval: an interval of 1.00 s over the horizon "
       "(365.00 d) is 3.15e+07 load checks (3.15e+07 periodic steps in the run); the limit is 1e+07"},
      // 365 d / 5 s = 6.31e6 each: a load check of one service and a fast interval of another add up
      {"a service's load checks and another's fast intervals, every 5 s for a year", 17,
       inference + "    - {name: s, model: m, replicas: {node-west: 1}, arrivals: {poisson: 1/s}, "
                   "autoscale: {max: {node-west: 2}, interval: 5s}}\n"
                   "    - {name: f, model: m, replicas: {node-east: 1}, arrivals: {poisson: 1/s}, mode: fast, "
                   "fast_interval: 5s}",
       "t.yaml:20:106: error: workloads.inference[1].fast_interval: fast mode's interval of 5.00 s over the horizon "
       "(365.00 d) is 6.31e+06 intervals (1.26e+07 periodic steps in the run); the limit is 1e+07"},
      // item 11: sizes that overflowed or allocated without bound
      {"1e8 servers", 6, "      - {name: main, gpu: h100-sxm, servers: 1e8, gpus_per_server: 8}",
       "t.yaml:6:46: error: sites[0].clusters[0].servers: 100000000 servers bring the scenario to 100000000 servers; "
       "the limit is 1000000"},
      {"servers x gpus_per_server beyond int", 6,
       "      - {name: main, gpu: h100-sxm, servers: 100000, gpus_per_server: 100000}",
       "t.yaml:6:46: error: sites[0].clusters[0].servers: 100000 servers x 100000 GPUs bring the scenario to "
       "10000000000 GPUs; the limit is 16000000"},
      {"failures.scale 1e300", 18, "scheduler: {policy: fifo}\nfailures: {mix: llama3, scale: 1e300}",
       "t.yaml:19:32: error: failures.scale: 1e+300 would generate about 8.3e+300 failure events over the horizon "
       "(365.00 d); the limit is 1000000"},
      {"a huge failure rate", 18,
       "scheduler: {policy: fifo}\nfailures: {components: {gpu: {rate: 1e300/s}}}",
       "t.yaml:19:11: error: failures: the failure rates would generate more than 1e308 failure events over the "
       "horizon (365.00 d); the limit is 1000000"},
      {"a Weibull shape that never advances time", 18,
       "scheduler: {policy: fifo}\nfailures: {components: {gpu: {distribution: weibull, shape: 1e-300}}}",
       "t.yaml:19:61: error: failures.components.gpu.shape: expected a Weibull shape between 0.1 and 10, got "
       "\"1e-300\""},
      {"a model of 1e20 parameters", 14, "  m: {layers: 2000000, hidden: 2000000, heads: 8, vocab: 1000, seq: 128}",
       "t.yaml:14:3: error: models.m: the model has about 9.6e+19 parameters; the limit is 1e+15"},
      // item 15: replicas that the run refused
      {"more replicas than servers", 17,
       inference + "    - {name: s, model: m, replicas: {node-west: 5}, gpus_per_replica: 8, arrivals: {poisson: 1/s}}",
       "t.yaml:19:38: error: workloads.inference[0].replicas.node-west: site node-west has no room for replica 5 of s "
       "(8 GPUs in one server)"},
      {"more replicas spanning two servers than the site has pairs of servers for", 17,
       inference + "    - {name: s, model: m, replicas: {node-west: 3}, gpus_per_replica: 16, arrivals: {poisson: 1/s}}",
       "t.yaml:19:38: error: workloads.inference[0].replicas.node-west: site node-west has no room for replica 3 of s "
       "(16 GPUs on 2 servers)"},
      {"a replica neither dividing a server nor spanning whole servers", 17,
       inference + "    - {name: s, model: m, replicas: {node-west: 1}, gpus_per_replica: 12, arrivals: {poisson: 1/s}}",
       "t.yaml:19:71: error: workloads.inference[0].gpus_per_replica: 12 GPUs per replica neither divide nor are a "
       "multiple of the 8 GPUs of a server of site node-west"},
      {"a request rate the run would draw forever", 17,
       inference + "    - {name: s, model: m, replicas: {node-west: 1}, arrivals: {poisson: 1000/s}}",
       "t.yaml:19:73: error: workloads.inference[0].arrivals.poisson: 1000/s over the horizon (365.00 d) is about "
       "3.15e+10 requests; the limit is 1e+09"},
      // item 20: accepted nonsense
      {"WAN bandwidth 1e-320", 12, "  - {from: node-west, to: node-east, bandwidth: 1e-320, latency: 5ms}",
       "t.yaml:12:49: error: wan[0].bandwidth: expected a bandwidth such as 400Gbps, 1.6Tbps or 50GB/s, got "
       "\"1e-320\" (out of range)"},
      {"WAN bandwidth of one bit per second", 12, "  - {from: node-west, to: node-east, bandwidth: 1bps, latency: 5ms}",
       "t.yaml:12:49: error: wan[0].bandwidth: expected a bandwidth between 1kB/s and 1000PB/s, got \"1bps\""},
      {"WAN latency of a day", 12, "  - {from: node-west, to: node-east, bandwidth: 100Gbps, latency: 1d}",
       "t.yaml:12:67: error: wan[0].latency: expected a latency between 0 and 1h, got \"1d\""},
      {"a site without clusters", 10, "      []",
       "t.yaml:10:7: error: sites[1].clusters: expected at least one cluster"},
      {"a PUE that makes cost infinite", 4, "    region: west\n    power: {pue: 1e300}",
       "t.yaml:5:18: error: sites[0].power.pue: expected a PUE between 1 and 10, got 1e+300"},
      {"a price that makes cost infinite", 4, "    region: west\n    power: {price_per_kwh: 1e300}",
       "t.yaml:5:28: error: sites[0].power.price_per_kwh: expected a price between 0 and 1e6, got \"1e300\""},
      {"a site outage of site ''", 18,
       "scheduler: {policy: fifo}\nfailures: {events: [{at: 1h, target: '', kind: site-outage, duration: 1h}]}",
       "t.yaml:19:38: error: failures.events[0].target: expected a non-empty name, got \"\""},
  };
  for (const Case& c : cases) {
    INFO(c.what);
    LoadResult r = load_checked_text(with_line(c.line, c.replacement), "t.yaml");
    CHECK_FALSE(r.scenario);
    const std::vector<std::string> errors = error_lines(r);
    INFO(fmt::format("got:\n{}", fmt::join(errors, "\n")));
    CHECK(std::find(errors.begin(), errors.end(), c.expected) != errors.end());
  }
}

TEST_CASE("more sites or WAN links than the platform routes in reasonable time is an error", "[validation][hardening]") {
  // build_platform routes every pair of sites over the WAN graph: bounded, like the servers.
  std::string text = "name: t\nsites:\n";
  for (int i = 0; i < 1001; ++i) text += fmt::format("  - {{name: s{}, clusters: [{{gpu: h100-sxm, servers: 1}}]}}\n", i);
  text += "wan:\n";
  for (int i = 0; i < 10001; ++i) text += fmt::format("  - {{from: s{}, to: s{}, bandwidth: 1Gbps, latency: 1ms}}\n", i % 1000, i % 1000 + 1);
  LoadResult r = load_checked_text(text, "t.yaml");
  CHECK_FALSE(r.scenario);
  REQUIRE(r.diagnostics.error_count() == 2);
  CHECK(r.diagnostics.items()[0].str() == "t.yaml:3:3: error: sites: 1001 sites; the limit is 1000");
  CHECK(r.diagnostics.items()[1].str() == "t.yaml:1005:3: error: wan: 10001 WAN links; the limit is 10000");
}

TEST_CASE("moe, mla and expert-parallel keys load into the model and the job", "[validation][moe]") {
  LoadResult r = load_checked_text(with_line(1, "name: t", kMoeBase), "t.yaml");
  for (const auto& d : r.diagnostics.items()) UNSCOPED_INFO(d.str());
  REQUIRE(r.scenario);
  const ModelSpec& m = *r.scenario->find_model("m");
  CHECK(m.moe.experts == 16);
  CHECK(m.moe.top_k == 2);
  CHECK(m.moe.expert_ffn == 200);
  CHECK(m.moe.shared_experts == 1);
  CHECK(m.moe.dense_layers == 1);
  CHECK(m.moe.every == 1);
  CHECK(m.mla.q_lora_rank == 128);
  CHECK(m.mla.kv_lora_rank == 64);
  CHECK(m.mla.v_head_dim == 64);
  CHECK_FALSE(r.scenario->find_model("d")->is_moe());
  const ParallelismSpec& q = r.scenario->training[0].parallelism;
  CHECK(q.ep == 8);
  CHECK(q.etp == 1);
  CHECK(q.expert_data_parallel() == 2);  // tp cp dp / (etp ep) = 2 x 8 / 8
  CHECK(q.moe_imbalance == 1.0);
  CHECK(q.a2a_overlap == 0.0);
}

TEST_CASE("each broken MoE key gives its one clear error", "[validation][moe]") {
  struct Case {
    const char* what;
    int line;
    std::string replacement;
    std::string at;        // the text whose first character the error points at
    std::string expected;  // the error after "t.yaml:LINE:COL: "
  };
  const std::string job = "    - {name: j, model: m, gpus: 32, parallelism: {tp: 2, pp: 2, dp: 8, ";
  const std::vector<Case> cases = {
      {"ep not dividing the experts", 13, job + "ep: 3}, global_batch: 16, steps: 10}", "3}",
       "error: workloads.training[0].parallelism.ep: ep (3) must divide the model's experts (16)"},
      {"ep not dividing the ranks of a stage", 13,
       "    - {name: j, model: m, gpus: 16, parallelism: {tp: 1, pp: 2, dp: 8, ep: 16}, global_batch: 16, steps: 10}",
       "16}", "error: workloads.training[0].parallelism.ep: etp x ep (1 x 16 = 16) must divide the ranks of one "
       "pipeline stage, tp x cp x dp (1 x 1 x 8 = 8)"},
      {"ep on a dense model", 13,
       "    - {name: j, model: d, gpus: 32, parallelism: {tp: 2, pp: 2, dp: 8, ep: 8}, global_batch: 16, steps: 10}",
       "8}", "error: workloads.training[0].parallelism.ep: model d has no experts (no moe: mapping), so ep must be 1"},
      {"etp not dividing the expert width", 13, job + "etp: 16}, global_batch: 16, steps: 10}", "16}",
       "error: workloads.training[0].parallelism.etp: etp (16) must divide the model's expert_ffn (200)"},
      {"top_k above the experts", 8,
       "      moe: {experts: 16, top_k: 20, expert_ffn: 200, shared_experts: 1, dense_layers: 1},", "20,",
       "error: models.m.moe.top_k: top_k (20) cannot exceed experts (16)"},
      {"no MoE layer left", 8, "      moe: {experts: 16, top_k: 2, expert_ffn: 200, shared_experts: 1, dense_layers: 4},",
       "4}", "error: models.m.moe.dense_layers: dense_layers (4) leaves no MoE layer among the model's 4 layers"},
      {"a typo in moe", 8, "      moe: {experts: 16, top_k: 2, expert_ffn: 200, shared_expert: 1, dense_layers: 1},",
       "shared_expert:", "error: models.m.moe.shared_expert: unknown key, did you mean shared_experts?"},
      {"kv_heads with mla", 7,
       "  m: {layers: 4, hidden: 512, heads: 8, kv_heads: 2, vocab: 1000, seq: 128, gated_mlp: true,", "2,",
       "error: models.m.kv_heads: kv_heads does not apply with mla: every head has its own keys and values from the "
       "latent"},
      {"imbalance below 1", 13, job + "ep: 8, moe_imbalance: 0.5}, global_batch: 16, steps: 10}", "0.5}",
       "error: workloads.training[0].parallelism.moe_imbalance: expected a ratio between 1 and 1000, got \"0.5\""},
      {"dualpipe on an odd pipeline", 13,
       "    - {name: j, model: m, gpus: 24, parallelism: {tp: 1, pp: 3, dp: 8, ep: 8, schedule: dualpipe}, "
       "global_batch: 16, steps: 10}",
       "dualpipe}", "error: workloads.training[0].parallelism.schedule: dualpipe needs an even pp >= 2 (each rank "
       "holds one stage from each end), got pp 3"},
      {"overlap above 1", 13, job + "ep: 8, a2a_overlap: 2}, global_batch: 16, steps: 10}", "2}",
       "error: workloads.training[0].parallelism.a2a_overlap: expected a fraction between 0 and 1, got \"2\""},
  };
  for (const Case& c : cases) {
    INFO(c.what);
    LoadResult r = load_checked_text(with_line(c.line, c.replacement, kMoeBase), "t.yaml");
    CHECK_FALSE(r.scenario);
    const std::vector<std::string> errors = error_lines(r);
    INFO(fmt::format("got:\n{}", fmt::join(errors, "\n")));
    REQUIRE(errors.size() >= 1);
    // The column of the offending value, found in the replacement line outside the code under test
    // (its last occurrence: the value comes after the key).
    const std::size_t col = c.replacement.rfind(c.at) + 1;
    CHECK(errors.front() == fmt::format("t.yaml:{}:{}: {}", c.line, col, c.expected));
  }
}

TEST_CASE("a service's ep loads, and each bad ep gives its one clear error", "[validation][moe]") {
  std::vector<std::string> base = kMoeBase;
  base[11] = "  inference:";  // line 12; line 13 is the service
  const std::string sv = "    - {name: s, replicas: {a: 1}, arrivals: {poisson: 1/s}, ";
  LoadResult ok = load_checked_text(with_line(13, sv + "model: m, gpus_per_replica: 8, ep: 4}", base), "t.yaml");
  for (const auto& d : ok.diagnostics.items()) UNSCOPED_INFO(d.str());
  REQUIRE(ok.scenario);
  CHECK(ok.scenario->inference.at(0).ep == 4);
  // ep 16 over a replica of 2 servers of 8: one stage over both, 8 EP ranks on each (loads).
  LoadResult span = load_checked_text(with_line(13, sv + "model: m, gpus_per_replica: 16, ep: 16}", base), "t.yaml");
  for (const auto& d : span.diagnostics.items()) UNSCOPED_INFO(d.str());
  REQUIRE(span.scenario);
  CHECK(span.scenario->inference.at(0).ep == 16);
  struct Case {
    const char* what;
    std::string replacement, at, expected;
  };
  const std::vector<Case> cases = {
      {"ep on a dense model", sv + "model: d, gpus_per_replica: 8, ep: 2}", "2}",
       "error: workloads.inference[0].ep: ep 2 needs a mixture-of-experts model; d is dense"},
      {"ep not dividing the experts", sv + "model: m, gpus_per_replica: 8, ep: 3}", "3}",
       "error: workloads.inference[0].ep: ep 3 does not divide the 16 experts of m"},
      {"ep not dividing a server's GPUs of the replica", sv + "model: m, gpus_per_replica: 8, ep: 16}", "16}",
       "error: workloads.inference[0].ep: ep 16 does not divide the 8 GPUs of a replica"},
      {"ep below 1", sv + "model: m, gpus_per_replica: 8, ep: 0}", "0}",
       "error: workloads.inference[0].ep: expected an integer >= 1, got \"0\""},
  };
  for (const Case& c : cases) {
    INFO(c.what);
    LoadResult r = load_checked_text(with_line(13, c.replacement, base), "t.yaml");
    CHECK_FALSE(r.scenario);
    const std::vector<std::string> errors = error_lines(r);
    INFO(fmt::format("got:\n{}", fmt::join(errors, "\n")));
    REQUIRE(errors.size() >= 1);
    CHECK(errors.front() == fmt::format("t.yaml:13:{}: {}", c.replacement.rfind(c.at) + 1, c.expected));
  }
}
