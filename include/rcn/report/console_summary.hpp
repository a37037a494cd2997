#pragma once
// What `rcnsim run` prints on stdout: a few screens at most, whatever the run's
// size. Long tables show their first and worst rows and name the CSV holding
// every row; sections (jobs, reliability, inference, sites, cost) appear only
// when the run has them. The result files, not this text, are for programs.
#include <string>

#include "rcn/engine/results.hpp"

namespace rcn {

// Tables longer than this many rows are summarised (first and worst rows).
inline constexpr std::size_t kConsoleTableRows = 20;

// `results_dir`, when given, is named in the pointers to the CSV files.
std::string summary_table(const SimulationResult& r, const std::string& results_dir = "");

}  // namespace rcn
