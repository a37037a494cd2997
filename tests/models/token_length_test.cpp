// Request lengths drawn per request (draw_token_length): sample moments against each law's closed
// form, the stream's determinism, and the arrivals keys that give them.
#include <catch2/catch.hpp>

#include <cmath>
#include <map>

#include "rcn/models/token_length.hpp"
#include "rcn/scenario/loader.hpp"
#include "tests/load_scenario.hpp"

using namespace rcn;

namespace {

struct Moments {
  double mean = 0, variance = 0;
};

Moments sample(const TokenLengthSpec& spec, int n, std::uint64_t seed = 7) {
  SplitMix64 rng(seed);
  double sum = 0, sum2 = 0;
  for (int i = 0; i < n; ++i) {
    const double x = draw_token_length(spec, rng);
    REQUIRE(x >= 1);
    REQUIRE(x == std::round(x));
    sum += x, sum2 += x * x;
  }
  const double mean = sum / n;
  return {mean, sum2 / n - mean * mean};
}

}  // namespace

TEST_CASE("uniform lengths: whole numbers min..max with the discrete uniform's mean and variance",
          "[models][inference][lengths]") {
  TokenLengthSpec u;
  u.kind = TokenLengthSpec::Kind::Uniform, u.min = 100, u.max = 300;
  const int n = 200000;
  const Moments m = sample(u, n);
  const double var = (201.0 * 201.0 - 1) / 12;  // n = 201 values
  CHECK(std::abs(m.mean - 200) < 4 * std::sqrt(var / n));
  CHECK(m.variance == Approx(var).epsilon(0.02));
  SplitMix64 rng(3);
  double lo = 1e9, hi = 0;
  for (int i = 0; i < 20000; ++i) {
    const double x = draw_token_length(u, rng);
    lo = std::min(lo, x), hi = std::max(hi, x);
  }
  CHECK(lo == 100);
  CHECK(hi == 300);
}

TEST_CASE("lognormal lengths: the given mean and (exp(sigma^2) - 1) mean^2 variance", "[models][inference][lengths]") {
  for (double sigma : {0.3, 0.8}) {
    INFO(sigma);
    TokenLengthSpec l;
    l.kind = TokenLengthSpec::Kind::Lognormal, l.value = 1000, l.sigma = sigma;
    const int n = 400000;
    const Moments m = sample(l, n);
    const double var = std::expm1(sigma * sigma) * 1000 * 1000;
    // Rounding to whole tokens moves the mean by far less than the sampling error.
    CHECK(std::abs(m.mean - 1000) < 4 * std::sqrt(var / n));
    CHECK(m.variance == Approx(var).epsilon(0.05));
    // The median of a lognormal is exp(mu) = mean / exp(sigma^2 / 2).
    SplitMix64 rng(11);
    int below = 0;
    const double median = 1000 / std::exp(sigma * sigma / 2);
    for (int i = 0; i < 100000; ++i) below += draw_token_length(l, rng) < median ? 1 : 0;
    CHECK(below / 1e5 == Approx(0.5).margin(0.01));
  }
}

TEST_CASE("empirical lengths: each of the trace's rows is drawn as often", "[models][inference][lengths]") {
  TokenLengthSpec e;
  e.kind = TokenLengthSpec::Kind::Empirical, e.samples = {10, 20, 20, 50};
  SplitMix64 rng(5);
  std::map<double, int> count;
  const int n = 100000;
  for (int i = 0; i < n; ++i) ++count[draw_token_length(e, rng)];
  REQUIRE(count.size() == 3);
  CHECK(count[10] / double(n) == Approx(0.25).margin(0.01));
  CHECK(count[20] / double(n) == Approx(0.5).margin(0.01));
  CHECK(count[50] / double(n) == Approx(0.25).margin(0.01));
  const Moments m = sample(e, n);
  CHECK(m.mean == Approx(25).epsilon(0.02));  // (10 + 20 + 20 + 50) / 4
}

TEST_CASE("lengths are deterministic per seed and a fixed length draws nothing", "[models][inference][lengths]") {
  TokenLengthSpec l;
  l.kind = TokenLengthSpec::Kind::Lognormal, l.value = 500, l.sigma = 1;
  SplitMix64 a(42), b(42), c(43);
  bool differs = false;
  for (int i = 0; i < 100; ++i) {
    const double x = draw_token_length(l, a);
    CHECK(x == draw_token_length(l, b));
    differs = differs || x != draw_token_length(l, c);
  }
  CHECK(differs);
  TokenLengthSpec f;  // fixed
  f.value = 77;
  SplitMix64 d(9), untouched(9);
  CHECK(draw_token_length(f, d) == 77);
  CHECK(d.next() == untouched.next());
}

namespace {

std::string arrivals_yaml(const std::string& arrivals) { return test::tiny_service_yaml("arrivals: " + arrivals); }

}  // namespace

TEST_CASE("prompt_tokens and output_tokens take a count or a distribution, checked", "[models][inference][lengths]") {
  const ArrivalSpec u = test::load_scenario(
      arrivals_yaml("{poisson: 1/s, prompt_tokens: {uniform: {min: 10, max: 30}}, output_tokens: {lognormal: {mean: 200, sigma: 0.5}}}"),
      "g.yaml").inference.at(0).arrivals;
  CHECK(u.prompt_length.kind == TokenLengthSpec::Kind::Uniform);
  CHECK(u.prompt_length.min == 10);
  CHECK(u.prompt_length.max == 30);
  CHECK(u.prompt_tokens == 20);  // the mean, for what needs one
  CHECK(u.output_length.kind == TokenLengthSpec::Kind::Lognormal);
  CHECK(u.output_length.value == 200);
  CHECK(u.output_length.sigma == 0.5);
  const ArrivalSpec f = test::load_scenario(arrivals_yaml("{poisson: 1/s, prompt_tokens: 300}"), "g.yaml").inference.at(0).arrivals;
  CHECK(f.prompt_length.kind == TokenLengthSpec::Kind::Fixed);
  CHECK(f.prompt_tokens == 300);
  CHECK(f.output_tokens == 128);
  struct Bad {
    const char* arrivals;
    const char* field;
  };
  for (const Bad& b : {Bad{"{poisson: 1/s, prompt_tokens: {uniform: {min: 30, max: 10}}}", "arrivals.prompt_tokens.uniform"},
                       Bad{"{poisson: 1/s, prompt_tokens: {uniform: {min: 0, max: 10}}}", "arrivals.prompt_tokens.uniform.min"},
                       Bad{"{poisson: 1/s, prompt_tokens: {lognormal: {mean: 100, sigma: 9}}}", "arrivals.prompt_tokens.lognormal.sigma"},
                       Bad{"{poisson: 1/s, prompt_tokens: {lognormal: {mean: 100}}}", "arrivals.prompt_tokens.lognormal"},
                       Bad{"{poisson: 1/s, prompt_tokens: {gamma: {k: 2}}}", "arrivals.prompt_tokens"},
                       Bad{"{poisson: 1/s, prompt_tokens: {empirical: missing.csv}}", "arrivals.prompt_tokens.empirical"},
                       Bad{"{poisson: 1/s, rate_scale: 2}", "arrivals.rate_scale"},
                       Bad{"{poisson: 1/s, loop: true}", "arrivals.loop"}}) {
    test::check_refused(arrivals_yaml(b.arrivals), "g.yaml", "g.yaml:", b.field);
  }
}
