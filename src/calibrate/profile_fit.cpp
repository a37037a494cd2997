#include "rcn/calibrate/profile_fit.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <optional>
#include <nlohmann/json.hpp>
#include <tuple>

#include "rcn/models/collective_model.hpp"

namespace rcn {

using json = nlohmann::json;

namespace {

double num(const json& j, const char* key) { return j.at(key).get<double>(); }

// Scale-up tier from NCCL measurements inside one server (at most 8 ranks):
// t = alpha + bytes x bus_factor / busbw, by least squares on relative error
// (weights 1/t^2), over all ops together. busbw gives the effective NVLink
// bandwidth (busbw / links per link); alpha gives the hop latency after
// NCCL's base latency. Every point's fit error is reported.
bool fit_nccl(const json& points, HardwareProfile& p, std::vector<std::string>& notes) {
  struct Obs {
    std::string op;
    int ranks;
    double bytes, x, t;
  };
  std::vector<Obs> obs;
  int skipped = 0;
  for (const json& q : points) {
    const std::string op = q.at("op").get<std::string>();
    const int ranks = q.at("ranks").get<int>();
    const auto cop = collective_op_named(op);
    const double t = num(q, "seconds");
    if (!cop || ranks < 2 || ranks > 8 || t <= 0) {
      ++skipped;
      continue;
    }
    const double bytes = num(q, "bytes");
    obs.push_back({op, ranks, bytes, bytes * bus_bandwidth_factor(*cop, ranks), t});
  }
  if (skipped) notes.push_back(fmt::format("nccl: {} points not used (more than 8 ranks, one rank, or unknown op)", skipped));
  if (obs.size() < 2) return false;
  // Weighted least squares for t = a + b x with weights 1/t^2.
  double sw = 0, sx = 0, st = 0, sxx = 0, sxt = 0;
  for (const auto& o : obs) {
    const double w = 1 / (o.t * o.t);
    sw += w, sx += w * o.x, st += w * o.t, sxx += w * o.x * o.x, sxt += w * o.x * o.t;
  }
  const double det = sw * sxx - sx * sx;
  if (det <= 0) return false;
  const double b = (sw * sxt - sx * st) / det;
  const double a = (st * sxx - sx * sxt) / det;
  if (b <= 0) {
    notes.push_back("nccl: no bandwidth could be fitted (time does not grow with size)");
    return false;
  }
  const double busbw = 1 / b, alpha = std::max(0.0, a);
  const int ranks = obs.front().ranks;
  const double base = 8.4e-6;  // NCCL ring Simple base latency (REFERENCES.md), as in the collective model
  if (p.scale_up.links > 0) p.scale_up.link_bandwidth = busbw / p.scale_up.links;
  p.scale_up.hop_latency = std::max(0.0, (alpha - base) / (2.0 * (ranks - 1)));
  notes.push_back(fmt::format("nccl scale-up fit over {} points: bus bandwidth {:.1f} GB/s ({:.2f} GB/s per link), "
                              "alpha {:.2f} us (hop latency {:.2f} us)",
                              obs.size(), busbw / 1e9, busbw / 1e9 / std::max(1, p.scale_up.links), alpha * 1e6,
                              p.scale_up.hop_latency * 1e6));
  for (const auto& o : obs) {
    const double fitted = alpha + o.x / busbw;
    notes.push_back(fmt::format("  nccl {} {} ranks {:.0f} B: measured {:.2f} us, fit {:.2f} us ({:+.1f}%)", o.op,
                                o.ranks, o.bytes, o.t * 1e6, fitted * 1e6, 100 * (fitted / o.t - 1)));
  }
  return true;
}

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
    const json nccl = j.value("nccl", json::array());
    if (gemm.empty() && nccl.empty()) {
      diags.error(where, "gemm", "no GEMM measurements");
      return rep;
    }
    if (!gemm.empty()) {  // a NCCL-only file keeps the base profile's tables
      p.gemm.clear();
      p.gemm_from.clear();
    }
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
    if (j.contains("launch") && j["launch"].contains("eager_per_kernel_s") && num(j["launch"], "eager_per_kernel_s") > 0) {
      p.launch_overhead = num(j["launch"], "eager_per_kernel_s");
      rep.notes.push_back(fmt::format("launch overhead: {:.2f} us per kernel (eager)", p.launch_overhead * 1e6));
    }
    const bool links_fitted = fit_nccl(nccl, p, rep.notes);
    std::string measured_on = j.contains("meta") ? j["meta"].value("measured_on", std::string()) : "";
    std::string device = j.contains("meta") ? j["meta"].value("name", std::string()) : "";
    if (measured_on.empty()) measured_on = "on an unknown date";
    else measured_on = "measured " + measured_on;
    if (device.empty()) device = "device not named";
    // A base that was itself fitted keeps only its datasheet provenance.
    const std::string base_source = base.source.substr(0, base.source.find(" Measured "));
    p.source = base_source +
               fmt::format(" Measured {}fitted by `rcnsim calibrate fit` from {} ({}, {}).",
                           gemm.empty() ? "" : "tables (gemm, attention), hbm_efficiency and launch_overhead ",
                           json_file, device, measured_on);
    if (links_fitted) p.source += " scale_up.link_bandwidth and hop_latency fitted from its nccl section.";
  } catch (const json::exception& e) {
    diags.error(where, "", fmt::format("malformed microbenchmark JSON: {}", e.what()));
  }
  return rep;
}

}  // namespace rcn
