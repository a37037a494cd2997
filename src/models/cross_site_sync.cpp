#include "rcn/models/cross_site_sync.hpp"

#include <algorithm>

namespace rcn {

const char* to_string(CrossSiteMode m) { return m == CrossSiteMode::Sync ? "sync" : "local-sgd"; }

const char* to_string(PseudoGradientCompression c) {
  switch (c) {
    case PseudoGradientCompression::None: return "none";
    case PseudoGradientCompression::Fp16: return "fp16";
    case PseudoGradientCompression::Int8: return "int8";
    case PseudoGradientCompression::TopK: return "topk";
  }
  return "none";
}

double pseudo_gradient_bytes_per_param(PseudoGradientCompression c, double topk_ratio) {
  switch (c) {
    case PseudoGradientCompression::None: return 4.0;
    case PseudoGradientCompression::Fp16: return 2.0;
    case PseudoGradientCompression::Int8: return 1.0;
    case PseudoGradientCompression::TopK: return topk_ratio * (4.0 + 4.0);
  }
  return 4.0;
}

double exchange_bytes(const CrossSiteSpec& x, double params, double gradient_bytes_per_param) {
  if (x.mode == CrossSiteMode::Sync) return params * gradient_bytes_per_param;
  return params * pseudo_gradient_bytes_per_param(x.compression, x.topk_ratio);
}

double ring_bytes_per_site(double exchange_bytes, int sites) {
  return sites < 2 ? 0.0 : 2.0 * (sites - 1) / sites * exchange_bytes;
}

double cross_site_all_reduce_s(double exchange_bytes, int sites, double latency_s, double bandwidth) {
  if (sites < 2) return 0.0;
  return 2.0 * (sites - 1) * latency_s + ring_bytes_per_site(exchange_bytes, sites) / bandwidth;
}

HierarchicalAllReduce hierarchical_all_reduce(double exchange_bytes, int sites, double latency_s, double bandwidth,
                                              double intra_reduce_scatter_s, double intra_all_gather_s) {
  return {intra_reduce_scatter_s, cross_site_all_reduce_s(exchange_bytes, sites, latency_s, bandwidth),
          intra_all_gather_s};
}

double exchange_period_s(double inner_step_s, int inner_steps, double wan_s, bool overlap) {
  const double compute = inner_step_s * std::max(1, inner_steps);
  return overlap ? std::max(compute, wan_s) : compute + wan_s;
}

}  // namespace rcn
