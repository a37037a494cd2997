// rcnsim: the command-line front end. Subcommands run, validate and describe
// a scenario; every input problem ends with exit status 2 and no results.
#include <signal.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <yaml-cpp/yaml.h>
#include <fmt/format.h>

#include <charconv>
#include <chrono>
#include <cstdio>
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include "rcn/calibrate/nccl_tests_import.hpp"
#include "rcn/calibrate/profile_fit.hpp"
#include "rcn/engine/checked_scenario.hpp"
#include "rcn/engine/simulation.hpp"
#include "rcn/report/atomic_file.hpp"
#include "rcn/report/describe.hpp"
#include "rcn/report/output_dir.hpp"
#include "rcn/report/html_report.hpp"
#include "rcn/report/result_files.hpp"
#include "rcn/report/run_outputs.hpp"
#include "rcn/report/serving_estimate.hpp"
#include "rcn/report/trace_json.hpp"
#include "rcn/report/step_report.hpp"
#include "rcn/scenario/file_reference.hpp"
#include "rcn/scenario/input_limits.hpp"
#include "rcn/scenario/units.hpp"
#include "rcn/sweep/sweep_spec.hpp"
#include "rcn/sweep/validate_sweep.hpp"
#include "rcn/version.hpp"
#include "src/scenario/job_trace.hpp"
#include "compare_command.hpp"
#include "plan_command.hpp"
#include "rcn/plan/plan_spec.hpp"
#include "sweep_command.hpp"

namespace {

constexpr int kExitInput = 2;
constexpr int kExitInternal = 1;

// --seed: CLI11 would read -1 as 18446744073709551615 into an unsigned seed.
const CLI::Validator NonNegativeWhole(
    [](std::string& v) {
      std::uint64_t seed = 0;
      const auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), seed);
      const bool ok = !v.empty() && v.find_first_not_of("0123456789") == std::string::npos && ec == std::errc() &&
                      end == v.data() + v.size();
      return ok ? std::string()
                : "expected a whole number from 0 to 18446744073709551615, got " + rcn::quote_input(v);
    },
    "", "NonNegativeWhole");

struct ScenarioArgs {
  std::string path;  // empty = the embedded default
  std::vector<std::string> sets;
  std::optional<std::uint64_t> seed;
  std::vector<std::string> allow_paths;
};

// "1 site", "2 sites".
std::string count_of(std::size_t n, const char* one, const char* many) {
  return fmt::format("{} {}", n, n == 1 ? one : many);
}

void print_diagnostics(const rcn::Diagnostics& d) {
  for (const auto& line : d.lines()) fmt::print(stderr, "{}\n", line);
}

// Loads and checks; prints warnings and errors. Empty on error.
std::optional<rcn::Scenario> load(const ScenarioArgs& a) {
  rcn::LoadOptions opts{a.sets, a.seed, a.allow_paths};
  rcn::LoadResult r = a.path.empty()
                          ? rcn::load_checked_text(rcn::embedded_default_scenario(), "<default scenario>", opts)
                          : rcn::load_checked_file(a.path, opts);
  print_diagnostics(r.diagnostics);
  if (!r.scenario) {
    fmt::print(stderr, "{} error{} found; nothing was run\n", r.diagnostics.error_count(),
               r.diagnostics.error_count() == 1 ? "" : "s");
  }
  return r.scenario;
}

void add_scenario_options(CLI::App* cmd, ScenarioArgs& a, bool optional_path) {
  if (optional_path)
    cmd->add_option("scenario", a.path, "scenario YAML file (default: the embedded default scenario)");
  else
    cmd->add_option("scenario", a.path, "scenario YAML file")->required();
  cmd->add_option("--set", a.sets, "override a field before loading: path=value (repeatable)")
      ->type_name("PATH=VALUE");
  cmd->add_option("--seed", a.seed, "random seed (overrides the scenario's), a whole number >= 0")
      ->check(NonNegativeWhole);
  cmd->add_option("--allow-paths", a.allow_paths,
                  "a folder the scenario's files (hardware, traces) may come from besides its own (repeatable)")
      ->type_name("DIR")
      ->allow_extra_args(false);  // one DIR per --allow-paths, so it never takes the scenario's place
}

