// See device_info.hpp. nvidia-smi is asked (when present) for the same columns the
// shipped file records, for the driver version, power limit and clocks that the CUDA
// runtime does not report.
#include "device_info.hpp"
#include "benches.hpp"
#include "check.hpp"

#include <cublasLt.h>

#include <cstdio>
#include <ctime>

namespace rcn::calibrate {

namespace {

std::string version_string(int v) {  // CUDA's 1000*major + 10*minor
    return std::to_string(v / 1000) + "." + std::to_string(v % 1000 / 10);
}

std::string run_command(const std::string& cmd) {
    std::string out;
    FILE* p = popen(cmd.c_str(), "r");
    if (!p) return out;
    char buf[512];
    while (std::fgets(buf, sizeof buf, p)) out += buf;
    if (pclose(p) != 0) out.clear();
    return out;
}

std::string smi_query(const std::string& pci_bus_id) {
    const std::string query =
        "nvidia-smi --query-gpu=name,driver_version,memory.total,power.limit,clocks.max.sm,"
        "clocks.max.memory,pcie.link.gen.max,pcie.link.width.max --format=csv";
    std::string out = run_command(query + " -i " + pci_bus_id + " 2>/dev/null");
    if (out.empty()) out = run_command(query + " 2>/dev/null");
    return out;
}

std::string utc_now(const char* fmt) {
    const std::time_t t = std::time(nullptr);
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buf[64];
    std::strftime(buf, sizeof buf, fmt, &tm);
    return buf;
}

}  // namespace

DeviceMeta collect_device_meta(int device, int gpu_count, const std::string& mode) {
    cudaDeviceProp prop{};
    RCN_CUDA_CHECK(cudaGetDeviceProperties(&prop, device));
    DeviceMeta m;
    m.name = prop.name;
    m.sms = prop.multiProcessorCount;
    m.mem_bytes = prop.totalGlobalMem;
    m.cc = std::to_string(prop.major) + "." + std::to_string(prop.minor);
    m.l2_bytes = static_cast<std::uint64_t>(prop.l2CacheSize);
    m.device = device;
    char bus[32] = {};
    RCN_CUDA_CHECK(cudaDeviceGetPCIBusId(bus, sizeof bus, device));
    m.pci_bus_id = bus;
    m.gpu_count = gpu_count;

    int rt = 0, drv = 0;
    RCN_CUDA_CHECK(cudaRuntimeGetVersion(&rt));
    RCN_CUDA_CHECK(cudaDriverGetVersion(&drv));
    m.cuda = version_string(rt);
    m.cuda_driver = version_string(drv);
    int major = 0, minor = 0, patch = 0;
    RCN_CUBLAS_CHECK(cublasGetProperty(MAJOR_VERSION, &major));
    RCN_CUBLAS_CHECK(cublasGetProperty(MINOR_VERSION, &minor));
    RCN_CUBLAS_CHECK(cublasGetProperty(PATCH_LEVEL, &patch));
    m.cublas = std::to_string(major) + "." + std::to_string(minor) + "." + std::to_string(patch);
    m.cublaslt = std::to_string(cublasLtGetVersion());
    m.nccl = nccl_version();
    m.smi = smi_query(m.pci_bus_id);
    m.measured_on = utc_now("%Y-%m-%d");
    m.measured_at = utc_now("%Y-%m-%dT%H:%M:%SZ");
    m.mode = mode;
    return m;
}

}  // namespace rcn::calibrate
