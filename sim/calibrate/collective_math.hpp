// Sizes and bus-bandwidth factors of the NCCL collectives. Kept apart from the NCCL
// code so the arithmetic is testable without GPUs. Conventions follow nccl-tests:
// "bytes" is its size column (the whole per-rank buffer: the reduced vector for
// allreduce, the gathered output for allgather, the input for reducescatter, the
// whole send buffer for alltoall, the message for sendrecv), algbw = bytes/time and
// busbw = algbw * factor, which makes busbw comparable to link bandwidth.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace rcn::calibrate {

enum class CollectiveOp { AllReduce, AllGather, ReduceScatter, AllToAll, SendRecv };

// allreduce | allgather | reducescatter | alltoall | sendrecv
const char* collective_name(CollectiveOp op);

// allreduce 2(n-1)/n; allgather, reducescatter, alltoall (n-1)/n; sendrecv 1.
// nranks < 1 is invalid (returns 0).
double busbw_factor(CollectiveOp op, int nranks);

// Message sizes: 8 B doubling up to max_bytes (full), or every other of them plus
// max_bytes itself (quick).
std::vector<std::uint64_t> collective_sizes(bool quick, std::uint64_t max_bytes);

// Elements of `elem_bytes` each per peer chunk for a size: allgather, reducescatter and
// alltoall split the buffer into nranks chunks; others use the whole buffer. Returns 0
// when the size is too small to give each rank one element.
std::uint64_t collective_chunk_elems(CollectiveOp op, std::uint64_t bytes, int nranks,
                                     std::uint64_t elem_bytes);

// Size actually moved for a chunk count (bytes rounded down to whole chunks).
std::uint64_t collective_bytes(CollectiveOp op, std::uint64_t chunk_elems, int nranks,
                               std::uint64_t elem_bytes);

}  // namespace rcn::calibrate
