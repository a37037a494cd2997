#include "rcn/sweep/validate_sweep.hpp"

#include <fmt/format.h>

#include <filesystem>
#include <map>

#include "rcn/engine/checked_scenario.hpp"
#include "rcn/scenario/file_reference.hpp"
#include "rcn/scenario/input_limits.hpp"

namespace rcn {

namespace {

// One error of some point's scenario, reported once for every point that has it.
struct PointError {
  SourceLoc loc;      // in the sweep file
  std::string field;  // the sweep field it is located at
  std::size_t first_point = 0;
  std::string point_desc;
  std::string text;   // the scenario's diagnostic, without its severity
  std::size_t more = 0;  // further points with the same error
};

// "variant center, failures.scale=3": the variant by name, the grid's or random's values in full.
std::string describe_point(const SweepPoint& p, std::size_t variant_sets) {
  std::string d = p.variant.empty() ? "" : "variant " + p.variant;
  for (std::size_t k = variant_sets; k < p.sets.size(); ++k)
    d += (d.empty() ? "" : ", ") + p.sets[k].first + "=" + p.sets[k].second;
  return d.empty() ? "the base scenario" : quote_input(d, 160);
}

}  // namespace

std::optional<std::size_t> set_causing(const Diagnostic& d, const std::vector<std::pair<std::string, std::string>>& sets) {
  for (std::size_t k = 0; k < sets.size(); ++k)
    if (d.loc.file == "--set " + quote_input(sets[k].first + "=" + sets[k].second, 200)) return k;
  return std::nullopt;
}

SweepValidation validate_sweep(const SweepSpec& spec, Diagnostics& diags, std::size_t max_points) {
  SweepValidation v;
  std::string why;
  const auto text = read_regular_file(spec.base, limits::kMaxInputFileBytes, why);
  if (!text) {
    diags.error(spec.base_loc, "base", fmt::format("scenario \"{}\": {}", quote_input(spec.base), why));
    return v;
  }
  const std::string dir = std::filesystem::path(spec.base).parent_path().string();
  std::map<std::string, const SweepVariant*> variants;
  for (const auto& var : spec.variants) variants[var.name] = &var;

  std::map<std::vector<std::pair<std::string, std::string>>, std::size_t> seen;  // sets -> first point
  std::vector<PointError> errors;
  std::map<std::string, std::size_t> error_index;  // located text -> errors[]
  for (std::size_t i = 0; i < spec.points.size(); ++i) {
    const SweepPoint& p = spec.points[i];
    if (!seen.emplace(p.sets, i).second) continue;
    if (++v.distinct > max_points) continue;
    ++v.checked;
    LoadOptions opts;
    opts.allow_paths = spec.allow_paths;
    for (const auto& [path, value] : p.sets) opts.overrides.push_back(path + "=" + value);
    const LoadResult r = load_checked_text(*text, spec.base, opts, dir.empty() ? "." : dir);
    if (!r.diagnostics.has_errors()) continue;
    ++v.failed;
    const SweepVariant* var = p.variant.empty() ? nullptr : variants.at(p.variant);
    const std::size_t variant_sets = var ? var->sets.size() : 0;
    for (const Diagnostic& d : r.diagnostics.items()) {
      if (d.severity != Diagnostic::Severity::Error) continue;
      PointError e{spec.base_loc, "base", i, "", "", 0};
      const auto found = set_causing(d, p.sets);
      const bool from_set = found.has_value();
      if (from_set) {
        const std::size_t k = *found;
        if (k < variant_sets) {
          e.loc = var->value_locs[k];
          e.field = "variants." + var->name + "." + p.sets[k].first;
        } else {
          const std::size_t j = k - variant_sets;
          e.loc = spec.parameter_locs[j];
          e.field = spec.parameter_section + "." + p.sets[k].first;
        }
      }
      if (!from_set && var) {  // the scenario refuses what the variant made of it
        e.loc = var->loc;
        e.field = "variants." + var->name;
      }
      const std::string what = d.path.empty() ? d.message : d.path + ": " + d.message;
      e.text = from_set ? what : fmt::format("{}: {}", d.loc.str(), what);
      const std::string key = e.loc.str() + "\n" + e.field + "\n" + e.text;
      if (auto it = error_index.find(key); it != error_index.end()) {
        ++errors[it->second].more;
        continue;
      }
      e.point_desc = describe_point(p, variant_sets);
      error_index.emplace(key, errors.size());
      errors.push_back(std::move(e));
    }
  }
  for (const PointError& e : errors)
    diags.error(e.loc, e.field,
                fmt::format("point {} ({}){}: {}", e.first_point, e.point_desc,
                            e.more ? fmt::format(" and {} more point{}", e.more, e.more == 1 ? "" : "s") : "",
                            e.text));
  if (v.distinct > v.checked)
    diags.warning(SourceLoc{spec.file, 0, 0}, "",
                  fmt::format("{} of {} distinct points were not checked (the first {} were)", v.distinct - v.checked,
                              v.distinct, v.checked));
  return v;
}

}  // namespace rcn
