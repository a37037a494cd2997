// Which matrix products the tool times. The list mirrors the shapes and labels of
// shared/calibration/nvidia-h200/microbench.json exactly, so measured and shipped
// points can be matched by (dtype, m, n, k, label).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace rcn::calibrate {

struct GemmShape {
    std::string dtype;  // bf16 | fp16 | tf32 | fp32 | fp8
    std::int64_t m = 0, n = 0, k = 0;
    std::string label;
};

// Full: square 256..16384 for bf16/fp16/tf32/fp8 and 256/1024/4096/8192 for fp32.
// Quick: square 1024..8192 (fp32: 1024/4096/8192). Both: transformer layers
// (qkv/proj/fc1/fc2 for hidden 4096/8192/12288 at 2048/8192/16384 tokens, bf16) and
// decode-sized fc1 (tokens 1..512). fp8 points only when with_fp8 (compute
// capability >= 8.9).
std::vector<GemmShape> gemm_plan(bool quick, bool with_fp8);

// 2*m*n*k: one multiply and one add per inner-product term.
double gemm_flops(const GemmShape& s);

// Bytes of one element of A/B for a dtype name; 0 for an unknown name.
std::size_t gemm_input_bytes(const std::string& dtype);
// Bytes of one element of the output (fp8 products are written as bf16).
std::size_t gemm_output_bytes(const std::string& dtype);

}  // namespace rcn::calibrate
