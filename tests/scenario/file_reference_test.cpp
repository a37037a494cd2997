// Files a scenario names (hardware:, workloads.training_trace, arrivals.trace):
// confined to the scenario's folder unless --allow-paths widens it, regular
// files only, and errors that name the file without quoting it.
#include <catch2/catch.hpp>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>

#include <fstream>

#include "rcn/scenario/file_reference.hpp"
#include "rcn/scenario/loader.hpp"
#include "tests/test_support.hpp"

using namespace rcn;

namespace {

const char* const kBase = test::kOneSiteScenario;

void write(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
}

// Writes `dir`/t.yaml (the base scenario plus `extra`) and loads it.
LoadResult load_in(const std::string& dir, const std::string& extra, const LoadOptions& options = {}) {
  write(dir + "/t.yaml", std::string(kBase) + extra);
  return load_scenario_file(dir + "/t.yaml", options);
}

// The one error line a load gave (fails the test when there is not exactly one).
std::string only_error(const LoadResult& r) {
  std::vector<std::string> errors;
  for (const auto& d : r.diagnostics.items()) {
    UNSCOPED_INFO(d.str());
    if (d.severity == Diagnostic::Severity::Error) errors.push_back(d.str());
  }
  REQUIRE(errors.size() == 1);
  return errors[0];
}

}  // namespace

TEST_CASE("a --set hardware path escaping the scenario's folder is refused without reading it", "[loader][files]") {
  const std::string dir = test::scratch_dir("files-escape");
  LoadOptions o;
  o.overrides = {"hardware=[../../../../etc/passwd]"};
  const LoadResult r = load_in(dir, "", o);
  const std::string e = only_error(r);
  CHECK(e == fmt::format("--set hardware=[../../../../etc/passwd]: error: hardware[0]: \"{}\" is outside the "
                         "scenario's folder ({}); allow it with --allow-paths DIR",
                         (std::filesystem::path(dir) / "../../../../etc/passwd").lexically_normal().string(), dir));
  CHECK(e.find("root:") == std::string::npos);
}

TEST_CASE("an absolute path is refused unless --allow-paths names a folder above it", "[loader][files]") {
  const std::string dir = test::scratch_dir("files-absolute");
  const std::string other = test::scratch_dir("files-absolute-other");
  write(other + "/jobs.csv", "name,submit,gpus,model,duration\nj,0s,8,m,1h\n");
  const std::string extra = "workloads: {training_trace: " + other + "/jobs.csv}\n";
  CHECK(only_error(load_in(dir, extra)) ==
        fmt::format("{}/t.yaml:8:29: error: workloads.training_trace: \"{}/jobs.csv\" is outside the scenario's "
                    "folder ({}); allow it with --allow-paths DIR",
                    dir, other, dir));
  LoadOptions o;
  o.allow_paths = {other};
  const LoadResult r = load_in(dir, extra, o);
  REQUIRE(r.scenario);
  REQUIRE(r.scenario->training.size() == 1);
  CHECK(r.scenario->training[0].gpus == 8);
}

TEST_CASE("a symbolic link inside the folder that leads outside it is refused", "[loader][files]") {
  const std::string dir = test::scratch_dir("files-link");
  const std::string other = test::scratch_dir("files-link-other");
  write(other + "/jobs.csv", "name,submit,gpus,model,duration\nj,0s,8,m,1h\n");
  REQUIRE(::symlink((other + "/jobs.csv").c_str(), (dir + "/jobs.csv").c_str()) == 0);
  const std::string e = only_error(load_in(dir, "workloads: {training_trace: jobs.csv}\n"));
  CHECK(e.find("workloads.training_trace: \"" + dir + "/jobs.csv\" is outside the scenario's folder") !=
        std::string::npos);
}

TEST_CASE("the shipped scenarios' tree counts as their folder: scenarios/regional reaches scenarios/traces",
          "[loader][files]") {
  const LoadResult r = load_scenario_file(test::source_path("scenarios/regional/azure-code-two-regions.yaml"));
  for (const auto& d : r.diagnostics.items()) UNSCOPED_INFO(d.str());
  REQUIRE(r.scenario);
  REQUIRE(r.scenario->inference.size() == 1);
  CHECK(r.scenario->inference[0].arrivals.requests.size() == 8819);
}

TEST_CASE("a FIFO, a device or a folder is refused without blocking or reading it", "[loader][files]") {
  const std::string dir = test::scratch_dir("files-special");
  REQUIRE(::mkfifo((dir + "/fifo.csv").c_str(), 0600) == 0);
  ::mkdir((dir + "/folder.yaml").c_str(), 0700);
  CHECK(only_error(load_in(dir, "workloads: {training_trace: fifo.csv}\n")) ==
        fmt::format("{0}/t.yaml:8:29: error: workloads.training_trace: cannot read \"{0}/fifo.csv\": is a FIFO, "
                    "not a regular file",
                    dir));
  LoadOptions dev;
  dev.overrides = {"hardware=[/dev/zero]"};
  dev.allow_paths = {"/dev"};
  CHECK(only_error(load_in(dir, "", dev)) ==
        "--set hardware=[/dev/zero]: error: hardware[0]: cannot read \"/dev/zero\": is a device, not a regular file");
  CHECK(only_error(load_in(dir, "hardware: [folder.yaml]\n")) ==
        fmt::format("{0}/t.yaml:8:12: error: hardware[0]: cannot read \"{0}/folder.yaml\": is a folder, not a "
                    "regular file",
                    dir));
}

