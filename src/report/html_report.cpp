#include "rcn/report/html_report.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <map>

#include "rcn/report/html_escape.hpp"
#include "rcn/scenario/units.hpp"

namespace rcn {

namespace {

// Every string from input (names, scenario text, failure descriptions) goes through this.
std::string esc(const std::string& s) { return html_escape(s); }

const char* state_color(const std::string& state) {
  if (state == "running") return "#4c9be8";
  if (state == "checkpointing") return "#f0a030";
  if (state == "loading") return "#9b59b6";
  if (state == "restarting") return "#e74c3c";
  return "#c8c8c8";  // queued
}

const char* palette(std::size_t i) {
  static const char* colors[] = {"#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
                                 "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"};
  return colors[i % 10];
}

// Time axis: ticks in hours or days.
std::string time_axis(double x0, double width, double y, double end) {
  const bool days = end > 3 * 86400, minutes = end <= 3 * 3600;
  const double unit = days ? 86400 : minutes ? 60 : 3600;
  const double span = std::isfinite(end) && end > 0 ? end / unit : 1;
  // A round step (1, 2 or 5 times a power of ten) giving at most 12 intervals,
  // whatever the span: the number of ticks is bounded (at most 13).
  const double magnitude = std::pow(10, std::floor(std::log10(std::max(span / 12, 1.0))));
  double step = 10 * magnitude;
  for (double m : {1.0, 2.0, 5.0})
    if (span / (m * magnitude) <= 12) {
      step = m * magnitude;
      break;
    }
  std::string out = fmt::format("<line x1='{}' y1='{}' x2='{}' y2='{}' stroke='#444'/>", x0, y, x0 + width, y);
  for (int k = 0; k <= 13 && k * step <= span + 1e-9; ++k) {
    const double t = k * step;
    const double x = x0 + width * t / std::max(span, 1e-9);
    out += fmt::format("<line x1='{:.1f}' y1='{}' x2='{:.1f}' y2='{}' stroke='#444'/>", x, y, x, y + 4);
    out += fmt::format("<text x='{:.1f}' y='{}' font-size='10' text-anchor='middle'>{}{}</text>", x, y + 15, t,
                       days ? "d" : minutes ? "min" : "h");
  }
  return out;
}

std::string topology(const SimulationResult& r, const Scenario& s) {
  const double w = 520, h = 300;
  std::vector<std::pair<double, double>> pos(s.sites.size());
  bool located = !s.sites.empty();
  for (const auto& site : s.sites) located = located && site.location.has_value();
  if (located) {
    double lat0 = 90, lat1 = -90, lon0 = 180, lon1 = -180;
    for (const auto& site : s.sites) {
      lat0 = std::min(lat0, site.location->lat_deg), lat1 = std::max(lat1, site.location->lat_deg);
      lon0 = std::min(lon0, site.location->lon_deg), lon1 = std::max(lon1, site.location->lon_deg);
    }
    for (std::size_t i = 0; i < s.sites.size(); ++i) {
      const auto& l = *s.sites[i].location;
      pos[i] = {60 + (w - 120) * (lon1 > lon0 ? (l.lon_deg - lon0) / (lon1 - lon0) : 0.5),
                50 + (h - 100) * (lat1 > lat0 ? (lat1 - l.lat_deg) / (lat1 - lat0) : 0.5)};
    }
  } else {
    for (std::size_t i = 0; i < s.sites.size(); ++i) {
      const double a = 2 * M_PI * i / std::max<std::size_t>(1, s.sites.size());
      pos[i] = {w / 2 + (w / 2 - 80) * std::cos(a), h / 2 + (h / 2 - 60) * std::sin(a)};
    }
  }
  std::map<std::string, std::size_t> index;
  for (std::size_t i = 0; i < s.sites.size(); ++i) index[s.sites[i].name] = i;
  std::string out = fmt::format("<svg id='topology' width='{}' height='{}' data-sites='{}' data-links='{}'>", w, h,
                                s.sites.size(), s.wan.size());
  for (const auto& l : s.wan) {
    const auto a = pos[index.at(l.from)], b = pos[index.at(l.to)];
    out += fmt::format(
        "<g class='wan' data-from='{}' data-to='{}' data-bandwidth='{}'><line x1='{:.1f}' y1='{:.1f}' x2='{:.1f}' "
        "y2='{:.1f}' stroke='#888' stroke-width='2'/><text x='{:.1f}' y='{:.1f}' font-size='10' "
        "text-anchor='middle' fill='#555'>{}, {}</text></g>",
        esc(l.from), esc(l.to), l.bandwidth, a.first, a.second, b.first, b.second, (a.first + b.first) / 2,
        (a.second + b.second) / 2 - 4, esc(format_bandwidth(l.bandwidth)), esc(format_duration(l.latency)));
  }
  double max_gpus = 1;
  for (const auto& site : r.sites) max_gpus = std::max<double>(max_gpus, site.gpus);
  for (std::size_t i = 0; i < s.sites.size(); ++i) {
    const double radius = 8 + 22 * std::sqrt(r.sites[i].gpus / max_gpus);
    out += fmt::format(
        "<g class='site' data-site='{}' data-gpus='{}'><circle cx='{:.1f}' cy='{:.1f}' r='{:.1f}' fill='{}' "
        "fill-opacity='0.8'/><text x='{:.1f}' y='{:.1f}' font-size='11' text-anchor='middle'>{} ({} GPUs)</text></g>",
        esc(r.sites[i].name), r.sites[i].gpus, pos[i].first, pos[i].second, radius,
        s.sites[i].kind == SiteKind::Center ? "#1f77b4" : "#2ca02c", pos[i].first, pos[i].second + radius + 13,
        esc(r.sites[i].name), r.sites[i].gpus);
  }
  return out + "</svg>";
}

std::string utilisation_chart(const SimulationResult& r) {
  const double x0 = 50, w = 760, h = 200, y0 = 20;
  const double end = std::max(r.simulated_end_s, 1.0);
  std::string out = fmt::format("<svg id='utilisation' width='{}' height='{}'>", x0 + w + 150, y0 + h + 30);
  out += fmt::format("<text x='10' y='{}' font-size='10'>100%</text><text x='20' y='{}' font-size='10'>0%</text>",
                     y0 + 4, y0 + h);
  for (std::size_t si = 0; si < r.sites.size(); ++si) {
    const SiteResult& site = r.sites[si];
    std::string points = fmt::format("{:.1f},{:.1f}", x0, y0 + h);
    double last = 0;
    for (const UtilisationPoint& u : r.utilisation) {
      if (u.site != si) continue;
      const double x = x0 + w * u.time_s / end;
      points += fmt::format(" {:.1f},{:.1f}", x, y0 + h * (1 - last));
      last = site.gpus > 0 ? static_cast<double>(u.busy_gpus) / site.gpus : 0;
      points += fmt::format(" {:.1f},{:.1f}", x, y0 + h * (1 - last));
    }
    points += fmt::format(" {:.1f},{:.1f}", x0 + w, y0 + h * (1 - last));
    out += fmt::format(
        "<polyline class='site-utilisation' data-site='{}' data-mean='{}' points='{}' fill='none' stroke='{}' "
        "stroke-width='1.5'/>",
        esc(site.name), site.utilisation, points, palette(si));
    out += fmt::format("<text x='{}' y='{}' font-size='11' fill='{}'>{} (mean {:.1f}%)</text>", x0 + w + 8,
                       y0 + 14 * (si + 1), palette(si), esc(site.name), 100 * site.utilisation);
  }
  return out + time_axis(x0, w, y0 + h, end) + "</svg>";
}

std::string gantt(const SimulationResult& r) {
  const double x0 = 130, w = 680, row = 22, y0 = 10;
  const double end = std::max(r.simulated_end_s, 1.0);
  const double h = row * r.jobs.size();
  std::string out = fmt::format("<svg id='gantt' width='{}' height='{}' data-jobs='{}' data-end='{}'>", x0 + w + 20,
                                y0 + h + 40, r.jobs.size(), r.simulated_end_s);
  for (std::size_t j = 0; j < r.jobs.size(); ++j) {
    const JobResult& job = r.jobs[j];
    const double y = y0 + row * j;
    out += fmt::format("<text x='{}' y='{:.1f}' font-size='11' text-anchor='end'>{}</text>", x0 - 6, y + 14,
                       esc(job.name));
    for (const TimelineSpan& s : job.timeline) {
      const bool nested = s.state == "checkpointing" || s.state == "loading";
      out += fmt::format(
          "<rect class='span' data-job='{}' data-state='{}' data-start='{}' data-end='{}' x='{:.2f}' y='{:.1f}' "
          "width='{:.2f}' height='{}' fill='{}'><title>{} {}: {} to {}</title></rect>",
          esc(job.name), esc(s.state), s.start, s.end, x0 + w * s.start / end, y + (nested ? 9 : 3),
          std::max(0.5, w * (s.end - s.start) / end), nested ? 8 : 16, state_color(s.state), esc(job.name), esc(s.state),
          esc(format_duration(s.start)), esc(format_duration(s.end)));
    }
  }
  for (const FailureRow& f : r.failures) {
    const double x = x0 + w * f.time_s / end;
    out += fmt::format(
        "<g class='failure' data-time='{}' data-component='{}'><line x1='{:.1f}' y1='{}' x2='{:.1f}' y2='{:.1f}' "
        "stroke='#e74c3c' stroke-dasharray='2,2'/><title>{} at {} ({} {})</title></g>",
        f.time_s, esc(f.component), x, y0, x, y0 + h, esc(f.component), esc(format_duration(f.time_s)), esc(f.site),
        esc(f.servers));
  }
  out += time_axis(x0, w, y0 + h + 4, end);
  int lx = static_cast<int>(x0);
  for (const char* state : {"queued", "running", "checkpointing", "loading", "restarting"}) {
    out += fmt::format("<rect x='{}' y='{:.1f}' width='10' height='10' fill='{}'/><text x='{}' y='{:.1f}' "
                       "font-size='10'>{}</text>",
                       lx, y0 + h + 24, state_color(state), lx + 14, y0 + h + 33, state);
    lx += 100;
  }
  return out + "</svg>";
}

std::string energy_table(const SimulationResult& r) {
  double max_kwh = 1;
  for (const auto& s : r.sites) max_kwh = std::max(max_kwh, s.energy_kwh);
  std::string out = "<table id='energy'><tr><th>site</th><th>region</th><th>GPUs</th><th>utilisation</th>"
                    "<th>energy kWh</th><th></th><th>cost</th><th>CO2e t</th></tr>";
  for (const auto& s : r.sites)
    out += fmt::format(
        "<tr data-site='{}' data-energy-kwh='{}' data-cost='{}' data-carbon-kg='{}'><td>{}</td><td>{}</td><td>{}</td>"
        "<td>{:.1f}%</td><td>{:.0f}</td><td><svg width='160' height='12'><rect width='{:.1f}' height='12' "
        "fill='#f0a030'/></svg></td><td>{:.0f}</td><td>{:.1f}</td></tr>",
        esc(s.name), s.energy_kwh, s.cost, s.carbon_kg, esc(s.name), esc(s.region), s.gpus, 100 * s.utilisation,
        s.energy_kwh, 160 * s.energy_kwh / max_kwh, s.cost, s.carbon_kg / 1000);
  return out + "</table>";
}

// Total cost of ownership (docs/tco.md): per site and in total, then each cluster's
// all-in GPU-hour rate, the costs per million tokens, and the defaults that stood in.
std::string cost_table(const TcoResult& t) {
  const std::string cur = esc(t.currency);
  // Whole units for large amounts, cents for the small ones of short runs.
  auto amount = [](double v) { return std::fabs(v) >= 1000 ? fmt::format("{:.0f}", v) : fmt::format("{:.2f}", v); };
  std::string out = fmt::format(
      "<p>Over the simulated {}, in {}: capex spread over each part's amortisation life, the power bill, staff "
      "and maintenance as a share of capex per year, and WAN leases.</p><table id='tco'><tr><th>site</th>"
      "<th>capex (amortised)</th><th>power</th><th>staff + maintenance</th><th>total</th></tr>",
      esc(format_duration(t.period_s)), cur);
  for (const auto& x : t.sites)
    out += fmt::format("<tr data-site='{}' data-total='{}'><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                       esc(x.name), x.total, esc(x.name), amount(x.capex_amortised), amount(x.power),
                       amount(x.staff_maintenance), amount(x.total));
  out += fmt::format("<tr data-wan='{}'><td>WAN links</td><td></td><td></td><td></td><td>{}</td></tr>", t.wan,
                     amount(t.wan));
  out += fmt::format("<tr data-total='{}'><th>total</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr></table>",
                     t.total, amount(t.capex_amortised), amount(t.power), amount(t.staff_maintenance), amount(t.total));
  out += "<table id='tco-clusters'><tr><th>cluster</th><th>GPU</th><th>GPUs</th><th>capex</th>"
         "<th>all-in per GPU-hour</th></tr>";
  for (const auto& c : t.clusters)
    out += fmt::format("<tr data-cluster='{}/{}' data-rate='{}'><td>{}/{}</td><td>{}</td><td>{}</td><td>{}</td>"
                       "<td>{:.3f}</td></tr>",
                       esc(c.site), esc(c.cluster), c.gpu_hour_rate, esc(c.site), esc(c.cluster), esc(c.gpu), c.gpus,
                       amount(c.capex), c.gpu_hour_rate);
  out += "</table>";
  auto per = [](const std::optional<double>& v) { return v ? fmt::format("{:.4g}", *v) : std::string("-"); };
  out += fmt::format("<p id='tco-per-token'>Per million tokens served: {} {}. Per million trained tokens: {} {}.</p>",
                     per(t.per_million_tokens_served), cur, per(t.per_million_trained_tokens), cur);
  for (const auto& note : t.notes) out += "<p class='note'>Note: " + esc(note) + "</p>";
  return out;
}

std::string inference_section(const SimulationResult& r) {
  std::string out =
      "<table id='inference'><tr><th>service</th><th>region</th><th>requests</th><th>completed</th><th>dropped</th>"
      "<th>in flight</th><th>req/s</th><th>TTFT p50</th><th>TTFT p99</th><th>TPOT p50</th><th>e2e p50</th>"
      "<th>e2e p99</th><th>SLO met</th></tr>";
  for (const auto& g : r.inference)
    out += fmt::format(
        "<tr data-service='{}' data-region='{}' data-completed='{}' data-slo='{}' data-e2e-p50='{}'><td>{}</td>"
        "<td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{:.2f}</td><td>{}</td><td>{}</td><td>{}</td>"
        "<td>{}</td><td>{}</td><td>{:.1f}%</td></tr>",
        esc(g.service), esc(g.region), g.completed, g.slo_attainment, g.e2e_p50, esc(g.service), esc(g.region),
        g.requests, g.completed, g.dropped, g.in_flight, g.throughput_rps, esc(format_duration(g.ttft_p50)),
        esc(format_duration(g.ttft_p99)), esc(format_duration(g.tpot_p50)), esc(format_duration(g.e2e_p50)),
        esc(format_duration(g.e2e_p99)), 100 * g.slo_attainment);
  out += "</table>";
  out += "<table id='services'><tr><th>service</th><th>replicas at start</th><th>peak</th><th>replica-hours</th>"
         "<th>GPU busy</th><th>scale-ups</th><th>scale-downs</th><th>replica failures</th><th>requests retried</th>"
         "<th>drops</th></tr>";
  for (const auto& v : r.services)
    out += fmt::format("<tr data-service='{}' data-peak='{}'><td>{}</td><td>{}</td><td>{}</td><td>{:.1f}</td>"
                       "<td>{:.1f}%</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                       esc(v.service), v.replicas_peak, esc(v.service), v.replicas, v.replicas_peak, v.replica_hours,
                       100 * v.gpu_utilisation, v.scale_ups, v.scale_downs, v.replica_failures, v.requests_retried,
                       esc(v.drop_reasons.empty() ? "none" : v.drop_reasons));
  out += "</table>";
  // End-to-end latency CDF per (service, region): quantiles 1%..99%, log time axis.
  double lo = 1e300, hi = 0;
  for (const auto& g : r.inference)
    for (double v : g.e2e_cdf)
      if (v > 0) lo = std::min(lo, v), hi = std::max(hi, v);
  if (hi <= 0) return out;
  lo = std::pow(10, std::floor(std::log10(lo))), hi = std::pow(10, std::ceil(std::log10(hi)));
  const double x0 = 50, w = 600, y0 = 10, h = 220;
  auto xpos = [&](double v) { return x0 + w * (std::log10(std::max(v, lo)) - std::log10(lo)) / (std::log10(hi) - std::log10(lo)); };
  out += fmt::format("<p>End-to-end latency, cumulative share of requests per region (log scale).</p>"
                     "<svg id='latency-cdf' width='{}' height='{}'>", x0 + w + 220, y0 + h + 30);
  // One gridline per decade, at most 40 (latencies are finite, but may be absurd).
  int decades = 0;
  for (double d = lo; d <= hi * 1.0001 && decades < 40; d *= 10, ++decades)
    out += fmt::format("<line x1='{:.1f}' y1='{}' x2='{:.1f}' y2='{}' stroke='#ddd'/><text x='{:.1f}' y='{}' "
                       "font-size='10' text-anchor='middle'>{}</text>",
                       xpos(d), y0, xpos(d), y0 + h, xpos(d), y0 + h + 14, esc(format_duration(d)));
  for (std::size_t i = 0; i < r.inference.size(); ++i) {
    const auto& g = r.inference[i];
    if (g.completed == 0) continue;
    std::string pts;
    for (std::size_t q = 0; q < g.e2e_cdf.size(); ++q)
      pts += fmt::format("{:.1f},{:.1f} ", xpos(g.e2e_cdf[q]), y0 + h * (1 - (q + 1) / 100.0));
    out += fmt::format("<polyline class='cdf' data-service='{}' data-region='{}' data-p50='{}' points='{}' "
                       "fill='none' stroke='{}' stroke-width='1.5'/><text x='{}' y='{}' font-size='11' fill='{}'>"
                       "{} / {}</text>",
                       esc(g.service), esc(g.region), g.e2e_p50, pts, palette(i), x0 + w + 10, y0 + 14 * (i + 1),
                       palette(i), esc(g.service), esc(g.region));
  }
  return out + "</svg>";
}

std::string jobs_table(const SimulationResult& r) {
  std::string out = "<table id='jobs'><tr><th>job</th><th>state</th><th>site</th><th>GPUs</th><th>wait</th>"
                    "<th>time to train</th><th>step</th><th>MFU</th><th>interruptions</th><th>goodput</th><th>GPU-hours</th>"
                    "<th>cost</th></tr>";
  for (const auto& j : r.jobs)
    out += fmt::format(
        "<tr data-job='{}' data-end='{}'><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td>"
        "<td>{}</td><td>{:.1f}%</td><td>{}</td><td>{}</td><td>{:.0f}</td><td>{:.0f}</td></tr>",
        esc(j.name), j.end_s, esc(j.name), to_string(j.state), esc(j.site.empty() ? "-" : j.site), j.gpus,
        j.start_s < 0 ? "-" : esc(format_duration(j.queue_wait_s)),
        j.end_s < 0 ? "-" : esc(format_duration(j.time_to_train_s)),
        j.step_time_s > 0 ? esc(format_duration(j.step_time_s)) : "-", 100 * j.mfu, j.interruptions,
        j.state == JobState::Finished || j.state == JobState::Running ? fmt::format("{:.3f}", j.goodput) : "-",
        j.gpu_hours, j.cost);
  return out + "</table>";
}

}  // namespace

std::string html_report(const SimulationResult& r, const Scenario& s, const std::string& scenario_text) {
  double gpu_hours = 0, energy = 0, cost = 0, carbon = 0;
  for (const auto& site : r.sites) {
    gpu_hours += site.gpu_hours_busy;
    energy += site.energy_kwh;
    cost += site.cost;
    carbon += site.carbon_kg;
  }
  int finished = 0;
  for (const auto& j : r.jobs) finished += j.state == JobState::Finished;
  std::string out = fmt::format(R"(<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>rcnsim: {0}</title>
<style>
body {{ font-family: sans-serif; margin: 24px; color: #222; max-width: 1100px; }}
h1 {{ font-size: 22px; }} h2 {{ font-size: 17px; margin-top: 28px; border-bottom: 1px solid #ddd; }}
.cards {{ display: flex; gap: 12px; flex-wrap: wrap; }}
.card {{ border: 1px solid #ddd; border-radius: 6px; padding: 8px 14px; min-width: 120px; }}
.card b {{ display: block; font-size: 18px; }}
table {{ border-collapse: collapse; font-size: 13px; }} td, th {{ border-bottom: 1px solid #eee; padding: 3px 8px; text-align: right; }}
td:first-child, th:first-child {{ text-align: left; }}
pre {{ background: #f7f7f7; padding: 10px; font-size: 12px; overflow-x: auto; }}
</style></head><body>
<h1>rcnsim report: {0}</h1>
<p>seed {1}, rcnsim {2}, {3} fidelity, policy {4}; simulated {5} of a {6} horizon.</p>
<div class="cards" id="cards">
<div class="card">jobs finished<b data-value="{7}">{7} / {8}</b></div>
<div class="card">busy GPU-hours<b data-value="{9}">{9:.0f}</b></div>
<div class="card">energy<b data-value="{10}">{10:.0f} kWh</b></div>
<div class="card">power cost<b data-value="{11}">{11:.0f}</b></div>
<div class="card">carbon<b data-value="{12}">{13:.1f} t CO2e</b></div>
<div class="card">failures<b data-value="{14}">{14}</b></div>
<div class="card">total cost of ownership<b data-value="{15}">{15:.0f} {16}</b></div>
</div>
)",
                                esc(r.scenario), r.seed, esc(r.version), esc(r.fidelity), esc(r.policy),
                                esc(format_duration(r.simulated_end_s)), esc(format_duration(r.horizon_s)), finished,
                                r.jobs.size(), gpu_hours, energy, cost, carbon, carbon / 1000, r.failures.size(), r.tco.total,
                                esc(r.tco.currency));
  out += "<h2>Topology</h2>" + topology(r, s);
  out += "<h2>Utilisation per site over time</h2><p>GPUs held by training jobs; inference replicas' busy time is in "
         "the site means (legend) and the inference table.</p>" +
         utilisation_chart(r);
  out += "<h2>Jobs over time</h2><p>Bars: queued, running, and inside running the checkpoint writes and loads; "
         "red dashes: failures.</p>" +
         gantt(r);
  out += "<h2>Failures</h2>";
  if (r.failures.empty()) {
    out += "<p id='failures'>No failures in this run.</p>";
  } else {
    out += "<table id='failures'><tr><th>time</th><th>component</th><th>site</th><th>servers</th><th>jobs hit</th>"
           "<th>downtime</th></tr>";
    const std::size_t shown = std::min<std::size_t>(r.failures.size(), 200);
    for (std::size_t i = 0; i < shown; ++i) {
      const FailureRow& f = r.failures[i];
      out += fmt::format("<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                         esc(format_duration(f.time_s)), esc(f.component), esc(f.site), esc(f.servers),
                         esc(f.affected_jobs), esc(format_duration(f.downtime_s)));
    }
    out += "</table>";
    if (shown < r.failures.size()) out += fmt::format("<p>{} more in failures.csv.</p>", r.failures.size() - shown);
  }
  out += "<h2>Inference</h2>";
  out += s.inference.empty() ? "<p id='inference'>No inference services in this scenario.</p>" : inference_section(r);
  out += "<h2>Energy, cost and carbon per site</h2>" + energy_table(r);
  out += "<h2>Total cost of ownership</h2>" + cost_table(r.tco);
  out += "<h2>Jobs</h2>" + jobs_table(r);
  out += "<h2>Scenario</h2><details open><summary>" + esc(s.source_file) + "</summary><pre id='scenario'>" +
         esc(scenario_text) + "</pre></details>\n</body></html>\n";
  return out;
}

}  // namespace rcn
