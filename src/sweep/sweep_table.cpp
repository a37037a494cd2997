#include "rcn/sweep/sweep_table.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <set>

#include "rcn/report/csv_field.hpp"

namespace rcn {

namespace {
// Always in sweep.csv, in this order (the first eleven were its only ones before).
const std::vector<std::string> kMetrics{
    "simulated_end_s", "jobs_finished",  "mean_queue_wait_s", "mean_time_to_train_s", "mean_goodput",
    "interruptions",   "gpu_hours_busy", "utilisation",       "energy_kwh",           "cost",
    "carbon_kg",       "jobs_total",     "jobs_unfinished",   "lost_work_s",          "restart_overhead_s",
    "requests_dropped", "slo_attainment_min", "ttft_p99_max_s", "tpot_p99_max_s"};
// Only when some run's summary.json has them.
const std::vector<std::string> kTcoMetrics{"tco_total", "tco_capex_amortised", "tco_power",
                                           "tco_per_million_tokens_served", "tco_per_million_trained_tokens"};
// Per service/region pair, after "<service>/<region>:".
const std::vector<std::string> kPairMetrics{"slo_attainment", "ttft_p50_s", "ttft_p99_s",
                                            "tpot_p50_s",     "tpot_p99_s", "requests_dropped"};

}  // namespace

double pair_attainment_with_drops(const nlohmann::json& pair) {
  const double completed = pair.at("completed").get<double>();
  const double finished = completed + pair.at("dropped").get<double>();
  // Requests arrived but none finished (all still in flight at the end): nothing was served.
  if (finished <= 0) return 0;
  const double met = completed > 0 ? pair.at("slo_attainment").get<double>() * completed : 0;
  return met / finished;
}

namespace {

void read_inference(const nlohmann::json& s, std::map<std::string, double>& m) {
  double dropped = 0, slo_min = 1, ttft_max = 0, tpot_max = 0;
  if (s.contains("inference")) {
    for (const auto& service : s.at("inference")) {
      const std::string name = service.at("name").get<std::string>();
      for (const auto& g : service.at("regions")) {
        const std::string region = g.at("region").get<std::string>();
        const double d = g.at("dropped").get<double>();
        const double completed = g.at("completed").get<double>();
        const double requests = g.contains("requests") ? g.at("requests").get<double>() : completed + d;
        dropped += d;
        m[inference_pair_metric(name, region, "requests_dropped")] = d;
        // The aggregate counts every pair that got requests, a dropped request as a miss:
        // a service that serves nobody must not look perfect to a plan's constraint.
        if (requests > 0) slo_min = std::min(slo_min, pair_attainment_with_drops(g));
        // Latencies and the pair's own attainment describe completed requests: a pair
        // with none has no value (an empty cell), not a perfect or a zero one.
        if (completed <= 0) continue;
        const double slo = g.at("slo_attainment").get<double>();
        const auto& ttft = g.at("ttft_s");
        const auto& tpot = g.at("tpot_s");
        m[inference_pair_metric(name, region, "slo_attainment")] = slo;
        m[inference_pair_metric(name, region, "ttft_p50_s")] = ttft.at("p50").get<double>();
        m[inference_pair_metric(name, region, "ttft_p99_s")] = ttft.at("p99").get<double>();
        m[inference_pair_metric(name, region, "tpot_p50_s")] = tpot.at("p50").get<double>();
        m[inference_pair_metric(name, region, "tpot_p99_s")] = tpot.at("p99").get<double>();
        ttft_max = std::max(ttft_max, ttft.at("p99").get<double>());
        tpot_max = std::max(tpot_max, tpot.at("p99").get<double>());
      }
    }
  }
  m["requests_dropped"] = dropped;
  m["slo_attainment_min"] = slo_min;
  m["ttft_p99_max_s"] = ttft_max;
  m["tpot_p99_max_s"] = tpot_max;
}

// The "tco" object (docs/results.md); the per-token figures are null when nothing was served or trained.
void read_tco(const nlohmann::json& s, std::map<std::string, double>& m) {
  if (!s.contains("tco") || !s.at("tco").is_object()) return;
  const auto& t = s.at("tco");
  m["tco_total"] = t.at("total").get<double>();
  m["tco_capex_amortised"] = t.at("capex_amortised").get<double>();
  m["tco_power"] = t.at("power").get<double>();
  for (const char* k : {"per_million_tokens_served", "per_million_trained_tokens"})
    if (t.contains(k) && !t.at(k).is_null()) m[std::string("tco_") + k] = t.at(k).get<double>();
}

// The metric columns: kMetrics, then the TCO metrics and the pairs' metrics any run has.
std::vector<std::string> metric_columns(const std::vector<std::vector<std::map<std::string, double>>>& runs) {
  std::set<std::string> seen;
  for (const auto& point : runs)
    for (const auto& run : point)
      for (const auto& [name, value] : run) seen.insert(name);
  std::vector<std::string> cols = kMetrics;
  for (const auto& m : kTcoMetrics)
    if (seen.count(m)) cols.push_back(m);
  // Pairs in name order, each pair's metrics in kPairMetrics order.
  std::set<std::string> pairs;
  for (const auto& name : seen)
    if (const auto colon = name.rfind(':'); colon != std::string::npos) pairs.insert(name.substr(0, colon));
  for (const auto& pair : pairs)
    for (const auto& m : kPairMetrics)
      if (seen.count(pair + ":" + m)) cols.push_back(pair + ":" + m);
  return cols;
}

}  // namespace

std::string inference_pair_metric(const std::string& service, const std::string& region, const std::string& metric) {
  auto part = [](const std::string& name) {
    std::string out;
    for (char c : name) {
      const auto u = static_cast<unsigned char>(c);
      if (c == '%' || c == '/' || c == ':' || u < 0x20 || u == 0x7f)
        out += fmt::format("%{:02X}", u);
      else
        out += c;
    }
    return out;
  };
  return part(service) + "/" + part(region) + ":" + metric;
}

// at(), not [], throughout: [] on a const json with a missing key is undefined
// behaviour, and a summary.json may be damaged; at() throws json::exception.
std::map<std::string, double> run_metrics(const nlohmann::json& s) {
  std::map<std::string, double> m;
  m["simulated_end_s"] = s.value("simulated_end_s", 0.0);
  double finished = 0, wait = 0, waits = 0, ttt = 0, goodput = 0, goodputs = 0, interruptions = 0, lost = 0,
         restart = 0;
  for (const auto& j : s.at("jobs")) {
    if (j.at("state") == "finished") {
      finished += 1;
      ttt += j.at("time_to_train_s").get<double>();
    }
    if (!j.at("queue_wait_s").is_null()) wait += j.at("queue_wait_s").get<double>(), waits += 1;
    if (!j.at("goodput").is_null()) goodput += j.at("goodput").get<double>(), goodputs += 1;
    interruptions += j.value("interruptions", 0);
    lost += j.at("lost_work_s").get<double>();
    restart += j.at("restart_overhead_s").get<double>();
  }
  m["jobs_finished"] = finished;
  m["jobs_total"] = static_cast<double>(s.at("jobs").size());
  m["jobs_unfinished"] = m["jobs_total"] - finished;
  m["lost_work_s"] = lost;
  m["restart_overhead_s"] = restart;
  m["mean_queue_wait_s"] = waits > 0 ? wait / waits : 0;
  m["mean_time_to_train_s"] = finished > 0 ? ttt / finished : 0;
  m["mean_goodput"] = goodputs > 0 ? goodput / goodputs : 0;
  m["interruptions"] = interruptions;
  double busy = 0, gpus = 0, util = 0, energy = 0, cost = 0, carbon = 0;
  for (const auto& site : s.at("sites")) {
    busy += site.at("gpu_hours_busy").get<double>();
    gpus += site.at("gpus").get<double>();
    util += site.at("utilisation").get<double>() * site.at("gpus").get<double>();
    energy += site.at("energy_kwh").get<double>();
    cost += site.at("cost").get<double>();
    carbon += site.at("carbon_kg").get<double>();
  }
  m["gpu_hours_busy"] = busy;
  m["utilisation"] = gpus > 0 ? util / gpus : 0;
  m["energy_kwh"] = energy;
  m["cost"] = cost;
  m["carbon_kg"] = carbon;
  read_inference(s, m);
  read_tco(s, m);
  return m;
}

double student_t95(int n) {
  // Two-sided 95% quantiles of Student's t, df = 1..30; beyond, the normal 1.96 with a small correction.
  static const double t[] = {12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228,
                             2.201,  2.179, 2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086,
                             2.080,  2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042};
  const int df = n - 1;
  if (df < 1) return 0;
  if (df <= 30) return t[df - 1];
  return 1.96 + 2.5 / df;
}

MeanCi mean_ci(const std::vector<double>& xs) {
  MeanCi r;
  r.n = static_cast<int>(xs.size());
  if (xs.empty()) return r;
  for (double x : xs) r.mean += x;
  r.mean /= xs.size();
  if (xs.size() < 2) return r;
  double var = 0;
  for (double x : xs) var += (x - r.mean) * (x - r.mean);
  var /= xs.size() - 1;
  r.ci95 = student_t95(r.n) * std::sqrt(var / xs.size());
  return r;
}

std::string sweep_csv(const SweepSpec& spec, const std::vector<std::vector<std::map<std::string, double>>>& runs) {
  const std::vector<std::string> metrics = metric_columns(runs);
  std::string out = "point";
  for (const auto& p : parameter_columns(spec)) out += "," + csv_field(p);
  out += ",n";
  for (const auto& m : metrics) out += "," + csv_field(m + "_mean") + "," + csv_field(m + "_ci95");
  out += "\n";
  for (std::size_t i = 0; i < spec.points.size(); ++i) {
    out += std::to_string(i);
    for (const auto& cell : parameter_cells(spec, spec.points[i])) out += "," + csv_field(cell);
    out += fmt::format(",{}", runs[i].size());
    for (std::size_t k = 0; k < metrics.size(); ++k) {
      std::vector<double> xs;
      for (const auto& run : runs[i])
        if (auto it = run.find(metrics[k]); it != run.end()) xs.push_back(it->second);
      if (xs.empty() && k >= kMetrics.size()) {
        out += ",,";
        continue;
      }
      const MeanCi mc = mean_ci(xs);
      out += fmt::format(",{},{}", mc.mean, mc.ci95);
    }
    out += "\n";
  }
  return out;
}

}  // namespace rcn
