// `parallelism: auto` from the YAML to the run: the loader marks the fixed keys,
// the fit check refuses a job no layout fits, the simulator runs the search's
// best layout and keeps the job off a cluster where none fits, and
// `rcnsim estimate --search` prints the layouts with their counts.
#include <catch2/catch.hpp>

#include <fstream>
#include <nlohmann/json.hpp>

#include "rcn/engine/checked_scenario.hpp"
#include "rcn/engine/simulation.hpp"
#include "rcn/models/layout_search.hpp"
#include "rcn/sched/builtin_policies.hpp"
#include "rcn/sched/policy_registry.hpp"
#include "tests/load_scenario.hpp"
#include "tests/test_support.hpp"

namespace rcn {
namespace {

// A ~43B model: 18 B of weights, gradients and Adam state per parameter over 8 GPUs is
// about 97 GB each however it is split, more than an A100's 80 GB, less than an H200's 141.
const char* const kTwoClusters = R"(name: auto-layout-test
horizon: 30d
sites:
  - name: a
    clusters:
      - {name: a100, gpu: a100-80g, servers: 2}
      - {name: h200, gpu: h200-sxm, servers: 2}
models:
  m43: {layers: 48, hidden: 8192, heads: 64, kv_heads: 8, ffn: 28672, vocab: 128256, seq: 4096,
        gated_mlp: true, tied_embeddings: false, dropout: false}
  tiny: {layers: 4, hidden: 512, heads: 8, vocab: 1000, seq: 128}
workloads:
  training:
)";

std::string first_error(const LoadResult& r) {
  for (const auto& d : r.diagnostics.items())
    if (d.severity == Diagnostic::Severity::Error) return d.str();
  return "";
}

}  // namespace

TEST_CASE("parallelism: auto and auto with fixed keys load, and bad forms are located errors", "[scenario][auto-layout]") {
  const Scenario s = test::load_scenario(
      std::string(kTwoClusters) +
          "    - {name: free, model: tiny, gpus: 8, global_batch: 64, steps: 10, parallelism: auto}\n"
          "    - {name: some, model: tiny, gpus: 8, global_batch: 64, steps: 10,\n"
          "       parallelism: {auto: true, tp: 2, recompute: full}}\n"
          "    - {name: given, model: tiny, gpus: 8, global_batch: 64, steps: 10, parallelism: {tp: 2, dp: 4}}\n",
      "auto.yaml");
  const ParallelismSpec& free = s.training[0].parallelism;
  CHECK(free.auto_layout);
  CHECK_FALSE((free.fixed.tp || free.fixed.cp || free.fixed.pp || free.fixed.dp || free.fixed.micro_batch ||
               free.fixed.recompute || free.fixed.zero || free.fixed.sequence_parallel));
  const ParallelismSpec& some = s.training[1].parallelism;
  CHECK(some.auto_layout);
  CHECK(some.fixed.tp);
  CHECK(some.fixed.recompute);
  CHECK_FALSE(some.fixed.pp);
  CHECK_FALSE(some.fixed.dp);
  CHECK(some.tp == 2);
  CHECK(some.recompute == "full");
  CHECK_FALSE(s.training[2].parallelism.auto_layout);

  // With auto, tp x dp need not make the job's GPUs (the search picks dp).
  CHECK(load_scenario_text(std::string(kTwoClusters) +
                               "    - {name: j, model: tiny, gpus: 8, global_batch: 64, steps: 10,\n"
                               "       parallelism: {auto: true, tp: 2, micro_batch: 2}}\n",
                           "t.yaml")
            .scenario);
  const LoadResult bad = load_scenario_text(
      std::string(kTwoClusters) + "    - {name: j, model: tiny, gpus: 8, global_batch: 64, steps: 10, parallelism: fast}\n",
      "t.yaml");
  CHECK(first_error(bad).find("t.yaml:14:") == 0);
  CHECK(first_error(bad).find("expected auto or a mapping") != std::string::npos);
  const LoadResult elastic = load_scenario_text(std::string(kTwoClusters) +
                                                    "    - {name: j, model: tiny, gpus: 8, global_batch: 64, steps: 10,\n"
                                                    "       parallelism: {auto: true, min_dp: 2}}\n",
                                                "t.yaml");
  CHECK(first_error(elastic).find("min_dp") != std::string::npos);

  // Virtual stages fixed without pp: the search picks pp (126 layers: 16 x 8 = 126 + 2), so the
  // loader does not test virtual_stages against the layers alone; nor a MoE model's layers.
  const std::string models = "  l126: {layers: 126, hidden: 1024, heads: 8, vocab: 1000, seq: 128}\n"
                             "  moe61: {layers: 61, hidden: 1024, heads: 8, vocab: 1000, seq: 128,\n"
                             "          moe: {experts: 8, top_k: 2, expert_ffn: 512}}\n";
  std::string two = kTwoClusters;
  two.insert(two.find("workloads:"), models);
  const LoadResult v_only = load_scenario_text(
      two + "    - {name: j, model: l126, gpus: 16, global_batch: 64, steps: 10,\n"
            "       parallelism: {auto: true, schedule: interleaved-1f1b, virtual_stages: 8}}\n"
            "    - {name: k, model: moe61, gpus: 16, global_batch: 64, steps: 10,\n"
            "       parallelism: {auto: true, schedule: interleaved-1f1b}}\n",
      "t.yaml");
  INFO(first_error(v_only));
  CHECK(v_only.scenario);
}

