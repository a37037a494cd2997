#pragma once
// Kernel-level cost on one GPU: every op of a training layer or of a serving
// step is one kernel (or a few), and its time is what bounds it (the matrix
// units for GEMMs and attention, HBM for everything else) plus the cost of
// launching it. Training layers, prefill and decode are all summed from these
// few primitives, so a norm or a launch costs the same wherever it appears.
#include <string>

#include "rcn/models/attention_model.hpp"
#include "rcn/models/gemm_model.hpp"
#include "rcn/scenario/hardware_profile.hpp"

namespace rcn {

class KernelModel {
 public:
  // `cuda_graphs`: kernels are replayed from a CUDA graph (the profile's
  // graph_launch_overhead per kernel) instead of launched one by one.
  explicit KernelModel(const HardwareProfile& gpu, bool cuda_graphs = false);

  const HardwareProfile& gpu() const { return *gpu_; }
  const GemmModel& gemm_model() const { return gemm_; }

  // Seconds to launch one kernel (eager, or graph replay).
  double launch_s() const { return launch_; }
  // Achieved HBM bandwidth of a streaming kernel, bytes/s.
  double hbm_rate() const { return hbm_rate_; }

  // `kernels` memory-bound kernels (one by default) that read and write `bytes` in all:
  //   bytes / (hbm_bandwidth x hbm_efficiency) + kernels x launch.
  double memory_bound_s(double bytes, int kernels = 1) const;

  // One GEMM kernel C[m,n] = A[m,k] B[k,n] in `precision`, launch included.
  double gemm_s(const std::string& precision, double m, double n, double k) const;

  // Flash attention of `batch` sequences of `seq` tokens, `heads` query heads
  // on this GPU, launches included.
  AttentionTime attention(double batch, double heads, double seq, double head_dim, bool causal) const;

 private:
  const HardwareProfile* gpu_;
  GemmModel gemm_;
  double launch_ = 0;
  double hbm_rate_ = 0;
};

}  // namespace rcn
