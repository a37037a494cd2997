// Collective bandwidth between the local GPUs, the numbers the simulator's intra-node
// network model is fitted to. One process drives every GPU (ncclCommInitAll) and
// issues each collective for all ranks inside one ncclGroupStart/End, one stream per
// GPU. Time is host wall clock from "all streams idle" to "all streams idle again"
// over a batch of back-to-back collectives, as nccl-tests does; sizes, algbw and busbw
// follow nccl-tests (collective_math.hpp). Built without NCCL, or with fewer than two
// GPUs, it measures nothing and says why.
#include "benches.hpp"
#include "check.hpp"
#include "collective_math.hpp"
#include "progress.hpp"
#include "sample_stats.hpp"
#include "random_fill.hpp"

#include <algorithm>
#include <chrono>

namespace rcn::calibrate {

#if defined(RCN_HAVE_NCCL) && RCN_HAVE_NCCL

std::string nccl_version() {
    int v = 0;
    RCN_NCCL_CHECK(ncclGetVersion(&v));
    // Since 2.9 the code is major*10000 + minor*100 + patch.
    return std::to_string(v / 10000) + "." + std::to_string(v / 100 % 100) + "." +
           std::to_string(v % 100);
}

namespace {

struct Rank {
    int device = 0;
    ncclComm_t comm = nullptr;
    cudaStream_t stream = nullptr;
    float* send = nullptr;
    float* recv = nullptr;
};

// One collective on every rank. `chunk` is in floats (see collective_chunk_elems).
void enqueue(CollectiveOp op, const std::vector<Rank>& ranks, std::uint64_t chunk) {
    const int n = static_cast<int>(ranks.size());
    RCN_NCCL_CHECK(ncclGroupStart());
    for (int r = 0; r < n; ++r) {
        const Rank& R = ranks[r];
        switch (op) {
            case CollectiveOp::AllReduce:
                RCN_NCCL_CHECK(ncclAllReduce(R.send, R.recv, chunk, ncclFloat, ncclSum, R.comm, R.stream));
                break;
            case CollectiveOp::AllGather:
                RCN_NCCL_CHECK(ncclAllGather(R.send, R.recv, chunk, ncclFloat, R.comm, R.stream));
                break;
            case CollectiveOp::ReduceScatter:
                RCN_NCCL_CHECK(ncclReduceScatter(R.send, R.recv, chunk, ncclFloat, ncclSum, R.comm, R.stream));
                break;
            case CollectiveOp::AllToAll:
                for (int p = 0; p < n; ++p) {
                    RCN_NCCL_CHECK(ncclSend(R.send + p * chunk, chunk, ncclFloat, p, R.comm, R.stream));
                    RCN_NCCL_CHECK(ncclRecv(R.recv + p * chunk, chunk, ncclFloat, p, R.comm, R.stream));
                }
                break;
            case CollectiveOp::SendRecv:  // a ring: each rank sends to the next
                RCN_NCCL_CHECK(ncclSend(R.send, chunk, ncclFloat, (r + 1) % n, R.comm, R.stream));
                RCN_NCCL_CHECK(ncclRecv(R.recv, chunk, ncclFloat, (r + n - 1) % n, R.comm, R.stream));
                break;
        }
    }
    RCN_NCCL_CHECK(ncclGroupEnd());
}

void sync_all(const std::vector<Rank>& ranks) {
    for (const Rank& R : ranks) {
        RCN_CUDA_CHECK(cudaSetDevice(R.device));
        RCN_CUDA_CHECK(cudaStreamSynchronize(R.stream));
    }
}

// Seconds per collective over `inner` back-to-back ones.
double time_batch(CollectiveOp op, const std::vector<Rank>& ranks, std::uint64_t chunk, int inner) {
    sync_all(ranks);
    const auto t0 = std::chrono::steady_clock::now();
    for (int i = 0; i < inner; ++i) enqueue(op, ranks, chunk);
    sync_all(ranks);
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count() / inner;
}

}  // namespace

NcclOutcome run_nccl_bench(int gpu_count, bool quick) {
    NcclOutcome out;
    if (gpu_count < 2) {
        out.skipped = "only " + std::to_string(gpu_count) +
                      " local GPU: NCCL collectives need at least 2";
        progress("nccl: skipped (%s)", out.skipped.c_str());
        return out;
    }
    const int n = gpu_count;

    // Up to 1 GiB per buffer, less where a GPU has not 4x that free.
    std::uint64_t max_bytes = std::uint64_t(1) << 30;
    for (int d = 0; d < n; ++d) {
        std::size_t free_b = 0, total_b = 0;
        RCN_CUDA_CHECK(cudaSetDevice(d));
        RCN_CUDA_CHECK(cudaMemGetInfo(&free_b, &total_b));
        while (max_bytes > (std::uint64_t(1) << 20) && 4 * max_bytes > free_b) max_bytes /= 2;
    }

    std::vector<Rank> ranks(n);
    std::vector<ncclComm_t> comms(n);
    std::vector<int> devs(n);
    for (int d = 0; d < n; ++d) devs[d] = d;
    progress("nccl %s: initialising %d ranks", nccl_version().c_str(), n);
    RCN_NCCL_CHECK(ncclCommInitAll(comms.data(), n, devs.data()));
    for (int d = 0; d < n; ++d) {
        Rank& R = ranks[d];
        R.device = d;
        R.comm = comms[d];
        RCN_CUDA_CHECK(cudaSetDevice(d));
        RCN_CUDA_CHECK(cudaStreamCreateWithFlags(&R.stream, cudaStreamNonBlocking));
        RCN_CUDA_CHECK(cudaMalloc(&R.send, max_bytes));
        RCN_CUDA_CHECK(cudaMalloc(&R.recv, max_bytes));
        fill_random(R.send, max_bytes / sizeof(float), ElemType::FP32, 1000 + d, R.stream);
        RCN_CUDA_CHECK(cudaMemsetAsync(R.recv, 0, max_bytes, R.stream));
    }
    sync_all(ranks);

    const int reps = quick ? 5 : 10;
    const CollectiveOp ops[] = {CollectiveOp::AllReduce, CollectiveOp::AllGather,
                                CollectiveOp::ReduceScatter, CollectiveOp::AllToAll,
                                CollectiveOp::SendRecv};
    for (const CollectiveOp op : ops) {
        for (const std::uint64_t want : collective_sizes(quick, max_bytes)) {
            const std::uint64_t chunk = collective_chunk_elems(op, want, n, sizeof(float));
            if (chunk == 0) continue;  // too small to give every rank one element
            const std::uint64_t bytes = collective_bytes(op, chunk, n, sizeof(float));
            const int inner = bytes <= (1u << 20) ? 20 : bytes <= (64u << 20) ? 5 : 2;
            time_batch(op, ranks, chunk, 2);  // warm-up (first use sets up channels)
            std::vector<double> samples;
            for (int r = 0; r < reps; ++r) samples.push_back(time_batch(op, ranks, chunk, inner));
            const SampleStats st = summarize(samples);

            NcclPoint p;
            p.op = collective_name(op);
            p.ranks = n;
            p.bytes = bytes;
            p.seconds = st.median;
            p.min_s = st.min;
            p.max_s = st.max;
            p.algbw = double(bytes) / st.median / 1e9;
            p.busbw = p.algbw * busbw_factor(op, n);
            progress("nccl %-13s %d ranks %12llu B %10.4f ms algbw %8.2f busbw %8.2f GB/s",
                     p.op.c_str(), n, (unsigned long long)bytes, st.median * 1e3, p.algbw, p.busbw);
            out.points.push_back(p);
        }
    }

    for (Rank& R : ranks) {
        RCN_CUDA_CHECK(cudaSetDevice(R.device));
        RCN_CUDA_CHECK(cudaStreamSynchronize(R.stream));
        RCN_NCCL_CHECK(ncclCommDestroy(R.comm));
        RCN_CUDA_CHECK(cudaFree(R.send));
        RCN_CUDA_CHECK(cudaFree(R.recv));
        RCN_CUDA_CHECK(cudaStreamDestroy(R.stream));
    }
    return out;
}

#else  // built without NCCL

std::string nccl_version() { return ""; }

NcclOutcome run_nccl_bench(int gpu_count, bool /*quick*/) {
    NcclOutcome out;
    out.skipped = "built without NCCL (nccl.h or libnccl not found when configuring); " +
                  std::to_string(gpu_count) + " local GPU(s)";
    progress("nccl: skipped (%s)", out.skipped.c_str());
    return out;
}

#endif

}  // namespace rcn::calibrate