TEST_CASE("an auto job no layout fits on any cluster it may use is one located error", "[engine][auto-layout]") {
  const LoadResult r = load_checked_text(std::string(kTwoClusters) +
                                             "    - {name: big, model: m43, site: a, gpus: 8, global_batch: 16,\n"
                                             "       steps: 10, parallelism: {auto: true, tp: 1, pp: 1, cp: 1, zero: 1}}\n",
                                         "t.yaml");
  CHECK_FALSE(r.scenario);
  const std::string e = first_error(r);
  INFO(e);
  CHECK(e.find("t.yaml:15:") == 0);
  CHECK(e.find("workloads.training[0].parallelism") != std::string::npos);
  CHECK(e.find("no layout fits") != std::string::npos);
  CHECK(e.find("a/a100") != std::string::npos);
  CHECK(e.find("a/h200") != std::string::npos);
  CHECK(r.diagnostics.items().size() == 1);

  // Keys that leave no split of the GPUs: 2 x 3 does not make 8.
  const LoadResult split = load_checked_text(std::string(kTwoClusters) +
                                                 "    - {name: odd, model: tiny, site: a, gpus: 8, global_batch: 48,\n"
                                                 "       steps: 10, parallelism: {auto: true, tp: 2, dp: 3}}\n",
                                             "t.yaml");
  CHECK_FALSE(split.scenario);
  CHECK(first_error(split).find("no layout of 8 GPUs meets the divisibility rules with the keys given") !=
        std::string::npos);
  CHECK(first_error(split).find("fix fewer keys or change its gpus") != std::string::npos);
}

TEST_CASE("an auto job runs the search's best layout, on a cluster where one fits", "[engine][auto-layout]") {
  const LoadResult loaded = load_checked_text(
      std::string(kTwoClusters) +
          "    - {name: big, model: m43, gpus: 8, global_batch: 16, steps: 20, parallelism: auto}\n", "t.yaml");
  for (const auto& d : loaded.diagnostics.items()) UNSCOPED_INFO(d.str());
  REQUIRE(loaded.scenario);
  const Scenario& s = *loaded.scenario;
  // FIFO takes the first cluster that has the servers, the A100s, but no layout fits there.
  const ClusterSpec& a100 = s.sites[0].clusters[0];
  const ClusterSpec& h200 = s.sites[0].clusters[1];
  const ModelSpec& m = *s.find_model("m43");
  CHECK(search_layouts(m, s.training[0], *s.find_profile("a100-80g"), ClusterLinks::of(a100)).best.empty());
  const LayoutSearchResult there = search_layouts(m, s.training[0], *s.find_profile("h200-sxm"), ClusterLinks::of(h200));
  REQUIRE_FALSE(there.best.empty());

  const SimulationResult r = run_simulation(s);
  REQUIRE(r.jobs.size() == 1);
  const JobResult& j = r.jobs[0];
  CHECK(j.state == JobState::Finished);
  CHECK(j.cluster == "h200");
  const ParallelismSpec got = j.step().layout;
  const ParallelismSpec& want = there.best.front().layout;
  CHECK(got.auto_layout);
  CHECK(got.tp == want.tp);
  CHECK(got.cp == want.cp);
  CHECK(got.pp == want.pp);
  CHECK(got.dp == want.dp);
  CHECK(got.micro_batch == want.micro_batch);
  CHECK(got.virtual_stages == want.virtual_stages);
  CHECK(got.recompute == want.recompute);
  CHECK(got.zero == want.zero);
  CHECK(j.step_time_s == there.best.front().step_time_s);
  CHECK(j.end_s - j.start_s == Approx(20 * there.best.front().step_time_s).epsilon(1e-9));
}

