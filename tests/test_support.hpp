#pragma once
// Helpers shared by the tests: paths into the source and build trees, and a
// way to run the rcnsim binary and capture what it prints.
#include <array>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>

namespace rcn::test {

// One site of 4 H100 servers and one small model, for tests that add a few keys to it.
inline const char* const kOneSiteScenario = R"(name: t
sites:
  - name: a
    clusters:
      - {name: main, gpu: h100-sxm, servers: 4}
models:
  m: {layers: 4, hidden: 512, heads: 8, vocab: 1000, seq: 128}
)";

inline std::string source_path(const std::string& rel) { return std::string(RCN_SOURCE_DIR) + "/" + rel; }
inline std::string rcnsim_binary() { return std::string(RCN_BINARY_DIR) + "/rcnsim"; }

inline std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

struct CommandResult {
  int status = -1;
  std::string output;  // stdout and stderr together
};

inline CommandResult run_command(const std::string& cmd) {
  CommandResult r;
  FILE* pipe = ::popen((cmd + " 2>&1").c_str(), "r");
  if (!pipe) return r;
  std::array<char, 4096> buf{};
  std::size_t n;
  while ((n = std::fread(buf.data(), 1, buf.size(), pipe)) > 0) r.output.append(buf.data(), n);
  const int raw = ::pclose(pipe);
  r.status = WIFEXITED(raw) ? WEXITSTATUS(raw) : -1;
  return r;
}

// A fresh empty folder under the build tree for one test.
inline std::string scratch_dir(const std::string& name) {
  const std::string dir = std::string(RCN_BINARY_DIR) + "/test-scratch/" + name;
  run_command("rm -rf '" + dir + "' && mkdir -p '" + dir + "'");
  return dir;
}

}  // namespace rcn::test
