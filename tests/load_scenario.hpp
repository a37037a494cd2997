#pragma once
// Loads a scenario a test writes inline. A scenario with errors fails the test
// and prints every diagnostic (UNSCOPED_INFO: a plain INFO would end with the
// loop that reports it, before REQUIRE could show it).
#include <catch2/catch.hpp>

#include <string>

#include "rcn/scenario/loader.hpp"

namespace rcn::test {

inline Scenario load_scenario(const std::string& yaml, const std::string& name) {
  LoadResult r = load_scenario_text(yaml, name);
  for (const auto& d : r.diagnostics.items()) UNSCOPED_INFO(d.str());
  REQUIRE(r.scenario);
  return *r.scenario;
}

}  // namespace rcn::test
