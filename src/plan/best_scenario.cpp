#include "rcn/plan/best_scenario.hpp"

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include <filesystem>
#include <map>

#include "rcn/scenario/file_reference.hpp"
#include "rcn/scenario/input_limits.hpp"
#include "src/scenario/overrides.hpp"

namespace rcn {

namespace {

// Every key through which the loader (src/scenario/loader.cpp) reads a file:
// hardware[i], workloads.training_trace (a path, or the mapping form's file)
// and workloads.inference[i].arrivals.trace. Each scalar file reference at `node`: copied once (the same reference twice
// shares one copy) and rewritten to the copy's name.
class ReferenceCopier {
 public:
  ReferenceCopier(const FileReferences& refs, std::string dir, BestScenario& out, Diagnostics& diags)
      : refs_(refs), dir_(std::move(dir)), out_(out), diags_(diags) {}

  void rewrite(YAML::Node node, const std::string& path) {
    if (!node.IsDefined() || !node.IsScalar()) return;
    const std::string ref = node.Scalar();
    auto it = copies_.find(ref);
    if (it == copies_.end()) {
      std::string why;
      const auto text = refs_.read(ref, limits::kMaxInputFileBytes, why);
      if (!text) {
        diags_.error(SourceLoc{"best.yaml", 0, 0}, path, fmt::format("\"{}\": {}", quote_input(ref), why));
        return;
      }
      const std::string name =
          fmt::format("{}/{}-{}", dir_, copies_.size() + 1, std::filesystem::path(ref).filename().string());
      out_.files.emplace_back(name, *text);
      it = copies_.emplace(ref, name).first;
    }
    node = it->second;
  }

 private:
  const FileReferences& refs_;
  std::string dir_;
  BestScenario& out_;
  Diagnostics& diags_;
  std::map<std::string, std::string> copies_;
};

}  // namespace

BestScenario best_scenario(const std::string& base_path, const std::vector<std::string>& allow_paths,
                           const std::vector<std::pair<std::string, std::string>>& sets, std::uint64_t seed,
                           const std::string& files_dir, Diagnostics& diags) {
  BestScenario out;
  std::string why;
  const auto text = read_regular_file(base_path, limits::kMaxInputFileBytes, why);
  if (!text) {
    diags.error(SourceLoc{quote_input(base_path, 200), 0, 0}, "", "cannot read the base scenario: " + why);
    return out;
  }
  YAML::Node root;
  try {
    root = YAML::Load(*text);
  } catch (const YAML::Exception& e) {
    diags.error(SourceLoc{base_path, e.mark.line + 1, e.mark.column + 1}, "", fmt::format("YAML syntax error: {}", e.msg));
    return out;
  }
  if (!root.IsMap()) {
    diags.error(SourceLoc{base_path, 1, 1}, "", "expected a scenario mapping");
    return out;
  }
  std::map<std::string, std::string> applied;
  for (const auto& [path, value] : sets) apply_override(root, path + "=" + value, applied, diags);
  if (diags.has_errors()) return out;
  root["seed"] = seed;

  const std::string dir = std::filesystem::path(base_path).parent_path().string();
  const FileReferences refs(dir.empty() ? "." : dir, allow_paths);
  ReferenceCopier copier(refs, files_dir, out, diags);
  if (YAML::Node hw = root["hardware"]; hw.IsSequence())
    for (std::size_t i = 0; i < hw.size(); ++i) copier.rewrite(hw[i], fmt::format("hardware[{}]", i));
  if (YAML::Node w = root["workloads"]; w.IsMap()) {
    // Both forms the loader accepts: a CSV trace's path, or {file: x.swf, format: swf, ...}.
    if (YAML::Node t = w["training_trace"]; t.IsMap()) copier.rewrite(t["file"], "workloads.training_trace.file");
    else copier.rewrite(t, "workloads.training_trace");
    if (YAML::Node inf = w["inference"]; inf.IsSequence())
      for (std::size_t i = 0; i < inf.size(); ++i)
        if (inf[i].IsMap() && inf[i]["arrivals"].IsMap())
          copier.rewrite(inf[i]["arrivals"]["trace"], fmt::format("workloads.inference[{}].arrivals.trace", i));
  }
  YAML::Emitter e;
  e << root;
  out.yaml = std::string(e.c_str()) + "\n";
  return out;
}

}  // namespace rcn
