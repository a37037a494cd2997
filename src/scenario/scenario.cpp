#include "rcn/scenario/scenario.hpp"

#include "rcn/scenario/embedded_files.hpp"
#include "rcn/scenario/loader.hpp"

namespace rcn {

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
