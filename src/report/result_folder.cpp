#include "rcn/report/result_folder.hpp"

#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <map>

#include "rcn/scenario/file_reference.hpp"

namespace rcn {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;

// Any number in a results file: finite and no larger than this (seconds of a
// 1000-year horizon, bytes, money and GPU-hours are all far below).
constexpr double kMaxMagnitude = 1e24;

class Reader {
 public:
  explicit Reader(std::string dir) : dir_(std::move(dir)) {}

  [[noreturn]] void fail(const std::string& file, const std::string& what) const {
    throw ResultFolderError{fmt::format("{}: {}: {}", dir_, file, what)};
  }

  // The file's text, or nothing when it is absent and optional.
  std::optional<std::string> read(const std::string& file, bool required) const {
    const fs::path p = fs::path(dir_) / file;
    std::error_code ec;
    if (!fs::exists(fs::symlink_status(p, ec))) {
      if (required) fail(file, "missing (is this a folder written by rcnsim run?)");
      return std::nullopt;
    }
    if (fs::is_symlink(fs::symlink_status(p, ec))) fail(file, "is a symbolic link; rcnsim writes plain files");
    std::string why;
    auto text = read_regular_file(p.string(), kMaxResultFileBytes, why);
    if (!text) fail(file, why.empty() ? "cannot be read" : why);
    return text;
  }

