#pragma once
// Time of one dense matrix product on one GPU, from the profile's measured
// table. Between measured shapes the model interpolates in log space; outside
// them a roofline (compute at the best measured rate, or operand traffic at
// the achieved HBM bandwidth, plus a fixed per-call cost) carries the trend:
//
//   baseline(m,n,k) = max(2mnk / best_rate, bytes(m,n,k) / hbm_rate) + fixed
//   t(m,n,k)        = baseline(m,n,k) x exp(sum_i w_i log(t_i / baseline_i) / sum_i w_i)
//
// over the 4 measured shapes nearest in (log2 m, log2 n, log2 k), with
// inverse-distance-squared weights w_i. At a measured shape the correction is
// exact; far from all of them it tends to their average ratio, so large
// shapes run at about the best measured rate and small ones approach the
// fixed cost. fixed = half the fastest measured call (launch and tail).
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

  // Leave-one-shape-out: a model of the same profile without `m,n,k` in the table.
  GemmModel without_shape(const std::string& precision, double m, double n, double k) const;

 private:
  struct Table {
    std::vector<GemmSample> samples;
    double best_rate = 0;   // FLOP/s
    double fixed_s = 0;     // per call
    double elem_bytes = 2;
  };
  double baseline(const Table& t, double m, double n, double k) const;
  void build(const std::string& precision, std::vector<GemmSample> samples);

  double hbm_rate_ = 0;  // achieved bytes/s
  std::map<std::string, Table> tables_;
  std::map<std::string, double> peaks_;
};

double bytes_per_element(const std::string& precision);

}  // namespace rcn
