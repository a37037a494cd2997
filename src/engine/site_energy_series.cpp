#include "src/engine/site_energy_series.hpp"

#include <algorithm>
#include <cmath>

#include "rcn/models/site_energy.hpp"
#include "rcn/models/time_bins.hpp"

namespace rcn {
namespace {

constexpr double kMaxBins = 1000;

// Scales `parts` so they add up to `total`; parts that add up to nothing take it in proportion to `lengths`.
void scale_to(std::vector<double>& parts, const std::vector<double>& lengths, double total) {
  double sum = 0, length = 0;
  for (double p : parts) sum += p;
  for (double l : lengths) length += l;
  for (std::size_t i = 0; i < parts.size(); ++i)
    parts[i] = sum != 0 ? parts[i] * (total / sum) : length > 0 ? total * lengths[i] / length : 0;
}

}  // namespace

double site_energy_bin_width(double end_s) {
  static const double widths[] = {60, 300, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400, 604800};
  for (double w : widths)
    if (end_s / w <= kMaxBins) return w;
  return 604800 * std::ceil(end_s / (604800 * kMaxBins));  // whole weeks past 19 years
}

std::vector<SiteEnergyBin> site_energy_series(const EngineContext& ctx, const std::vector<double>& busy,
                                              const SimulationResult& res) {
  std::vector<SiteEnergyBin> out;
  const double end = res.simulated_end_s;
  const Scenario& s = ctx.scenario;
  if (!(end > 0) || !std::isfinite(end)) return out;
  const double width = site_energy_bin_width(end);
  // A last bin shorter than a millionth of a bin is rounding, not time: the bin before takes it.
  const auto n = static_cast<std::size_t>(std::max(1.0, std::ceil(end / width - 1e-6)));
  const TimeBins bins{width, n};
  std::vector<double> lengths(n);
  for (std::size_t i = 0; i < n; ++i)
    lengths[i] = (i + 1 == n ? end : width * static_cast<double>(i + 1)) - width * static_cast<double>(i);

  // Busy GPU-seconds per site and bin: training's step function, then inference's spans.
  std::vector<std::vector<double>> busy_bins(s.sites.size(), std::vector<double>(n, 0.0));
  std::vector<std::pair<double, int>> last(s.sites.size(), {0.0, 0});
  for (const UtilisationPoint& u : res.utilisation) {  // in time order
    if (u.site >= s.sites.size()) continue;
    auto& [t, gpus] = last[u.site];
    add_binned_area(busy_bins[u.site], bins, end, t, u.time_s, gpus);
    t = std::max(t, u.time_s), gpus = u.busy_gpus;
  }
  for (std::size_t si = 0; si < s.sites.size(); ++si) add_binned_area(busy_bins[si], bins, end, last[si].first, end, last[si].second);
  for (const InferenceBusySpan& b : ctx.inference_busy)
    if (b.site < s.sites.size()) add_binned_area(busy_bins[b.site], bins, end, b.start, b.end, b.gpus);

  for (std::size_t si = 0; si < s.sites.size() && si < res.sites.size(); ++si) {
    const SiteSpec& site = s.sites[si];
    const SiteResult& sr = res.sites[si];
    // The totals' busy and idle parts, cluster by cluster as the totals were made.
    double busy_s = 0, busy_kwh = 0, idle_kwh = 0;
    for (std::size_t c = 0; c < ctx.clusters.size(); ++c) {
      if (ctx.clusters[c].site != si) continue;
      const ClusterSpec& spec = site.clusters[ctx.clusters[c].cluster];
      const HardwareProfile& hw = *s.find_profile(spec.gpu);
      busy_s += busy[c];
      busy_kwh += cluster_energy(busy[c], 0, hw, site.power).energy_kwh;
      idle_kwh += cluster_energy(0, static_cast<double>(spec.gpus()) * end - busy[c], hw, site.power).energy_kwh;
    }
    const double idle_s = static_cast<double>(sr.gpus) * end - busy_s;
    std::vector<double> b = busy_bins[si];
    scale_to(b, lengths, busy_s);  // the series' busy time is the totals' busy time
    std::vector<double> energy(n), cost(n), carbon(n);
    for (std::size_t i = 0; i < n; ++i) {
      const double idle = static_cast<double>(sr.gpus) * lengths[i] - b[i];
      energy[i] = (busy_s > 0 ? busy_kwh * b[i] / busy_s : 0) + (idle_s > 0 ? idle_kwh * idle / idle_s : 0);
      // Price and carbon hour by hour inside the bin (bins divide hours or hold whole ones).
      const double t0 = width * static_cast<double>(i), t1 = t0 + lengths[i];
      for (double h = t0, next = t1; h < t1; h = next) {
        next = std::min(t1, std::floor(h / 3600 + 1) * 3600);
        if (next <= h) next = std::min(t1, h + 3600);
        const double share = (next - h) / lengths[i];
        cost[i] += energy[i] * share * site.power.price_at(h);
        carbon[i] += energy[i] * share * site.power.carbon_at(h) / 1000;
      }
    }
    // The totals priced inference's busy time as if spread evenly over the hours
    // (simulation.cpp's hourly_cost); the bins follow when it was busy, scaled to the totals.
    scale_to(energy, lengths, sr.energy_kwh);
    scale_to(cost, lengths, sr.cost);
    scale_to(carbon, lengths, sr.carbon_kg);
    const TcoSiteResult* tco = si < res.tco.sites.size() ? &res.tco.sites[si] : nullptr;
    const double fixed = tco ? tco->capex_amortised + tco->staff_maintenance : 0;
    for (std::size_t i = 0; i < n; ++i)  // a bin ends exactly where the next starts, the last one at the end
      out.push_back({si, width * static_cast<double>(i), i + 1 == n ? end : width * static_cast<double>(i + 1), b[i] / 3600,
                     energy[i], cost[i], cost[i] + fixed * lengths[i] / end, carbon[i]});
  }
  return out;
}

}  // namespace rcn
