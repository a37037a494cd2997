#include "src/scenario/cost_reader.hpp"

#include <fmt/format.h>

#include <cctype>
#include <optional>
#include <vector>

#include "rcn/scenario/input_limits.hpp"

namespace rcn {
namespace {

constexpr double kBytesPerPetabyte = 1e15;
constexpr double kWattsPerMegawatt = 1e6;
constexpr double kBytesPerSecondPerGbps = 1e9 / 8;

// A number in [lo, hi] read as `kind`, or nothing (with one located error).
std::optional<double> in_range(YamlReader& r, const YAML::Node& n, const std::string& key, const std::string& p,
                               Quantity kind, double lo, double hi, const char* what, const std::string& range) {
  auto v = r.quantity(n, key, p, kind, Sign::NonNegative, false);
  if (!v) return v;
  if (*v < lo || *v > hi) {
    r.error(YamlReader::child(n, key), YamlReader::join(p, key),
            fmt::format("expected {} between {}, got {}", what, range, YamlReader::describe(YamlReader::child(n, key))));
    return std::nullopt;
  }
  return v;
}

// An amount of money (currency units), 0 to limits::kMaxMoney.
std::optional<double> money(YamlReader& r, const YAML::Node& n, const std::string& key, const std::string& p) {
  return in_range(r, n, key, p, Quantity::Count, 0, limits::kMaxMoney, "an amount", "0 and 1e12");
}

void read_lives(YamlReader& r, const YAML::Node& n, const std::string& p, CostSpec& out) {
  if (!n.IsDefined() || !r.expect_map(n, p, {"servers", "network", "storage", "building"})) return;
  const std::string range = fmt::format("{:g} and {:g}", limits::kMinAmortisationYears, limits::kMaxAmortisationYears);
  auto years = [&](const char* key, std::optional<double>& field) {
    if (auto v = in_range(r, n, key, p, Quantity::Count, limits::kMinAmortisationYears, limits::kMaxAmortisationYears,
                          "a number of years", range))
      field = *v * kSecondsPerYear;
  };
  years("servers", out.servers_life);
  years("network", out.network_life);
  years("storage", out.storage_life);
  years("building", out.building_life);
}

// ISO 4217 style: the code is written into every result file and the report.
bool currency_code(const std::string& s) {
  if (s.empty() || s.size() > 8) return false;
  for (char c : s)
    if (!std::isalpha(static_cast<unsigned char>(c))) return false;
  return true;
}

}  // namespace

void read_cost(YamlReader& r, const YAML::Node& n, const std::string& path, CostLevel level, CostSpec& out,
               CostSettings* settings) {
  if (!n.IsDefined()) return;
  std::vector<std::string> keys{"server_price",      "server_power",    "network_per_gpu", "network_per_port",
                                "switch_price",      "storage_per_pb",    "storage_per_gpu", "building_per_mw", "staff_maintenance",
                                "amortisation_years"};
  if (level == CostLevel::Scenario) keys.insert(keys.end(), {"currency", "wan_per_gbps_month"});
  if (level == CostLevel::Cluster) keys.push_back("storage_capacity");
  if (!r.expect_map(n, path, keys)) return;

  if (auto v = money(r, n, "server_price", path)) out.server_price = *v;
  if (auto v = in_range(r, n, "server_power", path, Quantity::Power, 1, limits::kMaxServerPower, "a power",
                        "1W and 1MW"))
    out.server_power = *v;
  if (auto v = money(r, n, "network_per_gpu", path)) out.network_per_gpu = *v;
  if (auto v = money(r, n, "network_per_port", path)) out.network_per_port = *v;
  if (out.network_per_gpu && out.network_per_port) {
    r.error(YamlReader::child(n, "network_per_port"), YamlReader::join(path, "network_per_port"),
            "give network_per_gpu or network_per_port, not both");
    out.network_per_port.reset();
  }
  if (auto v = money(r, n, "switch_price", path)) out.switch_price = *v;
  if (auto v = money(r, n, "storage_per_pb", path)) out.storage_per_byte = *v / kBytesPerPetabyte;
  if (auto v = in_range(r, n, "storage_per_gpu", path, Quantity::Bytes, 0, limits::kMaxBytes, "a size", "0 and 1000PB"))
    out.storage_per_gpu = *v;
  if (auto v = in_range(r, n, "storage_capacity", path, Quantity::Bytes, 0, limits::kMaxBytes, "a size", "0 and 1000PB"))
    out.storage_capacity = *v;
  // A cluster's storage is its capacity or GPUs x a size per GPU: one of the two, never a silent winner.
  if (YamlReader::child(n, "storage_per_gpu").IsDefined() && YamlReader::child(n, "storage_capacity").IsDefined())
    r.error(YamlReader::child(n, "storage_capacity"), YamlReader::join(path, "storage_capacity"),
            "give storage_capacity or storage_per_gpu, not both");
  if (auto v = money(r, n, "building_per_mw", path)) out.building_per_watt = *v / kWattsPerMegawatt;
  if (auto v = in_range(r, n, "staff_maintenance", path, Quantity::Count, 0, 1, "a fraction of capex per year",
                        "0 and 1"))
    out.staff_maintenance = *v;
  read_lives(r, YamlReader::child(n, "amortisation_years"), YamlReader::join(path, "amortisation_years"), out);

  if (!settings) return;
  if (auto v = r.text(n, "currency", path, false)) {
    if (currency_code(*v))
      settings->currency = *v;
    else
      r.error(YamlReader::child(n, "currency"), YamlReader::join(path, "currency"),
              fmt::format("expected a currency code of 1 to 8 letters such as USD or EUR, got {}",
                          YamlReader::describe(YamlReader::child(n, "currency"))));
  }
  if (auto v = money(r, n, "wan_per_gbps_month", path))
    settings->wan_per_byte_per_s = *v / kBytesPerSecondPerGbps / kSecondsPerMonth;
}

void read_wan_cost(YamlReader& r, const YAML::Node& n, const std::string& path, WanLinkSpec& link) {
  if (!n.IsDefined() || !r.expect_map(n, path, {"per_gbps_month", "monthly"})) return;
  if (auto v = money(r, n, "per_gbps_month", path)) link.cost_per_byte_per_s = *v / kBytesPerSecondPerGbps / kSecondsPerMonth;
  if (auto v = money(r, n, "monthly", path)) link.cost_per_s = *v / kSecondsPerMonth;
  if (link.cost_per_byte_per_s && link.cost_per_s) {
    r.error(YamlReader::child(n, "monthly"), YamlReader::join(path, "monthly"),
            "give per_gbps_month or monthly, not both");
    link.cost_per_s.reset();
  }
}

}  // namespace rcn
