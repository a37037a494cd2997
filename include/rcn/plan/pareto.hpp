#pragma once
// The Pareto front of points in two metrics, each minimised or maximised: a
// point is on the front when no other point is at least as good in both and
// strictly better in one. Equal points do not dominate each other, so ties
// are all on the front (or all off it).
#include <cstddef>
#include <utility>
#include <vector>

#include "rcn/plan/plan_spec.hpp"

namespace rcn {

// Indices of the non-dominated points, ordered by x from best to worst (ties by
// y from best, then by index). Points with a non-finite coordinate are never on it.
std::vector<std::size_t> pareto_front(const std::vector<std::pair<double, double>>& points, Sense x_sense,
                                      Sense y_sense);

// Whether a dominates b (both directions as above).
bool dominates(std::pair<double, double> a, std::pair<double, double> b, Sense x_sense, Sense y_sense);

}  // namespace rcn
