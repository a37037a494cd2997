#pragma once
// Text output of NVIDIA's nccl-tests binaries (all_reduce_perf, all_gather_perf,
// reduce_scatter_perf, alltoall_perf, sendrecv_perf, broadcast_perf, reduce_perf)
// -> NcclPoint records, so measurements taken with the stock tool compare with
// rcnsim-calibrate's own NCCL section and with the simulator.
//
// What is read, and from where:
//  - the result table: its "#  size  count  type ..." header line names the columns,
//    so layouts of every nccl-tests version parse (with or without redop/root, the
//    old "error" column instead of "#wrong", per-iteration i_min/i_max columns of -I,
//    trailing timestamps of -S). Only the out-of-place half is used. Rows whose
//    out-of-place #wrong is neither 0 nor N/A are dropped with a note.
//  - seconds = the time column (µs) / 1e6; min_s/max_s = the out-of-place i_min/i_max
//    columns when present, else both equal seconds (nccl-tests prints one average).
//  - algbw, busbw: as printed (GB/s, two decimals); bytes: the size column.
//  - ranks: the number of "#  Rank N ..." lines of the run (nGpus x nThreads x
//    processes); without any, nThread x nGpus of the "# nThread" line.
//  - op: the `op` argument when non-empty; else the "# Collective test starting: X"
//    line; else the file name (all_reduce_perf.txt, nccl-alltoall.log, ...).
// Line prefixes added by launchers ("0: " from srun -l, "[1,0]<stdout>:" from mpirun
// --tag-output) and interleaved NCCL INFO / MPI noise are tolerated. A log holding
// several runs (one "Collective test starting" or "# nThread" line each) yields the
// points of all of them, in order.
#include <string>
#include <vector>

#include "microbench_json.hpp"
#include "rcn/scenario/diagnostics.hpp"

namespace rcn {

struct NcclTestsImport {
  std::vector<calibrate::NcclPoint> points;
  std::vector<std::string> notes;  // "file:line: ..." one-liners: skipped rows, assumptions
};

// `text`: one log; `file_name` for diagnostics and op detection; `op`: "" = detect
// (else any spelling nccl_tests_op_name accepts). Errors (no result rows, unknown or
// undetectable op, unknown rank count) go to `diags` as "file:line:col: error: ...";
// the result is meaningful only when no error was added.
NcclTestsImport import_nccl_tests(const std::string& text, const std::string& file_name, const std::string& op,
                                  Diagnostics& diags);

// NcclPoint's op name for a binary or collective name: "all_reduce_perf",
// "./build/all_gather_perf_mpi", "reduce_scatter", "AllToAll", "sendrecv" ->
// allreduce | allgather | reducescatter | alltoall | sendrecv | broadcast | reduce;
// "" when it is none of these.
std::string nccl_tests_op_name(const std::string& name);

// The op a file name names ("logs/nccl-all_reduce_perf_2.out" -> "allreduce"), or "".
std::string nccl_tests_op_from_file_name(const std::string& file_name);

}  // namespace rcn
