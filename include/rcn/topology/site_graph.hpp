#pragma once
// Sites and WAN links as a Boost.Graph: the one place that answers "how do I
// get from site A to site B" (shortest path by latency) and "how much can
// flow between them" (min-cut via max-flow). The SimGrid platform and
// `rcnsim describe` both use it, so they never disagree about routing.
#include <optional>
#include <vector>

#include "rcn/scenario/diagnostics.hpp"
#include "rcn/scenario/scenario.hpp"

namespace rcn {

class SiteGraph {
 public:
  // One traversal of a WAN link: which link (index into Scenario::wan) and
  // whether it is crossed from its `from` site to its `to` site.
  struct Hop {
    std::size_t wan_index;
    bool forward;
  };

  explicit SiteGraph(const Scenario& scenario);

  std::size_t site_count() const { return sites_; }
  // Lowest-latency path (ties broken by fewer hops); nothing when unreachable.
  // An empty path means from == to. Computed once per source site (one
  // Dijkstra for all destinations) and kept: the scheduler asks for the same
  // pairs at every event. Routes are over the planned links: a failed link
  // still counts (as the transfer estimates always assumed).
  const std::optional<std::vector<Hop>>& route(std::size_t from, std::size_t to) const;
  // One-way propagation latency of a path and its narrowest link.
  double latency(const std::vector<Hop>& path) const;
  double bottleneck_bandwidth(const std::vector<Hop>& path) const;
  // Maximum bytes/s that can flow from `from` to `to` over all WAN paths at
  // once (each link carries its bandwidth in each direction).
  double min_cut(std::size_t from, std::size_t to) const;
  // Connected components of sites, each sorted; the first holds site 0.
  std::vector<std::vector<std::size_t>> components() const;
  // One error per site that cannot reach the first site (when there are several).
  void check_reachability(const Scenario& scenario, Diagnostics& diags) const;

 private:
  std::size_t sites_ = 0;
  std::vector<WanLinkSpec> links_;
  std::vector<std::size_t> from_, to_;
  // routes_[from][to], filled for a source on first use; not thread-safe (one
  // graph per run, and a run is one thread).
  mutable std::vector<std::vector<std::optional<std::vector<Hop>>>> routes_;
  void routes_from(std::size_t from) const;
};

}  // namespace rcn
