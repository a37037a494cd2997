// Data model of one rcnsim-calibrate run and its JSON writer.
//
// Why CPU-only: the simulator's unit tests must check the schema and the writer on
// machines without a GPU (CI has none). The schema mirrors
// shared/calibration/nvidia-h200/microbench.json (keys meta, gemm, memcpy_d2d, pcie,
// launch, sdpa) so a measured file and the shipped one compare point by point; it adds
// min_s/max_s where the shipped file has only a median, and the nccl section.
#pragma once

#include <cstdint>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

namespace rcn::calibrate {

// Facts about the measured GPU and the software stack; written as "meta".
struct DeviceMeta {
    std::string name;
    int sms = 0;
    std::uint64_t mem_bytes = 0;
    std::string cc;  // "9.0"
    std::uint64_t l2_bytes = 0;
    int device = 0;  // CUDA ordinal of this GPU
    std::string pci_bus_id;
    int gpu_count = 0;      // local GPUs visible to the CUDA runtime
    std::string cuda;       // runtime version, "13.0"
    std::string cuda_driver;  // highest CUDA version the driver supports, "13.0"
    std::string cublas;     // "13.0.2"
    std::string cublaslt;   // cublasLtGetVersion(), e.g. "130002"
    std::string nccl;       // "2.28.9"; empty: built without NCCL (written as null)
    std::string smi;        // nvidia-smi CSV query (same columns as the shipped file), or ""
    std::string measured_on;  // UTC date, YYYY-MM-DD
    std::string measured_at;  // UTC time, ISO 8601
    std::string tool = "rcnsim-calibrate";
    std::string mode;        // "quick" | "full"
    double elapsed_s = 0.0;  // wall time of the whole run
};

// One matrix product D[m,n] = A[m,k] * B[k,n] (row-major view), per-call times.
struct GemmPoint {
    std::string dtype;  // bf16 | fp16 | tf32 | fp32 | fp8
    std::int64_t m = 0, n = 0, k = 0;
    std::string label;  // square | qkv_h4096 | ... (as in the shipped file)
    double seconds = 0.0;  // median
    double min_s = 0.0, max_s = 0.0;
    double tflops = 0.0;  // 2*m*n*k / seconds / 1e12
};

// Device-to-device copy of `bytes`; gbps_rw counts bytes read plus bytes written.
struct MemcpyPoint {
    std::uint64_t bytes = 0;
    double seconds = 0.0, min_s = 0.0, max_s = 0.0;
    double gbps_rw = 0.0;  // 2*bytes / seconds / 1e9
};

// One host<->device copy.
struct PciePoint {
    std::string direction;  // h2d | d2h
    bool pinned = false;
    std::uint64_t bytes = 0;
    double seconds = 0.0, min_s = 0.0, max_s = 0.0;
    double gbps = 0.0;  // bytes / seconds / 1e9
};

// Kernel launch overheads (seconds).
struct LaunchFigures {
    double eager_per_kernel_s = 0.0;  // back-to-back empty kernels, stream launches
    double graph_per_kernel_s = 0.0;  // the same kernels replayed from one CUDA graph
    double sync_s = 0.0;              // cudaDeviceSynchronize on an idle device
    double roundtrip_s = 0.0;         // launch one empty kernel and wait for it
};

// One NCCL collective; bytes as nccl-tests' "size" column.
struct NcclPoint {
    std::string op;  // allreduce | allgather | reducescatter | alltoall | sendrecv
    int ranks = 0;
    std::uint64_t bytes = 0;
    double seconds = 0.0, min_s = 0.0, max_s = 0.0;
    double algbw = 0.0;  // GB/s: bytes / seconds / 1e9
    double busbw = 0.0;  // GB/s: algbw * bus factor (see collective_math.hpp)
};

// Everything measured on one GPU.
struct DeviceResults {
    DeviceMeta meta;
    std::vector<GemmPoint> gemm;
    std::vector<MemcpyPoint> memcpy_d2d;
    std::vector<PciePoint> pcie;
    LaunchFigures launch;
};

// A whole run: the first GPU at top level (shipped-file schema), further GPUs of a
// full run under "other_devices", and the NCCL section spanning all GPUs.
struct Microbench {
    DeviceResults primary;
    std::vector<DeviceResults> other_devices;
    std::vector<NcclPoint> nccl;
    std::string nccl_skipped;  // non-empty: why there are no NCCL points
    std::string sdpa_skipped;  // non-empty: why "sdpa" is empty
};

// JSON string literal body for `s` (quotes not included): escapes '"', '\\' and every
// control character below 0x20; other bytes (UTF-8) pass through.
std::string json_escape(std::string_view s);

// Shortest-safe number text: "%.17g" (round-trips a double); NaN/Inf become "null".
std::string json_number(double d);

// Whole document, indented by one space per level like the shipped file.
void write_json(std::ostream& os, const Microbench& mb);
std::string to_json(const Microbench& mb);

}  // namespace rcn::calibrate
