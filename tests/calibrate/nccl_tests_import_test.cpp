#include "rcn/calibrate/nccl_tests_import.hpp"

#include <catch2/catch.hpp>

#include "sim/calibrate/microbench_json.hpp"
#include "tests/test_support.hpp"

using Catch::Matchers::Contains;
using rcn::Diagnostics;
using rcn::import_nccl_tests;

namespace {

std::string data_path(const std::string& name) { return rcn::test::source_path("tests/data/nccl-tests/" + name); }
std::string data(const std::string& name) { return rcn::test::read_text(data_path(name)); }

std::string all_errors(const Diagnostics& d) {
  std::string s;
  for (const auto& item : d.items()) s += item.str() + "\n";
  return s;
}

std::string all_notes(const rcn::NcclTestsImport& r) {
  std::string s;
  for (const auto& n : r.notes) s += n + "\n";
  return s;
}

// A small current-layout log; `rows` go under the header.
std::string small_log(const std::string& marker, int nranks, const std::string& rows) {
  std::string s;
  if (!marker.empty()) s += "# Collective test starting: " + marker + "\n";
  s += "# nThread 1 nGpus 1 minBytes 1048576 maxBytes 2097152 step: 2(factor) warmup iters: 5 iters: 20 agg iters: 1 "
       "validation: 1 graph: 0\n#\n# Using devices\n";
  for (int r = 0; r < nranks; ++r)
    s += "#  Rank  " + std::to_string(r) + " Group  0 Pid  1000" + std::to_string(r) + " on node" + std::to_string(r) +
         " device  0 [0x1b] NVIDIA H100 80GB HBM3\n";
  s += "#\n"
       "#                                                              out-of-place                       in-place\n"
       "#       size         count      type   redop    root     time   algbw   busbw #wrong     time   algbw   busbw "
       "#wrong\n"
       "#        (B)    (elements)                               (us)  (GB/s)  (GB/s)            (us)  (GB/s)  (GB/s)\n";
  s += rows;
  s += "# Out of bounds values : 0 OK\n# Avg bus bandwidth    : 20.1\n#\n";
  return s;
}

}  // namespace

TEST_CASE("nccl-tests import: 8-GPU all_reduce_perf log", "[calibrate][nccl-tests]") {
  Diagnostics diags;
  const auto r = import_nccl_tests(data("all_reduce_perf_8gpu.txt"), "all_reduce_perf_8gpu.txt", "", diags);
  INFO(all_errors(diags));
  REQUIRE_FALSE(diags.has_errors());
  REQUIRE(r.points.size() == 28);  // 8 B .. 1 GiB, doubling

  const auto& first = r.points.front();
  CHECK(first.op == "allreduce");  // from the file name: this layout has no "Collective test starting" line
  CHECK(first.ranks == 8);
  CHECK(first.bytes == 8);
  CHECK(first.seconds == Approx(21.79e-6));
  CHECK(first.min_s == first.seconds);
  CHECK(first.max_s == first.seconds);
  CHECK(first.algbw == 0.0);

  const auto& last = r.points.back();
  CHECK(last.op == "allreduce");
  CHECK(last.ranks == 8);
  CHECK(last.bytes == 1073741824ULL);
  CHECK(last.seconds == Approx(8121.9e-6));  // out-of-place column, not in-place 8154.4
  CHECK(last.algbw == Approx(132.20));
  CHECK(last.busbw == Approx(231.36));
  // nccl-tests' arithmetic holds: algbw = size/time, busbw = algbw * 2(n-1)/n.
  CHECK(last.algbw == Approx(last.bytes / last.seconds / 1e9).epsilon(1e-3));
  CHECK(last.busbw == Approx(last.algbw * 2.0 * 7 / 8).epsilon(1e-3));

  for (std::size_t i = 1; i < r.points.size(); ++i) CHECK(r.points[i].bytes == 2 * r.points[i - 1].bytes);
  CHECK(r.notes.empty());
}

