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

// Issue #10 items 16 and 18: located JSON errors; rates <= 0 refused instead of written as -nan.
namespace {
std::string fit_error(const std::string& json) {
  Diagnostics d;
  fit_profile(json, "m.json", builtin_hardware_profiles().at("h100-sxm"), d);
  return d.has_errors() ? d.items()[0].str() : "";
}
const std::string kGemm = R"({"dtype": "bf16", "m": 8192, "n": 8192, "k": 8192, "tflops": )";
}  // namespace

TEST_CASE("fit refuses a rate <= 0 or not a number, naming its JSON path", "[calibrate][fit]") {
  CHECK(fit_error("{\"gemm\": [" + kGemm + "700}, " + kGemm + "-1}]}") ==
        "m.json: error: gemm[1].tflops: expected a finite number > 0, got -1");
  CHECK(fit_error("{\"gemm\": [" + kGemm + "0}]}") == "m.json: error: gemm[0].tflops: expected a finite number > 0, got 0");
  CHECK(fit_error("{\"gemm\": [" + kGemm + "\"fast\"}]}") ==
        "m.json: error: gemm[0].tflops: expected a finite number > 0, got \"fast\"");
  CHECK(fit_error(R"({"gemm": [{"dtype": "bf16", "m": 1e30, "n": 1, "k": 1, "tflops": 1}]})") ==
        "m.json: error: gemm[0].m: expected an integer in [1, 2000000000], got 1e+30");
  CHECK(fit_error("{\"gemm\": [" + kGemm + "700}], \"memcpy_d2d\": [{\"gbps_rw\": -5}]}") ==
        "m.json: error: memcpy_d2d[0].gbps_rw: expected a finite number > 0, got -5");
  CHECK(fit_error(R"({"nccl": [{"op": "allreduce", "ranks": 8, "bytes": 1024}]})") ==
        "m.json: error: nccl[0].seconds: missing");
  CHECK(fit_error(R"({"gemm": {"m": 1}})") == "m.json: error: gemm: expected an array, got object");
  // 0 is the schema's "not measured" for the launch overhead (import-nccl-tests writes it); below 0 is not.
  CHECK(fit_error("{\"gemm\": [" + kGemm + "700}], \"launch\": {\"eager_per_kernel_s\": 0}}") == "");
  CHECK(fit_error("{\"gemm\": [" + kGemm + "700}], \"launch\": {\"eager_per_kernel_s\": -1e-6}}") ==
        "m.json: error: launch.eager_per_kernel_s: expected a finite number >= 0, got -1e-06");
}

TEST_CASE("fit reports a JSON syntax error at its file:line:col", "[calibrate][fit]") {
  CHECK(fit_error("{\n  \"gemm\": [\n    {\"m\": 1,}\n  ]\n}\n") ==
        "m.json:3:13: error: JSON syntax error: syntax error while parsing object key - unexpected '}'; expected "
        "string literal");
}

TEST_CASE("rcnsim calibrate fit with a negative rate: exit 2, no profile with -nan written", "[calibrate][fit][cli]") {
  const std::string dir = test::scratch_dir("fit-negative-rate");
  std::ofstream(dir + "/m.json") << "{\"meta\": {\"name\": \"NVIDIA H100\"}, \"gemm\": [" << kGemm << "-1}]}\n";
  auto r = test::run_command(test::rcnsim_binary() + " calibrate fit " + dir + "/m.json -o " + dir + "/p.yaml");
  CHECK(r.status == 2);
  CHECK(r.output == dir + "/m.json: error: gemm[0].tflops: expected a finite number > 0, got -1\n");
  CHECK_FALSE(std::filesystem::exists(dir + "/p.yaml"));
  // A syntax error is located even without --base (it used to say "no base profile matches").
  std::ofstream(dir + "/bad.json") << "{\n  \"meta\": {\"name\": \"NVIDIA H100\"},,\n}\n";
  r = test::run_command(test::rcnsim_binary() + " calibrate fit " + dir + "/bad.json");
  CHECK(r.status == 2);
  CHECK(r.output.rfind(dir + "/bad.json:2:35: error: JSON syntax error: ", 0) == 0);
}
