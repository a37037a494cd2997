#pragma once
// The fastest training layouts of a job on one cluster. The space is every
// tp x cp x pp x dp split of the job's GPUs that Megatron-LM's argument checks
// accept, times micro-batch, virtual stages, recompute, ZeRO stage and sequence
// parallelism; a layout the GPU's memory cannot hold is skipped (counted), and
// the step model (training_step()) runs only on layouts whose compute-only
// lower bound can still beat the N-th best found so far, taken in order of that
// bound. Rules, bound and tie-break: docs/models.md, Layout search.
#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "rcn/models/cluster_fabric.hpp"
#include "rcn/models/training_step.hpp"
#include "rcn/scenario/hardware_profile.hpp"
#include "rcn/scenario/input_limits.hpp"
#include "rcn/scenario/scenario.hpp"

namespace rcn {

struct LayoutSearchOptions {
  int top = 5;         // layouts to return, fastest first
  bool prune = true;   // false: the step model runs on every layout that fits (exhaustive, for tests)
  // Layouts held at once (about 40 B each) before the step model runs on the best of them;
  // later ones are pruned as they come against the N best so far. Same result for any size.
  std::size_t chunk = std::size_t{1} << 18;
  // A space with more layouts than this is not searched (too_many_layouts).
  std::int64_t max_layouts = limits::kMaxLayoutsPerSearch;
};

// enumerated = skipped_memory + pruned_bound + evaluated.
struct LayoutSearchCounts {
  std::int64_t enumerated = 0;      // layouts that meet the divisibility rules and the fixed keys
  std::int64_t skipped_memory = 0;  // need more memory per GPU than the GPU has
  std::int64_t pruned_bound = 0;    // their lower bound was already slower than the N-th best
  std::int64_t evaluated = 0;       // the full step model ran
};

struct LayoutSearchResult {
  std::vector<TrainingStep> best;  // fastest first; each step's `layout` is its parallelism
  LayoutSearchCounts counts;
  double memory_capacity = 0;      // bytes per GPU (the profile's memory)
  double least_memory = 0;         // the smallest need per GPU among enumerated layouts (0 when none)
  bool too_many_layouts = false;   // the space held more than options.max_layouts: nothing searched
};

// The layouts search_layouts() would enumerate for `job` on a cluster with `links`
// (counts.enumerated), counted from the divisors without building one; the count
// stops as soon as it exceeds `cap`, so a huge space costs no more than a small one.
std::int64_t count_layouts(const ModelSpec& model, const TrainingJobSpec& job, const ClusterLinks& links,
                           std::int64_t cap = std::numeric_limits<std::int64_t>::max());

// Searches the layouts of `job` (its gpus, global_batch, precision, tokens or steps,
// and the settings the search leaves alone: gradient_dtype, optimizer,
// optimizer_dtype) on a cluster of `gpu` with `links`. Keys marked in
// job.parallelism.fixed keep the job's values. Never throws for a layout that does
// not fit: an empty `best` means none does (or, with too_many_layouts, that the
// space was too large to search: counted first, in count_layouts()).
LayoutSearchResult search_layouts(const ModelSpec& model, const TrainingJobSpec& job, const HardwareProfile& gpu,
                                  const ClusterLinks& links, const LayoutSearchOptions& options = {});

// Whether a cluster of `c`'s size and GPU (`gpu`, null when unknown) can hold the job at
// all: enough GPUs and a dense peak for its precision. Where an auto job may be searched.
bool can_hold(const TrainingJobSpec& job, const ClusterSpec& c, const HardwareProfile* gpu);

// Everything a search's ranking depends on (model shape, the job's GPUs, batch,
// precision, fixed keys and optimizer settings, the GPU profile's name and the
// cluster's links), as a key for caches of search results. Not the job's tokens
// or steps: they scale every layout's time to train alike.
std::string layout_search_key(const ModelSpec& model, const TrainingJobSpec& job, const std::string& gpu_name,
                              const ClusterLinks& links);

// The job with `par` as its layout (dp and the schedule as the search set them).
TrainingJobSpec with_layout(const TrainingJobSpec& job, const ParallelismSpec& par);

}  // namespace rcn