TEST_CASE("nccl-tests import: 2-rank all_gather_perf over MPI, op from the log", "[calibrate][nccl-tests]") {
  Diagnostics diags;
  // The file name names no collective: the "# Collective test starting" line does.
  const auto r = import_nccl_tests(data("2node-mpi-run.txt"), "2node-mpi-run.txt", "", diags);
  INFO(all_errors(diags));
  REQUIRE_FALSE(diags.has_errors());
  REQUIRE(r.points.size() == 11);  // 1 MiB .. 1 GiB
  for (const auto& p : r.points) {
    CHECK(p.op == "allgather");
    CHECK(p.ranks == 2);
    CHECK(p.busbw == Approx(p.algbw / 2).margin(0.011));  // (n-1)/n
  }
  const auto& p = r.points[3];
  CHECK(p.bytes == 8388608);
  CHECK(p.seconds == Approx(145.9e-6));
  CHECK(p.algbw == Approx(57.50));
  CHECK(p.busbw == Approx(28.75));
  CHECK(r.points.back().seconds == Approx(11659.0e-6));
  INFO(all_notes(r));
  CHECK(r.notes.empty());
}

TEST_CASE("nccl-tests import: op names and detection", "[calibrate][nccl-tests]") {
  using rcn::nccl_tests_op_from_file_name;
  using rcn::nccl_tests_op_name;
  CHECK(nccl_tests_op_name("all_reduce_perf") == "allreduce");
  CHECK(nccl_tests_op_name("./build/all_gather_perf_mpi") == "allgather");
  CHECK(nccl_tests_op_name("reduce_scatter_perf") == "reducescatter");
  CHECK(nccl_tests_op_name("alltoall_perf") == "alltoall");
  CHECK(nccl_tests_op_name("sendrecv_perf") == "sendrecv");
  CHECK(nccl_tests_op_name("broadcast_perf") == "broadcast");
  CHECK(nccl_tests_op_name("reduce_perf") == "reduce");
  CHECK(nccl_tests_op_name("AllReduce") == "allreduce");
  CHECK(nccl_tests_op_name("hypercube_perf").empty());
  CHECK(nccl_tests_op_name("gather_perf").empty());

  CHECK(nccl_tests_op_from_file_name("all_reduce_perf.txt") == "allreduce");
  CHECK(nccl_tests_op_from_file_name("logs/alltoall.log") == "alltoall");
  CHECK(nccl_tests_op_from_file_name("nccl-reduce_scatter_perf_2.out") == "reducescatter");
  CHECK(nccl_tests_op_from_file_name("/tmp/run/reduce_perf.txt") == "reduce");
  CHECK(nccl_tests_op_from_file_name("sendrecv-16gpu.log") == "sendrecv");
  CHECK(nccl_tests_op_from_file_name("results.txt").empty());

  const std::string rows =
      "     1048576        262144     float     sum      -1    52.40   20.01   20.01      0    51.90   20.20   20.20      0\n";

  SECTION("file name") {
    Diagnostics diags;
    const auto r = import_nccl_tests(small_log("", 2, rows), "runs/sendrecv_perf.log", "", diags);
    REQUIRE_FALSE(diags.has_errors());
    REQUIRE(r.points.size() == 1);
    CHECK(r.points[0].op == "sendrecv");
    CHECK(r.points[0].ranks == 2);
    CHECK(r.points[0].bytes == 1048576);
    CHECK(r.points[0].seconds == Approx(52.40e-6));
  }
  SECTION("the log's own line wins over the file name") {
    Diagnostics diags;
    const auto r = import_nccl_tests(small_log("sendrecv_perf", 2, rows), "all_reduce_perf.txt", "", diags);
    REQUIRE_FALSE(diags.has_errors());
    REQUIRE(r.points.size() == 1);
    CHECK(r.points[0].op == "sendrecv");
  }
  SECTION("an explicit op is used as given") {
    Diagnostics diags;
    const auto r = import_nccl_tests(small_log("", 2, rows), "results.txt", "sendrecv", diags);
    REQUIRE_FALSE(diags.has_errors());
    REQUIRE(r.points.size() == 1);
    CHECK(r.points[0].op == "sendrecv");
  }
  SECTION("no way to tell") {
    Diagnostics diags;
    const auto r = import_nccl_tests(small_log("", 2, rows), "results.txt", "", diags);
    REQUIRE(diags.error_count() == 1);
    CHECK(r.points.empty());
    CHECK_THAT(diags.items()[0].str(), Contains("results.txt:1:1: error:") && Contains("which collective"));
  }
  SECTION("unknown explicit op") {
    Diagnostics diags;
    import_nccl_tests(small_log("", 2, rows), "results.txt", "allreduc", diags);
    REQUIRE(diags.error_count() == 1);
    CHECK_THAT(diags.items()[0].str(), Contains("results.txt:1:1: error:") && Contains("did you mean 'allreduce'"));
  }
  SECTION("a binary rcnsim does not import") {
    Diagnostics diags;
    import_nccl_tests(small_log("hypercube_perf", 2, rows), "x.txt", "", diags);
    REQUIRE(diags.error_count() == 1);
    CHECK_THAT(diags.items()[0].str(), Contains("x.txt:1:29: error: 'hypercube_perf'"));
  }
}

