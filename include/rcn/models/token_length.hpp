#pragma once
// Prompt and output lengths drawn per request from a service's TokenLengthSpec
// (fixed, uniform, lognormal, or the rows of a trace), with rcnsim's portable
// SplitMix64 stream, so one seed gives the same lengths on every platform. A
// draw is a whole number of tokens, at least 1 and at most the input limit for
// one request.
#include "rcn/models/failure_schedule.hpp"
#include "rcn/scenario/scenario.hpp"

namespace rcn {

// One length. A fixed spec draws nothing from `rng` (arrivals keep their stream).
double draw_token_length(const TokenLengthSpec& spec, SplitMix64& rng);

}  // namespace rcn
