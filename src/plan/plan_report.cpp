#include "rcn/plan/plan_report.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <set>

#include "rcn/report/html_escape.hpp"

namespace rcn {

namespace {

std::string esc(const std::string& s) { return html_escape(s); }

std::string point_label(const PointOutcome& p) {
  std::string s;
  for (const auto& [path, value] : p.sets) s += (s.empty() ? "" : ", ") + path + "=" + value;
  return s;
}

std::string pareto_chart(const PlanSpec& spec, const std::vector<PointOutcome>& ranked) {
  const double w = 560, h = 340, x0 = 90, y0 = 20;
  std::vector<std::size_t> drawn;
  double xmin = INFINITY, xmax = -INFINITY, ymin = INFINITY, ymax = -INFINITY;
  for (std::size_t i = 0; i < ranked.size(); ++i) {
    auto x = ranked[i].metrics.find(spec.pareto_x), y = ranked[i].metrics.find(spec.pareto_y);
    if (x == ranked[i].metrics.end() || y == ranked[i].metrics.end() || x->second.n == 0) continue;
    if (!std::isfinite(x->second.mean) || !std::isfinite(y->second.mean)) continue;
    drawn.push_back(i);
    xmin = std::min(xmin, x->second.mean), xmax = std::max(xmax, x->second.mean);
    ymin = std::min(ymin, y->second.mean), ymax = std::max(ymax, y->second.mean);
  }
  const auto front = pareto_points(spec, ranked);
  std::string out = fmt::format("<svg id='pareto' width='{}' height='{}' data-points='{}' data-front='{}'>", x0 + w + 20,
                                y0 + h + 50, drawn.size(), front.size());
  if (drawn.empty()) return out + "<text x='20' y='40'>no point has both metrics</text></svg>";
  // 5% of room on each side, so no mark sits on the frame; an axis whose values
  // are all equal is centred on them.
  auto pad = [](double& lo, double& hi) {
    const double room = hi > lo ? 0.05 * (hi - lo) : std::max(0.05 * std::abs(lo), 1.0);
    lo -= room, hi += room;
  };
  pad(xmin, xmax);
  pad(ymin, ymax);
  auto px = [&](double v) { return x0 + (v - xmin) / (xmax - xmin) * w; };
  auto py = [&](double v) { return y0 + h - (v - ymin) / (ymax - ymin) * h; };
  out += fmt::format("<rect x='{}' y='{}' width='{}' height='{}' fill='none' stroke='#888'/>", x0, y0, w, h);
  for (int k = 0; k <= 4; ++k) {
    const double xv = xmin + (xmax - xmin) * k / 4, yv = ymin + (ymax - ymin) * k / 4;
    out += fmt::format("<text x='{:.1f}' y='{}' font-size='11' text-anchor='middle'>{:.6g}</text>", px(xv), y0 + h + 16, xv);
    out += fmt::format("<text x='{}' y='{:.1f}' font-size='11' text-anchor='end'>{:.6g}</text>", x0 - 4, py(yv) + 4, yv);
  }
  out += fmt::format("<text x='{}' y='{}' text-anchor='middle'>{} (mean over seeds)</text>", x0 + w / 2, y0 + h + 40,
                     esc(spec.pareto_x));
  out += fmt::format("<text x='14' y='{}' transform='rotate(-90 14 {})' text-anchor='middle'>{}</text>", y0 + h / 2,
                     y0 + h / 2, esc(spec.pareto_y));
  std::string line;
  for (std::size_t i : front)
    line += fmt::format("{:.1f},{:.1f} ", px(ranked[i].metrics.at(spec.pareto_x).mean),
                        py(ranked[i].metrics.at(spec.pareto_y).mean));
  out += fmt::format("<polyline points='{}' fill='none' stroke='#d62728' stroke-width='1.5'/>", line);
  const std::set<std::size_t> on_front(front.begin(), front.end());
  for (std::size_t i : drawn) {
    const PointOutcome& p = ranked[i];
    const double xv = p.metrics.at(spec.pareto_x).mean, yv = p.metrics.at(spec.pareto_y).mean;
    const bool feasible = p.status == PointStatus::Feasible;
    out += fmt::format(
        "<circle class='point' cx='{:.1f}' cy='{:.1f}' r='{}' fill='{}' stroke='{}' data-point='{}' data-x='{}' "
        "data-y='{}' data-status='{}' data-front='{}'><title>{}</title></circle>",
        px(xv), py(yv), on_front.count(i) ? 6 : 4, feasible ? "#2ca02c" : "#c8c8c8", on_front.count(i) ? "#d62728" : "#555",
        p.index, xv, yv, status_name(p.status), on_front.count(i) ? 1 : 0,
        esc(fmt::format("point {}: {} ({})", p.index, point_label(p), status_name(p.status))));
  }
  return out + "</svg>";
}

}  // namespace

std::string plan_html(const PlanSpec& spec, const std::vector<PointOutcome>& ranked,
                      const std::vector<std::string>& notes) {
  const auto metrics = plan_metrics(spec);
  std::string out =
      "<!DOCTYPE html>\n<html><head><meta charset='utf-8'><title>rcnsim plan</title><style>"
      "body{font-family:sans-serif;margin:20px}table{border-collapse:collapse}td,th{border:1px solid #ccc;"
      "padding:2px 6px;font-size:13px}tr.feasible td{background:#eef8ee}tr.pruned td{color:#888}</style></head><body>";
  out += fmt::format("<h1>Plan: {}</h1><p>base scenario {}, {} seed{} per point; objective: {} {}; feasible when "
                     "every constraint holds on the mean over the seeds.</p>",
                     esc(spec.file), esc(spec.base), spec.seeds.size(), spec.seeds.size() == 1 ? "" : "s",
                     spec.sense == Sense::Maximise ? "maximise" : "minimise", esc(spec.objective));
  for (const auto& n : notes) out += "<p class='note'><b>Note:</b> " + esc(n) + "</p>";
  out += fmt::format("<h2>Pareto front: {} ({}) against {} ({})</h2>", esc(spec.pareto_x),
                     spec.pareto_x_sense == Sense::Maximise ? "larger is better" : "smaller is better",
                     esc(spec.pareto_y), spec.pareto_y_sense == Sense::Maximise ? "larger is better" : "smaller is better");
  out += "<p>Green: feasible; grey: infeasible; red outline and line: the non-dominated points.</p>";
  out += pareto_chart(spec, ranked);
  out += "<h2>Ranking</h2><table id='ranking'><tr><th>rank</th><th>point</th>";
  for (const auto& v : spec.variables) out += "<th>" + esc(v.path) + "</th>";
  out += "<th>status</th>";
  for (const auto& m : metrics) out += "<th>" + esc(m) + " (mean ± 95% CI)</th>";
  out += "<th>why not feasible</th></tr>";
  for (std::size_t r = 0; r < ranked.size(); ++r) {
    const PointOutcome& p = ranked[r];
    out += fmt::format("<tr class='{}' data-point='{}'><td>{}</td><td>{}</td>", status_name(p.status), p.index, r + 1,
                       p.index);
    for (const auto& [path, value] : p.sets) out += "<td>" + esc(value) + "</td>";
    out += fmt::format("<td>{}</td>", status_name(p.status));
    for (const auto& m : metrics) {
      auto it = p.metrics.find(m);
      out += it == p.metrics.end() || it->second.n == 0
                 ? std::string("<td></td>")
                 : fmt::format("<td>{:.6g} ± {:.3g}</td>", it->second.mean, it->second.ci95);
    }
    std::string why = p.reason;
    for (const auto& v : p.violated) why += (why.empty() ? "" : "; ") + v;
    out += "<td>" + esc(why) + "</td></tr>";
  }
  return out + "</table></body></html>\n";
}

}  // namespace rcn
