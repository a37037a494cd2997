#pragma once
// Shared by the libFuzzer harnesses (docs/reliability.md). A harness calls
// fail() on anything the project promises never happens (an exception other
// than InputError, a diagnostic of more than one line, a lying result); libFuzzer
// then saves the input as crash-*.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include <unistd.h>

#include "rcn/scenario/diagnostics.hpp"

namespace rcn::fuzz {

[[noreturn]] inline void fail(const std::string& what) {
  std::fprintf(stderr, "rcn fuzz check failed: %s\n", what.c_str());
  std::fflush(stderr);
  std::abort();
}

inline std::string as_text(const std::uint8_t* data, std::size_t size) {
  return std::string(reinterpret_cast<const char*>(data), size);
}

// Every diagnostic is one line ("file:line:col: error: path: message"), whatever the input.
inline void check_diagnostics(const Diagnostics& diags) {
  for (const Diagnostic& d : diags.items()) {
    const std::string line = d.str();
    if (line.find('\n') != std::string::npos || line.find('\r') != std::string::npos)
      fail("diagnostic of more than one line: " + line);
  }
}

// The folder of this process's input files (libFuzzer -jobs/-fork run harnesses in
// several processes). Scenarios that name them load with it as their folder, so the
// loader's file-reference rules (relative to the scenario) accept them.
inline const std::filesystem::path& input_dir() {
  static const std::filesystem::path dir = [] {
    auto d = std::filesystem::temp_directory_path() / ("rcn-fuzz-" + std::to_string(getpid()));
    std::filesystem::create_directories(d);
    return d;
  }();
  return dir;
}

// input_dir()/name holding `text`, rewritten for every input.
inline void write_input_file(const std::string& text, const std::string& name) {
  std::ofstream(input_dir() / name, std::ios::binary | std::ios::trunc) << text;
}

}  // namespace rcn::fuzz
