// Issue #10 (hardening), output side: rcnsim only replaces what it can prove
// it wrote (.rcnsim-output marker), checks the target before simulating,
// cleans temporary folders on every exit path, and -o FILE is written whole
// into an existing folder or refused with exit status 2.
#include <catch2/catch.hpp>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include "tests/test_support.hpp"

using namespace rcn::test;
namespace fs = std::filesystem;

namespace {

const std::string kTiny = "--set horizon=1h";  // the embedded default scenario, cut short

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

// Entries of `dir` whose name starts with `prefix` (temporary folders left behind).
int count_prefixed(const std::string& dir, const std::string& prefix) {
  int n = 0;
  for (const auto& e : fs::directory_iterator(dir)) n += e.path().filename().string().rfind(prefix, 0) == 0;
  return n;
}

void touch(const std::string& path, const std::string& text = "x") { std::ofstream(path, std::ios::binary) << text; }

}  // namespace

TEST_CASE("output: -o onto a folder with summary.json and other files is refused, nothing deleted", "[cli][output][hardening]") {
  // Reproducer: mkdir p && touch p/summary.json p/notes.txt && rcnsim run s.yaml -o p removed notes.txt.
  const std::string dir = scratch_dir("out-summary-notes");
  fs::create_directories(dir + "/p");
  touch(dir + "/p/summary.json", "{}");
  touch(dir + "/p/notes.txt", "mine");
  auto r = run_command(rcnsim_binary() + " run " + kTiny + " -o " + dir + "/p");
  INFO(r.output);
  CHECK(r.status == 2);
  CHECK(contains(r.output, "rcnsim: refusing to write results to " + dir + "/p: it has no valid .rcnsim-output marker"));
  CHECK(contains(r.output, "delete it by hand"));
  CHECK(read_text(dir + "/p/notes.txt") == "mine");
  CHECK(read_text(dir + "/p/summary.json") == "{}");
  CHECK_FALSE(contains(r.output, "results in"));  // refused before simulating
  CHECK(count_prefixed(dir, "p.") == 0);
}

TEST_CASE("output: a results folder rcnsim wrote is replaced, one with a file added by hand is not", "[cli][output][hardening]") {
  const std::string dir = scratch_dir("out-marker");
  const std::string out = dir + "/out";
  auto r = run_command(rcnsim_binary() + " run " + kTiny + " -o " + out);
  REQUIRE(r.status == 0);
  const std::string marker = read_text(out + "/.rcnsim-output");
  CHECK(contains(marker, "\"format\": \"rcnsim-output\""));
  CHECK(contains(marker, "\"version\": 1"));
  CHECK(contains(marker, "\"summary.json\""));
  CHECK(contains(marker, "\"run_info.json\""));
  r = run_command(rcnsim_binary() + " run " + kTiny + " --seed 5 -o " + out);  // a second run replaces the first
  REQUIRE(r.status == 0);
  CHECK(contains(read_text(out + "/summary.json"), "\"seed\": 5"));
  touch(out + "/notes.txt", "mine");
  r = run_command(rcnsim_binary() + " run " + kTiny + " -o " + out);
  CHECK(r.status == 2);
  CHECK(contains(r.output, "it holds notes.txt, which rcnsim did not write"));
  CHECK(read_text(out + "/notes.txt") == "mine");
  CHECK(fs::exists(out + "/summary.json"));
  CHECK(count_prefixed(dir, "out.") == 0);
}

