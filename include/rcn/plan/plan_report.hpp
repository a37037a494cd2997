#pragma once
// plan.html: one self-contained page (inline SVG and CSS, no script, no
// network) with the Pareto chart of the plan's two axes and the ranked table.
// Like report.html, every chart mark carries data-* attributes with the
// numbers it draws, and every string from input is escaped.
#include <string>
#include <vector>

#include "rcn/plan/plan_ranking.hpp"

namespace rcn {

// `notes` (plan_notes) are shown as warnings above the chart.
std::string plan_html(const PlanSpec& spec, const std::vector<PointOutcome>& ranked,
                      const std::vector<std::string>& notes = {});

}  // namespace rcn
