#include "rcn/scenario/hardware_profile.hpp"

#include <fmt/format.h>

#include "rcn/scenario/embedded_files.hpp"
#include "src/scenario/yaml_reader.hpp"

namespace rcn {

HardwareProfile parse_hardware_profile(const std::string& yaml_text, const std::string& file, Diagnostics& diags) {
  HardwareProfile h;
  YAML::Node root;
  try {
    root = YAML::Load(yaml_text);
  } catch (const YAML::Exception& e) {
    diags.error(SourceLoc{file, e.mark.line + 1, e.mark.column + 1}, "", fmt::format("YAML syntax error: {}", e.msg));
    return h;
  }
  YamlReader r(file, diags);
  if (!r.expect_map(root, "", {"name", "description", "source", "memory", "hbm_bandwidth", "scale_up_bandwidth",
                               "peak_flops", "power", "training_efficiency"}))
    return h;
  h.loc = r.loc(root, "");
  h.name = r.text(root, "name", "", true).value_or("");
  h.description = r.text(root, "description", "", false).value_or(h.name);
  h.source = r.text(root, "source", "", true).value_or("");
  h.memory_bytes = r.quantity(root, "memory", "", Quantity::Bytes, Sign::Positive, true).value_or(0);
  h.hbm_bandwidth = r.quantity(root, "hbm_bandwidth", "", Quantity::Bandwidth, Sign::Positive, true).value_or(0);
  h.scale_up_bandwidth =
      r.quantity(root, "scale_up_bandwidth", "", Quantity::Bandwidth, Sign::Positive, true).value_or(0);
  h.training_efficiency =
      r.quantity(root, "training_efficiency", "", Quantity::Count, Sign::Positive, true).value_or(0);
  if (h.training_efficiency > 1)
    r.error(YamlReader::child(root, "training_efficiency"), "training_efficiency",
            fmt::format("expected a fraction of peak in (0, 1], got {}", h.training_efficiency));
  const YAML::Node peaks = YamlReader::child(root, "peak_flops");
  if (!peaks.IsDefined()) {
    r.error(root, "", "missing required key 'peak_flops'");
  } else if (r.expect_map(peaks, "peak_flops", {"bf16", "fp16", "fp8", "tf32", "fp32"})) {
    for (auto it = peaks.begin(); it != peaks.end(); ++it) {
      const std::string prec = it->first.Scalar();
      if (auto v = r.quantity(peaks, prec, "peak_flops", Quantity::FlopRate, Sign::Positive, true))
        h.peak_flops[prec] = *v;
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
  return h;
}

const std::map<std::string, HardwareProfile>& builtin_hardware_profiles() {
  static const std::map<std::string, HardwareProfile> profiles = [] {
    std::map<std::string, HardwareProfile> out;
    for (const auto& [path, text] : embedded_files()) {
      if (path.rfind("scenarios/hardware/", 0) != 0 || path.find('/', 19) != std::string::npos) continue;
      Diagnostics d;
      HardwareProfile p = parse_hardware_profile(text, path, d);
      if (d.has_errors()) {
        // A broken built-in profile is a build defect; the test suite loads every one.
        for (const auto& item : d.items()) fmt::print(stderr, "{}\n", item.str());
        continue;
      }
      out[p.name] = p;
    }
    return out;
  }();
  return profiles;
}

}  // namespace rcn
