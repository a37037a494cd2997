#pragma once
// Microbenchmark JSON (the schema of shared/calibration/<gpu>/microbench.json,
// also written by rcnsim-calibrate) -> the measured half of a hardware
// profile. Datasheet figures (peaks, memory, links, power) come from a base
// profile; measurements replace its GEMM and attention tables, its HBM
// efficiency and its launch overhead.
#include <string>
#include <vector>

#include "rcn/scenario/diagnostics.hpp"
#include "rcn/scenario/hardware_profile.hpp"

namespace rcn {

struct FitReport {
  HardwareProfile profile;
  std::vector<std::string> notes;  // one line per fitted quantity, for the user
};

// `json_file` names the input in diagnostics. Errors (unreadable JSON, no
// GEMM points) go to `diags`; the report is meaningful only without errors.
FitReport fit_profile(const std::string& json_text, const std::string& json_file, const HardwareProfile& base,
                      Diagnostics& diags);

// The built-in profile whose description matches the microbenchmark's
// meta.name ("NVIDIA H200" -> h200-sxm), or "" when none does.
std::string guess_base_profile(const std::string& json_text);

}  // namespace rcn
