#pragma once
// What `rcnsim estimate` says about inference services before any run: the
// replica-hours their starting replicas hold and what those cost at each
// cluster's all-in GPU-hour rate (models/tco.hpp, the rate `run` charges them),
// with the energy between all-idle and all-busy GPUs. Latency and SLO
// attainment need the simulated requests: `rcnsim run`.
#include <string>
#include <vector>

#include "rcn/scenario/scenario.hpp"

namespace rcn {

struct ServingEstimate {
  std::string service;
  double period_s = 0;        // the horizon, or until a trace's last request arrives when that is sooner
  int replicas = 0;           // at the start (autoscaling may add more)
  double replica_hours = 0;   // replicas x period
  double gpu_hours = 0;
  double cost = 0;            // GPU-hours x the all-in GPU-hour rate of each replica's cluster
  double energy_idle_kwh = 0, energy_busy_kwh = 0;  // facility energy with the GPUs all idle, all busy
  bool autoscaled = false;
};

std::vector<ServingEstimate> estimate_serving(const Scenario& s);
std::string serving_estimate_table(const Scenario& s);

}  // namespace rcn
