#pragma once
// A GPU type as data: peaks, memory, power and the efficiency the first
// step-time model uses. Profiles live in scenarios/hardware/*.yaml (built in)
// or next to a scenario; each one records where its numbers came from.
#include <map>
#include <string>

#include "rcn/scenario/diagnostics.hpp"

namespace rcn {

struct HardwareProfile {
  std::string name;         // key used by clusters[].gpu, e.g. h200-sxm
  std::string description;  // "NVIDIA H200 SXM 141GB"
  std::string source;       // provenance of every number below
  std::map<std::string, double> peak_flops;  // precision (bf16, fp16, fp8, tf32, fp32) -> FLOP/s, dense
  double memory_bytes = 0;
  double hbm_bandwidth = 0;       // bytes/s
  double scale_up_bandwidth = 0;  // bytes/s per GPU (NVLink), default for clusters that do not say
  double tdp_w = 0;
  double idle_power_w = 0;  // drawn by an allocated-but-idle or unallocated GPU
  double busy_power_w = 0;  // drawn while training at the efficiency below
  // Fraction of the dense peak that large-scale dense LLM training sustains
  // (model FLOPs utilisation). Used by the first step-time model only.
  double training_efficiency = 0;
  SourceLoc loc;
};

// Parses one profile document. `file` names it in diagnostics.
HardwareProfile parse_hardware_profile(const std::string& yaml_text, const std::string& file, Diagnostics& diags);

// Profiles compiled into the binary from scenarios/hardware/*.yaml.
const std::map<std::string, HardwareProfile>& builtin_hardware_profiles();

}  // namespace rcn
