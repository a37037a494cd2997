#pragma once
// The run's total cost of ownership, from what it recorded: each cluster's capex and
// staff and maintenance over the simulated period (models/tco.hpp), each site's power
// bill (SiteResult::cost), the WAN leases, and the cost of each job and service at its
// cluster's all-in GPU-hour rate. No SimGrid: it reads the results only.
#include "rcn/engine/results.hpp"
#include "rcn/scenario/scenario.hpp"

namespace rcn {

// Fills res.tco, and the cost of each job and service. Needs res.simulated_end_s,
// res.sites (power cost), each job's site, cluster, gpu_hours, tokens and progress,
// and each service's gpu_seconds_by_cluster and tokens_served.
void account_costs(const Scenario& s, SimulationResult& res);

}  // namespace rcn
