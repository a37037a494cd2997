// See collective_math.hpp.
#include "collective_math.hpp"

namespace rcn::calibrate {

namespace {
bool splits_per_rank(CollectiveOp op) {
    return op == CollectiveOp::AllGather || op == CollectiveOp::ReduceScatter ||
           op == CollectiveOp::AllToAll;
}
}  // namespace

const char* collective_name(CollectiveOp op) {
    switch (op) {
        case CollectiveOp::AllReduce: return "allreduce";
        case CollectiveOp::AllGather: return "allgather";
        case CollectiveOp::ReduceScatter: return "reducescatter";
        case CollectiveOp::AllToAll: return "alltoall";
        case CollectiveOp::SendRecv: return "sendrecv";
    }
    return "unknown";
}

double busbw_factor(CollectiveOp op, int nranks) {
    if (nranks < 1) return 0.0;
    const double n = nranks;
    switch (op) {
        case CollectiveOp::AllReduce: return 2.0 * (n - 1.0) / n;
        case CollectiveOp::AllGather:
        case CollectiveOp::ReduceScatter:
        case CollectiveOp::AllToAll: return (n - 1.0) / n;
        case CollectiveOp::SendRecv: return 1.0;
    }
    return 0.0;
}

std::vector<std::uint64_t> collective_sizes(bool quick, std::uint64_t max_bytes) {
    std::vector<std::uint64_t> sizes;
    const std::uint64_t step = quick ? 4 : 2;
    std::uint64_t b = 8;
    for (; b <= max_bytes; b *= step) {
        sizes.push_back(b);
        if (b > max_bytes / step) break;  // next step would overflow or pass the end
    }
    if (!sizes.empty() && sizes.back() != max_bytes && max_bytes >= 8) sizes.push_back(max_bytes);
    return sizes;
}

std::uint64_t collective_chunk_elems(CollectiveOp op, std::uint64_t bytes, int nranks,
                                     std::uint64_t elem_bytes) {
    if (nranks < 1 || elem_bytes == 0) return 0;
    const std::uint64_t elems = bytes / elem_bytes;
    return splits_per_rank(op) ? elems / static_cast<std::uint64_t>(nranks) : elems;
}

std::uint64_t collective_bytes(CollectiveOp op, std::uint64_t chunk_elems, int nranks,
                               std::uint64_t elem_bytes) {
    const std::uint64_t per = chunk_elems * elem_bytes;
    return splits_per_rank(op) ? per * static_cast<std::uint64_t>(nranks) : per;
}

}  // namespace rcn::calibrate
