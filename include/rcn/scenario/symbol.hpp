#pragma once
// A string from a small vocabulary (site, cluster, GPU and model names, layout
// keywords, span states, file paths), stored once per process. A copy is one
// pointer (8 bytes) instead of a 32-byte std::string plus, past 15 characters,
// a heap block: a million-job trace repeats a handful of such words in every job,
// every result and every timeline span (issue #17: 1,000,000 jobs in 2 GB).
//
// The table only grows, so never make a Symbol of a value that is unique per
// record (a job's name, a trace's user column): those stay std::string.
// Interning is thread-safe (sweeps run scenarios on several threads).
#include <functional>
#include <ostream>
#include <string>
#include <string_view>

#include <fmt/format.h>

namespace rcn {

class Symbol {
 public:
  Symbol();  // ""
  Symbol(std::string_view text);
  Symbol(const std::string& text) : Symbol(std::string_view(text)) {}
  Symbol(const char* text) : Symbol(std::string_view(text)) {}

  const std::string& str() const { return *text_; }
  operator const std::string&() const { return *text_; }
  const char* c_str() const { return text_->c_str(); }
  bool empty() const { return text_->empty(); }
  std::size_t size() const { return text_->size(); }

  // Equal text, equal pointer: comparing two Symbols is one comparison.
  friend bool operator==(Symbol a, Symbol b) { return a.text_ == b.text_; }
  friend bool operator!=(Symbol a, Symbol b) { return a.text_ != b.text_; }
  friend bool operator==(Symbol a, const std::string& b) { return *a.text_ == b; }
  friend bool operator!=(Symbol a, const std::string& b) { return *a.text_ != b; }
  friend bool operator==(const std::string& a, Symbol b) { return a == *b.text_; }
  friend bool operator!=(const std::string& a, Symbol b) { return a != *b.text_; }
  friend bool operator==(Symbol a, const char* b) { return *a.text_ == b; }
  friend bool operator!=(Symbol a, const char* b) { return *a.text_ != b; }
  friend bool operator==(const char* a, Symbol b) { return a == *b.text_; }
  friend bool operator!=(const char* a, Symbol b) { return a != *b.text_; }
  friend bool operator<(Symbol a, Symbol b) { return *a.text_ < *b.text_; }
  friend std::string operator+(const std::string& a, Symbol b) { return a + *b.text_; }
  friend std::string operator+(Symbol a, const std::string& b) { return *a.text_ + b; }
  friend std::string operator+(const char* a, Symbol b) { return a + *b.text_; }
  friend std::string operator+(Symbol a, const char* b) { return *a.text_ + b; }
  friend std::ostream& operator<<(std::ostream& os, Symbol s) { return os << *s.text_; }

 private:
  const std::string* text_;
};

// nlohmann::json and ordered_json (found by argument-dependent lookup).
template <typename Json>
void to_json(Json& j, const Symbol& s) {
  j = s.str();
}

}  // namespace rcn

template <>
struct fmt::formatter<rcn::Symbol> : fmt::formatter<std::string_view> {
  template <typename Context>
  auto format(const rcn::Symbol& s, Context& ctx) const {
    return fmt::formatter<std::string_view>::format(std::string_view(s.str()), ctx);
  }
};

template <>
struct std::hash<rcn::Symbol> {
  std::size_t operator()(const rcn::Symbol& s) const noexcept { return std::hash<const void*>()(&s.str()); }
};
