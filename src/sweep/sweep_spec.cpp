#include "rcn/sweep/sweep_spec.hpp"

#include <fmt/format.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "rcn/models/failure_schedule.hpp"
#include "src/scenario/yaml_reader.hpp"

namespace rcn {

SweepSpec load_sweep_text(const std::string& yaml, const std::string& file, const std::string& base_dir,
                          Diagnostics& diags) {
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
  if (auto b = r.text(root, "base", "", true)) {
    std::filesystem::path p = *b;
    if (p.is_relative()) p = std::filesystem::path(base_dir) / p;
    s.base = p.lexically_normal().string();
    if (!std::filesystem::exists(s.base))
      r.error(YamlReader::child(root, "base"), "base", fmt::format("scenario \"{}\" not found", s.base));
  }
  s.output = r.text(root, "output", "", false).value_or("sweep-results");
  const YAML::Node seeds = YamlReader::child(root, "seeds");
  if (!seeds.IsDefined()) {
    s.seeds = {1};
  } else if (seeds.IsSequence()) {
    for (std::size_t i = 0; i < seeds.size(); ++i) {
      auto v = seeds[i].IsScalar() ? parse_quantity(seeds[i].Scalar(), Quantity::Count) : std::nullopt;
      if (!v || *v < 0 || std::floor(*v) != *v)
        r.error(seeds[i], YamlReader::index("seeds", i), "expected a non-negative integer seed");
      else
        s.seeds.push_back(static_cast<std::uint64_t>(*v));
    }
  } else if (auto n = r.integer(root, "seeds", "", 1, true)) {
    for (int i = 1; i <= *n; ++i) s.seeds.push_back(static_cast<std::uint64_t>(i));
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
    const int samples = r.integer(random, "samples", rp, 1, true).value_or(0);
    const auto seed = static_cast<std::uint64_t>(r.integer(random, "seed", rp, 0, false).value_or(1));
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
    SplitMix64 rng(stream_seed(seed, "sweep"));
    for (int i = 0; i < samples; ++i) {
      SweepPoint p;
      for (std::size_t k = 0; k < bounds.size(); ++k)
        p.sets.emplace_back(s.parameters[k],
                            fmt::format("{:.6g}", bounds[k].first + rng.uniform() * (bounds[k].second - bounds[k].first)));
      s.points.push_back(p);
    }
  }
  return s;
}

SweepSpec load_sweep_file(const std::string& path, Diagnostics& diags) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    diags.error(SourceLoc{path, 0, 0}, "", "cannot read the sweep file");
    return {};
  }
  std::stringstream ss;
  ss << in.rdbuf();
  std::string dir = std::filesystem::path(path).parent_path().string();
  return load_sweep_text(ss.str(), path, dir.empty() ? "." : dir, diags);
}

}  // namespace rcn