TEST_CASE("every policy keeps a job off the clusters where no layout of it fits", "[sched][auto-layout]") {
  // Two idle clusters of 4 servers; the job may use only the second.
  SchedulerView v;
  for (std::size_t c = 0; c < 2; ++c) {
    ClusterState cs;
    cs.site = 0, cs.cluster = c, cs.site_name = "a", cs.cluster_name = c == 0 ? "x" : "y";
    cs.total_servers = cs.free_servers = 4;
    v.clusters.push_back(cs);
  }
  PendingJob job;
  job.name = "j";
  job.gpus = 8;
  job.runtime_on = {1.0, 1.0};
  job.transfer_s_to = {0.0, 0.0};
  job.not_allowed_on = {{0, 0}};
  v.queue.push(job);
  CHECK_FALSE(allowed_on(job, v.clusters[0]));
  CHECK(allowed_on(job, v.clusters[1]));
  for (const std::string& policy : PolicyRegistry::instance().names()) {
    INFO(policy);
    Diagnostics diags;
    SchedulerSpec spec;
    spec.policy = policy;
    auto p = PolicyRegistry::instance().create(spec, diags);
    REQUIRE(p);
    const auto placed = p->schedule(v);
    REQUIRE(placed.size() == 1);
    CHECK(placed[0].cluster_state == 1);
  }
}

TEST_CASE("rcnsim estimate --search prints the fastest layouts and the counts, as text and JSON", "[cli][auto-layout]") {
  const std::string file = test::source_path("scenarios/examples/auto-layout.yaml");
  const auto text = test::run_command(test::rcnsim_binary() + " estimate '" + file + "' --search --top 3");
  INFO(text.output);
  REQUIRE(text.status == 0);
  CHECK(text.output.find("llama8b on ") != std::string::npos);
  CHECK(text.output.find("the fastest 3 of ") != std::string::npos);
  CHECK(text.output.find("skipped for memory") != std::string::npos);
  CHECK(text.output.find("pruned by the lower bound") != std::string::npos);

  const auto json = test::run_command(test::rcnsim_binary() + " estimate '" + file + "' --search --top 3 --json --job llama70b");
  REQUIRE(json.status == 0);
  const auto j = nlohmann::json::parse(json.output);
  REQUIRE(j.size() == 1);
  CHECK(j[0]["job"] == "llama70b");
  const auto& c = j[0]["counts"];
  CHECK(c["enumerated"].get<long>() ==
        c["skipped_memory"].get<long>() + c["pruned_bound"].get<long>() + c["evaluated"].get<long>());
  REQUIRE(j[0]["layouts"].size() == 3);
  double last = 0;
  for (const auto& l : j[0]["layouts"]) {
    CHECK(l["parallelism"]["tp"] == 8);  // fixed in the file
    CHECK(l["parallelism"]["recompute"] == "none");
    CHECK(l["memory_per_gpu_bytes"]["total"].get<double>() <= j[0]["memory_capacity_bytes"].get<double>());
    CHECK(l["step_time_s"].get<double>() >= last);
    last = l["step_time_s"].get<double>();
  }
  CHECK_FALSE(j[0].contains("job_layout"));  // an auto job has no layout of its own

  // The run's summary.json names each job's chosen layout, the one estimate ranks first.
  const std::string dir = test::scratch_dir("auto-layout-run");
  REQUIRE(test::run_command(test::rcnsim_binary() + " run '" + file + "' -o '" + dir + "/out'").status == 0);
  const auto summary = nlohmann::json::parse(test::read_text(dir + "/out/summary.json"));
  REQUIRE(summary["jobs"].size() == 2);
  const auto& run70 = summary["jobs"][1];
  CHECK(run70["name"] == "llama70b");
  CHECK(run70["step"]["parallelism"]["auto"] == true);
  CHECK(run70["cluster"] == j[0]["cluster"]);  // FIFO on an idle center: where estimate looks
  CHECK(run70["step"]["parallelism"] == j[0]["layouts"][0]["parallelism"]);

  // A job with a layout of its own is searched too, and its own step shown beside.
  const auto own = test::run_command(test::rcnsim_binary() + " estimate '" +
                                     test::source_path("scenarios/tutorial/01-one-cluster.yaml") + "' --search --json");
  REQUIRE(own.status == 0);
  const auto o = nlohmann::json::parse(own.output);
  REQUIRE(o.size() == 1);
  CHECK(o[0]["layouts"].size() == 5);
  CHECK(o[0]["job_layout"]["parallelism"]["dp"] == 256);
  CHECK(o[0]["layouts"][0]["step_time_s"].get<double>() <= o[0]["job_layout"]["step_time_s"].get<double>());
}

