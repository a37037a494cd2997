#include "rcn/scenario/diagnostics.hpp"

#include <algorithm>
#include <map>
#include <tuple>
#include <fmt/format.h>

namespace rcn {

std::string SourceLoc::str() const {
  if (line <= 0) return file;
  return fmt::format("{}:{}:{}", file, line, col);
}

std::string Diagnostic::str() const {
  const char* sev = severity == Severity::Error ? "error" : "warning";
  std::string s = path.empty() ? fmt::format("{}: {}: {}", loc.str(), sev, message)
                               : fmt::format("{}: {}: {}: {}", loc.str(), sev, path, message);
  // One line whatever a message quotes (a name holding "\r" found by fuzz_scenario_loader).
  for (char& c : s)
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = '?';
  return s;
}

void Diagnostics::error(const SourceLoc& loc, std::string path, std::string message) {
  items_.push_back({Diagnostic::Severity::Error, loc, std::move(path), std::move(message)});
}

void Diagnostics::warning(const SourceLoc& loc, std::string path, std::string message) {
  items_.push_back({Diagnostic::Severity::Warning, loc, std::move(path), std::move(message)});
}

std::vector<std::string> Diagnostics::lines() const {
  std::vector<std::string> out;
  std::vector<std::size_t> times;
  std::map<std::string, std::size_t> seen;  // line -> its index in out
  for (const Diagnostic& d : items_) {
    const std::string line = d.str();
    const auto [it, added] = seen.emplace(line, out.size());
    if (added) {
      out.push_back(line);
      times.push_back(1);
    } else {
      ++times[it->second];
    }
  }
  for (std::size_t i = 0; i < out.size(); ++i)
    if (times[i] > 1) out[i] += fmt::format(" (x{})", times[i]);
  return out;
}

bool Diagnostics::has_errors() const { return error_count() > 0; }

std::size_t Diagnostics::error_count() const {
  return static_cast<std::size_t>(std::count_if(items_.begin(), items_.end(), [](const Diagnostic& d) {
    return d.severity == Diagnostic::Severity::Error;
  }));
}

void Diagnostics::append(const Diagnostics& other) {
  items_.insert(items_.end(), other.items_.begin(), other.items_.end());
}

void Diagnostics::sort_by_location() {
  std::map<std::string, std::size_t> file_rank;  // by first appearance
  for (const Diagnostic& d : items_) file_rank.emplace(d.loc.file, file_rank.size());
  std::stable_sort(items_.begin(), items_.end(), [&](const Diagnostic& a, const Diagnostic& b) {
    return std::make_tuple(file_rank.at(a.loc.file), a.loc.line, a.loc.col) <
           std::make_tuple(file_rank.at(b.loc.file), b.loc.line, b.loc.col);
  });
}

namespace {
std::size_t edit_distance(const std::string& a, const std::string& b) {
  std::vector<std::size_t> prev(b.size() + 1), cur(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      std::size_t sub = prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, sub});
    }
    std::swap(prev, cur);
  }
  return prev[b.size()];
}
}  // namespace

std::string closest_match(const std::string& word, const std::vector<std::string>& candidates) {
  std::string best;
  std::size_t best_d = std::string::npos;
  for (const auto& c : candidates) {
    std::size_t d = edit_distance(word, c);
    if (d < best_d) {
      best_d = d;
      best = c;
    }
  }
  // A typo is a few edits away relative to the word's length.
  std::size_t limit = std::max<std::size_t>(2, word.size() / 3);
  return best_d <= limit ? best : std::string();
}

std::string quote_input(std::string_view text, std::size_t max_chars) {
  std::string out;
  std::size_t shown = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (shown == max_chars) {
      out += "...";
      break;
    }
    const unsigned char c = static_cast<unsigned char>(text[i]);
    out += (c < 0x20 || c == 0x7f) ? '?' : static_cast<char>(c);
    // A UTF-8 continuation byte does not start a new character.
    if ((c & 0xC0) != 0x80) ++shown;
  }
  return out;
}

}  // namespace rcn
