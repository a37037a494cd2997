#include "rcn/report/result_files.hpp"

#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include <cmath>
#include <optional>

#include "rcn/report/csv_field.hpp"
#include "rcn/report/step_report.hpp"
#include "rcn/scenario/units.hpp"

namespace rcn {
namespace {

using ordered_json = nlohmann::ordered_json;

// Times and durations of the run (submit, start, wait, lost work...) to the
// millisecond: CSV cells read 101505.005, not 101505.00468610993, and
// summary.json holds the same rounded values so the two files agree.
double ms(double seconds) { return std::round(seconds * 1000) / 1000; }
std::string time_cell(double seconds) { return fmt::format("{:.3f}", ms(seconds)); }

// -1 marks "did not happen" inside the engine; JSON says null instead.
ordered_json time_or_null(double t) { return t < 0 ? ordered_json(nullptr) : ordered_json(ms(t)); }

// Other CSV numbers: shortest text that reads back to the same double.
std::string num(double v) { return fmt::format("{}", v); }

// An amount that may not exist (a cost per token without tokens): null in JSON.
ordered_json number_or_null(const std::optional<double>& v) { return v ? ordered_json(*v) : ordered_json(nullptr); }

// The `tco` object of summary.json (docs/results.md#tco); other tools read these names.
ordered_json tco_json(const TcoResult& t) {
  ordered_json o;
  o["currency"] = t.currency;
  o["period_s"] = t.period_s;
  o["capex_amortised"] = t.capex_amortised;
  o["power"] = t.power;
  o["staff_maintenance"] = t.staff_maintenance;
  o["wan"] = t.wan;
  o["total"] = t.total;
  o["per_million_tokens_served"] = number_or_null(t.per_million_tokens_served);
  o["per_million_trained_tokens"] = number_or_null(t.per_million_trained_tokens);
  o["tokens_served"] = t.tokens_served;
  o["tokens_trained"] = t.tokens_trained;
  ordered_json sites = ordered_json::array();
  for (const TcoSiteResult& x : t.sites)
    sites.push_back({{"name", x.name}, {"capex_amortised", x.capex_amortised}, {"power", x.power},
                     {"staff_maintenance", x.staff_maintenance}, {"total", x.total}});
  o["sites"] = sites;
  ordered_json clusters = ordered_json::array();
  for (const TcoClusterResult& x : t.clusters)
    clusters.push_back({{"site", x.site}, {"cluster", x.cluster}, {"gpu", x.gpu}, {"gpus", x.gpus},
                        {"capex", x.capex}, {"capex_amortised", x.capex_amortised},
                        {"staff_maintenance", x.staff_maintenance}, {"gpu_hour_rate", x.gpu_hour_rate}});
  o["clusters"] = clusters;
  o["notes"] = t.notes;
  return o;
}

// The `residency` object of summary.json (docs/results.md#residency): what data residency cost
// the run; nothing when no job or service has one.
std::optional<ordered_json> residency_json(const SimulationResult& r) {
  int jobs = 0, delayed = 0;
  double wait_s = 0;
  for (const JobResult& x : r.jobs) {
    if (!x.resident) continue;
    ++jobs;
    if (x.residency_delayed_at >= 0) ++delayed, wait_s += x.residency_wait_s;
  }
  int services = 0;
  long kept = 0, dropped = 0;
  for (const InferenceServiceResult& x : r.services) {
    if (x.residency.empty()) continue;
    ++services;
    kept += x.requests_kept_in_residency;
    dropped += x.requests_dropped_for_residency;
  }
  if (jobs == 0 && services == 0) return std::nullopt;
  ordered_json o;
  o["jobs"] = jobs;
  o["jobs_delayed"] = delayed;
  o["extra_queue_hours"] = wait_s / 3600;
  o["services"] = services;
  o["requests_kept_local"] = kept;
  o["requests_dropped"] = dropped;
  return o;
}

}  // namespace

std::string summary_json(const SimulationResult& r) {
  ordered_json j;
  j["scenario"] = r.scenario;
  j["seed"] = r.seed;
  j["rcnsim_version"] = r.version;
  j["fidelity"] = r.fidelity;
  j["policy"] = r.policy;
  j["horizon_s"] = r.horizon_s;
  j["simulated_end_s"] = r.simulated_end_s;
  j["wall_time"] = "run_info.json";  // wall-clock figures live there so this file is byte-identical per seed
  ordered_json jobs = ordered_json::array();
  for (const JobResult& x : r.jobs) {
    ordered_json o;
    o["name"] = x.name;
    o["model"] = x.model;
    o["state"] = to_string(x.state);
    if (x.state == JobState::Unschedulable) o["unschedulable_reason"] = x.unschedulable_reason;
    o["site"] = x.site;
    o["cluster"] = x.cluster;
    o["gpu"] = x.gpu;
    o["gpus"] = x.gpus;
    o["gpus_last_attempt"] = x.gpus_last_attempt;
    o["servers"] = x.servers;
    o["params"] = x.params;
    o["submit_s"] = ms(x.submit_s);
    o["start_s"] = time_or_null(x.start_s);
    o["end_s"] = time_or_null(x.end_s);
    o["queue_wait_s"] = x.start_s < 0 ? ordered_json(nullptr) : ordered_json(ms(x.queue_wait_s));
    o["step_time_s"] = x.step_time_s;
    o["steps"] = x.steps;
    o["tokens"] = x.tokens;
    o["tflops_per_gpu"] = x.tflops_per_gpu;
    o["mfu"] = x.mfu;
    o["time_to_train_s"] = x.end_s < 0 ? ordered_json(nullptr) : ordered_json(ms(x.time_to_train_s));
    o["ideal_time_to_train_s"] = ms(x.ideal_time_to_train_s);
    o["goodput"] = x.state == JobState::Finished || x.state == JobState::Running ? ordered_json(x.goodput)
                                                                                  : ordered_json(nullptr);
    o["interruptions"] = x.interruptions;
    o["preemptions"] = x.preemptions;
    o["staging_s"] = ms(x.staging_s);
    o["lost_work_s"] = ms(x.lost_work_s);
    o["restart_overhead_s"] = ms(x.restart_overhead_s);
    o["checkpoint_overhead_s"] = ms(x.checkpoint_overhead_s);
    o["checkpoints"] = x.checkpoints;
    o["checkpoint_interval_s"] = x.checkpoint_interval_s;
    ordered_json causes = ordered_json::object();
    for (const auto& [cause, n] : x.interruptions_by_cause) causes[cause] = n;
    o["interruptions_by_cause"] = causes;
    o["progress"] = x.progress;
    o["gpu_hours"] = x.gpu_hours;
    o["cost"] = x.cost;
    if (x.resident) {  // absent without residency, so older results read the same
      o["residency_delayed"] = x.residency_delayed_at >= 0;
      o["residency_wait_s"] = ms(x.residency_wait_s);
    }
    if (x.start_s >= 0) o["step"] = step_json(x.step());
    jobs.push_back(o);
  }
  j["jobs"] = jobs;
  ordered_json sites = ordered_json::array();
  for (const SiteResult& x : r.sites) {
    ordered_json o;
    o["name"] = x.name;
    o["region"] = x.region;
    o["kind"] = x.kind;
    o["gpus"] = x.gpus;
    o["gpu_hours_busy"] = x.gpu_hours_busy;
    o["utilisation"] = x.utilisation;
    o["energy_kwh"] = x.energy_kwh;
    o["cost"] = x.cost;
    o["carbon_kg"] = x.carbon_kg;
    sites.push_back(o);
  }
  j["sites"] = sites;
  ordered_json wan = ordered_json::array();
  for (const WanLinkResult& w : r.wan_links)
    wan.push_back({{"from", w.from}, {"to", w.to}, {"bandwidth", w.bandwidth}, {"bytes", w.bytes},
                   {"peak_utilisation", w.peak_utilisation}});
  j["wan"] = wan;
  if (auto res = residency_json(r)) j["residency"] = *res;
  if (!r.services.empty()) {
    ordered_json services = ordered_json::array();
    for (const InferenceServiceResult& x : r.services) {
      ordered_json o;
      o["name"] = x.service;
      o["replicas"] = x.replicas;
      o["gpus"] = x.gpus;
      o["gpu_utilisation"] = x.gpu_utilisation;
      o["drop_reasons"] = x.drop_reasons;
      o["replicas_peak"] = x.replicas_peak;
      o["replica_hours"] = x.replica_hours;
      o["scale_ups"] = x.scale_ups;
      o["scale_downs"] = x.scale_downs;
      o["replica_failures"] = x.replica_failures;
      o["requests_retried"] = x.requests_retried;
      if (x.scheduler != "orca") {  // paged KV (issue #14); absent for orca, so older results read the same
        o["scheduler"] = x.scheduler;
        o["preemptions"] = x.preemptions;
      }
      if (!x.residency.empty()) {  // absent without residency
        o["residency"] = x.residency;
        o["requests_kept_in_residency"] = x.requests_kept_in_residency;
        o["requests_dropped_for_residency"] = x.requests_dropped_for_residency;
      }
      o["tokens_served"] = x.tokens_served;
      o["gpu_hours"] = x.gpu_hours;
      o["cost"] = x.cost;
      auto slo = [](double v) { return v > 0 ? ordered_json(v) : ordered_json(nullptr); };
      o["slo_s"] = {{"ttft", slo(x.slo_ttft_s)}, {"tpot", slo(x.slo_tpot_s)}, {"e2e", slo(x.slo_e2e_s)}};
      ordered_json regions = ordered_json::array();
      for (const InferenceRegionResult& g : r.inference) {
        if (g.service != x.service) continue;
        ordered_json q;
        q["region"] = g.region;
        q["requests"] = g.requests;
        q["completed"] = g.completed;
        q["dropped"] = g.dropped;
        q["in_flight"] = g.in_flight;
        q["throughput_rps"] = g.throughput_rps;
        q["ttft_s"] = {{"mean", g.ttft_mean}, {"p50", g.ttft_p50}, {"p90", g.ttft_p90}, {"p99", g.ttft_p99}};
        q["tpot_s"] = {{"p50", g.tpot_p50}, {"p90", g.tpot_p90}, {"p99", g.tpot_p99}};
        q["e2e_s"] = {{"mean", g.e2e_mean}, {"p50", g.e2e_p50}, {"p90", g.e2e_p90}, {"p99", g.e2e_p99}};
        q["slo_attainment"] = g.slo_attainment;
        regions.push_back(q);
      }
      o["regions"] = regions;
      services.push_back(o);
    }
    j["inference"] = services;
  }
  if (!r.tenants.empty()) {  // the per-tenant SLO report (tenants.csv has the same rows)
    ordered_json tenants = ordered_json::array();
    for (const TenantResult& t : r.tenants)
      tenants.push_back({{"tenant", t.tenant}, {"services", t.services}, {"requests", t.requests},
                         {"completed", t.completed}, {"dropped", t.dropped}, {"slo_met", t.slo_met},
                         {"slo_attainment", t.slo_attainment},
                         {"ttft_s", {{"p50", t.ttft_p50}, {"p99", t.ttft_p99}}}, {"e2e_p99_s", t.e2e_p99},
                         {"gpu_hours", t.gpu_hours}});
    j["tenants"] = tenants;
  }
  if (!r.training_preemptions.empty()) {  // training jobs stopped by serving above training
    double lost = 0, restart = 0, gpu_hours = 0;
    for (const TrainingPreemption& x : r.training_preemptions)
      lost += x.lost_work_s, restart += x.restart_s, gpu_hours += x.gpu_hours;
    j["training_preemptions"] = {{"count", r.training_preemptions.size()}, {"lost_work_s", ms(lost)},
                                 {"restart_s", ms(restart)}, {"gpu_hours", gpu_hours}};
  }
  j["tco"] = tco_json(r.tco);
  return j.dump(2) + "\n";
}

std::string jobs_csv(const SimulationResult& r) {
  std::string out =
      "name,model,state,site,cluster,gpu,gpus,servers,params,submit_s,start_s,end_s,queue_wait_s,step_time_s,steps,"
      "tokens,tflops_per_gpu,hardware_tflops_per_gpu,mfu,memory_per_gpu_bytes,time_to_train_s,ideal_time_to_train_s,goodput,interruptions,lost_work_s,restart_overhead_s,checkpoint_overhead_s,checkpoints,"
      "interruptions_by_cause,progress,preemptions,staging_s,gpu_hours,cost,mean_step_time_s\n";
  for (const JobResult& x : r.jobs) {
    auto opt = [](double v, bool present) { return present ? time_cell(v) : std::string(); };
    std::string causes;
    for (const auto& [cause, n] : x.interruptions_by_cause) causes += fmt::format("{}{}={}", causes.empty() ? "" : ";", cause, n);
    out += fmt::format("{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{}\n", csv_field(x.name),
                       csv_field(x.model), to_string(x.state), csv_field(x.site), csv_field(x.cluster),
                       csv_field(x.gpu), x.gpus, x.servers, num(x.params), time_cell(x.submit_s),
                       opt(x.start_s, x.start_s >= 0), opt(x.end_s, x.end_s >= 0),
                       opt(x.queue_wait_s, x.start_s >= 0), num(x.step_time_s), num(x.steps), num(x.tokens),
                       num(x.tflops_per_gpu), num(x.step_shape ? x.step_shape->hardware_tflops_per_gpu : 0.0), num(x.mfu),
                       num(x.step_shape ? x.step_shape->memory.total_bytes : 0.0), opt(x.time_to_train_s, x.end_s >= 0),
                       time_cell(x.ideal_time_to_train_s),
                       (x.state == JobState::Finished || x.state == JobState::Running ? num(x.goodput) : std::string()), x.interruptions,
                       time_cell(x.lost_work_s), time_cell(x.restart_overhead_s), time_cell(x.checkpoint_overhead_s), x.checkpoints,
                       csv_field(causes), num(x.progress), x.preemptions, time_cell(x.staging_s), num(x.gpu_hours),
                       num(x.cost), num(x.mean_step_time_s));
  }
  return out;
}

std::string sites_csv(const SimulationResult& r) {
  // cost is the power bill (as before TCO); tco_total adds amortised capex and staff and maintenance.
  std::string out = "name,region,kind,gpus,gpu_hours_busy,utilisation,energy_kwh,cost,carbon_kg,capex_amortised,"
                    "staff_maintenance,tco_total\n";
  for (std::size_t i = 0; i < r.sites.size(); ++i) {
    const SiteResult& x = r.sites[i];
    const TcoSiteResult t = i < r.tco.sites.size() ? r.tco.sites[i] : TcoSiteResult{};
    out += fmt::format("{},{},{},{},{},{},{},{},{},{},{},{}\n", csv_field(x.name), csv_field(x.region), x.kind, x.gpus,
                       num(x.gpu_hours_busy), num(x.utilisation), num(x.energy_kwh), num(x.cost), num(x.carbon_kg),
                       num(t.capex_amortised), num(t.staff_maintenance), num(t.total));
  }
  return out;
}

std::string wan_csv(const SimulationResult& r) {
  std::string out = "from,to,bandwidth,bytes,peak_utilisation\n";
  for (const WanLinkResult& w : r.wan_links)
    out += fmt::format("{},{},{},{},{}\n", csv_field(w.from), csv_field(w.to), num(w.bandwidth), num(w.bytes),
                       num(w.peak_utilisation));
  return out;
}

std::string inference_csv(const SimulationResult& r) {
  std::string out = "service,region,requests,completed,dropped,in_flight,throughput_rps,ttft_mean_s,ttft_p50_s,"
                    "ttft_p90_s,ttft_p99_s,tpot_p50_s,tpot_p90_s,tpot_p99_s,e2e_mean_s,e2e_p50_s,e2e_p90_s,e2e_p99_s,"
                    "slo_attainment\n";
  for (const InferenceRegionResult& g : r.inference)
    out += fmt::format("{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{}\n", csv_field(g.service),
                       csv_field(g.region), g.requests, g.completed, g.dropped, g.in_flight, num(g.throughput_rps),
                       num(g.ttft_mean), num(g.ttft_p50), num(g.ttft_p90), num(g.ttft_p99), num(g.tpot_p50),
                       num(g.tpot_p90), num(g.tpot_p99), num(g.e2e_mean), num(g.e2e_p50), num(g.e2e_p90),
                       num(g.e2e_p99), num(g.slo_attainment));
  return out;
}

std::string tenants_csv(const SimulationResult& r) {
  std::string out = "tenant,services,requests,completed,dropped,slo_met,slo_attainment,ttft_p50_s,ttft_p99_s,e2e_p99_s,"
                    "gpu_hours\n";
  for (const TenantResult& t : r.tenants)
    out += fmt::format("{},{},{},{},{},{},{},{},{},{},{}\n", csv_field(t.tenant), csv_field(t.services), t.requests,
                       t.completed, t.dropped, t.slo_met, num(t.slo_attainment), num(t.ttft_p50), num(t.ttft_p99),
                       num(t.e2e_p99), num(t.gpu_hours));
  return out;
}

std::string training_preemptions_csv(const SimulationResult& r) {
  std::string out = "time_s,service,site,job,gpus,lost_work_s,restart_s,gpu_hours\n";
  for (const TrainingPreemption& x : r.training_preemptions)
    out += fmt::format("{},{},{},{},{},{},{},{}\n", time_cell(x.time_s), csv_field(x.service), csv_field(x.site),
                       csv_field(x.job), x.gpus, time_cell(x.lost_work_s), time_cell(x.restart_s), num(x.gpu_hours));
  return out;
}

std::string latency_cdf_csv(const SimulationResult& r) {
  std::string out = "service,region,metric,quantile,seconds\n";
  for (const InferenceRegionResult& g : r.inference)
    for (int q = 1; q <= static_cast<int>(g.ttft_cdf.size()); ++q) {
      out += fmt::format("{},{},ttft,{},{}\n", csv_field(g.service), csv_field(g.region), q / 100.0,
                         num(g.ttft_cdf[q - 1]));
      if (static_cast<std::size_t>(q) <= g.tpot_cdf.size())
        out += fmt::format("{},{},tpot,{},{}\n", csv_field(g.service), csv_field(g.region), q / 100.0,
                           num(g.tpot_cdf[q - 1]));
      out += fmt::format("{},{},e2e,{},{}\n", csv_field(g.service), csv_field(g.region), q / 100.0,
                         num(g.e2e_cdf[q - 1]));
    }
  return out;
}

std::string site_energy_csv(const SimulationResult& r) {
  std::string out = "site,start_s,end_s,busy_gpu_hours,energy_kwh,power_cost,tco,carbon_kg\n";
  for (const SiteEnergyBin& b : r.site_energy)
    out += fmt::format("{},{},{},{},{},{},{},{}\n", csv_field(b.site < r.sites.size() ? r.sites[b.site].name : ""),
                       num(b.start_s), num(b.end_s), num(b.busy_gpu_hours), num(b.energy_kwh), num(b.power_cost),
                       num(b.tco), num(b.carbon_kg));
  return out;
}

std::string failures_csv(const SimulationResult& r) {
  // servers: how many it took down; server_ids: which, when at most 4 (docs/results.md).
  std::string out = "time_s,component,site,cluster,servers,server_ids,affected_jobs,downtime_s\n";
  for (const FailureRow& f : r.failures)
    out += fmt::format("{},{},{},{},{},{},{},{}\n", time_cell(f.time_s), csv_field(f.component), csv_field(f.site),
                       csv_field(f.cluster), f.server_count, csv_field(f.servers), csv_field(f.affected_jobs),
                       time_cell(f.downtime_s));
  return out;
}

std::string cross_site_csv(const SimulationResult& r) {
  std::string out =
      "job,site,cluster,mode,inner_steps,compression,gpus,exchanges,wan_bytes,cross_site_sync_s,waiting_s,"
      "compute_utilisation,effective_tokens_per_s\n";
  for (const CrossSiteRow& c : r.cross_site)
    out += fmt::format("{},{},{},{},{},{},{},{},{:.6g},{},{},{:.4f},{:.6g}\n", csv_field(c.job), csv_field(c.site),
                       csv_field(c.cluster), c.mode, c.inner_steps, c.compression, c.gpus, c.exchanges, c.wan_bytes,
                       time_cell(c.cross_site_sync_s), time_cell(c.waiting_s), c.compute_utilisation,
                       c.effective_tokens_per_s);
  return out;
}

std::string run_info_json(const SimulationResult& r, double wall_time_s, const std::string& scenario_source) {
  ordered_json j;
  j["scenario"] = r.scenario;
  j["scenario_source"] = scenario_source;
  j["seed"] = r.seed;
  j["rcnsim_version"] = r.version;
  j["wall_time_s"] = wall_time_s;
  j["simulated_per_wall_second"] = wall_time_s > 0 ? r.simulated_end_s / wall_time_s : 0.0;
  return j.dump(2) + "\n";
}

}  // namespace rcn
