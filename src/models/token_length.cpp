#include "rcn/models/token_length.hpp"

#include <algorithm>
#include <cmath>

#include "rcn/scenario/input_limits.hpp"

namespace rcn {

namespace {

double whole_tokens(double x) { return std::clamp(std::round(x), 1.0, limits::kMaxRequestTokens); }

// A standard normal draw (Box-Muller, the cosine branch): two uniforms per draw, so the
// stream advances the same way whatever the values.
double standard_normal(SplitMix64& rng) {
  const double u1 = 1 - rng.uniform();  // (0, 1]: log is finite
  const double u2 = rng.uniform();
  return std::sqrt(-2 * std::log(u1)) * std::cos(2 * M_PI * u2);
}

// mu of ln(length) for a lognormal of this mean: E = exp(mu + sigma^2 / 2).
double lognormal_mu(const TokenLengthSpec& s) { return std::log(s.value) - s.sigma * s.sigma / 2; }

}  // namespace

double draw_token_length(const TokenLengthSpec& s, SplitMix64& rng) {
  switch (s.kind) {
    case TokenLengthSpec::Kind::Fixed:
      return s.value;
    case TokenLengthSpec::Kind::Uniform:  // whole numbers min..max, each as likely
      return std::min(s.max, s.min + std::floor(rng.uniform() * (s.max - s.min + 1)));
    case TokenLengthSpec::Kind::Lognormal:
      return whole_tokens(std::exp(lognormal_mu(s) + s.sigma * standard_normal(rng)));
    case TokenLengthSpec::Kind::Empirical: {
      const auto n = s.samples.size();
      const auto k = std::min(n - 1, static_cast<std::size_t>(rng.uniform() * static_cast<double>(n)));
      return s.samples[k];
    }
  }
  return s.value;
}

}  // namespace rcn
