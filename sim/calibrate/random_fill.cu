// See random_fill.hpp.
#include "random_fill.hpp"
#include "check.hpp"

#include <cuda_bf16.h>
#include <cuda_fp16.h>
#include <cuda_fp8.h>

namespace rcn::calibrate {

namespace {

// splitmix64 finalizer: a good 64-bit mix for counter-based random numbers.
__device__ __forceinline__ std::uint64_t mix64(std::uint64_t x) {
    x += 0x9E3779B97F4A7C15ull;
    x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
    x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
    return x ^ (x >> 31);
}

// Uniform in [-1, 1) from the top 24 bits.
__device__ __forceinline__ float uniform_pm1(std::uint64_t h) {
    return static_cast<float>(h >> 40) * (2.0f / 16777216.0f) - 1.0f;
}

template <typename T>
__device__ __forceinline__ T from_float(float v);
template <>
__device__ __forceinline__ float from_float<float>(float v) { return v; }
template <>
__device__ __forceinline__ __nv_bfloat16 from_float<__nv_bfloat16>(float v) {
    return __float2bfloat16(v);
}
template <>
__device__ __forceinline__ __half from_float<__half>(float v) { return __float2half(v); }
template <>
__device__ __forceinline__ __nv_fp8_e4m3 from_float<__nv_fp8_e4m3>(float v) {
    return __nv_fp8_e4m3(v);
}

template <typename T>
__global__ void fill_kernel(T* dst, std::size_t count, std::uint64_t seed) {
    const std::size_t stride = static_cast<std::size_t>(gridDim.x) * blockDim.x;
    for (std::size_t i = static_cast<std::size_t>(blockIdx.x) * blockDim.x + threadIdx.x;
         i < count; i += stride) {
        dst[i] = from_float<T>(uniform_pm1(mix64(seed ^ (i * 0xD6E8FEB86659FD93ull))));
    }
}

__global__ void fill_words_kernel(std::uint32_t* dst, std::size_t count, std::uint64_t seed) {
    const std::size_t stride = static_cast<std::size_t>(gridDim.x) * blockDim.x;
    for (std::size_t i = static_cast<std::size_t>(blockIdx.x) * blockDim.x + threadIdx.x;
         i < count; i += stride) {
        dst[i] = static_cast<std::uint32_t>(mix64(seed ^ (i * 0xD6E8FEB86659FD93ull)) >> 32);
    }
}

template <typename T>
void launch_fill(void* dst, std::size_t count, std::uint64_t seed, cudaStream_t stream) {
    constexpr int kThreads = 256;
    constexpr std::size_t kMaxBlocks = 8192;  // grid-stride loop covers the rest
    const std::size_t want = (count + kThreads - 1) / kThreads;
    const unsigned blocks = static_cast<unsigned>(want < kMaxBlocks ? (want ? want : 1) : kMaxBlocks);
    fill_kernel<T><<<blocks, kThreads, 0, stream>>>(static_cast<T*>(dst), count, seed);
    RCN_KERNEL_CHECK();
}

}  // namespace

void fill_random(void* dst, std::size_t count, ElemType type, std::uint64_t seed,
                 cudaStream_t stream) {
    switch (type) {
        case ElemType::BF16: launch_fill<__nv_bfloat16>(dst, count, seed, stream); break;
        case ElemType::FP16: launch_fill<__half>(dst, count, seed, stream); break;
        case ElemType::FP32: launch_fill<float>(dst, count, seed, stream); break;
        case ElemType::FP8_E4M3: launch_fill<__nv_fp8_e4m3>(dst, count, seed, stream); break;
        case ElemType::U32: {
            const std::size_t want = (count + 255) / 256;
            const unsigned blocks = static_cast<unsigned>(want < 8192 ? (want ? want : 1) : 8192);
            fill_words_kernel<<<blocks, 256, 0, stream>>>(static_cast<std::uint32_t*>(dst),
                                                          count, seed);
            RCN_KERNEL_CHECK();
            break;
        }
    }
}

}  // namespace rcn::calibrate