// Progress on stderr: only for runs longer than a second, only on a terminal
// unless forced, at most twice a second. On a terminal the line is rewritten in
// place (\r); into a file or a pipe each report is its own line, every 5 s.
class ProgressLine {
 public:
  ProgressLine(bool enabled, double horizon)
      : enabled_(enabled), tty_(::isatty(STDERR_FILENO) != 0), horizon_(horizon) {}
  void update(double sim_now) {
    if (!enabled_) return;
    ++events_;
    if ((events_ & 1023) != 0 && events_ > 1) return;  // the clock is cheap, but not free
    const auto now = std::chrono::steady_clock::now();
    const auto every = tty_ ? std::chrono::milliseconds(500) : std::chrono::milliseconds(5000);
    if (now - start_ < std::chrono::seconds(1) || now - last_ < every) return;
    last_ = now;
    shown_ = true;
    const double wall = std::chrono::duration<double>(now - start_).count();
    fmt::print(stderr, "{}simulated {} of {} ({:.0f}%), {:.0f} events/s{}", tty_ ? "\r" : "",
               rcn::format_duration(sim_now), rcn::format_duration(horizon_), 100 * sim_now / horizon_,
               events_ / wall, tty_ ? "   " : "\n");
  }
  // Ends the line on a terminal, so that what follows starts on its own line.
  void finish() {
    if (shown_ && tty_) fmt::print(stderr, "\n");
    shown_ = false;
  }
  ~ProgressLine() { finish(); }

 private:
  bool enabled_, tty_;
  double horizon_;
  bool shown_ = false;
  std::uint64_t events_ = 0;  // clock advances of the simulation
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now(), last_{};
};

const char* signal_name(int sig) { return sig == SIGINT ? "SIGINT" : sig == SIGTERM ? "SIGTERM" : "a signal"; }

// Stopped by SIGINT or SIGTERM: the temporary folder goes, and the exit status says which (128 + signal).
int interrupted_run(std::optional<rcn::OutputDir>& out, const rcn::Scenario& s, double simulated_s, const char* when) {
  const int sig = *rcn::interrupt_flag();
  const std::string target = out->target();
  out.reset();  // removes <target>.tmp-<pid>
  fmt::print(stderr, "rcnsim: interrupted by {} {} (scenario {}, seed {}, simulated {} of {}); no results written to {}\n",
             signal_name(sig), when, s.name, s.seed, rcn::format_duration(simulated_s), rcn::format_duration(s.horizon),
             target);
  return 128 + sig;
}

