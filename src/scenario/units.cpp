#include "rcn/scenario/units.hpp"

#include "rcn/scenario/diagnostics.hpp"

#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <fmt/format.h>
#include <string>
#include <utility>
#include <vector>

namespace rcn {
namespace {

struct Unit {
  const char* suffix;
  double factor;  // multiply the number by this to get SI
};

// Longest suffixes first within each table is not needed: matching is exact.
const std::vector<Unit>& units_for(Quantity kind) {
  static const std::vector<Unit> duration{{"", 1},          {"ns", 1e-9},      {"us", 1e-6},   {"µs", 1e-6},
                                          {"ms", 1e-3},     {"s", 1},          {"sec", 1},     {"min", 60},
                                          {"m", 60},        {"h", 3600},       {"hr", 3600},   {"d", 86400},
                                          {"day", 86400},   {"days", 86400},   {"w", 604800},  {"week", 604800},
                                          {"weeks", 604800}, {"y", 365 * 86400.0}};
  static const std::vector<Unit> bytes{{"", 1},       {"B", 1},           {"kB", 1e3},        {"KB", 1e3},
                                       {"MB", 1e6},   {"GB", 1e9},        {"TB", 1e12},       {"PB", 1e15},
                                       {"KiB", 1024.0}, {"MiB", 1048576.0}, {"GiB", 1073741824.0},
                                       {"TiB", 1099511627776.0}, {"PiB", 1125899906842624.0}};
  static const std::vector<Unit> bandwidth{
      {"", 1},          {"B/s", 1},       {"Bps", 1},       {"kB/s", 1e3},  {"KB/s", 1e3},  {"MB/s", 1e6},
      {"GB/s", 1e9},    {"TB/s", 1e12},   {"PB/s", 1e15},   {"KiB/s", 1024.0}, {"MiB/s", 1048576.0},
      {"GiB/s", 1073741824.0}, {"TiB/s", 1099511627776.0},
      {"bps", 1 / 8.0}, {"kbps", 1e3 / 8}, {"Kbps", 1e3 / 8}, {"Mbps", 1e6 / 8}, {"Gbps", 1e9 / 8},
      {"Tbps", 1e12 / 8}, {"Pbps", 1e15 / 8}, {"b/s", 1 / 8.0}, {"kb/s", 1e3 / 8}, {"Mb/s", 1e6 / 8},
      {"Gb/s", 1e9 / 8}, {"Tb/s", 1e12 / 8}, {"Pb/s", 1e15 / 8}};
  static const std::vector<Unit> distance{{"", 1}, {"m", 1}, {"km", 1e3}, {"mi", 1609.344}};
  static const std::vector<Unit> flops{{"", 1},          {"FLOPS", 1},       {"FLOP/s", 1},     {"GFLOPS", 1e9},
                                       {"GFLOP/s", 1e9}, {"TFLOPS", 1e12},   {"TFLOP/s", 1e12}, {"PFLOPS", 1e15},
                                       {"PFLOP/s", 1e15}, {"EFLOPS", 1e18},  {"EFLOP/s", 1e18}};
  static const std::vector<Unit> power{{"", 1}, {"W", 1}, {"kW", 1e3}, {"MW", 1e6}, {"GW", 1e9}};
  static const std::vector<Unit> rate{{"", 1},         {"/s", 1},          {"/sec", 1},     {"/min", 1 / 60.0},
                                      {"/h", 1 / 3600.0}, {"/hr", 1 / 3600.0}, {"/d", 1 / 86400.0},
                                      {"/day", 1 / 86400.0}};
  static const std::vector<Unit> count{{"", 1}, {"k", 1e3}, {"K", 1e3}, {"M", 1e6}, {"B", 1e9}, {"G", 1e9}, {"T", 1e12}};
  switch (kind) {
    case Quantity::Duration: return duration;
    case Quantity::Bytes: return bytes;
    case Quantity::Bandwidth: return bandwidth;
    case Quantity::Distance: return distance;
    case Quantity::FlopRate: return flops;
    case Quantity::Power: return power;
    case Quantity::Rate: return rate;
    case Quantity::Count: return count;
  }
  return count;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

}  // namespace

std::string describe_quantity(Quantity kind) {
  switch (kind) {
    case Quantity::Duration: return "a duration such as 5ms, 2.5min, 6h or 30d";
    case Quantity::Bytes: return "a size such as 141GB, 80GiB or 4e9";
    case Quantity::Bandwidth: return "a bandwidth such as 400Gbps, 1.6Tbps or 50GB/s";
    case Quantity::Distance: return "a distance such as 1000km";
    case Quantity::FlopRate: return "a compute rate such as 989TFLOPS";
    case Quantity::Power: return "a power such as 700W or 1.2kW";
    case Quantity::Rate: return "a rate such as 20/s or 3/min";
    case Quantity::Count: return "a number such as 1024, 1.2e9 or 300B";
  }
  return "a number";
}

std::optional<double> parse_quantity(std::string_view text, Quantity kind, std::string* error) {
  auto fail = [&](std::string why) -> std::optional<double> {
    if (error) *error = std::move(why);
    return std::nullopt;
  };
  std::string_view s = trim(text);
  if (s.empty()) return fail("expected " + describe_quantity(kind) + ", got an empty value");
  // strtod needs a NUL-terminated buffer; it also accepts "inf"/"nan", which we refuse.
  std::string buf(s);
  const char* begin = buf.c_str();
  char* end = nullptr;
  double value = std::strtod(begin, &end);
  if (end == begin || !std::isfinite(value))
    return fail(fmt::format("expected {}, got \"{}\"", describe_quantity(kind), quote_input(s)));
  std::string_view suffix = trim(std::string_view(end));
  for (const Unit& u : units_for(kind)) {
    if (suffix != u.suffix) continue;
    // 1e308y is a finite number times a finite factor, but not a finite quantity;
    // so is 1e-320 (a denormal): both are refused here, once, for every field.
    const double si = value * u.factor;
    if (!std::isfinite(si) || (si != 0 && std::fabs(si) < 1e-300))
      return fail(fmt::format("expected {}, got \"{}\" (out of range)", describe_quantity(kind), quote_input(s)));
    return si;
  }
  return fail(fmt::format("expected {}, got \"{}\" (unknown unit \"{}\")", describe_quantity(kind), quote_input(s),
                          quote_input(suffix)));
}

std::string format_duration(double s) {
  if (!std::isfinite(s)) return "-";
  double a = std::fabs(s);
  if (a == 0) return "0 s";
  if (a < 1e-3) return fmt::format("{:.1f} us", s * 1e6);
  if (a < 1) return fmt::format("{:.1f} ms", s * 1e3);
  if (a < 120) return fmt::format("{:.2f} s", s);
  if (a < 7200) return fmt::format("{:.1f} min", s / 60);
  if (a < 3 * 86400) return fmt::format("{:.2f} h", s / 3600);
  return fmt::format("{:.2f} d", s / 86400);
}

std::string format_bytes(double b) {
  const char* units[] = {"B", "kB", "MB", "GB", "TB", "PB", "EB"};
  int i = 0;
  while (std::fabs(b) >= 1000 && i < 6) {
    b /= 1000;
    ++i;
  }
  return fmt::format("{:.3g} {}", b, units[i]);
}

std::string format_bandwidth(double bps) {
  double bits = bps * 8;
  const char* units[] = {"b/s", "kb/s", "Mb/s", "Gb/s", "Tb/s", "Pb/s"};
  int i = 0;
  while (std::fabs(bits) >= 1000 && i < 5) {
    bits /= 1000;
    ++i;
  }
  return fmt::format("{:.4g} {}", bits, units[i]);
}

}  // namespace rcn
