// report.html with hostile names (issue #10 item 3): every string from the
// scenario reaches the page as JSON data that no text can end early, and the
// page's script inserts it with textContent only (tests/report/check_report.py
// renders the page in Chromium).
#include <catch2/catch.hpp>

#include <fstream>

#include <nlohmann/json.hpp>

#include "tests/test_support.hpp"

using namespace rcn::test;

TEST_CASE("report.html escapes & < > \" ' in every name and in the scenario text", "[cli][report]") {
  const std::string dir = scratch_dir("html-escape");
  // Names of the scenario, a site, its region, a model and a job, each trying
  // to break out of a single-quoted attribute or to open a tag.
  std::ofstream(dir + "/hostile.yaml") << R"Y(name: "n' onclick='alert(0) <script>alert(0)</script>"
seed: 1
horizon: 2d
sites:
  - name: "s' onmouseover='alert(2)"
    kind: node
    region: "r<img src=x onerror=alert(3)>\"&"
    clusters:
      - {name: main, gpu: h100-sxm, servers: 8, gpus_per_server: 8}
models:
  "m' data-evil='1": {layers: 32, hidden: 4096, heads: 32, kv_heads: 8, ffn: 14336, vocab: 128256, seq: 8192,
              gated_mlp: true, tied_embeddings: false}
workloads:
  training:
    - {name: "p' onmouseover='alert(1)", model: "m' data-evil='1", submit: 0s, gpus: 64,
       parallelism: {tp: 1, pp: 1, dp: 64, zero: 3}, global_batch: 64, tokens: 1e9}
failures:
  events:
    - {at: 10min, target: "s' onmouseover='alert(2)", kind: site-outage, duration: 10min}
)Y";
  const auto r = run_command(rcnsim_binary() + " run " + dir + "/hostile.yaml -o " + dir + "/out");
  INFO(r.output);
  REQUIRE(r.status == 0);
  const std::string html = read_text(dir + "/out/report.html");
  REQUIRE_FALSE(html.empty());
  // Nothing from the names survives as markup: the only elements with scripts
  // are the page's own three (data, Chart.js, the report's script)...
  auto count = [&](const std::string& needle) {
    std::size_t n = 0;
    for (auto at = html.find(needle); at != std::string::npos; at = html.find(needle, at + 1)) ++n;
    return n;
  };
  CHECK(count("<script") == 3);
  CHECK(count("</script") == 3);
  CHECK(html.find("<img") == std::string::npos);
  // ...and the names are all in the JSON data block, whole, with < > & written as \u003c \u003e \u0026.
  const std::string open = "<script type=\"application/json\" id=\"rcn-data\">";
  const auto from = html.find(open) + open.size();
  const std::string block = html.substr(from, html.find("</script>", from) - from);
  CHECK(block.find_first_of("<>&") == std::string::npos);
  const auto data = nlohmann::json::parse(block);
  const auto& run = data.at("runs").at(0);
  CHECK(run.at("scenario") == "n' onclick='alert(0) <script>alert(0)</script>");
  CHECK(run.at("sites").at(0).at("name") == "s' onmouseover='alert(2)");
  CHECK(run.at("sites").at(0).at("region") == "r<img src=x onerror=alert(3)>\"&");
  CHECK(run.at("jobs").at("table").at(0).at("name") == "p' onmouseover='alert(1)");
  CHECK(run.at("scenario_text").get<std::string>().find("<script>alert(0)</script>") != std::string::npos);
  CHECK(html.find("<title>rcnsim report: n&#39; onclick=&#39;alert(0) &lt;script&gt;alert(0)&lt;/script&gt;</title>") !=
        std::string::npos);
}
