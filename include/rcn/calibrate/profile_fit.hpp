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

// `json_file` names the input in diagnostics. Errors go to `diags`: JSON
// syntax errors as file:line:col, missing, mistyped or out-of-range fields
// (every rate, time and size must be finite and > 0) by their JSON path
// (gemm[3].tflops); the report is meaningful only without errors.
FitReport fit_profile(const std::string& json_text, const std::string& json_file, const HardwareProfile& base,
                      Diagnostics& diags);

// Whether `json_text` is a JSON object; a syntax error goes to `diags` as
// file:line:col. Lets the caller report it before guessing the base profile.
bool check_microbench_json(const std::string& json_text, const std::string& json_file, Diagnostics& diags);

// The built-in profile whose description matches the microbenchmark's
// meta.name ("NVIDIA H200" -> h200-sxm), or "" when none does.
std::string guess_base_profile(const std::string& json_text);

}  // namespace rcn
