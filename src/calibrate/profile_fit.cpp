#include "rcn/calibrate/profile_fit.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <optional>
#include <nlohmann/json.hpp>
#include <tuple>

#include "rcn/models/collective_model.hpp"
#include "rcn/scenario/input_limits.hpp"

namespace rcn {

using json = nlohmann::json;

namespace {

// A field that is missing, of the wrong type or out of range; `path` is its
// JSON path (gemm[3].tflops). JSON values carry no positions in nlohmann, so
// the path is what locates it.
struct FieldError {
  std::string path, message;
};

std::string at_path(const std::string& path, const std::string& key) { return path.empty() ? key : path + "." + key; }

const json& field(const json& obj, const std::string& path, const char* key) {
  if (!obj.is_object()) throw FieldError{path, fmt::format("expected an object, got {}", obj.type_name())};
  const auto it = obj.find(key);
  if (it == obj.end()) throw FieldError{at_path(path, key), "missing"};
  return *it;
}

enum class Range { Positive, NonNegative };

// A finite number of the right sign. Rates, times and sizes of a measurement are
// never <= 0: a 0 or negative rate would put log(0) or NaN into the profile.
double num(const json& obj, const std::string& path, const char* key, Range range = Range::Positive) {
  const json& v = field(obj, path, key);
  const double d = v.is_number() ? v.get<double>() : 0.0;
  const bool ok = v.is_number() && std::isfinite(d) && (range == Range::Positive ? d > 0 : d >= 0);
  if (!ok)
    throw FieldError{at_path(path, key), fmt::format("expected a finite number {} 0, got {}",
                                                     range == Range::Positive ? ">" : ">=",
                                                     quote_input(v.dump()))};
  return d;
}

std::int64_t integer(const json& obj, const std::string& path, const char* key, std::int64_t lo, std::int64_t hi) {
  const json& v = field(obj, path, key);
  const auto i = v.is_number() ? bounded_integer(v.get<double>(), lo, hi) : std::nullopt;
  if (!i) throw FieldError{at_path(path, key), fmt::format("expected {}, got {}", describe_integer_range(lo, hi),
                                                           quote_input(v.dump()))};
  return *i;
}

std::string text(const json& obj, const std::string& path, const char* key) {
  const json& v = field(obj, path, key);
  if (!v.is_string()) throw FieldError{at_path(path, key), fmt::format("expected a string, got {}", quote_input(v.dump()))};
  return v.get<std::string>();
}

bool boolean(const json& obj, const std::string& path, const char* key) {
  const json& v = field(obj, path, key);
  if (!v.is_boolean()) throw FieldError{at_path(path, key), fmt::format("expected true or false, got {}", quote_input(v.dump()))};
  return v.get<bool>();
}

// The array under `key`, empty when absent.
const json& array(const json& obj, const char* key) {
  static const json empty = json::array();
  const auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return empty;
  if (!it->is_array()) throw FieldError{key, fmt::format("expected an array, got {}", it->type_name())};
  return *it;
}

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
  for (std::size_t i = 0; i < points.size(); ++i) {
    const json& q = points[i];
    const std::string path = fmt::format("nccl[{}]", i);
    const std::string op = text(q, path, "op");
    const int ranks = static_cast<int>(integer(q, path, "ranks", 1, limits::kMaxGpusTotal));
    const auto cop = collective_op_named(op);
    const double t = num(q, path, "seconds");
    const double bytes = static_cast<double>(integer(q, path, "bytes", 0, limits::kMaxMeasuredBytes));
    if (!cop || ranks < 2 || ranks > 8) {
      ++skipped;
      continue;
    }
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

namespace {

// The JSON, or an error at the file:line:col of the syntax error. nlohmann
// gives the byte offset of the last character it read; lines and columns are
// counted from it so the message points where an editor shows the mistake.
std::optional<json> parse_located(const std::string& text, const std::string& file, Diagnostics& diags) {
  try {
    json j = json::parse(text);
    if (!j.is_object()) {
      diags.error({file, 1, 1}, "", fmt::format("expected a JSON object (the microbench.json schema), got {}",
                                                j.type_name()));
      return std::nullopt;
    }
    return j;
  } catch (const json::parse_error& e) {
    const std::size_t last = std::min<std::size_t>(e.byte == 0 ? 0 : e.byte - 1, text.size());
    int line = 1, col = 1;
    for (std::size_t i = 0; i < last; ++i) {
      if (text[i] == '\n') ++line, col = 1;
      else ++col;
    }
    // e.what(): "[json.exception.parse_error.101] parse error at line L, column C: <why>"; keep <why>.
    std::string why = e.what();
    const auto colon = why.find(": ", why.find("column"));
    if (colon != std::string::npos) why = why.substr(colon + 2);
    diags.error({file, line, col}, "", "JSON syntax error: " + quote_input(why, 160));
    return std::nullopt;
  }
}

}  // namespace

bool check_microbench_json(const std::string& json_text, const std::string& json_file, Diagnostics& diags) {
  return parse_located(json_text, json_file, diags).has_value();
}

std::string guess_base_profile(const std::string& json_text) {
  const json j = json::parse(json_text, nullptr, false);
  if (j.is_discarded() || !j.is_object() || !j.contains("meta") || !j["meta"].is_object() ||
      !j["meta"].contains("name") || !j["meta"]["name"].is_string())
    return "";
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
  const std::optional<json> parsed = parse_located(json_text, json_file, diags);
  if (!parsed) return rep;
  const json& j = *parsed;
  try {
    // GEMM: one row per (precision, shape); repeated shapes keep their geometric mean.
    std::map<std::string, std::map<std::tuple<double, double, double>, std::vector<double>>> gemm;
    const json& gemm_rows = array(j, "gemm");
    for (std::size_t i = 0; i < gemm_rows.size(); ++i) {
      const json& g = gemm_rows[i];
      const std::string path = fmt::format("gemm[{}]", i);
      auto dim = [&](const char* key) {
        return static_cast<double>(integer(g, path, key, 1, limits::kMaxInt));
      };
      gemm[text(g, path, "dtype")][{dim("m"), dim("n"), dim("k")}].push_back(num(g, path, "tflops"));
    }
    const json& nccl = array(j, "nccl");
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
    const json& sdpa = array(j, "sdpa");
    for (std::size_t i = 0; i < sdpa.size(); ++i) {
      const json& a = sdpa[i];
      const std::string path = fmt::format("sdpa[{}]", i);
      att[{static_cast<double>(integer(a, path, "S", 1, limits::kMaxInt)),
           static_cast<int>(integer(a, path, "D", 1, limits::kMaxInt)), boolean(a, path, "causal")}]
          .push_back({num(a, path, "fwd_tflops"), num(a, path, "fwdbwd_tflops")});
    }
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
    const json& copies = array(j, "memcpy_d2d");
    for (std::size_t i = 0; i < copies.size(); ++i)
      copy = std::max(copy, num(copies[i], fmt::format("memcpy_d2d[{}]", i), "gbps_rw") * 1e9);
    if (copy > 0 && base.hbm_bandwidth > 0) {
      p.hbm_efficiency = std::min(1.0, copy / base.hbm_bandwidth);
      rep.notes.push_back(fmt::format("hbm: best copy {:.0f} GB/s = {:.1f}% of {:.0f} GB/s", copy / 1e9,
                                      100 * p.hbm_efficiency, base.hbm_bandwidth / 1e9));
    }
    // 0 is the schema's "not measured" (import-nccl-tests writes it): the base profile's figure stays.
    if (j.contains("launch") && j["launch"].is_object() && j["launch"].contains("eager_per_kernel_s") &&
        num(j["launch"], "launch", "eager_per_kernel_s", Range::NonNegative) > 0) {
      p.launch_overhead = num(j["launch"], "launch", "eager_per_kernel_s");
      rep.notes.push_back(fmt::format("launch overhead: {:.2f} us per kernel (eager)", p.launch_overhead * 1e6));
    }
    if (j.contains("launch") && j["launch"].is_object() && j["launch"].contains("graph_per_kernel_s") &&
        num(j["launch"], "launch", "graph_per_kernel_s", Range::NonNegative) > 0) {
      p.graph_launch_overhead = num(j["launch"], "launch", "graph_per_kernel_s");
      rep.notes.push_back(
          fmt::format("graph launch overhead: {:.2f} us per kernel (CUDA graph replay)", p.graph_launch_overhead * 1e6));
    }
    if (j.contains("meta") && j["meta"].is_object() && j["meta"].contains("sms")) {
      const double sms = num(j["meta"], "meta", "sms", Range::NonNegative);
      if (sms >= 1 && sms <= 100000) p.sm_count = static_cast<int>(sms);
    }
    // The device's memory as CUDA reports it (totalGlobalMem): what allocations can draw from.
    const bool mem_measured = j.contains("meta") && j["meta"].is_object() && j["meta"].contains("mem_bytes") &&
                              num(j["meta"], "meta", "mem_bytes", Range::NonNegative) > 0;
    if (mem_measured) p.memory_bytes = num(j["meta"], "meta", "mem_bytes");
    const bool links_fitted = fit_nccl(nccl, p, rep.notes);
    const bool meta = j.contains("meta") && j["meta"].is_object();
    std::string measured_on = meta && j["meta"].contains("measured_on") ? text(j["meta"], "meta", "measured_on") : "";
    std::string device = meta && j["meta"].contains("name") ? text(j["meta"], "meta", "name") : "";
    if (measured_on.empty()) measured_on = "on an unknown date";
    else measured_on = "measured " + measured_on;
    if (device.empty()) device = "device not named";
    // A base that was itself fitted keeps only its datasheet provenance.
    const std::string base_source = base.source.substr(0, base.source.find(" Measured "));
    p.source = base_source +
               fmt::format(" Measured {}fitted by `rcnsim calibrate fit` from {} ({}, {}).",
                           gemm.empty() ? "" : "tables (gemm, attention), hbm_efficiency, launch_overhead, graph_launch_overhead and sm_count ",
                           json_file, device, measured_on);
    if (mem_measured) p.source += " memory: its meta.mem_bytes (the device total CUDA reports).";
    if (links_fitted) p.source += " scale_up.link_bandwidth and hop_latency fitted from its nccl section.";
  } catch (const FieldError& e) {
    diags.error(where, e.path, e.message);
  } catch (const json::exception& e) {
    diags.error(where, "", fmt::format("malformed microbenchmark JSON: {}", e.what()));
  }
  return rep;
}

}  // namespace rcn
