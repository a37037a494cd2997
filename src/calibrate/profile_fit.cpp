#include "rcn/calibrate/profile_fit.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <nlohmann/json.hpp>
#include <tuple>

namespace rcn {

using json = nlohmann::json;

namespace {

double num(const json& j, const char* key) { return j.at(key).get<double>(); }

}  // namespace

std::string guess_base_profile(const std::string& json_text) {
  const json j = json::parse(json_text, nullptr, false);
  if (j.is_discarded() || !j.contains("meta") || !j["meta"].contains("name")) return "";
  const std::string name = j["meta"]["name"].get<std::string>();
  for (const auto& [key, p] : builtin_hardware_profiles())
    if (!name.empty() && p.description.rfind(name, 0) == 0) return key;
  return "";
}

FitReport fit_profile(const std::string& json_text, const std::string& json_file, const HardwareProfile& base,
                      Diagnostics& diags) {
  FitReport rep;
  HardwareProfile& p = rep.profile;
  p = base;
  const SourceLoc where{json_file, 0, 0};
  const json j = json::parse(json_text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) {
    diags.error(where, "", "not a JSON object (expected the microbench.json schema)");
    return rep;
  }
  try {
    // GEMM: one row per (precision, shape); repeated shapes keep their geometric mean.
    std::map<std::string, std::map<std::tuple<double, double, double>, std::vector<double>>> gemm;
    for (const json& g : j.value("gemm", json::array()))
      gemm[g.at("dtype").get<std::string>()][{num(g, "m"), num(g, "n"), num(g, "k")}].push_back(num(g, "tflops"));
    if (gemm.empty()) {
      diags.error(where, "gemm", "no GEMM measurements");
      return rep;
    }
    p.gemm.clear();
    p.gemm_from.clear();
    for (const auto& [dtype, shapes] : gemm) {
      if (base.peak(dtype) <= 0) {
        rep.notes.push_back(fmt::format("gemm {}: skipped, the base profile has no {} peak", dtype, dtype));
        continue;
      }
      double best = 0;
      for (const auto& [shape, values] : shapes) {
        double log_sum = 0;
        for (double v : values) log_sum += std::log(v);
        const double tflops = std::exp(log_sum / values.size());
        p.gemm[dtype].push_back({std::get<0>(shape), std::get<1>(shape), std::get<2>(shape), tflops});
        best = std::max(best, tflops);
      }
      rep.notes.push_back(fmt::format("gemm {}: {} shapes, best {:.0f} TFLOP/s = {:.0f}% of the {:.0f} TFLOP/s peak",
                                      dtype, shapes.size(), best, 100 * best * 1e12 / base.peak(dtype),
                                      base.peak(dtype) / 1e12));
    }
    // Flash attention (bf16): per (seq, head_dim, causal), geometric mean over batch and heads.
    std::map<std::tuple<double, int, bool>, std::vector<std::pair<double, double>>> att;
    for (const json& a : j.value("sdpa", json::array()))
      att[{num(a, "S"), a.at("D").get<int>(), a.at("causal").get<bool>()}].push_back(
          {num(a, "fwd_tflops"), num(a, "fwdbwd_tflops")});
    if (!att.empty()) {
      p.attention.clear();
      p.attention_from.clear();
      for (const auto& [key, values] : att) {
        double lf = 0, lb = 0;
        for (const auto& [f, b] : values) lf += std::log(f), lb += std::log(b);
        p.attention.push_back({std::get<0>(key), std::get<1>(key), std::get<2>(key), std::exp(lf / values.size()),
                               std::exp(lb / values.size())});
      }
      rep.notes.push_back(fmt::format("attention: {} (seq, head_dim, causal) points", p.attention.size()));
    }
    // HBM: the best device-to-device copy (bytes read + written per second) against the datasheet.
    double copy = 0;
    for (const json& m : j.value("memcpy_d2d", json::array())) copy = std::max(copy, num(m, "gbps_rw") * 1e9);
    if (copy > 0 && base.hbm_bandwidth > 0) {
      p.hbm_efficiency = std::min(1.0, copy / base.hbm_bandwidth);
      rep.notes.push_back(fmt::format("hbm: best copy {:.0f} GB/s = {:.1f}% of {:.0f} GB/s", copy / 1e9,
                                      100 * p.hbm_efficiency, base.hbm_bandwidth / 1e9));
    }
    if (j.contains("launch") && j["launch"].contains("eager_per_kernel_s")) {
      p.launch_overhead = num(j["launch"], "eager_per_kernel_s");
      rep.notes.push_back(fmt::format("launch overhead: {:.2f} us per kernel (eager)", p.launch_overhead * 1e6));
    }
    std::string measured_on = j.contains("meta") ? j["meta"].value("measured_on", std::string("?")) : "?";
    std::string device = j.contains("meta") ? j["meta"].value("name", std::string("?")) : "?";
    // A base that was itself fitted keeps only its datasheet provenance.
    const std::string base_source = base.source.substr(0, base.source.find(" Measured tables (gemm"));
    p.source = base_source + fmt::format(
                                 " Measured tables (gemm, attention), hbm_efficiency and launch_overhead fitted by "
                                 "`rcnsim calibrate fit` from {} ({}, measured {}).",
                                 json_file, device, measured_on);
  } catch (const json::exception& e) {
    diags.error(where, "", fmt::format("malformed microbenchmark JSON: {}", e.what()));
  }
  return rep;
}

}  // namespace rcn
