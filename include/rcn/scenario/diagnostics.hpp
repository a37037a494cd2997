#pragma once
// Every problem found in user input, with where it is. Loading collects all of
// them instead of stopping at the first, so a user fixes a file in one pass.
#include <string>

#include "rcn/scenario/symbol.hpp"
#include <string_view>
#include <vector>

namespace rcn {

// Where a value came from: a file position (1-based) or a command-line override.
struct SourceLoc {
  Symbol file;  // scenario path, or "--set" for command-line overrides (one copy per process: every trace row has one)
  int line = 0;
  int col = 0;
  std::string str() const;  // "file:line:col" or "--set"
};

struct Diagnostic {
  enum class Severity { Error, Warning };
  Severity severity = Severity::Error;
  SourceLoc loc;
  std::string path;     // field path such as sites[0].clusters[0].servers
  std::string message;  // what was expected and what was found
  std::string str() const;  // "file:line:col: error: path: message"
};

class Diagnostics {
 public:
  void error(const SourceLoc& loc, std::string path, std::string message);
  void warning(const SourceLoc& loc, std::string path, std::string message);
  // The lines to print, in order, each identical line once with its count
  // ("... (x13)"): a warning every point of a sweep repeats is read once.
  std::vector<std::string> lines() const;
  bool has_errors() const;
  std::size_t error_count() const;
  const std::vector<Diagnostic>& items() const { return items_; }
  void append(const Diagnostics& other);
  // File order: the items of each file (in the order files were first reported) by
  // line and column; items at the same place keep their order. The loader reads
  // fields in code order, so it sorts once it has read everything.
  void sort_by_location();

 private:
  std::vector<Diagnostic> items_;
};

// Thrown by the loaders when input has errors; carries all of them.
struct InputError {
  Diagnostics diagnostics;
};

// A piece of input as it may appear in a message: at most `max_chars`
// characters ("..." after), control characters (newlines too) shown as '?',
// so a diagnostic is always one line and never quotes a whole file.
std::string quote_input(std::string_view text, std::size_t max_chars = 60);

// Closest candidate by edit distance, or "" when none is close enough to be a typo.
std::string closest_match(const std::string& word, const std::vector<std::string>& candidates);

}  // namespace rcn
