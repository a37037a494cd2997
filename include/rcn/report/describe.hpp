#pragma once
// `rcnsim describe`: what a scenario's network is, before running it: GPUs
// and peak PFLOP/s per site and region, WAN links, routes and min-cuts.
#include <string>

#include "rcn/scenario/scenario.hpp"
#include "rcn/topology/site_graph.hpp"

namespace rcn {

std::string describe_scenario(const Scenario& s, const SiteGraph& g);
// The inference services: model, replicas per site, GPUs, arrivals and SLOs
// ("" without services). Shared by describe and estimate.
std::string services_table(const Scenario& s);

}  // namespace rcn
