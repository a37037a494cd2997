#pragma once
// The files one run leaves in its results folder, chosen and written in one
// place so that `rcnsim run` and the Python module (sim/python) write the same
// set, byte for byte.
#include <string>

#include "rcn/engine/results.hpp"
#include "rcn/report/output_dir.hpp"
#include "rcn/scenario/scenario.hpp"

namespace rcn {

// Writes summary.json, jobs.csv, sites.csv, failures.csv, utilisation.csv, wan.csv
// (with WAN links), inference.csv and latency_cdf.csv (with services), trace.json and
// report.html (when the scenario's outputs ask; the report embeds `scenario_text`) and
// run_info.json into `out`, uncommitted.
void write_run_outputs(OutputDir& out, const SimulationResult& result, const Scenario& scenario,
                       const std::string& scenario_text, double wall_time_s, const std::string& scenario_source);

}  // namespace rcn
