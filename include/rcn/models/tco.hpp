#pragma once
// Total cost of ownership of a cluster, a site and a WAN link over a simulated
// period: capex (servers, scale-out network, storage, building) spread evenly over
// each part's amortisation life, staff and maintenance as a fraction of capex per
// year, and the power bill the engine integrates (models/site_energy.hpp). The
// built-in prices are published list, quoted and cloud-derived figures, each with its
// source and date in docs/tco.md; they are estimates for planning, not quotes.
//
// All amounts are in the scenario's currency; prices are stored per SI unit (per
// byte, per watt, per second), as the loader converts them (scenario.hpp, CostSpec).
#include <optional>
#include <string>

#include "rcn/scenario/scenario.hpp"

namespace rcn {

// Built-in price and IT power of one 8-GPU HGX/DGX-class server of a GPU profile.
struct ServerPrice {
  const char* profile;
  double price;    // currency units (USD)
  double power_w;  // IT load at full power, the whole server (datasheet maximum)
};

// The built-in server of `profile`, or nothing when rcnsim has no price for it.
std::optional<ServerPrice> builtin_server_price(const std::string& profile);

// Defaults for what the scenario leaves out (USD; docs/tco.md, "Defaults").
namespace tco_defaults {
inline constexpr double kGpusPerPricedServer = 8;           // the built-in prices are for 8-GPU servers
inline constexpr const char* kFallbackProfile = "h100-sxm";  // a profile without a price is priced as this one
inline constexpr double kServerPowerPerGpuTdp = 10200.0 / (8 * 700);  // DGX H100 max power over its GPUs' TDP
inline constexpr double kNetworkPerGpu = 4250;              // switches, cables, optics (NICs are in the server)
inline constexpr double kStoragePerByte = 200000 / 1e15;    // 200k per PB of all-flash file system
inline constexpr double kStoragePerGpu = 10e12;             // 10 TB of storage per GPU
inline constexpr double kBuildingPerWatt = 11e6 / 1e6;      // 11M per MW of IT load
inline constexpr double kStaffMaintenance = 0.10;           // of capex, per year
inline constexpr double kServersLife = 5 * kSecondsPerYear;
inline constexpr double kNetworkLife = 5 * kSecondsPerYear;
inline constexpr double kStorageLife = 5 * kSecondsPerYear;
inline constexpr double kBuildingLife = 20 * kSecondsPerYear;
inline constexpr double kWanPerBytePerSecond = 20 / (1e9 / 8) / kSecondsPerMonth;  // 20 per Gbps-month
}  // namespace tco_defaults

// Everything one cluster's cost depends on, every default applied.
struct ClusterPrices {
  int servers_bought = 0;    // servers + spares
  int gpus_in_service = 0;   // servers x gpus_per_server (spares excluded): the GPUs that pay for the cluster
  double gpus_bought = 0;    // (servers + spares) x gpus_per_server (a double: spares are outside the GPU limit)
  double nic_ports = 0;      // (servers + spares) x nics_per_server
  double server_price = 0;
  double server_power_w = 0;
  std::optional<double> network_per_port;  // when set, replaces network_per_gpu
  double network_per_gpu = 0;
  double fabric_switches = 0;  // switches of a tiered scale_out fabric (fabric_shape; 0 on an ideal fabric)
  double switch_price = 0;     // currency per switch (`switch_price`; none by default)
  double storage_bytes = 0;
  double storage_per_byte = 0;
  double building_per_watt = 0;
  double staff_maintenance = 0;  // fraction of capex per year
  double servers_life = 0, network_life = 0, storage_life = 0, building_life = 0;  // seconds
  double gpu_tdp_w = 0;
  double pue = 1;
  double average_price_per_kwh = 0;  // mean of the 24 hourly prices, or the flat price
  std::string note;                  // why a default stood in for a missing price ("" when none did)
};

// The cluster's prices from the scenario: the cluster's `cost`, then its site's, then
// the top-level `cost`, then tco_defaults and builtin_server_price.
ClusterPrices cluster_prices(const Scenario& s, std::size_t site, std::size_t cluster);

// Purchase price of a cluster, by part. The network is the per-GPU (or per-port)
// price plus fabric_switches x switch_price.
struct Capex {
  double servers = 0, network = 0, storage = 0, building = 0;
  double total() const { return servers + network + storage + building; }
};
Capex cluster_capex(const ClusterPrices& p);

// Share of `capex` that `period_s` uses up when it is spread evenly over `life_s`:
// capex x period / life.
double amortised(double capex, double life_s, double period_s);

// A cluster's cost over a period, and its all-in price of one GPU-hour.
struct ClusterCost {
  Capex capex;                   // purchase price (not per period)
  double capex_amortised = 0;    // over the period, each part over its own life
  double staff_maintenance = 0;  // over the period: fraction x capex per year, pro rata
  // Per GPU in service and hour: (capex amortised + staff and maintenance) per
  // second x 3600 / GPUs in service, plus power at the GPU's TDP x PUE x the
  // average price per kWh. Independent of the period.
  double gpu_hour_rate = 0;
};
ClusterCost cluster_cost(const ClusterPrices& p, double period_s);

// The cost of leasing a WAN link for a period: its flat monthly price, or its
// bandwidth (each direction) x its price per Gbps-month, or the scenario's default
// per Gbps-month, pro rata over months of 365/12 days.
double wan_link_cost(const WanLinkSpec& link, const CostSettings& settings, double period_s);

}  // namespace rcn
