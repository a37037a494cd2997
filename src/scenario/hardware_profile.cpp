#include "rcn/scenario/hardware_profile.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "rcn/scenario/embedded_files.hpp"
#include "src/scenario/yaml_reader.hpp"

namespace rcn {

double HardwareProfile::peak(const std::string& precision) const {
  auto it = peak_flops.find(precision);
  return it == peak_flops.end() ? 0.0 : it->second;
}

double bytes_per_element(const std::string& precision) {
  if (precision == "fp8") return 1;
  if (precision == "tf32" || precision == "fp32") return 4;
  return 2;
}

namespace {

const std::vector<std::string> kPrecisions{"bf16", "fp16", "fp8", "tf32", "fp32"};

// [m, n, k, tflops] rows of one precision.
void read_gemm_rows(YamlReader& r, const YAML::Node& list, const std::string& path, std::vector<GemmSample>& out) {
  if (!r.expect_seq(list, path)) return;
  for (std::size_t i = 0; i < list.size(); ++i) {
    const YAML::Node row = list[i];
    const std::string p = YamlReader::index(path, i);
    bool ok = row.IsSequence() && row.size() == 4;
    GemmSample g;
    double* fields[] = {&g.m, &g.n, &g.k, &g.tflops};
    for (std::size_t f = 0; ok && f < 4; ++f) {
      auto v = row[f].IsScalar() ? parse_quantity(row[f].Scalar(), Quantity::Count) : std::nullopt;
      ok = v && *v > 0;
      if (ok) *fields[f] = *v;
    }
    if (!ok) {
      r.error(row, p, fmt::format("expected [m, n, k, TFLOP/s] with positive numbers, got {}", YamlReader::describe(row)));
      continue;
    }
    out.push_back(g);
  }
}

void read_attention(YamlReader& r, const YAML::Node& list, std::vector<AttentionSample>& out) {
  if (!r.expect_seq(list, "attention")) return;
  for (std::size_t i = 0; i < list.size(); ++i) {
    const YAML::Node n = list[i];
    const std::string p = YamlReader::index("attention", i);
    if (!r.expect_map(n, p, {"seq", "head_dim", "causal", "fwd_tflops", "fwdbwd_tflops"})) continue;
    AttentionSample a;
    a.seq = r.quantity(n, "seq", p, Quantity::Count, Sign::Positive, true).value_or(0);
    a.head_dim = r.integer(n, "head_dim", p, 1, false).value_or(128);
    a.causal = r.boolean(n, "causal", p).value_or(true);
    a.fwd_tflops = r.quantity(n, "fwd_tflops", p, Quantity::Count, Sign::Positive, true).value_or(0);
    a.fwdbwd_tflops = r.quantity(n, "fwdbwd_tflops", p, Quantity::Count, Sign::Positive, true).value_or(0);
    out.push_back(a);
  }
}

}  // namespace

HardwareProfile parse_hardware_profile(const std::string& yaml_text, const std::string& file, Diagnostics& diags) {
  HardwareProfile h;
  YAML::Node root;
  try {
    root = YAML::Load(yaml_text);
  } catch (const YAML::Exception& e) {
    diags.error(SourceLoc{file, e.mark.line + 1, e.mark.column + 1}, "", fmt::format("YAML syntax error: {}", e.msg));
    return h;
  }
  // Not a mapping: say what it is without quoting it (a file named by mistake, such as
  // /etc/passwd, reads as one long scalar that would otherwise be echoed).
  if (!root.IsMap()) {
    diags.error(SourceLoc{file, 1, 1}, "",
                fmt::format("expected a hardware profile (a mapping with name, memory, peak_flops, ...), got {}",
                            !root.IsDefined() || root.IsNull() ? "nothing" : root.IsSequence() ? "a list" : "text"));
    return h;
  }
  YamlReader r(file, diags);
  if (!r.expect_map(root, "", {"name", "description", "source", "memory", "hbm_bandwidth", "hbm_efficiency",
                               "launch_overhead", "graph_launch_overhead", "sm_count", "peak_flops", "scale_up", "network", "power", "gemm", "gemm_from",
                               "attention", "attention_from"}))
    return h;
  h.loc = r.loc(root, "");
  h.name = r.text(root, "name", "", true).value_or("");
  h.description = r.text(root, "description", "", false).value_or(h.name);
  h.source = r.text(root, "source", "", true).value_or("");
  h.memory_bytes = r.quantity(root, "memory", "", Quantity::Bytes, Sign::Positive, true).value_or(0);
  h.hbm_bandwidth = r.quantity(root, "hbm_bandwidth", "", Quantity::Bandwidth, Sign::Positive, true).value_or(0);
  h.hbm_efficiency = r.quantity(root, "hbm_efficiency", "", Quantity::Count, Sign::Positive, false).value_or(0.85);
  if (h.hbm_efficiency > 1)
    r.error(YamlReader::child(root, "hbm_efficiency"), "hbm_efficiency",
            fmt::format("expected a fraction in (0, 1], got {}", h.hbm_efficiency));
  h.launch_overhead =
      r.quantity(root, "launch_overhead", "", Quantity::Duration, Sign::NonNegative, false).value_or(5e-6);
  h.graph_launch_overhead =
      r.quantity(root, "graph_launch_overhead", "", Quantity::Duration, Sign::NonNegative, false).value_or(0);
  h.sm_count = r.integer(root, "sm_count", "", 1, false).value_or(0);

  const YAML::Node peaks = YamlReader::child(root, "peak_flops");
  if (!peaks.IsDefined()) {
    r.error(root, "", "missing required key 'peak_flops'");
  } else if (r.expect_map(peaks, "peak_flops", kPrecisions)) {
    for (auto it = peaks.begin(); it != peaks.end(); ++it) {
      const std::string prec = it->first.Scalar();
      if (auto v = r.quantity(peaks, prec, "peak_flops", Quantity::FlopRate, Sign::Positive, true))
        h.peak_flops[prec] = *v;
    }
  }

  const YAML::Node su = YamlReader::child(root, "scale_up");
  if (!su.IsDefined()) {
    r.error(root, "", "missing required key 'scale_up'");
  } else if (r.expect_map(su, "scale_up", {"kind", "bandwidth", "links", "link_bandwidth", "hop_latency",
                                            "nvls_bus_bandwidth"})) {
    h.scale_up.kind = r.choice(su, "kind", "scale_up", {"nvswitch", "nvlink", "pcie", "xgmi"}, false).value_or("nvswitch");
    h.scale_up.bandwidth = r.quantity(su, "bandwidth", "scale_up", Quantity::Bandwidth, Sign::Positive, true).value_or(0);
    h.scale_up.links = r.integer(su, "links", "scale_up", 1, true).value_or(0);
    h.scale_up.link_bandwidth =
        r.quantity(su, "link_bandwidth", "scale_up", Quantity::Bandwidth, Sign::Positive, true).value_or(0);
    h.scale_up.hop_latency =
        r.quantity(su, "hop_latency", "scale_up", Quantity::Duration, Sign::NonNegative, false).value_or(1e-6);
    h.scale_up.nvls_bus_bandwidth =
        r.quantity(su, "nvls_bus_bandwidth", "scale_up", Quantity::Bandwidth, Sign::NonNegative, false).value_or(0);
  }
  if (const YAML::Node net = YamlReader::child(root, "network"); net.IsDefined()) {
    if (r.expect_map(net, "network", {"nic_efficiency", "hop_latency"})) {
      h.nic_efficiency = r.quantity(net, "nic_efficiency", "network", Quantity::Count, Sign::Positive, false).value_or(0.94);
      h.net_hop_latency =
          r.quantity(net, "hop_latency", "network", Quantity::Duration, Sign::NonNegative, false).value_or(5e-6);
    }
  }

  const YAML::Node power = YamlReader::child(root, "power");
  if (!power.IsDefined()) {
    r.error(root, "", "missing required key 'power'");
  } else if (r.expect_map(power, "power", {"tdp", "idle", "busy"})) {
    h.tdp_w = r.quantity(power, "tdp", "power", Quantity::Power, Sign::Positive, true).value_or(0);
    h.idle_power_w = r.quantity(power, "idle", "power", Quantity::Power, Sign::NonNegative, true).value_or(0);
    h.busy_power_w = r.quantity(power, "busy", "power", Quantity::Power, Sign::Positive, true).value_or(0);
  }

  const YAML::Node gemm = YamlReader::child(root, "gemm");
  h.gemm_from = r.text(root, "gemm_from", "", false).value_or("");
  if (gemm.IsDefined() == !h.gemm_from.empty())
    r.error(root, "", "give exactly one of 'gemm' (measured table) or 'gemm_from' (a profile to derive it from)");
  if (gemm.IsDefined() && r.expect_map(gemm, "gemm", kPrecisions)) {
    for (auto it = gemm.begin(); it != gemm.end(); ++it) {
      const std::string prec = it->first.Scalar();
      read_gemm_rows(r, it->second, "gemm." + prec, h.gemm[prec]);
      if (!h.peak_flops.count(prec))
        r.error(it->first, "gemm." + prec, fmt::format("measured {} GEMMs but peak_flops has no {}", prec, prec));
    }
  }
  h.attention_from = r.text(root, "attention_from", "", false).value_or("");
  if (const YAML::Node att = YamlReader::child(root, "attention"); att.IsDefined()) {
    if (!h.attention_from.empty()) r.error(att, "attention", "give either 'attention' or 'attention_from', not both");
    read_attention(r, att, h.attention);
  }
  return h;
}

namespace {

// One measured GEMM of GPU `from` as it would run on GPU `to`. The roofline of
// the datasheet figures splits the measured time into what bounds it: compute
// tc = 2mnk / peak or operand traffic tm = bytes / HBM bandwidth. The
// compute-bound part scales by the ratio of peaks, the memory-bound part by
// the ratio of HBM bandwidths:
//   t_to = L + (t_from - L) x max(tc x peak_from/peak_to, tm x hbm_from/hbm_to) / max(tc, tm)
// L = min(t_from, floor), floor the source table's fastest call (the cost of
// one back-to-back call that even a 256^3 GEMM pays: launch and host), does not
// scale. A large GEMM thus keeps its efficiency at the new peak, and a
// decode-shaped one (weight-read bound) moves with the HBM bandwidth.
GemmSample derive_gemm_sample(GemmSample g, const std::string& precision, double floor, const HardwareProfile& from,
                              const HardwareProfile& to) {
  const double elem = bytes_per_element(precision);
  const double flops = 2 * g.m * g.n * g.k;
  const double t_from = flops / (g.tflops * 1e12);
  const double tc = flops / from.peak(precision);
  const double tm = elem * (g.m * g.k + g.k * g.n + g.m * g.n) / from.hbm_bandwidth;
  const double scale = std::max(tc * from.peak(precision) / to.peak(precision), tm * from.hbm_bandwidth / to.hbm_bandwidth) /
                       std::max(tc, tm);
  const double launch = std::min(floor, t_from);
  g.tflops = flops / (launch + (t_from - launch) * scale) / 1e12;
  return g;
}

}  // namespace

void resolve_derived_profiles(std::map<std::string, HardwareProfile>& profiles, Diagnostics& diags) {
  for (auto& [name, p] : profiles) {
    if (!p.gemm_from.empty() && p.gemm.empty()) {
      auto ref = profiles.find(p.gemm_from);
      if (ref == profiles.end() || !ref->second.gemm_from.empty()) {
        diags.error(p.loc, "gemm_from", fmt::format("\"{}\" is not a profile with a measured GEMM table", p.gemm_from));
        continue;
      }
      // Each measured shape's compute-bound share at this GPU's peak, its memory-bound share at this GPU's HBM.
      for (const auto& [prec, rows] : ref->second.gemm) {
        if (p.peak(prec) <= 0 || ref->second.peak(prec) <= 0) continue;
        double floor = 1e30;
        for (const GemmSample& g : rows) floor = std::min(floor, 2 * g.m * g.n * g.k / (g.tflops * 1e12));
        for (const GemmSample& g : rows) p.gemm[prec].push_back(derive_gemm_sample(g, prec, floor, ref->second, p));
      }
    }
    if (!p.attention_from.empty() && p.attention.empty()) {
      auto ref = profiles.find(p.attention_from);
      if (ref == profiles.end() || ref->second.attention.empty() || !ref->second.attention_from.empty()) {
        diags.error(p.loc, "attention_from",
                    fmt::format("\"{}\" is not a profile with a measured attention table", p.attention_from));
        continue;
      }
      // Flash attention is compute-bound: per head it reads Q, K, V and writes O once from HBM
      // (K and V blocks are re-read from L2), s/2 FLOP per byte, far above any GPU's ridge point.
      // So its rate scales with the bf16 peak alone.
      const double ratio = p.peak("bf16") / ref->second.peak("bf16");
      for (AttentionSample a : ref->second.attention) {
        a.fwd_tflops *= ratio;
        a.fwdbwd_tflops *= ratio;
        p.attention.push_back(a);
      }
    }
  }
}

std::string hardware_profile_yaml(const HardwareProfile& p) {
  std::string out = fmt::format("name: {}\ndescription: {}\nsource: >\n", p.name, p.description);
  // Fold the provenance text at about 96 columns.
  std::string line = " ";
  for (std::size_t i = 0, j; i < p.source.size(); i = j + 1) {
    j = p.source.find_first_of(" \n", i);
    if (j == std::string::npos) j = p.source.size();
    const std::string word = p.source.substr(i, j - i);
    if (word.empty()) continue;
    if (line.size() + word.size() > 96) {
      out += " " + line + "\n";
      line = " ";
    }
    line += (line.size() > 1 ? " " : "") + word;
  }
  if (line.size() > 1) out += " " + line + "\n";
  out += fmt::format("memory: {}GB\nhbm_bandwidth: {}TB/s\nhbm_efficiency: {:.4g}\nlaunch_overhead: {:.4g}us\n",
                     p.memory_bytes / 1e9, p.hbm_bandwidth / 1e12, p.hbm_efficiency, p.launch_overhead * 1e6);
  if (p.graph_launch_overhead > 0) out += fmt::format("graph_launch_overhead: {:.4g}us\n", p.graph_launch_overhead * 1e6);
  if (p.sm_count > 0) out += fmt::format("sm_count: {}\n", p.sm_count);
  std::vector<std::string> peaks;
  for (const auto& prec : kPrecisions)
    if (p.peak(prec) > 0) peaks.push_back(fmt::format("{}: {}TFLOPS", prec, p.peak(prec) / 1e12));
  out += fmt::format("peak_flops: {{{}}}\n", fmt::join(peaks, ", "));
  const auto& su = p.scale_up;
  out += fmt::format("scale_up: {{kind: {}, bandwidth: {:.6g}GB/s, links: {}, link_bandwidth: {:.4g}GB/s, hop_latency: {:.3g}us",
                     su.kind, su.bandwidth / 1e9, su.links, su.link_bandwidth / 1e9, su.hop_latency * 1e6);
  if (su.nvls_bus_bandwidth > 0) out += fmt::format(", nvls_bus_bandwidth: {}GB/s", su.nvls_bus_bandwidth / 1e9);
  out += "}\n";
  out += fmt::format("network: {{nic_efficiency: {}, hop_latency: {}us}}\n", p.nic_efficiency, p.net_hop_latency * 1e6);
  out += fmt::format("power: {{tdp: {}W, idle: {}W, busy: {}W}}\n", p.tdp_w, p.idle_power_w, p.busy_power_w);
  if (!p.gemm_from.empty()) {
    out += fmt::format("gemm_from: {}\n", p.gemm_from);
  } else {
    out += "gemm:                       # measured: [m, n, k, TFLOP/s]\n";
    for (const auto& prec : kPrecisions) {
      auto it = p.gemm.find(prec);
      if (it == p.gemm.end()) continue;
      out += fmt::format("  {}:\n", prec);
      for (const auto& g : it->second)
        out += fmt::format("    - [{}, {}, {}, {:.1f}]\n", g.m, g.n, g.k, g.tflops);
    }
  }
  if (!p.attention_from.empty()) {
    out += fmt::format("attention_from: {}\n", p.attention_from);
  } else if (!p.attention.empty()) {
    out += "attention:                  # measured flash attention, bf16\n";
    for (const auto& a : p.attention)
      out += fmt::format("  - {{seq: {}, head_dim: {}, causal: {}, fwd_tflops: {:.1f}, fwdbwd_tflops: {:.1f}}}\n", a.seq,
                         a.head_dim, a.causal ? "true" : "false", a.fwd_tflops, a.fwdbwd_tflops);
  }
  return out;
}

const std::map<std::string, HardwareProfile>& builtin_hardware_profiles() {
  static const std::map<std::string, HardwareProfile> profiles = [] {
    std::map<std::string, HardwareProfile> out;
    Diagnostics d;
    for (const auto& [path, text] : embedded_files()) {
      if (path.rfind("scenarios/hardware/", 0) != 0 || path.find('/', 19) != std::string::npos) continue;
      HardwareProfile p = parse_hardware_profile(text, path, d);
      if (!p.name.empty()) out[p.name] = p;
    }
    resolve_derived_profiles(out, d);
    // A broken built-in profile is a build defect; the test suite loads every one.
    for (const auto& item : d.items()) fmt::print(stderr, "{}\n", item.str());
    return out;
  }();
  return profiles;
}

}  // namespace rcn
