#include "rcn/report/trace_json.hpp"

#include <fmt/format.h>

#include <map>
#include <nlohmann/json.hpp>

namespace rcn {

using ordered_json = nlohmann::ordered_json;

namespace {

double us(double s) { return s * 1e6; }

ordered_json meta(const char* what, int pid, int tid, const std::string& name) {
  ordered_json e;
  e["name"] = what;
  e["ph"] = "M";
  e["pid"] = pid;
  if (tid >= 0) e["tid"] = tid;
  e["args"] = {{"name", name}};
  return e;
}

}  // namespace

std::string trace_json(const SimulationResult& r) {
  ordered_json events = ordered_json::array();
  // pid 0: the scheduler queue; 1..n: sites; n + 1: the WAN.
  std::map<std::string, int> site_pid;
  events.push_back(meta("process_name", 0, -1, "scheduler queue"));
  for (std::size_t i = 0; i < r.sites.size(); ++i) {
    site_pid[r.sites[i].name] = static_cast<int>(i) + 1;
    events.push_back(meta("process_name", static_cast<int>(i) + 1, -1, "site " + r.sites[i].name));
  }
  const int wan_pid = static_cast<int>(r.sites.size()) + 1;
  events.push_back(meta("process_name", wan_pid, -1, "WAN"));
  for (std::size_t j = 0; j < r.jobs.size(); ++j) {
    const JobResult& job = r.jobs[j];
    const int tid = static_cast<int>(j) + 1;
    events.push_back(meta("thread_name", 0, tid, "job " + job.name));
    for (const auto& [name, pid] : site_pid) events.push_back(meta("thread_name", pid, tid, "job " + job.name));
    for (const TimelineSpan& s : job.timeline) {
      ordered_json e;
      e["name"] = s.state;
      e["cat"] = "job";
      e["ph"] = "X";
      e["ts"] = us(s.start);
      e["dur"] = us(s.end - s.start);
      e["pid"] = s.site.empty() ? 0 : site_pid.at(s.site);
      e["tid"] = tid;
      e["args"] = {{"job", job.name}, {"start_s", s.start}, {"end_s", s.end}};
      events.push_back(e);
    }
  }
  for (const FailureRow& f : r.failures) {
    ordered_json e;
    e["name"] = "failure: " + f.component;
    e["cat"] = "failure";
    e["ph"] = "i";
    e["s"] = "p";
    e["ts"] = us(f.time_s);
    auto it = site_pid.find(f.site);
    e["pid"] = it == site_pid.end() ? wan_pid : it->second;
    e["tid"] = 0;
    e["args"] = {{"cluster", f.cluster}, {"servers", f.server_count}, {"server_ids", f.servers}, {"jobs", f.affected_jobs},
                 {"downtime_s", f.downtime_s}};
    events.push_back(e);
  }
  for (const UtilisationPoint& u : r.utilisation) {
    ordered_json e;
    e["name"] = "busy GPUs";
    e["ph"] = "C";
    e["ts"] = us(u.time_s);
    e["pid"] = static_cast<int>(u.site) + 1;
    e["args"] = {{"busy", u.busy_gpus}};
    events.push_back(e);
  }
  for (const InferenceLoadPoint& l : r.inference_load) {
    ordered_json e;
    e["name"] = fmt::format("inference {} replica {}", l.service, l.replica);
    e["ph"] = "C";
    e["ts"] = us(l.time_s);
    auto it = site_pid.find(l.site);
    e["pid"] = it == site_pid.end() ? 0 : it->second;
    e["args"] = {{"requests", l.in_system}};
    events.push_back(e);
  }
  int wan_tid = 1;
  std::map<std::string, int> link_tid;
  for (const WanTransfer& w : r.wan_transfers) {
    const std::string link = w.from + " -> " + w.to;
    if (!link_tid.count(link)) {
      link_tid[link] = wan_tid;
      events.push_back(meta("thread_name", wan_pid, wan_tid++, link));
    }
    ordered_json e;
    e["name"] = w.what;
    e["cat"] = "wan";
    e["ph"] = "X";
    e["ts"] = us(w.start_s);
    e["dur"] = us(w.end_s - w.start_s);
    e["pid"] = wan_pid;
    e["tid"] = link_tid[link];
    e["args"] = {{"bytes", w.bytes}};
    events.push_back(e);
  }
  ordered_json doc;
  doc["traceEvents"] = events;
  doc["displayTimeUnit"] = "ms";
  doc["otherData"] = {{"scenario", r.scenario}, {"seed", r.seed}, {"rcnsim_version", r.version}};
  return doc.dump() + "\n";
}

std::string utilisation_csv(const SimulationResult& r) {
  std::string out = "time_s,site,busy_gpus,utilisation\n";
  for (const UtilisationPoint& u : r.utilisation) {
    const SiteResult& s = r.sites[u.site];
    out += fmt::format("{},{},{},{}\n", u.time_s, s.name, u.busy_gpus,
                       s.gpus > 0 ? static_cast<double>(u.busy_gpus) / s.gpus : 0.0);
  }
  return out;
}

}  // namespace rcn
