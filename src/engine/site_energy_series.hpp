#pragma once
// Each site's energy, cost and carbon per time bin (site_energy.csv, report.html).
// The run's totals come from each cluster's busy and idle GPU-seconds
// (models/site_energy.hpp, hourly prices in simulation.cpp) and stay the figures
// of record; the bins spread them over time by the site's busy GPUs (training's
// utilisation series plus inference's busy spans), so a site's bins add up to its
// totals and a chart of them shows when the energy went.
#include <vector>

#include "rcn/engine/results.hpp"
#include "src/engine/engine_context.hpp"

namespace rcn {

// Bins of whole minutes or hours that divide or are multiples of an hour (so an
// hourly price holds over a bin, or changes at its edges): the narrowest of
// 1, 5, 15, 30 min, 1, 2, 3, 6, 12 h, 1 day, 1 week giving at most 1,000 bins.
double site_energy_bin_width(double end_s);

// busy: busy GPU-seconds per cluster (training and inference, what the totals
// used). Needs res.sites, res.tco and res.utilisation filled; reads
// ctx.inference_busy.
std::vector<SiteEnergyBin> site_energy_series(const EngineContext& ctx, const std::vector<double>& busy,
                                              const SimulationResult& res);

}  // namespace rcn
