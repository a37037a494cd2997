#include "rcn/scenario/symbol.hpp"

#include <mutex>
#include <set>

namespace rcn {
namespace {

// Node-based, so a string's address never changes once interned. Never freed:
// a Symbol may outlive any scenario or result.
struct SymbolTable {
  std::mutex mutex;
  std::set<std::string, std::less<>> strings;  // found by string_view, without a temporary
};

SymbolTable& table() {
  static SymbolTable* t = new SymbolTable;  // never destroyed: Symbols in static objects outlive exit order
  return *t;
}

const std::string* intern(std::string_view text) {
  SymbolTable& t = table();
  std::lock_guard<std::mutex> lock(t.mutex);
  auto it = t.strings.find(text);
  if (it == t.strings.end()) it = t.strings.emplace(text).first;
  return &*it;
}

}  // namespace

Symbol::Symbol() {
  static const std::string* const empty = intern("");
  text_ = empty;
}

Symbol::Symbol(std::string_view text) : text_(intern(text)) {}

}  // namespace rcn
