// See gemm_plan.hpp.
#include "gemm_plan.hpp"

namespace rcn::calibrate {

namespace {

void add_square(std::vector<GemmShape>& out, const std::string& dtype,
                const std::vector<std::int64_t>& sizes) {
    for (const auto s : sizes) out.push_back({dtype, s, s, s, "square"});
}

}  // namespace

std::vector<GemmShape> gemm_plan(bool quick, bool with_fp8) {
    const std::vector<std::int64_t> square =
        quick ? std::vector<std::int64_t>{1024, 2048, 4096, 8192}
              : std::vector<std::int64_t>{256, 512, 1024, 2048, 4096, 8192, 16384};
    const std::vector<std::int64_t> square_fp32 =
        quick ? std::vector<std::int64_t>{1024, 4096, 8192}
              : std::vector<std::int64_t>{256, 1024, 4096, 8192};

    std::vector<GemmShape> plan;
    add_square(plan, "bf16", square);
    add_square(plan, "fp16", square);
    add_square(plan, "tf32", square);
    add_square(plan, "fp32", square_fp32);
    if (with_fp8) add_square(plan, "fp8", square);

    // One transformer layer's dense products, row-major [tokens, in] x [in, out].
    for (const std::int64_t h : {4096, 8192, 12288}) {
        const std::string hs = std::to_string(h);
        for (const std::int64_t tokens : {2048, 8192, 16384}) {
            plan.push_back({"bf16", tokens, 3 * h, h, "qkv_h" + hs});
            plan.push_back({"bf16", tokens, h, h, "proj_h" + hs});
            plan.push_back({"bf16", tokens, 4 * h, h, "fc1_h" + hs});
            plan.push_back({"bf16", tokens, h, 4 * h, "fc2_h" + hs});
        }
    }
    // Decode steps: few tokens against a whole weight matrix (memory-bound).
    for (const std::int64_t h : {4096, 8192}) {
        for (const std::int64_t tokens : {1, 8, 32, 128, 512}) {
            plan.push_back({"bf16", tokens, 4 * h, h, "decode_fc1_h" + std::to_string(h)});
        }
    }
    return plan;
}

double gemm_flops(const GemmShape& s) {
    return 2.0 * static_cast<double>(s.m) * static_cast<double>(s.n) * static_cast<double>(s.k);
}

std::size_t gemm_input_bytes(const std::string& dtype) {
    if (dtype == "bf16" || dtype == "fp16") return 2;
    if (dtype == "tf32" || dtype == "fp32") return 4;
    if (dtype == "fp8") return 1;
    return 0;
}

std::size_t gemm_output_bytes(const std::string& dtype) {
    if (dtype == "fp8") return 2;
    return gemm_input_bytes(dtype);
}

}  // namespace rcn::calibrate
