#pragma once
// Facility energy, cost and carbon of a cluster from how long its GPUs were
// busy and idle. GPU power only, scaled by PUE for cooling and distribution;
// CPUs, NICs and switches are inside PUE's overhead by assumption.
#include "rcn/scenario/hardware_profile.hpp"
#include "rcn/scenario/scenario.hpp"

namespace rcn {

struct EnergyUse {
  double energy_kwh = 0;  // facility energy (IT x PUE)
  double cost = 0;        // energy_kwh x price_per_kwh
  double carbon_kg = 0;   // energy_kwh x carbon_g_per_kwh / 1000
};

EnergyUse cluster_energy(double busy_gpu_seconds, double idle_gpu_seconds, const HardwareProfile& gpu,
                         const PowerSpec& power);

}  // namespace rcn
