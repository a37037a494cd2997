#pragma once
// Time of fused (flash) attention on one GPU, from the profile's measured
// forward and forward+backward throughput at a few sequence lengths. The
// rate is interpolated linearly in log(seq) and held flat outside the table;
// FLOPs follow the convention of the measurements (4 b h s^2 d forward,
// halved when causal; backward = 2.5 x forward).
#include "rcn/models/gemm_model.hpp"
#include "rcn/scenario/hardware_profile.hpp"

namespace rcn {

struct AttentionTime {
  double forward_s = 0;
  double backward_s = 0;
  double forward_flops = 0;
};

// `heads` are the query heads on this GPU (after tensor parallelism).
// Without a measured table, the two batched GEMMs (QK^T, PV) of the GEMM
// model stand in.
AttentionTime flash_attention_time(const HardwareProfile& gpu, const GemmModel& gemm, double batch, double heads,
                                   double seq, double head_dim, bool causal);

}  // namespace rcn
