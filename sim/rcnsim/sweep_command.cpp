#include "sweep_command.hpp"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fmt/format.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>
#include <thread>

#include "rcn/report/atomic_file.hpp"
#include "rcn/report/output_dir.hpp"
#include "rcn/scenario/file_reference.hpp"
#include "rcn/scenario/input_limits.hpp"
#include "rcn/sweep/sweep_spec.hpp"
#include "rcn/sweep/sweep_table.hpp"

#ifdef RCN_HAVE_MPI
#include <mpi.h>
#endif

extern char** environ;

namespace rcn {
namespace fs = std::filesystem;

namespace {

std::string self_exe() {
  std::error_code ec;
  const auto p = fs::read_symlink("/proc/self/exe", ec);
  return ec ? std::string("rcnsim") : p.string();
}

std::vector<std::string> run_args(const std::string& exe, const RunBatch& b, const RunTask& t) {
  std::vector<std::string> args{exe, "run", b.base, "--seed", std::to_string(t.seed), "-o", t.dir};
  for (const auto& dir : b.allow_paths) {
    args.push_back("--allow-paths");
    args.push_back(dir);
  }
  for (const auto& [path, value] : t.sets) {
    args.push_back("--set");
    args.push_back(path + "=" + value);
  }
  return args;
}

// The base scenario's text as a hash (FNV-1a), read once per batch.
std::string base_hash(const std::string& base) {
  std::string why;
  const std::string text = read_regular_file(base, limits::kMaxInputFileBytes, why).value_or("");
  std::uint64_t h = 1469598103934665603ull;
  for (unsigned char c : text) h = (h ^ c) * 1099511628211ull;
  return fmt::format("base {:016x}\n", h);
}

// What a run's results depend on: its arguments and the base scenario's hash.
// Written to <dir>.key when the run succeeds; a later sweep reuses the run only
// when its key is the same, so editing the sweep or the scenario reruns what
// changed instead of tabulating stale results.
std::string run_key(const RunBatch& b, const RunTask& t, const std::string& base) {
  std::string key;
  for (const auto& a : run_args("", b, t)) key += a + "\n";
  return key + t.key_extra + base;
}

bool can_resume(const RunTask& t, const std::string& key) {
  if (!read_run_metrics(t.dir)) return false;  // an unreadable summary is rerun, not tabulated
  std::ifstream in(t.dir + ".key", std::ios::binary);
  std::ostringstream stored;
  stored << in.rdbuf();
  return stored.str() == key;
}

// Starts `rcnsim run` for one task with its output in <dir>.log; returns the pid or -1.
pid_t spawn_run(const std::string& exe, const RunBatch& b, const RunTask& t) {
  std::vector<std::string> args = run_args(exe, b, t);
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  const std::string log = t.dir + ".log";
  posix_spawn_file_actions_addopen(&fa, STDOUT_FILENO, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_adddup2(&fa, STDOUT_FILENO, STDERR_FILENO);
  posix_spawn_file_actions_addopen(&fa, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  pid_t pid = -1;
  const int rc = posix_spawn(&pid, exe.c_str(), &fa, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&fa);
  return rc == 0 ? pid : -1;
}

volatile sig_atomic_t g_batch_stop = 0;  // the signal that stops the batch

void on_batch_signal(int sig) {
  if (g_batch_stop == 0) g_batch_stop = sig;
}

// SIGINT and SIGTERM set g_batch_stop while a batch runs (no SA_RESTART: waitpid returns).
class BatchSignals {
 public:
  BatchSignals() {
    struct sigaction sa {};
    sa.sa_handler = on_batch_signal;
    sigemptyset(&sa.sa_mask);
    ::sigaction(SIGINT, &sa, &old_int_);
    ::sigaction(SIGTERM, &sa, &old_term_);
  }
  ~BatchSignals() {
    ::sigaction(SIGINT, &old_int_, nullptr);
    ::sigaction(SIGTERM, &old_term_, nullptr);
  }

 private:
  struct sigaction old_int_ {}, old_term_ {};
};

}  // namespace

int report_interrupted(const char* label, const RunCounts& c, std::size_t total, const std::string& out) {
  fmt::print(stderr, "rcnsim {}: interrupted by {} after {} of {} runs ({} failed); the finished runs are kept in "
                     "{}/runs and the same command resumes from them\n",
             label, c.interrupted_by == SIGINT ? "SIGINT" : "SIGTERM", c.done - c.failed, total, c.failed, out);
  return 128 + c.interrupted_by;
}

std::optional<std::map<std::string, double>> read_run_metrics(const std::string& dir) {
  std::ifstream in(fs::path(dir) / "summary.json", std::ios::binary);
  if (!in) return std::nullopt;
  std::stringstream ss;
  ss << in.rdbuf();
  const nlohmann::json j = nlohmann::json::parse(ss.str(), nullptr, false);
  if (j.is_discarded() || !j.is_object()) return std::nullopt;
  try {
    return run_metrics(j);
  } catch (const nlohmann::json::exception&) {
    return std::nullopt;
  }
}

std::string run_dir(const std::string& out, std::size_t point, std::uint64_t seed) {
  return (fs::path(out) / "runs" / fmt::format("p{}-seed{}", point, seed)).string();
}

RunCounts execute_runs(const RunBatch& b, const std::vector<RunTask>& tasks) {
  std::vector<const RunTask*> mine;
  for (std::size_t k = 0; k < tasks.size(); ++k)
    if (static_cast<int>(k % b.size) == b.rank) mine.push_back(&tasks[k]);
  const int parallel = b.jobs > 0 ? b.jobs : std::max(1u, std::thread::hardware_concurrency());
  const bool show = b.progress || ::isatty(STDERR_FILENO);
  const auto t0 = std::chrono::steady_clock::now();
  const std::string exe = self_exe();
  const std::string base = base_hash(b.base);
  std::map<pid_t, const RunTask*> running;
  std::size_t next = 0;
  RunCounts c;
  auto report = [&] {
    if (!show || std::chrono::steady_clock::now() - t0 < std::chrono::seconds(1)) return;
    fmt::print(stderr, "\r{}{}: {} of {} runs done ({} resumed, {} failed)   ", b.label,
               b.size > 1 ? fmt::format(" rank {}", b.rank) : "", c.done, mine.size(), c.resumed, c.failed);
  };
  g_batch_stop = 0;
  BatchSignals signals;
  bool forwarded = false;
  while (next < mine.size() || !running.empty()) {
    if (g_batch_stop != 0 && !forwarded) {  // stop: no new run; the ones in flight end (and clean up)
      for (const auto& [pid, task] : running) ::kill(pid, g_batch_stop);
      forwarded = true;
      next = mine.size();
    }
    while (g_batch_stop == 0 && next < mine.size() && static_cast<int>(running.size()) < parallel) {
      const RunTask& t = *mine[next++];
      if (can_resume(t, run_key(b, t, base))) {  // finished by an earlier sweep, with the same inputs
        ++c.done, ++c.resumed;
        continue;
      }
      fs::remove(t.dir + ".key");
      const pid_t pid = spawn_run(exe, b, t);
      if (pid < 0) {
        fmt::print(stderr, "rcnsim {}: cannot start {}\n", b.label, exe);
        ++c.done, ++c.failed;
        continue;
      }
      running[pid] = &t;
    }
    if (running.empty()) continue;
    int status = 0;
    const pid_t pid = ::waitpid(-1, &status, 0);
    auto it = running.find(pid);
    if (it == running.end()) continue;  // EINTR (a signal), or not ours
    if (g_batch_stop != 0 && (!WIFEXITED(status) || WEXITSTATUS(status) != 0)) {
      running.erase(it);  // stopped by us: neither done nor failed
      continue;
    }
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
      ++c.failed;
      fmt::print(stderr, "\nrcnsim {}: run {} failed (see {}.log)\n", b.label, it->second->dir, it->second->dir);
    } else {
      std::ofstream(it->second->dir + ".key", std::ios::binary) << run_key(b, *it->second, base);
    }
    ++c.done;
    running.erase(it);
    report();
  }
  if (show && std::chrono::steady_clock::now() - t0 >= std::chrono::seconds(1)) fmt::print(stderr, "\n");
  c.interrupted_by = g_batch_stop;
  return c;
}

int run_sweep(const SweepOptions& o) {
  int rank = 0, size = 1;
#ifdef RCN_HAVE_MPI
  MPI_Init(nullptr, nullptr);
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
#endif
  auto finish = [&](int code) {
#ifdef RCN_HAVE_MPI
    MPI_Finalize();
#endif
    return code;
  };
  if (o.jobs < 0) {
    if (rank == 0) fmt::print(stderr, "rcnsim sweep: -j {}: expected 0 (one run per core) or more\n", o.jobs);
    return finish(2);
  }
  Diagnostics diags;
  const SweepSpec spec = load_sweep_file(o.file, diags, o.allow_paths);
  // Like a scenario's outputs.dir, a sweep file may not choose to write outside
  // its own folder or the working directory; -o on the command line may.
  if (!diags.has_errors() && o.output.empty() && !output_allowed_from_file(spec.output, o.file))
    diags.error(spec.output_loc, "output",
                "\"" + quote_input(spec.output) +
                    "\" is outside the sweep file's folder and the working directory; give it with -o to write there");
  if (rank == 0)
    for (const auto& line : diags.lines()) fmt::print(stderr, "{}\n", line);
  if (diags.has_errors()) return finish(2);

  const std::string out = o.output.empty() ? spec.output : o.output;
  // Never into a folder rcnsim did not make: sweep.csv would replace a user's file.
  int prepared = 1;
  if (rank == 0) try {
      prepare_collection_dir(out, "sweep");
    } catch (const OutputDirRefused& e) {
      fmt::print(stderr, "rcnsim sweep: {}\n", e.message);
      prepared = 0;
    }
#ifdef RCN_HAVE_MPI
  MPI_Bcast(&prepared, 1, MPI_INT, 0, MPI_COMM_WORLD);
#endif
  if (!prepared) return finish(2);
  std::error_code ec;
  fs::create_directories(fs::path(out) / "runs", ec);
  if (ec) {
    if (rank == 0) fmt::print(stderr, "rcnsim sweep: cannot create {}/runs: {}\n", out, ec.message());
    return finish(2);
  }
  std::vector<RunTask> all;
  std::vector<std::size_t> point_of;  // all[k] runs point point_of[k]
  for (std::size_t p = 0; p < spec.points.size(); ++p)
    for (auto seed : spec.seeds) {
      const std::string& variant = spec.points[p].variant;
      all.push_back({spec.points[p].sets, seed, run_dir(out, p, seed), variant.empty() ? "" : "variant " + variant + "\n"});
      point_of.push_back(p);
    }
  RunBatch batch{spec.base, spec.allow_paths, o.jobs, o.progress, "sweep", rank, size};
  const RunCounts counts = execute_runs(batch, all);
  if (counts.interrupted_by != 0) return finish(report_interrupted("sweep", counts, all.size(), out));
  std::size_t failed = counts.failed, skipped = counts.resumed;
#ifdef RCN_HAVE_MPI
  int local = static_cast<int>(failed), total = 0;
  MPI_Reduce(&local, &total, 1, MPI_INT, MPI_SUM, 0, MPI_COMM_WORLD);
  failed = static_cast<std::size_t>(total);
#endif
  if (rank != 0) return finish(failed ? 1 : 0);

  // Rank 0 gathers every run's summary.json (a shared file system under MPI).
  std::vector<std::vector<std::map<std::string, double>>> runs(spec.points.size());
  for (std::size_t k = 0; k < all.size(); ++k) {
    const RunTask& t = all[k];
    if (auto m = read_run_metrics(t.dir)) {
      runs[point_of[k]].push_back(std::move(*m));
    } else if (fs::exists(fs::path(t.dir) / "summary.json")) {
      fmt::print(stderr, "rcnsim sweep: {}/summary.json is not a readable summary; left out of the table\n", t.dir);
      ++failed;
    }
  }
  const std::string csv = (fs::path(out) / "sweep.csv").string();
  try {
    write_file_atomically(csv, sweep_csv(spec, runs));
  } catch (const OutputPathError& e) {
    fmt::print(stderr, "rcnsim sweep: {}\n", e.message);
    return finish(2);
  }
  // One table on stdout: the varied values and a few headline metrics (means over seeds).
  std::string head;  // full parameter paths: two never look alike
  const std::vector<std::string> columns = parameter_columns(spec);
  std::vector<std::size_t> width;
  for (const auto& c : columns) width.push_back(std::max<std::size_t>(22, c.size()));
  for (std::size_t k = 0; k < columns.size(); ++k) head += fmt::format("{:<{}} ", columns[k], width[k]);
  fmt::print("{}{:>4} {:>10} {:>12} {:>9} {:>9} {:>9} {:>14} {:>12}\n", head, "n", "finished", "wait h", "goodput",
             "util", "SLO min", "TCO", "CO2e t");
  for (std::size_t i = 0; i < spec.points.size(); ++i) {
    std::string row;
    const std::vector<std::string> cells = parameter_cells(spec, spec.points[i]);
    for (std::size_t k = 0; k < cells.size(); ++k) row += fmt::format("{:<{}} ", cells[k], width[k]);
    auto mean = [&](const char* m) {  // over the runs that report the metric (TCO: every run of this build)
      std::vector<double> xs;
      for (const auto& run : runs[i])
        if (auto it = run.find(m); it != run.end()) xs.push_back(it->second);
      return mean_ci(xs).mean;
    };
    fmt::print("{}{:>4} {:>10.1f} {:>12.2f} {:>9.3f} {:>8.1f}% {:>9.3f} {:>14.0f} {:>12.1f}\n", row, runs[i].size(),
               mean("jobs_finished"), mean("mean_queue_wait_s") / 3600, mean("mean_goodput"),
               100 * mean("utilisation"), mean("slo_attainment_min"), mean("tco_total"), mean("carbon_kg") / 1000);
  }
  fmt::print("{} points x {} seeds = {} runs ({} resumed, {} failed, {} rank{}); table in {}\n", spec.points.size(),
             spec.seeds.size(), all.size(), skipped, failed, size, size == 1 ? "" : "s", csv);
  return finish(failed ? 1 : 0);
}

}  // namespace rcn
