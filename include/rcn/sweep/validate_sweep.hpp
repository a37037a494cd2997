#pragma once
// `rcnsim validate SWEEP.yaml`: every point's scenario checked the way `rcnsim
// run --set ...` would check it, without running anything, so a typo in one
// variant or grid value is found before a sweep spends hours on the others.
#include <cstddef>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "rcn/scenario/diagnostics.hpp"
#include "rcn/sweep/sweep_spec.hpp"

namespace rcn {

struct SweepValidation {
  std::size_t distinct = 0;  // points with different --set values
  std::size_t checked = 0;   // of those, loaded and checked (at most max_points)
  std::size_t failed = 0;    // checked points with an error
};

// Loads the base scenario once per distinct point with its --set values and runs
// the checks of `rcnsim validate` (load_checked_text). Each error is reported
// once, at the sweep value that caused it when it came from one (a --set), else
// at the variant or grid parameter, naming the point ("point 3 (variant center,
// failures.scale=10)") and how many more points share it. Past `max_points`
// distinct points the rest are not loaded: a warning says how many.
// `spec` must have loaded without errors.
// Which of a point's --set values (path, value) a scenario diagnostic is about,
// if any: the loader locates an error in a --set value at "--set path=value".
// A sweep and a plan use it to report the error at the value in their own file.
std::optional<std::size_t> set_causing(const Diagnostic& d, const std::vector<std::pair<std::string, std::string>>& sets);

SweepValidation validate_sweep(const SweepSpec& spec, Diagnostics& diags, std::size_t max_points = 1000);

}  // namespace rcn
