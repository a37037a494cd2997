#pragma once
// Training jobs from a CSV trace (workloads.training_trace), one job per row:
//   name,submit,user,gpus,model,tokens,duration,region,dataset_size,dataset_site,site
// with units as in scenarios (submit 2h, duration 30min, dataset_size 20TB). Header
// names the columns (any order); submit, gpus, model and one of tokens/duration are
// required. Jobs run data parallel (tp = pp = 1) with ZeRO-3 and full recompute,
// global batch = GPUs. Errors name the CSV's file:line:col.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "rcn/scenario/diagnostics.hpp"
#include "rcn/scenario/scenario.hpp"

namespace rcn {

// `text` is the file's content, `path` its name in messages. Every number is
// range-checked before use (gpus an integer in [1, limits::kMaxInt]).
std::vector<TrainingJobSpec> read_job_trace(std::string_view text, const std::string& path, const Scenario& s,
                                            Diagnostics& diags);

// How every trace job runs (CSV and SWF alike): data parallel over its GPUs
// (tp = pp = 1, global batch = GPUs) with ZeRO-3 and full recomputation.
// An empty job list with room for one job per line of a trace's text: reserved once, so
// a million-row trace is not copied as the vector grows (bounded: a file of empty lines
// must not reserve gigabytes). Shared by the CSV and SWF readers.
std::vector<TrainingJobSpec> reserved_trace_jobs(std::string_view text);

void set_trace_job_layout(TrainingJobSpec& j);
// Why the job cannot run anywhere it may (more GPUs than the largest cluster), or nothing.
std::optional<std::string> trace_job_too_big(const TrainingJobSpec& j, const Scenario& s);

// A synthetic trace: Poisson arrivals at `rate` per second over `span` seconds,
// GPUs a power of two from 8 to max_gpus (each size half as likely as the one
// below), durations log-normal (median 2 h, sigma 1.2), a dataset of 1-50 TB at
// one of `sites` for 30% of jobs. Deterministic for a seed.
// Why generate_job_trace's arguments are refused (exit 2), or nothing when they
// are fine: jobs in [1, limits::kMaxTraceRows], max_gpus a power of two in
// [8, limits::kMaxGpusTotal], and the trace spanning at most
// limits::kMaxHorizonSeconds at `rate` (per second, > 0).
std::optional<std::string> check_trace_generate_args(std::int64_t jobs, double rate, std::int64_t max_gpus);

std::string generate_job_trace(int jobs, double rate, int max_gpus, const std::string& model,
                               const std::vector<std::string>& sites, std::uint64_t seed);

}  // namespace rcn
