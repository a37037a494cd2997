#include "compare_command.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>

#include "rcn/report/atomic_file.hpp"
#include "rcn/report/compare_report.hpp"
#include "rcn/report/report_page.hpp"
#include "rcn/report/result_folder.hpp"

namespace rcn {
namespace fs = std::filesystem;

namespace {

constexpr int kExitInput = 2;

// The output may replace only a page rcnsim wrote (its generator tag near the
// top), never a user's file, a folder or a symbolic link.
std::optional<std::string> output_refusal(const std::string& path) {
  std::error_code ec;
  const auto st = fs::symlink_status(path, ec);
  if (!fs::exists(st)) return std::nullopt;
  if (fs::is_directory(st)) return path + " is a folder; -o names the HTML file to write (e.g. " + path + "/compare.html)";
  if (fs::is_symlink(st)) return path + " is a symbolic link; rcnsim does not write through one";
  if (!fs::is_regular_file(st)) return path + " is not a regular file";
  std::ifstream in(path, std::ios::binary);
  std::string head(512, '\0');
  in.read(head.data(), static_cast<std::streamsize>(head.size()));
  head.resize(static_cast<std::size_t>(std::max<std::streamsize>(in.gcount(), 0)));
  if (head.find(kReportGenerator) == std::string::npos)
    return path + " exists and is not a page rcnsim wrote; remove it or choose another name";
  return std::nullopt;
}

std::string label_of(const std::string& dir) {
  std::string s = dir;
  while (s.size() > 1 && s.back() == '/') s.pop_back();
  const std::string name = fs::path(s).filename().string();
  return name.empty() ? s : name;
}

}  // namespace

int run_compare(const CompareOptions& o) {
  if (auto why = output_refusal(o.output)) {
    fmt::print(stderr, "rcnsim compare: {}\n", *why);
    return kExitInput;
  }
  try {
    check_output_file(o.output);
  } catch (const OutputPathError& e) {
    fmt::print(stderr, "rcnsim compare: {}\n", e.message);
    return kExitInput;
  }
  std::vector<std::pair<std::string, SimulationResult>> runs;
  std::map<std::string, int> seen;
  try {
    std::vector<std::string> dirs;
    for (const std::string& in : o.inputs)
      for (std::string& d : expand_run_folders(in)) dirs.push_back(std::move(d));
    if (dirs.size() < 2) {
      fmt::print(stderr, "rcnsim compare: needs at least two runs, got {}\n", dirs.size());
      return kExitInput;
    }
    if (dirs.size() > kMaxCompareRuns) {
      fmt::print(stderr, "rcnsim compare: at most {} runs on one page, got more\n", kMaxCompareRuns);
      return kExitInput;
    }
    for (const std::string& d : dirs) {
      std::string label = label_of(d);
      if (const int n = ++seen[label]; n > 1) label += fmt::format(" ({})", n);  // two folders of the same name
      runs.emplace_back(label, read_result_folder(d));
    }
  } catch (const ResultFolderError& e) {
    fmt::print(stderr, "rcnsim compare: {}\n", e.message);
    return kExitInput;
  }
  try {
    write_file_atomically(o.output, compare_report(runs));
  } catch (const OutputPathError& e) {
    fmt::print(stderr, "rcnsim compare: {}\n", e.message);
    return kExitInput;
  }
  fmt::print("compared {} runs in {}\n", runs.size(), o.output);
  return 0;
}

}  // namespace rcn
