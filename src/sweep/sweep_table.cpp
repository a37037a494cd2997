#include "rcn/sweep/sweep_table.hpp"

#include <fmt/format.h>

#include <cmath>

namespace rcn {

namespace {
const std::vector<std::string> kMetrics{"simulated_end_s", "jobs_finished", "mean_queue_wait_s",
                                        "mean_time_to_train_s", "mean_goodput", "interruptions",
                                        "gpu_hours_busy", "utilisation", "energy_kwh", "cost", "carbon_kg"};
}

// at(), not [], throughout: [] on a const json with a missing key is undefined
// behaviour, and a summary.json may be damaged; at() throws json::exception.
std::map<std::string, double> run_metrics(const nlohmann::json& s) {
  std::map<std::string, double> m;
  m["simulated_end_s"] = s.value("simulated_end_s", 0.0);
  double finished = 0, wait = 0, waits = 0, ttt = 0, goodput = 0, goodputs = 0, interruptions = 0;
  for (const auto& j : s.at("jobs")) {
    if (j.at("state") == "finished") {
      finished += 1;
      ttt += j.at("time_to_train_s").get<double>();
    }
    if (!j.at("queue_wait_s").is_null()) wait += j.at("queue_wait_s").get<double>(), waits += 1;
    if (!j.at("goodput").is_null()) goodput += j.at("goodput").get<double>(), goodputs += 1;
    interruptions += j.value("interruptions", 0);
  }
  m["jobs_finished"] = finished;
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
  auto quote = [](const std::string& v) {
    if (v.find_first_of(",\"\n") == std::string::npos) return v;
    std::string out = "\"";
    for (char c : v) out += c == '"' ? std::string("\"\"") : std::string(1, c);
    return out + "\"";
  };
  std::string out = "point";
  for (const auto& p : spec.parameters) out += "," + quote(p);
  out += ",n";
  for (const auto& m : kMetrics) out += "," + m + "_mean," + m + "_ci95";
  out += "\n";
  for (std::size_t i = 0; i < spec.points.size(); ++i) {
    out += std::to_string(i);
    for (const auto& [path, value] : spec.points[i].sets) out += "," + quote(value);
    out += fmt::format(",{}", runs[i].size());
    for (const auto& m : kMetrics) {
      std::vector<double> xs;
      for (const auto& run : runs[i]) xs.push_back(run.at(m));
      const MeanCi mc = mean_ci(xs);
      out += fmt::format(",{},{}", mc.mean, mc.ci95);
    }
    out += "\n";
  }
  return out;
}

}  // namespace rcn
