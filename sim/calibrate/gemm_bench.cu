// Matrix-product throughput per precision, through the libraries the simulator's
// workloads would use: cublasGemmEx for bf16/fp16/tf32/fp32 and cublasLtMatmul for
// fp8 e4m3 (cuBLAS' plain GEMM API has no fp8). Shapes come from gemm_plan.
//
// Layout: points are row-major C[m,n] = A[m,k] * B[k,n] as in PyTorch. cuBLAS is
// column-major, so the call computes C^T = B^T * A^T on the same memory. The fp8 path
// needs the weight operand k-contiguous (TN), like torch._scaled_mm, so its B buffer
// is read as [n,k]; the output is bf16. Inputs are random, outputs are not checked
// (cuBLAS is the reference here, not the thing under test).
#include "benches.hpp"
#include "check.hpp"
#include "progress.hpp"
#include "random_fill.hpp"
#include "timing.hpp"

#include <algorithm>
#include <cstdint>

namespace rcn::calibrate {

namespace {

struct DtypeInfo {
    cudaDataType_t in;
    cudaDataType_t out;
    ElemType fill;
    cublasComputeType_t compute;
};

DtypeInfo dtype_info(const std::string& dtype) {
    if (dtype == "bf16") return {CUDA_R_16BF, CUDA_R_16BF, ElemType::BF16, CUBLAS_COMPUTE_32F};
    if (dtype == "fp16") return {CUDA_R_16F, CUDA_R_16F, ElemType::FP16, CUBLAS_COMPUTE_32F};
    if (dtype == "tf32")
        return {CUDA_R_32F, CUDA_R_32F, ElemType::FP32, CUBLAS_COMPUTE_32F_FAST_TF32};
    if (dtype == "fp32") return {CUDA_R_32F, CUDA_R_32F, ElemType::FP32, CUBLAS_COMPUTE_32F};
    // fp8
    return {CUDA_R_8F_E4M3, CUDA_R_16BF, ElemType::FP8_E4M3, CUBLAS_COMPUTE_32F};
}

// Device buffers big enough for the largest point of the plan, allocated once.
struct GemmBuffers {
    void* a = nullptr;
    void* b = nullptr;
    void* c = nullptr;
    explicit GemmBuffers(const std::vector<GemmShape>& plan) {
        std::size_t a_bytes = 1, b_bytes = 1, c_bytes = 1;
        for (const auto& s : plan) {
            a_bytes = std::max(a_bytes, std::size_t(s.m * s.k) * gemm_input_bytes(s.dtype));
            b_bytes = std::max(b_bytes, std::size_t(s.k * s.n) * gemm_input_bytes(s.dtype));
            c_bytes = std::max(c_bytes, std::size_t(s.m * s.n) * gemm_output_bytes(s.dtype));
        }
        progress("gemm: allocating %.2f GB of operands", (a_bytes + b_bytes + c_bytes) / 1e9);
        RCN_CUDA_CHECK(cudaMalloc(&a, a_bytes));
        RCN_CUDA_CHECK(cudaMalloc(&b, b_bytes));
        RCN_CUDA_CHECK(cudaMalloc(&c, c_bytes));
    }
    ~GemmBuffers() {
        cudaFree(a);
        cudaFree(b);
        cudaFree(c);
    }
    GemmBuffers(const GemmBuffers&) = delete;
    GemmBuffers& operator=(const GemmBuffers&) = delete;
};

// cuBLASLt descriptors and the chosen algorithm for one fp8 shape.
struct LtPlan {
    cublasLtMatmulDesc_t desc = nullptr;
    cublasLtMatrixLayout_t a = nullptr, b = nullptr, d = nullptr;
    cublasLtMatmulPreference_t pref = nullptr;
    cublasLtMatmulHeuristicResult_t heur{};
    bool found = false;

