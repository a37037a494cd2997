// Fills device buffers with pseudo-random values. Benchmarks must not run on zeros:
// matrix units draw less power on zeros and run faster than on real data (13% seen
// on an H200), so the tool fills every input with uniform values in [-1, 1).
#pragma once

#include <cstddef>
#include <cstdint>

#include <cuda_runtime.h>

namespace rcn::calibrate {

enum class ElemType { BF16, FP16, FP32, FP8_E4M3, U32 };

// `count` elements of `type` at `dst`, from a counter hash of (seed, index): no state,
// any grid size, same values on every run. U32 fills raw random words.
void fill_random(void* dst, std::size_t count, ElemType type, std::uint64_t seed,
                 cudaStream_t stream);

}  // namespace rcn::calibrate
