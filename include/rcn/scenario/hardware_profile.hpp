#pragma once
// A GPU type as data: datasheet peaks, measured GEMM and attention tables,
// memory, links and power. Profiles live in scenarios/hardware/*.yaml (built
// in) or next to a scenario; each one records where its numbers came from.
// `rcnsim calibrate fit` writes the measured parts from microbenchmarks.
#include <map>
#include <string>
#include <vector>

#include "rcn/scenario/diagnostics.hpp"

namespace rcn {

// One measured matrix product: D[m,n] = A[m,k] B[k,n] at `tflops`.
struct GemmSample {
  double m = 0, n = 0, k = 0;
  double tflops = 0;
};

// One measured flash-attention call (bf16): batch 1 per head group, head dim `head_dim`.
struct AttentionSample {
  double seq = 0;
  int head_dim = 128;
  bool causal = true;
  double fwd_tflops = 0;     // 4 b h s^2 d (halved when causal) over forward time
  double fwdbwd_tflops = 0;  // 3.5 x forward FLOPs over forward + backward time
};

struct ScaleUpProfile {
  std::string kind = "nvswitch";
  double bandwidth = 0;           // datasheet bytes/s per GPU, both directions together
  int links = 0;                  // NVLinks per GPU
  double link_bandwidth = 0;      // effective bytes/s per link per direction (NCCL's topology model)
  double hop_latency = 0;         // seconds per NVLink hop
  double nvls_bus_bandwidth = 0;  // all-reduce bus bandwidth with NVLink SHARP; 0 = no NVLS
};

struct HardwareProfile {
  std::string name;         // key used by clusters[].gpu, e.g. h200-sxm
  std::string description;  // "NVIDIA H200 SXM 141GB"
  std::string source;       // provenance of every number below
  std::map<std::string, double> peak_flops;  // precision (bf16, fp16, fp8, tf32, fp32) -> FLOP/s, dense
  double memory_bytes = 0;
  double hbm_bandwidth = 0;     // datasheet bytes/s
  double hbm_efficiency = 0.85; // achieved / datasheet for streaming kernels (measured copy)
  double launch_overhead = 5e-6;  // seconds per kernel launch (eager: one CPU launch per kernel)
  double graph_launch_overhead = 0;  // seconds per kernel replayed from a CUDA graph; 0 = unknown (launch_overhead / 8)
  int sm_count = 0;                  // streaming multiprocessors; 0 = unknown (no tile under-fill modelled)
  // Measured GEMM throughput per precision, or empty with gemm_from naming a
  // profile whose efficiency shape (tflops / peak) is reused at this GPU's peaks.
  std::map<std::string, std::vector<GemmSample>> gemm;
  std::string gemm_from;
  std::vector<AttentionSample> attention;  // likewise, with attention_from
  std::string attention_from;
  ScaleUpProfile scale_up;
  double nic_efficiency = 0.94;   // NCCL bus bandwidth / NIC line rate
  double net_hop_latency = 5e-6;  // seconds per network hop (NIC to NIC)
  double tdp_w = 0;
  double idle_power_w = 0;  // drawn by an allocated-but-idle or unallocated GPU
  double busy_power_w = 0;  // drawn while training
  SourceLoc loc;

  double scale_up_bandwidth() const { return scale_up.bandwidth; }
  double peak(const std::string& precision) const;  // 0 when the GPU has no such precision
};

// Bytes of one matrix element in `precision` (fp8 1; tf32, fp32 4; bf16, fp16 2).
double bytes_per_element(const std::string& precision);

// Parses one profile document. `file` names it in diagnostics.
HardwareProfile parse_hardware_profile(const std::string& yaml_text, const std::string& file, Diagnostics& diags);

// Fills the GEMM and attention tables of profiles that derive them (gemm_from,
// attention_from) from the named profiles: each GEMM's compute-bound share
// scaled by the ratio of peaks, its memory-bound share by the ratio of HBM
// bandwidths (datasheet figures); attention by the ratio of bf16 peaks.
void resolve_derived_profiles(std::map<std::string, HardwareProfile>& profiles, Diagnostics& diags);

// Writes a profile as YAML that parse_hardware_profile reads back.
std::string hardware_profile_yaml(const HardwareProfile& p);

// Profiles compiled into the binary from scenarios/hardware/*.yaml, resolved.
const std::map<std::string, HardwareProfile>& builtin_hardware_profiles();

}  // namespace rcn
