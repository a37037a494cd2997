#include "rcn/sweep/sweep_spec.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "rcn/models/failure_schedule.hpp"
#include "rcn/scenario/file_reference.hpp"
#include "rcn/scenario/input_limits.hpp"
#include "src/scenario/yaml_reader.hpp"
#include "src/sweep/run_seeds.hpp"

namespace rcn {

namespace {

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

// A varied path becomes a column of sweep.csv: one named like the table's own
// columns (point, n, variant, <metric>_mean, <metric>_ci95) would make two equal headers.
bool column_name_free(YamlReader& r, const YAML::Node& key, const std::string& field, const std::string& path) {
  auto ends_with = [&](const char* tail) {
    const std::string t(tail);
    return path.size() >= t.size() && path.compare(path.size() - t.size(), t.size(), t) == 0;
  };
  if (path.empty() || path == "point" || path == "n" || path == "variant" || ends_with("_mean") || ends_with("_ci95")) {
    r.error(key, field,
            fmt::format("\"{}\" is not a --set path (sweep.csv names its own columns point, n, variant, "
                        "<metric>_mean and <metric>_ci95)", quote_input(path)));
    return false;
  }
  return true;
}

// A value as `--set` takes it: the node written back as one-line YAML.
std::string flow_text(const YAML::Node& n) {
  YAML::Emitter e;
  e << YAML::Flow << n;
  return e.c_str();
}

bool valid_variant_name(const std::string& name) {
  if (name.empty() || name.size() > limits::kMaxSweepVariantName) return false;
  for (char c : name)
    if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-'))
      return false;
  return true;
}

// variants: {name: {path: value, ...}, ...}; each entry checked, errors located at it.
void read_variants(YamlReader& r, const YAML::Node& node, SweepSpec& s, std::set<std::string>& variant_paths) {
  if (!node.IsMap() || node.size() == 0) {
    r.error(node, "variants", fmt::format("expected a mapping of variant name to {{--set path: value}}, got {}",
                                          node.IsMap() ? "an empty mapping" : YamlReader::describe(node)));
    return;
  }
  if (static_cast<std::int64_t>(node.size()) > limits::kMaxSweepVariants) {
    r.error(node, "variants", fmt::format("{} variants; the limit is {}", node.size(), limits::kMaxSweepVariants));
    return;
  }
  std::map<std::string, std::string> first_name;  // name -> where it was first given
  for (auto it = node.begin(); it != node.end(); ++it) {
    const std::string name = it->first.IsScalar() ? it->first.Scalar() : "";
    const std::string field = "variants." + name;
    if (!valid_variant_name(name)) {
      r.error(it->first, "variants",
              fmt::format("variant name {} is not 1 to {} characters of A-Z, a-z, 0-9, _ and - (it names rows "
                          "and run keys)",
                          it->first.IsScalar() ? "\"" + quote_input(name) + "\"" : YamlReader::describe(it->first),
                          limits::kMaxSweepVariantName));
      continue;
    }
    const std::string where = r.loc(it->first, field).str();
    if (auto [seen, fresh] = first_name.emplace(name, where); !fresh) {
      r.error(it->first, field, fmt::format("variant \"{}\" is given twice (first at {})", name, seen->second));
      continue;
    }
    const YAML::Node sets = it->second;
    if (!sets.IsMap() || sets.size() == 0) {
      r.error(sets.IsDefined() && !sets.IsNull() ? sets : it->first, field,
              fmt::format("expected a mapping of --set path to value, got {}",
                          sets.IsMap() ? "an empty mapping" : YamlReader::describe(sets)));
      continue;
    }
    if (sets.size() > limits::kMaxSweepPathsPerPoint) {
      r.error(it->first, field, fmt::format("{} paths; the limit is {} per point", sets.size(),
                                            limits::kMaxSweepPathsPerPoint));
      continue;
    }
    SweepVariant v;
    v.name = name;
    v.loc = r.loc(it->first, field);
    bool ok = true;
    std::set<std::string> paths;  // sets, not scans: a file may hold a great many paths
    for (auto kv = sets.begin(); kv != sets.end(); ++kv) {
      const std::string path = kv->first.IsScalar() ? kv->first.Scalar() : "";
      const std::string pfield = field + "." + path;
      if (!column_name_free(r, kv->first, pfield, path)) {
        ok = false;
        continue;
      }
      if (!paths.insert(path).second) {
        r.error(kv->first, pfield, "this path is already set by this variant");
        ok = false;
        continue;
      }
      if (!kv->second.IsDefined() || kv->second.IsNull()) {
        r.error(kv->first, pfield, "expected a value");
        ok = false;
        continue;
      }
      v.sets.emplace_back(path, flow_text(kv->second));
      v.value_locs.push_back(r.loc(kv->second, pfield));
    }
    if (!ok) continue;
    for (const auto& [path, value] : v.sets)
      if (variant_paths.insert(path).second) s.variant_parameters.push_back(path);
    s.variants.push_back(std::move(v));
  }
}

// A point's --set values are the grid's (or random's) `n` paths plus its
// variant's: each is a walk of the scenario tree when every run loads.
bool paths_within_limit(YamlReader& r, const YAML::Node& n, const std::string& field, std::size_t paths,
                        const SweepSpec& s) {
  const SweepVariant* widest = nullptr;
  for (const auto& v : s.variants)
    if (!widest || v.sets.size() > widest->sets.size()) widest = &v;
  const std::size_t total = paths + (widest ? widest->sets.size() : 0);
  if (total <= limits::kMaxSweepPathsPerPoint) return true;
  r.error(n, field,
          widest ? fmt::format("a point would set {} paths ({} here and {} from variant {}); the limit is {}", total,
                               paths, widest->sets.size(), widest->name, limits::kMaxSweepPathsPerPoint)
                 : fmt::format("{} paths; the limit is {} per point", paths, limits::kMaxSweepPathsPerPoint));
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
  if (!r.expect_map(root, "", {"base", "seeds", "grid", "random", "variants", "output"})) return s;
  s.allow_paths = allow_paths;
  if (auto b = r.text(root, "base", "", true)) {
    // A sweep file is shared like a scenario: its base scenario is confined the same way.
    const FileReferences refs(base_dir, allow_paths);
    s.base = refs.display_name(*b);
    s.base_loc = r.loc(YamlReader::child(root, "base"), "base");
    std::string why;
    if (!refs.read(*b, limits::kMaxInputFileBytes, why))
      r.error(YamlReader::child(root, "base"), "base", fmt::format("scenario \"{}\": {}", quote_input(s.base), why));
  }
  s.output = r.text(root, "output", "", false).value_or("sweep-results");
  s.output_loc = r.loc(YamlReader::child(root, "output"), "output");
  auto seeds = read_seeds(r, YamlReader::child(root, "seeds"));
  if (!seeds) return s;
  s.seeds = std::move(*seeds);
  const YAML::Node grid = YamlReader::child(root, "grid");
  const YAML::Node random = YamlReader::child(root, "random");
  const YAML::Node variants = YamlReader::child(root, "variants");
  if (grid.IsDefined() && random.IsDefined()) {
    r.error(root, "", "give 'grid' (path: [values]) or 'random' (samples, seed, ranges), not both");
    return s;
  }
  if (!grid.IsDefined() && !random.IsDefined() && !variants.IsDefined()) {
    r.error(root, "",
            "give 'grid' (path: [values]), 'random' (samples, seed, ranges) or 'variants' (name: {path: value})");
    return s;
  }
  std::set<std::string> variant_paths, parameters;  // for the checks that keep sweep.csv's columns distinct
  if (variants.IsDefined()) {
    const std::size_t before = diags.error_count();
    read_variants(r, variants, s, variant_paths);
    if (diags.error_count() > before) return s;
  }
  // Every variant runs with every grid point or sample: the points are the product.
  const double per_point = s.variants.empty() ? 1.0 : static_cast<double>(s.variants.size());
  // The grid's or random's points without variants; one empty point when neither is given.
  std::vector<SweepPoint> plain;
  if (grid.IsDefined()) {
    if (!grid.IsMap() || grid.size() == 0) {  // an empty grid would be a sweep of nothing
      r.error(grid, "grid", fmt::format("expected a mapping of --set path to a list of values, got {}",
                                        grid.IsMap() ? "an empty mapping" : YamlReader::describe(grid)));
      return s;
    }
    s.parameter_section = "grid";
    if (!paths_within_limit(r, grid, "grid", grid.size(), s)) return s;
    std::vector<std::vector<std::string>> values;
    for (auto it = grid.begin(); it != grid.end(); ++it) {
      const std::string path = it->first.IsScalar() ? it->first.Scalar() : "";
      if (!column_name_free(r, it->first, "grid." + path, path)) continue;
      if (!parameters.insert(path).second) {
        r.error(it->first, "grid." + path, "this path is already in the grid");
        continue;
      }
      if (variant_paths.count(path)) {
        r.error(it->first, "grid." + path, "a variant sets this path too; vary it in one place");
        continue;
      }
      if (!it->second.IsSequence() || it->second.size() == 0) {
        r.error(it->second, "grid." + path, "expected a non-empty list of values");
        continue;
      }
      s.parameters.push_back(path);
      s.parameter_locs.push_back(r.loc(it->first, "grid." + path));
      std::vector<std::string> vs;
      for (std::size_t i = 0; i < it->second.size(); ++i) vs.push_back(flow_text(it->second[i]));
      values.push_back(vs);
    }
    // The number of points, bounded before the product is built: a few lists
    // of a few hundred values each are already more runs than any sweep makes.
    // As a double it cannot overflow (each factor is at most the file's size).
    double points = values.empty() ? 0 : per_point;
    for (const auto& vs : values) points *= static_cast<double>(vs.size());
    if (!runs_within_limit(r, grid, "grid", points, s.seeds.size())) return s;
    // Cartesian product, the last parameter varying fastest.
    std::vector<std::size_t> idx(values.size(), 0);
    while (!values.empty()) {
      SweepPoint p;
      for (std::size_t k = 0; k < values.size(); ++k) p.sets.emplace_back(s.parameters[k], values[k][idx[k]]);
      plain.push_back(p);
      std::size_t k = values.size();
      while (k > 0 && ++idx[k - 1] == values[k - 1].size()) idx[--k] = 0;
      if (k == 0) break;
    }
  } else if (random.IsDefined()) {
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
    if (!samples || !seed ||
        !runs_within_limit(r, samples_node, "random.samples", static_cast<double>(*samples) * per_point,
                           s.seeds.size()))
      return s;
    const YAML::Node ranges = YamlReader::child(random, "ranges");
    std::vector<std::pair<double, double>> bounds;
    s.parameter_section = "random.ranges";
    if (!ranges.IsMap() || ranges.size() == 0) {
      r.error(ranges.IsDefined() ? ranges : random, rp + (ranges.IsDefined() ? ".ranges" : ""),
              "expected 'ranges': a mapping of --set path to [low, high], with at least one path");
      return s;
    }
    if (!paths_within_limit(r, ranges, "random.ranges", ranges.size(), s)) return s;
    for (auto it = ranges.begin(); it != ranges.end(); ++it) {
      const std::string path = it->first.IsScalar() ? it->first.Scalar() : "";
      const std::string field = "random.ranges." + path;
      if (!column_name_free(r, it->first, field, path)) continue;
      if (!parameters.insert(path).second) {
        r.error(it->first, field, "this path already has a range");
        continue;
      }
      if (variant_paths.count(path)) {
        r.error(it->first, field, "a variant sets this path too; vary it in one place");
        continue;
      }
      std::optional<double> lo, hi;
      if (it->second.IsSequence() && it->second.size() == 2 && it->second[0].IsScalar() && it->second[1].IsScalar()) {
        lo = parse_quantity(it->second[0].Scalar(), Quantity::Count);
        hi = parse_quantity(it->second[1].Scalar(), Quantity::Count);
      }
      if (!lo || !hi || *lo > *hi) {
        r.error(it->second, field, "expected [low, high] numbers with low <= high");
        continue;
      }
      s.parameters.push_back(path);
      s.parameter_locs.push_back(r.loc(it->first, field));
      bounds.emplace_back(*lo, *hi);
    }
    SplitMix64 rng(stream_seed(static_cast<std::uint64_t>(*seed), "sweep"));
    for (std::int64_t i = 0; i < *samples; ++i) {
      SweepPoint p;
      for (std::size_t k = 0; k < bounds.size(); ++k)
        p.sets.emplace_back(s.parameters[k],
                            fmt::format("{:.6g}", bounds[k].first + rng.uniform() * (bounds[k].second - bounds[k].first)));
      plain.push_back(p);
    }
  } else {
    if (!runs_within_limit(r, variants, "variants", per_point, s.seeds.size())) return s;
    plain.emplace_back();
  }
  if (s.variants.empty()) {
    s.points = std::move(plain);
    return s;
  }
  // Variant-major; a variant's values come first, so a grid path inside a
  // mapping the variant sets (sites.x after sites.x.clusters...) applies on top.
  s.points.reserve(s.variants.size() * plain.size());
  for (const SweepVariant& v : s.variants)
    for (const SweepPoint& g : plain) {
      SweepPoint p;
      p.variant = v.name;
      p.sets = v.sets;
      p.sets.insert(p.sets.end(), g.sets.begin(), g.sets.end());
      s.points.push_back(std::move(p));
    }
  return s;
}

std::vector<std::string> parameter_columns(const SweepSpec& spec) {
  std::vector<std::string> cols;
  if (!spec.variants.empty()) cols.push_back("variant");
  cols.insert(cols.end(), spec.parameters.begin(), spec.parameters.end());
  cols.insert(cols.end(), spec.variant_parameters.begin(), spec.variant_parameters.end());
  return cols;
}

std::vector<std::string> parameter_cells(const SweepSpec& spec, const SweepPoint& point) {
  std::vector<std::string> cells;
  if (!spec.variants.empty()) cells.push_back(point.variant);
  std::map<std::string, const std::string*> values;
  for (const auto& [path, value] : point.sets) values.emplace(path, &value);
  auto value_of = [&](const std::string& path) {
    const auto it = values.find(path);
    return it == values.end() ? std::string() : *it->second;
  };
  for (const auto& p : spec.parameters) cells.push_back(value_of(p));
  for (const auto& p : spec.variant_parameters) cells.push_back(value_of(p));
  return cells;
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
