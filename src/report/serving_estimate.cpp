#include "rcn/report/serving_estimate.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "rcn/models/site_energy.hpp"
#include "rcn/models/tco.hpp"
#include "rcn/scenario/units.hpp"

namespace rcn {

std::vector<ServingEstimate> estimate_serving(const Scenario& s) {
  std::vector<ServingEstimate> out;
  for (const InferenceServiceSpec& sv : s.inference) {
    ServingEstimate e;
    e.service = sv.name;
    e.autoscaled = !sv.autoscale.max.empty();
    e.period_s = s.horizon;
    if (sv.arrivals.kind == "trace" && !sv.arrivals.requests.empty())
      e.period_s = std::min(s.horizon, sv.arrivals.requests.back().at);
    for (const auto& placed : sv.replicas) {
      const auto& site_name = placed.first;  // not a structured binding: C++17 lambdas cannot capture those
      const auto n = placed.second;
      const auto site = static_cast<std::size_t>(
          std::find_if(s.sites.begin(), s.sites.end(), [&](const SiteSpec& x) { return x.name == site_name; }) - s.sites.begin());
      if (site == s.sites.size()) continue;
      // The replica's server: the site's first cluster whose servers hold its GPUs, as `run` takes them.
      const auto& clusters = s.sites[site].clusters;
      const auto c = static_cast<std::size_t>(std::find_if(clusters.begin(), clusters.end(), [&](const ClusterSpec& x) {
                                                return sv.servers_per_replica(x.gpus_per_server) > 0;
                                              }) - clusters.begin());
      if (c == clusters.size()) continue;
      const double gpu_s = static_cast<double>(n) * sv.gpus_per_replica * e.period_s;
      e.replicas += n;
      e.replica_hours += n * e.period_s / 3600;
      e.gpu_hours += gpu_s / 3600;
      e.cost += gpu_s / 3600 * cluster_cost(cluster_prices(s, site, c), e.period_s).gpu_hour_rate;
      const HardwareProfile& hw = *s.find_profile(clusters[c].gpu);
      e.energy_idle_kwh += cluster_energy(0, gpu_s, hw, s.sites[site].power).energy_kwh;
      e.energy_busy_kwh += cluster_energy(gpu_s, 0, hw, s.sites[site].power).energy_kwh;
    }
    out.push_back(e);
  }
  return out;
}

std::string serving_estimate_table(const Scenario& s) {
  const auto estimates = estimate_serving(s);
  if (estimates.empty()) return "";
  std::string out = fmt::format("{:<16} {:>9} {:>10} {:>14} {:>10} {:>12} {:>22}\n", "service", "replicas", "held for",
                                "replica-hours", "GPU-hours", "cost " + s.cost.currency, "GPU kWh idle-busy");
  bool autoscaled = false;
  for (const ServingEstimate& e : estimates) {
    out += fmt::format("{:<16} {:>9} {:>10} {:>14.2f} {:>10.2f} {:>12.2f} {:>22}\n", e.service,
                       fmt::format("{}{}", e.replicas, e.autoscaled ? "+" : ""), format_duration(e.period_s),
                       e.replica_hours, e.gpu_hours, e.cost,
                       fmt::format("{:.1f}-{:.1f}", e.energy_idle_kwh, e.energy_busy_kwh));
    autoscaled = autoscaled || e.autoscaled;
  }
  out += "Replicas held from the start for the horizon, or until a trace's last request arrives; cost at each\n"
         "cluster's all-in GPU-hour rate (capex, staff, power; docs/tco.md), as `run` charges a service; energy\n"
         "of the replicas' GPUs (with PUE) from all idle to all busy.\n";
  if (autoscaled) out += "+: autoscaled; the figures are for the starting replicas only.\n";
  return out;
}

}  // namespace rcn
