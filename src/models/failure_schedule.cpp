#include "rcn/models/failure_schedule.hpp"

#include "rcn/models/fabric_failure.hpp"
#include "rcn/models/fabric_shape.hpp"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

namespace rcn {

std::uint64_t SplitMix64::next() {
  std::uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

std::uint64_t stream_seed(std::uint64_t seed, const std::string& name) {
  std::uint64_t h = 1469598103934665603ULL;  // FNV-1a of the name, mixed with the seed
  for (unsigned char c : name) h = (h ^ c) * 1099511628211ULL;
  SplitMix64 mix(seed ^ h);
  return mix.next();
}

namespace {

// Time to the next failure of one unit with mean 1/rate.
double draw(SplitMix64& rng, const ComponentFailure& c, double rate) {
  const double u = 1 - rng.uniform();  // (0, 1]
  const double e = -std::log(u);       // unit exponential
  if (c.distribution != "weibull" || c.shape == 1) return e / rate;
  // Weibull with shape k and mean 1/rate: scale = 1 / (rate Gamma(1 + 1/k)).
  const double scale = 1 / (rate * std::tgamma(1 + 1 / c.shape));
  return scale * std::pow(e, 1 / c.shape);
}

void renewal(std::vector<FailureEvent>& out, std::uint64_t seed, const std::string& unit, const ComponentFailure& c,
             double rate, double horizon, const FailureEvent& proto) {
  if (rate <= 0) return;
  SplitMix64 rng(stream_seed(seed, unit + "#" + c.name));
  for (double t = draw(rng, c, rate); t < horizon; t += draw(rng, c, rate) + (c.blast == BlastRadius::Job ? 0 : c.repair)) {
    FailureEvent e = proto;
    e.at = t;
    out.push_back(e);
  }
}

// The spines (class `spine`) or leaf uplink cables (class `cable`) of a tiered
// fabric, each its own unit at `rate` per switch or cable, named as scripted
// events name them (fabric_failure.hpp): what each takes is fabric_fault's.
// Nothing on an ideal fabric (no switches), nor on rail-only (no uplinks).
void uplink_failures(std::vector<FailureEvent>& out, const Scenario& s, std::size_t si, std::size_t ci,
                     const ComponentFailure& c, double rate) {
  std::string error, key;
  const FabricShape shape = fabric_shape(s.sites[si].clusters[ci], error, key);
  if (!error.empty() || uplink_failure_units(shape, c.name) <= 0) return;
  std::vector<std::string> names;
  if (c.name == "spine") {
    for (long long k = 0; k < shape.tier_table[1].switches; ++k) names.push_back(fmt::format("spine{}", k));
  } else {
    const int U = uplinks_per_group(shape);
    for (int g = 0; g < shape.groups; ++g)
      for (int k = 0; k < U; ++k) names.push_back(fmt::format("leaf{}/uplink{}", g, k));
  }
  const std::string prefix = s.sites[si].name + "/" + s.sites[si].clusters[ci].name + "/";
  for (const std::string& name : names) {
    const auto fault = fabric_fault(shape, c.name == "spine" ? "switch" : "cable", name);
    if (!fault) continue;
    FailureEvent e;
    e.component = c.name, e.blast = BlastRadius::Server, e.site = si, e.cluster = ci, e.repair = c.repair;
    e.uplinks_lost = fault->lost;  // no server goes down: the blast is uplink capacity
    renewal(out, s.seed, prefix + name, c, rate, s.horizon, e);
  }
}

}  // namespace

std::vector<FailureEvent> failure_schedule(const Scenario& s) {
  std::vector<FailureEvent> out;
  // Scripted events first: they are the scenario's own words.
  for (const auto& ev : s.failures.events) {
    if (ev.at >= s.horizon) continue;
    FailureEvent e;
    e.at = ev.at;
    e.component = ev.kind;
    e.repair = ev.duration;
    e.scripted = true;
    if (ev.kind == "link-cut") {
      for (std::size_t i = 0; i < s.wan.size(); ++i)
        if (ev.target == s.wan[i].from + "<->" + s.wan[i].to || ev.target == s.wan[i].to + "<->" + s.wan[i].from)
          e.wan_link = static_cast<int>(i);
      e.blast = BlastRadius::Site;
    } else if (ev.kind == "site-outage") {
      for (std::size_t i = 0; i < s.sites.size(); ++i)
        if (s.sites[i].name == ev.target) e.site = i;
      e.whole_site = true;
      e.blast = BlastRadius::Site;
    } else if (ev.kind == "switch" || ev.kind == "cable") {
      if (auto ref = resolve_fabric_fault(s, ev.kind, ev.target)) {
        e.site = ref->site;
        e.cluster = ref->cluster;
        e.servers = ref->fault.servers;  // a leaf: its servers drop off the fabric
        e.uplinks_lost = ref->fault.lost;
        e.blast = ref->fault.servers.empty() ? BlastRadius::Server : BlastRadius::Rack;
      }
    } else if (auto ref = resolve_server(s, ev.target)) {
      e.site = ref->site;
      e.cluster = ref->cluster;
      e.servers = {ref->server};
    }
    out.push_back(e);
  }
  const std::size_t scripted = out.size();
  const auto classes = failure_components(s.failures);
  for (std::size_t si = 0; si < s.sites.size(); ++si) {
    const SiteSpec& site = s.sites[si];
    auto sc = s.failures.site_scale.find(site.name);
    const double site_scale = sc == s.failures.site_scale.end() ? 1.0 : sc->second;
    for (const auto& c : classes) {
      if (c.rate <= 0 || site_scale <= 0) continue;
      if (c.blast == BlastRadius::Site) {
        FailureEvent e;
        e.component = c.name, e.blast = c.blast, e.site = si, e.whole_site = true, e.repair = c.repair;
        renewal(out, s.seed, site.name, c, c.rate * site.gpus() * site_scale, s.horizon, e);
        continue;
      }
      for (std::size_t ci = 0; ci < site.clusters.size(); ++ci) {
        const ClusterSpec& cl = site.clusters[ci];
        if (c.blast == BlastRadius::Uplink) {
          uplink_failures(out, s, si, ci, c, c.rate * site_scale);
          continue;
        }
        int unit = c.blast == BlastRadius::Rack ? std::max(1, s.failures.rack_servers) : 1;
        if (c.blast == BlastRadius::Rack) {
          // On a tiered fabric the switch that fails is a leaf, on a dragonfly a router: its
          // servers drop off the fabric together, whatever `rack_servers` says.
          std::string error, key;
          const FabricShape fabric = fabric_shape(cl, error, key);
          if (error.empty() && fabric.tiered()) unit = fabric.servers_per_group;
          if (error.empty() && fabric.kind == "dragonfly") unit = fabric.df_nodes;
        }
        // Spare servers (numbered after the servers) fail too, in the pool or in service.
        const int units = cl.servers + cl.spares;
        for (int first = 0; first < units; first += unit) {
          FailureEvent e;
          e.component = c.name, e.blast = c.blast, e.site = si, e.cluster = ci, e.repair = c.repair;
          for (int k = first; k < std::min(units, first + unit); ++k) e.servers.push_back(k);
          const double rate = c.rate * cl.gpus_per_server * static_cast<double>(e.servers.size()) * site_scale;
          renewal(out, s.seed, fmt::format("{}/{}/s{}", site.name, cl.name, first), c, rate, s.horizon, e);
        }
      }
    }
  }
  std::stable_sort(out.begin() + static_cast<std::ptrdiff_t>(scripted), out.end(),
                   [](const FailureEvent& a, const FailureEvent& b) { return a.at < b.at; });
  std::stable_sort(out.begin(), out.end(), [](const FailureEvent& a, const FailureEvent& b) { return a.at < b.at; });
  return out;
}

}  // namespace rcn
