#include "rcn/report/report_data.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <map>
#include <numeric>
#include <set>

#include "rcn/models/time_bins.hpp"

namespace rcn {
namespace {

using ordered_json = nlohmann::ordered_json;

// JSON has no NaN or infinity; a number that is not finite is drawn as a gap.
ordered_json number(double v) { return std::isfinite(v) ? ordered_json(v) : ordered_json(nullptr); }
ordered_json time_or_null(double t) { return t < 0 || !std::isfinite(t) ? ordered_json(nullptr) : ordered_json(t); }

ordered_json overview(const SimulationResult& r) {
  double gpu_hours = 0, energy = 0, cost = 0, carbon = 0;
  for (const auto& site : r.sites) {
    gpu_hours += site.gpu_hours_busy;
    energy += site.energy_kwh;
    cost += site.cost;
    carbon += site.carbon_kg;
  }
  long finished = 0, requests = 0, completed = 0;
  for (const auto& j : r.jobs) finished += j.state == JobState::Finished;
  for (const auto& g : r.inference) requests += g.requests, completed += g.completed;
  ordered_json o;
  o["jobs"] = r.jobs.size();
  o["jobs_finished"] = finished;
  o["gpu_hours_busy"] = number(gpu_hours);
  o["energy_kwh"] = number(energy);
  o["power_cost"] = number(cost);
  o["carbon_kg"] = number(carbon);
  o["failures"] = r.failures.size();
  o["tco_total"] = number(r.tco.total);
  o["requests"] = requests;
  o["requests_completed"] = completed;
  o["tokens_served"] = number(r.tco.tokens_served);
  o["per_million_tokens_served"] = r.tco.per_million_tokens_served ? number(*r.tco.per_million_tokens_served) : nullptr;
  o["per_million_trained_tokens"] =
      r.tco.per_million_trained_tokens ? number(*r.tco.per_million_trained_tokens) : nullptr;
  return o;
}

ordered_json sites(const SimulationResult& r) {
  ordered_json out = ordered_json::array();
  for (std::size_t i = 0; i < r.sites.size(); ++i) {
    const SiteResult& x = r.sites[i];
    const TcoSiteResult t = i < r.tco.sites.size() ? r.tco.sites[i] : TcoSiteResult{};
    out.push_back({{"name", x.name}, {"region", x.region}, {"kind", x.kind}, {"gpus", x.gpus},
                   {"gpu_hours_busy", number(x.gpu_hours_busy)}, {"utilisation", number(x.utilisation)},
                   {"energy_kwh", number(x.energy_kwh)}, {"power_cost", number(x.cost)},
                   {"carbon_kg", number(x.carbon_kg)}, {"capex_amortised", number(t.capex_amortised)},
                   {"staff_maintenance", number(t.staff_maintenance)}, {"tco_total", number(t.total)}});
  }
  return out;
}

ordered_json topology(const Scenario& s) {
  ordered_json sites = ordered_json::array();
  for (const SiteSpec& site : s.sites) {
    ordered_json clusters = ordered_json::array();
    for (const ClusterSpec& c : site.clusters)
      clusters.push_back({{"name", c.name}, {"gpu", c.gpu}, {"servers", c.servers}, {"gpus", c.gpus()}});
    ordered_json o{{"name", site.name}, {"kind", to_string(site.kind)}, {"region", site.region},
                   {"gpus", site.gpus()}, {"clusters", clusters}};
    if (site.location) o["lat"] = site.location->lat_deg, o["lon"] = site.location->lon_deg;
    sites.push_back(o);
  }
  ordered_json links = ordered_json::array();
  for (const WanLinkSpec& l : s.wan)
    links.push_back({{"from", l.from}, {"to", l.to}, {"bandwidth", number(l.bandwidth)}, {"latency_s", number(l.latency)}});
  return {{"sites", sites}, {"links", links}};
}

// GPUs held by training jobs per site, binned; empty when the run has no training.
ordered_json utilisation(const SimulationResult& r) {
  if (r.jobs.empty() || r.sites.empty()) return nullptr;
  const TimeBins bins = make_time_bins(r.simulated_end_s, kReportMaxPoints);
  std::vector<std::vector<std::pair<double, double>>> changes(r.sites.size());
  for (const UtilisationPoint& u : r.utilisation)
    if (u.site < r.sites.size() && r.sites[u.site].gpus > 0)
      changes[u.site].push_back({u.time_s, static_cast<double>(u.busy_gpus) / r.sites[u.site].gpus});
  ordered_json series = ordered_json::array();
  for (std::size_t i = 0; i < r.sites.size(); ++i) {
    std::stable_sort(changes[i].begin(), changes[i].end(),
                     [](const auto& a, const auto& b) { return a.first < b.first; });
    const std::vector<double> v = bin_step_mean(changes[i], 0, bins);
    const double mean = v.empty() ? 0 : std::accumulate(v.begin(), v.end(), 0.0) / v.size();
    ordered_json values = ordered_json::array();
    for (double x : v) values.push_back(std::round(x * 1e6) / 1e6);  // a millionth of the site: plenty for a chart
    series.push_back({{"site", r.sites[i].name}, {"training_mean", number(mean)}, {"values", values}});
  }
  return {{"bin_s", bins.width}, {"series", series}};
}

// How long a job was held up: its queue wait plus the time lost to failures and
// checkpoints (time to train minus the ideal). The "worst" rows of the job table.
double delay(const JobResult& j) {
  double d = j.start_s >= 0 ? j.queue_wait_s : 0;
  if (j.end_s >= 0) d += std::max(0.0, j.time_to_train_s - j.ideal_time_to_train_s);
  else if (j.start_s < 0) d += 1e300;  // never started: the worst of all
  return d;
}

ordered_json job_row(const JobResult& j) {
  ordered_json causes = ordered_json::object();
  for (const auto& [cause, n] : j.interruptions_by_cause) causes[cause] = n;
  ordered_json o{{"name", j.name},
                 {"model", j.model},
                 {"state", to_string(j.state)},
                 {"site", j.site},
                 {"gpus", j.gpus},
                 {"submit_s", number(j.submit_s)},
                 {"start_s", time_or_null(j.start_s)},
                 {"end_s", time_or_null(j.end_s)},
                 {"queue_wait_s", j.start_s < 0 ? ordered_json(nullptr) : number(j.queue_wait_s)},
                 {"time_to_train_s", j.end_s < 0 ? ordered_json(nullptr) : number(j.time_to_train_s)},
                 {"ideal_time_to_train_s", number(j.ideal_time_to_train_s)},
                 {"step_time_s", number(j.step_time_s)},
                 {"mfu", number(j.mfu)},
                 {"goodput", j.state == JobState::Finished || j.state == JobState::Running ? number(j.goodput)
                                                                                          : ordered_json(nullptr)},
                 {"progress", number(j.progress)},
                 {"interruptions", j.interruptions},
                 {"interruptions_by_cause", causes},
                 {"lost_work_s", number(j.lost_work_s)},
                 {"restart_overhead_s", number(j.restart_overhead_s)},
                 {"checkpoint_overhead_s", number(j.checkpoint_overhead_s)},
                 {"checkpoints", j.checkpoints},
                 {"gpu_hours", number(j.gpu_hours)},
                 {"cost", number(j.cost)}};
  if (j.start_s >= 0 && j.step_shape && j.step_shape->step_time_s > 0) {
    const TrainingStep& s = *j.step_shape;  // the breakdown of one step does not depend on the job's length
    const double compute = s.forward_s + s.backward_s + s.recompute_s;
    o["step"] = {{"compute_s", number(compute)},
                 {"optimizer_s", number(s.optimizer_s)},
                 {"tp_comm_s", number(s.tp_comm_s)},
                 {"cp_comm_s", number(s.cp_comm_s)},
                 {"pp_comm_s", number(s.pp_comm_s)},
                 {"pp_bubble_s", number(s.pp_bubble_s)},
                 {"dp_comm_exposed_s", number(s.dp_comm_exposed_s)},
                 {"step_time_s", number(s.step_time_s)}};
  }
  return o;
}

// Indices of the rows a long table shows: the first half of `rows` in order,
// then the worst by `badness` among the others, worst first.
template <class T, class Badness>
std::vector<std::size_t> first_and_worst(const std::vector<T>& rows, Badness badness) {
  std::vector<std::size_t> shown;
  if (rows.size() <= kReportTableRows) {
    shown.resize(rows.size());
    std::iota(shown.begin(), shown.end(), 0);
    return shown;
  }
  const std::size_t first = kReportTableRows / 2;
  for (std::size_t i = 0; i < first; ++i) shown.push_back(i);
  std::vector<std::size_t> rest(rows.size() - first);
  std::iota(rest.begin(), rest.end(), first);
  std::stable_sort(rest.begin(), rest.end(),
                   [&](std::size_t a, std::size_t b) { return badness(rows[a]) > badness(rows[b]); });
  for (std::size_t i = 0; i < kReportTableRows - first; ++i) shown.push_back(rest[i]);
  return shown;
}

// A job's timeline for the Gantt chart: checkpoint writes and loads (inside its
// running spans) are left out, and spans shorter than `min_span` are merged into
// the one before when the states agree, so 17,000 checkpoints do not smear the bar.
ordered_json gantt_spans(const JobResult& j, double min_gap) {
  ordered_json spans = ordered_json::array();
  std::string state, site;
  double start = 0, end = -1;
  auto flush = [&] {
    if (end >= start && !state.empty()) spans.push_back({{"state", state}, {"site", site}, {"start", start}, {"end", end}});
  };
  for (const TimelineSpan& s : j.timeline) {
    if (s.state == "checkpointing" || s.state == "loading") continue;
    if (s.state == state && s.site == site && s.start - end <= min_gap) {
      end = std::max(end, s.end);
      continue;
    }
    flush();
    state = s.state, site = s.site, start = s.start, end = s.end;
  }
  flush();
  return spans;
}

// Compute time done over time as a share of the ideal time to train: it grows
// during running spans, except inside the checkpoint writes and loads nested in
// them. Work lost to failures counts as done (the curve shows where the time
// went; the final progress is in the table). At most kReportMaxPoints points.
ordered_json progress_curve(const JobResult& j, double end_s) {
  ordered_json pts = ordered_json::array();
  const double ideal = j.steps * j.step_time_s;
  if (!(ideal > 0)) return pts;
  std::vector<std::pair<double, int>> events;  // (time, change of the rate at which compute is done)
  for (const TimelineSpan& s : j.timeline) {
    const int sign = s.state == "running" ? 1 : s.state == "checkpointing" || s.state == "loading" ? -1 : 0;
    if (sign != 0 && s.end > s.start) events.push_back({s.start, sign}), events.push_back({s.end, -sign});
  }
  std::stable_sort(events.begin(), events.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  const TimeBins bins = make_time_bins(end_s, kReportMaxPoints);
  double done = 0, t = 0, last_bin = -1;
  int rate = 0;
  for (std::size_t i = 0; i < events.size(); ++i) {
    done += std::max(rate, 0) * (events[i].first - t);
    t = events[i].first;
    rate += events[i].second;
    const double bin = std::floor(t / bins.width);
    const bool last_at_time = i + 1 == events.size() || events[i + 1].first > t;
    if (last_at_time && (bin != last_bin || i + 1 == events.size())) {
      pts.push_back({t, std::min(1.0, done / ideal)});
      last_bin = bin;
    }
  }
  return pts;
}

ordered_json jobs(const SimulationResult& r) {
  if (r.jobs.empty()) return nullptr;
  ordered_json o;
  o["total"] = r.jobs.size();
  std::map<std::string, long> by_state;
  for (const auto& j : r.jobs) ++by_state[to_string(j.state)];
  o["by_state"] = by_state;
  ordered_json table = ordered_json::array();
  for (std::size_t i : first_and_worst(r.jobs, delay)) {
    ordered_json row = job_row(r.jobs[i]);
    row["row"] = i + 1;
    table.push_back(row);
  }
  o["table"] = table;
  // The charts show the first jobs (in the scenario's order) by name.
  const std::size_t n = std::min(r.jobs.size(), kReportGanttJobs);
  ordered_json charted = ordered_json::array();
  const double min_gap = std::max(r.simulated_end_s, 1.0) / 2000;
  for (std::size_t i = 0; i < n; ++i) {
    ordered_json row = job_row(r.jobs[i]);
    if (!r.jobs[i].timeline.empty()) {
      row["gantt"] = gantt_spans(r.jobs[i], min_gap);
      row["progress_curve"] = progress_curve(r.jobs[i], r.simulated_end_s);
    }
    charted.push_back(row);
  }
  o["charted"] = charted;
  return o;
}

// "3: s1;s4;s9", or only the count when more than four went down (no ids kept); "" for a WAN link.
std::string failure_servers(const FailureRow& f) {
  if (f.server_count <= 0) return "";
  return f.servers.empty() ? fmt::format("{}", f.server_count) : fmt::format("{}: {}", f.server_count, f.servers);
}

ordered_json failure_row(const FailureRow& f) {
  return {{"time_s", number(f.time_s)},     {"component", f.component}, {"site", f.site},
          {"cluster", f.cluster},           {"servers", failure_servers(f)}, {"affected_jobs", f.affected_jobs},
          {"downtime_s", number(f.downtime_s)}};
}

// Failures over time by cause, lost work, checkpoint and restart overheads; null
// for a run that had no failures and wrote no checkpoints.
ordered_json reliability(const SimulationResult& r) {
  double lost = 0, restart = 0, checkpoint = 0;
  long checkpoints = 0, interruptions = 0;
  for (const auto& j : r.jobs) {
    lost += j.lost_work_s, restart += j.restart_overhead_s, checkpoint += j.checkpoint_overhead_s;
    checkpoints += j.checkpoints, interruptions += j.interruptions;
  }
  if (r.failures.empty() && checkpoints == 0 && interruptions == 0) return nullptr;
  ordered_json o;
  o["failures"] = r.failures.size();
  o["interruptions"] = interruptions;
  o["lost_work_s"] = number(lost);
  o["restart_overhead_s"] = number(restart);
  o["checkpoint_overhead_s"] = number(checkpoint);
  o["checkpoints"] = checkpoints;
  // Observed mean time between failures of the whole system over the run.
  o["mtbf_s"] = r.failures.empty() ? ordered_json(nullptr) : number(r.simulated_end_s / r.failures.size());
  const TimeBins bins = make_time_bins(r.simulated_end_s, 60);
  std::map<std::string, std::vector<long>> by_cause;
  for (const FailureRow& f : r.failures) {
    auto& counts = by_cause[f.component];
    counts.resize(bins.count, 0);
    const std::size_t b = bins.of(f.time_s);
    ++counts[b];
  }
  o["bin_s"] = bins.width;
  o["by_cause"] = by_cause;
  ordered_json table = ordered_json::array();
  for (std::size_t i : first_and_worst(r.failures, [](const FailureRow& f) { return f.downtime_s; })) {
    ordered_json row = failure_row(r.failures[i]);
    row["row"] = i + 1;
    table.push_back(row);
  }
  o["table"] = table;
  return o;
}

ordered_json cdf(const std::vector<double>& q) {
  ordered_json a = ordered_json::array();
  for (double v : q) a.push_back(number(v));
  return a;
}

// Requests in the system and replicas serving, per site, binned. Requests: the
// samples taken at most every 10 s of a busy replica (a bin without a replica's
// sample counts it as idle). Replicas serving: the time-weighted mean of the
// replicas up in the bin, busy or idle (their serving spans).
ordered_json inference_load(const SimulationResult& r) {
  if (r.inference_load.empty() && r.inference_serving.empty()) return nullptr;
  const TimeBins bins = make_time_bins(r.simulated_end_s, kReportMaxPoints / 2, 60);
  std::vector<std::string> site_names;
  std::map<std::string, std::size_t> site_index;
  for (const auto& p : r.inference_serving)
    if (site_index.emplace(p.site, site_names.size()).second) site_names.push_back(p.site);
  for (const auto& p : r.inference_load)
    if (site_index.emplace(p.site, site_names.size()).second) site_names.push_back(p.site);
  // (site, replica key) -> per bin (sum, samples)
  std::map<std::pair<std::size_t, std::string>, std::vector<std::pair<double, int>>> replicas;
  for (const auto& p : r.inference_load) {
    auto& v = replicas[{site_index[p.site], p.service + "#" + std::to_string(p.replica)}];
    v.resize(bins.count, {0.0, 0});
    const std::size_t b = bins.of(p.time_s);
    v[b].first += p.in_system, ++v[b].second;
  }
  std::vector<std::vector<double>> load(site_names.size(), std::vector<double>(bins.count, 0.0));
  for (const auto& [key, v] : replicas)
    for (std::size_t b = 0; b < bins.count; ++b)
      if (v[b].second > 0) load[key.first][b] += v[b].first / v[b].second;
  std::vector<std::vector<std::pair<double, double>>> changes(site_names.size());  // (time, +1 or -1 replica)
  for (const auto& p : r.inference_serving)
    if (p.end_s > p.start_s) changes[site_index[p.site]].push_back({p.start_s, 1}), changes[site_index[p.site]].push_back({p.end_s, -1});
  ordered_json series = ordered_json::array();
  for (std::size_t i = 0; i < site_names.size(); ++i) {
    std::stable_sort(changes[i].begin(), changes[i].end(), [](const auto& a, const auto& b) { return a.first < b.first; });
    std::vector<std::pair<double, double>> steps;  // the number serving from each change on
    double up = 0;
    for (const auto& [t, d] : changes[i]) {
      up += d;
      if (!steps.empty() && steps.back().first == t) steps.back().second = up;
      else steps.push_back({t, up});
    }
    ordered_json l = ordered_json::array(), serving = ordered_json::array();
    for (double x : load[i]) l.push_back(std::round(x * 100) / 100);
    for (double x : bin_step_mean(steps, 0, bins)) serving.push_back(std::round(x * 1000) / 1000);
    series.push_back({{"site", site_names[i]}, {"in_system", l}, {"replicas_serving", serving}});
  }
  return {{"bin_s", bins.width}, {"series", series}};
}

// The per-tenant SLO report (tenants.csv), with each tenant's cost: the sum of its services'
// (`services` lists them, ';'-separated); null when none of them has a result.
ordered_json tenants(const SimulationResult& r) {
  ordered_json out = ordered_json::array();
  for (const TenantResult& t : r.tenants) {
    double cost = 0;
    bool any = false;
    for (std::size_t from = 0; from <= t.services.size();) {
      const std::size_t to = std::min(t.services.find(';', from), t.services.size());
      const std::string name = t.services.substr(from, to - from);
      for (const auto& v : r.services)
        if (v.service == name) cost += v.cost, any = true;
      from = to + 1;
    }
    out.push_back({{"tenant", t.tenant},
                   {"services", t.services},
                   {"requests", t.requests},
                   {"completed", t.completed},
                   {"dropped", t.dropped},
                   {"slo_attainment", number(t.slo_attainment)},
                   {"ttft_s", {{"p50", number(t.ttft_p50)}, {"p99", number(t.ttft_p99)}}},
                   {"e2e_p99_s", number(t.e2e_p99)},
                   {"gpu_hours", number(t.gpu_hours)},
                   {"cost", any ? number(cost) : ordered_json(nullptr)}});
  }
  return out;
}

ordered_json inference(const SimulationResult& r) {
  if (r.services.empty() && r.inference.empty()) return nullptr;
  ordered_json regions = ordered_json::array();
  for (const auto& g : r.inference)
    regions.push_back({{"service", g.service},
                       {"region", g.region},
                       {"requests", g.requests},
                       {"completed", g.completed},
                       {"dropped", g.dropped},
                       {"in_flight", g.in_flight},
                       {"throughput_rps", number(g.throughput_rps)},
                       {"ttft_s", {{"p50", number(g.ttft_p50)}, {"p90", number(g.ttft_p90)}, {"p99", number(g.ttft_p99)}}},
                       {"tpot_s", {{"p50", number(g.tpot_p50)}, {"p90", number(g.tpot_p90)}, {"p99", number(g.tpot_p99)}}},
                       {"e2e_s", {{"p50", number(g.e2e_p50)}, {"p90", number(g.e2e_p90)}, {"p99", number(g.e2e_p99)}}},
                       {"slo_attainment", number(g.slo_attainment)},
                       {"ttft_cdf", cdf(g.ttft_cdf)},
                       {"tpot_cdf", cdf(g.tpot_cdf)},
                       {"e2e_cdf", cdf(g.e2e_cdf)}});
  ordered_json services = ordered_json::array();
  for (const auto& v : r.services) {
    ordered_json o{{"name", v.service},
                   {"replicas", v.replicas},
                   {"replicas_peak", v.replicas_peak},
                   {"replica_hours", number(v.replica_hours)},
                   {"gpu_utilisation", number(v.gpu_utilisation)},
                   {"scale_ups", v.scale_ups},
                   {"scale_downs", v.scale_downs},
                   {"replica_failures", v.replica_failures},
                   {"requests_retried", v.requests_retried},
                   {"drop_reasons", v.drop_reasons},
                   {"cost", number(v.cost)}};
    auto slo = [](double x) { return x > 0 ? number(x) : ordered_json(nullptr); };
    o["slo_s"] = {{"ttft", slo(v.slo_ttft_s)}, {"tpot", slo(v.slo_tpot_s)}, {"e2e", slo(v.slo_e2e_s)}};
    services.push_back(o);
  }
  ordered_json o{{"regions", regions}, {"services", services}};
  if (!r.tenants.empty()) o["tenants"] = tenants(r);
  if (auto load = inference_load(r); !load.is_null()) o["load"] = load;
  return o;
}

// Each site's energy, power cost, cost of ownership and carbon per time bin
// (site_energy.csv) for stacked charts: at most kReportMaxPoints bins, neighbours
// added together when a folder holds more; every amount is kept in some bin.
ordered_json energy_over_time(const SimulationResult& r) {
  if (r.site_energy.empty() || r.sites.empty()) return nullptr;
  std::vector<double> starts;
  for (const auto& b : r.site_energy) starts.push_back(b.start_s);
  std::sort(starts.begin(), starts.end());
  starts.erase(std::unique(starts.begin(), starts.end()), starts.end());
  const std::size_t group = (starts.size() + kReportMaxPoints - 1) / kReportMaxPoints;
  const std::size_t n = (starts.size() + group - 1) / group;
  std::vector<double> from(n, 0), to(n, 0);
  for (std::size_t k = 0; k < n; ++k) from[k] = starts[k * group];
  enum { kEnergy, kPower, kTco, kCarbon, kParts };
  std::vector<std::array<std::vector<double>, kParts>> sums(r.sites.size());
  for (auto& s : sums)
    for (auto& v : s) v.assign(n, 0.0);
  for (const auto& b : r.site_energy) {
    if (b.site >= r.sites.size()) continue;
    const auto k = static_cast<std::size_t>(std::lower_bound(starts.begin(), starts.end(), b.start_s) - starts.begin()) / group;
    to[k] = std::max(to[k], b.end_s);
    auto& s = sums[b.site];
    s[kEnergy][k] += b.energy_kwh, s[kPower][k] += b.power_cost, s[kTco][k] += b.tco, s[kCarbon][k] += b.carbon_kg;
  }
  ordered_json series = ordered_json::array();
  for (std::size_t i = 0; i < r.sites.size(); ++i) {
    auto values = [&](int part) {
      ordered_json a = ordered_json::array();
      for (double v : sums[i][static_cast<std::size_t>(part)]) a.push_back(number(v));
      return a;
    };
    series.push_back({{"site", r.sites[i].name}, {"energy_kwh", values(kEnergy)}, {"power_cost", values(kPower)},
                      {"tco", values(kTco)}, {"carbon_kg", values(kCarbon)}});
  }
  ordered_json f = ordered_json::array(), t = ordered_json::array();
  for (std::size_t k = 0; k < n; ++k) f.push_back(number(from[k])), t.push_back(number(to[k]));
  return {{"from_s", f}, {"to_s", t}, {"series", series}};
}

ordered_json wan(const SimulationResult& r) {
  ordered_json out = ordered_json::array();
  for (const auto& w : r.wan_links)
    out.push_back({{"from", w.from}, {"to", w.to}, {"bandwidth", number(w.bandwidth)}, {"bytes", number(w.bytes)},
                   {"peak_utilisation", number(w.peak_utilisation)}});
  return out;
}

ordered_json tco(const TcoResult& t) {
  ordered_json sites = ordered_json::array();
  for (const auto& x : t.sites)
    sites.push_back({{"name", x.name}, {"capex_amortised", number(x.capex_amortised)}, {"power", number(x.power)},
                     {"staff_maintenance", number(x.staff_maintenance)}, {"total", number(x.total)}});
  ordered_json clusters = ordered_json::array();
  for (const auto& c : t.clusters)
    clusters.push_back({{"site", c.site}, {"cluster", c.cluster}, {"gpu", c.gpu}, {"gpus", c.gpus},
                        {"capex", number(c.capex)}, {"gpu_hour_rate", number(c.gpu_hour_rate)}});
  return {{"period_s", number(t.period_s)}, {"capex_amortised", number(t.capex_amortised)},
          {"power", number(t.power)},       {"staff_maintenance", number(t.staff_maintenance)},
          {"wan", number(t.wan)},           {"total", number(t.total)},
          {"sites", sites},                 {"clusters", clusters},
          {"notes", t.notes}};
}

}  // namespace

nlohmann::ordered_json report_run_data(const SimulationResult& r, const Scenario* s, const std::string& label) {
  ordered_json o;
  o["label"] = label;
  o["scenario"] = r.scenario;
  o["seed"] = r.seed;
  o["version"] = r.version;
  o["policy"] = r.policy;
  o["fidelity"] = r.fidelity;
  o["horizon_s"] = number(r.horizon_s);
  o["end_s"] = number(r.simulated_end_s);
  o["currency"] = r.tco.currency;
  o["overview"] = overview(r);
  o["sites"] = sites(r);
  o["wan"] = wan(r);
  if (s) o["topology"] = topology(*s);
  if (auto u = utilisation(r); !u.is_null()) o["utilisation"] = u;
  if (auto j = jobs(r); !j.is_null()) o["jobs"] = j;
  if (auto f = reliability(r); !f.is_null()) o["reliability"] = f;
  if (auto i = inference(r); !i.is_null()) o["inference"] = i;
  o["tco"] = tco(r.tco);
  if (auto e = energy_over_time(r); !e.is_null()) o["energy_over_time"] = e;
  return o;
}

}  // namespace rcn
