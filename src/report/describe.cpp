#include "rcn/report/describe.hpp"

#include <fmt/format.h>

#include <map>

#include "rcn/models/fabric_failure.hpp"
#include "rcn/models/fabric_shape.hpp"
#include "rcn/report/step_report.hpp"
#include "rcn/scenario/units.hpp"

namespace rcn {
namespace {

double peak_bf16(const Scenario& s, const ClusterSpec& c) {
  const HardwareProfile* hw = s.find_profile(c.gpu);
  if (!hw || !hw->peak_flops.count("bf16")) return 0;
  return hw->peak_flops.at("bf16") * c.gpus();
}

}  // namespace

std::string services_table(const Scenario& s) {
  if (s.inference.empty()) return "";
  std::string out = fmt::format("{:<16} {:<14} {:<28} {:>6} {:<26} {}\n", "service", "model", "replicas", "gpus",
                                "arrivals", "SLO");
  for (const InferenceServiceSpec& sv : s.inference) {
    std::string replicas;
    int count = 0;
    for (const auto& [site, n] : sv.replicas) {
      replicas += fmt::format("{}{} {}", replicas.empty() ? "" : ", ", site, n);
      count += n;
    }
    if (!sv.autoscale.max.empty()) replicas += " (autoscaled)";
    const std::string arrivals =
        sv.arrivals.kind == "trace" ? fmt::format("trace, {} requests", sv.arrivals.requests.size())
                                    : fmt::format("{} {:.3g}/s", sv.arrivals.kind, sv.arrivals.rate);
    std::string slo;
    for (const auto& [name, v] : {std::pair<const char*, double>{"TTFT", sv.slo.ttft}, {"TPOT", sv.slo.tpot},
                                  {"e2e", sv.slo.e2e}})
      if (v > 0) slo += fmt::format("{}{} {}", slo.empty() ? "" : ", ", name, format_duration(v));
    out += fmt::format("{:<16} {:<14} {:<28} {:>6} {:<26} {}\n", sv.name, sv.model, replicas,
                       count * sv.gpus_per_replica, arrivals, slo.empty() ? "-" : slo);
  }
  return out;
}

namespace {

// "leaf0-leaf5" (or "leaf0" alone).
std::string name_range(const std::string& prefix, long long first, long long last) {
  return first == last ? fmt::format("{}{}", prefix, first) : fmt::format("{}{}-{}{}", prefix, first, prefix, last);
}

// The names a scripted `switch` or `cable` event may target on this fabric, as ranges
// (fabric_failure.hpp): thousands of switches stay a few lines.
std::string fabric_names(const FabricShape& f) {
  const int U = uplinks_per_group(f);
  const int per_pod = spines_per_pod(f);
  if (f.tier_table.size() < 2 || U <= 0 || per_pod <= 0) return "    names: none (no uplinks: nothing a switch or cable event can target)\n";
  const long long spines = f.tier_table[1].switches;
  std::string switches = f.kind == "fat-tree" ? name_range("leaf", 0, f.groups - 1) + ", " : "";
  switches += name_range("spine", 0, spines - 1);
  std::string out = fmt::format("    names: switch {}; cable {}/{}{}\n", switches, name_range("leaf", 0, f.groups - 1),
                                name_range("uplink", 0, U - 1),
                                f.kind == "fat-tree" ? "" : " (leafN: rail group N)");
  if (f.tiers == 3)
    out += fmt::format("    pods 0-{}: pod p holds leaf{}p-leaf{}p+{} and spine{}p-spine{}p+{}{}\n", f.pods - 1,
                       f.groups_per_pod, f.groups_per_pod, f.groups_per_pod - 1, per_pod, per_pod, per_pod - 1,
                       f.groups % f.groups_per_pod ? fmt::format(" (pod {}: the last {} leaves)", f.pods - 1,
                                                                  f.groups % f.groups_per_pod)
                                                   : "");
  return out;
}

// A torus or dragonfly: its shape, cables per level and bisection.
std::string direct_fabric_lines(const std::string& name, const FabricShape& f) {
  std::string shape;
  if (f.kind == "torus") {
    for (int d : f.torus_dims) shape += (shape.empty() ? "" : "x") + std::to_string(d);
    shape += fmt::format(" ({} nodes)", f.positions);
  } else {
    shape = fmt::format("{} groups x {} chassis x {} routers x {} servers ({} routers, {} server ports)", f.df_groups,
                        f.df_chassis, f.df_routers, f.df_nodes, f.dragonfly_routers(), f.positions);
  }
  std::string out = fmt::format("  {}: {} {}, bisection {}\n", name, f.kind, shape, format_bandwidth(f.bisection));
  for (const FabricLinks& l : f.link_levels)
    out += fmt::format("    {:<8} {:>8} links x {:>10}\n", l.name, l.cables, format_bandwidth(l.link_bandwidth));
  out += "    names: none (SimGrid's links, one bandwidth: no switch or cable event targets)\n";
  return out;
}

// The switch tiers of every cluster with a tiered fabric, then the links of each torus and
// dragonfly (none: nothing, so the
// single-link clusters of most scenarios print as before).
std::string fabrics_table(const Scenario& s) {
  std::string out, direct;
  for (const auto& site : s.sites)
    for (const auto& c : site.clusters) {
      std::string error, key;
      const FabricShape f = fabric_shape(c, error, key);
      if (f.direct()) {
        if (direct.empty()) direct = "\nfabrics: torus and dragonfly (links: cables of each level, one direction)\n";
        direct += direct_fabric_lines(site.name + "/" + c.name, f);
        continue;
      }
      if (!f.tiered()) continue;
      if (out.empty())
        out = fmt::format("\nfabrics: switch tiers (links: cables down from the tier; oversubscription: "
                          "bandwidth below a switch / above it)\n");
      long long switches = 0;
      for (const FabricTier& t : f.tier_table) switches += t.switches;
      out += fmt::format("  {}: {}, {} tier{}, {} switches, {} servers per {}, bisection {}\n", site.name + "/" + c.name,
                         f.kind, f.tiers, f.tiers == 1 ? "" : "s", switches, f.servers_per_group,
                         f.kind == "fat-tree" ? "leaf" : "rail group", format_bandwidth(f.bisection));
      for (const FabricTier& t : f.tier_table)
        out += fmt::format("    {:<6} {:>6} switches {:>8} links x {:>10}  oversubscription {:g}:1\n", t.name,
                           t.switches, t.links_down, format_bandwidth(t.link_bandwidth), t.oversubscription);
      out += fabric_names(f);
    }
  return out + direct;
}

}  // namespace

std::string describe_scenario(const Scenario& s, const SiteGraph& g) {
  auto count = [](std::size_t n, const char* one, const char* many) { return fmt::format("{} {}", n, n == 1 ? one : many); };
  std::string out = fmt::format("scenario {}: {}, {} GPUs, {}, {}, {}\n\n", s.name,
                                count(s.sites.size(), "site", "sites"), s.total_gpus(),
                                count(s.wan.size(), "WAN link", "WAN links"),
                                count(s.training.size(), "training job", "training jobs"),
                                count(s.inference.size(), "inference service", "inference services"));
  out += fmt::format("{:<16} {:<7} {:<10} {:<10} {:>8} {:>8} {:>16} {:>14}  {}\n", "site", "kind", "region", "gpu",
                     "servers", "gpus", "peak bf16 PF/s", "NIC/server", "fabric");
  std::map<std::string, std::pair<int, double>> regions;
  for (const auto& site : s.sites) {
    for (const auto& c : site.clusters) {
      const double pf = peak_bf16(s, c) / 1e15;
      std::string error, key;
      const FabricShape f = fabric_shape(c, error, key);
      const double leaf_over = f.tiered() ? f.tier_table.front().oversubscription : c.scale_out.oversubscription;
      out += fmt::format("{:<16} {:<7} {:<10} {:<10} {:>8} {:>8} {:>16.1f} {:>14}  {} {} {}:1\n",
                         site.name + "/" + c.name, to_string(site.kind), site.region, c.gpu, c.servers, c.gpus(), pf,
                         format_bandwidth(c.scale_out.nic_bandwidth * c.scale_out.nics_per_server), c.scale_out.kind,
                         c.scale_out.topology, leaf_over);
      regions[site.region].first += c.gpus();
      regions[site.region].second += pf;
    }
  }
  out += fabrics_table(s);
  out += fmt::format("\n{:<10} {:>8} {:>16}\n", "region", "gpus", "peak bf16 PF/s");
  for (const auto& [name, v] : regions) out += fmt::format("{:<10} {:>8} {:>16.1f}\n", name, v.first, v.second);

  if (!s.wan.empty()) {
    out += fmt::format("\n{:<30} {:>12} {:>10} {:>10}\n", "WAN link", "bandwidth", "latency", "distance");
    for (const auto& w : s.wan)
      out += fmt::format("{:<30} {:>12} {:>10} {:>10}\n", w.from + " <-> " + w.to, format_bandwidth(w.bandwidth),
                         format_duration(w.latency),
                         w.distance_m ? fmt::format("{:.0f} km", *w.distance_m / 1e3) : std::string("-"));
  }
  if (s.sites.size() > 1) {
    out += "\nsite pairs: route latency (one way), narrowest link, min-cut (max-flow)\n";
    for (std::size_t a = 0; a < s.sites.size(); ++a)
      for (std::size_t b = a + 1; b < s.sites.size(); ++b) {
        auto path = g.route(a, b);
        const std::string pair = s.sites[a].name + " -> " + s.sites[b].name;
        if (!path) {
          out += fmt::format("  {:<32} unreachable\n", pair);
          continue;
        }
        out += fmt::format("  {:<32} {:>10} {:>12} {:>12}  ({} hop{})\n", pair, format_duration(g.latency(*path)),
                           format_bandwidth(g.bottleneck_bandwidth(*path)), format_bandwidth(g.min_cut(a, b)),
                           path->size(), path->size() == 1 ? "" : "s");
      }
  }
  if (!s.training.empty()) {
    out += "\ntraining jobs (step model, on the first cluster that can hold them; details: rcnsim estimate):\n";
    for (const auto& e : estimate_jobs(s))
      out += fmt::format("  {:<18} {:>7.1f}B params on {}/{} ({}): step {:>9}, MFU {:.1f}%, time to train {}\n", e.job,
                         e.step.params / 1e9, e.site, e.cluster, e.gpu, format_duration(e.step.step_time_s),
                         100 * e.step.mfu, format_duration(e.step.time_to_train_s));
  }
  if (!s.inference.empty()) out += "\ninference services (simulated by rcnsim run):\n" + services_table(s);
  return out;
}

}  // namespace rcn
