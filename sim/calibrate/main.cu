// rcnsim-calibrate: measures the GPU figures rcnsim's hardware models are fitted to
// (matrix throughput, memory and host-link bandwidth, launch overheads, NCCL
// collectives) and writes them as JSON in the schema of the shipped
// calibration/<gpu>/microbench.json. See docs/calibration.md.
#include "bench_context.hpp"
#include "benches.hpp"
#include "check.hpp"
#include "device_info.hpp"
#include "gemm_plan.hpp"
#include "microbench_json.hpp"
#include "progress.hpp"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <string>

namespace {

using namespace rcn::calibrate;

constexpr const char* kUsage =
    "usage: rcnsim-calibrate [--quick] [-o FILE] [--device N] [--no-nccl] [--help]\n"
    "\n"
    "Measures GEMM throughput (cuBLAS/cuBLASLt), device-memory copy bandwidth,\n"
    "host<->device bandwidth, kernel launch overheads and NCCL collectives, and\n"
    "writes JSON (schema: docs/calibration.md). Progress goes to stderr.\n"
    "\n"
    "  --quick       fewer sizes and repetitions, GPU 0 only (about a minute)\n"
    "  -o FILE       write the JSON to FILE instead of stdout\n"
    "  --device N    measure only GPU N (default: GPU 0 with --quick, else every GPU)\n"
    "  --no-nccl     skip the NCCL collectives\n"
    "  -h, --help    show this text\n";

struct Options {
    bool quick = false;
    bool nccl = true;
    int device = -1;  // -1: default choice
    std::string output;
};

// Returns false (after printing why) on bad arguments; exits 0 for --help.
bool parse(int argc, char** argv, Options& o) {
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        if (a == "-h" || a == "--help") {
            std::fputs(kUsage, stdout);
            std::exit(0);
        } else if (a == "--quick") {
            o.quick = true;
        } else if (a == "--full") {
            o.quick = false;
        } else if (a == "--no-nccl") {
            o.nccl = false;
        } else if ((a == "-o" || a == "--output") && i + 1 < argc) {
            o.output = argv[++i];
        } else if (a == "--device" && i + 1 < argc) {
            char* end = nullptr;
            const long v = std::strtol(argv[++i], &end, 10);
            if (*end != '\0' || v < 0 || v > 1024) {
                std::fprintf(stderr, "rcnsim-calibrate: bad --device value '%s'\n", argv[i]);
                return false;
            }
            o.device = static_cast<int>(v);
        } else {
            std::fprintf(stderr, "rcnsim-calibrate: unknown or incomplete argument '%s'\n\n%s",
                         a.c_str(), kUsage);
            return false;
        }
    }
    return true;
}

DeviceResults measure_device(int device, int gpu_count, bool quick) {
    progress("device %d: setting up", device);
    BenchContext ctx = make_context(device, quick);
    DeviceResults r;
    r.meta = collect_device_meta(device, gpu_count, quick ? "quick" : "full");
    progress("device %d: %s, cc %s, %d SMs, %.1f GB, CUDA %s, cuBLAS %s", device,
             r.meta.name.c_str(), r.meta.cc.c_str(), r.meta.sms, r.meta.mem_bytes / 1e9,
             r.meta.cuda.c_str(), r.meta.cublas.c_str());
    const bool fp8 = ctx.cc >= 89;
    if (!fp8) progress("device %d: compute capability below 8.9, no fp8 points", device);
    r.gemm = run_gemm_bench(ctx, gemm_plan(quick, fp8));
    r.memcpy_d2d = run_memcpy_bench(ctx);
    r.pcie = run_pcie_bench(ctx);
    r.launch = run_launch_bench(ctx);
    destroy_context(ctx);
    return r;
}

}  // namespace

int main(int argc, char** argv) {
    Options opt;
    if (!parse(argc, argv, opt)) return 2;

    int gpu_count = 0;
    const cudaError_t err = cudaGetDeviceCount(&gpu_count);
    if (err != cudaSuccess || gpu_count == 0) {
        std::fprintf(stderr, "rcnsim-calibrate: no CUDA device available (%s)\n",
                     err != cudaSuccess ? cudaGetErrorString(err) : "no GPU found");
        return 1;
    }
    if (opt.device >= gpu_count) {
        std::fprintf(stderr, "rcnsim-calibrate: --device %d, but only %d GPU(s)\n", opt.device,
                     gpu_count);
        return 2;
    }

    std::vector<int> devices;
    if (opt.device >= 0) devices = {opt.device};
    else if (opt.quick) devices = {0};
    else for (int d = 0; d < gpu_count; ++d) devices.push_back(d);

    progress("rcnsim-calibrate (%s mode), %d local GPU(s)", opt.quick ? "quick" : "full", gpu_count);
    Microbench mb;
    mb.sdpa_skipped =
        "not measured: cuBLAS has no fused attention; the shipped sdpa figures come from "
        "PyTorch's flash attention";
    for (std::size_t i = 0; i < devices.size(); ++i) {
        DeviceResults r = measure_device(devices[i], gpu_count, opt.quick);
        if (i == 0) mb.primary = std::move(r);
        else mb.other_devices.push_back(std::move(r));
    }

    if (opt.nccl) {
        NcclOutcome nc = run_nccl_bench(gpu_count, opt.quick);
        mb.nccl = std::move(nc.points);
        mb.nccl_skipped = nc.skipped;
    } else {
        mb.nccl_skipped = "disabled with --no-nccl";
    }

    const double elapsed = seconds_since_start();
    mb.primary.meta.elapsed_s = elapsed;
    for (auto& d : mb.other_devices) d.meta.elapsed_s = elapsed;

    if (opt.output.empty()) {
        write_json(std::cout, mb);
        std::cout.flush();
        if (!std::cout) {
            std::fprintf(stderr, "rcnsim-calibrate: writing to stdout failed\n");
            return 1;
        }
    } else {
        std::ofstream f(opt.output);
        if (f) write_json(f, mb);
        f.close();
        if (!f) {
            std::fprintf(stderr, "rcnsim-calibrate: cannot write %s: %s\n", opt.output.c_str(),
                         std::strerror(errno));
            return 1;
        }
    }
    progress("done in %.1f s%s%s", elapsed, opt.output.empty() ? "" : ", wrote ",
             opt.output.c_str());
    return 0;
}
