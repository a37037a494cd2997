// Named variants in sweeps: parsing, crossing with grids and samples, the
// columns they add to sweep.csv, and located errors for bad ones.
#include <catch2/catch.hpp>

#include <fmt/format.h>

#include "rcn/sweep/sweep_spec.hpp"
#include "tests/test_support.hpp"

using namespace rcn;
using Sets = std::vector<std::pair<std::string, std::string>>;

namespace {
SweepSpec load(const std::string& yaml, Diagnostics& d) {
  return load_sweep_text(yaml, "s.yaml", test::source_path("scenarios"), d);
}
std::vector<std::string> errors(const std::string& yaml) {
  Diagnostics d;
  load(yaml, d);
  std::vector<std::string> out;
  for (const auto& item : d.items()) out.push_back(item.str());
  return out;
}
}  // namespace

TEST_CASE("variants alone: one point per variant, each with its own values", "[sweep][variants]") {
  Diagnostics d;
  const SweepSpec s = load(
      "base: default.yaml\nvariants:\n  center: {sites.center.clusters.main.servers: 192}\n"
      "  node: {sites.node-west.clusters.c1.servers: 64, horizon: 2d}\n",
      d);
  REQUIRE_FALSE(d.has_errors());
  REQUIRE(s.points.size() == 2);
  CHECK(s.points[0].variant == "center");
  CHECK(s.points[0].sets == Sets{{"sites.center.clusters.main.servers", "192"}});
  CHECK(s.points[1].variant == "node");
  CHECK(s.points[1].sets == Sets{{"sites.node-west.clusters.c1.servers", "64"}, {"horizon", "2d"}});
  CHECK(s.variants[1].loc.str() == "s.yaml:4:3");
  CHECK(s.variants[1].value_locs[1].str() == "s.yaml:4:60");
  CHECK(parameter_columns(s) == std::vector<std::string>{"variant", "sites.center.clusters.main.servers",
                                                         "sites.node-west.clusters.c1.servers", "horizon"});
  CHECK(parameter_cells(s, s.points[0]) == std::vector<std::string>{"center", "192", "", ""});
  CHECK(parameter_cells(s, s.points[1]) == std::vector<std::string>{"node", "", "64", "2d"});
}

TEST_CASE("variants cross the grid: every variant with every grid point, variant-major", "[sweep][variants]") {
  Diagnostics d;
  const SweepSpec s = load(
      "base: default.yaml\nseeds: 2\nvariants: {a: {x.y: 1}, b: {z: [1, 2]}}\ngrid: {g: [10, 20, 30]}\n", d);
  REQUIRE_FALSE(d.has_errors());
  REQUIRE(s.points.size() == 6);
  CHECK(s.points[0].sets == Sets{{"x.y", "1"}, {"g", "10"}});  // the variant's values first
  CHECK(s.points[2].sets == Sets{{"x.y", "1"}, {"g", "30"}});
  CHECK(s.points[3].variant == "b");
  CHECK(s.points[3].sets == Sets{{"z", "[1, 2]"}, {"g", "10"}});
  CHECK(parameter_columns(s) == std::vector<std::string>{"variant", "g", "x.y", "z"});
  CHECK(parameter_cells(s, s.points[4]) == std::vector<std::string>{"b", "20", "", "[1, 2]"});
  // Without variants, the columns are the grid's paths only.
  const SweepSpec g = load("base: default.yaml\ngrid: {g: [1]}\n", d);
  CHECK(parameter_columns(g) == std::vector<std::string>{"g"});
  CHECK(parameter_cells(g, g.points[0]) == std::vector<std::string>{"1"});
}

TEST_CASE("variants cross random samples, the same samples for each variant", "[sweep][variants]") {
  Diagnostics d;
  const SweepSpec s = load(
      "base: default.yaml\nvariants: {a: {x: 1}, b: {x: 2}}\nrandom: {samples: 3, seed: 4, ranges: {f: [0, 1]}}\n", d);
  REQUIRE_FALSE(d.has_errors());
  REQUIRE(s.points.size() == 6);
  for (std::size_t i = 0; i < 3; ++i) {
    CHECK(s.points[i].variant == "a");
    CHECK(s.points[i + 3].variant == "b");
    CHECK(s.points[i].sets[1] == s.points[i + 3].sets[1]);
  }
}

