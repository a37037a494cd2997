#pragma once
// One training job across sites (docs/cross-site.md): what its data-parallel
// groups exchange over the WAN and how long that takes on an idle WAN. Its
// tensor and pipeline groups stay inside one cluster of one site; each site
// runs dp / sites replicas, and the sites meet in a hierarchical all-reduce:
//   intra-site reduce-scatter  (the site's own data-parallel collective),
//   cross-site all-reduce      each server's shard, in a ring over the sites,
//   intra-site all-gather.
// The intra-site halves are the single-site step's data-parallel all-reduce
// (a reduce-scatter plus an all-gather, already in training_step()); what the
// sites add is the ring over the WAN:
//   T_wan = 2 (s - 1) L + 2 (s - 1) / s x S / B
// for s sites, S bytes exchanged, L the one-way latency and B the narrowest
// bandwidth of the route between ring neighbours. Pure arithmetic: the engine
// runs the WAN part as SimGrid flows (src/engine/cross_site_runner.cpp).
#include <string>
#include <vector>

namespace rcn {

enum class CrossSiteMode { Sync, LocalSgd };
enum class PseudoGradientCompression { None, Fp16, Int8, TopK };

// The job keys of a cross-site job (workloads.training[].sites, sync, local_sgd, ...).
struct CrossSiteSpec {
  bool auto_sites = false;           // sites: auto (the scheduler splits when that finishes sooner)
  std::vector<std::string> sites;    // sites: [A, B]; empty with auto
  CrossSiteMode mode = CrossSiteMode::Sync;
  int inner_steps = 1;               // local-sgd: H inner steps per outer all-reduce (1 with sync)
  PseudoGradientCompression compression = PseudoGradientCompression::None;
  double topk_ratio = 0.01;          // compression topk: share of the values sent
  bool overlap = false;              // local-sgd: the outer all-reduce overlaps the next H inner steps
  double convergence_penalty = 0;    // extra tokens relative to fully synchronous training
  bool elastic = false;              // a site outage: continue on the others (else wait)
  bool enabled() const { return auto_sites || sites.size() > 1; }
};

// DiLoCo's published claim (Douillard et al. 2023, arXiv:2311.08105, abstract and
// section 3): 8 workers with H = 500 inner steps "perform as well as fully
// synchronous optimization", so no extra tokens by default; the knob exists for
// other settings (docs/cross-site.md).
constexpr double kDefaultLocalSgdConvergencePenalty = 0.0;

const char* to_string(CrossSiteMode m);
const char* to_string(PseudoGradientCompression c);

// Bytes per parameter of what one exchange carries: sync the gradient in its
// buffer's dtype (gradient_bytes, 4 for fp32); local-sgd the pseudo-gradient
// (outer gradient, fp32 = 4 bytes before compression), fp16 2, int8 1, top-k
// ratio x (4-byte value + 4-byte index).
double pseudo_gradient_bytes_per_param(PseudoGradientCompression c, double topk_ratio);
// S, the bytes of one exchange for a model of `params` parameters.
double exchange_bytes(const CrossSiteSpec& x, double params, double gradient_bytes_per_param);
// Bytes each site sends into the WAN per exchange in the ring: 2 (s - 1) / s x S.
double ring_bytes_per_site(double exchange_bytes, int sites);
// The cross-site ring on an idle WAN: 2 (s - 1) L + 2 (s - 1) / s x S / B; 0 for one site.
double cross_site_all_reduce_s(double exchange_bytes, int sites, double latency_s, double bandwidth);

// The hierarchical all-reduce, phase by phase (the intra-site times from the collective model).
struct HierarchicalAllReduce {
  double intra_reduce_scatter_s = 0;
  double cross_site_s = 0;
  double intra_all_gather_s = 0;
  double total_s() const { return intra_reduce_scatter_s + cross_site_s + intra_all_gather_s; }
};
HierarchicalAllReduce hierarchical_all_reduce(double exchange_bytes, int sites, double latency_s, double bandwidth,
                                              double intra_reduce_scatter_s, double intra_all_gather_s);

// One exchange period: H inner steps of `inner_step_s` (the slowest site's), then the
// exchange (`wan_s`); overlapped, the exchange runs beside the next H steps: max of the two.
double exchange_period_s(double inner_step_s, int inner_steps, double wan_s, bool overlap);

}  // namespace rcn
