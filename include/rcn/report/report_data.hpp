#pragma once
// The numbers report.html and compare.html draw: one JSON object per run, read
// by the page's script (src/report/assets/report.js). Built from a
// SimulationResult either in memory after `rcnsim run`, with the scenario
// (topology, SLO targets, job timelines, inference load over time), or read
// back from a results folder by `rcnsim compare`, without it (those parts are
// then absent and their charts omitted). Long series are binned
// (models/time_bins.hpp) and long tables cut to their first and worst rows, so the
// page stays small and fast whatever the run's length.
#include <string>

#include <nlohmann/json.hpp>

#include "rcn/engine/results.hpp"
#include "rcn/scenario/scenario.hpp"

namespace rcn {

// At most this many points per time series on a chart.
inline constexpr std::size_t kReportMaxPoints = 1000;
// Rows of a long table shown in the page (half first, half worst); the CSV has them all.
inline constexpr std::size_t kReportTableRows = 10;
// Jobs drawn in the Gantt chart and the progress chart.
inline constexpr std::size_t kReportGanttJobs = 40;

nlohmann::ordered_json report_run_data(const SimulationResult& r, const Scenario* scenario, const std::string& label);

}  // namespace rcn
