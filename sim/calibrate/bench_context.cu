// See bench_context.hpp.
#include "bench_context.hpp"
#include "check.hpp"

namespace rcn::calibrate {

namespace {
// cuBLAS asks for 32 MiB on Hopper for its fastest kernels; smaller starves split-K.
constexpr std::size_t kWorkspaceBytes = 32u << 20;
}  // namespace

BenchContext make_context(int device, bool quick) {
    BenchContext ctx;
    ctx.device = device;
    ctx.quick = quick;
    RCN_CUDA_CHECK(cudaSetDevice(device));
    int major = 0, minor = 0;
    RCN_CUDA_CHECK(cudaDeviceGetAttribute(&major, cudaDevAttrComputeCapabilityMajor, device));
    RCN_CUDA_CHECK(cudaDeviceGetAttribute(&minor, cudaDevAttrComputeCapabilityMinor, device));
    ctx.cc = major * 10 + minor;
    RCN_CUDA_CHECK(cudaStreamCreateWithFlags(&ctx.stream, cudaStreamNonBlocking));
    RCN_CUBLAS_CHECK(cublasCreate(&ctx.blas));
    RCN_CUBLAS_CHECK(cublasSetStream(ctx.blas, ctx.stream));
    RCN_CUBLAS_CHECK(cublasLtCreate(&ctx.lt));
    ctx.workspace_bytes = kWorkspaceBytes;
    RCN_CUDA_CHECK(cudaMalloc(&ctx.workspace, ctx.workspace_bytes));
    RCN_CUBLAS_CHECK(cublasSetWorkspace(ctx.blas, ctx.workspace, ctx.workspace_bytes));
    return ctx;
}

void destroy_context(BenchContext& ctx) {
    RCN_CUDA_CHECK(cudaSetDevice(ctx.device));
    RCN_CUDA_CHECK(cudaStreamSynchronize(ctx.stream));
    RCN_CUBLAS_CHECK(cublasLtDestroy(ctx.lt));
    RCN_CUBLAS_CHECK(cublasDestroy(ctx.blas));
    RCN_CUDA_CHECK(cudaFree(ctx.workspace));
    RCN_CUDA_CHECK(cudaStreamDestroy(ctx.stream));
    ctx = BenchContext{};
}

}  // namespace rcn::calibrate
