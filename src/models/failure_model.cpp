#include "rcn/models/failure_model.hpp"

#include <cmath>

namespace rcn {

namespace {

constexpr double kLlama3GpuSeconds = 16384.0 * 54 * 24 * 3600;  // Table 5's exposure

ComponentFailure cls(const char* name, int count, double repair_h, BlastRadius blast) {
  ComponentFailure c;
  c.name = name;
  c.llama3_count = count;
  c.rate = count / kLlama3GpuSeconds;
  c.repair = repair_h * 3600;
  c.blast = blast;
  return c;
}

// A class counted per spine switch or per uplink cable (not per GPU): it only lowers uplink capacity.
ComponentFailure uplink_class(const char* name, double rate, double repair_h) {
  ComponentFailure c;
  c.name = name;
  c.rate = rate;
  c.repair = repair_h * 3600;
  c.blast = BlastRadius::Uplink;
  return c;
}

}  // namespace

double spine_failure_rate() { return -std::log(0.98) / (90 * 86400.0); }

double cable_failure_rate() { return -std::log(1 - 0.00057) / (365.25 / 12 * 86400.0); }

std::vector<ComponentFailure> failure_components(const FailureSpec& spec) {
  // Table 5 causes grouped into classes (counts out of 419):
  //   gpu: faulty GPU 148, thermal 6, silent data corruption 6   hbm: GPU HBM3 72
  //   gpu-sram 19, gpu-processor 17, nic 7, switch: network switch/cable 35
  //   server: host maintenance 32, SSD 3, power supply 3, chassis 2, IO board 2, CPU 2, system memory 2
  //   software: software bug 54, NCCL watchdog 7, dependency 2
  // Repair times are assumptions (Table 5 has none): parts swapped within 3 days, a server or NIC in a
  // day, a switch in 12 h; software needs no repair, only a restart.
  std::vector<ComponentFailure> out{
      cls("gpu", 160, 72, BlastRadius::Server),       cls("hbm", 72, 72, BlastRadius::Server),
      cls("gpu-sram", 19, 72, BlastRadius::Server),   cls("gpu-processor", 17, 72, BlastRadius::Server),
      cls("nic", 7, 24, BlastRadius::Server),         cls("switch", 35, 12, BlastRadius::Rack),
      cls("server", 46, 24, BlastRadius::Server),     cls("software", 63, 0, BlastRadius::Job),
      cls("storage", 0, 24, BlastRadius::Server),     cls("site", 0, 24, BlastRadius::Site),
      // Tiered fabrics only (failure_schedule.cpp), per switch or cable. Spine: Singh et al. 2021
      // (spine_failure_rate); cable: Qian et al. 2024, Alibaba HPN (cable_failure_rate). Repair assumed
      // 12 h as for `switch` (Singh et al.'s median failure lasted under 6 minutes, a reboot; neither
      // study gives a mean).
      uplink_class("spine", spine_failure_rate(), 12), uplink_class("cable", cable_failure_rate(), 12)};
  for (auto& c : out) {
    if (spec.mix != "llama3") c.rate = 0;
    auto it = spec.components.find(c.name);
    if (it != spec.components.end()) {
      const ComponentOverride& o = it->second;
      if (o.rate) c.rate = *o.rate;
      if (o.distribution) c.distribution = *o.distribution;
      if (o.shape) c.shape = *o.shape;
      if (o.repair) c.repair = *o.repair;
    }
    if (c.distribution == "exponential") c.shape = 1;
    c.rate *= spec.scale;
  }
  return out;
}

double job_failure_rate(const std::vector<ComponentFailure>& classes, int gpus, double site_scale) {
  double r = 0;
  for (const auto& c : classes)
    if (c.blast != BlastRadius::Uplink) r += c.rate;
  return r * gpus * site_scale;
}

double young_daly_interval(double write_s, double mtbf_s) { return std::sqrt(2 * write_s * mtbf_s); }

double expected_lost_work_per_failure(double interval_s, double mtbf_s) {
  // Work since the last checkpoint when an exponential failure strikes during a
  // segment of length T: E[t | t < T] = M - T e^{-T/M} / (1 - e^{-T/M}).
  if (mtbf_s <= 0) return 0;
  const double x = interval_s / mtbf_s;
  if (x < 1e-6) return interval_s / 2;
  return mtbf_s - interval_s * std::exp(-x) / (1 - std::exp(-x));
}

}  // namespace rcn
