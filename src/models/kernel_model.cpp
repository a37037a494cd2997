#include "rcn/models/kernel_model.hpp"

namespace rcn {

KernelModel::KernelModel(const HardwareProfile& gpu, bool cuda_graphs)
    : gpu_(&gpu),
      gemm_(gpu),
      launch_(cuda_graphs ? (gpu.graph_launch_overhead > 0 ? gpu.graph_launch_overhead : gpu.launch_overhead / 8)
                          : gpu.launch_overhead),
      hbm_rate_(gpu.hbm_bandwidth * gpu.hbm_efficiency) {}

double KernelModel::memory_bound_s(double bytes, int kernels) const {
  if (!(bytes > 0) || kernels <= 0) return 0;
  return bytes / hbm_rate_ + kernels * launch_;
}

double KernelModel::gemm_s(const std::string& precision, double m, double n, double k) const {
  // The measured table was timed as back-to-back calls: it includes the per-call cost.
  return gemm_.seconds(precision, m, n, k);
}

AttentionTime KernelModel::attention(double batch, double heads, double seq, double head_dim, bool causal) const {
  return flash_attention_time(*gpu_, gemm_, batch, heads, seq, head_dim, causal);
}

}  // namespace rcn
