#pragma once
// compare.html: several runs on one page (report_page.hpp), section by section
// as in report.html, each run's numbers side by side with its deltas against
// the first run, and each run's series overlaid (docs/results.md#compare).
#include <string>
#include <utility>
#include <vector>

#include "rcn/engine/results.hpp"

namespace rcn {

// (label, run) pairs, the first being the base of every delta.
std::string compare_report(const std::vector<std::pair<std::string, SimulationResult>>& runs);

}  // namespace rcn
