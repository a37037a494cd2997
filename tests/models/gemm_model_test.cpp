// The GEMM and attention models against their measurements and the roofline.
#include <catch2/catch.hpp>

#include "rcn/models/attention_model.hpp"
#include "rcn/models/gemm_model.hpp"

using namespace rcn;

namespace {
const HardwareProfile& h200() { return builtin_hardware_profiles().at("h200-sxm"); }
}  // namespace

TEST_CASE("GEMM model returns the measurement at every measured shape", "[models][gemm]") {
  const GemmModel g(h200());
  for (const auto& [prec, rows] : h200().gemm)
    for (const auto& s : rows) {
      INFO(prec << " " << s.m << "x" << s.n << "x" << s.k);
      CHECK(g.tflops(prec, s.m, s.n, s.k) == Approx(s.tflops).epsilon(1e-9));
    }
}

TEST_CASE("GEMM model outside the table: compute-bound plateau, bandwidth-bound skinny shapes", "[models][gemm]") {
  const GemmModel g(h200());
  // A shape far larger than any measured runs near the best measured bf16 rate, never above it.
  double best = 0;
  for (const auto& s : h200().gemm.at("bf16")) best = std::max(best, s.tflops);
  const double big = g.tflops("bf16", 65536, 65536, 65536);
  CHECK(big <= best * 1.0001);
  CHECK(big > 0.8 * best);
  // m = 1 (decode) is bound by reading the weight matrix: time ~ 2 n k bytes / achieved HBM bandwidth.
  const double n = 65536, k = 16384;
  const double roofline = 2 * n * k / (h200().hbm_bandwidth * h200().hbm_efficiency);
  CHECK(g.seconds("bf16", 1, n, k) == Approx(roofline).epsilon(0.5));
  // Time grows with work.
  CHECK(g.seconds("bf16", 4096, 4096, 8192) > g.seconds("bf16", 4096, 4096, 4096));
  // fp8 is faster than bf16, which is faster than tf32, at the same shape.
  CHECK(g.seconds("fp8", 8192, 8192, 8192) < g.seconds("bf16", 8192, 8192, 8192));
  CHECK(g.seconds("bf16", 8192, 8192, 8192) < g.seconds("tf32", 8192, 8192, 8192));
}

TEST_CASE("derived profiles keep the measured efficiency at their own peaks", "[models][gemm]") {
  const HardwareProfile& a100 = builtin_hardware_profiles().at("a100-80g");
  const GemmModel ga(a100), gh(h200());
  // Compute-bound shape: same efficiency, so the time beyond the table's floor (its fastest call)
  // scales with the peaks (989 / 312).
  double launch = 1e30;
  for (const auto& s : h200().gemm.at("bf16")) launch = std::min(launch, 2 * s.m * s.n * s.k / (s.tflops * 1e12));
  const double th = gh.seconds("bf16", 8192, 8192, 8192);
  CHECK(ga.seconds("bf16", 8192, 8192, 8192) == Approx(launch + (th - launch) * 989 / 312).epsilon(1e-9));
  // Weight-read-bound decode shape: the time beyond the floor scales with HBM bandwidth (4.8 / 2.04).
  const double td = gh.seconds("bf16", 1, 32768, 8192);
  CHECK(ga.seconds("bf16", 1, 32768, 8192) == Approx(launch + (td - launch) * 4.8 / 2.04).epsilon(1e-9));
}

TEST_CASE("flash attention: the measured rates at measured lengths, causal halves the FLOPs", "[models][attention]") {
  const GemmModel g(h200());
  for (const auto& a : h200().attention) {
    const AttentionTime t = flash_attention_time(h200(), g, 1, 32, a.seq, a.head_dim, a.causal);
    CHECK(t.forward_flops / t.forward_s / 1e12 == Approx(a.fwd_tflops).epsilon(1e-9));
    CHECK(3.5 * t.forward_flops / (t.forward_s + t.backward_s) / 1e12 == Approx(a.fwdbwd_tflops).epsilon(1e-9));
  }
  const AttentionTime c = flash_attention_time(h200(), g, 1, 32, 4096, 128, true);
  const AttentionTime f = flash_attention_time(h200(), g, 1, 32, 4096, 128, false);
  CHECK(c.forward_flops == Approx(f.forward_flops / 2));
}