TEST_CASE("bad variants give located errors", "[sweep][variants]") {
  const std::string b = "base: default.yaml\n";
  CHECK(errors(b + "variants: {}\n") ==
        std::vector<std::string>{"s.yaml:2:11: error: variants: expected a mapping of variant name to {--set path: "
                                 "value}, got an empty mapping"});
  CHECK(errors(b + "variants: [a, b]\n") ==
        std::vector<std::string>{"s.yaml:2:11: error: variants: expected a mapping of variant name to {--set path: "
                                 "value}, got a list"});
  // Names go into run keys and table rows: letters, digits, _ and - only.
  CHECK(errors(b + "variants: {\"a b\": {x: 1}, ok_1-B: {x: 2}}\n") ==
        std::vector<std::string>{"s.yaml:2:12: error: variants: variant name \"a b\" is not 1 to 64 characters of "
                                 "A-Z, a-z, 0-9, _ and - (it names rows and run keys)"});
  CHECK(errors(b + "variants: {../x: {x: 1}}\n").size() == 1);
  CHECK(errors(b + "variants: {" + std::string(65, 'v') + ": {x: 1}}\n").size() == 1);
  CHECK(errors(b + "variants: {" + std::string(64, 'v') + ": {x: 1}}\n").empty());
  CHECK(errors(b + "variants:\n  a: {x: 1}\n  a: {y: 2}\n") ==
        std::vector<std::string>{"s.yaml:4:3: error: variants.a: variant \"a\" is given twice (first at s.yaml:3:3)"});
  CHECK(errors(b + "variants:\n  a: {}\n") ==
        std::vector<std::string>{"s.yaml:3:6: error: variants.a: expected a mapping of --set path to value, got an "
                                 "empty mapping"});
  CHECK(errors(b + "variants:\n  a:\n") ==
        std::vector<std::string>{"s.yaml:3:3: error: variants.a: expected a mapping of --set path to value, got "
                                 "nothing"});
  CHECK(errors(b + "variants:\n  a: {x: 1, x: 2}\n") ==
        std::vector<std::string>{"s.yaml:3:13: error: variants.a.x: this path is already set by this variant"});
  CHECK(errors(b + "variants:\n  a: {x: }\n") ==
        std::vector<std::string>{"s.yaml:3:7: error: variants.a.x: expected a value"});
  CHECK(errors(b + "variants: {a: {x: 1}}\ngrid: {x: [1, 2]}\n") ==
        std::vector<std::string>{"s.yaml:3:8: error: grid.x: a variant sets this path too; vary it in one place"});
  CHECK(errors(b + "variants: {a: {x: 1}}\nrandom: {samples: 2, ranges: {x: [0, 1]}}\n").size() == 1);
  CHECK(errors(b + "variants: {a: {x: 1}}\ngrid: {y: [1]}\nrandom: {samples: 2, ranges: {z: [0, 1]}}\n") ==
        std::vector<std::string>{"s.yaml:1:1: error: give 'grid' (path: [values]) or 'random' (samples, seed, "
                                 "ranges), not both"});
  CHECK(errors(b + "seeds: 2\n") ==
        std::vector<std::string>{"s.yaml:1:1: error: give 'grid' (path: [values]), 'random' (samples, seed, ranges) "
                                 "or 'variants' (name: {path: value})"});
}