TEST_CASE("rcnsim estimate --search finds Llama 3 405B's 16 stages of 7 + 14 x 8 + 7 layers", "[cli][auto-layout]") {
  // 126 layers: no pp of 8 or more divides them, so before the embedding-and-loss split the search
  // could only offer pp 1 or 2 on 16,384 GPUs. With it, pp 8 (15 + 6 x 16 + 15) and pp 16 (7 + 14 x 8 + 7,
  // the paper's own split, sec. 3.3.2) are searched and shown in the "ends" column.
  const std::string dir = test::scratch_dir("auto-layout-405b");
  const std::string file = dir + "/l405.yaml";
  std::ofstream(file) << R"(name: l405
sites:
  - name: s
    clusters:
      - {name: main, gpu: h100-sxm, servers: 2048, gpus_per_server: 8,
         scale_out: {kind: roce, nic_bandwidth: 400Gbps, nics_per_server: 8}}
models:
  l405: {layers: 126, hidden: 16384, heads: 128, kv_heads: 8, ffn: 53248, vocab: 128256, seq: 8192,
         gated_mlp: true, tied_embeddings: false, dropout: false}
workloads:
  training:
    - {name: l405, model: l405, gpus: 16384, global_batch: 2048, steps: 3,
       parallelism: {auto: true, tp: 8, micro_batch: 1, recompute: none}}
)";
  const auto text = test::run_command(test::rcnsim_binary() + " estimate '" + file + "' --search --top 20");
  INFO(text.output);
  REQUIRE(text.status == 0);
  CHECK(text.output.find(" ends ") != std::string::npos);
  CHECK(text.output.find(" 7,7 ") != std::string::npos);
  const auto json = test::run_command(test::rcnsim_binary() + " estimate '" + file + "' --search --top 20 --json");
  REQUIRE(json.status == 0);
  const auto j = nlohmann::json::parse(json.output);
  REQUIRE(j.size() == 1);
  bool meta_split = false;
  for (const auto& l : j[0]["layouts"]) {
    const auto& q = l["parallelism"];
    const int pp = q["pp"].get<int>();
    if (126 % pp == 0) {
      CHECK_FALSE(q.contains("first_stage_layers"));
      continue;
    }
    // (126 + 2) / pp units a stage, one of them the embedding on the first and the loss on the last.
    CHECK(q["first_stage_layers"] == 128 / pp - 1);
    CHECK(q["last_stage_layers"] == 128 / pp - 1);
    meta_split |= pp == 16 && q["first_stage_layers"] == 7;
  }
  CHECK(meta_split);
  CHECK(j[0]["layouts"][0]["parallelism"]["pp"].get<int>() >= 8);
}

}  // namespace rcn
