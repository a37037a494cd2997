#include "rcn/scenario/input_limits.hpp"

#include <cmath>
#include <fmt/format.h>

#include "rcn/scenario/diagnostics.hpp"
#include "rcn/scenario/units.hpp"

namespace rcn {

std::optional<std::int64_t> bounded_integer(double v, std::int64_t lo, std::int64_t hi) {
  // Compare as doubles first: lo and hi are at most 2^53 in practice, so exact.
  if (!std::isfinite(v) || std::floor(v) != v) return std::nullopt;
  if (v < static_cast<double>(lo) || v > static_cast<double>(hi)) return std::nullopt;
  return static_cast<std::int64_t>(v);
}

std::string describe_integer_range(std::int64_t lo, std::int64_t hi) {
  return fmt::format("an integer in [{}, {}]", lo, hi);
}

std::optional<std::int64_t> parse_bounded_integer(std::string_view text, std::int64_t lo, std::int64_t hi,
                                                  std::string* why) {
  std::optional<double> v = parse_quantity(text, Quantity::Count);
  std::optional<std::int64_t> r = v ? bounded_integer(*v, lo, hi) : std::nullopt;
  if (!r && why) {
    *why = fmt::format("expected {}, got \"{}\"", describe_integer_range(lo, hi), quote_input(text));
  }
  return r;
}

std::optional<std::int64_t> bounded_product(std::int64_t a, std::int64_t b, std::int64_t hi) {
  if (a < 0 || b < 0) return std::nullopt;
  std::int64_t p = 0;
  if (__builtin_mul_overflow(a, b, &p) || p > hi) return std::nullopt;
  return p;
}

std::optional<std::int64_t> bounded_product(std::int64_t a, std::int64_t b, std::int64_t c, std::int64_t hi) {
  auto ab = bounded_product(a, b, hi);
  return ab ? bounded_product(*ab, c, hi) : std::nullopt;
}

}  // namespace rcn
