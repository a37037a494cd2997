#include "rcn/scenario/scenario.hpp"

#include <cmath>

#include "rcn/scenario/embedded_files.hpp"
#include "rcn/scenario/loader.hpp"

namespace rcn {

namespace {
double hourly(const std::vector<double>& by_hour, double flat, double t) {
  if (by_hour.size() != 24) return flat;
  const auto hour = static_cast<std::size_t>(std::fmod(t, 86400.0) / 3600.0) % 24;
  return by_hour[hour];
}
}  // namespace

double PowerSpec::price_at(double t) const { return hourly(price_by_hour, price_per_kwh, t); }
double PowerSpec::carbon_at(double t) const { return hourly(carbon_by_hour, carbon_g_per_kwh, t); }

int SiteSpec::gpus() const {
  int n = 0;
  for (const auto& c : clusters) n += c.gpus();
  return n;
}

const SiteSpec* Scenario::find_site(const std::string& n) const {
  for (const auto& s : sites)
    if (s.name == n) return &s;
  return nullptr;
}

const ModelSpec* Scenario::find_model(const std::string& n) const {
  for (const auto& m : models)
    if (m.name == n) return &m;
  return nullptr;
}

const HardwareProfile* Scenario::find_profile(const std::string& n) const {
  auto it = hardware.find(n);
  return it == hardware.end() ? nullptr : &it->second;
}

int Scenario::total_gpus() const {
  int n = 0;
  for (const auto& s : sites) n += s.gpus();
  return n;
}

std::optional<ClusterTarget> resolve_cluster_target(const Scenario& s, const std::string& target) {
  const auto a = target.find('/');
  const auto b = a == std::string::npos ? a : target.find('/', a + 1);
  if (b == std::string::npos) return std::nullopt;
  const std::string site = target.substr(0, a), cluster = target.substr(a + 1, b - a - 1);
  for (std::size_t si = 0; si < s.sites.size(); ++si) {
    if (s.sites[si].name != site) continue;
    for (std::size_t ci = 0; ci < s.sites[si].clusters.size(); ++ci)
      if (s.sites[si].clusters[ci].name == cluster) return ClusterTarget{si, ci, target.substr(b + 1)};
  }
  return std::nullopt;
}

std::optional<ServerRef> resolve_server(const Scenario& s, const std::string& target) {
  const auto t = resolve_cluster_target(s, target);
  if (!t || t->rest.size() < 2 || t->rest[0] != 's') return std::nullopt;
  const std::string idx = t->rest.substr(1);
  if (idx.find_first_not_of("0123456789") != std::string::npos || idx.size() > 9) return std::nullopt;
  const int n = std::stoi(idx);
  if (n >= s.sites[t->site].clusters[t->cluster].servers) return std::nullopt;
  return ServerRef{t->site, t->cluster, n};
}

ServingEngineSpec serving_engine_preset(const std::string& name) {
  ServingEngineSpec e;
  if (name == "vllm-0.5") {
    e.name = name;
    // vLLM RFC #6854 (July 2024, Llama 3 8B): Nsight traces of single-step decoding show about
    // 4 ms of GPU idle on every iteration (sampled-token copy to the CPU, pythonising outputs,
    // preparing the next inputs, the scheduler).
    e.host_overhead = 4e-3;
  } else if (name == "sglang" || name == "trtllm") {
    e.name = name;
    e.overlapped = true;  // overlap schedulers: the next batch is prepared while the GPU runs
  }
  return e;
}

const char* to_string(Fidelity f) { return f == Fidelity::Flow ? "flow" : "analytic"; }
const char* to_string(SiteKind k) { return k == SiteKind::Center ? "center" : "node"; }

const std::string& embedded_file(const std::string& repo_path) {
  static const std::string empty;
  for (const auto& [path, text] : embedded_files())
    if (path == repo_path) return text;
  return empty;
}

const std::string& embedded_default_scenario() { return embedded_file("scenarios/default.yaml"); }

}  // namespace rcn
