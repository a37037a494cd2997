#include "rcn/report/console_summary.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <optional>
#include <vector>

#include "rcn/scenario/units.hpp"

namespace rcn {
namespace {

// Rows shown of a long table: this many first ones, and this many worst ones.
constexpr std::size_t kFirstRows = 5;
constexpr std::size_t kWorstRows = 5;

// "1 job", "2 jobs".
std::string count_of(std::size_t n, const char* one, const char* many) {
  return fmt::format("{} {}", n, n == 1 ? one : many);
}

// Where a CSV lives, for the line that points to it.
std::string csv_path(const std::string& dir, const char* file) {
  return dir.empty() ? std::string(file) : dir + "/" + file;
}

// 1234567 -> "1.23M": amounts in the console block are read, not parsed.
std::string money(double v) {
  const double a = std::fabs(v);
  if (a >= 1e9) return fmt::format("{:.3g}B", v / 1e9);
  if (a >= 1e6) return fmt::format("{:.3g}M", v / 1e6);
  if (a >= 1e3) return fmt::format("{:.3g}k", v / 1e3);
  return fmt::format("{:.2f}", v);
}

std::string percent(double fraction) { return fmt::format("{:.1f}%", fraction * 100); }

// How long a job waited, or has waited by the end of the run when it never started.
double wait_of(const JobResult& x, double end) {
  if (x.start_s >= 0) return x.queue_wait_s;
  return x.state == JobState::NotSubmitted ? 0 : std::max(0.0, end - x.submit_s);
}

// Worse first: jobs that never started (unschedulable, then queued), then by longest wait.
int badness(JobState s) {
  switch (s) {
    case JobState::Unschedulable: return 0;
    case JobState::Queued: return 1;
    case JobState::Running: return 2;
    case JobState::Finished: return 3;
    case JobState::NotSubmitted: return 4;
  }
  return 5;
}

// The rows of a table of `n` rows to print: all of them when few, else the first
// kFirstRows and the kWorstRows worst (by `worse_than`) not among them.
template <class WorseThan>
std::pair<std::vector<std::size_t>, std::vector<std::size_t>> rows_to_show(std::size_t n, WorseThan worse_than) {
  std::vector<std::size_t> first(n), worst;
  std::iota(first.begin(), first.end(), 0);
  if (n <= kConsoleTableRows) return {first, worst};
  first.resize(kFirstRows);
  std::vector<std::size_t> rest(n - kFirstRows);
  std::iota(rest.begin(), rest.end(), kFirstRows);
  std::stable_sort(rest.begin(), rest.end(), worse_than);
  rest.resize(std::min(kWorstRows, rest.size()));
  std::sort(rest.begin(), rest.end());
  return {first, rest};
}

std::string job_row(const JobResult& x) {
  return fmt::format("{:<18} {:<13} {:<14} {:>6} {:>10} {:>10} {:>10} {:>9} {:>6} {:>11}\n", x.name,
                     to_string(x.state), x.site.empty() ? "-" : x.site, x.gpus,
                     x.start_s < 0 ? "-" : format_duration(x.queue_wait_s),
                     x.start_s < 0 ? "-" : format_duration(x.start_s),
                     x.end_s < 0 ? "-" : format_duration(x.time_to_train_s),
                     x.step_time_s > 0 ? format_duration(x.step_time_s) : "-",
                     x.start_s < 0 ? "-" : percent(x.mfu),
                     x.start_s < 0 ? "-" : fmt::format("{:.1f}", x.tflops_per_gpu));
}

std::string jobs_block(const SimulationResult& r, const std::string& dir) {
  if (r.jobs.empty()) return "";
  std::size_t by_state[5] = {};
  for (const JobResult& x : r.jobs) ++by_state[static_cast<int>(x.state)];
  std::string counts;
  for (JobState s : {JobState::Finished, JobState::Running, JobState::Queued, JobState::Unschedulable,
                     JobState::NotSubmitted})
    if (by_state[static_cast<int>(s)] > 0)
      counts += fmt::format("{}{} {}", counts.empty() ? "" : ", ", by_state[static_cast<int>(s)], to_string(s));
  std::string out = fmt::format("\n{}: {}\n", count_of(r.jobs.size(), "training job", "training jobs"), counts);
  out += fmt::format("{:<18} {:<13} {:<14} {:>6} {:>10} {:>10} {:>10} {:>9} {:>6} {:>11}\n", "job", "state", "site",
                     "gpus", "wait", "start", "train", "step", "MFU", "TFLOP/s/GPU");
  const double end = r.simulated_end_s;
  const auto [first, worst] = rows_to_show(r.jobs.size(), [&](std::size_t a, std::size_t b) {
    const JobResult &x = r.jobs[a], &y = r.jobs[b];
    if (badness(x.state) != badness(y.state)) return badness(x.state) < badness(y.state);
    return wait_of(x, end) > wait_of(y, end);
  });
  for (std::size_t i : first) out += job_row(r.jobs[i]);
  if (!worst.empty()) {
    out += fmt::format("  ... the {} worst of the other {} (not started or longest waits):\n", worst.size(),
                       r.jobs.size() - first.size());
    for (std::size_t i : worst) out += job_row(r.jobs[i]);
    out += fmt::format("  all {} jobs in {}\n", r.jobs.size(), csv_path(dir, "jobs.csv"));
  }
  return out;
}

// One line per job that failures or checkpoints touched.
std::string reliability_line(const JobResult& x) {
  std::string causes;
  for (const auto& [cause, n] : x.interruptions_by_cause) causes += fmt::format("{}{} {}", causes.empty() ? "" : ", ", cause, n);
  std::string line = fmt::format("  {}: {}", x.name, count_of(x.interruptions, "interruption", "interruptions"));
  if (!causes.empty()) line += " (" + causes + ")";
  if (x.preemptions > 0) line += ", " + count_of(x.preemptions, "preemption", "preemptions");
  if (x.state == JobState::Finished || x.state == JobState::Running) line += ", goodput " + percent(x.goodput);
  line += fmt::format(", lost work {}, restarts {}, {} (overhead {})", format_duration(x.lost_work_s),
                      format_duration(x.restart_overhead_s), count_of(x.checkpoints, "checkpoint", "checkpoints"),
                      format_duration(x.checkpoint_overhead_s));
  return line + "\n";
}

std::string reliability_block(const SimulationResult& r, const std::string& dir) {
  std::vector<std::size_t> touched;
  for (std::size_t i = 0; i < r.jobs.size(); ++i) {
    const JobResult& x = r.jobs[i];
    if (x.interruptions > 0 || x.preemptions > 0 || x.checkpoints > 0 || x.lost_work_s > 0) touched.push_back(i);
  }
  if (touched.empty()) return "";
  std::string out = fmt::format("\nreliability ({} with interruptions, preemptions or checkpoints; {})\n",
                                count_of(touched.size(), "job", "jobs"),
                                count_of(r.failures.size(), "failure event", "failure events"));
  const auto [first, worst] = rows_to_show(touched.size(), [&](std::size_t a, std::size_t b) {
    return r.jobs[touched[a]].lost_work_s + r.jobs[touched[a]].restart_overhead_s >
           r.jobs[touched[b]].lost_work_s + r.jobs[touched[b]].restart_overhead_s;
  });
  for (std::size_t i : first) out += reliability_line(r.jobs[touched[i]]);
  if (!worst.empty()) {
    out += fmt::format("  ... the {} that lost the most time of the other {}:\n", worst.size(),
                       touched.size() - first.size());
    for (std::size_t i : worst) out += reliability_line(r.jobs[touched[i]]);
    out += fmt::format("  every job in {}\n", csv_path(dir, "jobs.csv"));
  }
  return out;
}

// "queue-full=12;timeout=3" -> "queue-full 12, timeout 3".
std::string drop_reasons_text(const std::string& reasons) {
  std::string out;
  for (char c : reasons) out += c == '=' ? std::string(" ") : c == ';' ? std::string(", ") : std::string(1, c);
  return out;
}

std::string inference_block(const SimulationResult& r) {
  if (r.services.empty()) return "";
  std::string out = fmt::format("\n{:<16} {:<10} {:>9} {:>9} {:>8} {:>10} {:>10} {:>10} {:>10} {:>8}\n", "service",
                                "region", "requests", "completed", "dropped", "TTFT p50", "TTFT p99", "TPOT p50",
                                "TPOT p99", "SLO met");
  for (const InferenceServiceResult& sv : r.services) {
    for (const InferenceRegionResult& g : r.inference) {
      if (g.service != sv.service) continue;
      const bool any = g.completed > 0;
      out += fmt::format("{:<16} {:<10} {:>9} {:>9} {:>8} {:>10} {:>10} {:>10} {:>10} {:>8}\n", g.service, g.region,
                         g.requests, g.completed, g.dropped, any ? format_duration(g.ttft_p50) : "-",
                         any ? format_duration(g.ttft_p99) : "-", any ? format_duration(g.tpot_p50) : "-",
                         any ? format_duration(g.tpot_p99) : "-", any ? percent(g.slo_attainment) : "-");
    }
    std::string line = fmt::format("  {}: {} at start", sv.service, count_of(sv.replicas, "replica", "replicas"));
    if (sv.replicas_peak != sv.replicas || sv.scale_ups + sv.scale_downs > 0)
      line += fmt::format(" (peak {}, {} up, {} down)", sv.replicas_peak, sv.scale_ups, sv.scale_downs);
    line += fmt::format(", GPU utilisation {}", percent(sv.gpu_utilisation));
    line += sv.drop_reasons.empty() ? ", nothing dropped" : ", dropped: " + drop_reasons_text(sv.drop_reasons);
    if (sv.replica_failures > 0)
      line += fmt::format(", {} ({} requests retried)", count_of(sv.replica_failures, "replica failure", "replica failures"),
                          sv.requests_retried);
    out += line + "\n";
  }
  return out;
}

std::string sites_block(const SimulationResult& r) {
  std::string out = fmt::format("\n{:<14} {:<8} {:<7} {:>7} {:>14} {:>8} {:>12} {:>12} {:>11}\n", "site", "region",
                                "kind", "gpus", "busy GPU-h", "util", "energy kWh", "power cost", "CO2e t");
  for (const SiteResult& x : r.sites)
    out += fmt::format("{:<14} {:<8} {:<7} {:>7} {:>14.0f} {:>7.1f}% {:>12.0f} {:>12.0f} {:>11.1f}\n", x.name,
                       x.region, x.kind, x.gpus, x.gpu_hours_busy, x.utilisation * 100, x.energy_kwh, x.cost,
                       x.carbon_kg / 1000);
  return out;
}

// The console's short cost block (docs/tco.md).
std::string cost_block(const TcoResult& t) {
  std::string out = fmt::format(
      "\ncost ({}, over {}): capex amortised {}  power {}  staff+maintenance {}  WAN {}  total {}\n", t.currency,
      format_duration(t.period_s), money(t.capex_amortised), money(t.power), money(t.staff_maintenance), money(t.wan),
      money(t.total));
  auto per = [](const std::optional<double>& v) { return v ? fmt::format("{:.4g}", *v) : std::string("-"); };
  out += fmt::format("  per 1M tokens served {}  per 1M trained tokens {}\n", per(t.per_million_tokens_served),
                     per(t.per_million_trained_tokens));
  for (const std::string& note : t.notes) out += "  note: " + note + "\n";
  return out;
}

}  // namespace

std::string summary_table(const SimulationResult& r, const std::string& results_dir) {
  std::string out = fmt::format("scenario {}  seed {}  policy {}  simulated {} (horizon {})\n", r.scenario, r.seed,
                                r.policy, format_duration(r.simulated_end_s), format_duration(r.horizon_s));
  if (r.jobs.empty() && r.services.empty()) out += "\nno training jobs and no inference services\n";
  out += jobs_block(r, results_dir);
  out += reliability_block(r, results_dir);
  out += inference_block(r);
  out += sites_block(r);
  out += cost_block(r.tco);
  return out;
}

}  // namespace rcn
