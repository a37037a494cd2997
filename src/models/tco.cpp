#include "rcn/models/tco.hpp"

#include <fmt/format.h>

#include <numeric>

#include "rcn/models/fabric_shape.hpp"

namespace rcn {
namespace {

// docs/tco.md, "Defaults", gives the source and date of each figure.
constexpr ServerPrice kServers[] = {
    {"a100-80g", 200000, 6500},   // DGX A100 list price at launch (NVIDIA, May 2020); 6.5 kW max (datasheet)
    {"h100-sxm", 300000, 10200},  // DGX H100 ~270k (SemiAnalysis, May 2023), HGX H100 OEM quote ~317k (Aug 2024)
    {"h200-sxm", 330000, 10200},  // the H100 price x AWS Capacity Block H200/H100 rate (43.26 / 39.33, late 2024)
    {"b200", 515000, 14300},      // DGX B200 as reported at launch (2024); 14.3 kW max (datasheet)
};

// The first of the cluster's, the site's and the scenario's values that is set.
template <class T>
std::optional<T> first_set(const std::optional<T>& a, const std::optional<T>& b, const std::optional<T>& c) {
  return a ? a : b ? b : c;
}

}  // namespace

std::optional<ServerPrice> builtin_server_price(const std::string& profile) {
  for (const ServerPrice& s : kServers)
    if (profile == s.profile) return s;
  return std::nullopt;
}

ClusterPrices cluster_prices(const Scenario& s, std::size_t site_index, std::size_t cluster_index) {
  namespace d = tco_defaults;
  const SiteSpec& site = s.sites[site_index];
  const ClusterSpec& c = site.clusters[cluster_index];
  const CostSpec& cc = c.cost;
  const CostSpec& sc = site.cost;
  const CostSpec& tc = s.cost.defaults;
  const HardwareProfile* hw = s.find_profile(c.gpu);
  ClusterPrices p;
  const std::int64_t bought = std::int64_t{c.servers} + c.spares;
  p.servers_bought = static_cast<int>(bought);
  p.gpus_in_service = c.gpus();
  p.gpus_bought = static_cast<double>(bought) * c.gpus_per_server;
  p.nic_ports = static_cast<double>(bought) * c.scale_out.nics_per_server;
  p.gpu_tdp_w = hw ? hw->tdp_w : 0;

  // Per-GPU scaling of an 8-GPU server's price and power to this cluster's servers.
  const double per_server = c.gpus_per_server / d::kGpusPerPricedServer;
  const std::optional<ServerPrice> builtin = builtin_server_price(c.gpu);
  if (auto v = first_set(cc.server_price, sc.server_price, tc.server_price)) {
    p.server_price = *v;
  } else if (builtin) {
    p.server_price = builtin->price * per_server;
  } else {
    const ServerPrice fallback = *builtin_server_price(d::kFallbackProfile);
    p.server_price = fallback.price * per_server;
    p.note = fmt::format("GPU type {} has no built-in server price: priced as an {} server ({:g} per {:g} GPUs); "
                         "set cost.server_price",
                         c.gpu, fallback.profile, fallback.price, d::kGpusPerPricedServer);
  }
  if (auto v = first_set(cc.server_power, sc.server_power, tc.server_power))
    p.server_power_w = *v;
  else if (builtin)
    p.server_power_w = builtin->power_w * per_server;
  else
    p.server_power_w = c.gpus_per_server * p.gpu_tdp_w * d::kServerPowerPerGpuTdp;

  // The most specific level that prices the network decides how (per port or per GPU).
  for (const CostSpec* level : {&cc, &sc, &tc}) {
    if (level->network_per_port) {
      p.network_per_port = level->network_per_port;
      break;
    }
    if (level->network_per_gpu) {
      p.network_per_gpu = *level->network_per_gpu;
      break;
    }
    if (level == &tc) p.network_per_gpu = d::kNetworkPerGpu;
  }

  // A tiered fabric's switches (a dragonfly's routers), priced one by one when a switch price is given (docs/tco.md).
  p.switch_price = first_set(cc.switch_price, sc.switch_price, tc.switch_price).value_or(0);
  {
    std::string error, key;
    const FabricShape fabric = fabric_shape(c, error, key);
    if (error.empty() && fabric.tiered())
      for (const FabricTier& t : fabric.tier_table) p.fabric_switches += static_cast<double>(t.switches);
    if (error.empty() && fabric.kind == "dragonfly")  // its routers; a torus has none
      p.fabric_switches = static_cast<double>(fabric.dragonfly_routers());
  }
  p.storage_per_byte = first_set(cc.storage_per_byte, sc.storage_per_byte, tc.storage_per_byte).value_or(d::kStoragePerByte);
  p.storage_bytes = cc.storage_capacity ? *cc.storage_capacity
                                        : first_set(cc.storage_per_gpu, sc.storage_per_gpu, tc.storage_per_gpu)
                                                  .value_or(d::kStoragePerGpu) *
                                              p.gpus_bought;
  p.building_per_watt =
      first_set(cc.building_per_watt, sc.building_per_watt, tc.building_per_watt).value_or(d::kBuildingPerWatt);
  p.staff_maintenance =
      first_set(cc.staff_maintenance, sc.staff_maintenance, tc.staff_maintenance).value_or(d::kStaffMaintenance);
  p.servers_life = first_set(cc.servers_life, sc.servers_life, tc.servers_life).value_or(d::kServersLife);
  p.network_life = first_set(cc.network_life, sc.network_life, tc.network_life).value_or(d::kNetworkLife);
  p.storage_life = first_set(cc.storage_life, sc.storage_life, tc.storage_life).value_or(d::kStorageLife);
  p.building_life = first_set(cc.building_life, sc.building_life, tc.building_life).value_or(d::kBuildingLife);

  p.pue = site.power.pue;
  const auto& hourly = site.power.price_by_hour;
  p.average_price_per_kwh = hourly.empty() ? site.power.price_per_kwh
                                           : std::accumulate(hourly.begin(), hourly.end(), 0.0) / hourly.size();
  return p;
}

Capex cluster_capex(const ClusterPrices& p) {
  Capex c;
  c.servers = p.servers_bought * p.server_price;
  c.network = p.network_per_port ? p.nic_ports * *p.network_per_port : p.gpus_bought * p.network_per_gpu;
  c.network += p.fabric_switches * p.switch_price;
  c.storage = p.storage_bytes * p.storage_per_byte;
  c.building = p.servers_bought * p.server_power_w * p.building_per_watt;
  return c;
}

double amortised(double capex, double life_s, double period_s) { return life_s > 0 ? capex * period_s / life_s : 0; }

ClusterCost cluster_cost(const ClusterPrices& p, double period_s) {
  constexpr double kJoulesPerKwh = 3.6e6;
  ClusterCost r;
  r.capex = cluster_capex(p);
  // Currency per second of owning the cluster: capex spread over each part's life, plus staff and maintenance.
  const double per_second = amortised(r.capex.servers, p.servers_life, 1) + amortised(r.capex.network, p.network_life, 1) +
                            amortised(r.capex.storage, p.storage_life, 1) +
                            amortised(r.capex.building, p.building_life, 1);
  const double staff_per_second = p.staff_maintenance * r.capex.total() / kSecondsPerYear;
  r.capex_amortised = per_second * period_s;
  r.staff_maintenance = staff_per_second * period_s;
  const double power_per_hour = p.gpu_tdp_w * 3600 / kJoulesPerKwh * p.pue * p.average_price_per_kwh;
  r.gpu_hour_rate =
      (p.gpus_in_service > 0 ? (per_second + staff_per_second) * 3600 / p.gpus_in_service : 0) + power_per_hour;
  return r;
}

double wan_link_cost(const WanLinkSpec& link, const CostSettings& settings, double period_s) {
  if (link.cost_per_s) return *link.cost_per_s * period_s;
  const double price = link.cost_per_byte_per_s ? *link.cost_per_byte_per_s
                                                : settings.wan_per_byte_per_s.value_or(tco_defaults::kWanPerBytePerSecond);
  return link.bandwidth * price * period_s;
}

}  // namespace rcn
