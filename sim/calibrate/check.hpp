// Return-code checks for CUDA runtime, cuBLAS and NCCL calls. A benchmark that carries
// on after a failed call reports nonsense, so every failure prints file:line, the
// call and the library's error string, and exits with status 1.
#pragma once

#include <cstdio>
#include <cstdlib>

#include <cublas_v2.h>
#include <cuda_runtime.h>

namespace rcn::calibrate {

[[noreturn]] inline void die(const char* file, int line, const char* expr, const char* what) {
    std::fprintf(stderr, "rcnsim-calibrate: %s:%d: %s failed: %s\n", file, line, expr, what);
    std::fflush(stderr);
    std::exit(1);
}

}  // namespace rcn::calibrate

#define RCN_CUDA_CHECK(expr)                                                       \
    do {                                                                           \
        const cudaError_t rcn_err_ = (expr);                                       \
        if (rcn_err_ != cudaSuccess)                                               \
            ::rcn::calibrate::die(__FILE__, __LINE__, #expr,                       \
                                  cudaGetErrorString(rcn_err_));                   \
    } while (0)

// After kernel launches: launch errors are reported by cudaGetLastError.
#define RCN_KERNEL_CHECK() RCN_CUDA_CHECK(cudaGetLastError())

#define RCN_CUBLAS_CHECK(expr)                                                     \
    do {                                                                           \
        const cublasStatus_t rcn_st_ = (expr);                                     \
        if (rcn_st_ != CUBLAS_STATUS_SUCCESS)                                      \
            ::rcn::calibrate::die(__FILE__, __LINE__, #expr,                       \
                                  cublasGetStatusString(rcn_st_));                 \
    } while (0)

#if defined(RCN_HAVE_NCCL) && RCN_HAVE_NCCL
#include <nccl.h>
#define RCN_NCCL_CHECK(expr)                                                       \
    do {                                                                           \
        const ncclResult_t rcn_nr_ = (expr);                                       \
        if (rcn_nr_ != ncclSuccess)                                                \
            ::rcn::calibrate::die(__FILE__, __LINE__, #expr,                       \
                                  ncclGetErrorString(rcn_nr_));                    \
    } while (0)
#endif