TEST_CASE("output: outputs.dir outside the scenario's folder and the working directory needs -o", "[cli][output][hardening]") {
  const std::string dir = scratch_dir("out-dir-up");
  const std::string yaml = source_path("tests/data/hardening/outputs-dir-up.yaml");  // outputs: {dir: ../..}
  auto r = run_command("cd " + dir + " && " + rcnsim_binary() + " run " + yaml);
  INFO(r.output);
  CHECK(r.status == 2);
  CHECK(contains(r.output, yaml + ":8:10: error: outputs.dir: \"../..\" is outside the scenario's folder and the "
                                  "working directory; give it with -o to write there"));
  r = run_command("cd " + dir + " && " + rcnsim_binary() + " run " + yaml + " -o " + dir + "/given");
  CHECK(r.status == 0);
  CHECK(fs::exists(dir + "/given/summary.json"));
  // Inside the working directory: allowed.
  r = run_command("cd " + dir + " && " + rcnsim_binary() + " run " + yaml + " --set outputs.dir=sub/res");
  CHECK(r.status == 0);
  CHECK(fs::exists(dir + "/sub/res/summary.json"));
}

TEST_CASE("output: -o to a symbolic link, dangling or not, is refused before simulating", "[cli][output][hardening]") {
  // Before: a dangling link simulated fully, then "internal error: cannot rename".
  const std::string dir = scratch_dir("out-symlink");
  fs::create_symlink(dir + "/missing", dir + "/link");
  auto r = run_command(rcnsim_binary() + " run " + kTiny + " -o " + dir + "/link");
  CHECK(r.status == 2);
  CHECK(contains(r.output, "refusing to write results to " + dir + "/link: it is a symbolic link to nothing"));
  CHECK(fs::is_symlink(fs::symlink_status(dir + "/link")));
  CHECK_FALSE(fs::exists(dir + "/missing"));
  CHECK(count_prefixed(dir, "link.") == 0);
}

TEST_CASE("output: an unwritable target is an input error before simulating, not an internal error", "[cli][output][hardening]") {
  // Tests run as root, for whom chmod does not stop writes: /proc stands in for
  // a folder that cannot be written (nothing can be created in it).
  auto r = run_command(rcnsim_binary() + " run " + kTiny + " -o /proc/rcnsim-hardening-test/out");
  INFO(r.output);
  CHECK(r.status == 2);
  CHECK(contains(r.output, "rcnsim: cannot write results to /proc/rcnsim-hardening-test/out: cannot create"));
  CHECK_FALSE(contains(r.output, "internal error"));
  if (::geteuid() != 0) {
    const std::string dir = scratch_dir("out-readonly");
    fs::create_directories(dir + "/ro");
    fs::permissions(dir + "/ro", fs::perms::owner_read | fs::perms::owner_exec);
    r = run_command(rcnsim_binary() + " run " + kTiny + " -o " + dir + "/ro/out");
    fs::permissions(dir + "/ro", fs::perms::owner_all);
    CHECK(r.status == 2);
    CHECK(contains(r.output, "is not writable"));
  } else {
    WARN("running as root: the chmod read-only case is skipped (root writes through chmod)");
  }
}

TEST_CASE("output: stale temporary folders of dead runs are removed when rcnsim wrote them, and only then", "[cli][output][hardening]") {
  const std::string dir = scratch_dir("out-stale");
  // pid 999999999 cannot be alive (pid_max is at most 4194304).
  const std::string ours = dir + "/out.tmp-999999999", other = dir + "/out.tmp-999999998";
  fs::create_directories(ours);
  touch(ours + "/.rcnsim-output", R"({"format": "rcnsim-output", "version": 1, "files": ["summary.json", "jobs.csv"]})");
  touch(ours + "/summary.json", "{");
  fs::create_directories(other);
  touch(other + "/notes.txt", "mine");  // no marker: not provably rcnsim's
  auto r = run_command(rcnsim_binary() + " run " + kTiny + " -o " + dir + "/out");
  REQUIRE(r.status == 0);
  CHECK_FALSE(fs::exists(ours));
  CHECK(read_text(other + "/notes.txt") == "mine");
  CHECK(fs::exists(dir + "/out/summary.json"));
}

