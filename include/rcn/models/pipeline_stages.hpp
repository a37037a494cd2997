#pragma once
// Which layers each pipeline stage holds. The pace of a pipelined step and the
// memory peak are set by one stage, so a model whose layers do not split evenly
// (Llama 3 405B: 126 layers on 16 stages, one layer fewer on the first and the
// last to make room for the embedding and the loss; DeepSeek-V3: 61 layers)
// needs each stage's own count, not layers / pp.
#include <cstdint>

#include "rcn/scenario/scenario.hpp"

namespace rcn {

struct StageLayers {
  int first = 0;  // index of the stage's first layer
  int count = 0;  // layers it holds (over all its virtual chunks)
};

// Stage `i` (0 <= i < pp) of the job's split:
// - by default ceil(layers / pp) layers per stage, the last ones holding what is
//   left (an even split when pp divides the layers);
// - with `first_stage_layers` and/or `last_stage_layers` (Megatron-Core's
//   --decoder-first/last-pipeline-num-layers), those stages hold that many and
//   the others share the rest evenly; the loader checks that it divides.
StageLayers stage_layers(const ModelSpec& m, const ParallelismSpec& par, int i);

// True when the job names its own first or last stage size.
bool custom_stage_split(const ParallelismSpec& par);

// The units the layout search splits over `pp` stages (and their virtual chunks):
// - `layers` when pp divides them (Megatron's even split);
// - else `layers + 2` when pp divides that with at least two units per stage:
//   Megatron-Core's account_for_embedding_in_pipeline_split and
//   account_for_loss_in_pipeline_split, where the embedding and the loss each
//   count as a layer, so the first and the last stage hold one layer fewer than
//   the others (Llama 3 405B: 126 + 2 = 16 x 8, split 7 + 14 x 8 + 7);
// - else 0: no split the search offers.
// A virtual-stage count v is allowed when pp x v divides the units.
std::int64_t pipeline_split_units(std::int64_t layers, int pp);

// The first and last stage's layer count of the embedding-and-loss split, or -1
// when the even split applies or neither does (pipeline_split_units()).
int embedding_loss_stage_layers(std::int64_t layers, int pp);

}  // namespace rcn
