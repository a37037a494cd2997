#pragma once
// Every failure of a run, drawn before it starts: scripted events from the
// scenario plus random ones from the failure classes, one renewal process per
// unit (server, rack or site) and class, seeded from the scenario seed and the
// unit's name, so a seed always gives the same failures whatever else changes.
#include <cstdint>
#include <string>
#include <vector>

#include "rcn/models/fabric_failure.hpp"
#include "rcn/models/failure_model.hpp"
#include "rcn/scenario/scenario.hpp"

namespace rcn {

struct FailureEvent {
  double at = 0;
  std::string component;     // class name, or the scripted kind (server, gpu, site-outage, link-cut)
  BlastRadius blast = BlastRadius::Server;
  std::size_t site = 0, cluster = 0;
  std::vector<int> servers;  // servers of that cluster hit (Server, Rack; for Job the server whose job fails)
  bool whole_site = false;   // every cluster of `site`
  int wan_link = -1;         // link-cut: index into Scenario::wan
  std::vector<UplinkLoss> uplinks_lost;  // a spine or cable: capacity of that cluster's uplinks it removes
  double repair = 0;         // seconds down (0 for software)
  bool scripted = false;
};

// Events with at < horizon, sorted by time (ties: scripted first, then generation order).
std::vector<FailureEvent> failure_schedule(const Scenario& s);

// Uniform double in [0, 1) from a 64-bit seed stream (SplitMix64): portable
// and byte-identical on every platform, unlike std:: distributions.
class SplitMix64 {
 public:
  explicit SplitMix64(std::uint64_t seed) : state_(seed) {}
  std::uint64_t next();
  double uniform() { return (next() >> 11) * 0x1.0p-53; }

 private:
  std::uint64_t state_;
};

std::uint64_t stream_seed(std::uint64_t seed, const std::string& name);

}  // namespace rcn