TEST_CASE("nccl-tests import: rows failing validation are dropped with a note", "[calibrate][nccl-tests]") {
  const std::string rows =
      "     1048576        262144     float     sum      -1    52.40   20.01   20.01      0    51.90   20.20   20.20      0\n"
      "     2097152        524288     float     sum      -1    98.00   21.40   21.40      3    97.10   21.60   21.60      0\n";
  Diagnostics diags;
  const auto r = import_nccl_tests(small_log("sendrecv_perf", 2, rows), "s.txt", "", diags);
  REQUIRE_FALSE(diags.has_errors());
  REQUIRE(r.points.size() == 1);
  CHECK(r.points[0].bytes == 1048576);
  REQUIRE(r.notes.size() == 1);
  CHECK_THAT(r.notes[0], Contains("s.txt:") && Contains("2097152") && Contains("#wrong is 3"));

  SECTION("N/A (validation off) is kept") {
    std::string na = rows;
    na.replace(na.find("      3 "), 8, "    N/A ");
    Diagnostics d2;
    const auto r2 = import_nccl_tests(small_log("sendrecv_perf", 2, na), "s.txt", "", d2);
    REQUIRE_FALSE(d2.has_errors());
    CHECK(r2.points.size() == 2);
  }
}

TEST_CASE("nccl-tests import: launcher prefixes, old layouts and per-iteration columns", "[calibrate][nccl-tests]") {
  SECTION("srun -l prefixes") {
    std::string log;
    const std::string text = data("all_reduce_perf_8gpu.txt");
    std::size_t pos = 0;
    while (pos < text.size()) {
      const auto nl = text.find('\n', pos);
      log += "0: " + text.substr(pos, nl - pos) + "\n";
      pos = nl + 1;
    }
    Diagnostics diags;
    const auto r = import_nccl_tests(log, "all_reduce_perf.log", "", diags);
    REQUIRE_FALSE(diags.has_errors());
    REQUIRE(r.points.size() == 28);
    CHECK(r.points.back().ranks == 8);
    CHECK(r.points.back().busbw == Approx(231.36));
  }
  SECTION("pre-2.x layout: no root column, 'error' column, no Group") {
    const std::string log =
        "# nThread 1 nGpus 4 minBytes 33554432 maxBytes 67108864 step: 2(factor) warmup iters: 5 iters: 20 "
        "validation: 1 \n#\n# Using devices\n"
        "#   Rank  0 Pid    195 on     node01 device  0 [0x00] Tesla V100\n"
        "#   Rank  1 Pid    195 on     node01 device  1 [0x00] Tesla V100\n"
        "#   Rank  2 Pid    195 on     node01 device  2 [0x00] Tesla V100\n"
        "#   Rank  3 Pid    195 on     node01 device  3 [0x00] Tesla V100\n#\n"
        "#                                                       out-of-place                       in-place\n"
        "#       size         count      type   redop     time   algbw   busbw  error     time   algbw   busbw  error\n"
        "#        (B)    (elements)                       (us)  (GB/s)  (GB/s)            (us)  (GB/s)  (GB/s)\n"
        "node01:195:195 [0] NCCL INFO Launch mode Parallel\n"
        "    33554432       8388608     float     sum    671.1   50.00   75.00  2e-07    670.0   50.08   75.12  2e-07\n"
        "    67108864      16777216     float     sum   1305.0   51.42   77.14  2e-07   1304.1   51.46   77.19  2e-07\n";
    Diagnostics diags;
    const auto r = import_nccl_tests(log, "all_reduce_perf.txt", "", diags);
    REQUIRE_FALSE(diags.has_errors());
    REQUIRE(r.points.size() == 2);
    CHECK(r.points[0].ranks == 4);
    CHECK(r.points[0].seconds == Approx(671.1e-6));
    CHECK(r.points[1].busbw == Approx(77.14));
  }
  SECTION("per-iteration min/max columns (-I 1)") {
    const std::string log =
        "# Collective test starting: alltoall_perf\n"
        "#  Rank  0 Group  0 Pid  1 on a device  0 [0000:18:00] NVIDIA H100\n"
        "#  Rank  1 Group  0 Pid  2 on a device  1 [0000:2a:00] NVIDIA H100\n"
        "#         size         count      type   redop    root     time   algbw   busbw  #wrong    i_min    i_max    "
        "i_p99    i_cv%     time   algbw   busbw  #wrong    i_min    i_max    i_p99    i_cv%\n"
        "      4194304       1048576     float    none      -1    40.00  104.86   52.43       0    38.50    44.10    "
        "44.00     3.10    40.20  104.34   52.17       0    38.60    44.30    44.20     3.00\n";
    Diagnostics diags;
    const auto r = import_nccl_tests(log, "x.txt", "", diags);
    REQUIRE_FALSE(diags.has_errors());
    REQUIRE(r.points.size() == 1);
    CHECK(r.points[0].op == "alltoall");
    CHECK(r.points[0].ranks == 2);
    CHECK(r.points[0].seconds == Approx(40.0e-6));
    CHECK(r.points[0].min_s == Approx(38.5e-6));
    CHECK(r.points[0].max_s == Approx(44.1e-6));
  }
  SECTION("two runs in one log") {
    const std::string both = data("all_reduce_perf_8gpu.txt") + data("2node-mpi-run.txt");
    Diagnostics diags;
    const auto r = import_nccl_tests(both, "both.txt", "", diags);
    // The first run has no marker and the file name names no op.
    REQUIRE(diags.error_count() == 1);
    CHECK_THAT(all_errors(diags), Contains("which collective"));
    Diagnostics d2;
    const auto r2 = import_nccl_tests(both, "all_reduce_perf.txt", "", d2);
    REQUIRE_FALSE(d2.has_errors());
    REQUIRE(r2.points.size() == 39);
    CHECK(r2.points.front().op == "allreduce");
    CHECK(r2.points.front().ranks == 8);
    CHECK(r2.points.back().op == "allgather");
    CHECK(r2.points.back().ranks == 2);
    (void)r;
  }
}