  double number(const json& o, const char* key, const std::string& where, bool optional = false) const {
    const auto it = o.find(key);
    if (it == o.end() || it->is_null()) {
      if (optional) return -1;
      fail("summary.json", fmt::format("{}.{}: missing", where, key));
    }
    if (!it->is_number()) fail("summary.json", fmt::format("{}.{}: expected a number", where, key));
    const double v = it->get<double>();
    if (!std::isfinite(v) || std::fabs(v) > kMaxMagnitude)
      fail("summary.json", fmt::format("{}.{}: out of range", where, key));
    return v;
  }
  long whole(const json& o, const char* key, const std::string& where) const {
    const double v = number(o, key, where);
    if (v < 0 || v > 1e15 || v != std::floor(v)) fail("summary.json", fmt::format("{}.{}: expected a whole number", where, key));
    return static_cast<long>(v);
  }
  // A count stored in an int (GPUs, replicas, interruptions): at most a billion.
  int count(const json& o, const char* key, const std::string& where) const {
    const long v = whole(o, key, where);
    if (v > 1'000'000'000L) fail("summary.json", fmt::format("{}.{}: out of range", where, key));
    return static_cast<int>(v);
  }
  std::string text(const json& o, const char* key, const std::string& where) const {
    const auto it = o.find(key);
    if (it == o.end() || !it->is_string()) fail("summary.json", fmt::format("{}.{}: expected a string", where, key));
    std::string s = it->get<std::string>();
    if (s.size() > 4096) fail("summary.json", fmt::format("{}.{}: longer than 4096 characters", where, key));
    return s;
  }
  const json& array(const json& o, const char* key, const std::string& where, bool optional = false) const {
    static const json empty = json::array();
    const auto it = o.find(key);
    if (it == o.end() && optional) return empty;
    if (it == o.end() || !it->is_array()) fail("summary.json", fmt::format("{}.{}: expected a list", where, key));
    if (it->size() > kMaxResultRows) fail("summary.json", fmt::format("{}.{}: more than {} entries", where, key, kMaxResultRows));
    return *it;
  }
  // One element of a list, labelled `at` ("jobs[3]") in the error.
  void expect_object(const json& x, const std::string& at) const {
    if (!x.is_object()) fail("summary.json", at + ": expected an object");
  }
  const json& object(const json& o, const char* key, const std::string& where) const {
    const auto it = o.find(key);
    if (it == o.end() || !it->is_object()) fail("summary.json", fmt::format("{}.{}: expected an object", where, key));
    return *it;
  }

  // RFC 4180 fields of a CSV rcnsim wrote (csv_field quotes a name with , " or a line break).
  std::vector<std::vector<std::string>> csv(const std::string& file, const std::string& text,
                                            const std::vector<std::string>& header) const {
    std::vector<std::vector<std::string>> rows;
    std::vector<std::string> row;
    std::string field;
    bool quoted = false, was_quoted = false;
    std::size_t line = 1;
    auto end_row = [&] {
      row.push_back(field);
      field.clear();
      if (rows.empty()) {
        if (row != header) fail(file, "line 1: not the header rcnsim writes");
      } else if (row.size() != header.size()) {
        fail(file, fmt::format("line {}: {} fields, expected {}", line, row.size(), header.size()));
      }
      rows.push_back(std::move(row));
      row.clear();
      if (rows.size() > kMaxResultRows + 1) fail(file, fmt::format("more than {} rows", kMaxResultRows));
    };
    for (std::size_t i = 0; i < text.size(); ++i) {
      const char c = text[i];
      if (quoted) {
        if (c == '"' && i + 1 < text.size() && text[i + 1] == '"') field += '"', ++i;
        else if (c == '"') quoted = false;
        else field += c, line += c == '\n';
      } else if (c == '"' && field.empty() && !was_quoted) {
        quoted = was_quoted = true;
      } else if (c == ',') {
        row.push_back(field), field.clear(), was_quoted = false;
      } else if (c == '\n') {
        end_row(), was_quoted = false, ++line;
      } else if (c != '\r') {
        field += c;
      }
    }
    if (quoted) fail(file, fmt::format("line {}: unterminated quoted field", line));
    if (!field.empty() || !row.empty()) end_row();
    if (rows.empty()) fail(file, "empty (no header)");
    rows.erase(rows.begin());
    return rows;
  }

  double csv_number(const std::string& file, std::size_t row, const std::string& s, bool optional = false) const {
    if (s.empty() && optional) return 0;
    std::size_t used = 0;
    double v = 0;
    try {
      v = std::stod(s, &used);
    } catch (const std::exception&) {
      used = 0;
    }
    if (used == 0 || used != s.size() || !std::isfinite(v) || std::fabs(v) > kMaxMagnitude)
      fail(file, fmt::format("line {}: expected a number", row + 2));
    return v;
  }

 private:
  std::string dir_;
};

void read_jobs(const Reader& rd, const json& summary, SimulationResult& r) {
  for (const json& x : rd.array(summary, "jobs", "")) {
    const std::string at = fmt::format("jobs[{}]", r.jobs.size());
    rd.expect_object(x, at);
    JobResult j;
    j.name = rd.text(x, "name", at);
    j.model = rd.text(x, "model", at);
    const std::string state = rd.text(x, "state", at);
    bool known = false;
    for (JobState s : {JobState::Finished, JobState::Running, JobState::Queued, JobState::NotSubmitted,
                       JobState::Unschedulable})
      if (state == to_string(s)) j.state = s, known = true;
    if (!known) rd.fail("summary.json", at + ".state: not a job state");
    if (j.state == JobState::Unschedulable) j.unschedulable_reason = rd.text(x, "unschedulable_reason", at);
    j.site = rd.text(x, "site", at);
    j.gpus = rd.count(x, "gpus", at);
    j.submit_s = rd.number(x, "submit_s", at);
    j.start_s = rd.number(x, "start_s", at, true);
    j.end_s = rd.number(x, "end_s", at, true);
    j.queue_wait_s = std::max(0.0, rd.number(x, "queue_wait_s", at, true));
    j.step_time_s = rd.number(x, "step_time_s", at);
    j.steps = rd.number(x, "steps", at);
    j.mfu = rd.number(x, "mfu", at);
    j.time_to_train_s = std::max(0.0, rd.number(x, "time_to_train_s", at, true));
    j.ideal_time_to_train_s = rd.number(x, "ideal_time_to_train_s", at);
    j.goodput = rd.number(x, "goodput", at, true);
    j.interruptions = rd.count(x, "interruptions", at);
    j.lost_work_s = rd.number(x, "lost_work_s", at);
    j.restart_overhead_s = rd.number(x, "restart_overhead_s", at);
    j.checkpoint_overhead_s = rd.number(x, "checkpoint_overhead_s", at);
    j.checkpoints = rd.count(x, "checkpoints", at);
    j.progress = rd.number(x, "progress", at);
    j.gpu_hours = rd.number(x, "gpu_hours", at);
    j.cost = rd.number(x, "cost", at);
    if (auto it = x.find("interruptions_by_cause"); it != x.end() && it->is_object())
      for (auto c = it->begin(); c != it->end(); ++c)
        if (c->is_number_integer() && c.key().size() <= 256 && c->get<std::int64_t>() >= 0 && c->get<std::int64_t>() <= 1'000'000'000)
          j.interruptions_by_cause[c.key()] = static_cast<int>(c->get<std::int64_t>());
    if (auto it = x.find("step"); it != x.end() && it->is_object()) {
      const json& step = *it;
      const std::string sat = at + ".step";
      TrainingStep st;
      st.step_time_s = rd.number(step, "step_time_s", sat);
      const json& b = rd.object(step, "breakdown", sat);
      const std::string bat = sat + ".breakdown";
      st.forward_s = rd.number(b, "forward_s", bat);
      st.backward_s = rd.number(b, "backward_s", bat);
      st.recompute_s = rd.number(b, "recompute_s", bat);
      st.optimizer_s = rd.number(b, "optimizer_s", bat);
      st.tp_comm_s = rd.number(b, "tp_comm_s", bat);
      st.cp_comm_s = rd.number(b, "cp_comm_s", bat);
      st.pp_comm_s = rd.number(b, "pp_comm_s", bat);
      st.pp_bubble_s = rd.number(b, "pp_bubble_s", bat);
      st.dp_comm_exposed_s = rd.number(b, "dp_comm_exposed_s", bat);
      j.step_shape = std::make_shared<const TrainingStep>(st);
    }
    r.jobs.push_back(std::move(j));
  }
}

void read_sites_and_tco(const Reader& rd, const json& summary, SimulationResult& r) {
  for (const json& x : rd.array(summary, "sites", "")) {
    const std::string at = fmt::format("sites[{}]", r.sites.size());
    rd.expect_object(x, at);
    SiteResult s;
    s.name = rd.text(x, "name", at);
    s.region = rd.text(x, "region", at);
    s.kind = rd.text(x, "kind", at);
    s.gpus = rd.count(x, "gpus", at);
    s.gpu_hours_busy = rd.number(x, "gpu_hours_busy", at);
    s.utilisation = rd.number(x, "utilisation", at);
    s.energy_kwh = rd.number(x, "energy_kwh", at);
    s.cost = rd.number(x, "cost", at);
    s.carbon_kg = rd.number(x, "carbon_kg", at);
    r.sites.push_back(std::move(s));
  }
  for (const json& x : rd.array(summary, "wan", "", true)) {
    const std::string at = fmt::format("wan[{}]", r.wan_links.size());
    rd.expect_object(x, at);
    r.wan_links.push_back({rd.text(x, "from", at), rd.text(x, "to", at), rd.number(x, "bandwidth", at),
                           rd.number(x, "bytes", at), rd.number(x, "peak_utilisation", at)});
  }
  const json& t = rd.object(summary, "tco", "");
  TcoResult& c = r.tco;
  c.currency = rd.text(t, "currency", "tco");
  c.period_s = rd.number(t, "period_s", "tco");
  c.capex_amortised = rd.number(t, "capex_amortised", "tco");
  c.power = rd.number(t, "power", "tco");
  c.staff_maintenance = rd.number(t, "staff_maintenance", "tco");
  c.wan = rd.number(t, "wan", "tco");
  c.total = rd.number(t, "total", "tco");
  c.tokens_served = rd.number(t, "tokens_served", "tco");
  c.tokens_trained = rd.number(t, "tokens_trained", "tco");
  // null when there were no tokens: the cost per token does not exist.
  auto optional = [&](const char* key) -> std::optional<double> {
    const auto it = t.find(key);
    if (it == t.end() || it->is_null()) return std::nullopt;
    return rd.number(t, key, "tco");
  };
  c.per_million_tokens_served = optional("per_million_tokens_served");
  c.per_million_trained_tokens = optional("per_million_trained_tokens");
  for (const json& x : rd.array(t, "sites", "tco")) {
    const std::string at = fmt::format("tco.sites[{}]", c.sites.size());
    rd.expect_object(x, at);
    c.sites.push_back({rd.text(x, "name", at), rd.number(x, "capex_amortised", at), rd.number(x, "power", at),
                       rd.number(x, "staff_maintenance", at), rd.number(x, "total", at)});
  }
  for (const json& x : rd.array(t, "clusters", "tco")) {
    const std::string at = fmt::format("tco.clusters[{}]", c.clusters.size());
    rd.expect_object(x, at);
    TcoClusterResult k;
    k.site = rd.text(x, "site", at);
    k.cluster = rd.text(x, "cluster", at);
    k.gpu = rd.text(x, "gpu", at);
    k.gpus = rd.count(x, "gpus", at);
    k.capex = rd.number(x, "capex", at);
    k.gpu_hour_rate = rd.number(x, "gpu_hour_rate", at);
    c.clusters.push_back(std::move(k));
  }
  for (const json& x : rd.array(t, "notes", "tco"))
    if (x.is_string() && c.notes.size() < 100) c.notes.push_back(x.get<std::string>().substr(0, 4096));
}

void read_inference(const Reader& rd, const json& summary, SimulationResult& r) {
  for (const json& x : rd.array(summary, "inference", "", true)) {
    const std::string at = fmt::format("inference[{}]", r.services.size());
    rd.expect_object(x, at);
    InferenceServiceResult v;
    v.service = rd.text(x, "name", at);
    v.replicas = rd.count(x, "replicas", at);
    v.gpu_utilisation = rd.number(x, "gpu_utilisation", at);
    v.drop_reasons = rd.text(x, "drop_reasons", at);
    v.replicas_peak = rd.count(x, "replicas_peak", at);
    v.replica_hours = rd.number(x, "replica_hours", at);
    v.scale_ups = rd.count(x, "scale_ups", at);
    v.scale_downs = rd.count(x, "scale_downs", at);
    v.replica_failures = rd.count(x, "replica_failures", at);
    v.requests_retried = rd.whole(x, "requests_retried", at);
    v.cost = rd.number(x, "cost", at);
    if (const auto slo = x.find("slo_s"); slo != x.end() && slo->is_object()) {  // absent before the TPOT CDF
      auto positive = [&](const char* key) { return std::max(0.0, rd.number(*slo, key, at + ".slo_s", true)); };
      v.slo_ttft_s = positive("ttft"), v.slo_tpot_s = positive("tpot"), v.slo_e2e_s = positive("e2e");
    }
    std::size_t region_index = 0;  // within this service (r.inference holds every service's regions)
    for (const json& g : rd.array(x, "regions", at)) {
      const std::string gat = fmt::format("{}.regions[{}]", at, region_index++);
      rd.expect_object(g, gat);
      InferenceRegionResult q;
      q.service = v.service;
      q.region = rd.text(g, "region", gat);
      q.requests = rd.whole(g, "requests", gat);
      q.completed = rd.whole(g, "completed", gat);
      q.dropped = rd.whole(g, "dropped", gat);
      q.in_flight = rd.whole(g, "in_flight", gat);
      q.throughput_rps = rd.number(g, "throughput_rps", gat);
      const json& ttft = rd.object(g, "ttft_s", gat);
      const json& tpot = rd.object(g, "tpot_s", gat);
      const json& e2e = rd.object(g, "e2e_s", gat);
      q.ttft_p50 = rd.number(ttft, "p50", gat + ".ttft_s"), q.ttft_p90 = rd.number(ttft, "p90", gat + ".ttft_s");
      q.ttft_p99 = rd.number(ttft, "p99", gat + ".ttft_s");
      q.tpot_p50 = rd.number(tpot, "p50", gat + ".tpot_s"), q.tpot_p90 = rd.number(tpot, "p90", gat + ".tpot_s");
      q.tpot_p99 = rd.number(tpot, "p99", gat + ".tpot_s");
      q.e2e_p50 = rd.number(e2e, "p50", gat + ".e2e_s"), q.e2e_p90 = rd.number(e2e, "p90", gat + ".e2e_s");
      q.e2e_p99 = rd.number(e2e, "p99", gat + ".e2e_s");
      q.slo_attainment = rd.number(g, "slo_attainment", gat);
      r.inference.push_back(std::move(q));
    }
    r.services.push_back(std::move(v));
  }
  for (const json& x : rd.array(summary, "tenants", "", true)) {  // absent without tenants (and before them)
    const std::string at = fmt::format("tenants[{}]", r.tenants.size());
    rd.expect_object(x, at);
    TenantResult t;
    t.tenant = rd.text(x, "tenant", at);
    t.services = rd.text(x, "services", at);
    t.requests = rd.whole(x, "requests", at);
    t.completed = rd.whole(x, "completed", at);
    t.dropped = rd.whole(x, "dropped", at);
    t.slo_met = rd.whole(x, "slo_met", at);
    t.slo_attainment = rd.number(x, "slo_attainment", at);
    const json& ttft = rd.object(x, "ttft_s", at);
    t.ttft_p50 = rd.number(ttft, "p50", at + ".ttft_s"), t.ttft_p99 = rd.number(ttft, "p99", at + ".ttft_s");
    t.e2e_p99 = rd.number(x, "e2e_p99_s", at);
    t.gpu_hours = rd.number(x, "gpu_hours", at);
    r.tenants.push_back(std::move(t));
  }
}

void read_csvs(const Reader& rd, SimulationResult& r) {
  std::map<std::string, std::size_t> site_index;
  for (std::size_t i = 0; i < r.sites.size(); ++i) site_index.emplace(r.sites[i].name, i);
  if (auto text = rd.read("utilisation.csv", false)) {
    const auto rows = rd.csv("utilisation.csv", *text, {"time_s", "site", "busy_gpus", "utilisation"});
    for (std::size_t i = 0; i < rows.size(); ++i) {
      const auto it = site_index.find(rows[i][1]);
      if (it == site_index.end()) rd.fail("utilisation.csv", fmt::format("line {}: a site summary.json does not list", i + 2));
      const double busy = rd.csv_number("utilisation.csv", i, rows[i][2]);
      if (busy < 0 || busy > 1e9) rd.fail("utilisation.csv", fmt::format("line {}: busy_gpus out of range", i + 2));
      r.utilisation.push_back({rd.csv_number("utilisation.csv", i, rows[i][0]), it->second, static_cast<int>(busy)});
    }
  }
  if (auto text = rd.read("failures.csv", false)) {
    const auto rows = rd.csv("failures.csv", *text,
                             {"time_s", "component", "site", "cluster", "servers", "server_ids", "affected_jobs", "downtime_s"});
    for (std::size_t i = 0; i < rows.size(); ++i) {
      const double count = rd.csv_number("failures.csv", i, rows[i][4]);
      if (count < 0 || count > 1e9 || count != std::floor(count))
        rd.fail("failures.csv", fmt::format("line {}: servers is not a count", i + 2));
      r.failures.push_back({rd.csv_number("failures.csv", i, rows[i][0]), rows[i][1], rows[i][2], rows[i][3], rows[i][5],
                            rows[i][6], rd.csv_number("failures.csv", i, rows[i][7]), static_cast<int>(count)});
    }
  }
  if (auto text = rd.read("site_energy.csv", false)) {  // absent in folders written before it existed
    const auto rows = rd.csv("site_energy.csv", *text,
                             {"site", "start_s", "end_s", "busy_gpu_hours", "energy_kwh", "power_cost", "tco", "carbon_kg"});
    for (std::size_t i = 0; i < rows.size(); ++i) {
      const auto it = site_index.find(rows[i][0]);
      if (it == site_index.end()) rd.fail("site_energy.csv", fmt::format("line {}: a site summary.json does not list", i + 2));
      SiteEnergyBin b;
      b.site = it->second;
      double* fields[] = {&b.start_s, &b.end_s, &b.busy_gpu_hours, &b.energy_kwh, &b.power_cost, &b.tco, &b.carbon_kg};
      for (std::size_t k = 0; k < 7; ++k) *fields[k] = rd.csv_number("site_energy.csv", i, rows[i][k + 1]);
      if (b.start_s < 0 || b.end_s < b.start_s) rd.fail("site_energy.csv", fmt::format("line {}: a bin that ends before it starts", i + 2));
      r.site_energy.push_back(b);
    }
  }
  if (auto text = rd.read("latency_cdf.csv", false)) {
    const auto rows = rd.csv("latency_cdf.csv", *text, {"service", "region", "metric", "quantile", "seconds"});
    std::map<std::pair<std::string, std::string>, InferenceRegionResult*> regions;
    for (auto& g : r.inference) regions[{g.service, g.region}] = &g;
    for (std::size_t i = 0; i < rows.size(); ++i) {
      const auto it = regions.find({rows[i][0], rows[i][1]});
      if (it == regions.end()) rd.fail("latency_cdf.csv", fmt::format("line {}: a service region summary.json does not list", i + 2));
      const double q = rd.csv_number("latency_cdf.csv", i, rows[i][3]);
      const long k = std::lround(q * 100);
      if (k < 1 || k > 99 || std::fabs(q * 100 - k) > 1e-6) rd.fail("latency_cdf.csv", fmt::format("line {}: quantile not one of 0.01..0.99", i + 2));
      InferenceRegionResult& g = *it->second;
      std::vector<double>* cdf = rows[i][2] == "ttft"  ? &g.ttft_cdf
                                 : rows[i][2] == "tpot" ? &g.tpot_cdf
                                 : rows[i][2] == "e2e"  ? &g.e2e_cdf
                                                        : nullptr;
      if (!cdf) rd.fail("latency_cdf.csv", fmt::format("line {}: metric is not ttft, tpot or e2e", i + 2));
      cdf->resize(99, 0.0);
      (*cdf)[static_cast<std::size_t>(k - 1)] = rd.csv_number("latency_cdf.csv", i, rows[i][4]);
    }
  }
}

}  // namespace

SimulationResult read_result_folder(const std::string& dir) {
  Reader rd(dir);
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) throw ResultFolderError{dir + ": not a folder"};
  const std::string text = *rd.read("summary.json", true);
  const json summary = json::parse(text, nullptr, false);
  if (summary.is_discarded() || !summary.is_object()) rd.fail("summary.json", "not valid JSON (truncated or not rcnsim's?)");
  SimulationResult r;
  r.scenario = rd.text(summary, "scenario", "");
  if (auto it = summary.find("seed"); it != summary.end() && it->is_number_unsigned()) r.seed = it->get<std::uint64_t>();
  r.version = rd.text(summary, "rcnsim_version", "");
  r.fidelity = rd.text(summary, "fidelity", "");
  r.policy = rd.text(summary, "policy", "");
  r.horizon_s = rd.number(summary, "horizon_s", "");
  r.simulated_end_s = rd.number(summary, "simulated_end_s", "");
  if (r.simulated_end_s < 0) rd.fail("summary.json", "simulated_end_s: negative");
  read_jobs(rd, summary, r);
  read_sites_and_tco(rd, summary, r);
  read_inference(rd, summary, r);
  read_csvs(rd, r);
  return r;
}

std::vector<std::string> expand_run_folders(const std::string& arg) {
  std::error_code ec;
  if (!fs::is_directory(arg, ec)) throw ResultFolderError{arg + ": not a folder"};
  if (fs::exists(fs::path(arg) / "summary.json", ec)) return {arg};
  std::vector<std::string> runs;
  const fs::path sub = fs::path(arg) / "runs";
  if (fs::is_directory(sub, ec) && !fs::is_symlink(fs::symlink_status(sub, ec)))
    for (const auto& e : fs::directory_iterator(sub, ec)) {
      if (e.is_directory(ec) && !e.is_symlink(ec) && fs::exists(e.path() / "summary.json", ec)) runs.push_back(e.path().string());
      if (runs.size() > kMaxCompareRuns) break;
    }
  if (runs.empty())
    throw ResultFolderError{arg + ": holds no summary.json and no runs/*/summary.json (give run folders written by rcnsim run, or a sweep's folder)"};
  std::sort(runs.begin(), runs.end());
  return runs;
}

}  // namespace rcn
