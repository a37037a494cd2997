#include "rcn/sweep/sweep_spec.hpp"

#include <fmt/format.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "rcn/models/failure_schedule.hpp"
#include "rcn/scenario/file_reference.hpp"
#include "rcn/scenario/input_limits.hpp"
#include "src/scenario/yaml_reader.hpp"

namespace rcn {

namespace {

// A whole number in [lo, hi] from a scalar node, or an error at the node.
std::optional<std::int64_t> bounded_scalar(YamlReader& r, const YAML::Node& n, const std::string& path,
                                           std::int64_t lo, std::int64_t hi) {
  std::string why;
  std::optional<std::int64_t> v;
  if (n.IsScalar()) v = parse_bounded_integer(n.Scalar(), lo, hi, &why);
  if (!v) r.error(n, path, n.IsScalar() ? why : fmt::format("expected {}, got {}", describe_integer_range(lo, hi),
                                                            YamlReader::describe(n)));
  return v;
}

// points x seeds runs at most limits::kMaxSweepRuns; an error at `n` otherwise.
bool runs_within_limit(YamlReader& r, const YAML::Node& n, const std::string& path, double points,
                       std::size_t seeds) {
  const double runs = points * static_cast<double>(std::max<std::size_t>(seeds, 1));
  if (runs <= static_cast<double>(limits::kMaxSweepRuns)) return true;
  r.error(n, path, fmt::format("the sweep would make {} runs ({} points x {} seeds); the limit is {}",
                               runs < 1e18 ? fmt::format("{:.0f}", runs) : fmt::format("{:.3g}", runs),
                               points < 1e18 ? fmt::format("{:.0f}", points) : fmt::format("{:.3g}", points),
                               std::max<std::size_t>(seeds, 1), limits::kMaxSweepRuns));
  return false;
}

}  // namespace

SweepSpec load_sweep_text(const std::string& yaml, const std::string& file, const std::string& base_dir,
                          Diagnostics& diags, const std::vector<std::string>& allow_paths) {
  SweepSpec s;
  s.file = file;
  YAML::Node root;
  try {
    root = YAML::Load(yaml);
  } catch (const YAML::Exception& e) {
    diags.error(SourceLoc{file, e.mark.line + 1, e.mark.column + 1}, "", fmt::format("YAML syntax error: {}", e.msg));
    return s;
  }
  YamlReader r(file, diags);
  if (!r.expect_map(root, "", {"base", "seeds", "grid", "random", "output"})) return s;
  s.allow_paths = allow_paths;
  if (auto b = r.text(root, "base", "", true)) {
    // A sweep file is shared like a scenario: its base scenario is confined the same way.
    const FileReferences refs(base_dir, allow_paths);
    s.base = refs.display_name(*b);
    std::string why;
    if (!refs.read(*b, limits::kMaxInputFileBytes, why))
      r.error(YamlReader::child(root, "base"), "base", fmt::format("scenario \"{}\": {}", quote_input(s.base), why));
  }
  s.output = r.text(root, "output", "", false).value_or("sweep-results");
  s.output_loc = r.loc(YamlReader::child(root, "output"), "output");
  const YAML::Node seeds = YamlReader::child(root, "seeds");
  if (!seeds.IsDefined()) {
    s.seeds = {1};
  } else if (seeds.IsSequence()) {
    // Each seed names its runs' folders (p<point>-seed<seed>), so a repeated
    // seed would start two processes on one folder and count one run twice:
    // refused rather than silently dropped, since the user meant something.
    if (static_cast<std::int64_t>(seeds.size()) > limits::kMaxSweepRuns) {
      r.error(seeds, "seeds", fmt::format("{} seeds; the limit is {}", seeds.size(), limits::kMaxSweepRuns));
      return s;
    }
    if (seeds.size() == 0) r.error(seeds, "seeds", "expected at least one seed");
    std::map<std::uint64_t, std::size_t> first;
    for (std::size_t i = 0; i < seeds.size(); ++i) {
      const std::string path = YamlReader::index("seeds", i);
      auto v = bounded_scalar(r, seeds[i], path, 0, limits::kMaxSeed);
      if (!v) continue;
      const auto seed = static_cast<std::uint64_t>(*v);
      if (auto [it, fresh] = first.emplace(seed, i); !fresh)
        r.error(seeds[i], path, fmt::format("seed {} is already seeds[{}]; each seed runs once per point", seed, it->second));
      else
        s.seeds.push_back(seed);
    }
  } else if (auto n = bounded_scalar(r, seeds, "seeds", 1, limits::kMaxSweepRuns)) {
    for (std::int64_t i = 1; i <= *n; ++i) s.seeds.push_back(static_cast<std::uint64_t>(i));
  }
  const YAML::Node grid = YamlReader::child(root, "grid");
  const YAML::Node random = YamlReader::child(root, "random");
  if (grid.IsDefined() == random.IsDefined()) {
    r.error(root, "", "give exactly one of 'grid' (path: [values]) or 'random' (samples, seed, ranges)");
    return s;
  }
  if (grid.IsDefined()) {
    if (!grid.IsMap()) {
      r.error(grid, "grid", "expected a mapping of --set path to a list of values");
      return s;
    }
    std::vector<std::vector<std::string>> values;
    for (auto it = grid.begin(); it != grid.end(); ++it) {
      const std::string path = it->first.Scalar();
      if (!it->second.IsSequence() || it->second.size() == 0) {
        r.error(it->second, "grid." + path, "expected a non-empty list of values");
        continue;
      }
      s.parameters.push_back(path);
      std::vector<std::string> vs;
      for (std::size_t i = 0; i < it->second.size(); ++i) {
        YAML::Emitter e;
        e << YAML::Flow << it->second[i];
        vs.push_back(e.c_str());
      }
      values.push_back(vs);
    }
    // The number of points, bounded before the product is built: a few lists
    // of a few hundred values each are already more runs than any sweep makes.
    // As a double it cannot overflow (each factor is at most the file's size).
    double points = values.empty() ? 0 : 1;
    for (const auto& vs : values) points *= static_cast<double>(vs.size());
    if (!runs_within_limit(r, grid, "grid", points, s.seeds.size())) return s;
    // Cartesian product, the last parameter varying fastest.
    std::vector<std::size_t> idx(values.size(), 0);
    while (!values.empty()) {
      SweepPoint p;
      for (std::size_t k = 0; k < values.size(); ++k) p.sets.emplace_back(s.parameters[k], values[k][idx[k]]);
      s.points.push_back(p);
      std::size_t k = values.size();
      while (k > 0 && ++idx[k - 1] == values[k - 1].size()) idx[--k] = 0;
      if (k == 0) break;
    }
  } else {
    const std::string rp = "random";
    if (!r.expect_map(random, rp, {"samples", "seed", "ranges"})) return s;
    const YAML::Node samples_node = YamlReader::child(random, "samples");
    if (!samples_node.IsDefined()) {
      r.error(random, rp, "missing required key 'samples' (the number of points)");
      return s;
    }
    const auto samples = bounded_scalar(r, samples_node, "random.samples", 1, limits::kMaxSweepRuns);
    const YAML::Node seed_node = YamlReader::child(random, "seed");
    const auto seed = seed_node.IsDefined() ? bounded_scalar(r, seed_node, "random.seed", 0, limits::kMaxSeed)
                                            : std::optional<std::int64_t>(1);
    if (!samples || !seed || !runs_within_limit(r, samples_node, "random.samples", *samples, s.seeds.size()))
      return s;
    const YAML::Node ranges = YamlReader::child(random, "ranges");
    std::vector<std::pair<double, double>> bounds;
    if (!ranges.IsMap()) {
      r.error(random, rp, "missing 'ranges': a mapping of --set path to [low, high]");
      return s;
    }
    for (auto it = ranges.begin(); it != ranges.end(); ++it) {
      const std::string path = it->first.Scalar();
      std::optional<double> lo, hi;
      if (it->second.IsSequence() && it->second.size() == 2 && it->second[0].IsScalar() && it->second[1].IsScalar()) {
        lo = parse_quantity(it->second[0].Scalar(), Quantity::Count);
        hi = parse_quantity(it->second[1].Scalar(), Quantity::Count);
      }
      if (!lo || !hi || *lo > *hi) {
        r.error(it->second, "random.ranges." + path, "expected [low, high] numbers with low <= high");
        continue;
      }
      s.parameters.push_back(path);
      bounds.emplace_back(*lo, *hi);
    }
    SplitMix64 rng(stream_seed(static_cast<std::uint64_t>(*seed), "sweep"));
    for (std::int64_t i = 0; i < *samples; ++i) {
      SweepPoint p;
      for (std::size_t k = 0; k < bounds.size(); ++k)
        p.sets.emplace_back(s.parameters[k],
                            fmt::format("{:.6g}", bounds[k].first + rng.uniform() * (bounds[k].second - bounds[k].first)));
      s.points.push_back(p);
    }
  }
  return s;
}

SweepSpec load_sweep_file(const std::string& path, Diagnostics& diags, const std::vector<std::string>& allow_paths) {
  std::string why;
  const auto text = read_regular_file(path, limits::kMaxInputFileBytes, why, /*allow_pipe=*/true);
  if (!text) {
    diags.error(SourceLoc{path, 0, 0}, "", "cannot read the sweep file: " + why);
    return {};
  }
  std::string dir = std::filesystem::path(path).parent_path().string();
  return load_sweep_text(*text, path, dir.empty() ? "." : dir, diags, allow_paths);
}

}  // namespace rcn
