#pragma once
// Human units at the YAML edge, SI inside. Every quantity a scenario can hold
// is parsed here, once, so "400Gbps" means the same thing everywhere.
#include <optional>
#include <string>
#include <string_view>

namespace rcn {

enum class Quantity {
  Duration,   // seconds:       5ms, 2.5min, 30d, 1e3 (bare number = seconds)
  Bytes,      // bytes:         141GB, 80GiB, 4e9
  Bandwidth,  // bytes/s:       400Gbps, 50GB/s, 1.6Tb/s, 25GiB/s
  Distance,   // metres:        1000km, 500m
  FlopRate,   // FLOP/s:        989TFLOPS, 1.2PFLOP/s, 9.89e14
  Power,      // watts:         700W, 1.2kW, 20MW
  Rate,       // events/s:      20/s, 3/min, 100/h, 0.5
  Count,      // dimensionless: 1.2e9, 300e9, 16k, 1.5M, 1B
};

// Parses `text` as a quantity of the given kind. Returns nothing when the text
// is not a number with a unit of that kind; `error` then says what was expected.
std::optional<double> parse_quantity(std::string_view text, Quantity kind, std::string* error = nullptr);

// "a duration such as 5ms, 2h or 30d" and so on, for error messages.
std::string describe_quantity(Quantity kind);

// Formatting for humans (stdout tables): 3.2 h, 1.5 TB, 400 Gb/s.
std::string format_duration(double seconds);
std::string format_bytes(double bytes);
std::string format_bandwidth(double bytes_per_second);

}  // namespace rcn
