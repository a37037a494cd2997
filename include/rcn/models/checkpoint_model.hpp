#pragma once
// Checkpoint size: the state a restart needs, bf16 weights (2 B/param) plus
// fp32 master weights and Adam m and v (12 B/param) = 14 B per parameter
// (GPT-3 175B: 2.4 TB, about 2.7 min at 15 GB/s; REFERENCES.md quotes about
// 2.5 minutes).
#include "rcn/scenario/scenario.hpp"

namespace rcn {

double checkpoint_bytes(const ModelSpec& m);

}  // namespace rcn
