// The layout search against hand-checked cases and against a brute force that
// restates the divisibility rules independently and runs the step model on
// every layout.
#include <catch2/catch.hpp>

#include <algorithm>
#include <array>
#include <chrono>
#include <tuple>

#include "rcn/models/layout_search.hpp"
#include "rcn/models/pipeline_stages.hpp"
#include "rcn/models/training_memory.hpp"
#include "tests/load_scenario.hpp"
#include "tests/test_support.hpp"

namespace rcn {
namespace {

struct Setup {
  Scenario scenario;
  HardwareProfile gpu;
  ClusterLinks links;
};

// Two servers of 8 H100s.
Setup h100_setup() {
  Setup s{test::load_scenario(test::kOneSiteScenario, "layout-search-test"), {}, {}};
  s.gpu = *s.scenario.find_profile("h100-sxm");
  s.links = ClusterLinks::of(s.scenario.sites.front().clusters.front());
  return s;
}

ModelSpec small_model() {
  ModelSpec m;
  m.name = "small";
  m.layers = 8;
  m.hidden = 1024;
  m.heads = 16;
  m.kv_heads = 4;
  m.ffn = 4096;
  m.vocab = 32000;
  m.seq = 2048;
  return m;
}

TrainingJobSpec job_of(int gpus, int global_batch) {
  TrainingJobSpec j;
  j.name = "j";
  j.model = "small";
  j.gpus = gpus;
  j.global_batch = global_batch;
  j.tokens = 1e9;
  j.parallelism.auto_layout = true;
  return j;
}

using Rank = std::tuple<int, int, int, int, int, int, int, int>;
Rank rank_of(const ParallelismSpec& q) {
  const int rc = q.recompute == "none" ? 0 : q.recompute == "selective" ? 1 : 2;
  return {q.tp, q.cp, q.pp, q.virtual_stages, q.micro_batch, rc, q.zero, q.sequence_parallel ? 1 : 0};
}

// What pp stages (and their virtual chunks) split, as docs/models.md states it: the
// layers when pp divides them; else the layers plus the embedding and the loss, each
// counted as a layer (Megatron-Core's account_for_embedding/loss_in_pipeline_split),
// when pp divides that with two or more per stage; else nothing (0).
int split_units(int layers, int pp) {
  if (layers % pp == 0) return layers;
  const int with_ends = layers + 2;
  return with_ends % pp == 0 && with_ends / pp >= 2 ? with_ends : 0;
}

struct BruteForce {
  std::vector<TrainingStep> fitting;  // sorted fastest first
  std::int64_t enumerated = 0;
  std::vector<double> memories;       // of every enumerated layout
};

// Every layout, by the rules as docs/models.md states them, written out plainly.
BruteForce brute_force(const ModelSpec& m, const TrainingJobSpec& job, const HardwareProfile& gpu,
                       const ClusterLinks& links) {
  BruteForce out;
  const int g = job.gpus, b = job.global_batch;
  for (int tp = 1; tp <= links.gpus_per_server; ++tp)
    for (int cp = 1; cp <= g; ++cp)
      for (int pp = 1; pp <= g; ++pp)
        for (int dp = 1; dp <= g; ++dp) {
          if (tp * cp * pp * dp != g || links.gpus_per_server % tp || m.heads % tp || m.kv_heads % tp) continue;
          const int units = split_units(m.layers, pp);
          if ((cp > 1 && m.seq % (2 * cp)) || units == 0 || b % dp) continue;
          for (int mb = 1; mb <= b / dp; ++mb) {
            if ((b / dp) % mb) continue;
            const int micro = b / dp / mb;
            for (int v = 1; v <= units; ++v) {
              if (units % (pp * v)) continue;
              if (v > 1 && (pp < 2 || micro % pp)) continue;
              for (const char* rc : {"none", "selective", "full"})
                for (int sp = 0; sp < 2; ++sp)
                  for (int zero = 0; zero < 4; ++zero) {
                    if (tp == 1 && sp == 1) continue;
                    if (dp * cp == 1 && zero != 1) continue;
                    TrainingJobSpec t = job;
                    ParallelismSpec& q = t.parallelism;
                    q.tp = tp, q.cp = cp, q.pp = pp, q.dp = dp, q.micro_batch = mb, q.virtual_stages = v;
                    q.schedule = v > 1 ? "interleaved-1f1b" : "1f1b";
                    q.recompute = rc, q.sequence_parallel = sp == 1, q.zero = zero;
                    // One layer fewer on the first and the last stage when the ends count as layers.
                    q.first_stage_layers = q.last_stage_layers = units == m.layers ? -1 : units / pp - 1;
                    ++out.enumerated;
                    const double mem = training_memory(m, t).total_bytes;
                    out.memories.push_back(mem);
                    if (mem <= gpu.memory_bytes) out.fitting.push_back(training_step(m, t, gpu, links));
                  }
            }
          }
        }
  std::sort(out.fitting.begin(), out.fitting.end(), [](const TrainingStep& a, const TrainingStep& b) {
    if (a.step_time_s != b.step_time_s) return a.step_time_s < b.step_time_s;
    if (a.memory.total_bytes != b.memory.total_bytes) return a.memory.total_bytes < b.memory.total_bytes;
    return rank_of(a.layout) < rank_of(b.layout);
  });
  return out;
}

void require_same_layouts(const std::vector<TrainingStep>& got, const std::vector<TrainingStep>& want, std::size_t n) {
  REQUIRE(got.size() == std::min(n, want.size()));
  for (std::size_t i = 0; i < got.size(); ++i) {
    INFO("rank " << i + 1);
    CHECK(rank_of(got[i].layout) == rank_of(want[i].layout));
    CHECK(got[i].layout.dp == want[i].layout.dp);
    CHECK(got[i].step_time_s == want[i].step_time_s);
  }
}

// How many layouts the rules allow, counted one by one (no memory, no step model).
std::int64_t brute_force_count(const ModelSpec& m, const TrainingJobSpec& job, int gpus_per_server) {
  std::int64_t n = 0;
  const int g = job.gpus, b = job.global_batch;
  const int kv = m.kv_heads > 0 ? m.kv_heads : m.heads;
  for (int tp = 1; tp <= gpus_per_server; ++tp)
    for (int cp = 1; cp <= g; ++cp)
      for (int pp = 1; pp <= g; ++pp) {
        if (g % (tp * cp * pp)) continue;
        const int dp = g / (tp * cp * pp);
        if (gpus_per_server % tp || m.heads % tp || kv % tp) continue;
        const int units = split_units(m.layers, pp);
        if ((cp > 1 && m.seq % (2 * cp)) || units == 0 || b % dp) continue;
        for (int mb = 1; mb <= b / dp; ++mb) {
          if ((b / dp) % mb) continue;
          const int micro = b / dp / mb;
          for (int v = 1; v <= units; ++v) {
            if (units % (pp * v) || (v > 1 && (pp < 2 || micro % pp))) continue;
            const int sp = tp > 1 ? 2 : 1;
            const int zero = dp * cp > 1 ? 4 : 1;
            n += 3 * sp * zero;
          }
        }
      }
  return n;
}

}  // namespace

TEST_CASE("count_layouts equals a brute-force count and the search's own count", "[models][layout-search]") {
  Setup s = h100_setup();
  ModelSpec m = small_model();
  for (int layers : {1, 6, 8, 10, 12, 14}) {
    for (int gpus : {1, 6, 8, 12, 16, 24}) {
      for (int batch : {1, 12, 32, 48}) {
        m.layers = layers;
        TrainingJobSpec job = job_of(gpus, batch);
        INFO("layers " << layers << ", gpus " << gpus << ", batch " << batch);
        const std::int64_t n = count_layouts(m, job, s.links);
        CHECK(n == brute_force_count(m, job, s.links.gpus_per_server));
        if ((layers == 8 || layers == 10) && batch == 32) {  // the search enumerates the same space
          LayoutSearchOptions exhaustive{1, false};
          s.gpu.memory_bytes = 1;  // nothing fits: every layout counted, no step model run
          CHECK(search_layouts(m, job, s.gpu, s.links, exhaustive).counts.enumerated == n);
        }
      }
    }
  }
  // With fixed keys and the apex optimizer, against the search's enumeration.
  m = small_model();
  s.gpu.memory_bytes = 1;
  TrainingJobSpec job = job_of(16, 32);
  ParallelismSpec& q = job.parallelism;
  q.tp = 2, q.recompute = "full", q.fixed.tp = q.fixed.recompute = true;
  CHECK(count_layouts(m, job, s.links) == search_layouts(m, job, s.gpu, s.links, {1, false}).counts.enumerated);
  q.schedule = "interleaved-1f1b", q.fixed.schedule = true, q.sequence_parallel = true, q.fixed.sequence_parallel = true;
  CHECK(count_layouts(m, job, s.links) == search_layouts(m, job, s.gpu, s.links, {1, false}).counts.enumerated);
  q.micro_batch = 2, q.fixed.micro_batch = true, q.zero = 3, q.fixed.zero = true;
  CHECK(count_layouts(m, job, s.links) == search_layouts(m, job, s.gpu, s.links, {1, false}).counts.enumerated);
  TrainingJobSpec apex = job_of(16, 32);
  apex.parallelism.optimizer = "apex";
  const std::int64_t n = count_layouts(m, apex, s.links);
  CHECK(n == search_layouts(m, apex, s.gpu, s.links, {1, false}).counts.enumerated);
  CHECK(n > 0);
  // The cap stops the count once past it.
  CHECK(count_layouts(m, apex, s.links, 10) > 10);
  CHECK(count_layouts(m, apex, s.links, 10) < n);
}

TEST_CASE("layout search refuses a space past the limit at once, without enumerating it", "[models][layout-search]") {
  Setup s = h100_setup();
  // 5,040 layers on 5,040 GPUs with a batch of 735,134,400: about 2.7e8 layouts (minutes to enumerate).
  ModelSpec m = small_model();
  m.layers = 5040;
  m.heads = m.kv_heads = 8;
  m.seq = 20160;
  const TrainingJobSpec job = job_of(5040, 735134400);
  const auto start = std::chrono::steady_clock::now();
  const std::int64_t n = count_layouts(m, job, s.links, limits::kMaxLayoutsPerSearch);
  const LayoutSearchResult r = search_layouts(m, job, s.gpu, s.links, {5, true});
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  CHECK(n > limits::kMaxLayoutsPerSearch);
  CHECK(r.too_many_layouts);
  CHECK(r.best.empty());
  CHECK(r.counts.enumerated == 0);
  CHECK(seconds < 2);
  // A small space is searched as before.
  const LayoutSearchResult small = search_layouts(small_model(), job_of(16, 32), s.gpu, s.links, {5, true});
  CHECK_FALSE(small.too_many_layouts);
  CHECK_FALSE(small.best.empty());
}

TEST_CASE("layout search agrees with a brute force over every layout, pruned or not", "[models][layout-search]") {
  Setup s = h100_setup();
  ModelSpec m = small_model();
  // 8 layers split evenly on every pp; 10 layers also as 2 + 3 + 3 + 2 on pp 4 (the embedding and the loss as layers).
  m.layers = GENERATE(8, 10);
  INFO("layers " << m.layers);
  const TrainingJobSpec job = job_of(16, 32);
  BruteForce all = brute_force(m, job, s.gpu, s.links);
  REQUIRE(all.enumerated > 1000);
  // A capacity that about half the layouts exceed, so that skipping matters.
  std::vector<double> mem = all.memories;
  std::nth_element(mem.begin(), mem.begin() + mem.size() / 2, mem.end());
  s.gpu.memory_bytes = mem[mem.size() / 2];
  all = brute_force(m, job, s.gpu, s.links);
  const auto fitting = static_cast<std::int64_t>(all.fitting.size());
  REQUIRE(fitting > 0);
  REQUIRE(fitting < all.enumerated);

  for (int top : {1, 5, 20}) {
    INFO("top " << top);
    const LayoutSearchResult pruned = search_layouts(m, job, s.gpu, s.links, {top, true});
    const LayoutSearchResult exhaustive = search_layouts(m, job, s.gpu, s.links, {top, false});
    LayoutSearchOptions small_chunks{top, true};
    small_chunks.chunk = 7;  // the step model runs every 7 layouts held, the rest pruned as they come
    const LayoutSearchResult chunked = search_layouts(m, job, s.gpu, s.links, small_chunks);
    require_same_layouts(pruned.best, all.fitting, top);
    require_same_layouts(exhaustive.best, all.fitting, top);
    require_same_layouts(chunked.best, all.fitting, top);
    for (const auto* r : {&pruned, &exhaustive, &chunked}) {
      CHECK(r->counts.enumerated == all.enumerated);
      CHECK(r->counts.skipped_memory == all.enumerated - fitting);
      CHECK(r->counts.enumerated == r->counts.skipped_memory + r->counts.pruned_bound + r->counts.evaluated);
    }
    CHECK(exhaustive.counts.evaluated == fitting);
    CHECK(exhaustive.counts.pruned_bound == 0);
    // The bound does its job: most fitting layouts never reach the step model.
    CHECK(pruned.counts.evaluated < fitting / 2);
    CHECK(pruned.counts.pruned_bound > 0);
  }
}

TEST_CASE("layout search: a model that fits only with tp 2 gets tp 2, the rest counted as skipped",
          "[models][layout-search]") {
  Setup s = h100_setup();
  ModelSpec m = small_model();
  // 3 layers (no pp 2) and seq 1026 (no cp 2: 4 does not divide it): on 2 GPUs with a
  // global batch of 2, by hand:
  //   tp 1, dp 2, micro_batch 1: 3 recompute x 4 zero = 12 layouts;
  //   tp 2, dp 1: micro_batch 1 or 2 x 3 recompute x sp on/off = 12 (zero stays 1: no peers).
  // tp 1 with zero 3 holds the same 18 B/param / 2 as tp 2, but each GPU holds a whole
  // sequence's activations; tp 2 with sequence parallelism half of one.
  m.layers = 3;
  m.seq = 1026;
  m.kv_heads = 16;
  m.hidden = 4096;
  TrainingJobSpec job = job_of(2, 2);
  auto memory = [&](int tp, int dp, int zero, const char* rc, bool sp) {
    TrainingJobSpec t = job;
    ParallelismSpec& q = t.parallelism;
    q.tp = tp, q.dp = dp, q.zero = zero, q.recompute = rc, q.sequence_parallel = sp;
    return training_memory(m, t).total_bytes;
  };
  const double tp1_least = memory(1, 2, 3, "full", false), tp2_least = memory(2, 1, 1, "full", true);
  REQUIRE(tp2_least < tp1_least);
  s.gpu.memory_bytes = (tp1_least + tp2_least) / 2;
  const LayoutSearchResult r = search_layouts(m, job, s.gpu, s.links, {30, true});
  CHECK(r.counts.enumerated == 24);
  REQUIRE_FALSE(r.best.empty());
  for (const TrainingStep& st : r.best) {
    CHECK(st.layout.tp == 2);
    CHECK(st.memory.total_bytes <= s.gpu.memory_bytes);
  }
  CHECK(r.counts.skipped_memory >= 12);  // every tp 1 layout
  CHECK(r.counts.skipped_memory + r.counts.pruned_bound + r.counts.evaluated == 24);
  CHECK(static_cast<std::int64_t>(r.best.size()) == 24 - r.counts.skipped_memory);  // top 30 keeps every fit
  CHECK(r.least_memory == Approx(tp2_least));
}

TEST_CASE("layout search: a tiny model on one server trains fastest data-parallel only", "[models][layout-search]") {
  // 4 layers of hidden 512 over 128 tokens: a tensor-parallel all-gather or a pipeline
  // bubble costs more than the layer's own compute, and the gradients (about 20 MB)
  // reduce in microseconds over NVLink, so every GPU holds a whole replica.
  Setup s = h100_setup();
  const ModelSpec& m = *s.scenario.find_model("m");
  TrainingJobSpec job = job_of(8, 64);
  job.model = "m";
  const LayoutSearchResult r = search_layouts(m, job, s.gpu, s.links, {3, true});
  REQUIRE_FALSE(r.best.empty());
  const ParallelismSpec& best = r.best.front().layout;
  CHECK(best.tp == 1);
  CHECK(best.cp == 1);
  CHECK(best.pp == 1);
  CHECK(best.dp == 8);
  CHECK(best.recompute == "none");
  CHECK(r.counts.skipped_memory == 0);
}

TEST_CASE("layout search: nothing fits is an empty result with every layout counted, not an error",
          "[models][layout-search]") {
  Setup s = h100_setup();
  s.gpu.memory_bytes = 1e6;  // 1 MB
  const LayoutSearchResult r = search_layouts(small_model(), job_of(16, 32), s.gpu, s.links, {5, true});
  CHECK(r.best.empty());
  CHECK(r.counts.enumerated > 0);
  CHECK(r.counts.skipped_memory == r.counts.enumerated);
  CHECK(r.least_memory > 1e6);
}

TEST_CASE("layout search keeps the fixed keys and every Megatron divisibility rule", "[models][layout-search]") {
  Setup s = h100_setup();
  const ModelSpec m = small_model();
  TrainingJobSpec job = job_of(16, 32);
  SECTION("free") {
    const LayoutSearchResult r = search_layouts(m, job, s.gpu, s.links, {200, true});
    REQUIRE(r.best.size() == 200);
    for (const TrainingStep& st : r.best) {
      const ParallelismSpec& q = st.layout;
      CHECK(q.tp * q.cp * q.pp * q.dp == 16);
      CHECK(m.heads % q.tp == 0);
      CHECK(m.kv_heads % q.tp == 0);
      CHECK(m.layers % (q.pp * q.virtual_stages) == 0);
      CHECK(32 % (q.dp * q.micro_batch) == 0);
      CHECK((q.cp == 1 || m.seq % (2 * q.cp) == 0));
      CHECK(q.schedule == (q.virtual_stages > 1 ? "interleaved-1f1b" : "1f1b"));
      if (q.virtual_stages > 1) CHECK(st.micro_batches % q.pp == 0);
    }
    for (std::size_t i = 1; i < r.best.size(); ++i) CHECK(r.best[i - 1].step_time_s <= r.best[i].step_time_s);
  }
  SECTION("tp and recompute fixed") {
    job.parallelism.tp = 2;
    job.parallelism.recompute = "full";
    job.parallelism.fixed.tp = job.parallelism.fixed.recompute = true;
    const LayoutSearchResult r = search_layouts(m, job, s.gpu, s.links, {50, true});
    REQUIRE_FALSE(r.best.empty());
    for (const TrainingStep& st : r.best) {
      CHECK(st.layout.tp == 2);
      CHECK(st.layout.recompute == "full");
    }
  }
  SECTION("a fixed set no split of the GPUs meets") {
    job.parallelism.tp = 4;
    job.parallelism.dp = 8;  // 4 x 8 > 16
    job.parallelism.fixed.tp = job.parallelism.fixed.dp = true;
    const LayoutSearchResult r = search_layouts(m, job, s.gpu, s.links, {5, true});
    CHECK(r.counts.enumerated == 0);
    CHECK(r.best.empty());
  }
}

TEST_CASE("layout search is deterministic and its key ignores only tokens and steps", "[models][layout-search]") {
  Setup s = h100_setup();
  const ModelSpec m = small_model();
  TrainingJobSpec job = job_of(16, 32);
  const LayoutSearchResult a = search_layouts(m, job, s.gpu, s.links, {5, true});
  const LayoutSearchResult b = search_layouts(m, job, s.gpu, s.links, {5, true});
  require_same_layouts(a.best, b.best, 5);
  const std::string key = layout_search_key(m, job, "h100-sxm", s.links);
  TrainingJobSpec longer = job;
  longer.tokens = 2e9;
  CHECK(layout_search_key(m, longer, "h100-sxm", s.links) == key);
  TrainingJobSpec bigger = job;
  bigger.global_batch = 64;
  CHECK(layout_search_key(m, bigger, "h100-sxm", s.links) != key);
  ClusterLinks slower = s.links;
  slower.nic_bandwidth /= 2;
  CHECK(layout_search_key(m, job, "h100-sxm", slower) != key);
  TrainingJobSpec fixed = job;
  fixed.parallelism.fixed.tp = true;
  CHECK(layout_search_key(m, fixed, "h100-sxm", s.links) != key);
}

TEST_CASE("the search splits layers its own way whatever stage sizes the job names", "[models][layout]") {
  const Setup s = h100_setup();
  ModelSpec m = small_model();
  m.layers = GENERATE(8, 10);
  const TrainingJobSpec plain = job_of(16, 64);
  TrainingJobSpec split = plain;
  split.parallelism.first_stage_layers = 1, split.parallelism.last_stage_layers = 1;
  const LayoutSearchResult a = search_layouts(m, plain, s.gpu, s.links), b = search_layouts(m, split, s.gpu, s.links);
  REQUIRE_FALSE(a.best.empty());
  REQUIRE(a.best.size() == b.best.size());
  CHECK(a.counts.skipped_memory == b.counts.skipped_memory);
  for (std::size_t i = 0; i < a.best.size(); ++i) {
    CHECK(b.best[i].step_time_s == a.best[i].step_time_s);
    CHECK(b.best[i].layout.first_stage_layers == a.best[i].layout.first_stage_layers);
    CHECK(b.best[i].layout.last_stage_layers == a.best[i].layout.last_stage_layers);
  }
}

TEST_CASE("the search offers Megatron-Core's embedding-and-loss split where pp does not divide the layers",
          "[models][layout-search]") {
  const Setup s = h100_setup();
  ModelSpec m = small_model();
  m.layers = 10;
  TrainingJobSpec job = job_of(16, 32);
  job.parallelism.pp = 4, job.parallelism.fixed.pp = true;
  // 10 layers + the embedding + the loss = 12 units, 3 a stage: 2 + 3 + 3 + 2 layers.
  // Virtual stages: 12 % (4 v) == 0, so v = 1 or 3 (3 needs micro-batches % 4 == 0).
  const LayoutSearchResult r = search_layouts(m, job, s.gpu, s.links, {500, false});
  REQUIRE_FALSE(r.best.empty());
  bool interleaved = false;
  for (const TrainingStep& st : r.best) {
    const ParallelismSpec& q = st.layout;
    REQUIRE(q.pp == 4);
    CHECK(q.first_stage_layers == 2);
    CHECK(q.last_stage_layers == 2);
    CHECK((q.virtual_stages == 1 || q.virtual_stages == 3));
    interleaved |= q.virtual_stages == 3;
    // The same layout with the split named by hand (first_stage_layers: 2, last_stage_layers: 2)
    // runs the same step.
    TrainingJobSpec named = with_layout(job, q);
    named.parallelism.auto_layout = false;
    named.parallelism.first_stage_layers = named.parallelism.last_stage_layers = -1;
    REQUIRE(training_step(m, named, s.gpu, s.links).step_time_s != st.step_time_s);  // the default split differs
    named.parallelism.first_stage_layers = 2, named.parallelism.last_stage_layers = 2;
    CHECK(training_step(m, named, s.gpu, s.links).step_time_s == st.step_time_s);
  }
  CHECK(interleaved);
  // A middle stage holds 3 layers, one more than either end.
  CHECK(stage_layers(m, r.best.front().layout, 1).count == 3);
  // pp 8 splits neither the 10 layers nor the 12 units: no layout.
  job.parallelism.pp = 8;
  CHECK(count_layouts(m, job, s.links) == 0);
}


TEST_CASE("layout search with DualPipe fixed: even pp only, and the bound leaves its bubble out", "[models][layout-search]") {
  // DualPipe's bubble, (p/2 - 1)(F&B + B - 3W), is nothing at pp 2 and may be less than
  // (pp - 1) stage times: a bound that charged the 1F1B bubble could prune the fastest layout.
  const Setup s = h100_setup();
  ModelSpec m = small_model();
  m.layers = GENERATE(8, 10);
  TrainingJobSpec job = job_of(16, 32);
  job.parallelism.schedule = "dualpipe", job.parallelism.fixed.schedule = true;
  const LayoutSearchResult pruned = search_layouts(m, job, s.gpu, s.links, {10, true});
  const LayoutSearchResult exhaustive = search_layouts(m, job, s.gpu, s.links, {10, false});
  REQUIRE_FALSE(exhaustive.best.empty());
  require_same_layouts(pruned.best, exhaustive.best, 10);
  CHECK(count_layouts(m, job, s.links) == exhaustive.counts.enumerated);
  bool pipelined = false;
  for (const TrainingStep& st : exhaustive.best) {
    CHECK(st.layout.schedule == "dualpipe");
    CHECK(st.layout.pp >= 2);
    CHECK(st.layout.pp % 2 == 0);
    CHECK(st.layout.virtual_stages == 1);
    pipelined = true;
  }
  CHECK(pipelined);
}

}  // namespace rcn
