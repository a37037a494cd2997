// `rcnsim calibrate fit` on the shipped H200 measurements reproduces the
// shipped h200-sxm profile byte for byte, and reads back as a valid profile.
#include <catch2/catch.hpp>

#include <filesystem>
#include <iterator>
#include <sstream>

#include <fmt/format.h>

#include "rcn/calibrate/profile_fit.hpp"
#include "tests/test_support.hpp"

using namespace rcn;

TEST_CASE("fit on the shared H200 microbenchmarks gives the shipped profile", "[calibrate][fit]") {
  const std::string json_path = "../shared/calibration/nvidia-h200/microbench.json";
  const std::string abs = test::source_path(json_path);
  if (!std::filesystem::exists(abs)) {
    WARN("no " << abs << ": the shared calibration data is not beside this checkout");
    return;
  }
  CHECK(guess_base_profile(test::read_text(abs)) == "h200-sxm");
  // Through the binary, from the repository root, exactly as docs/scenario-reference.md says.
  auto r = test::run_command("(cd '" + std::string(RCN_SOURCE_DIR) + "' && '" + test::rcnsim_binary() +
                             "' calibrate fit " + json_path + " 2>/dev/null)");
  REQUIRE(r.status == 0);
  CHECK(r.output == test::read_text(test::source_path("scenarios/hardware/h200-sxm.yaml")));
  Diagnostics d;
  HardwareProfile p = parse_hardware_profile(r.output, "fitted.yaml", d);
  CHECK_FALSE(d.has_errors());
  CHECK(p.hbm_efficiency == Approx(4252.4 / 4800).epsilon(0.001));  // best measured copy over the datasheet
  CHECK(p.gemm.at("bf16").size() == 52);  // 53 measurements, 8192^3 measured twice and merged
}

TEST_CASE("fit refuses input that is not microbenchmark JSON", "[calibrate][fit]") {
  Diagnostics d;
  fit_profile("{\"gemm\": []}", "empty.json", builtin_hardware_profiles().at("h100-sxm"), d);
  REQUIRE(d.has_errors());
  CHECK(d.items()[0].str() == "empty.json: error: gemm: no GEMM measurements");
  Diagnostics d2;
  fit_profile("not json", "x.json", builtin_hardware_profiles().at("h100-sxm"), d2);
  CHECK(d2.has_errors());
}

TEST_CASE("fit recovers alpha and bus bandwidth from NCCL points made by the alpha-beta law", "[calibrate][fit]") {
  // 8-rank all-reduce and all-gather inside one server: t = 20 us + bytes x factor / 300 GB/s.
  std::string points;
  int made = 0;
  for (double bytes = 1024; bytes <= 4.0e9; bytes *= 4, made += 2) {
    const double ar = 20e-6 + bytes * 1.75 / 300e9, ag = 20e-6 + bytes * 0.875 / 300e9;
    points += fmt::format("{{\"op\": \"allreduce\", \"ranks\": 8, \"bytes\": {}, \"seconds\": {}}},", bytes, ar);
    points += fmt::format("{{\"op\": \"allgather\", \"ranks\": 8, \"bytes\": {}, \"seconds\": {}}},", bytes, ag);
  }
  points.pop_back();
  const std::string json = "{\"meta\": {\"name\": \"NVIDIA H100\"}, \"nccl\": [" + points + "]}";
  const HardwareProfile& base = builtin_hardware_profiles().at("h100-sxm");
  Diagnostics d;
  FitReport rep = fit_profile(json, "nccl.json", base, d);
  REQUIRE_FALSE(d.has_errors());
  CHECK(rep.profile.scale_up.link_bandwidth * rep.profile.scale_up.links == Approx(300e9).epsilon(1e-6));
  // alpha = NCCL base latency 8.4 us + 2 (n - 1) hops.
  CHECK(rep.profile.scale_up.hop_latency == Approx((20e-6 - 8.4e-6) / 14).epsilon(1e-6));
  // The GEMM tables of the base are kept when the file has none; every point's error is reported.
  CHECK_FALSE(rep.profile.gemm.empty());
  int per_point = 0;
  for (const auto& n : rep.notes) per_point += n.find("  nccl ") == 0;
  CHECK(per_point == made);
}

TEST_CASE("import-nccl-tests then fit: the fitted bus bandwidth is the log's large-message busbw", "[calibrate][fit]") {
  const std::string dir = test::scratch_dir("nccl-import");
  const std::string log = test::source_path("tests/data/nccl-tests/all_reduce_perf_8gpu.txt");
  auto r = test::run_command(test::rcnsim_binary() + " calibrate import-nccl-tests " + log + " -o " + dir + "/nccl.json");
  REQUIRE(r.status == 0);
  r = test::run_command(test::rcnsim_binary() + " calibrate fit " + dir + "/nccl.json --base a100-80g -o " + dir +
                        "/a100.yaml");
  REQUIRE(r.status == 0);
  CHECK(r.output.find("nccl allreduce 8 ranks 1073741824 B: measured") != std::string::npos);  // per-point error
  // The log's last row (1 GiB), out-of-place busbw column, read here independently of the importer.
  std::istringstream in(test::read_text(log));
  std::string line, last;
  while (std::getline(in, line))
    if (!line.empty() && line[0] != '#' && line.find_first_not_of(" ") != std::string::npos) last = line;
  std::istringstream cols(last);
  std::vector<std::string> f((std::istream_iterator<std::string>(cols)), std::istream_iterator<std::string>());
  REQUIRE(f.size() >= 8);
  const double busbw = std::stod(f[7]) * 1e9;
  Diagnostics d;
  const HardwareProfile p = parse_hardware_profile(test::read_text(dir + "/a100.yaml"), "a100.yaml", d);
  REQUIRE_FALSE(d.has_errors());
  CHECK(p.scale_up.link_bandwidth * p.scale_up.links == Approx(busbw).epsilon(0.05));
  r = test::run_command(test::rcnsim_binary() + " calibrate import-nccl-tests " + dir + "/nccl.json");
  CHECK(r.status == 2);  // a JSON file is not an nccl-tests log
}