    LtPlan(const BenchContext& ctx, const GemmShape& s) {
        const auto M = static_cast<std::uint64_t>(s.n), N = static_cast<std::uint64_t>(s.m),
                   K = static_cast<std::uint64_t>(s.k);
        RCN_CUBLAS_CHECK(cublasLtMatmulDescCreate(&desc, CUBLAS_COMPUTE_32F, CUDA_R_32F));
        const cublasOperation_t ta = CUBLAS_OP_T, tb = CUBLAS_OP_N;
        RCN_CUBLAS_CHECK(cublasLtMatmulDescSetAttribute(desc, CUBLASLT_MATMUL_DESC_TRANSA, &ta, sizeof ta));
        RCN_CUBLAS_CHECK(cublasLtMatmulDescSetAttribute(desc, CUBLASLT_MATMUL_DESC_TRANSB, &tb, sizeof tb));
        RCN_CUBLAS_CHECK(cublasLtMatrixLayoutCreate(&a, CUDA_R_8F_E4M3, K, M, K));
        RCN_CUBLAS_CHECK(cublasLtMatrixLayoutCreate(&b, CUDA_R_8F_E4M3, K, N, K));
        RCN_CUBLAS_CHECK(cublasLtMatrixLayoutCreate(&d, CUDA_R_16BF, M, N, M));
        RCN_CUBLAS_CHECK(cublasLtMatmulPreferenceCreate(&pref));
        const std::uint64_t ws = ctx.workspace_bytes;
        RCN_CUBLAS_CHECK(cublasLtMatmulPreferenceSetAttribute(
            pref, CUBLASLT_MATMUL_PREF_MAX_WORKSPACE_BYTES, &ws, sizeof ws));
        int returned = 0;
        const cublasStatus_t st =
            cublasLtMatmulAlgoGetHeuristic(ctx.lt, desc, a, b, d, d, pref, 1, &heur, &returned);
        // NOT_SUPPORTED here means "no kernel for this shape/type": a gap, not an error.
        if (st != CUBLAS_STATUS_NOT_SUPPORTED) RCN_CUBLAS_CHECK(st);
        found = st == CUBLAS_STATUS_SUCCESS && returned > 0;
    }
    ~LtPlan() {
        cublasLtMatmulPreferenceDestroy(pref);
        cublasLtMatrixLayoutDestroy(d);
        cublasLtMatrixLayoutDestroy(b);
        cublasLtMatrixLayoutDestroy(a);
        cublasLtMatmulDescDestroy(desc);
    }
    LtPlan(const LtPlan&) = delete;
    LtPlan& operator=(const LtPlan&) = delete;
};

void gemm_ex(const BenchContext& ctx, const GemmShape& s, const DtypeInfo& t,
             const GemmBuffers& buf) {
    const float alpha = 1.0f, beta = 0.0f;
    const int m = static_cast<int>(s.m), n = static_cast<int>(s.n), k = static_cast<int>(s.k);
    RCN_CUBLAS_CHECK(cublasGemmEx(ctx.blas, CUBLAS_OP_N, CUBLAS_OP_N, n, m, k, &alpha, buf.b,
                                  t.in, n, buf.a, t.in, k, &beta, buf.c, t.out, n, t.compute,
                                  CUBLAS_GEMM_DEFAULT));
}

void lt_matmul(const BenchContext& ctx, const LtPlan& p, const GemmBuffers& buf) {
    const float alpha = 1.0f, beta = 0.0f;
    RCN_CUBLAS_CHECK(cublasLtMatmul(ctx.lt, p.desc, &alpha, buf.b, p.a, buf.a, p.b, &beta, buf.c,
                                    p.d, buf.c, p.d, &p.heur.algo, ctx.workspace,
                                    ctx.workspace_bytes, ctx.stream));
}

// Runs large bf16 products for ~0.3 s so the first points are not timed while the
// clocks ramp up from idle.
void ramp_clocks(const BenchContext& ctx, const GemmBuffers& buf) {
    const GemmShape s{"bf16", 4096, 4096, 4096, "warmup"};
    const DtypeInfo t = dtype_info(s.dtype);
    fill_random(buf.a, std::size_t(s.m * s.k), t.fill, 1, ctx.stream);
    fill_random(buf.b, std::size_t(s.k * s.n), t.fill, 2, ctx.stream);
    const double until = seconds_since_start() + 0.3;
    while (seconds_since_start() < until) {
        for (int i = 0; i < 20; ++i) gemm_ex(ctx, s, t, buf);
        RCN_CUDA_CHECK(cudaStreamSynchronize(ctx.stream));
    }
}

}  // namespace

std::vector<GemmPoint> run_gemm_bench(const BenchContext& ctx, const std::vector<GemmShape>& plan) {
    std::vector<GemmPoint> points;
    if (plan.empty()) return points;
    GemmBuffers buf(plan);
    ramp_clocks(ctx, buf);

    BatchedTiming cfg;
    cfg.warmup = 3;
    // Samples of >= 5 ms (quick) / 10 ms (full) of back-to-back products: long enough
    // that the rate is the sustained one under the board's power limit, not a burst.
    cfg.reps = ctx.quick ? 10 : 20;
    cfg.target_batch_s = ctx.quick ? 5e-3 : 10e-3;

    std::uint64_t seed = 100;
    for (const auto& s : plan) {
        const DtypeInfo t = dtype_info(s.dtype);
        fill_random(buf.a, std::size_t(s.m * s.k), t.fill, ++seed, ctx.stream);
        fill_random(buf.b, std::size_t(s.k * s.n), t.fill, ++seed, ctx.stream);

        SampleStats st;
        if (s.dtype == "fp8") {
            const LtPlan lt(ctx, s);
            if (!lt.found) {
                progress("gemm %-4s %6lldx%6lldx%6lld %-16s skipped: cuBLASLt has no algorithm",
                         s.dtype.c_str(), (long long)s.m, (long long)s.n, (long long)s.k,
                         s.label.c_str());
                continue;
            }
            st = time_batched(ctx.stream, [&] { lt_matmul(ctx, lt, buf); }, cfg);
        } else {
            st = time_batched(ctx.stream, [&] { gemm_ex(ctx, s, t, buf); }, cfg);
        }

        GemmPoint p;
        p.dtype = s.dtype;
        p.m = s.m;
        p.n = s.n;
        p.k = s.k;
        p.label = s.label;
        p.seconds = st.median;
        p.min_s = st.min;
        p.max_s = st.max;
        p.tflops = gemm_flops(s) / st.median / 1e12;
        progress("gemm %-4s %6lldx%6lldx%6lld %-16s %10.4f ms %8.1f TFLOP/s", s.dtype.c_str(),
                 (long long)s.m, (long long)s.n, (long long)s.k, s.label.c_str(),
                 st.median * 1e3, p.tflops);
        points.push_back(p);
    }
    RCN_CUDA_CHECK(cudaStreamSynchronize(ctx.stream));
    return points;
}

}  // namespace rcn::calibrate