TEST_CASE("nccl-tests import: a file without result rows is an error", "[calibrate][nccl-tests]") {
  SECTION("not an nccl-tests log at all") {
    Diagnostics diags;
    const auto r = import_nccl_tests("hello\nworld\n", "notes.txt", "allreduce", diags);
    CHECK(r.points.empty());
    REQUIRE(diags.error_count() == 1);
    CHECK_THAT(diags.items()[0].str(), Contains("notes.txt:1:1: error: no nccl-tests result rows"));
  }
  SECTION("a header but the run died before its first size") {
    Diagnostics diags;
    const auto r = import_nccl_tests(small_log("all_reduce_perf", 8, ""), "crashed.txt", "", diags);
    CHECK(r.points.empty());
    REQUIRE(diags.error_count() == 1);
    // The header row is line 1 (marker) + 1 (nThread) + 2 + 8 ranks + 3 = 15.
    CHECK_THAT(diags.items()[0].str(), Contains("crashed.txt:15:1: error:") && Contains("no result rows"));
  }
  SECTION("empty file") {
    Diagnostics diags;
    import_nccl_tests("", "empty.txt", "", diags);
    REQUIRE(diags.error_count() == 1);
    CHECK_THAT(diags.items()[0].str(), Contains("empty.txt:1:1: error:"));
  }
}

// Issue #10 items 12 and 18: counts bounded before they are multiplied, impossible numbers refused.
namespace {
const std::string kHeader =
    "#       size         count      type   redop    root     time   algbw   busbw #wrong     time   algbw   busbw "
    "#wrong\n";
}

