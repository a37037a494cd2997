#pragma once
// `rcnsim compare RUN_DIR... -o compare.html`: the runs' report sections side
// by side, with deltas against the first (docs/results.md#compare). A sweep's
// or a plan's folder stands for each of its runs. The run folders are
// untrusted input (rcn/report/result_folder.hpp); the page is written
// atomically, and an existing file is replaced only when rcnsim wrote it.
#include <string>
#include <vector>

namespace rcn {

struct CompareOptions {
  std::vector<std::string> inputs;  // run folders, sweep or plan folders
  std::string output;               // the HTML file to write
};

// Exit status: 0, or 2 with one line on stderr for any bad input or output.
int run_compare(const CompareOptions& options);

}  // namespace rcn
