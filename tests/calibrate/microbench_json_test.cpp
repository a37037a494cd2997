// rcnsim-calibrate's CPU-only half: the JSON it writes has the shipped
// microbench.json schema, and bus bandwidth follows nccl-tests' conventions.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "collective_math.hpp"
#include "microbench_json.hpp"
#include "tests/test_support.hpp"

using namespace rcn::calibrate;

TEST_CASE("calibration JSON parses and has the shipped file's keys", "[calibrate]") {
  Microbench mb;
  mb.primary.meta.name = "Test \"GPU\"\n";
  mb.primary.meta.sms = 132;
  GemmPoint g;
  g.dtype = "bf16", g.m = g.n = g.k = 8192, g.label = "square", g.seconds = 1.5e-3, g.tflops = 733.0;
  mb.primary.gemm.push_back(g);
  mb.primary.memcpy_d2d.push_back(MemcpyPoint{1u << 30, 5e-4, 4e-4, 6e-4, 4294.967296});
  mb.nccl_skipped = "one GPU";
  const auto j = nlohmann::json::parse(to_json(mb));
  // The shipped file (../shared/calibration/nvidia-h200/microbench.json) has exactly these sections.
  const auto shipped = nlohmann::json::parse(
      rcn::test::read_text(rcn::test::source_path("../shared/calibration/nvidia-h200/microbench.json")), nullptr,
      false);
  std::vector<std::string> keys{"meta", "gemm", "memcpy_d2d", "pcie", "launch", "sdpa"};
  if (!shipped.is_discarded())
    for (auto it = shipped.begin(); it != shipped.end(); ++it) CHECK(j.contains(it.key()));
  for (const auto& k : keys) CHECK(j.contains(k));
  CHECK(j["meta"]["name"] == "Test \"GPU\"\n");  // escaping round-trips
  CHECK(j["gemm"][0]["m"] == 8192);
  CHECK(j["gemm"][0]["tflops"].get<double>() == Approx(733.0));
  for (const char* f : {"dtype", "m", "n", "k", "label", "seconds", "min_s", "max_s", "tflops"})
    CHECK(j["gemm"][0].contains(f));
  CHECK(j["nccl"].is_array());
  CHECK(j["nccl_skipped"] == "one GPU");
}

TEST_CASE("bus bandwidth factors are nccl-tests' (doc/PERFORMANCE.md)", "[calibrate]") {
  // REFERENCES.md: AllReduce 2(n-1)/n; ReduceScatter, AllGather, AllToAll (n-1)/n; send/recv 1.
  CHECK(busbw_factor(CollectiveOp::AllReduce, 8) == Approx(2.0 * 7 / 8));
  CHECK(busbw_factor(CollectiveOp::AllGather, 8) == Approx(7.0 / 8));
  CHECK(busbw_factor(CollectiveOp::ReduceScatter, 4) == Approx(3.0 / 4));
  CHECK(busbw_factor(CollectiveOp::AllToAll, 2) == Approx(0.5));
  CHECK(busbw_factor(CollectiveOp::SendRecv, 8) == Approx(1.0));
}

TEST_CASE("numbers are written to round-trip and non-finite values become null", "[calibrate]") {
  CHECK(std::stod(json_number(0.1)) == 0.1);
  CHECK(json_number(std::numeric_limits<double>::infinity()) == "null");
  CHECK(json_escape("a\tb\\") == "a\\tb\\\\");
}
