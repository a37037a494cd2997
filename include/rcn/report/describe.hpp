#pragma once
// `rcnsim describe`: what a scenario's network is, before running it: GPUs
// and peak PFLOP/s per site and region, WAN links, routes and min-cuts.
#include <string>

#include "rcn/scenario/scenario.hpp"
#include "rcn/topology/site_graph.hpp"

namespace rcn {

std::string describe_scenario(const Scenario& s, const SiteGraph& g);

}  // namespace rcn
