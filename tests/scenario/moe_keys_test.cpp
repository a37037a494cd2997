// The `moe:`, `mla:` and expert-parallel keys: what they read into, and one clear
// error (file:line:col, field path) for each way they can be wrong.
#include <catch2/catch.hpp>

#include <fmt/format.h>

#include "rcn/engine/checked_scenario.hpp"

using namespace rcn;

namespace {

// Line numbers matter: the cases below refer to them.
const std::vector<std::string> kBase = {
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

std::string with_line(int line, const std::string& text) {
  std::vector<std::string> lines = kBase;
  lines[static_cast<std::size_t>(line - 1)] = text;
  return fmt::format("{}\n", fmt::join(lines, "\n"));
}

std::vector<std::string> errors_of(const LoadResult& r) {
  std::vector<std::string> errors;
  for (const auto& d : r.diagnostics.items())
    if (d.severity == Diagnostic::Severity::Error) errors.push_back(d.str());
  return errors;
}

}  // namespace

TEST_CASE("moe, mla and expert-parallel keys load into the model and the job", "[scenario][moe]") {
  LoadResult r = load_checked_text(with_line(1, "name: t"), "t.yaml");
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

TEST_CASE("each broken MoE key gives its one clear error", "[scenario][moe]") {
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
      {"overlap above 1", 13, job + "ep: 8, a2a_overlap: 2}, global_batch: 16, steps: 10}", "2}",
       "error: workloads.training[0].parallelism.a2a_overlap: expected a fraction between 0 and 1, got \"2\""},
  };
  for (const Case& c : cases) {
    INFO(c.what);
    LoadResult r = load_checked_text(with_line(c.line, c.replacement), "t.yaml");
    CHECK_FALSE(r.scenario);
    const std::vector<std::string> errors = errors_of(r);
    INFO(fmt::format("got:\n{}", fmt::join(errors, "\n")));
    REQUIRE(errors.size() >= 1);
    // The column of the offending value, found in the replacement line outside the code under test
    // (its last occurrence: the value comes after the key).
    const std::size_t col = c.replacement.rfind(c.at) + 1;
    CHECK(errors.front() == fmt::format("t.yaml:{}:{}: {}", c.line, col, c.expected));
  }
}
