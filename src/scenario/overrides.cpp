#include "src/scenario/overrides.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <vector>

namespace rcn {
namespace {

struct Step {
  std::string key;     // map key or list element name
  long index = -1;     // list index when given as [i]
};

bool split_path(const std::string& path, std::vector<Step>& steps) {
  std::size_t i = 0;
  while (i < path.size()) {
    if (path[i] == '[') {
      std::size_t close = path.find(']', i);
      if (close == std::string::npos || close == i + 1) return false;
      try {
        steps.push_back({"", std::stol(path.substr(i + 1, close - i - 1))});
      } catch (...) {
        return false;
      }
      i = close + 1;
      if (i < path.size() && path[i] == '.') ++i;
      continue;
    }
    std::size_t end = path.find_first_of(".[", i);
    if (end == std::string::npos) end = path.size();
    if (end == i) return false;
    steps.push_back({path.substr(i, end - i), -1});
    i = end;
    if (i < path.size() && path[i] == '.') ++i;
  }
  return !steps.empty();
}

}  // namespace

void apply_override(YAML::Node& root, const std::string& text, std::map<std::string, std::string>& applied,
                    Diagnostics& diags) {
  // The text as messages show it: one line even when the value spans several.
  const std::string shown = quote_input(text, 200);
  const SourceLoc where{"--set " + shown, 0, 0};
  const std::size_t eq = text.find('=');
  if (eq == std::string::npos || eq == 0) {
    diags.error(where, "", "expected path=value, for example sites[0].clusters[0].servers=64");
    return;
  }
  const std::string path = text.substr(0, eq);
  const std::string value_text = text.substr(eq + 1);
  std::vector<Step> steps;
  const bool one_line = std::none_of(path.begin(), path.end(), [](char c) { return static_cast<unsigned char>(c) < 0x20; });
  if (!one_line || !split_path(path, steps)) {
    diags.error(where, quote_input(path, 200), "malformed path (use keys joined by '.', and [index] or a name for list elements)");
    return;
  }
  YAML::Node value;
  try {
    value = YAML::Load(value_text);
  } catch (const YAML::Exception& e) {
    diags.error(where, path, fmt::format("value is not valid YAML: {}", e.msg));
    return;
  }
  YAML::Node cur = root;
  std::string canonical;
  for (std::size_t s = 0; s < steps.size(); ++s) {
    const bool last = s + 1 == steps.size();
    const Step& st = steps[s];
    if (cur.IsSequence()) {
      long idx = st.index;
      if (idx < 0) {  // find the element by name
        const YAML::Node list = cur;  // const access never inserts keys
        for (std::size_t i = 0; i < list.size(); ++i) {
          const YAML::Node el = list[i];
          if (el.IsMap() && el["name"] && el["name"].IsScalar() && el["name"].Scalar() == st.key)
            idx = static_cast<long>(i);
        }
        if (idx < 0) {
          diags.error(where, canonical, fmt::format("no element named \"{}\" in this list", st.key));
          return;
        }
      }
      if (idx >= static_cast<long>(cur.size())) {
        diags.error(where, canonical, fmt::format("index {} is past the end of a list of {}", idx, cur.size()));
        return;
      }
      canonical += fmt::format("[{}]", idx);
      if (last) {
        cur[static_cast<std::size_t>(idx)] = value;
      } else {
        YAML::Node next = cur[static_cast<std::size_t>(idx)];
        cur.reset(next);
      }
    } else {
      if (st.index >= 0) {
        diags.error(where, canonical, "not a list, cannot index it");
        return;
      }
      if (!cur.IsMap() && !cur.IsNull()) {
        diags.error(where, canonical, "not a mapping, cannot set a key in it");
        return;
      }
      canonical += canonical.empty() ? st.key : "." + st.key;
      if (last) {
        cur[st.key] = value;
      } else {
        if (!cur[st.key]) cur[st.key] = YAML::Node(YAML::NodeType::Map);
        YAML::Node next = cur[st.key];
        cur.reset(next);
      }
    }
  }
  applied[canonical] = shown;
}

}  // namespace rcn
