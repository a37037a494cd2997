#pragma once
// The run's result files as text: summary.json, jobs.csv, sites.csv (all
// deterministic for a given scenario and seed) and run_info.json (wall-clock
// facts that differ between runs). Field meanings: docs/results.md.
#include <string>

#include "rcn/engine/results.hpp"
#include "rcn/report/console_summary.hpp"  // summary_table, the console's text

namespace rcn {

std::string summary_json(const SimulationResult& r);
std::string jobs_csv(const SimulationResult& r);
std::string sites_csv(const SimulationResult& r);
std::string failures_csv(const SimulationResult& r);  // one row per failure event
std::string cross_site_csv(const SimulationResult& r);  // one row per site of each job across sites
std::string inference_csv(const SimulationResult& r);  // one row per (service, region)
std::string wan_csv(const SimulationResult& r);        // one row per WAN link: bytes moved, peak utilisation
// One row per site and time bin: busy GPU-hours, energy, power cost, cost of
// ownership and carbon; each site's rows add up to its totals in sites.csv.
std::string site_energy_csv(const SimulationResult& r);
std::string tenants_csv(const SimulationResult& r);  // one row per tenant: the per-tenant SLO report
std::string training_preemptions_csv(const SimulationResult& r);  // one row per training job a replica preempted
std::string latency_cdf_csv(const SimulationResult& r);  // TTFT, TPOT and end-to-end quantiles 1%..99%
std::string run_info_json(const SimulationResult& r, double wall_time_s, const std::string& scenario_source);

}  // namespace rcn
