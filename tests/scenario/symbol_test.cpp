// Symbols: interned words, compared by pointer, read as strings everywhere.
#include <catch2/catch.hpp>

#include <fmt/format.h>

#include <nlohmann/json.hpp>
#include <set>
#include <thread>
#include <vector>

#include "rcn/scenario/symbol.hpp"

using rcn::Symbol;

TEST_CASE("equal text gives the same interned string", "[symbol]") {
  const std::string built = std::string("center-") + "north";
  const Symbol a("center-north"), b(built), c{std::string_view(built)};
  CHECK(&a.str() == &b.str());
  CHECK(&a.str() == &c.str());
  CHECK(a == b);
  CHECK_FALSE(a != b);
  CHECK(Symbol("x") != Symbol("y"));
  CHECK(Symbol().empty());
  CHECK(Symbol() == Symbol(""));
  CHECK(sizeof(Symbol) == sizeof(void*));
}

TEST_CASE("a symbol compares, concatenates and formats as its text", "[symbol]") {
  const Symbol s("h100-sxm");
  CHECK(s == "h100-sxm");
  CHECK("h100-sxm" == s);
  CHECK(s == std::string("h100-sxm"));
  CHECK(std::string("h100-sxm") == s);
  CHECK(s != "h200");
  CHECK(s.size() == 8);
  CHECK(std::string(s.c_str()) == "h100-sxm");
  CHECK("gpu " + s == "gpu h100-sxm");
  CHECK(fmt::format("[{:>10}]", s) == "[  h100-sxm]");
  nlohmann::json j;
  j["gpu"] = s;
  CHECK(j.dump() == R"({"gpu":"h100-sxm"})");
  const std::set<Symbol> ordered{Symbol("b"), Symbol("a"), Symbol("c")};  // by text, not by address
  CHECK(std::vector<std::string>(ordered.begin(), ordered.end()) == std::vector<std::string>{"a", "b", "c"});
}

TEST_CASE("symbols made on several threads at once are one string per text", "[symbol]") {
  std::vector<std::vector<const std::string*>> seen(4);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([t, &seen] {
      for (int i = 0; i < 2000; ++i) seen[t].push_back(&Symbol(fmt::format("thread-word-{}", i % 50)).str());
    });
  for (auto& th : threads) th.join();
  for (int t = 1; t < 4; ++t) CHECK(seen[t] == seen[0]);
  CHECK(std::set<const std::string*>(seen[0].begin(), seen[0].end()).size() == 50);
}