int cmd_run(const ScenarioArgs& a, std::string out_dir, bool progress) {
  auto scenario = load(a);
  if (!scenario) return kExitInput;
  if (out_dir.empty()) {
    // A scenario file may not choose where to write outside its own folder or the
    // working directory (dir: ../.. or /home): only the person at the command line may.
    out_dir = scenario->outputs.dir;
    if (!rcn::output_allowed_from_file(out_dir, a.path)) {
      rcn::Diagnostics d;
      d.error(scenario->outputs.loc, "outputs.dir",
              "\"" + rcn::quote_input(out_dir) + "\" is outside the scenario's folder and the working directory; give it with -o to write there");
      print_diagnostics(d);
      return kExitInput;
    }
  }
  std::optional<rcn::OutputDir> out;  // checked before simulating, so a refusal costs nothing
  try {
    out.emplace(out_dir);
  } catch (const rcn::OutputDirRefused& e) {
    fmt::print(stderr, "rcnsim: {}\n", e.message);
    return kExitInput;
  }
  rcn::set_graceful_stop(true);  // SIGINT/SIGTERM: stop at the next step, clean up, say so
  const auto t0 = std::chrono::steady_clock::now();
  rcn::SimulationResult result;
  std::optional<double> stopped_at;
  {
    ProgressLine line(progress || ::isatty(STDERR_FILENO), scenario->horizon);
    rcn::RunOptions ro;
    ro.on_progress = [&](double t) { line.update(t); };
    ro.stop = rcn::interrupt_flag();
    try {
      result = rcn::run_simulation(*scenario, ro);
    } catch (const rcn::SimulationError& e) {  // an actor failed: no results, the temporary folder goes
      line.finish();
      fmt::print(stderr, "rcnsim: {}\n", e.what());
      return kExitInternal;
    } catch (const rcn::SimulationInterrupted& e) {
      stopped_at = e.simulated_s;
    }
  }
  if (stopped_at) return interrupted_run(out, *scenario, *stopped_at, "while simulating");
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::string text = rcn::embedded_default_scenario();
  if (!a.path.empty() && scenario->outputs.report) {
    std::ifstream in(a.path, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    text = ss.str();
  }
  rcn::write_run_outputs(*out, result, *scenario, text, wall, a.path.empty() ? "<default scenario>" : a.path);
  if (*rcn::interrupt_flag()) return interrupted_run(out, *scenario, result.simulated_end_s, "while writing results");
  try {
    out->commit();
  } catch (const rcn::OutputDirRefused& e) {
    fmt::print(stderr, "rcnsim: {}\n", e.message);
    return kExitInput;
  }
  rcn::set_graceful_stop(false);
  std::size_t unschedulable = 0;  // a few warnings by name, then a count: a trace may hold thousands
  for (const rcn::JobResult& j : result.jobs)
    if (j.state == rcn::JobState::Unschedulable && ++unschedulable <= 5)
      fmt::print(stderr, "warning: job {} ({} GPUs) is unschedulable: {}\n", j.name, j.gpus, j.unschedulable_reason);
  if (unschedulable > 5)
    fmt::print(stderr, "warning: {} more unschedulable jobs (state unschedulable in {}/jobs.csv)\n", unschedulable - 5,
               out->target());
  fmt::print("{}", rcn::summary_table(result, out->target()));
  fmt::print("\nresults in {} (wall time {:.2f} s)\n", out->target(), wall);
  return 0;
}

// What a file given to `rcnsim validate` holds, by its top-level keys.
enum class FileKind { Scenario, Sweep, Plan };

// A plan has top-level `variables` or `objective` (rcn::looks_like_plan).
// A sweep names a `base` scenario and grid, random or variants; a file with
// `base` and neither `name` nor `sites` is taken for a sweep too, so a typo
// (`gird:`) gets the sweep loader's "did you mean grid?" rather than a
// scenario's missing keys. Anything else, unreadable or malformed files and
// pipes included, goes to the scenario loader, which says what is wrong.
FileKind file_kind(const std::string& path) {
  std::error_code ec;
  if (path.empty() || !std::filesystem::is_regular_file(path, ec)) return FileKind::Scenario;
  std::string why;
  const auto text = rcn::read_regular_file(path, rcn::limits::kMaxInputFileBytes, why);
  if (!text) return FileKind::Scenario;
  if (rcn::looks_like_plan(*text)) return FileKind::Plan;
  YAML::Node root;
  try {
    root = YAML::Load(*text);
  } catch (const YAML::Exception&) {
    return FileKind::Scenario;
  }
  const YAML::Node& map = root;  // const: lookups never insert
  if (!map.IsMap() || !map["base"]) return FileKind::Scenario;
  if (map["grid"] || map["random"] || map["variants"]) return FileKind::Sweep;
  return map["name"] || map["sites"] ? FileKind::Scenario : FileKind::Sweep;
}

int cmd_validate_sweep(const ScenarioArgs& a) {
  if (!a.sets.empty() || a.seed) {
    fmt::print(stderr, "rcnsim validate: {} is a sweep; --set and --seed apply to scenarios (a sweep's points and "
                       "seeds are in its file)\n", a.path);
    return kExitInput;
  }
  rcn::Diagnostics d;
  const rcn::SweepSpec spec = rcn::load_sweep_file(a.path, d, a.allow_paths);
  rcn::SweepValidation v;
  if (!d.has_errors()) {
    v = rcn::validate_sweep(spec, d);
    if (!rcn::output_allowed_from_file(spec.output, a.path))
      d.warning(spec.output_loc, "output",
                "\"" + rcn::quote_input(spec.output) +
                    "\" is outside the sweep file's folder and the working directory: `rcnsim sweep` needs -o");
  }
  print_diagnostics(d);
  if (d.has_errors()) {
    fmt::print(stderr, "{} error{} found; nothing was run\n", d.error_count(), d.error_count() == 1 ? "" : "s");
    return kExitInput;
  }
  fmt::print("{}: ok ({} points x {} seeds = {} runs; {} of {} distinct points checked against {})\n", a.path,
             spec.points.size(), spec.seeds.size(), spec.points.size() * spec.seeds.size(), v.checked, v.distinct,
             spec.base);
  return 0;
}

int cmd_validate(const ScenarioArgs& a) {
  const FileKind kind = file_kind(a.path);
  if (kind == FileKind::Plan) {
    if (!a.sets.empty() || a.seed) {
      fmt::print(stderr, "rcnsim validate: {} is a plan; --set and --seed apply to scenarios (a plan's points and "
                         "seeds are in its file)\n", a.path);
      return kExitInput;
    }
    return rcn::validate_plan(a.path, a.allow_paths);
  }
  if (kind == FileKind::Sweep) return cmd_validate_sweep(a);
  auto s = load(a);
  if (!s) return kExitInput;
  fmt::print("{}: ok ({}, {} GPUs, {}, {}, {})\n", a.path, count_of(s->sites.size(), "site", "sites"),
             s->total_gpus(), count_of(s->wan.size(), "WAN link", "WAN links"),
             count_of(s->training.size(), "training job", "training jobs"),
             count_of(s->inference.size(), "inference service", "inference services"));
  return 0;
}

int cmd_describe(const ScenarioArgs& a) {
  auto s = load(a);
  if (!s) return kExitInput;
  fmt::print("{}", rcn::describe_scenario(*s, rcn::SiteGraph(*s)));
  return 0;
}

int cmd_estimate(const ScenarioArgs& a, const std::string& job, bool json, bool search, int top) {
  auto s = load(a);
  if (!s) return kExitInput;
  if (!job.empty() && std::none_of(s->training.begin(), s->training.end(), [&](const auto& j) { return j.name == job; })) {
    fmt::print(stderr, "rcnsim: no training job named \"{}\" in {}\n", job, a.path);
    return kExitInput;
  }
  if (search) {  // refuse a space too large to search before searching it
    rcn::Diagnostics d;
    rcn::check_layout_search_spaces(*s, [&](const rcn::TrainingJobSpec& j) { return job.empty() || j.name == job; }, d);
    print_diagnostics(d);
    if (d.has_errors()) return kExitInput;
  }
  if (s->training.empty()) {  // nothing for the step model: say so rather than print nothing
    if (json) {
      fmt::print("[]\n");
    } else {
      fmt::print("{}: no training jobs to estimate.\n", a.path.empty() ? "<default scenario>" : a.path);
      if (!s->inference.empty())
        fmt::print("\n{}\nWhat serving them holds and costs:\n{}\nLatency, SLO attainment and cost per million tokens "
                   "need the simulated requests: rcnsim run {}\n",
                   rcn::services_table(*s), rcn::serving_estimate_table(*s), a.path.empty() ? "" : a.path);
    }
    return 0;
  }
  const auto estimates = rcn::estimate_jobs(*s, job, search ? top : 0);
  if (search)
    fmt::print("{}", json ? rcn::layout_search_json(*s, estimates) : rcn::layout_search_table(*s, estimates));
  else
    fmt::print("{}", json ? rcn::estimates_json(estimates) : rcn::estimates_table(estimates));
  if (!json && !search && job.empty() && !s->inference.empty())
    fmt::print("\nInference services, what serving them holds and costs (latency needs rcnsim run):\n{}",
               rcn::serving_estimate_table(*s));
  return 0;
}

// Checks a -o FILE before any work: exit status 2 for a path that cannot be written.
bool output_file_ok(const std::string& path) {
  if (path.empty() || path == "-") return true;
  try {
    rcn::check_output_file(path);
    return true;
  } catch (const rcn::OutputPathError& e) {
    fmt::print(stderr, "rcnsim: {}\n", e.message);
    return false;
  }
}

// Writes a -o FILE whole or not at all; false (message printed) when the path is bad.
bool write_output_file(const std::string& path, const std::string& content) {
  try {
    rcn::write_file_atomically(path, content);
    return true;
  } catch (const rcn::OutputPathError& e) {
    fmt::print(stderr, "rcnsim: {}\n", e.message);
    return false;
  }
}

// nccl-tests logs -> a microbench-schema JSON holding only the nccl section.
int cmd_import_nccl(const std::vector<std::string>& logs, const std::string& output, const std::string& op) {
  if (!output_file_ok(output)) return kExitInput;
  rcn::calibrate::Microbench mb;
  mb.primary.meta.tool = "rcnsim calibrate import-nccl-tests";
  mb.nccl_skipped = "";
  mb.sdpa_skipped = "not measured: imported from nccl-tests logs";
  rcn::Diagnostics diags;
  for (const auto& path : logs) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
      diags.error(rcn::SourceLoc{path, 0, 0}, "", "cannot read the log");
      continue;
    }
    std::stringstream text;
    text << in.rdbuf();
    rcn::NcclTestsImport imp = rcn::import_nccl_tests(text.str(), path, op, diags);
    for (const auto& note : imp.notes) fmt::print(stderr, "{}\n", note);
    fmt::print(stderr, "{}: {} points\n", path, imp.points.size());
    mb.nccl.insert(mb.nccl.end(), imp.points.begin(), imp.points.end());
  }
  print_diagnostics(diags);
  if (diags.has_errors()) return kExitInput;
  const std::string json = rcn::calibrate::to_json(mb);
  if (output.empty() || output == "-") {
    fmt::print("{}", json);
    return 0;
  }
  if (!write_output_file(output, json)) return kExitInput;
  fmt::print(stderr, "wrote {} ({} points)\n", output, mb.nccl.size());
  return 0;
}

