#include "rcn/topology/site_graph.hpp"

#include <boost/graph/adjacency_list.hpp>
#include <boost/graph/edmonds_karp_max_flow.hpp>
#include <boost/graph/connected_components.hpp>
#include <boost/graph/dijkstra_shortest_paths.hpp>
#include <fmt/format.h>

#include <limits>
#include <map>

namespace rcn {
namespace {

struct RouteEdge {
  double weight = 0;  // latency plus a tiny per-hop term so equal latencies prefer fewer hops
  std::size_t wan_index = 0;
};
using RouteGraph =
    boost::adjacency_list<boost::vecS, boost::vecS, boost::directedS, boost::no_property, RouteEdge>;

using FlowTraits = boost::adjacency_list_traits<boost::vecS, boost::vecS, boost::directedS>;
using FlowGraph = boost::adjacency_list<
    boost::vecS, boost::vecS, boost::directedS,
    boost::property<boost::vertex_index_t, long,
                    boost::property<boost::vertex_color_t, boost::default_color_type,
                                    boost::property<boost::vertex_distance_t, long,
                                                    boost::property<boost::vertex_predecessor_t,
                                                                    FlowTraits::edge_descriptor>>>>,
    boost::property<boost::edge_capacity_t, double,
                    boost::property<boost::edge_residual_capacity_t, double,
                                    boost::property<boost::edge_reverse_t, FlowTraits::edge_descriptor>>>>;

constexpr double kHopTieBreak = 1e-12;

}  // namespace

SiteGraph::SiteGraph(const Scenario& s) : sites_(s.sites.size()) {
  std::map<std::string, std::size_t> index;
  for (std::size_t i = 0; i < s.sites.size(); ++i) index[s.sites[i].name] = i;
  for (const auto& w : s.wan) {
    auto a = index.find(w.from), b = index.find(w.to);
    if (a == index.end() || b == index.end()) continue;  // reported by the loader
    links_.push_back(w);
    from_.push_back(a->second);
    to_.push_back(b->second);
  }
}

const std::optional<std::vector<SiteGraph::Hop>>& SiteGraph::route(std::size_t from, std::size_t to) const {
  if (routes_.empty()) routes_.resize(sites_);
  if (routes_[from].empty()) routes_from(from);
  return routes_[from][to];
}

void SiteGraph::routes_from(std::size_t from) const {
  auto& out = routes_[from];
  out.assign(sites_, std::nullopt);
  out[from] = std::vector<Hop>{};
  RouteGraph g(sites_);
  for (std::size_t i = 0; i < links_.size(); ++i) {
    const double w = links_[i].latency + kHopTieBreak;
    boost::add_edge(from_[i], to_[i], RouteEdge{w, i}, g);
    boost::add_edge(to_[i], from_[i], RouteEdge{w, i}, g);
  }
  std::vector<RouteGraph::vertex_descriptor> pred(sites_);
  std::vector<double> dist(sites_, std::numeric_limits<double>::infinity());
  boost::dijkstra_shortest_paths(
      g, from,
      boost::predecessor_map(pred.data()).distance_map(dist.data()).weight_map(boost::get(&RouteEdge::weight, g)));
  for (std::size_t to = 0; to < sites_; ++to) {
    // Boost initialises distances to numeric max itself; an unreached vertex is its own predecessor.
    if (to == from || pred[to] == to || dist[to] >= std::numeric_limits<double>::max()) continue;
    // Walk back from `to`; among parallel edges pick the lowest weight, then the lowest index.
    std::vector<Hop> reversed;
    for (std::size_t v = to; v != from; v = pred[v]) {
      const std::size_t u = pred[v];
      std::size_t best = links_.size();
      for (std::size_t i = 0; i < links_.size(); ++i) {
        const bool fwd = from_[i] == u && to_[i] == v;
        const bool bwd = to_[i] == u && from_[i] == v;
        if ((fwd || bwd) && (best == links_.size() || links_[i].latency < links_[best].latency)) best = i;
      }
      reversed.push_back(Hop{best, from_[best] == u});
    }
    out[to] = std::vector<Hop>(reversed.rbegin(), reversed.rend());
  }
}

double SiteGraph::latency(const std::vector<Hop>& path) const {
  double l = 0;
  for (const auto& h : path) l += links_[h.wan_index].latency;
  return l;
}

double SiteGraph::bottleneck_bandwidth(const std::vector<Hop>& path) const {
  double b = std::numeric_limits<double>::infinity();
  for (const auto& h : path) b = std::min(b, links_[h.wan_index].bandwidth);
  return b;
}

double SiteGraph::min_cut(std::size_t from, std::size_t to) const {
  if (from == to) return std::numeric_limits<double>::infinity();
  FlowGraph g(sites_);
  auto cap = boost::get(boost::edge_capacity, g);
  auto rev = boost::get(boost::edge_reverse, g);
  auto add_arc = [&](std::size_t u, std::size_t v, double c) {
    auto e = boost::add_edge(u, v, g).first;
    auto r = boost::add_edge(v, u, g).first;
    cap[e] = c;
    cap[r] = 0;
    rev[e] = r;
    rev[r] = e;
  };
  for (std::size_t i = 0; i < links_.size(); ++i) {
    add_arc(from_[i], to_[i], links_[i].bandwidth);  // full duplex: each direction has the full bandwidth
    add_arc(to_[i], from_[i], links_[i].bandwidth);
  }
  return boost::edmonds_karp_max_flow(g, from, to);
}

std::vector<std::vector<std::size_t>> SiteGraph::components() const {
  boost::adjacency_list<boost::vecS, boost::vecS, boost::undirectedS> g(sites_);
  for (std::size_t i = 0; i < links_.size(); ++i) boost::add_edge(from_[i], to_[i], g);
  std::vector<int> comp(sites_);
  const int n = sites_ ? boost::connected_components(g, comp.data()) : 0;
  // Renumber so that components appear in order of their lowest site.
  std::vector<std::vector<std::size_t>> out;
  std::map<int, std::size_t> order;
  for (std::size_t v = 0; v < sites_; ++v) {
    auto [it, fresh] = order.emplace(comp[v], out.size());
    if (fresh) out.emplace_back();
    out[it->second].push_back(v);
  }
  (void)n;
  return out;
}

void SiteGraph::check_reachability(const Scenario& s, Diagnostics& diags) const {
  const auto comps = components();
  if (comps.size() <= 1) return;
  for (std::size_t c = 1; c < comps.size(); ++c)
    for (std::size_t v : comps[c])
      diags.error(s.sites[v].loc, fmt::format("sites[{}]", v),
                  fmt::format("site {} cannot be reached from site {} over the WAN links (add a wan entry joining them)",
                              s.sites[v].name, s.sites[0].name));
}

}  // namespace rcn