TEST_CASE("output: SIGTERM during a run removes the temporary folder and writes nothing", "[cli][output][hardening]") {
  // The run stops at its next step, cleans up and exits 143 (128 + SIGTERM); a
  // SIGTERM before the simulation starts still ends it by the signal itself.
  const std::string dir = scratch_dir("out-sigterm");
  const pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    // A run of minutes: the center-plus-four-nodes scenario over a year.
    const std::string exe = rcnsim_binary(), yaml = source_path("scenarios/regional/center-plus-four-nodes.yaml"),
                      out = dir + "/out";
    std::freopen("/dev/null", "w", stdout);
    std::freopen("/dev/null", "w", stderr);
    ::execl(exe.c_str(), exe.c_str(), "run", yaml.c_str(), "--set", "horizon=365d", "-o", out.c_str(), nullptr);
    ::_exit(127);
  }
  const std::string tmp = dir + "/out.tmp-" + std::to_string(pid);
  const auto t0 = std::chrono::steady_clock::now();
  while (!fs::exists(tmp) && std::chrono::steady_clock::now() - t0 < std::chrono::seconds(60))
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  const bool started = fs::exists(tmp);
  if (!started) {  // do not leave a long run behind
    ::kill(pid, SIGKILL);
    ::waitpid(pid, nullptr, 0);
  }
  REQUIRE(started);
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  ::kill(pid, SIGTERM);
  int status = 0;
  ::waitpid(pid, &status, 0);
  CHECK(((WIFEXITED(status) && WEXITSTATUS(status) == 128 + SIGTERM) ||
         (WIFSIGNALED(status) && WTERMSIG(status) == SIGTERM)));
  CHECK_FALSE(fs::exists(tmp));
  CHECK_FALSE(fs::exists(dir + "/out"));
}

TEST_CASE("output: -o FILE into a missing folder is an input error and writes nothing", "[cli][output][hardening]") {
  // Before: `trace generate -o /nonexistent/x.csv` exited 0 having written nothing.
  auto r = run_command(rcnsim_binary() + " trace generate --jobs 3 -o /nonexistent/x.csv");
  CHECK(r.status == 2);
  CHECK(contains(r.output, "rcnsim: cannot write /nonexistent/x.csv: no folder /nonexistent"));
  const std::string dir = scratch_dir("out-files");
  r = run_command(rcnsim_binary() + " trace generate --jobs 3 -o " + dir);
  CHECK(r.status == 2);
  CHECK(contains(r.output, "rcnsim: cannot write " + dir + ": it is a folder"));
  r = run_command(rcnsim_binary() + " trace generate --jobs 3 -o " + dir + "/jobs.csv");
  CHECK(r.status == 0);
  CHECK(contains(read_text(dir + "/jobs.csv"), "\n"));

  const std::string log = source_path("tests/data/nccl-tests/all_reduce_perf_8gpu.txt");
  r = run_command(rcnsim_binary() + " calibrate import-nccl-tests " + log + " -o /nonexistent/nccl.json");
  CHECK(r.status == 2);
  CHECK(contains(r.output, "rcnsim: cannot write /nonexistent/nccl.json: no folder /nonexistent"));
  r = run_command(rcnsim_binary() + " calibrate import-nccl-tests " + log + " -o " + dir + "/nccl.json");
  INFO(r.output);
  REQUIRE(r.status == 0);
  r = run_command(rcnsim_binary() + " calibrate fit " + dir + "/nccl.json --base h100-sxm -o /nonexistent/p.yaml");
  CHECK(r.status == 2);
  CHECK(contains(r.output, "rcnsim: cannot write /nonexistent/p.yaml: no folder /nonexistent"));
  r = run_command(rcnsim_binary() + " calibrate fit " + dir + "/nccl.json --base h100-sxm -o " + dir + "/p.yaml");
  CHECK(r.status == 0);
  CHECK(fs::exists(dir + "/p.yaml"));
  int leftovers = 0;
  for (const auto& e : fs::directory_iterator(dir)) leftovers += contains(e.path().filename().string(), ".tmp");
  CHECK(leftovers == 0);
}
