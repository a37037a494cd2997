#pragma once
// Time of fused (flash) attention on one GPU, from the profile's measured
// forward and forward+backward throughput at a few sequence lengths. The
// rate is interpolated linearly in log(seq) and held flat outside the table;
// FLOPs follow the convention of the measurements (4 b h s^2 d forward,
// halved when causal; backward = 2.5 x forward).
//
// Head dimension: the table's rows at the measured head_dim nearest to the
// asked one are used, and the time moved to the asked head_dim by the
// mechanism that makes small heads slower per FLOP. Per (query, key) pair a
// flash-attention kernel does 4d matrix FLOPs forward (10d backward), which
// scale with d, and one exponential on the special-function units, which
// does not (FlashAttention-3, Shah et al. 2024, sec. 3: 989 TFLOP/s of
// matmul against 3.9 TFLOP/s of exp on an H100). With the exp share at the
// measured head dim d0
//   s = (1 / E) / (F d0 / P + 1 / E),  F = 4 forward, 10 backward,
// P the bf16 peak and E = sm_count x 16 exp per clock per SM (CUDA guide,
// compute capability 8.x/9.0) x 1.98 GHz (the H200's maximum SM clock),
//   t(d) = t(d0) x ((1 - s) d / d0 + s).
// The K and V tiles each query block streams carry 4 Bq FLOP per byte
// whatever d is, so they do not change the rate with d. Without sm_count the
// time is linear in d (the measured efficiency held).
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

// Share of a flash-attention kernel's time spent on the exponentials at
// `head_dim` (forward when `forward`, else backward): `s` above.
double attention_exp_share(const HardwareProfile& gpu, double head_dim, bool forward);

}  // namespace rcn