TEST_CASE("nccl-tests import: nThread x nGpus beyond the limit is an error, not 0 ranks", "[calibrate][nccl-tests]") {
  Diagnostics diags;
  const std::string log = "# Collective test starting: all_reduce_perf\n# nThread 65536 nGpus 65536 minBytes 8\n" +
                          kHeader + "     1048576        262144     float     sum      -1    35.10   29.87   52.27      0"
                                    "    35.00   29.96   52.43      0\n";
  import_nccl_tests(log, "x.txt", "", diags);
  REQUIRE(diags.error_count() == 1);
  CHECK(diags.items()[0].str() ==
        "x.txt:2:11: error: nThread: nThread 65536 x nGpus 65536 = 4294967296 ranks; the limit is 16000000");
  Diagnostics d2;
  import_nccl_tests("# nThread 1e9 nGpus -1\n" + kHeader + " 8 2 float sum -1 10.0 0.00 0.00 0 10.0 0.00 0.00 0\n",
                    "all_reduce.txt", "", d2);
  REQUIRE(d2.error_count() >= 2);
  CHECK(d2.items()[0].str() == "all_reduce.txt:1:11: error: nThread: expected an integer in [1, 16000000], got \"1e9\"");
  CHECK(d2.items()[1].str() == "all_reduce.txt:1:21: error: nGpus: expected an integer in [1, 16000000], got \"-1\"");
}

TEST_CASE("nccl-tests import: negative bandwidths and non-positive times are errors at their column",
          "[calibrate][nccl-tests]") {
  Diagnostics diags;
  const auto r = import_nccl_tests(
      small_log("all_reduce_perf", 2, "     1048576        262144     float     sum      -1    35.10   29.87  -52.27"
                                      "      0    35.00   29.96   52.43      0\n"
                                      "     2097152        524288     float     sum      -1     0.00   29.87   52.27"
                                      "      0    35.00   29.96   52.43      0\n"),
      "x.txt", "", diags);
  INFO(all_errors(diags));
  REQUIRE(diags.error_count() == 2);
  CHECK(diags.items()[0].str() == "x.txt:11:72: error: busbw: expected a bandwidth >= 0 (GB/s), got \"-52.27\"");
  CHECK(diags.items()[1].str() == "x.txt:12:58: error: time: expected a time > 0 (us), got \"0.00\"");
}

TEST_CASE("rcnsim calibrate import-nccl-tests with 65536 x 65536 ranks: exit 2, nothing written",
          "[calibrate][nccl-tests][cli]") {
  const std::string dir = rcn::test::scratch_dir("nccl-import-overflow");
  std::ofstream(dir + "/all_reduce_perf.txt")
      << "# nThread 65536 nGpus 65536 minBytes 8\n"
      << kHeader << "     1048576        262144     float     sum      -1    35.10   29.87   52.27      0\n";
  const auto r = rcn::test::run_command(rcn::test::rcnsim_binary() + " calibrate import-nccl-tests " + dir +
                                        "/all_reduce_perf.txt -o " + dir + "/nccl.json");
  CHECK(r.status == 2);
  CHECK_THAT(r.output, Contains(dir + "/all_reduce_perf.txt:1:11: error: nThread: nThread 65536 x nGpus 65536"));
  CHECK_FALSE(std::ifstream(dir + "/nccl.json").good());
}

TEST_CASE("nccl-tests import: a row shorter than a late redop column is skipped, not read past its end",
          "[calibrate][nccl-tests]") {
  // Found by fuzz_nccl_tests_log: a header naming redop after the numeric columns,
  // then a row that stops before it.
  const std::string log =
      "# Collective test starting: all_reduce_perf\n"
      "# nThread 1 nGpus 1 minBytes 1048576 maxBytes 1048576 step: 2(factor) warmup iters: 5 iters: 20\n"
      "#  Rank  0 Group  0 Pid  1000 on node0 device  0 [0x1b] NVIDIA H100 80GB HBM3\n"
      "#  Rank  1 Group  0 Pid  1001 on node1 device  0 [0x1b] NVIDIA H100 80GB HBM3\n"
      "#       size         count      type     time   algbw   busbw #wrong   redop\n"
      "     1048576        262144     float    35.10   29.87   29.87      0\n"
      "     1048576        262144     float    35.10   29.87   29.87      0     sum\n";
  Diagnostics diags;
  const auto r = import_nccl_tests(log, "x.txt", "", diags);
  INFO(all_errors(diags));
  CHECK(r.points.size() == 1);
  CHECK_THAT(all_notes(r), Contains("too few columns"));
}