TEST_CASE("variant counts are bounded, alone and crossed with the grid", "[sweep][variants]") {
  const std::string b = "base: default.yaml\n";
  std::string many = "variants:\n";
  for (int i = 0; i <= 1000; ++i) many += fmt::format("  v{}: {{x: {}}}\n", i, i);
  CHECK(errors(b + many) == std::vector<std::string>{"s.yaml:3:3: error: variants: 1001 variants; the limit is 1000"});
  std::string thousand = "variants:\n";
  for (int i = 0; i < 1000; ++i) thousand += fmt::format("  v{}: {{x: {}}}\n", i, i);
  CHECK(errors(b + "seeds: 100\n" + thousand).empty());  // 100000 runs: the limit
  CHECK(errors(b + "seeds: 101\n" + thousand) ==
        std::vector<std::string>{"s.yaml:4:3: error: variants: the sweep would make 101000 runs (1000 points x 101 "
                                 "seeds); the limit is 100000"});
  // 1000 variants x 200 grid values x 1 seed: the product, not the grid alone, is bounded.
  std::string values = "[";
  for (int i = 0; i < 200; ++i) values += std::to_string(i) + (i < 199 ? "," : "]");
  CHECK(errors(b + thousand + "grid:\n  g: " + values + "\n") ==
        std::vector<std::string>{"s.yaml:1004:3: error: grid: the sweep would make 200000 runs (200000 points x 1 "
                                 "seeds); the limit is 100000"});
}

TEST_CASE("a varied path is never named like one of sweep.csv's own columns, nor given twice", "[sweep][variants]") {
  const std::string b = "base: default.yaml\n";
  CHECK(errors(b + "grid: {n: [1]}\n") ==
        std::vector<std::string>{"s.yaml:2:8: error: grid.n: \"n\" is not a --set path (sweep.csv names its own "
                                 "columns point, n, variant, <metric>_mean and <metric>_ci95)"});
  CHECK(errors(b + "grid: {variant: [1], point: [2], cost_mean: [3], x_ci95: [4], ok: [5]}\n").size() == 4);
  CHECK(errors(b + "variants: {a: {n: 1}}\n").size() == 1);
  CHECK(errors(b + "random: {samples: 2, ranges: {point: [0, 1]}}\n").size() == 1);
  CHECK(errors(b + "grid:\n  a.b: [1]\n  a.b: [2]\n") ==
        std::vector<std::string>{"s.yaml:4:3: error: grid.a.b: this path is already in the grid"});
}

TEST_CASE("an empty grid or empty ranges is an error, not a sweep of nothing", "[sweep]") {
  const std::string b = "base: default.yaml\n";
  CHECK(errors(b + "grid: {}\n") ==
        std::vector<std::string>{"s.yaml:2:7: error: grid: expected a mapping of --set path to a list of values, got "
                                 "an empty mapping"});
  CHECK(errors(b + "random: {samples: 3, ranges: {}}\n") ==
        std::vector<std::string>{"s.yaml:2:30: error: random.ranges: expected 'ranges': a mapping of --set path to "
                                 "[low, high], with at least one path"});
  CHECK(errors(b + "random: {samples: 3}\n").size() == 1);
}

TEST_CASE("the paths one point sets are bounded, a variant's and the grid's together", "[sweep][variants]") {
  // Each --set is a walk of the scenario tree in every run; thousands made one load take seconds.
  auto paths = [](const std::string& indent, int n, const std::string& value) {
    std::string out;
    for (int i = 0; i < n; ++i) out += indent + "p" + std::to_string(i) + ": " + value + "\n";
    return out;
  };
  const std::string b = "base: default.yaml\n";
  CHECK(errors(b + "grid:\n" + paths("  ", 256, "[1]")).empty());
  CHECK(errors(b + "grid:\n" + paths("  ", 257, "[1]")) ==
        std::vector<std::string>{"s.yaml:3:3: error: grid: 257 paths; the limit is 256 per point"});
  CHECK(errors(b + "variants:\n  a:\n" + paths("    ", 257, "1")) ==
        std::vector<std::string>{"s.yaml:3:3: error: variants.a: 257 paths; the limit is 256 per point"});
  CHECK(errors(b + "variants:\n  a:\n" + paths("    ", 200, "1") + "  b: {x: 1}\ngrid:\n  g1: [1]\n" +
               paths("  ", 56, "[1]")) ==
        std::vector<std::string>{"s.yaml:206:3: error: grid: a point would set 257 paths (57 here and 200 from "
                                 "variant a); the limit is 256"});
  CHECK(errors(b + "random:\n  samples: 2\n  ranges:\n" + paths("    ", 257, "[0, 1]")).size() == 1);
}
