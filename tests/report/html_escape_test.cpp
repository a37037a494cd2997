// report.html with hostile names (issue #10 item 3): every string from the
// scenario reaches the page escaped, so none can add an attribute or a tag.
// Attributes in the report are single-quoted, so ' matters as much as <.
#include <catch2/catch.hpp>

#include <fstream>

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
  // Nothing from the names survives as markup.
  for (const char* bad : {"onmouseover='", "onclick='", "data-evil='", "<script", "<img", "\"&\""}) {
    INFO(bad);
    CHECK(html.find(bad) == std::string::npos);
  }
  // ...and the names are all there, escaped (in attributes, text, the topology and the gantt).
  CHECK(html.find("data-job='p&#39; onmouseover=&#39;alert(1)'") != std::string::npos);
  CHECK(html.find("data-site='s&#39; onmouseover=&#39;alert(2)'") != std::string::npos);
  CHECK(html.find("r&lt;img src=x onerror=alert(3)&gt;&quot;&amp;") != std::string::npos);
  CHECK(html.find("<title>rcnsim: n&#39; onclick=&#39;alert(0) &lt;script&gt;alert(0)&lt;/script&gt;</title>") !=
        std::string::npos);
}