TEST_CASE("a file over the size limit is refused before it is read", "[loader][files]") {
  const std::string dir = test::scratch_dir("files-size");
  write(dir + "/big.csv", std::string(1000, 'x'));
  std::string why;
  CHECK_FALSE(read_regular_file(dir + "/big.csv", 999, why));
  CHECK(why == "is 1000 bytes, more than the limit of 999");
  CHECK(read_regular_file(dir + "/big.csv", 1000, why)->size() == 1000);
}

TEST_CASE("a text file read as a hardware profile is reported without quoting it", "[loader][files]") {
  const std::string dir = test::scratch_dir("files-passwd");
  write(dir + "/passwd", "root:x:0:0:root:/root:/bin/bash\ndaemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\n");
  CHECK(only_error(load_in(dir, "hardware: [passwd]\n")) ==
        dir + "/passwd:1:1: error: expected a hardware profile (a mapping with name, memory, peak_flops, ...), got text");
}

TEST_CASE("empty files are reported at 1:1", "[loader][files]") {
  const std::string dir = test::scratch_dir("files-empty");
  write(dir + "/empty.yaml", "");
  write(dir + "/hw.yaml", "");
  write(dir + "/jobs.csv", "");
  write(dir + "/requests.csv", "");
  CHECK(only_error(load_scenario_file(dir + "/empty.yaml")) ==
        dir + "/empty.yaml:1:1: error: expected a scenario (a mapping with name, sites, workloads, ...), got nothing");
  CHECK(only_error(load_in(dir, "hardware: [hw.yaml]\n")) ==
        dir + "/hw.yaml:1:1: error: expected a hardware profile (a mapping with name, memory, peak_flops, ...), got nothing");
  CHECK(only_error(load_in(dir, "workloads: {training_trace: jobs.csv}\n")) ==
        dir + "/jobs.csv:1:1: error: expected a header line naming the columns, got an empty file");
  CHECK(only_error(load_in(dir, "workloads: {inference: [{name: s, model: m, replicas: {a: 1},\n"
                                "                         arrivals: {trace: requests.csv}}]}\n")) ==
        dir + "/requests.csv:1:1: error: expected a header line naming the columns "
              "TIMESTAMP,ContextTokens,GeneratedTokens, got an empty file");
}

TEST_CASE("a missing trace is reported at the key that names it", "[loader][files]") {
  const std::string dir = test::scratch_dir("files-missing");
  CHECK(only_error(load_in(dir, "workloads: {training_trace: nope.csv}\n")) ==
        fmt::format("{0}/t.yaml:8:29: error: workloads.training_trace: cannot read \"{0}/nope.csv\": not found", dir));
  CHECK(only_error(load_in(dir, "workloads: {inference: [{name: s, model: m, replicas: {a: 1},\n"
                                "                         arrivals: {trace: nope.csv}}]}\n")) ==
        fmt::format("{0}/t.yaml:9:44: error: workloads.inference[0].arrivals.trace: cannot read \"{0}/nope.csv\": "
                    "not found",
                    dir));
}

TEST_CASE("a --set text with a newline is reported on one line", "[loader][files]") {
  LoadOptions o;
  o.overrides = {"sites[0].clusters[0].servers=[1,\n2]"};
  const LoadResult r = load_scenario_text(kBase, "t.yaml", o);
  const std::string e = only_error(r);
  CHECK(e.find('\n') == std::string::npos);
  CHECK(e.rfind("--set sites[0].clusters[0].servers=[1,?2]: error: sites[0].clusters[0].servers: ", 0) == 0);
  o.overrides = {"sites\n[0]=1"};
  CHECK(only_error(load_scenario_text(kBase, "t.yaml", o)) ==
        "--set sites?[0]=1: error: sites?[0]: malformed path (use keys joined by '.', and [index] or a name for "
        "list elements)");
}

TEST_CASE("rcnsim validate takes --allow-paths (repeatable) before or after the scenario", "[loader][files][cli]") {
  const std::string dir = test::scratch_dir("files-cli");
  const std::string other = test::scratch_dir("files-cli-other");
  write(other + "/jobs.csv", "name,submit,gpus,model,duration\nj,0s,8,m,1h\n");
  write(dir + "/t.yaml", std::string(kBase) + "workloads: {training_trace: " + other + "/jobs.csv}\n");
  const auto refused = test::run_command(test::rcnsim_binary() + " validate " + dir + "/t.yaml");
  CHECK(refused.status == 2);
  CHECK(refused.output.find("is outside the scenario's folder") != std::string::npos);
  const auto before = test::run_command(test::rcnsim_binary() + " validate --allow-paths /nonexistent --allow-paths " +
                                        other + " " + dir + "/t.yaml");
  INFO(before.output);
  CHECK(before.status == 0);
  const auto after =
      test::run_command(test::rcnsim_binary() + " validate " + dir + "/t.yaml --allow-paths " + other);
  INFO(after.output);
  CHECK(after.status == 0);
}

TEST_CASE("the scenario file itself may be a pipe, but not a device", "[loader][files][cli]") {
  const std::string dir = test::scratch_dir("files-pipe");
  write(dir + "/t.yaml", kBase);
  const auto piped = test::run_command("cat " + dir + "/t.yaml | " + test::rcnsim_binary() + " validate /dev/stdin");
  INFO(piped.output);
  CHECK(piped.status == 0);
  const auto dev = test::run_command(test::rcnsim_binary() + " validate /dev/zero");
  CHECK(dev.status == 2);
  CHECK(dev.output == "/dev/zero: error: cannot read the scenario file: is a device, not a regular file\n"
                      "1 error found; nothing was run\n");
}