int cmd_fit(const std::string& input, const std::string& output, std::string base_name) {
  if (!output_file_ok(output)) return kExitInput;
  std::ifstream in(input, std::ios::binary);
  if (!in) {
    fmt::print(stderr, "{}: error: cannot read the microbenchmark file\n", input);
    return kExitInput;
  }
  std::stringstream text;
  text << in.rdbuf();
  rcn::Diagnostics diags;
  if (!rcn::check_microbench_json(text.str(), input, diags)) {  // file:line:col, before guessing its base
    print_diagnostics(diags);
    return kExitInput;
  }
  if (base_name.empty()) base_name = rcn::guess_base_profile(text.str());
  const auto& builtins = rcn::builtin_hardware_profiles();
  if (base_name.empty() || !builtins.count(base_name)) {
    fmt::print(stderr, "{}: error: no base profile{} (give --base NAME, one of the built-in profiles)\n", input,
               base_name.empty() ? " matches its meta.name" : " named " + base_name);
    return kExitInput;
  }
  rcn::FitReport rep = rcn::fit_profile(text.str(), input, builtins.at(base_name), diags);
  print_diagnostics(diags);
  if (diags.has_errors()) return kExitInput;
  for (const auto& note : rep.notes) fmt::print(stderr, "{}\n", note);
  const std::string yaml = rcn::hardware_profile_yaml(rep.profile);
  if (output.empty() || output == "-") {
    fmt::print("{}", yaml);
    return 0;
  }
  if (!write_output_file(output, yaml)) return kExitInput;
  fmt::print(stderr, "wrote {} (base profile {})\n", output, base_name);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"rcnsim: discrete-event simulator of regional AI compute networks (large centers, regional nodes, "
               "and the WAN between them)"};
  app.set_version_flag("--version", std::string("rcnsim ") + rcn::kVersion);
  app.require_subcommand(1);
  app.footer(
      "Examples:\n"
      "  rcnsim run                                   run the embedded default scenario\n"
      "  rcnsim run scenarios/tutorial/01-one-cluster.yaml -o out\n"
      "  rcnsim validate my.yaml\n"
      "  rcnsim plan scenarios/plans/center-or-node.yaml -j 2\n"
      "  rcnsim describe scenarios/default.yaml");

  ScenarioArgs run_args, validate_args, describe_args;
  std::string out_dir;
  bool progress = false;

  CLI::App* run = app.add_subcommand("run", "simulate a scenario and write summary.json, jobs.csv, sites.csv");
  add_scenario_options(run, run_args, true);
  run->add_option("-o,--output", out_dir, "results folder (default: the scenario's outputs.dir, else ./results)");
  run->add_flag("--progress", progress, "show progress on stderr even when it is not a terminal");
  run->footer(
      "Examples:\n"
      "  rcnsim run\n"
      "  rcnsim run scenarios/tutorial/02-center-and-nodes.yaml -o out --seed 7\n"
      "  rcnsim run scenarios/default.yaml --set 'workloads.training[0].gpus=512' \\\n"
      "         --set 'workloads.training[0].parallelism.dp=8'");

  CLI::App* validate = app.add_subcommand("validate", "check a scenario, a sweep or a plan (and each of its "
                                                      "points' scenarios); report every problem found");
  add_scenario_options(validate, validate_args, false);
  validate->footer("Examples:\n  rcnsim validate scenarios/default.yaml   (exit status 2 on any error)\n"
                   "  rcnsim validate scenarios/sweeps/failure-scale.yaml   (a sweep: every point checked, none run)\n"
                   "  rcnsim validate scenarios/plans/center-or-node.yaml   (a plan: the file and every point's scenario)");

  CLI::App* describe = app.add_subcommand("describe", "show GPUs, peak PFLOP/s, WAN routes and min-cuts");
  add_scenario_options(describe, describe_args, false);
  describe->footer("Example:\n  rcnsim describe scenarios/tutorial/02-center-and-nodes.yaml");

  ScenarioArgs estimate_args;
  std::string estimate_job;
  bool estimate_json = false;
  CLI::App* estimate = app.add_subcommand("estimate", "step time, its breakdown, memory and time to train per job, "
                                                      "without simulating");
  add_scenario_options(estimate, estimate_args, false);
  estimate->add_option("--job", estimate_job, "only this training job");
  estimate->add_flag("--json", estimate_json, "JSON instead of text");
  bool estimate_search = false;
  int estimate_top = 5;
  estimate->add_flag("--search", estimate_search,
                     "search the parallel layouts (tp, cp, pp, virtual stages, dp, micro-batch, recompute, zero, "
                     "sequence parallelism) and show the fastest");
  estimate->add_option("--top", estimate_top, "layouts --search shows (default 5)")->check(CLI::Range(1, 1000));
  estimate->footer("Examples:\n  rcnsim estimate scenarios/validation/gpt3-175b-1024-a100.yaml\n"
                   "  rcnsim estimate scenarios/default.yaml --job gpt3 --json\n"
                   "  rcnsim estimate scenarios/examples/auto-layout.yaml --search --top 3");

  CLI::App* calibrate = app.add_subcommand("calibrate", "build hardware profiles from measurements");
  calibrate->require_subcommand(1);
  calibrate->footer("Examples:\n  rcnsim calibrate fit ../shared/calibration/nvidia-h200/microbench.json -o my-h200.yaml\n"
                    "  rcnsim calibrate import-nccl-tests all_reduce_perf.txt -o nccl.json\n"
                    "(docs/calibration.md)");
  std::string fit_input, fit_output, fit_base;
  CLI::App* fit = calibrate->add_subcommand("fit", "microbench.json -> hardware profile YAML");
  fit->add_option("microbench", fit_input, "measurements (the schema of shared/calibration/*/microbench.json, "
                                           "as written by rcnsim-calibrate)")->required();
  fit->add_option("-o,--output", fit_output, "profile YAML to write (default: stdout)");
  fit->add_option("--base", fit_base, "built-in profile giving the datasheet figures (default: matched by meta.name)");
  fit->footer("Example:\n  rcnsim calibrate fit ../shared/calibration/nvidia-h200/microbench.json -o my-h200.yaml");

  std::vector<std::string> import_logs;
  std::string import_output, import_op;
  CLI::App* import_nccl =
      calibrate->add_subcommand("import-nccl-tests", "nccl-tests text output -> the nccl section of a microbench JSON");
  import_nccl->add_option("logs", import_logs, "output of all_reduce_perf, all_gather_perf, ... (one run or more each)")
      ->required();
  import_nccl->add_option("-o,--output", import_output, "JSON to write (default: stdout)");
  import_nccl->add_option("--op", import_op, "the collective, when neither the log nor the file name says it");
  import_nccl->footer("Example:\n  rcnsim calibrate import-nccl-tests all_reduce_perf.txt all_gather_perf.txt -o nccl.json\n"
                      "  rcnsim calibrate fit nccl.json --base h100-sxm -o h100-links.yaml");

  CLI::App* trace = app.add_subcommand("trace", "job traces for workloads.training_trace");
  trace->require_subcommand(1);
  trace->footer("Example:\n  rcnsim trace generate --jobs 2000 --rate 80/h --sites center,node-a -o jobs.csv\n"
                "(docs/scheduling.md#job-traces)");
  std::int64_t gen_jobs = 100, gen_max_gpus = 512;
  std::uint64_t gen_seed = 1;
  std::string gen_rate = "6/h", gen_model = "llama3-8b", gen_out, gen_sites;
  CLI::App* generate = trace->add_subcommand("generate", "a synthetic training-job trace (CSV)");
  generate->add_option("--jobs", gen_jobs, "number of jobs")->capture_default_str();
  generate->add_option("--rate", gen_rate, "Poisson arrival rate with its unit: 6/h, 0.5/min, 20/s")
      ->capture_default_str();
  generate->add_option("--max-gpus", gen_max_gpus, "largest job (GPUs, a power of two >= 8)")->capture_default_str();
  generate->add_option("--model", gen_model, "model name for every job (must be in the scenario)")
      ->capture_default_str();
  generate->add_option("--sites", gen_sites, "comma-separated sites that may hold datasets (default: none)");
  generate->add_option("--seed", gen_seed, "random seed, a whole number >= 0")
      ->capture_default_str()
      ->check(NonNegativeWhole);
  generate->add_option("-o,--output", gen_out, "CSV to write (default: stdout)");
  generate->footer("Example:\n  rcnsim trace generate --jobs 2000 --rate 80/h --sites center,node-a -o jobs.csv");

  rcn::SweepOptions sweep_opts;
  CLI::App* sweep = app.add_subcommand("sweep", "run a grid or random sample of scenario variants x seeds; "
                                                "sweep.csv with mean and 95% CI");
  sweep->add_option("sweep", sweep_opts.file, "sweep YAML (base scenario, grid or random, seeds)")->required();
  sweep->add_option("-o,--output", sweep_opts.output, "results folder (default: the sweep file's output)");
  sweep->add_option("-j,--jobs", sweep_opts.jobs, "runs at a time on this machine (0, the default: one per core)");
  sweep->add_flag("--progress", sweep_opts.progress, "progress on stderr even when it is not a terminal");
  sweep->add_option("--allow-paths", sweep_opts.allow_paths,
                    "a folder the base scenario and its file references may reach (repeatable; passed to every run)")
      ->type_name("DIR")
      ->allow_extra_args(false);
  sweep->footer("Examples:\n  rcnsim sweep scenarios/sweeps/failure-scale.yaml -j 2\n"
                "  mpirun -np 64 rcnsim sweep big.yaml        (ranks share the runs; docs/sweeps.md)");

  rcn::PlanOptions plan_opts;
  CLI::App* plan = app.add_subcommand("plan", "capacity planning: simulate every point of a plan's decision "
                                              "variables, rank them under constraints, write the best scenario");
  plan->add_option("plan", plan_opts.file, "plan YAML (base scenario, variables, constraints, objective)")->required();
  plan->add_option("-o,--output", plan_opts.output, "results folder (default: the plan file's output)");
  plan->add_option("-j,--jobs", plan_opts.jobs, "runs at a time (0, the default: one per core)");
  plan->add_flag("--progress", plan_opts.progress, "progress on stderr even when it is not a terminal");
  plan->add_option("--allow-paths", plan_opts.allow_paths,
                   "a folder the base scenario and its file references may reach (repeatable; passed to every run)")
      ->type_name("DIR")
      ->allow_extra_args(false);
  plan->footer("Example:\n  rcnsim plan scenarios/plans/center-or-node.yaml -j 2 -o plan-out\n"
               "  (writes plan-out/plan.csv, pareto.csv, plan.html and best.yaml; docs/planning.md)");

  rcn::CompareOptions compare_opts;
  CLI::App* compare = app.add_subcommand("compare", "several runs' results side by side with deltas against the "
                                                    "first, in one HTML page");
  compare->add_option("runs", compare_opts.inputs, "run folders (rcnsim run -o), or a sweep's or plan's folder")
      ->required();
  compare->add_option("-o,--output", compare_opts.output, "the HTML file to write")->required();
  compare->footer("Examples:\n  rcnsim compare out/fifo out/backfill -o compare.html\n"
                  "  rcnsim compare sweep-out -o sweep.html        (each run of a sweep; docs/results.md)");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? 0 : kExitInput;
  }
  try {
    if (run->parsed()) return cmd_run(run_args, out_dir, progress);
    if (validate->parsed()) return cmd_validate(validate_args);
    if (describe->parsed()) return cmd_describe(describe_args);
    if (estimate->parsed()) return cmd_estimate(estimate_args, estimate_job, estimate_json, estimate_search, estimate_top);
    if (fit->parsed()) return cmd_fit(fit_input, fit_output, fit_base);
    if (import_nccl->parsed()) return cmd_import_nccl(import_logs, import_output, import_op);
    if (sweep->parsed()) return rcn::run_sweep(sweep_opts);
    if (plan->parsed()) return rcn::run_plan(plan_opts);
    if (compare->parsed()) return rcn::run_compare(compare_opts);
    if (generate->parsed()) {
      if (!output_file_ok(gen_out)) return kExitInput;
      std::string why;
      if (gen_rate.find('/') == std::string::npos) {  // "20" would be 20/s: every job submitted within seconds
        fmt::print(stderr, "--rate {}: give the rate with its unit, e.g. {}/h, {}/min or {}/s\n", gen_rate, gen_rate,
                   gen_rate, gen_rate);
        return kExitInput;
      }
      auto rate = rcn::parse_quantity(gen_rate, rcn::Quantity::Rate, &why);
      if (!rate || *rate <= 0) {
        fmt::print(stderr, "--rate {}: {}\n", gen_rate, why.empty() ? "expected a positive rate" : why);
        return kExitInput;
      }
      if (auto why = rcn::check_trace_generate_args(gen_jobs, *rate, gen_max_gpus)) {
        fmt::print(stderr, "rcnsim trace generate: {}\n", *why);
        return kExitInput;
      }
      std::vector<std::string> sites;
      for (std::size_t i = 0; i < gen_sites.size();) {
        const std::size_t c = gen_sites.find(',', i);
        sites.push_back(gen_sites.substr(i, c == std::string::npos ? std::string::npos : c - i));
        i = c == std::string::npos ? gen_sites.size() : c + 1;
      }
      const std::string csv = rcn::generate_job_trace(static_cast<int>(gen_jobs), *rate, static_cast<int>(gen_max_gpus),
                                                      gen_model, sites, gen_seed);
      if (gen_out.empty() || gen_out == "-") fmt::print("{}", csv);
      else if (!write_output_file(gen_out, csv)) return kExitInput;
      return 0;
    }
  } catch (const rcn::InputError& e) {
    print_diagnostics(e.diagnostics);
    return kExitInput;
  } catch (const std::exception& e) {
    fmt::print(stderr, "rcnsim: internal error: {}\n", e.what());
    return kExitInternal;
  }
  return 0;
}
