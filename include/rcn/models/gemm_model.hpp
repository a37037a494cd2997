#pragma once
// Time of one dense matrix product on one GPU, from the profile's measured
// table. Between measured shapes the model interpolates in log space around a
// baseline that carries the mechanisms the table cannot show everywhere:
//
//   baseline(m,n,k) = max(waves x tile_time(k), bytes(m,n,k) / hbm_rate) + fill + fixed
//   t(m,n,k)        = baseline(m,n,k) x exp(sum_i w_i log(t_i / baseline_i) / sum_i w_i)
//
// over the 4 measured shapes nearest in (log2 m, log2 n, log2 k), with
// inverse-distance-squared weights w_i. At a measured shape the correction is
// exact; far from all of them it tends to their average ratio.
//
// The compute term is tiled as a Hopper cuBLAS kernel runs: the output splits
// into ceil(m/Tm) x ceil(n/Tn) tiles (Tn = 256; Tm = 128, or 64 when m <= 64,
// the wgmma minimum), which run in waves = ceil(tiles / sm_count) of one tile
// per SM, each tile's main loop taking 2 Tm Tn k / (best_rate / sm_count). A
// grid with fewer tiles than SMs splits k over floor(sm_count / tiles) SMs per
// tile (split-K, fp32 partials written and read back); what still does not
// fill the SMs leaves them idle. A short k leaves the
// pipeline fill and last epilogue (`fill`: one k-block of A and B and one
// output tile per active SM through HBM) a larger share. Skinny decode shapes
// (m up to a few hundred) come out bound by reading the weights at the
// achieved HBM rate. fixed = half the fastest measured call (launch and tail).
#include <map>
#include <string>
#include <vector>

#include "rcn/scenario/hardware_profile.hpp"

namespace rcn {

class GemmModel {
 public:
  explicit GemmModel(const HardwareProfile& gpu);
  // Seconds for C[m,n] = A[m,k] B[k,n] in `precision`. Precisions without a
  // measured table use the bf16 table scaled by the ratio of peaks.
  double seconds(const std::string& precision, double m, double n, double k) const;
  double tflops(const std::string& precision, double m, double n, double k) const;

  // The baseline alone (no correction from the measured table): the tile and
  // roofline mechanism. Exposed for tests and documentation.
  double baseline_seconds(const std::string& precision, double m, double n, double k) const;

  // Leave-one-shape-out: a model of the same profile without `m,n,k` in the table.
  GemmModel without_shape(const std::string& precision, double m, double n, double k) const;

 private:
  // A measured shape where the correction is looked up: its place in
  // (log2 m, log2 n, log2 k) and log(measured time / baseline), both fixed
  // once the table is built.
  struct Point {
    double log_m = 0, log_n = 0, log_k = 0;
    double log_ratio = 0;
  };
  struct Table {
    std::vector<GemmSample> samples;
    std::vector<Point> points;  // one per sample, in the same order
    double best_rate = 0;   // FLOP/s
    double fixed_s = 0;     // per call
    double elem_bytes = 2;
  };
  const Table& table(const std::string& precision, double& time_scale) const;
  double baseline(const Table& t, double m, double n, double k) const;
  void build(const std::string& precision, std::vector<GemmSample> samples);

  double hbm_rate_ = 0;  // achieved bytes/s
  int sm_count_ = 0;     // 0: no tile under-fill modelled
  std::map<std::string, Table> tables_;
  std::map<std::string, double> peaks_;
};


}  // namespace rcn
