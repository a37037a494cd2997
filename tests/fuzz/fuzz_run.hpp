#pragma once
// Running a scenario under the fuzzers, and the semantic checks on its results
// (docs/reliability.md). SimGrid allows one engine per process, so each run
// happens in a forked child: it runs, checks, and exits 0; anything else (a failed
// check, a sanitizer report, a signal, the time limit) makes the fuzzing process
// abort, so libFuzzer keeps the input. Coverage of the run itself is not seen by
// libFuzzer (the child's counters die with it).
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <csignal>
#include <cstdint>
#include <string>

#include <fmt/format.h>
#include <sanitizer/lsan_interface.h>

#include "fuzz_support.hpp"
#include "rcn/engine/simulation.hpp"

namespace rcn::fuzz {

// Inputs are kept small so that one runs in well under a second (thread
// contexts under ASan are slow); larger ones are only loaded.
constexpr double kHorizonCap = 3 * 86400.0;
constexpr int kMaxGpus = 512;
constexpr std::size_t kMaxJobs = 64;
constexpr double kMaxRequests = 20000;
// Fast inference mode (docs/inference.md) steps every interval whatever the load: a
// year of minutes is half a million steps, so its intervals are bounded too.
constexpr double kMaxFastIntervals = 20000;
constexpr unsigned kChildSeconds = 8;

inline bool small_enough(const rcn::Scenario& s) {
  if (s.total_gpus() > kMaxGpus || s.training.size() > kMaxJobs) return false;
  double requests = 0, fast_intervals = 0;
  for (const auto& svc : s.inference) {
    requests += svc.arrivals.rate * std::min(s.horizon, kHorizonCap);
    if (svc.fast) fast_intervals += s.horizon / svc.fast_interval;
  }
  if (requests > kMaxRequests || fast_intervals > kMaxFastIntervals) return false;
  return !(s.failures.present && s.failures.scale > 100);
}

inline bool finite_nonneg(double x) { return std::isfinite(x) && x >= 0; }
inline bool fraction(double x) { return std::isfinite(x) && x >= 0 && x <= 1 + 1e-9; }

inline void check(bool ok, const std::string& what) {
  if (!ok) fail(what);
}

// The checks of docs/reliability.md: jobs and requests conserved, every
// utilisation in [0,1], every time within [0, end of run <= horizon], energy,
// carbon and cost finite (energy and carbon >= 0).
inline void check_result(const rcn::Scenario& s, const rcn::SimulationResult& r) {
  const double h = s.horizon, end = r.simulated_end_s, eps = 1e-9 * std::max(1.0, h);
  auto within = [&](double t) { return std::isfinite(t) && t >= -eps && t <= end + eps; };
  check(r.horizon_s == h, "horizon_s differs from the scenario's horizon");
  check(std::isfinite(end) && end >= 0 && end <= h + eps, fmt::format("run ended at {} past the horizon {}", end, h));

  check(r.jobs.size() == s.training.size(), fmt::format("{} jobs submitted, {} in the results", s.training.size(), r.jobs.size()));
  for (const rcn::JobResult& j : r.jobs) {
    const std::string who = "job " + j.name + ": ";
    check(std::isfinite(j.submit_s) && j.submit_s >= 0, who + "submit time");
    switch (j.state) {
      case rcn::JobState::Finished:
        check(within(j.start_s) && within(j.end_s) && j.submit_s <= j.start_s + eps && j.start_s <= j.end_s + eps,
              who + fmt::format("finished with submit {} start {} end {} (run end {})", j.submit_s, j.start_s, j.end_s, end));
        break;
      case rcn::JobState::Running:
        check(within(j.start_s) && j.end_s == -1, who + "running without a start, or with an end");
        break;
      case rcn::JobState::Queued:
      case rcn::JobState::Unschedulable:
        check(j.end_s == -1 && j.submit_s <= end + eps, who + "queued with an end, or submitted after the run");
        break;
      case rcn::JobState::NotSubmitted:
        check(j.start_s == -1 && j.end_s == -1 && j.submit_s >= end - eps, who + "not submitted, yet due or started");
        break;
    }
    check(fraction(j.progress), who + fmt::format("progress {}", j.progress));
    check(fraction(j.goodput), who + fmt::format("goodput {}", j.goodput));
    for (double x : {j.queue_wait_s, j.time_to_train_s, j.staging_s, j.lost_work_s, j.restart_overhead_s,
                     j.checkpoint_overhead_s})
      check(finite_nonneg(x) && x <= end + eps, who + fmt::format("a duration of {} outside [0, {}]", x, end));
    for (const rcn::TimelineSpan& sp : j.timeline)
      check(within(sp.start) && within(sp.end) && sp.start <= sp.end + eps,
            who + fmt::format("timeline span {} [{}, {}] outside the run", sp.state, sp.start, sp.end));
  }

  for (const rcn::SiteResult& site : r.sites) {
    const std::string who = "site " + site.name + ": ";
    check(fraction(site.utilisation), who + fmt::format("utilisation {}", site.utilisation));
    check(finite_nonneg(site.energy_kwh) && finite_nonneg(site.carbon_kg) && std::isfinite(site.cost) &&
              finite_nonneg(site.gpu_hours_busy),
          who + fmt::format("energy {} kWh, carbon {} kg, cost {}", site.energy_kwh, site.carbon_kg, site.cost));
  }
  for (const rcn::UtilisationPoint& u : r.utilisation)
    check(within(u.time_s) && u.site < r.sites.size() && u.busy_gpus >= 0 && u.busy_gpus <= r.sites[u.site].gpus,
          fmt::format("utilisation point at {}: {} busy GPUs", u.time_s, u.busy_gpus));
  for (const rcn::FailureRow& f : r.failures)
    check(within(f.time_s) && finite_nonneg(f.downtime_s), fmt::format("failure at {} (downtime {})", f.time_s, f.downtime_s));
  for (const rcn::WanTransfer& t : r.wan_transfers)
    check(within(t.start_s) && within(t.end_s) && t.start_s <= t.end_s + eps && finite_nonneg(t.bytes),
          fmt::format("WAN transfer {}->{} [{}, {}]", t.from, t.to, t.start_s, t.end_s));
  for (const rcn::WanLinkResult& l : r.wan_links)
    check(fraction(l.peak_utilisation) && finite_nonneg(l.bytes), fmt::format("WAN link {}<->{} peak {}", l.from, l.to, l.peak_utilisation));

  for (const rcn::InferenceRegionResult& q : r.inference) {
    const std::string who = "inference " + q.service + "/" + q.region + ": ";
    check(q.requests >= 0 && q.completed >= 0 && q.dropped >= 0 && q.in_flight >= 0 &&
              q.requests == q.completed + q.dropped + q.in_flight,
          who + fmt::format("{} arrived != {} served + {} dropped + {} in flight", q.requests, q.completed, q.dropped, q.in_flight));
    check(fraction(q.slo_attainment) && finite_nonneg(q.throughput_rps), who + "SLO attainment or throughput");
    for (double x : {q.ttft_p50, q.ttft_p90, q.ttft_p99, q.tpot_p50, q.tpot_p90, q.tpot_p99, q.e2e_p50, q.e2e_p90,
                     q.e2e_p99, q.ttft_mean, q.e2e_mean})
      check(finite_nonneg(x) && x <= end + eps, who + fmt::format("a latency of {}", x));
  }
  for (const rcn::InferenceServiceResult& svc : r.services)
    check(fraction(svc.gpu_utilisation) && finite_nonneg(svc.replica_hours) && svc.replicas_peak >= 0,
          "service " + svc.service + fmt::format(": GPU utilisation {}", svc.gpu_utilisation));
}

[[noreturn]] inline void run_child(rcn::Scenario s) {
  alarm(kChildSeconds);
  s.horizon = std::min(s.horizon, kHorizonCap);
  try {
    check_result(s, rcn::run_simulation(s));
  } catch (const rcn::InputError& e) {
    // validate accepted it, so run must not refuse it
    fail("run refused a validated scenario: " + (e.diagnostics.items().empty() ? "" : e.diagnostics.items()[0].str()));
  } catch (const std::exception& e) {
    fail(std::string("internal error: ") + e.what());
  }
  // exit() would run libFuzzer's handlers in the child: check leaks here instead.
  _exit(__lsan_do_recoverable_leak_check() ? 3 : 0);
}

// Runs `s` (horizon capped) in a forked child and checks its results there;
// aborts this process when the child fails a check, dies or overruns.
inline void run_and_check(const rcn::Scenario& s) {
  std::fflush(nullptr);
  const pid_t pid = fork();
  if (pid < 0) fail("fork failed");
  if (pid == 0) run_child(s);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0) {
  }
  if (WIFSIGNALED(status))
    fail(fmt::format("the run died by signal {}{}", WTERMSIG(status),
                     WTERMSIG(status) == SIGALRM ? fmt::format(" (over {} s)", kChildSeconds) : ""));
  if (WEXITSTATUS(status) != 0) fail(fmt::format("the run exited with status {}", WEXITSTATUS(status)));
}

}  // namespace rcn::fuzz

