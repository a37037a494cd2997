#pragma once
// report.html: one self-contained page (inline SVG and CSS, no script, no
// network) with the topology, utilisation per site over time, a job Gantt
// chart with failures, energy, cost and carbon per site, the jobs table and
// the scenario itself. Every chart element carries data-* attributes with the
// numbers it draws, so tests (and users) can read them back.
#include <string>

#include "rcn/engine/results.hpp"
#include "rcn/scenario/scenario.hpp"

namespace rcn {

std::string html_report(const SimulationResult& r, const Scenario& s, const std::string& scenario_text);

}  // namespace rcn
