#pragma once
// `rcnsim compare` reads runs back from the folders `rcnsim run` wrote:
// summary.json, and utilisation.csv, failures.csv and latency_cdf.csv when
// present. Such folders are untrusted input (copied around, edited, or not
// rcnsim's at all): every file is bounded in size and rows, every number must
// be finite and within bounds, and a problem is one line naming the folder,
// the file and the line or field, never the file's contents.
#include <string>
#include <vector>

#include "rcn/engine/results.hpp"

namespace rcn {

struct ResultFolderError {
  std::string message;
};

// Bounds on what a results folder may hold.
inline constexpr std::uint64_t kMaxResultFileBytes = 512ull << 20;  // one file
inline constexpr std::size_t kMaxResultRows = 5'000'000;            // rows of one CSV
inline constexpr std::size_t kMaxCompareRuns = 64;                  // runs on one comparison page

// The run as far as its files tell (no timelines, no inference load, no
// scenario). Throws ResultFolderError.
SimulationResult read_result_folder(const std::string& dir);

// The run folders one `compare` argument names: the folder itself when it
// holds summary.json, else each <dir>/runs/* with a summary.json (a sweep's
// or a plan's folder), in name order. Throws ResultFolderError when neither.
std::vector<std::string> expand_run_folders(const std::string& arg);

}  // namespace rcn
