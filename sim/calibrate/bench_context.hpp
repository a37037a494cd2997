// What every single-GPU benchmark needs: the device, its stream and library handles,
// and how thorough to be. Created once per GPU by main so handle set-up stays out of
// the timed regions.
#pragma once

#include <cstddef>

#include <cublasLt.h>
#include <cublas_v2.h>
#include <cuda_runtime.h>

namespace rcn::calibrate {

struct BenchContext {
    int device = 0;
    int cc = 0;  // compute capability as major*10+minor
    bool quick = false;
    cudaStream_t stream = nullptr;
    cublasHandle_t blas = nullptr;
    cublasLtHandle_t lt = nullptr;
    void* workspace = nullptr;  // shared by cuBLAS and cuBLASLt (same stream, serial use)
    std::size_t workspace_bytes = 0;
};

// Sets the device and creates the stream, handles and workspace.
BenchContext make_context(int device, bool quick);
void destroy_context(BenchContext& ctx);

}  // namespace rcn::calibrate
