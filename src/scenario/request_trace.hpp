#pragma once
// Inference requests from a CSV trace (workloads.inference[].arrivals.trace) in
// the Azure LLM inference trace format, one request per row:
//   TIMESTAMP,ContextTokens,GeneratedTokens
//   2023-11-16 18:17:03.9799600,4808,10
// Columns in any order, named by the header. Timestamps are full dates and
// times (UTC, fraction of a second optional); a request arrives at its time
// minus the earliest one's, so rows may come in any order and a trace may cross
// midnight or a month's end. Read completely when the scenario loads, so
// `rcnsim validate` reports every error a run would meet. Errors name the
// CSV's file:line:col and the column.
#include <string>
#include <string_view>
#include <vector>

#include "rcn/scenario/diagnostics.hpp"
#include "rcn/scenario/scenario.hpp"

namespace rcn {

// The requests sorted by arrival (rows with equal times keep their order).
std::vector<TraceRequest> parse_request_trace(std::string_view text, const std::string& file, Diagnostics& diags);

}  // namespace rcn
