#pragma once
// Which layers each pipeline stage holds. The pace of a pipelined step and the
// memory peak are set by one stage, so a model whose layers do not split evenly
// (Llama 3 405B: 126 layers on 16 stages, one layer fewer on the first and the
// last to make room for the embedding and the loss; DeepSeek-V3: 61 layers)
// needs each stage's own count, not layers / pp.
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

}  // namespace rcn
