#include "rcn/models/site_energy.hpp"

namespace rcn {

EnergyUse cluster_energy(double busy_gpu_seconds, double idle_gpu_seconds, const HardwareProfile& gpu,
                         const PowerSpec& power) {
  constexpr double kJoulesPerKwh = 3.6e6;
  EnergyUse e;
  const double it_joules = busy_gpu_seconds * gpu.busy_power_w + idle_gpu_seconds * gpu.idle_power_w;
  e.energy_kwh = it_joules * power.pue / kJoulesPerKwh;
  e.cost = e.energy_kwh * power.price_per_kwh;
  e.carbon_kg = e.energy_kwh * power.carbon_g_per_kwh / 1000.0;
  return e;
}

}  // namespace rcn
