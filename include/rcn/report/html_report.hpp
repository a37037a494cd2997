#pragma once
// report.html: one self-contained page (report_page.hpp: data as JSON, Chart.js
// and the page's script inlined, nothing fetched) with a section per concern
// the run has: overview, topology, utilisation, training jobs, reliability,
// inference, energy, cost and carbon, WAN, and the scenario text itself
// (docs/results.md#reporthtml).
#include <string>

#include "rcn/engine/results.hpp"
#include "rcn/scenario/scenario.hpp"

namespace rcn {

std::string html_report(const SimulationResult& r, const Scenario& s, const std::string& scenario_text);

}  // namespace rcn
