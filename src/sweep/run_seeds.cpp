#include "src/sweep/run_seeds.hpp"

#include <fmt/format.h>

#include <map>

#include "rcn/scenario/input_limits.hpp"

namespace rcn {

std::optional<std::int64_t> bounded_scalar(YamlReader& r, const YAML::Node& n, const std::string& path,
                                           std::int64_t lo, std::int64_t hi) {
  std::string why;
  std::optional<std::int64_t> v;
  if (n.IsScalar()) v = parse_bounded_integer(n.Scalar(), lo, hi, &why);
  if (!v) r.error(n, path, n.IsScalar() ? why : fmt::format("expected {}, got {}", describe_integer_range(lo, hi),
                                                            YamlReader::describe(n)));
  return v;
}

std::optional<std::vector<std::uint64_t>> read_seeds(YamlReader& r, const YAML::Node& seeds) {
  std::vector<std::uint64_t> out;
  if (!seeds.IsDefined()) return std::vector<std::uint64_t>{1};
  if (seeds.IsSequence()) {
    // Each seed names its runs' folders (p<point>-seed<seed>), so a repeated
    // seed would start two processes on one folder and count one run twice:
    // refused rather than silently dropped, since the user meant something.
    if (static_cast<std::int64_t>(seeds.size()) > limits::kMaxSweepRuns) {
      r.error(seeds, "seeds", fmt::format("{} seeds; the limit is {}", seeds.size(), limits::kMaxSweepRuns));
      return std::nullopt;
    }
    if (seeds.size() == 0) r.error(seeds, "seeds", "expected at least one seed");
    std::map<std::uint64_t, std::size_t> first;
    for (std::size_t i = 0; i < seeds.size(); ++i) {
      const std::string path = YamlReader::index("seeds", i);
      const auto v = bounded_scalar(r, seeds[i], path, 0, limits::kMaxSeed);
      if (!v) continue;
      const auto seed = static_cast<std::uint64_t>(*v);
      if (auto [it, fresh] = first.emplace(seed, i); !fresh)
        r.error(seeds[i], path, fmt::format("seed {} is already seeds[{}]; each seed runs once per point", seed, it->second));
      else
        out.push_back(seed);
    }
  } else if (auto n = bounded_scalar(r, seeds, "seeds", 1, limits::kMaxSweepRuns)) {
    for (std::int64_t i = 1; i <= *n; ++i) out.push_back(static_cast<std::uint64_t>(i));
  }
  return out;
}

}  // namespace rcn
