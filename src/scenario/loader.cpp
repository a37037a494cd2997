#include "rcn/scenario/loader.hpp"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <fstream>
#include <set>
#include <sstream>

#include "rcn/scenario/file_reference.hpp"
#include "rcn/scenario/input_limits.hpp"
#include "rcn/models/fabric_failure.hpp"
#include "rcn/models/fabric_shape.hpp"
#include "rcn/models/pipeline_stages.hpp"
#include "src/scenario/cost_reader.hpp"
#include "src/scenario/geo.hpp"
#include "src/scenario/job_trace.hpp"
#include "src/scenario/swf_trace.hpp"
#include "src/scenario/overrides.hpp"
#include "src/scenario/request_trace.hpp"
#include "src/scenario/yaml_reader.hpp"

namespace rcn {
namespace {

const std::vector<std::string> kPrecisions{"bf16", "fp16", "fp8", "tf32", "fp32"};
// A hardware profile is a page of YAML; anything much larger is not one.
constexpr std::uint64_t kMaxProfileBytes = 16 << 20;
// Energy prices and carbon intensities (per kWh): far above any grid's, low
// enough that cost and carbon of the largest run stay finite.
constexpr double kMaxPrice = 1e6;
constexpr double kMaxCarbon = 1e5;

// Reads one scenario tree. Each read_* function takes the node and its path
// and fills the struct as far as the input allows.
class ScenarioReader {
 public:
  ScenarioReader(YamlReader& r, const FileReferences& files, std::optional<std::uint64_t> seed_override)
      : r_(r), seed_override_(seed_override), files_(files) {}

  void read(const YAML::Node& root, Scenario& s) {
    if (!r_.expect_map(root, "", {"name", "seed", "horizon", "fidelity", "hardware", "sites", "wan", "models",
                                  "workloads", "failures", "scheduler", "outputs", "description", "cost"}))
      return;
    if (auto v = r_.text(root, "name", "", true)) s.name = *v;
    s.scheduler.loc = s.scheduler.policy_loc = r_.loc(root, "");
    if (auto n = YamlReader::child(root, "seed"); n.IsDefined()) {
      std::string why;
      auto v = n.IsScalar() ? parse_quantity(n.Scalar(), Quantity::Count, &why) : std::nullopt;
      if (!v || *v < 0 || std::floor(*v) != *v || *v > 1.8e19)
        r_.error(n, "seed", fmt::format("expected a non-negative integer, got {}", YamlReader::describe(n)));
      else
        s.seed = static_cast<std::uint64_t>(*v);
    }
    if (seed_override_) s.seed = *seed_override_;  // before the workloads: a generated trace follows --seed
    if (auto v = duration(root, "horizon", "", Sign::Positive, false)) s.horizon = *v;
    if (auto v = r_.choice(root, "fidelity", "", {"analytic", "flow"}, false)) {
      s.fidelity = *v == "flow" ? Fidelity::Flow : Fidelity::Analytic;
    }
    read_cost(r_, YamlReader::child(root, "cost"), "cost", CostLevel::Scenario, s.cost.defaults, &s.cost);
    s.hardware = builtin_hardware_profiles();
    read_hardware(YamlReader::child(root, "hardware"), s);
    resolve_derived_profiles(s.hardware, r_.diagnostics());
    read_list(root, "", "sites", true, [&](const YAML::Node& n, const std::string& p) { read_site(n, p, s); });
    if (auto sites = YamlReader::child(root, "sites"); sites.IsSequence() && sites.size() == 0)
      r_.error(sites, "sites", "expected at least one site");
    else if (sites.IsSequence() && sites.size() > static_cast<std::size_t>(limits::kMaxSites))
      r_.error(sites, "sites", fmt::format("{} sites; the limit is {}", sites.size(), limits::kMaxSites));
    read_list(root, "", "wan", false, [&](const YAML::Node& n, const std::string& p) { read_wan(n, p, s); });
    if (auto wan = YamlReader::child(root, "wan"); wan.IsSequence() && wan.size() > static_cast<std::size_t>(limits::kMaxWanLinks))
      r_.error(wan, "wan", fmt::format("{} WAN links; the limit is {}", wan.size(), limits::kMaxWanLinks));
    read_models(YamlReader::child(root, "models"), s);
    read_workloads(YamlReader::child(root, "workloads"), s);
    read_failures(YamlReader::child(root, "failures"), s);
    read_scheduler(YamlReader::child(root, "scheduler"), s);
    read_outputs(YamlReader::child(root, "outputs"), s);
    cross_check(root, s);
  }

 private:
  YamlReader& r_;
  std::optional<std::uint64_t> seed_override_;  // --seed, applied where the file's seed is read
  const FileReferences& files_;  // what hardware: and the traces may read
  // Node of each parsed element, for cross-reference errors that point at it.
  std::map<std::string, YAML::Node> nodes_;
  std::map<std::size_t, std::vector<std::string>> dataset_residency_;  // job index -> its dataset's `residency`
  std::string name_prefix_;  // "SERVICE/" while a service's `models:` entries are read as services
  // Servers (with spares) and GPUs of the clusters read so far, against the
  // platform limits; false once a cluster's size was refused, so that checks
  // comparing jobs with cluster sizes stay quiet instead of adding noise.
  std::int64_t servers_total_ = 0, gpus_total_ = 0;
  std::int64_t direct_links_total_ = 0;  // links and nodes of the scenario's tori and dragonflies
  bool sizes_ok_ = true;

  // A name or a reference to one: text that must not be empty (an empty
  // reference would silently match nothing, or the first element).
  std::optional<std::string> name(const YAML::Node& n, const std::string& key, const std::string& p, bool required) {
    auto v = r_.text(n, key, p, required);
    if (v && v->empty()) {
      r_.error(YamlReader::child(n, key), YamlReader::join(p, key), "expected a non-empty name, got \"\"");
      return std::nullopt;
    }
    return v;
  }

  // A quantity in [lo, hi] after its unit (0 passes when `sign` allows it);
  // `what` and the bounds' wording are for the message.
  std::optional<double> bounded(const YAML::Node& n, const std::string& key, const std::string& p, Quantity kind,
                                Sign sign, bool required, double lo, double hi, const char* what, const char* lo_text,
                                const char* hi_text) {
    auto v = r_.quantity(n, key, p, kind, sign, required);
    if (!v) return v;
    if ((*v != 0 && *v < lo) || *v > hi) {
      r_.error(YamlReader::child(n, key), YamlReader::join(p, key),
               fmt::format("expected {} between {} and {}, got {}", what, lo_text, hi_text,
                           YamlReader::describe(YamlReader::child(n, key))));
      return std::nullopt;
    }
    return v;
  }

  // Durations: any time that reaches SimGrid stays below the horizon limit (limits::kMaxHorizonSeconds).
  std::optional<double> duration(const YAML::Node& n, const std::string& key, const std::string& p, Sign sign,
                                 bool required) {
    return bounded(n, key, p, Quantity::Duration, sign, required, 0, limits::kMaxHorizonSeconds, "a duration", "0",
                   "1000y");
  }
  std::optional<double> interval(const YAML::Node& n, const std::string& key, const std::string& p, bool required) {
    return bounded(n, key, p, Quantity::Duration, Sign::Positive, required, limits::kMinIntervalSeconds,
                   limits::kMaxHorizonSeconds, "an interval", "1s", "1000y");
  }
  std::optional<double> latency(const YAML::Node& n, const std::string& key, const std::string& p) {
    return bounded(n, key, p, Quantity::Duration, Sign::NonNegative, false, 0, limits::kMaxLatencySeconds,
                   "a latency", "0", "1h");
  }
  std::optional<double> bandwidth(const YAML::Node& n, const std::string& key, const std::string& p, bool required) {
    return bounded(n, key, p, Quantity::Bandwidth, Sign::Positive, required, limits::kMinBandwidth,
                   limits::kMaxBandwidth, "a bandwidth", "1kB/s", "1000PB/s");
  }
  // Requests per second: the run draws every arrival, so rate x horizon is
  // bounded too (in cross_check, once the horizon is known).
  std::optional<double> request_rate(const YAML::Node& n, const std::string& key, const std::string& p) {
    return bounded(n, key, p, Quantity::Rate, Sign::Positive, false, 0, limits::kMaxRequestsPerRun, "a rate", "0",
                   "1e9/s");
  }

  // Calls each(element, element_path) for the list under `key`; `path` is the parent's path.
  template <class F>
  void read_list(const YAML::Node& parent, const std::string& path, const std::string& key, bool required, F&& each) {
    const YAML::Node n = YamlReader::child(parent, key);
    const std::string lp = YamlReader::join(path, key);
    if (!n.IsDefined()) {
      if (required) r_.error(parent, path, fmt::format("missing required key '{}'", key));
      return;
    }
    if (!r_.expect_seq(n, lp)) return;
    for (std::size_t i = 0; i < n.size(); ++i) each(n[i], YamlReader::index(lp, i));
  }

  void read_hardware(const YAML::Node& n, Scenario& s) {
    if (!n.IsDefined()) return;
    if (!r_.expect_seq(n, "hardware")) return;
    for (std::size_t i = 0; i < n.size(); ++i) {
      const std::string p = YamlReader::index("hardware", i);
      if (!n[i].IsScalar()) {
        r_.error(n[i], p, fmt::format("expected a profile file path, got {}", YamlReader::describe(n[i])));
        continue;
      }
      std::string why;
      const auto text = files_.read(n[i].Scalar(), kMaxProfileBytes, why);
      if (!text) {
        r_.error(n[i], p, why);
        continue;
      }
      HardwareProfile prof = parse_hardware_profile(*text, files_.display_name(n[i].Scalar()), r_.diagnostics());
      if (!prof.name.empty()) s.hardware[prof.name] = prof;
    }
  }

  void read_site(const YAML::Node& n, const std::string& p, Scenario& s) {
    if (!r_.expect_map(n, p, {"name", "kind", "region", "location", "power", "clusters", "cost"})) return;
    SiteSpec site;
    site.loc = r_.loc(n, p);
    if (auto v = name(n, "name", p, true)) site.name = *v;
    if (auto v = r_.choice(n, "kind", p, {"center", "node"}, false))
      site.kind = *v == "center" ? SiteKind::Center : SiteKind::Node;
    if (auto v = r_.text(n, "region", p, false)) site.region = *v;
    if (site.region.empty()) site.region = site.name;
    if (auto loc = YamlReader::child(n, "location"); loc.IsDefined()) {
      const std::string lp = YamlReader::join(p, "location");
      if (r_.expect_map(loc, lp, {"lat", "lon"})) {
        auto lat = r_.quantity(loc, "lat", lp, Quantity::Count, Sign::Any, true);
        auto lon = r_.quantity(loc, "lon", lp, Quantity::Count, Sign::Any, true);
        if (lat && std::fabs(*lat) > 90) r_.error(YamlReader::child(loc, "lat"), lp + ".lat", "expected a latitude in [-90, 90]");
        else if (lon && std::fabs(*lon) > 180) r_.error(YamlReader::child(loc, "lon"), lp + ".lon", "expected a longitude in [-180, 180]");
        else if (lat && lon) site.location = GeoLocation{*lat, *lon};
      }
    }
    if (auto pw = YamlReader::child(n, "power"); pw.IsDefined()) {
      const std::string pp = YamlReader::join(p, "power");
      if (r_.expect_map(pw, pp, {"pue", "price_per_kwh", "carbon_g_per_kwh", "price_by_hour", "carbon_by_hour"})) {
        for (const char* key : {"price_by_hour", "carbon_by_hour"}) {
          const YAML::Node list = YamlReader::child(pw, key);
          if (!list.IsDefined()) continue;
          std::vector<double>& out = std::string(key) == "price_by_hour" ? site.power.price_by_hour
                                                                          : site.power.carbon_by_hour;
          bool ok = list.IsSequence() && list.size() == 24;
          for (std::size_t i = 0; ok && i < list.size(); ++i) {
            auto v = list[i].IsScalar() ? parse_quantity(list[i].Scalar(), Quantity::Count) : std::nullopt;
            ok = v && *v >= 0 && *v <= (std::string(key) == "price_by_hour" ? kMaxPrice : kMaxCarbon);
            if (ok) out.push_back(*v);
          }
          if (!ok) {
            out.clear();
            r_.error(list, pp + "." + key,
                     fmt::format("expected a list of 24 numbers between 0 and {:g}, one per hour of the day",
                                 std::string(key) == "price_by_hour" ? kMaxPrice : kMaxCarbon));
          }
        }
        if (auto v = r_.quantity(pw, "pue", pp, Quantity::Count, Sign::Positive, false)) {
          if (*v < 1 || *v > 10)
            r_.error(YamlReader::child(pw, "pue"), pp + ".pue", fmt::format("expected a PUE between 1 and 10, got {}", *v));
          else site.power.pue = *v;
        }
        if (auto v = bounded(pw, "price_per_kwh", pp, Quantity::Count, Sign::NonNegative, false, 0, kMaxPrice,
                             "a price", "0", "1e6"))
          site.power.price_per_kwh = *v;
        if (auto v = bounded(pw, "carbon_g_per_kwh", pp, Quantity::Count, Sign::NonNegative, false, 0, kMaxCarbon,
                             "a carbon intensity", "0", "1e5"))
          site.power.carbon_g_per_kwh = *v;
      }
    }
    read_cost(r_, YamlReader::child(n, "cost"), YamlReader::join(p, "cost"), CostLevel::Site, site.cost, nullptr);
    read_list(n, p, "clusters", true, [&](const YAML::Node& c, const std::string& cp) { read_cluster(c, cp, site, s); });
    if (auto cl = YamlReader::child(n, "clusters"); cl.IsSequence() && cl.size() == 0)
      r_.error(cl, p + ".clusters", "expected at least one cluster");
    nodes_["site:" + site.name] = n;
    if (!site.name.empty() && s.find_site(site.name))
      r_.error(YamlReader::child(n, "name"), p + ".name", fmt::format("duplicate site name \"{}\"", site.name));
    s.sites.push_back(std::move(site));
  }

  void read_cluster(const YAML::Node& n, const std::string& p, SiteSpec& site, const Scenario& s) {
    if (!r_.expect_map(n, p, {"name", "gpu", "servers", "gpus_per_server", "scale_up", "scale_out", "storage",
                              "spares", "cost"}))
      return;
    ClusterSpec c;
    c.loc = r_.loc(n, p);
    c.name = name(n, "name", p, false).value_or("main");
    if (auto v = r_.text(n, "gpu", p, true)) {
      c.gpu = *v;
      if (!s.find_profile(c.gpu)) {
        std::vector<std::string> names;
        for (const auto& [k, _] : s.hardware) names.push_back(k);
        const std::string near = closest_match(c.gpu, names);
        r_.error(YamlReader::child(n, "gpu"), p + ".gpu",
                 fmt::format("unknown GPU type \"{}\"{} (known: {})", c.gpu,
                             near.empty() ? "" : fmt::format(", did you mean {}?", near), fmt::join(names, ", ")));
      }
    }
    if (auto v = r_.integer(n, "servers", p, 1, true)) c.servers = *v;
    if (auto v = r_.integer(n, "gpus_per_server", p, 1, false)) c.gpus_per_server = *v;
    if (auto v = r_.integer(n, "spares", p, 0, false)) c.spares = *v;
    check_cluster_size(n, p, c);
    if (auto su = YamlReader::child(n, "scale_up"); su.IsDefined()) {
      const std::string sp = p + ".scale_up";
      if (r_.expect_map(su, sp, {"kind", "bandwidth"})) {
        if (auto v = r_.choice(su, "kind", sp, {"nvswitch", "nvlink", "pcie", "xgmi"}, false)) {
          c.scale_up.kind = *v;
          if (*v == "pcie" || *v == "xgmi")
            r_.warning(YamlReader::child(su, "kind"), sp + ".kind",
                       fmt::format("{} is modelled as the GPU profile's NVLink scaled to the given bandwidth", *v));
        }
        if (auto v = bandwidth(su, "bandwidth", sp, false)) c.scale_up.bandwidth = *v;
      }
    }
    if (auto so = YamlReader::child(n, "scale_out"); so.IsDefined()) {
      const std::string sp = p + ".scale_out";
      if (r_.expect_map(so, sp, {"kind", "nic_bandwidth", "nics_per_server", "topology", "oversubscription",
                                 "latency", "in_network_reduction", "tiers", "radix", "servers_per_leaf",
                                 "uplinks_per_leaf", "leaves_per_pod", "uplinks_per_spine", "link_bandwidth",
                                 "core_link_bandwidth", "placement", "ecmp", "dimensions", "groups",
                                 "chassis_per_group", "routers_per_chassis", "servers_per_router",
                                 "links_between_groups", "links_between_chassis", "links_between_routers"})) {
        if (auto v = r_.choice(so, "kind", sp, {"infiniband", "roce", "ethernet"}, false)) c.scale_out.kind = *v;
        if (auto v = bandwidth(so, "nic_bandwidth", sp, false)) c.scale_out.nic_bandwidth = *v;
        if (auto v = r_.integer(so, "nics_per_server", sp, 1, false)) c.scale_out.nics_per_server = *v;
        if (auto v = r_.choice(so, "topology", sp,
                               {"ideal", "fat-tree", "rail-optimised", "rail-optimized", "rail-only", "torus",
                                "dragonfly"},
                               false))
          c.scale_out.topology = *v;
        if (auto v = r_.quantity(so, "oversubscription", sp, Quantity::Count, Sign::Positive, false)) {
          if (*v < 1 || *v > 1000)
            r_.error(YamlReader::child(so, "oversubscription"), sp + ".oversubscription",
                     fmt::format("expected a ratio between 1 (non-blocking) and 1000, got {}", *v));
          else
            c.scale_out.oversubscription = *v;
        }
        if (auto v = latency(so, "latency", sp)) c.scale_out.latency = *v;
        if (auto v = r_.choice(so, "in_network_reduction", sp, {"none", "sharp"}, false))
          c.scale_out.in_network_reduction = *v;
        read_fabric_shape(so, sp, c);
      }
    }
    if (auto st = YamlReader::child(n, "storage"); st.IsDefined()) {
      const std::string sp = p + ".storage";
      if (r_.expect_map(st, sp, {"write_bandwidth", "read_bandwidth"})) {
        if (auto v = bandwidth(st, "write_bandwidth", sp, false)) c.storage.write_bandwidth = *v;
        if (auto v = bandwidth(st, "read_bandwidth", sp, false)) c.storage.read_bandwidth = *v;
      }
    }
    read_cost(r_, YamlReader::child(n, "cost"), p + ".cost", CostLevel::Cluster, c.cost, nullptr);
    for (const auto& other : site.clusters)
      if (other.name == c.name)
        r_.error(n, p + ".name", fmt::format("duplicate cluster name \"{}\" in site {}", c.name, site.name));
    site.clusters.push_back(std::move(c));
  }

  // The switch keys of `scale_out`, then the whole fabric checked by fabric_shape()
  // (the one home of its rules), its error placed at the key it names.
  void read_fabric_shape(const YAML::Node& so, const std::string& sp, ClusterSpec& c) {
    ScaleOutSpec& o = c.scale_out;
    const std::size_t errors = r_.diagnostics().error_count();
    auto count = [&](const char* key, int min, int& field) {
      if (auto v = r_.integer(so, key, sp, min, false, limits::kMaxSwitchPorts)) field = *v;
    };
    if (auto v = r_.integer(so, "tiers", sp, 1, false)) {
      if (*v != 2 && *v != 3)
        r_.error(YamlReader::child(so, "tiers"), sp + ".tiers", fmt::format("expected 2 or 3 switch tiers, got {}", *v));
      else
        o.tiers = *v;
    }
    if (auto v = r_.choice(so, "placement", sp, {"packed", "lowest"}, false)) o.placement = *v;
    if (auto v = r_.choice(so, "ecmp", sp, {"ideal", "hash"}, false)) o.ecmp = *v;
    count("radix", 2, o.radix);
    count("servers_per_leaf", 1, o.servers_per_leaf);
    count("uplinks_per_leaf", 0, o.uplinks_per_leaf);
    count("leaves_per_pod", 1, o.leaves_per_pod);
    count("uplinks_per_spine", 0, o.uplinks_per_spine);
    if (auto v = bandwidth(so, "link_bandwidth", sp, false)) o.link_bandwidth = *v;
    if (auto v = bandwidth(so, "core_link_bandwidth", sp, false)) o.core_link_bandwidth = *v;
    const bool tiered = o.tiers > 0 || o.topology == "rail-optimised" || o.topology == "rail-optimized";
    for (const char* key : {"uplinks_per_leaf", "uplinks_per_spine"}) {
      const YAML::Node v = YamlReader::child(so, key);
      if (tiered && v.IsDefined() && v.IsScalar() && v.as<std::string>() == "0")
        r_.error(v, sp + "." + key, "a tiered fabric needs at least one uplink here (0 given)");
    }
    read_direct_fabric(so, sp, o);
    const bool direct = direct_topology(o.topology);
    const bool ideal = o.topology == "ideal" || direct || o.topology == "rail-only";
    if (ideal && o.tiers > 0)
      r_.error(YamlReader::child(so, "tiers"), sp + ".tiers", fmt::format("topology {} has no tiers", o.topology));
    if (direct && o.ecmp == "hash")
      r_.error(YamlReader::child(so, "ecmp"), sp + ".ecmp",
               fmt::format("topology {} routes each flow on its one minimal route: ecmp applies to tiered "
                           "fabrics", o.topology));
    if (r_.diagnostics().error_count() != errors || c.servers <= 0) return;
    std::string error, key;
    const FabricShape f = fabric_shape(c, error, key);
    if (!error.empty()) {
      const YAML::Node at = YamlReader::child(so, key);
      r_.error(at.IsDefined() ? at : so, sp + "." + key, error);
      return;
    }
    if (!direct) return;
    // Tori and dragonflies build their links (and routers on empty positions) one by one:
    // each is bounded (direct_fabric.cpp), and so is their sum over the scenario.
    const std::int64_t links = f.positions + f.built_links;  // a node (server or router) per position
    if (links > limits::kMaxDirectFabricLinksTotal - direct_links_total_) {
      r_.error(YamlReader::child(so, "topology"), sp + ".topology",
               fmt::format("this {} brings the scenario's torus and dragonfly links and nodes to {}; the limit is {}",
                           o.topology, direct_links_total_ + links, limits::kMaxDirectFabricLinksTotal));
      return;
    }
    direct_links_total_ += links;
  }

  // The keys of a torus (`dimensions`) and of a dragonfly (its counts), each refused on
  // another topology; the shape checks them together (direct_fabric.hpp).
  void read_direct_fabric(const YAML::Node& so, const std::string& sp, ScaleOutSpec& o) {
    const bool torus = o.topology == "torus", dragonfly = o.topology == "dragonfly";
    if (const YAML::Node dims = YamlReader::child(so, "dimensions"); dims.IsDefined()) {
      if (!torus) {
        r_.error(dims, sp + ".dimensions", fmt::format("dimensions belong to topology torus, not {}", o.topology));
      } else if (!dims.IsSequence() || dims.size() < 1 || dims.size() > 4) {
        r_.error(dims, sp + ".dimensions",
                 fmt::format("expected a list of 1 to 4 torus dimensions, got {}",
                             dims.IsSequence() ? fmt::format("{} of them", dims.size()) : YamlReader::describe(dims)));
      } else {
        for (std::size_t i = 0; i < dims.size(); ++i) {
          const auto v = dims[i].IsScalar() ? parse_quantity(dims[i].Scalar(), Quantity::Count) : std::nullopt;
          // The range first: a cast of a value beyond long long is undefined.
          if (!v || !(*v >= 2 && *v <= limits::kMaxSwitchPorts) || *v != static_cast<double>(static_cast<int>(*v))) {
            r_.error(dims[i], YamlReader::index(sp + ".dimensions", i),
                     fmt::format("expected a whole number of nodes between 2 and {}, got {}", limits::kMaxSwitchPorts,
                                 YamlReader::describe(dims[i])));
            o.dimensions.clear();
            break;
          }
          o.dimensions.push_back(static_cast<int>(*v));
        }
      }
    } else if (torus) {
      r_.error(so, sp + ".dimensions", "topology torus needs `dimensions`, e.g. [4, 4, 4]");
    }
    const std::pair<const char*, int*> counts[] = {
        {"groups", &o.groups}, {"chassis_per_group", &o.chassis_per_group},
        {"routers_per_chassis", &o.routers_per_chassis}, {"servers_per_router", &o.servers_per_router},
        {"links_between_groups", &o.links_between_groups}, {"links_between_chassis", &o.links_between_chassis},
        {"links_between_routers", &o.links_between_routers}};
    for (const auto& [key, field] : counts) {
      const YAML::Node v = YamlReader::child(so, key);
      if (!v.IsDefined()) continue;
      if (!dragonfly) {
        r_.error(v, sp + "." + key, fmt::format("{} belongs to topology dragonfly, not {}", key, o.topology));
        continue;
      }
      if (auto n = r_.integer(so, key, sp, 1, false, limits::kMaxSwitchPorts)) *field = *n;
    }
    if (dragonfly)
      for (const auto& [key, field] : counts)
        if (*field == 0 && !YamlReader::child(so, key).IsDefined())
          r_.error(so, sp + "." + key, fmt::format("topology dragonfly needs `{}`", key));
  }

  // servers x gpus_per_server in 64 bits, and the running totals of the
  // scenario, against the platform limits: SimGrid builds one host per server
  // (spares included) and results count GPUs in int.
  void check_cluster_size(const YAML::Node& n, const std::string& p, ClusterSpec& c) {
    if (c.servers <= 0) {  // refused already
      sizes_ok_ = false;
      return;
    }
    const auto gpus = bounded_product(c.servers, c.gpus_per_server, limits::kMaxGpusTotal);
    const std::int64_t hosts = std::int64_t{c.servers} + c.spares;
    if (hosts > limits::kMaxServersTotal - servers_total_) {
      r_.error(YamlReader::child(n, "servers"), p + ".servers",
               fmt::format("{} servers{} bring the scenario to {} servers; the limit is {}", c.servers,
                           c.spares ? fmt::format(" and {} spares", c.spares) : "", servers_total_ + hosts,
                           limits::kMaxServersTotal));
    } else if (!gpus || *gpus > limits::kMaxGpusTotal - gpus_total_) {
      r_.error(YamlReader::child(n, "servers"), p + ".servers",
               fmt::format("{} servers x {} GPUs bring the scenario to {} GPUs; the limit is {}", c.servers,
                           c.gpus_per_server, static_cast<double>(c.servers) * c.gpus_per_server + gpus_total_,
                           limits::kMaxGpusTotal));
    } else {
      servers_total_ += hosts;
      gpus_total_ += *gpus;
      return;
    }
    sizes_ok_ = false;
    c.servers = 0;  // never multiplied out: the scenario is refused anyway
    c.spares = 0;
  }

  void read_wan(const YAML::Node& n, const std::string& p, Scenario& s) {
    if (!r_.expect_map(n, p, {"from", "to", "bandwidth", "latency", "distance", "cost"})) return;
    WanLinkSpec w;
    w.loc = r_.loc(n, p);
    w.from = name(n, "from", p, true).value_or("");
    w.to = name(n, "to", p, true).value_or("");
    w.bandwidth = bandwidth(n, "bandwidth", p, true).value_or(0);
    auto lat = latency(n, "latency", p);
    // Up to 7e8 km: about limits::kMaxLatencySeconds of fibre.
    w.distance_m = bounded(n, "distance", p, Quantity::Distance, Sign::Positive, false, 0, 7e11, "a distance", "0",
                           "7e8km");
    read_wan_cost(r_, YamlReader::child(n, "cost"), p + ".cost", w);
    if (lat) w.latency = *lat;
    else if (w.distance_m) w.latency = *w.distance_m * kFiberSecondsPerMetre;
    else if (YamlReader::child(n, "latency").IsDefined() || YamlReader::child(n, "distance").IsDefined())
      w.latency = 0;  // given but refused above: not also "give latency or distance"
    else w.latency = -1;  // derived from site locations in cross_check, or an error there
    nodes_["wan:" + std::to_string(s.wan.size())] = n;
    s.wan.push_back(std::move(w));
  }

  void read_models(const YAML::Node& n, Scenario& s) {
    if (!n.IsDefined()) return;
    if (!n.IsMap()) {
      r_.error(n, "models", fmt::format("expected a mapping of model name to shape, got {}", YamlReader::describe(n)));
      return;
    }
    for (auto it = n.begin(); it != n.end(); ++it) {
      ModelSpec m;
      m.name = it->first.Scalar();
      const std::string p = "models." + m.name;
      // A copy: `it->second` belongs to a temporary the iterator hands out, so a
      // reference to it would dangle after this statement (ASan: stack-use-after-scope).
      const YAML::Node v = it->second;
      m.loc = r_.loc(it->first, p);
      if (m.name.empty()) {
        r_.error(it->first, "models", "expected a non-empty model name, got \"\"");
        continue;
      }
      if (!r_.expect_map(v, p, {"layers", "hidden", "heads", "kv_heads", "ffn", "vocab", "seq", "gated_mlp",
                                "tied_embeddings", "dropout", "head_dim", "moe", "mla"}))
        continue;
      m.layers = r_.integer(v, "layers", p, 1, true).value_or(0);
      m.hidden = r_.integer(v, "hidden", p, 1, true).value_or(0);
      m.heads = r_.integer(v, "heads", p, 1, true).value_or(0);
      m.kv_heads = r_.integer(v, "kv_heads", p, 1, false).value_or(m.heads);
      // 4 x hidden in 64 bits: hidden may be up to limits::kMaxInt.
      m.ffn = r_.integer(v, "ffn", p, 1, false)
                  .value_or(static_cast<int>(std::min<std::int64_t>(4 * std::int64_t{m.hidden}, limits::kMaxInt)));
      m.vocab = r_.integer(v, "vocab", p, 1, true).value_or(0);
      m.seq = r_.integer(v, "seq", p, 1, true).value_or(0);
      m.gated_mlp = r_.boolean(v, "gated_mlp", p).value_or(false);
      m.tied_embeddings = r_.boolean(v, "tied_embeddings", p).value_or(true);
      m.dropout = r_.boolean(v, "dropout", p).value_or(true);
      if (m.heads > 0 && m.hidden % m.heads != 0)
        r_.error(YamlReader::child(v, "heads"), p + ".heads",
                 fmt::format("hidden ({}) must be a multiple of heads ({})", m.hidden, m.heads));
      if (m.kv_heads > 0 && m.heads % m.kv_heads != 0)
        r_.error(YamlReader::child(v, "kv_heads"), p + ".kv_heads",
                 fmt::format("heads ({}) must be a multiple of kv_heads ({})", m.heads, m.kv_heads));
      m.head_dim = r_.integer(v, "head_dim", p, 1, false).value_or(0);
      read_moe(v, p, m);
      read_mla(v, p, m);
      nodes_["model:" + m.name] = v;
      s.models.push_back(std::move(m));
    }
  }

  // A model's `moe:` mapping (docs/scenario-reference.md, Models).
  void read_moe(const YAML::Node& v, const std::string& p, ModelSpec& m) {
    const YAML::Node n = YamlReader::child(v, "moe");
    if (!n.IsDefined()) return;
    const std::string mp = p + ".moe";
    if (!r_.expect_map(n, mp, {"experts", "top_k", "expert_ffn", "shared_experts", "dense_layers", "every"})) return;
    m.moe.experts = r_.integer(n, "experts", mp, 1, true).value_or(0);
    m.moe.top_k = r_.integer(n, "top_k", mp, 1, true).value_or(0);
    m.moe.expert_ffn = r_.integer(n, "expert_ffn", mp, 1, false).value_or(m.ffn);
    m.moe.shared_experts = r_.integer(n, "shared_experts", mp, 0, false).value_or(0);
    m.moe.dense_layers = r_.integer(n, "dense_layers", mp, 0, false).value_or(0);
    m.moe.every = r_.integer(n, "every", mp, 1, false).value_or(1);
    if (m.moe.experts > 0 && m.moe.top_k > m.moe.experts)
      r_.error(YamlReader::child(n, "top_k"), mp + ".top_k",
               fmt::format("top_k ({}) cannot exceed experts ({})", m.moe.top_k, m.moe.experts));
    if (m.layers > 0 && m.moe.dense_layers >= m.layers)
      r_.error(YamlReader::child(n, "dense_layers"), mp + ".dense_layers",
               fmt::format("dense_layers ({}) leaves no MoE layer among the model's {} layers", m.moe.dense_layers,
                           m.layers));
  }

  // A model's `mla:` mapping: multi-head latent attention's ranks and head widths.
  void read_mla(const YAML::Node& v, const std::string& p, ModelSpec& m) {
    const YAML::Node n = YamlReader::child(v, "mla");
    if (!n.IsDefined()) return;
    const std::string mp = p + ".mla";
    if (!r_.expect_map(n, mp, {"q_lora_rank", "kv_lora_rank", "qk_nope_head_dim", "qk_rope_head_dim", "v_head_dim"}))
      return;
    m.mla.q_lora_rank = r_.integer(n, "q_lora_rank", mp, 0, false).value_or(0);
    m.mla.kv_lora_rank = r_.integer(n, "kv_lora_rank", mp, 1, true).value_or(0);
    m.mla.qk_nope_head_dim = r_.integer(n, "qk_nope_head_dim", mp, 1, true).value_or(0);
    m.mla.qk_rope_head_dim = r_.integer(n, "qk_rope_head_dim", mp, 0, false).value_or(0);
    m.mla.v_head_dim = r_.integer(n, "v_head_dim", mp, 1, false).value_or(m.mla.qk_nope_head_dim);
    if (YamlReader::child(v, "kv_heads").IsDefined())
      r_.error(YamlReader::child(v, "kv_heads"), p + ".kv_heads",
               "kv_heads does not apply with mla: every head has its own keys and values from the latent");
  }

  // Uneven pipeline stages against the model's layers: the stages first_stage_layers and
  // last_stage_layers do not name share the rest evenly, at least one layer each.
  void check_stage_split(const ModelSpec& m, const ParallelismSpec& q, const YAML::Node& n, const std::string& p) {
    const bool f_set = q.first_stage_layers >= 0, l_set = q.last_stage_layers >= 0;
    const std::int64_t named = std::int64_t{f_set ? q.first_stage_layers : 0} + (l_set ? q.last_stage_layers : 0);
    const std::int64_t others = std::int64_t{q.pp} - f_set - l_set;
    const std::int64_t rest = std::int64_t{m.layers} - named;
    const char* key = f_set ? "first_stage_layers" : "last_stage_layers";
    const std::string names = f_set && l_set ? "first_stage_layers + last_stage_layers" : key;
    const YAML::Node at = YamlReader::child(YamlReader::child(n, "parallelism"), key);
    const std::string where = p + ".parallelism." + key;
    if (others == 0 && rest != 0)
      r_.error(at, where, fmt::format("with pp 2, {} ({}) must equal the model's layers ({})", names, named, m.layers));
    else if (rest < 0)
      r_.error(at, where, fmt::format("{} ({}) exceeds the model's layers ({})", names, named, m.layers));
    else if (others > 0 && (rest < others || rest % others != 0))
      r_.error(at, where,
               fmt::format("the other {} stages must share the remaining {} of the model's {} layers evenly, "
                           "at least one each",
                           others, rest, m.layers));
  }

  // Expert parallelism against the model and the job's other ranks (Megatron-Core's MoE
  // parallel folding: etp x ep ranks out of the tp x cp x dp ranks of one stage).
  void check_experts(const ModelSpec& m, const TrainingJobSpec& j, const YAML::Node& n, const std::string& p) {
    const ParallelismSpec& q = j.parallelism;
    const YAML::Node par = YamlReader::child(n, "parallelism");
    const auto at = [&](const char* key) {
      const YAML::Node k = par.IsMap() ? YamlReader::child(par, key) : YAML::Node();
      return k.IsDefined() ? k : par;
    };
    if (!m.is_moe()) {
      if (q.ep > 1 || q.etp > 1)
        r_.error(at(q.ep > 1 ? "ep" : "etp"), p + ".parallelism." + (q.ep > 1 ? "ep" : "etp"),
                 fmt::format("model {} has no experts (no moe: mapping), so {} must be 1", m.name,
                             q.ep > 1 ? "ep" : "etp"));
      return;
    }
    if (m.moe.experts % q.ep != 0) {
      r_.error(at("ep"), p + ".parallelism.ep",
               fmt::format("ep ({}) must divide the model's experts ({})", q.ep, m.moe.experts));
      return;
    }
    if (m.moe.expert_ffn % q.etp != 0) {
      r_.error(at("etp"), p + ".parallelism.etp",
               fmt::format("etp ({}) must divide the model's expert_ffn ({})", q.etp, m.moe.expert_ffn));
      return;
    }
    if (q.auto_layout) return;  // the layout search keeps to layouts where etp x ep divides tp x cp x dp
    const std::int64_t ranks = std::int64_t{q.tp} * q.cp * q.dp;
    const std::int64_t expert_ranks = std::int64_t{q.etp} * q.ep;
    if (ranks % expert_ranks != 0)
      r_.error(at("ep"), p + ".parallelism.ep",
               fmt::format("etp x ep ({} x {} = {}) must divide the ranks of one pipeline stage, tp x cp x dp "
                           "({} x {} x {} = {})",
                           q.etp, q.ep, expert_ranks, q.tp, q.cp, q.dp, ranks));
  }

  void read_workloads(const YAML::Node& n, Scenario& s) {
    if (!n.IsDefined()) return;
    if (!r_.expect_map(n, "workloads", {"training", "training_trace", "inference"})) return;
    read_list(n, "workloads", "training", false, [&](const YAML::Node& j, const std::string& p) { read_training(j, p, s); });
    const YAML::Node trace = YamlReader::child(n, "training_trace");
    if (trace.IsMap() && YamlReader::child(trace, "generate").IsDefined()) read_generated_trace(trace, s);
    else if (trace.IsMap()) read_swf_reference(trace, s);
    else if (auto v = r_.text(n, "training_trace", "workloads", false)) {
      std::string why;
      if (const auto text = files_.read(*v, limits::kMaxInputFileBytes, why))
        append_jobs(read_job_trace(*text, files_.display_name(*v), s, r_.diagnostics()), s);
      else
        r_.error(YamlReader::child(n, "training_trace"), "workloads.training_trace", why);
    }
    read_list(n, "workloads", "inference", false, [&](const YAML::Node& j, const std::string& p) { read_inference(j, p, s); });
  }

  // A trace's jobs after the scenario's own: moved, never copied (a million-job
  // trace is most of the scenario's memory).
  static void append_jobs(std::vector<TrainingJobSpec>&& jobs, Scenario& s) {
    if (s.training.empty()) {
      s.training = std::move(jobs);
      return;
    }
    s.training.reserve(s.training.size() + jobs.size());
    std::move(jobs.begin(), jobs.end(), std::back_inserter(s.training));
  }

  // workloads.training_trace: {generate: {jobs: N, rate: 20/h, max_gpus: 256, model: M, dataset_sites: [..]}}:
  // the synthetic trace of `rcnsim trace generate`, drawn from the scenario's seed, so that every seed of a
  // sweep schedules a different job mix (docs/sweeps.md#policy-comparisons).
  void read_generated_trace(const YAML::Node& trace, Scenario& s) {
    const std::string tp = "workloads.training_trace";
    if (!r_.expect_map(trace, tp, {"generate"})) return;
    const YAML::Node n = YamlReader::child(trace, "generate");
    const std::string p = tp + ".generate";
    if (!r_.expect_map(n, p, {"jobs", "rate", "max_gpus", "model", "dataset_sites"})) return;
    const auto jobs = r_.integer(n, "jobs", p, 1, true);
    const auto rate = r_.quantity(n, "rate", p, Quantity::Rate, Sign::Positive, true);
    const std::int64_t max_gpus = r_.integer(n, "max_gpus", p, 8, false).value_or(512);
    const auto model = r_.text(n, "model", p, true);
    if (model && !s.find_model(*model))
      r_.error(YamlReader::child(n, "model"), p + ".model", fmt::format("unknown model \"{}\"", quote_input(*model)));
    std::vector<std::string> sites;
    if (const YAML::Node ds = YamlReader::child(n, "dataset_sites"); ds.IsDefined()) {
      if (!ds.IsSequence()) {
        r_.error(ds, p + ".dataset_sites", fmt::format("expected a list of site names, got {}", YamlReader::describe(ds)));
      } else {
        for (std::size_t i = 0; i < ds.size(); ++i) {
          const std::string sp = YamlReader::index(p + ".dataset_sites", i);
          if (!ds[i].IsScalar() || !s.find_site(ds[i].Scalar()))
            r_.error(ds[i], sp, fmt::format("expected a site name, got {}", YamlReader::describe(ds[i])));
          else
            sites.push_back(ds[i].Scalar());
        }
      }
    }
    if (!jobs || !rate || !model || !s.find_model(*model) || r_.diagnostics().has_errors()) return;
    if (auto why = check_trace_generate_args(*jobs, *rate, max_gpus)) {
      r_.error(n, p, *why);
      return;
    }
    const std::string csv = generate_job_trace(static_cast<int>(*jobs), *rate, static_cast<int>(max_gpus), *model,
                                               sites, s.seed);
    append_jobs(read_job_trace(csv, fmt::format("<trace generated with seed {}>", s.seed), s, r_.diagnostics()), s);
  }

  // workloads.training_trace: {file: x.swf, format: swf, model: M, gpus_per_processor: F, site: S}
  void read_swf_reference(const YAML::Node& n, Scenario& s) {
    const std::string p = "workloads.training_trace";
    if (!r_.expect_map(n, p, {"file", "format", "model", "gpus_per_processor", "site"})) return;
    const auto file = r_.text(n, "file", p, true);
    const auto format = r_.choice(n, "format", p, {"swf"}, true);
    SwfMapping map;
    if (auto m = r_.text(n, "model", p, true)) {
      if (!s.find_model(*m)) r_.error(YamlReader::child(n, "model"), p + ".model", fmt::format("unknown model \"{}\"", quote_input(*m)));
      map.model = *m;
    }
    map.gpus_per_processor =
        bounded(n, "gpus_per_processor", p, Quantity::Count, Sign::Positive, false, 1e-6, 1e6, "a factor", "1e-6", "1e6")
            .value_or(1.0);
    if (auto site = r_.text(n, "site", p, false)) {
      if (!s.find_site(*site)) r_.error(YamlReader::child(n, "site"), p + ".site", fmt::format("unknown site \"{}\"", quote_input(*site)));
      map.site = *site;
    }
    if (!file || !format || map.model.empty() || !s.find_model(map.model) || (map.site && !s.find_site(*map.site))) return;
    std::string why;
    if (const auto text = files_.read(*file, limits::kMaxInputFileBytes, why))
      append_jobs(read_swf_trace(*text, files_.display_name(*file), map, s, r_.diagnostics()), s);
    else
      r_.error(YamlReader::child(n, "file"), p + ".file", why);
  }

  // A job across sites (docs/cross-site.md): sites, sync, local_sgd, convergence_penalty,
  // elastic. Site names and routes are checked in cross_check, once every site is read.
  void read_cross_site(const YAML::Node& n, const std::string& p, TrainingJobSpec& j) {
    const YAML::Node sites = YamlReader::child(n, "sites");
    const bool others = YamlReader::child(n, "sync").IsDefined() || YamlReader::child(n, "local_sgd").IsDefined() ||
                        YamlReader::child(n, "convergence_penalty").IsDefined() ||
                        YamlReader::child(n, "elastic").IsDefined();
    if (!sites.IsDefined()) {
      if (others) r_.error(n, p, "sync, local_sgd, convergence_penalty and elastic need sites: [..] or sites: auto");
      return;
    }
    CrossSiteSpec x;
    if (sites.IsScalar() && sites.Scalar() == "auto") {
      x.auto_sites = true;
    } else if (sites.IsSequence() && sites.size() >= 1 && sites.size() <= static_cast<std::size_t>(limits::kMaxSites)) {
      for (std::size_t i = 0; i < sites.size(); ++i) {
        const std::string sp = YamlReader::index(p + ".sites", i);
        if (!sites[i].IsScalar() || sites[i].Scalar().empty()) {
          r_.error(sites[i], sp, fmt::format("expected a site name, got {}", YamlReader::describe(sites[i])));
          return;
        }
        if (std::find(x.sites.begin(), x.sites.end(), sites[i].Scalar()) != x.sites.end())
          r_.error(sites[i], sp, fmt::format("site \"{}\" is listed twice", quote_input(sites[i].Scalar())));
        x.sites.push_back(sites[i].Scalar());
      }
    } else {
      r_.error(sites, p + ".sites", fmt::format("expected auto or a list of site names, got {}", YamlReader::describe(sites)));
      return;
    }
    if (j.site) r_.error(YamlReader::child(n, "site"), p + ".site", "give site or sites, not both");
    if (j.duration) r_.error(YamlReader::child(n, "duration"), p + ".duration", "a job across sites needs tokens or steps");
    if (j.checkpoint.async)  // each share writes to its own site's storage, blocking (docs/cross-site.md)
      r_.error(YamlReader::child(YamlReader::child(n, "checkpoint"), "async"), p + ".checkpoint.async",
               "asynchronous checkpoints of a job across sites are not modelled (docs/cross-site.md)");
    if (j.dataset_site && x.auto_sites)  // with named sites each share stages its part (cross_site_runner.cpp)
      r_.error(YamlReader::child(n, "dataset"), p + ".dataset",
               "dataset staging of a job with sites: auto is not modelled; name its sites (docs/cross-site.md)");
    if (j.parallelism.auto_layout || j.parallelism.min_dp > 0)
      r_.error(YamlReader::child(n, "parallelism"), p + ".parallelism",
               "a job across sites needs a fixed layout (no auto, no min_dp: `elastic` says what a site outage does)");
    x.mode = r_.choice(n, "sync", p, {"sync", "local-sgd"}, false).value_or("sync") == "sync" ? CrossSiteMode::Sync
                                                                                          : CrossSiteMode::LocalSgd;
    const YAML::Node ls = YamlReader::child(n, "local_sgd");
    if (ls.IsDefined() && x.mode != CrossSiteMode::LocalSgd)
      r_.error(ls, p + ".local_sgd", "local_sgd needs sync: local-sgd");
    if (x.mode == CrossSiteMode::LocalSgd) {
      const std::string lp = p + ".local_sgd";
      if (!ls.IsDefined()) r_.error(n, p, "sync: local-sgd needs local_sgd: {inner_steps: H}");
      else if (r_.expect_map(ls, lp, {"inner_steps", "compression", "topk_ratio", "overlap"})) {
        x.inner_steps = r_.integer(ls, "inner_steps", lp, 1, true).value_or(1);
        const std::string c = r_.choice(ls, "compression", lp, {"none", "fp16", "int8", "topk"}, false).value_or("none");
        x.compression = c == "fp16"   ? PseudoGradientCompression::Fp16
                        : c == "int8" ? PseudoGradientCompression::Int8
                        : c == "topk" ? PseudoGradientCompression::TopK
                                      : PseudoGradientCompression::None;
        if (YamlReader::child(ls, "topk_ratio").IsDefined() && x.compression != PseudoGradientCompression::TopK)
          r_.error(YamlReader::child(ls, "topk_ratio"), lp + ".topk_ratio", "topk_ratio needs compression: topk");
        x.topk_ratio = bounded(ls, "topk_ratio", lp, Quantity::Count, Sign::Positive, false, 1e-6, 1, "a fraction",
                               "1e-6", "1")
                           .value_or(0.01);
        x.overlap = r_.boolean(ls, "overlap", lp).value_or(false);
      }
    }
    x.convergence_penalty =
        bounded(n, "convergence_penalty", p, Quantity::Count, Sign::NonNegative, false, 0, 10, "a fraction", "0", "10")
            .value_or(x.mode == CrossSiteMode::Sync ? 0.0 : kDefaultLocalSgdConvergencePenalty);
    if (x.mode == CrossSiteMode::Sync && x.convergence_penalty > 0)
      r_.error(YamlReader::child(n, "convergence_penalty"), p + ".convergence_penalty",
               "sync training is the reference: its convergence penalty is 0");
    x.elastic = r_.boolean(n, "elastic", p).value_or(false);
    j.cross_site = std::make_shared<const CrossSiteSpec>(std::move(x));
  }

  // `residency: [REGIONS]` of a job, a dataset or a service: region names (checked against the
  // sites' regions in cross_check, where its node is found again under `key`). Not given: empty.
  std::vector<std::string> read_residency(const YAML::Node& n, const std::string& p, const std::string& key) {
    std::vector<std::string> regions;
    const YAML::Node rs = YamlReader::child(n, "residency");
    if (!rs.IsDefined()) return regions;
    const std::string rp = p + ".residency";
    if (!rs.IsSequence() || rs.size() == 0 || rs.size() > static_cast<std::size_t>(limits::kMaxSites)) {
      r_.error(rs, rp, fmt::format("expected a list of 1 to {} region names, got {}", limits::kMaxSites,
                                   YamlReader::describe(rs)));
      return regions;
    }
    for (std::size_t i = 0; i < rs.size(); ++i) {
      if (!rs[i].IsScalar() || rs[i].Scalar().empty()) {
        r_.error(rs[i], YamlReader::index(rp, i), fmt::format("expected a region name, got {}", YamlReader::describe(rs[i])));
        continue;
      }
      if (std::find(regions.begin(), regions.end(), rs[i].Scalar()) == regions.end()) regions.push_back(rs[i].Scalar());
    }
    nodes_[key] = rs;
    return regions;
  }

  void read_training(const YAML::Node& n, const std::string& p, Scenario& s) {
    if (!r_.expect_map(n, p, {"name", "model", "submit", "site", "gpus", "parallelism", "global_batch", "tokens",
                              "steps", "duration", "precision", "checkpoint", "dataset", "user", "sites", "sync",
                              "local_sgd", "convergence_penalty", "elastic", "residency"}))
      return;
    TrainingJobSpec j;
    j.loc = r_.loc(n, p);
    j.name = name(n, "name", p, true).value_or("");
    j.model = name(n, "model", p, true).value_or("");
    j.submit = duration(n, "submit", p, Sign::NonNegative, false).value_or(0);
    j.site = name(n, "site", p, false);
    j.gpus = r_.integer(n, "gpus", p, 1, true).value_or(0);
    j.global_batch = r_.integer(n, "global_batch", p, 1, true).value_or(0);
    j.tokens = bounded(n, "tokens", p, Quantity::Count, Sign::Positive, false, 0, limits::kMaxTrainingTokens,
                       "a token count", "0", "1e18");
    j.steps = bounded(n, "steps", p, Quantity::Count, Sign::Positive, false, 0, limits::kMaxTrainingSteps,
                      "a step count", "0", "1e12");
    j.duration = duration(n, "duration", p, Sign::Positive, false);
    j.user = r_.text(n, "user", p, false).value_or("");
    j.residency = read_residency(n, p, "residency:job:" + std::to_string(s.training.size()));
    if ((j.tokens ? 1 : 0) + (j.steps ? 1 : 0) + (j.duration ? 1 : 0) > 1)
      r_.error(n, p, "give one of tokens, steps or duration");
    if (!j.tokens && !j.steps && !j.duration) r_.error(n, p, "missing required key 'tokens', 'steps' or 'duration'");
    if (auto ds = YamlReader::child(n, "dataset"); ds.IsDefined()) {
      const std::string dp = p + ".dataset";
      if (r_.expect_map(ds, dp, {"size", "site", "residency"})) {
        j.dataset_bytes = bounded(ds, "size", dp, Quantity::Bytes, Sign::Positive, true, 0, limits::kMaxBytes,
                                  "a size", "0", "1000PB").value_or(0);
        j.dataset_site = name(ds, "site", dp, true);
        nodes_["dataset:" + std::to_string(s.training.size())] = ds;
        // The job may run only where its dataset may be: the two lists' intersection (cross_check
        // reports an empty one, and a dataset held outside its own residency).
        const std::vector<std::string> data_regions =
            read_residency(ds, dp, "residency:dataset:" + std::to_string(s.training.size()));
        if (!data_regions.empty()) {
          std::vector<std::string> both;
          for (const std::string& r : data_regions)
            if (j.may_run_in(r)) both.push_back(r);
          j.residency = both.empty() ? std::vector<std::string>{""} : both;  // {""}: nowhere, reported later
          dataset_residency_[s.training.size()] = data_regions;
        }
      }
    }
    j.precision = r_.choice(n, "precision", p, kPrecisions, false).value_or("bf16");
    j.parallelism.loc = j.loc;
    auto par = YamlReader::child(n, "parallelism");
    if (par.IsDefined() && par.IsScalar() && par.Scalar() == "auto") {
      // The layout search picks every key per cluster (docs/models.md, Layout search).
      j.parallelism.loc = r_.loc(par, p + ".parallelism");
      j.parallelism.auto_layout = true;
    } else if (par.IsDefined() && par.IsScalar()) {
      r_.error(par, p + ".parallelism", "expected auto or a mapping");
    } else if (par.IsDefined()) {
      const std::string pp = p + ".parallelism";
      j.parallelism.loc = r_.loc(par, pp);
      if (r_.expect_map(par, pp, {"auto", "tp", "cp", "cp_comm", "pp", "dp", "micro_batch", "schedule", "virtual_stages",
                                  "recompute", "sequence_parallel", "zero", "gradient_dtype", "optimizer",
                                  "optimizer_dtype", "min_dp", "ep", "etp", "moe_imbalance", "a2a_overlap",
                                  "first_stage_layers", "last_stage_layers"})) {
        // `auto: true` with some keys: those keys are fixed, the search picks the rest.
        ParallelismSpec& q = j.parallelism;
        q.auto_layout = r_.boolean(par, "auto", pp).value_or(false);
        if (q.auto_layout) {
          auto given = [&](const char* key) { return YamlReader::child(par, key).IsDefined(); };
          q.fixed = {given("tp"), given("cp"), given("pp"), given("dp"), given("micro_batch"), given("schedule"),
                     given("virtual_stages"), given("recompute"), given("sequence_parallel"), given("zero")};
          if (given("min_dp"))
            r_.error(YamlReader::child(par, "min_dp"), pp + ".min_dp",
                     "min_dp (elastic restarts) needs a fixed layout, not auto");
          for (const char* key : {"first_stage_layers", "last_stage_layers"})
            if (given(key))
              r_.error(YamlReader::child(par, key), pp + "." + key,
                       fmt::format("{} needs a fixed layout, not auto (the search chooses the split)", key));
        }
        j.parallelism.tp = r_.integer(par, "tp", pp, 1, false).value_or(1);
        j.parallelism.cp = r_.integer(par, "cp", pp, 1, false).value_or(1);
        j.parallelism.cp_comm = r_.choice(par, "cp_comm", pp, {"ring", "all-gather"}, false).value_or("ring");
        j.parallelism.pp = r_.integer(par, "pp", pp, 1, false).value_or(1);
        // Products in 64 bits, bounded: each factor is at most limits::kMaxInt.
        const auto replica = bounded_product(j.parallelism.tp, j.parallelism.cp, j.parallelism.pp, limits::kMaxInt);
        const std::int64_t tp_cp_pp = replica.value_or(std::int64_t{limits::kMaxInt} + 1);
        const bool dp_given = YamlReader::child(par, "dp").IsDefined();
        j.parallelism.dp = r_.integer(par, "dp", pp, 1, false).value_or(static_cast<int>(j.gpus / tp_cp_pp));
        // Messages name cp only when it is used, so that they read as the file does.
        const bool cp_used = j.parallelism.cp > 1;
        const std::string replica_names = cp_used ? "tp*cp*pp" : "tp*pp";
        const std::string replica_factors =
            cp_used ? fmt::format("{}*{}*{}", j.parallelism.tp, j.parallelism.cp, j.parallelism.pp)
                    : fmt::format("{}*{}", j.parallelism.tp, j.parallelism.pp);
        if (!q.auto_layout && !dp_given && j.gpus > 0 && j.gpus % tp_cp_pp != 0)
          r_.error(par, pp, fmt::format("gpus ({}) must be a multiple of {} ({} = {}) to derive dp", j.gpus,
                                        replica_names, replica_factors,
                                        replica ? std::to_string(tp_cp_pp) : "more than " + std::to_string(limits::kMaxInt)));
        j.parallelism.micro_batch = r_.integer(par, "micro_batch", pp, 1, false).value_or(1);
        j.parallelism.schedule = r_.choice(par, "schedule", pp, {"1f1b", "interleaved-1f1b", "gpipe", "dualpipe"}, false).value_or("1f1b");
        if (j.parallelism.schedule == "dualpipe" && (!q.auto_layout || q.fixed.pp) &&
            (j.parallelism.pp < 2 || j.parallelism.pp % 2 != 0))
          r_.error(YamlReader::child(par, "schedule"), pp + ".schedule",
                   fmt::format("dualpipe needs an even pp >= 2 (each rank holds one stage from each end), got pp {}",
                               j.parallelism.pp));
        j.parallelism.recompute = r_.choice(par, "recompute", pp, {"none", "selective", "full"}, false).value_or("none");
        j.parallelism.virtual_stages =
            r_.integer(par, "virtual_stages", pp, 1, false).value_or(j.parallelism.schedule == "interleaved-1f1b" ? 2 : 1);
        j.parallelism.sequence_parallel = r_.boolean(par, "sequence_parallel", pp).value_or(true);
        j.parallelism.zero = r_.integer(par, "zero", pp, 0, false).value_or(1);
        j.parallelism.gradient_dtype = r_.choice(par, "gradient_dtype", pp, {"fp32", "bf16"}, false).value_or("fp32");
        j.parallelism.optimizer = r_.choice(par, "optimizer", pp, {"megatron", "apex"}, false).value_or("megatron");
        j.parallelism.optimizer_dtype =
            r_.choice(par, "optimizer_dtype", pp, {"fp32", "bf16"}, false).value_or("fp32");
        if (j.parallelism.optimizer == "apex" && j.parallelism.zero != 1)
          r_.error(YamlReader::child(par, "zero"), pp + ".zero",
                   fmt::format("optimizer: apex shards its state over dp x cp only (zero 1), got zero {}",
                               j.parallelism.zero));
        j.parallelism.ep = r_.integer(par, "ep", pp, 1, false).value_or(1);
        j.parallelism.etp = r_.integer(par, "etp", pp, 1, false).value_or(1);
        j.parallelism.moe_imbalance = bounded(par, "moe_imbalance", pp, Quantity::Count, Sign::Positive, false, 1,
                                              limits::kMaxMoeImbalance, "a ratio", "1", "1000")
                                          .value_or(1.0);
        if (j.parallelism.moe_imbalance < 1)  // bounded() lets 0 through; Sign::Positive refused it already
          j.parallelism.moe_imbalance = 1;
        j.parallelism.a2a_overlap =
            bounded(par, "a2a_overlap", pp, Quantity::Count, Sign::NonNegative, false, 0, 1, "a fraction", "0", "1")
                .value_or(0.0);
        j.parallelism.min_dp = r_.integer(par, "min_dp", pp, 1, false).value_or(0);
        // Uneven pipeline stages; checked against the model's layers with the model below.
        for (const char* key : {"first_stage_layers", "last_stage_layers"}) {
          const auto count = r_.integer(par, key, pp, 1, false);  // a stage holds at least one layer
          if (!count || q.auto_layout) continue;
          (std::string(key) == "first_stage_layers" ? q.first_stage_layers : q.last_stage_layers) = *count;
          if (q.pp < 2)
            r_.error(YamlReader::child(par, key), pp + "." + key, fmt::format("{} needs pp >= 2, got pp {}", key, q.pp));
        }
        if (j.parallelism.min_dp > j.parallelism.dp)
          r_.error(YamlReader::child(par, "min_dp"), pp + ".min_dp",
                   fmt::format("min_dp ({}) cannot exceed dp ({})", j.parallelism.min_dp, j.parallelism.dp));
        if (j.parallelism.zero > 3)
          r_.error(YamlReader::child(par, "zero"), pp + ".zero", fmt::format("expected 0, 1, 2 or 3, got {}", j.parallelism.zero));
        if (j.parallelism.schedule == "interleaved-1f1b" && j.parallelism.virtual_stages < 2)
          r_.error(YamlReader::child(par, "virtual_stages"), pp + ".virtual_stages",
                   "interleaved-1f1b needs virtual_stages >= 2");
        if (j.parallelism.schedule != "interleaved-1f1b" && j.parallelism.virtual_stages != 1)
          r_.error(YamlReader::child(par, "virtual_stages"), pp + ".virtual_stages",
                   fmt::format("virtual_stages > 1 needs schedule: interleaved-1f1b (got {})", j.parallelism.schedule));
        // With auto the search keeps to these products; a fixed set that admits no layout is
        // reported by the fit check (checked_scenario.cpp) with what the search counted.
        const std::int64_t gpus = replica ? bounded_product(*replica, q.dp, limits::kMaxInt).value_or(-1) : -1;  // -1: too many
        const std::int64_t dp_mb = std::int64_t{q.dp} * q.micro_batch;
        if (j.gpus > 0 && dp_given && !q.auto_layout && gpus != j.gpus)
          r_.error(par, pp, fmt::format("{}*dp = {}*{} = {} but the job asks for gpus: {}", replica_names,
                                        replica_factors, q.dp,
                                        gpus >= 0 ? std::to_string(gpus) : "more than " + std::to_string(limits::kMaxInt),
                                        j.gpus));
        if (j.global_batch > 0 && dp_mb > 0 && !q.auto_layout && j.global_batch % dp_mb != 0)
          r_.error(YamlReader::child(n, "global_batch"), p + ".global_batch",
                   fmt::format("global_batch ({}) must be a multiple of dp*micro_batch ({}*{})", j.global_batch, q.dp,
                               q.micro_batch));
      }
    } else {
      j.parallelism.dp = j.gpus;
    }
    if (auto ck = YamlReader::child(n, "checkpoint"); ck.IsDefined()) {
      const std::string cp = p + ".checkpoint";
      j.checkpoint.loc = r_.loc(ck, cp);
      if (r_.expect_map(ck, cp, {"interval", "async"})) {
        j.checkpoint.enabled = true;
        if (auto iv = YamlReader::child(ck, "interval"); iv.IsDefined() && iv.IsScalar() && iv.Scalar() == "auto")
          j.checkpoint.auto_interval = true;
        else if (auto v = interval(ck, "interval", cp, true))
          j.checkpoint.interval = *v;
        j.checkpoint.async = r_.boolean(ck, "async", cp).value_or(false);
        // Checkpoints are written through the site's storage: without its bandwidth they are free.
        bool storage = false;
        for (const auto& site : s.sites)
          if (!j.site || *j.site == site.name)
            for (const auto& c : site.clusters) storage = storage || c.storage.write_bandwidth > 0;
        if (!storage)
          r_.warning(ck, cp, "no cluster this job may use gives storage.write_bandwidth: checkpoints take no time");
      }
    }
    read_cross_site(n, p, j);
    for (const auto& other : s.training)
      if (other.name == j.name)
        r_.error(YamlReader::child(n, "name"), p + ".name", fmt::format("duplicate job name \"{}\"", j.name));
    nodes_["job:" + std::to_string(s.training.size())] = n;
    s.training.push_back(std::move(j));
  }

  // A required mapping `key` of site name -> integer >= `least`; site names are
  // checked later (they may be any site), so their nodes are kept under `node_prefix`.
  template <class Add>
  void read_site_counts(const YAML::Node& n, const char* key, const std::string& p, int least,
                        const std::string& node_prefix, const char* hint, Add add) {
    const YAML::Node m = YamlReader::child(n, key);
    const std::string mp = YamlReader::join(p, key);
    if (!m.IsDefined()) {
      r_.error(n, p, fmt::format("missing required key '{}' ({})", key, hint));
    } else if (!m.IsMap()) {
      r_.error(m, mp, fmt::format("expected a mapping of site to replica count, got {}", YamlReader::describe(m)));
    } else {
      for (auto it = m.begin(); it != m.end(); ++it) {
        const std::string site = it->first.Scalar();
        if (auto v = r_.integer(m, site, mp, least, true)) add(site, *v, YamlReader::child(m, site));
        nodes_[node_prefix + site] = it->first;
      }
    }
  }

  // The serving engine's CPU work per scheduler iteration: a preset (docs/inference.md gives each
  // one's source), optionally with its host_overhead replaced, and vLLM's multi-step scheduling.
  void read_serving_engine(const YAML::Node& n, const std::string& p, ServingEngineSpec& e) {
    constexpr double kMaxHostOverheadSeconds = 1;  // per iteration; a real engine's is milliseconds
    constexpr int kMaxSchedulerSteps = 1024;
    e = serving_engine_preset(r_.choice(n, "engine", p, serving_engine_names(), false).value_or("ideal"));
    if (auto v = bounded(n, "host_overhead", p, Quantity::Duration, Sign::NonNegative, false, 0,
                         kMaxHostOverheadSeconds, "a per-iteration host overhead", "0", "1s"))
      e.host_overhead = *v;
    if (auto v = r_.integer(n, "scheduler_steps", p, 1, false)) {
      if (*v > kMaxSchedulerSteps)
        r_.error(YamlReader::child(n, "scheduler_steps"), YamlReader::join(p, "scheduler_steps"),
                 fmt::format("expected a step count between 1 and {}, got {}", kMaxSchedulerSteps, *v));
      else
        e.scheduler_steps = *v;
    }
  }

  // How a replica builds its iterations (docs/inference.md, "Scheduling inside a replica").
  // Token budgets: vLLM v0's defaults, max(model length, 2048) without chunked prefill
  // (set where the model is known, in check_references) and 512 with it (Sarathi-Serve's
  // budget for strict decode latency).
  void read_replica_scheduler(const YAML::Node& n, const std::string& p, ReplicaSchedulerSpec& sch) {
    constexpr int kMaxKvBlock = 1 << 20;  // tokens per block; vLLM's are 8 to 128
    sch.name = r_.choice(n, "scheduler", p, {"orca", "vllm", "sarathi"}, false).value_or("orca");
    if (sch.name == "sarathi") sch.max_batched_tokens = 512;
    if (auto v = bounded(n, "max_batched_tokens", p, Quantity::Count, Sign::Positive, false, 0,
                         limits::kMaxRequestTokens, "a token count", "0", "1e7"))
      sch.max_batched_tokens = std::ceil(*v);
    if (auto v = r_.integer(n, "kv_block", p, 1, false, kMaxKvBlock)) sch.kv_block = *v;
  }

  // The mean request length a distribution gives (ArrivalSpec's prompt_tokens, output_tokens).
  static double mean_length(const TokenLengthSpec& t) {
    if (t.kind == TokenLengthSpec::Kind::Uniform) return (t.min + t.max) / 2;
    if (t.kind != TokenLengthSpec::Kind::Empirical || t.samples.empty()) return t.value;  // fixed; lognormal's mean
    double sum = 0;
    for (double x : t.samples) sum += x;
    return sum / static_cast<double>(t.samples.size());
  }

  // `key` of the arrivals: a token count (every request's), or one of {uniform: {min, max}},
  // {lognormal: {mean, sigma}} (sigma of ln(length)) and {empirical: FILE} (an Azure-format
  // request trace, whose ContextTokens (`prompt`) or GeneratedTokens column is drawn from).
  TokenLengthSpec read_token_length(const YAML::Node& ar, const char* key, const std::string& ap, double fallback,
                                    bool prompt) {
    constexpr double kMaxSigma = 5;  // of ln(length): e^5 ~ 150x between a typical and a 1-sigma length
    TokenLengthSpec t = TokenLengthSpec::fixed(fallback);
    const YAML::Node n = YamlReader::child(ar, key);
    const std::string p = YamlReader::join(ap, key);
    auto tokens = [&](const YAML::Node& m, const char* k, const std::string& mp) {
      return bounded(m, k, mp, Quantity::Count, Sign::Positive, true, 0, limits::kMaxRequestTokens, "a token count",
                     "0", "1e7");
    };
    if (!n.IsDefined()) return t;
    if (!n.IsMap()) {
      if (auto v = tokens(ar, key, ap)) t.value = *v;
      return t;
    }
    if (!r_.expect_map(n, p, {"uniform", "lognormal", "empirical"})) return t;
    if (n.size() != 1) {
      r_.error(n, p, "give one of uniform, lognormal or empirical");
      return t;
    }
    if (const YAML::Node u = YamlReader::child(n, "uniform"); u.IsDefined()) {
      const std::string up = p + ".uniform";
      if (!r_.expect_map(u, up, {"min", "max"})) return t;
      const auto lo = tokens(u, "min", up), hi = tokens(u, "max", up);
      if (!lo || !hi) return t;
      if (std::round(*lo) > std::round(*hi)) {
        r_.error(u, up, fmt::format("expected min <= max, got min {:g} and max {:g}", *lo, *hi));
        return t;
      }
      t.kind = TokenLengthSpec::Kind::Uniform;
      t.min = std::max(1.0, std::round(*lo)), t.max = std::max(1.0, std::round(*hi));
    } else if (const YAML::Node l = YamlReader::child(n, "lognormal"); l.IsDefined()) {
      const std::string lp = p + ".lognormal";
      if (!r_.expect_map(l, lp, {"mean", "sigma"})) return t;
      const auto mean = tokens(l, "mean", lp);
      const auto sigma = bounded(l, "sigma", lp, Quantity::Count, Sign::NonNegative, true, 0, kMaxSigma,
                                 "a standard deviation of ln(tokens)", "0", "5");
      if (!mean || !sigma) return t;
      t.kind = TokenLengthSpec::Kind::Lognormal;
      t.value = *mean, t.sigma = *sigma;
    } else if (auto file = YamlReader::child(n, "empirical").IsDefined() ? r_.text(n, "empirical", p, true)
                                                                          : std::nullopt) {  // else: reported as unknown
      t.kind = TokenLengthSpec::Kind::Empirical;
      t.trace = files_.display_name(*file);
      std::string why;
      if (const auto text = files_.read(*file, limits::kMaxInputFileBytes, why)) {
        for (const TraceRequest& row : parse_request_trace(*text, t.trace, r_.diagnostics()))
          t.samples.push_back(prompt ? row.prompt_tokens : std::max(1.0, row.output_tokens));
        if (t.samples.empty()) r_.error(YamlReader::child(n, "empirical"), p + ".empirical", "the trace has no requests");
      } else {
        r_.error(YamlReader::child(n, "empirical"), p + ".empirical", why);
      }
    }
    return t;
  }

  // A trace's replay: `rate_scale` (timestamps divided by it) and `loop` (replayed back to back
  // until the horizon, one period = the trace's span and one mean gap). Only for traces.
  void read_trace_replay(const YAML::Node& ar, const std::string& ap, ArrivalSpec& a) {
    constexpr double kMaxRateScale = 1e6;
    for (const char* key : {"rate_scale", "loop"})
      if (YamlReader::child(ar, key).IsDefined() && a.kind != "trace")
        r_.error(YamlReader::child(ar, key), YamlReader::join(ap, key), fmt::format("{} applies to trace arrivals only", key));
    if (auto v = bounded(ar, "rate_scale", ap, Quantity::Count, Sign::Positive, false, 1e-6, kMaxRateScale,
                         "a rate scale", "1e-6", "1e6"))
      a.rate_scale = *v;
    a.loop = r_.boolean(ar, "loop", ap).value_or(false);
    if (a.loop && a.kind == "trace" && a.requests.size() >= 1 &&
        !(a.requests.size() >= 2 && a.requests.back().at > a.requests.front().at))
      r_.error(YamlReader::child(ar, "loop"), YamlReader::join(ap, "loop"),
               "a looped trace needs requests at two different times at least");
  }

  // prefix_cache: {hit: SHARE} (of every prompt) or {conversations: true} (the trace's ConversationId column).
  void read_prefix_cache(const YAML::Node& n, const std::string& p, PrefixCacheSpec& pc) {
    const YAML::Node m = YamlReader::child(n, "prefix_cache");
    if (!m.IsDefined()) return;
    const std::string mp = p + ".prefix_cache";
    if (!r_.expect_map(m, mp, {"hit", "conversations"})) return;
    if (auto v = bounded(m, "hit", mp, Quantity::Count, Sign::NonNegative, false, 0, 1, "a share of the prompt", "0",
                         "1"))
      pc.hit = *v;
    pc.conversations = r_.boolean(m, "conversations", mp).value_or(false);
    if (pc.conversations && pc.hit > 0) r_.error(m, mp, "give one of hit and conversations");
  }

  // The keys of a service (and of each entry of its `models:`).
  static const std::vector<std::string>& service_keys() {
    static const std::vector<std::string> keys{
        "name", "model", "replicas", "gpus_per_replica", "ep", "arrivals", "demand", "slo", "routing", "precision",
        "max_batch", "cuda_graphs", "engine", "host_overhead", "scheduler_steps", "autoscale", "scheduler",
        "max_batched_tokens", "kv_block", "prefix_cache", "share_servers", "cold_start", "tenant", "priority", "residency", "disaggregated", "mode", "fast_interval"};
    return keys;
  }

  // `models:` under a service (docs/inference.md, "Many models and tenants"): one service per
  // entry, named SERVICE/NAME, the entry's keys over the service's. Entries inherit the keys they
  // lack in place (so every message points at the line it concerns) and are read as services.
  bool read_service_models(const YAML::Node& n, const std::string& p, Scenario& s) {
    const YAML::Node list = YamlReader::child(n, "models");
    if (!list.IsDefined() || !name_prefix_.empty()) return false;  // a model's own `models` is refused by expect_map
    const std::string service = name(n, "name", p, true).value_or("");
    std::vector<std::string> keys = service_keys();
    keys.push_back("models");
    r_.expect_map(n, p, keys);  // the service's own keys, checked once (its entries get only the known ones)
    if (!list.IsSequence() || list.size() == 0) {
      r_.error(list, p + ".models", fmt::format("expected a list of models, got {}", YamlReader::describe(list)));
      return true;
    }
    std::vector<std::string> seen;
    for (std::size_t i = 0; i < list.size(); ++i) {
      YAML::Node m = list[i];
      const std::string mp = YamlReader::index(p + ".models", i);
      if (!m.IsMap()) {
        r_.error(m, mp, fmt::format("expected a mapping (name, model, arrivals...), got {}", YamlReader::describe(m)));
        continue;
      }
      if (YamlReader::child(m, "models").IsDefined()) {
        r_.error(YamlReader::child(m, "models"), mp + ".models", "a model of a service cannot list models itself");
        continue;
      }
      const std::string model_name = name(m, "name", mp, false).value_or("");  // read_inference reports it missing
      if (!model_name.empty() && std::find(seen.begin(), seen.end(), model_name) != seen.end())
        r_.error(YamlReader::child(m, "name"), mp + ".name", fmt::format("duplicate model name \"{}\" in service {}", model_name, service));
      seen.push_back(model_name);
      for (auto it = n.begin(); it != n.end(); ++it) {
        const std::string key = it->first.Scalar();
        const auto& known = service_keys();
        if (key != "name" && std::find(known.begin(), known.end(), key) != known.end() &&
            !YamlReader::child(m, key).IsDefined())
          m[key] = it->second;
      }
      if (!YamlReader::child(m, "tenant").IsDefined()) m["tenant"] = service;
      name_prefix_ = service + "/";
      read_inference(m, mp, s);
      name_prefix_.clear();
    }
    return true;
  }

  // `disaggregated: {prefill: {SITE: N}, decode: {SITE: N}}` instead of `replicas`: the two pools
  // per site; `replicas` gets each site's total (placement, results), `prefill_replicas` the
  // prefill pool. False when the key is absent.
  bool read_disaggregated(const YAML::Node& n, const std::string& p, InferenceServiceSpec& sv) {
    const YAML::Node m = YamlReader::child(n, "disaggregated");
    if (!m.IsDefined()) return false;
    const std::string mp = p + ".disaggregated";
    if (YamlReader::child(n, "replicas").IsDefined()) r_.error(m, mp, "give replicas or disaggregated, not both");
    if (!r_.expect_map(m, mp, {"prefill", "decode"})) return true;
    auto add_to = [&](std::vector<std::pair<std::string, int>>& pool) {
      return [&pool](const std::string& site, int v, const YAML::Node&) { pool.emplace_back(site, v); };
    };
    std::vector<std::pair<std::string, int>> decode;
    read_site_counts(m, "prefill", mp, 1, "replica:" + sv.name + ":", "site: count", add_to(sv.prefill_replicas));
    read_site_counts(m, "decode", mp, 1, "decode:" + sv.name + ":", "site: count", add_to(decode));
    sv.replicas = sv.prefill_replicas;
    for (const auto& [site, count] : decode) {
      auto it = std::find_if(sv.replicas.begin(), sv.replicas.end(), [&s = site](const auto& x) { return x.first == s; });
      if (it != sv.replicas.end()) it->second += count;
      else sv.replicas.emplace_back(site, count), nodes_["replica:" + sv.name + ":" + site] = nodes_["decode:" + sv.name + ":" + site];
    }
    if (decode.empty() && YamlReader::child(m, "decode").IsMap()) r_.error(m, mp, "the decode pool has no replica");
    if (YamlReader::child(n, "autoscale").IsDefined()) r_.error(m, mp, "disaggregated pools do not autoscale");
    return true;
  }

  void read_inference(const YAML::Node& n, const std::string& p, Scenario& s) {
    if (read_service_models(n, p, s)) return;
    if (!r_.expect_map(n, p, service_keys())) return;
    InferenceServiceSpec sv;
    sv.loc = r_.loc(n, p);
    sv.name = name_prefix_ + name(n, "name", p, true).value_or("");
    sv.tenant = name(n, "tenant", p, false).value_or("");
    sv.above_training = r_.choice(n, "priority", p, {"normal", "above-training"}, false).value_or("normal") == "above-training";
    sv.model = name(n, "model", p, true).value_or("");
    sv.gpus_per_replica = r_.integer(n, "gpus_per_replica", p, 1, false).value_or(1);
    sv.ep = r_.integer(n, "ep", p, 1, false).value_or(1);
    sv.routing = r_.choice(n, "routing", p, {"nearest", "least-loaded", "cost"}, false).value_or("nearest");
    sv.precision = r_.choice(n, "precision", p, kPrecisions, false).value_or("bf16");
    sv.max_batch = r_.integer(n, "max_batch", p, 1, false).value_or(256);
    sv.cuda_graphs = r_.boolean(n, "cuda_graphs", p).value_or(true);
    sv.share_servers = r_.boolean(n, "share_servers", p).value_or(false);
    sv.cold_start = r_.boolean(n, "cold_start", p).value_or(false);
    sv.fast = r_.choice(n, "mode", p, {"discrete", "fast"}, false).value_or("discrete") == "fast";
    if (auto v = interval(n, "fast_interval", p, false)) sv.fast_interval = *v;
    read_serving_engine(n, p, sv.engine);
    read_replica_scheduler(n, p, sv.scheduler);
    read_prefix_cache(n, p, sv.prefix_cache);
    if (sv.fast) {  // kept so that `mode: discrete` shows them, but fast mode leaves them out
      if (sv.cold_start)
        r_.warning(YamlReader::child(n, "cold_start"), p + ".cold_start",
                   "fast mode leaves out cold starts: no weights' load time is charged (mode: discrete simulates it)");
      if (YamlReader::child(n, "prefix_cache").IsDefined())
        r_.warning(YamlReader::child(n, "prefix_cache"), p + ".prefix_cache",
                   "fast mode leaves out prefix caching: every prompt is prefilled whole (mode: discrete simulates it)");
    }
    nodes_["gpus_per_replica:" + sv.name] = YamlReader::child(n, "gpus_per_replica");
    if (read_disaggregated(n, p, sv)) {
      if (sv.fast)
        r_.error(YamlReader::child(n, "mode"), p + ".mode",
                 "fast mode models colocated replicas only: give mode: discrete with disaggregated pools");
    } else {
      read_site_counts(n, "replicas", p, 0, "replica:" + sv.name + ":", "site: count",
                       [&](const std::string& site, int v, const YAML::Node&) { sv.replicas.emplace_back(site, v); });
    }
    if (auto ar = YamlReader::child(n, "arrivals"); ar.IsDefined()) {
      const std::string ap = p + ".arrivals";
      sv.arrivals.loc = r_.loc(ar, ap);
      if (r_.expect_map(ar, ap, {"poisson", "daily", "trace", "prompt_tokens", "output_tokens", "rate_scale", "loop"})) {
        int kinds = 0;
        if (auto v = request_rate(ar, "poisson", ap)) {
          sv.arrivals.kind = "poisson";
          sv.arrivals.rate = *v;
          ++kinds;
        }
        if (auto v = request_rate(ar, "daily", ap)) {
          sv.arrivals.kind = "daily";
          sv.arrivals.rate = *v;
          ++kinds;
        }
        if (auto v = r_.text(ar, "trace", ap, false)) {
          sv.arrivals.kind = "trace";
          sv.arrivals.trace = files_.display_name(*v);
          std::string why;
          if (const auto text = files_.read(*v, limits::kMaxInputFileBytes, why))
            sv.arrivals.requests = parse_request_trace(*text, sv.arrivals.trace, r_.diagnostics());
          else
            r_.error(YamlReader::child(ar, "trace"), ap + ".trace", why);
          ++kinds;
        }
        if (kinds != 1) r_.error(ar, ap, "give exactly one of poisson, daily or trace");
        sv.arrivals.prompt_length = read_token_length(ar, "prompt_tokens", ap, 1024, true);
        sv.arrivals.output_length = read_token_length(ar, "output_tokens", ap, 128, false);
        sv.arrivals.prompt_tokens = mean_length(sv.arrivals.prompt_length);
        sv.arrivals.output_tokens = mean_length(sv.arrivals.output_length);
        read_trace_replay(ar, ap, sv.arrivals);
      }
    } else {
      r_.error(n, p, "missing required key 'arrivals'");
    }
    if (auto dm = YamlReader::child(n, "demand"); dm.IsDefined()) {
      if (!dm.IsMap()) {
        r_.error(dm, p + ".demand", fmt::format("expected a mapping of region to share, got {}", YamlReader::describe(dm)));
      } else {
        double total = 0;
        for (auto it = dm.begin(); it != dm.end(); ++it) {
          const std::string region = it->first.Scalar();
          if (auto v = r_.quantity(dm, region, p + ".demand", Quantity::Count, Sign::NonNegative, true)) {
            sv.demand.emplace_back(region, *v);
            total += *v;
          }
          nodes_["demand:" + sv.name + ":" + region] = it->first;
        }
        if (total <= 0) r_.error(dm, p + ".demand", "demand shares must add up to more than 0");
      }
    }
    sv.residency = read_residency(n, p, "residency:service:" + std::to_string(s.inference.size()));
    if (auto as = YamlReader::child(n, "autoscale"); as.IsDefined()) {
      const std::string ap = p + ".autoscale";
      if (r_.expect_map(as, ap, {"max", "interval", "up", "down", "down_after"})) {
        AutoscaleSpec& a = sv.autoscale;
        a.interval = interval(as, "interval", ap, false).value_or(60);
        a.up = r_.quantity(as, "up", ap, Quantity::Count, Sign::Positive, false).value_or(0.8);
        a.down = r_.quantity(as, "down", ap, Quantity::Count, Sign::NonNegative, false).value_or(0.3);
        a.down_after = r_.integer(as, "down_after", ap, 1, false).value_or(5);
        if (a.down >= a.up)
          r_.error(as, ap, fmt::format("expected down < up (got down {} and up {})", a.down, a.up));
        read_site_counts(as, "max", ap, 1, "autoscale:" + sv.name + ":", "site: most replicas",
                         [&](const std::string& site, int v, const YAML::Node& value) {
                           int least = 0;
                           for (const auto& [rs, count] : sv.replicas)
                             if (rs == site) least = count;
                           if (v < least)
                             r_.error(value, ap + ".max." + site,
                                      fmt::format("expected at least the {} replicas the service starts with there", least));
                           a.max.emplace_back(site, v);
                         });
      }
    }
    // With no replica anywhere and nothing to scale up, the service would get no
    // arrivals at all and report no requests rather than unserved demand.
    if (const auto rn = YamlReader::child(n, "replicas"); rn.IsMap() && sv.autoscale.max.empty() &&
                                                         std::all_of(sv.replicas.begin(), sv.replicas.end(),
                                                                     [](const auto& r) { return r.second == 0; }))
      r_.error(rn, p + ".replicas",
               "a service needs at least one replica somewhere, or autoscale with max >= 1 somewhere");
    if (auto slo = YamlReader::child(n, "slo"); slo.IsDefined()) {
      const std::string sp = p + ".slo";
      if (r_.expect_map(slo, sp, {"ttft", "tpot", "e2e"})) {
        sv.slo.ttft = duration(slo, "ttft", sp, Sign::Positive, false).value_or(0);
        sv.slo.tpot = duration(slo, "tpot", sp, Sign::Positive, false).value_or(0);
        sv.slo.e2e = duration(slo, "e2e", sp, Sign::Positive, false).value_or(0);
      }
    }
    nodes_["service:" + std::to_string(s.inference.size())] = n;
    s.inference.push_back(std::move(sv));
  }

  void read_failures(const YAML::Node& n, Scenario& s) {
    if (!n.IsDefined()) return;
    const std::string p = "failures";
    if (!r_.expect_map(n, p, {"mix", "scale", "detection", "restart", "rack_servers", "components", "sites", "events"}))
      return;
    FailureSpec& f = s.failures;
    f.present = true;
    f.loc = r_.loc(n, p);
    f.mix = r_.choice(n, "mix", p, {"none", "llama3"}, false).value_or("none");
    f.scale = r_.quantity(n, "scale", p, Quantity::Count, Sign::NonNegative, false).value_or(1.0);
    f.scale_loc = YamlReader::child(n, "scale").IsDefined() ? r_.loc(YamlReader::child(n, "scale"), p + ".scale")
                                                            : f.loc;
    f.detection = duration(n, "detection", p, Sign::NonNegative, false).value_or(300);
    f.restart = duration(n, "restart", p, Sign::NonNegative, false).value_or(600);
    f.rack_servers = r_.integer(n, "rack_servers", p, 1, false).value_or(4);
    if (const YAML::Node comps = YamlReader::child(n, "components"); comps.IsDefined()) {
      const std::vector<std::string> classes{"gpu", "hbm", "gpu-sram", "gpu-processor", "nic", "switch", "server",
                                             "software", "storage", "site", "spine", "cable"};
      if (r_.expect_map(comps, p + ".components", classes)) {
        for (auto it = comps.begin(); it != comps.end(); ++it) {
          const std::string name = it->first.Scalar();
          const std::string cp = p + ".components." + name;
          if (!r_.expect_map(it->second, cp, {"rate", "distribution", "shape", "repair"})) continue;
          ComponentOverride o;
          o.rate = r_.quantity(it->second, "rate", cp, Quantity::Rate, Sign::NonNegative, false);
          o.distribution = r_.choice(it->second, "distribution", cp, {"exponential", "weibull"}, false);
          o.shape = bounded(it->second, "shape", cp, Quantity::Count, Sign::Positive, false, limits::kMinWeibullShape,
                            limits::kMaxWeibullShape, "a Weibull shape", "0.1", "10");
          o.repair = duration(it->second, "repair", cp, Sign::NonNegative, false);
          f.components[name] = o;
        }
      }
    }
    if (const YAML::Node sites = YamlReader::child(n, "sites"); sites.IsDefined()) {
      if (!sites.IsMap()) {
        r_.error(sites, p + ".sites", "expected a mapping of site name to {scale: x}");
      } else {
        for (auto it = sites.begin(); it != sites.end(); ++it) {
          const std::string name = it->first.Scalar();
          const std::string sp = p + ".sites." + name;
          if (!r_.expect_map(it->second, sp, {"scale"})) continue;
          f.site_scale[name] = r_.quantity(it->second, "scale", sp, Quantity::Count, Sign::NonNegative, true).value_or(1);
          if (!s.find_site(name)) r_.error(it->first, sp, fmt::format("unknown site \"{}\"", name));
        }
      }
    }
    read_list(n, p, "events", false, [&](const YAML::Node& e, const std::string& ep) {
      if (!r_.expect_map(e, ep, {"at", "target", "kind", "duration"})) return;
      FailureEventSpec ev;
      ev.loc = r_.loc(e, ep);
      ev.at = duration(e, "at", ep, Sign::NonNegative, true).value_or(0);
      ev.target = name(e, "target", ep, true).value_or("");
      ev.kind = r_.choice(e, "kind", ep, {"site-outage", "server", "gpu", "link-cut", "switch", "cable"}, true).value_or("");
      ev.duration = duration(e, "duration", ep, Sign::Positive, true).value_or(0);
      nodes_["event:" + std::to_string(f.events.size())] = e;
      f.events.push_back(std::move(ev));
    });
  }

  void read_scheduler(const YAML::Node& n, Scenario& s) {
    if (!n.IsDefined()) return;
    const std::string p = "scheduler";
    if (!r_.expect_map(n, p, {"policy", "options"})) return;
    s.scheduler.loc = r_.loc(n, p);
    if (auto v = r_.text(n, "policy", p, true)) {
      s.scheduler.policy = *v;
      s.scheduler.policy_loc = r_.loc(YamlReader::child(n, "policy"), p + ".policy");
    }
    if (auto o = YamlReader::child(n, "options"); o.IsDefined()) {
      if (!o.IsMap()) {
        r_.error(o, p + ".options", fmt::format("expected a mapping, got {}", YamlReader::describe(o)));
      } else {
        for (auto it = o.begin(); it != o.end(); ++it) {
          if (!it->second.IsScalar())
            r_.error(it->second, p + ".options." + it->first.Scalar(), "expected a scalar option value");
          else
            s.scheduler.options[it->first.Scalar()] = it->second.Scalar();
        }
      }
    }
  }

  void read_outputs(const YAML::Node& n, Scenario& s) {
    if (!n.IsDefined()) return;
    const std::string p = "outputs";
    if (!r_.expect_map(n, p, {"dir", "trace", "report"})) return;
    s.outputs.loc = r_.loc(n, p);
    s.outputs.dir = r_.text(n, "dir", p, false).value_or("results");
    s.outputs.trace = r_.boolean(n, "trace", p).value_or(true);
    s.outputs.report = r_.boolean(n, "report", p).value_or(true);
  }

  // The run gives each starting replica a server of its own, first fit over the
  // site's clusters with enough GPUs per server, service after service, before
  // any training job (engine/inference_service.cpp, start_inference). The same
  // here, so that `validate` refuses what the run would, with the same words.
  // With share_servers a replica first takes room on a server replicas already share (any
  // service's, lowest cluster first), as the run does; `shared` holds those servers' free GPUs.
  // A replica's GPUs divide a server's or are whole servers (InferenceServiceSpec::servers_per_replica)
  // on at least one cluster of the site; otherwise one error at gpus_per_replica.
  bool replica_shape_fits(const InferenceServiceSpec& sv, const SiteSpec& site, const std::string& p) {
    for (const auto& c : site.clusters)
      if (sv.servers_per_replica(c.gpus_per_server) > 0) return true;
    if (site.clusters.empty()) return true;  // reported as no room
    const YAML::Node& at = nodes_["gpus_per_replica:" + sv.name];
    r_.error(at.IsDefined() ? at : nodes_["replica:" + sv.name + ":" + site.name], p + ".gpus_per_replica",
             fmt::format("{} GPUs per replica neither divide nor are a multiple of the {} GPUs of a server of site {}",
                         sv.gpus_per_replica, site.clusters.front().gpus_per_server, site.name));
    return false;
  }

  // A service's `ep` needs a MoE model whose experts it divides, and either divides the GPUs a
  // replica holds in each server (expert parallelism inside each pipeline stage) or, larger than
  // them, divides the replica's GPUs with the same whole number of EP ranks on each of its servers
  // (one stage over all of them, the all-to-all over the fabric: InferenceCost's tp_servers).
  void check_expert_parallel(const Scenario& s, const InferenceServiceSpec& sv, const ModelSpec& m,
                             const YAML::Node& at, const std::string& p) {
    if (!m.is_moe())
      return r_.error(at, p, fmt::format("ep {} needs a mixture-of-experts model; {} is dense", sv.ep, sv.model));
    if (m.moe.experts % sv.ep != 0)
      return r_.error(at, p, fmt::format("ep {} does not divide the {} experts of {}", sv.ep, m.moe.experts, sv.model));
    for (const auto& [site_name, count] : sv.replicas)
      if (const SiteSpec* site = s.find_site(site_name))
        for (const auto& c : site->clusters)
          if (const int k = sv.servers_per_replica(c.gpus_per_server); k > 0) {
            const int per_server = sv.gpus_per_replica / k;
            if (sv.gpus_per_replica % sv.ep != 0)
              return r_.error(at, p, fmt::format("ep {} does not divide the {} GPUs of a replica", sv.ep,
                                                 sv.gpus_per_replica));
            if (sv.ep <= per_server && per_server % sv.ep != 0)
              return r_.error(at, p, fmt::format("ep {} does not divide the {} GPUs a replica holds in each server of site {}",
                                                 sv.ep, per_server, site_name));
            if (sv.ep > per_server && sv.ep % k != 0)
              return r_.error(at, p, fmt::format("ep {} spans the {} servers of a replica at site {} but does not put the "
                                                 "same whole number of expert-parallel ranks on each",
                                                 sv.ep, k, site_name));
          }
  }

  // "8 GPUs in one server", or "16 GPUs on 2 servers" for a replica spanning the site's first fitting cluster's servers.
  static std::string replica_shape_words(const InferenceServiceSpec& sv, const SiteSpec& site) {
    for (const auto& c : site.clusters)
      if (const int k = sv.servers_per_replica(c.gpus_per_server); k > 1)
        return fmt::format("{} GPUs on {} servers", sv.gpus_per_replica, k);
    return fmt::format("{} GPUs in one server", sv.gpus_per_replica);
  }

  void place_replicas(const Scenario& s, const InferenceServiceSpec& sv, const std::string& p,
                      std::map<const ClusterSpec*, std::int64_t>& taken,
                      std::map<const ClusterSpec*, std::vector<std::int64_t>>& shared) {
    for (const auto& [site_name, count] : sv.replicas) {
      const SiteSpec* site = s.find_site(site_name);
      if (!site) continue;  // reported as an unknown site
      if (!replica_shape_fits(sv, *site, p)) continue;
      std::int64_t left = count;
      const std::int64_t g = sv.gpus_per_replica;
      while (sv.share_servers && left > 0) {  // one replica at a time: shared room, else a new server
        std::int64_t* room = nullptr;
        for (const auto& c : site->clusters)
          for (auto& free_gpus : shared[&c])
            if (!room && free_gpus >= g) room = &free_gpus;
        if (!room)
          for (const auto& c : site->clusters)
            if (!room && c.gpus_per_server >= g && taken[&c] < c.servers) {
              ++taken[&c];
              room = &shared[&c].emplace_back(c.gpus_per_server);
            }
        if (!room) break;
        *room -= g;
        --left;
      }
      for (const auto& c : site->clusters) {
        const int k = sv.servers_per_replica(c.gpus_per_server);  // whole servers one replica holds
        if (k == 0 || (sv.share_servers && k == 1)) continue;
        const std::int64_t take = std::min(left, (c.servers - taken[&c]) / k);
        taken[&c] += take * k;
        left -= take;
      }
      if (left > 0)
        r_.error(nodes_["replica:" + sv.name + ":" + site_name], p + ".replicas." + site_name,
                 fmt::format("site {} has no room for replica {} of {} ({})", site_name, count - left + 1, sv.name,
                             replica_shape_words(sv, *site)));
    }
    // The run makes a slot for every replica autoscaling may add: no more than the site has servers for.
    for (const auto& [site_name, most] : sv.autoscale.max) {
      const SiteSpec* site = s.find_site(site_name);
      if (!site) continue;
      if (!replica_shape_fits(sv, *site, p)) continue;
      std::int64_t room = 0;
      for (const auto& c : site->clusters)
        if (const int k = sv.servers_per_replica(c.gpus_per_server); k > 0)
          room += sv.share_servers && k == 1 ? c.servers * (c.gpus_per_server / sv.gpus_per_replica) : c.servers / k;
      if (most > room)
        r_.error(nodes_["autoscale:" + sv.name + ":" + site_name], p + ".autoscale.max." + site_name,
                 fmt::format("site {} has servers for at most {} replicas of {} ({})", site_name, room, sv.name,
                             replica_shape_words(sv, *site)));
    }
  }

  // Every arrival of a run is drawn, so rate x horizon is bounded before the run.
  void check_request_count(const Scenario& s, const InferenceServiceSpec& sv, const YAML::Node& n,
                           const std::string& p) {
    if (sv.arrivals.kind == "trace" || sv.arrivals.rate <= 0) return;
    const double requests = sv.arrivals.rate * s.horizon;
    if (requests <= limits::kMaxRequestsPerRun) return;
    const std::string& key = sv.arrivals.kind;
    r_.error(YamlReader::child(YamlReader::child(n, "arrivals"), key), p + ".arrivals." + key,
             fmt::format("{:g}/s over the horizon ({}) is about {:.3g} requests; the limit is {:g}", sv.arrivals.rate,
                         format_duration(s.horizon), requests, limits::kMaxRequestsPerRun));
  }

  // Each region of the `residency` list kept under `key` must be a site's region.
  template <class Unknown>
  bool residency_regions_known(const std::string& key, const std::string& path,
                               const std::vector<std::string>& region_names, const Unknown& unknown) {
    const YAML::Node& rs = nodes_[key];
    bool known = true;
    for (std::size_t k = 0; k < rs.size(); ++k)
      if (rs[k].IsScalar() && std::find(region_names.begin(), region_names.end(), rs[k].Scalar()) == region_names.end()) {
        unknown(rs[k], YamlReader::index(path, k), "region", rs[k].Scalar(), region_names);
        known = false;
      }
    return known;
  }

  // A job's residency (its own and its dataset's) must leave it somewhere to run: its site pin
  // and its dataset inside, and a cluster of its size in an allowed region (docs/scheduling.md).
  template <class Unknown>
  void check_job_residency(const Scenario& s, std::size_t i, const std::string& p,
                           const std::vector<std::string>& region_names, const Unknown& unknown) {
    const TrainingJobSpec& j = s.training[i];
    const std::string job_key = "residency:job:" + std::to_string(i), data_key = "residency:dataset:" + std::to_string(i);
    const bool own = nodes_.count(job_key) > 0, data = nodes_.count(data_key) > 0;
    if (!own && !data) return;
    bool known = true;
    if (own) known = residency_regions_known(job_key, p + ".residency", region_names, unknown) && known;
    if (data)
      known = residency_regions_known(data_key, p + ".dataset.residency", region_names, unknown) && known;
    if (!known) return;
    const YAML::Node at = own ? nodes_[job_key] : nodes_[data_key];
    const std::string at_path = p + (own ? ".residency" : ".dataset.residency");
    if (j.residency.size() == 1 && j.residency.front().empty()) {
      r_.error(nodes_[data_key], p + ".dataset.residency",
               "the job's residency and its dataset's share no region: it may run nowhere");
      return;
    }
    const std::string allowed = fmt::format("[{}]", fmt::join(j.residency, ", "));
    if (data && j.dataset_site)
      if (const SiteSpec* ds = s.find_site(*j.dataset_site);
          ds && std::find(dataset_residency_[i].begin(), dataset_residency_[i].end(), ds->region) == dataset_residency_[i].end())
        r_.error(YamlReader::child(nodes_["dataset:" + std::to_string(i)], "site"), p + ".dataset.site",
                 fmt::format("the dataset is held at site {} (region {}), outside its residency [{}]", ds->name,
                             ds->region, fmt::join(dataset_residency_[i], ", ")));
    const YAML::Node& n = nodes_["job:" + std::to_string(i)];
    if (j.site)
      if (const SiteSpec* site = s.find_site(*j.site); site && !j.may_run_in(site->region)) {
        r_.error(YamlReader::child(n, "site"), p + ".site",
                 fmt::format("site {} (region {}) is outside the job's residency {}", site->name, site->region, allowed));
        return;
      }
    if (!sizes_ok_) return;
    int most = 0, most_anywhere = 0;  // GPUs of the largest cluster allowed, and of any (`gpus` reports that)
    std::string most_at;
    for (const SiteSpec& site : s.sites)
      for (const ClusterSpec& c : site.clusters) {
        if (!j.site || *j.site == site.name) most_anywhere = std::max(most_anywhere, c.gpus());
        if (j.may_run_in(site.region) && (!j.site || *j.site == site.name) && c.gpus() > most)
          most = c.gpus(), most_at = site.name + "/" + c.name;
      }
    if (!j.cross_site && j.gpus > most && j.gpus <= most_anywhere)  // a job across sites: check_cross_site
      r_.error(at, at_path,
               most == 0 ? fmt::format("residency {} holds no cluster: the job can never be placed", allowed)
                         : fmt::format("residency {} allows no cluster of {} GPUs (the largest allowed: {}, {} GPUs): "
                                       "the job can never be placed", allowed, j.gpus, most_at, most));
  }

  // A service's resident demand regions must each have a replica (or an autoscaling slot) in
  // the residency, or its users' requests could be served nowhere (docs/inference.md).
  template <class Unknown>
  void check_service_residency(const Scenario& s, std::size_t i, const std::string& p,
                               const std::vector<std::string>& region_names, const Unknown& unknown) {
    const InferenceServiceSpec& sv = s.inference[i];
    const std::string key = "residency:service:" + std::to_string(i);
    if (!nodes_.count(key) || !residency_regions_known(key, p + ".residency", region_names, unknown)) return;
    bool served_inside = false;
    auto inside = [&](const std::string& site) {
      const SiteSpec* st = s.find_site(site);
      return st && sv.resident(st->region);
    };
    for (const auto& [site, count] : sv.replicas) served_inside = served_inside || (count > 0 && inside(site));
    for (const auto& [site, count] : sv.autoscale.max) served_inside = served_inside || (count > 0 && inside(site));
    if (served_inside) return;
    std::vector<std::string> resident_demand;
    for (const auto& [region, share] : sv.demand)
      if (share > 0 && sv.resident(region)) resident_demand.push_back(region);
    if (sv.demand.empty() && !sv.replicas.empty())  // no demand: the first replica's region, as the engine does
      if (const SiteSpec* st = s.find_site(sv.replicas.front().first); st && sv.resident(st->region))
        resident_demand.push_back(st->region);
    if (!resident_demand.empty())
      r_.error(nodes_[key], p + ".residency",
               fmt::format("no replica of {} is in its residency [{}]: requests from {} could be served nowhere",
                           sv.name, fmt::join(sv.residency, ", "), fmt::join(resident_demand, ", ")));
  }

  // References between sections, and shapes that need several sections.
  // "unknown site \"x\", did you mean y?" (or the short list of what exists).
  void unknown_name(const YAML::Node& at, const std::string& path, const std::string& what, const std::string& name,
                    const std::vector<std::string>& known) {
    std::string near = closest_match(name, known);
    if (near.empty() && !name.empty()) {  // "west" for "west-node": one name holding it as a word
      std::vector<std::string> holding;
      for (const std::string& k : known) {
        const std::size_t at_pos = k.find(name);
        const bool starts = at_pos != std::string::npos && (at_pos == 0 || k[at_pos - 1] == '-' || k[at_pos - 1] == '_');
        const std::size_t after = at_pos + name.size();
        if (starts && (after == k.size() || k[after] == '-' || k[after] == '_')) holding.push_back(k);
      }
      if (holding.size() == 1) near = holding.front();
    }
    std::string names;  // a short list of what exists, when there is no close name
    if (near.empty() && !known.empty() && known.size() <= 8)
      for (const std::string& k : known) names += (names.empty() ? " (known: " : ", ") + k;
    if (!names.empty()) names += ")";
    r_.error(at, path,
             fmt::format("unknown {} \"{}\"{}{}", what, name, near.empty() ? "" : fmt::format(", did you mean {}?", near),
                         names));
  }

  // A job across sites: its sites exist, a WAN route joins them, and each site's share
  // (dp / sites replicas of tp x cp x pp GPUs) fits one of its clusters.
  void check_cross_site(const Scenario& s, std::size_t i, const YAML::Node& n, const std::string& p,
                        const std::vector<std::string>& site_names) {
    const TrainingJobSpec& j = s.training[i];
    const CrossSiteSpec& x = *j.cross_site;
    const YAML::Node sites = YamlReader::child(n, "sites");
    std::vector<std::size_t> idx;
    for (std::size_t k = 0; k < x.sites.size(); ++k) {
      const SiteSpec* site = s.find_site(x.sites[k]);
      if (!site) {
        unknown_name(sites[k], YamlReader::index(p + ".sites", k), "site", x.sites[k], site_names);
        return;
      }
      if (!j.may_run_in(site->region)) {
        r_.error(sites[k], YamlReader::index(p + ".sites", k),
                 fmt::format("site {} (region {}) is outside the job's residency [{}]", site->name, site->region,
                             fmt::join(j.residency, ", ")));
        return;
      }
      idx.push_back(static_cast<std::size_t>(site - s.sites.data()));
    }
    // Sites reachable from the first over the WAN (links as given; a failed one still counts).
    auto reachable = [&](std::size_t from) {
      std::vector<bool> seen(s.sites.size(), false);
      std::vector<std::size_t> todo{from};
      seen[from] = true;
      while (!todo.empty()) {
        const std::size_t a = todo.back();
        todo.pop_back();
        for (const auto& w : s.wan) {
          const SiteSpec* f = s.find_site(w.from);
          const SiteSpec* t = s.find_site(w.to);
          if (!f || !t) continue;
          const auto fi = static_cast<std::size_t>(f - s.sites.data()), ti = static_cast<std::size_t>(t - s.sites.data());
          for (auto [u, v] : {std::pair{fi, ti}, std::pair{ti, fi}})
            if (u == a && !seen[v]) {
              seen[v] = true;
              todo.push_back(v);
            }
        }
      }
      return seen;
    };
    if (!idx.empty()) {
      const std::vector<bool> seen = reachable(idx.front());
      for (std::size_t k = 1; k < idx.size(); ++k)
        if (!seen[idx[k]]) {
          r_.error(sites[k], YamlReader::index(p + ".sites", k),
                   fmt::format("no WAN route between sites {} and {}: a job split across them needs one", x.sites.front(),
                               x.sites[k]));
          return;
        }
      // Each share stages its part of the dataset from the dataset's site over the WAN.
      if (j.dataset_site)
        if (const SiteSpec* home = s.find_site(*j.dataset_site);
            home && !seen[static_cast<std::size_t>(home - s.sites.data())]) {
          r_.error(YamlReader::child(nodes_["dataset:" + std::to_string(i)], "site"), p + ".dataset.site",
                   fmt::format("no WAN route from the dataset's site {} to the job's sites", home->name));
          return;
        }
    }
    const int parts = x.auto_sites ? 0 : static_cast<int>(x.sites.size());
    if (parts < 2) return;
    if (j.parallelism.dp % parts != 0) {
      r_.error(YamlReader::child(n, "parallelism"), p + ".parallelism.dp",
               fmt::format("dp ({}) must split evenly over the job's {} sites", j.parallelism.dp, parts));
      return;
    }
    if (j.global_batch % parts != 0)
      r_.error(YamlReader::child(n, "global_batch"), p + ".global_batch",
               fmt::format("global_batch ({}) must split evenly over the job's {} sites", j.global_batch, parts));
    if (!sizes_ok_) return;
    const std::int64_t share = std::int64_t{j.gpus} / parts;
    for (std::size_t k = 0; k < idx.size(); ++k) {
      int most = 0;
      for (const auto& c : s.sites[idx[k]].clusters) most = std::max(most, c.gpus());
      if (share > most)
        r_.error(sites[k], YamlReader::index(p + ".sites", k),
                 fmt::format("the job's share of site {} is {} GPUs but its largest cluster has {}", x.sites[k], share,
                             most));
    }
  }

  void cross_check(const YAML::Node& root, Scenario& s) {
    std::vector<std::string> site_names, model_names, region_names;
    for (const auto& site : s.sites) {
      site_names.push_back(site.name);
      region_names.push_back(site.region);
    }
    for (const auto& m : s.models) model_names.push_back(m.name);
    auto unknown = [&](const YAML::Node& at, const std::string& path, const std::string& what,
                       const std::string& name, const std::vector<std::string>& known) {
      unknown_name(at, path, what, name, known);
    };

    for (std::size_t i = 0; i < s.wan.size(); ++i) {
      auto& w = s.wan[i];
      const YAML::Node& n = nodes_["wan:" + std::to_string(i)];
      const std::string p = YamlReader::index("wan", i);
      const SiteSpec* a = s.find_site(w.from);
      const SiteSpec* b = s.find_site(w.to);
      if (!w.from.empty() && !a) unknown(YamlReader::child(n, "from"), p + ".from", "site", w.from, site_names);
      if (!w.to.empty() && !b) unknown(YamlReader::child(n, "to"), p + ".to", "site", w.to, site_names);
      if (a && b && a == b) r_.error(n, p, "a WAN link must join two different sites");
      if (w.latency < 0) {
        if (a && b && a->location && b->location) {
          w.distance_m = great_circle_distance_m(*a->location, *b->location);
          w.latency = *w.distance_m * kFiberSecondsPerMetre;
        } else if (a && b) {
          r_.error(n, p, "give latency or distance (or locations for both sites)");
        }
      }
    }

    double checkpoints = 0;  // of the jobs with a given interval, over the run (limits::kMaxCheckpoints)
    for (std::size_t i = 0; i < s.training.size(); ++i) {
      auto& j = s.training[i];
      const YAML::Node& n = nodes_["job:" + std::to_string(i)];
      const std::string p = YamlReader::index("workloads.training", i);
      const ModelSpec* m = s.find_model(j.model);
      if (!j.model.empty() && !m) unknown(YamlReader::child(n, "model"), p + ".model", "model", j.model, model_names);
      if (m) {
        if (m->heads % j.parallelism.tp != 0)
          r_.error(YamlReader::child(n, "parallelism"), p + ".parallelism.tp",
                   fmt::format("tp ({}) must divide the model's heads ({})", j.parallelism.tp, m->heads));
        // Ring attention splits each sequence into 2 cp chunks, two per rank (causal load balance).
        if (j.parallelism.cp > 1 && m->seq % (2 * std::int64_t{j.parallelism.cp}) != 0)
          r_.error(YamlReader::child(n, "parallelism"), p + ".parallelism.cp",
                   fmt::format("2 x cp ({}) must divide the model's seq ({})", 2 * std::int64_t{j.parallelism.cp}, m->seq));
        const std::int64_t chunks = std::int64_t{j.parallelism.pp} * j.parallelism.virtual_stages;  // no overflow
        check_experts(*m, j, n, p);
        // A MoE model's stages may hold uneven layer counts (DeepSeek-V3: 61 layers on 16 stages);
        // the busiest stage sets the pace (docs/models.md, Expert parallelism).
        if (custom_stage_split(j.parallelism) && j.parallelism.pp >= 2) {
          check_stage_split(*m, j.parallelism, n, p);
        } else if (j.parallelism.auto_layout) {
          // A fixed pp the search cannot split: evenly (pp divides the layers) or with
          // Megatron-Core's embedding-and-loss split (pp divides layers + 2, two or more a
          // stage); with virtual_stages fixed too, pp x virtual_stages must divide that count.
          // Keys left to the search are checked by the search itself (the fit check).
          const ParallelismSpec& q = j.parallelism;
          const std::int64_t units = q.fixed.pp ? pipeline_split_units(m->layers, q.pp) : 1;
          if (units == 0)
            r_.error(YamlReader::child(n, "parallelism"), p + ".parallelism.pp",
                     fmt::format("pp ({}) must divide the model's layers ({}) or, for the search's embedding-and-loss "
                                 "split, layers + 2 ({}) with at least 2 a stage",
                                 q.pp, m->layers, std::int64_t{m->layers} + 2));
          else if (q.fixed.pp && q.fixed.virtual_stages && units % chunks != 0)
            r_.error(YamlReader::child(n, "parallelism"), p + ".parallelism.virtual_stages",
                     fmt::format("pp x virtual_stages ({}) must divide what the search splits over pp {}: {} ({})",
                                 chunks, q.pp, units == m->layers ? "the model's layers" : "layers + 2",
                                 units));
        } else if (m->layers % chunks != 0 && !m->is_moe()) {
          r_.error(YamlReader::child(n, "parallelism"), p + ".parallelism.pp",
                   fmt::format("pp x virtual_stages ({}) must divide the model's layers ({})", chunks, m->layers));
        }
      }
      if (j.cross_site) check_cross_site(s, i, n, p, site_names);
      int biggest = 0;  // stays 0 when a cluster's size was refused: no second error about it
      std::string biggest_site;
      for (const auto& site : s.sites)
        for (const auto& c : site.clusters)
          if (sizes_ok_ && c.gpus() > biggest) {
            biggest = c.gpus();
            biggest_site = site.name + "/" + c.name;
          }
      if (j.cross_site) {
        // check_cross_site sized each site's share
      } else if (j.site) {
        const SiteSpec* site = s.find_site(*j.site);
        if (!site) {
          unknown(YamlReader::child(n, "site"), p + ".site", "site", *j.site, site_names);
        } else if (sizes_ok_ && !site->clusters.empty()) {
          int most = 0;
          for (const auto& c : site->clusters) most = std::max(most, c.gpus());
          if (j.gpus > most)
            r_.error(YamlReader::child(n, "gpus"), p + ".gpus",
                     fmt::format("the job asks for {} GPUs but the largest cluster of site {} has {}", j.gpus,
                                 site->name, most));
        }
      } else if (j.gpus > biggest && biggest > 0) {
        r_.error(YamlReader::child(n, "gpus"), p + ".gpus",
                 fmt::format("the job asks for {} GPUs but the largest cluster ({}) has {}", j.gpus, biggest_site,
                             biggest));
      }
      for (const auto& site : s.sites)
        for (const auto& c : site.clusters)
          if (const HardwareProfile* hw = s.find_profile(c.gpu); hw && (!j.site || *j.site == site.name) &&
                                                                  !hw->peak_flops.count(j.precision))
            r_.error(YamlReader::child(n, "precision"), p + ".precision",
                     fmt::format("GPU type {} (site {}) has no {} peak in its profile", c.gpu, site.name, j.precision));
      if (j.dataset_site && !s.find_site(*j.dataset_site))
        unknown(YamlReader::child(nodes_["dataset:" + std::to_string(i)], "site"), p + ".dataset.site", "site",
                *j.dataset_site, site_names);
      if (j.submit >= s.horizon)
        r_.warning(YamlReader::child(n, "submit"), p + ".submit", "submitted at or after the horizon: it will never run");
      // Each checkpoint is an event and a timeline span: bounded over the run before it starts.
      if (j.checkpoint.enabled && !j.checkpoint.auto_interval && j.checkpoint.interval > 0 && j.submit < s.horizon) {
        const double count = (s.horizon - j.submit) / j.checkpoint.interval;
        checkpoints += count;
        if (!(checkpoints <= limits::kMaxCheckpoints))
          r_.error(YamlReader::child(YamlReader::child(n, "checkpoint"), "interval"), p + ".checkpoint.interval",
                   fmt::format("an interval of {} over the job's {} before the horizon is up to {:.3g} checkpoints "
                               "({:.3g} in the run); the limit is {:g}",
                               format_duration(j.checkpoint.interval), format_duration(s.horizon - j.submit), count,
                               checkpoints, limits::kMaxCheckpoints));
      }
      check_job_residency(s, i, p, region_names, unknown);
    }

    double periodic = 0;  // load checks and fast-mode intervals of the run (limits::kMaxPeriodicChecks)
    std::map<const ClusterSpec*, std::int64_t> taken;  // servers the starting replicas take, per cluster
    std::map<const ClusterSpec*, std::vector<std::int64_t>> shared;  // free GPUs of servers replicas share
    for (std::size_t i = 0; i < s.inference.size(); ++i) {
      auto& sv = s.inference[i];
      const YAML::Node& n = nodes_["service:" + std::to_string(i)];
      const std::string p = YamlReader::index("workloads.inference", i);
      const ModelSpec* model = s.find_model(sv.model);
      if (!sv.model.empty() && !model)
        unknown(YamlReader::child(n, "model"), p + ".model", "model", sv.model, model_names);
      else if (model && sv.ep > 1)  // no model (already reported as missing) has no experts to check
        check_expert_parallel(s, sv, *model, YamlReader::child(n, "ep"), p + ".ep");
      for (const auto& [site, count] : sv.replicas)
        if (!s.find_site(site))
          unknown(nodes_["replica:" + sv.name + ":" + site], p + ".replicas." + site, "site", site, site_names);
      for (const auto& [site, count] : sv.autoscale.max)
        if (!s.find_site(site))
          unknown(nodes_["autoscale:" + sv.name + ":" + site], p + ".autoscale.max." + site, "site", site, site_names);
      for (const auto& [region, share] : sv.demand)
        if (std::find(region_names.begin(), region_names.end(), region) == region_names.end())
          unknown(nodes_["demand:" + sv.name + ":" + region], p + ".demand." + region, "region", region, region_names);
      check_service_residency(s, i, p, region_names, unknown);
      if (sizes_ok_) place_replicas(s, sv, p, taken, shared);
      check_request_count(s, sv, n, p);
      // Load checks and fast-mode intervals are each an event, summed over the services of the run.
      if (!sv.autoscale.max.empty()) {
        periodic += s.horizon / sv.autoscale.interval;
        if (!(periodic <= limits::kMaxPeriodicChecks))
          r_.error(YamlReader::child(YamlReader::child(n, "autoscale"), "interval"), p + ".autoscale.interval",
                   fmt::format("an interval of {} over the horizon ({}) is {:.3g} load checks ({:.3g} periodic steps in "
                               "the run); the limit is {:g}",
                               format_duration(sv.autoscale.interval), format_duration(s.horizon),
                               s.horizon / sv.autoscale.interval, periodic, limits::kMaxPeriodicChecks));
      }
      if (sv.fast) {  // fast mode steps each interval
        periodic += s.horizon / sv.fast_interval;
        if (!(periodic <= limits::kMaxPeriodicChecks)) {
          const bool given = YamlReader::child(n, "fast_interval").IsDefined();
          r_.error(YamlReader::child(n, given ? "fast_interval" : "mode"), p + (given ? ".fast_interval" : ".mode"),
                   fmt::format("fast mode's interval of {} over the horizon ({}) is {:.3g} intervals ({:.3g} periodic "
                               "steps in the run); the limit is {:g}",
                               format_duration(sv.fast_interval), format_duration(s.horizon),
                               s.horizon / sv.fast_interval, periodic, limits::kMaxPeriodicChecks));
        }
      }
    }

    for (std::size_t i = 0; i < s.failures.events.size(); ++i) {
      const auto& ev = s.failures.events[i];
      const YAML::Node& n = nodes_["event:" + std::to_string(i)];
      const std::string p = YamlReader::index("failures.events", i);
      std::string site = ev.target.substr(0, ev.target.find('/'));
      if (ev.kind == "link-cut") {
        bool found = false;
        for (const auto& w : s.wan)
          found = found || ev.target == w.from + "<->" + w.to || ev.target == w.to + "<->" + w.from;
        if (!found && !ev.target.empty())
          r_.error(YamlReader::child(n, "target"), p + ".target",
                   fmt::format("unknown WAN link \"{}\" (write it as siteA<->siteB)", ev.target));
      } else if (!ev.target.empty() && !s.find_site(site)) {
        unknown(YamlReader::child(n, "target"), p + ".target", "site", site, site_names);
      } else if (ev.kind == "server" || ev.kind == "gpu") {
        if (!resolve_server(s, ev.target))
          r_.error(YamlReader::child(n, "target"), p + ".target",
                   fmt::format("expected site/cluster/sN naming an existing server, got \"{}\"", ev.target));
      } else if (ev.kind == "switch" || ev.kind == "cable") {
        const auto t = resolve_cluster_target(s, ev.target);
        const ClusterSpec* direct = t ? &s.sites[t->site].clusters[t->cluster] : nullptr;
        if (direct && !direct_topology(direct->scale_out.topology)) direct = nullptr;
        if (direct)
          r_.error(YamlReader::child(n, "target"), p + ".target",
                   fmt::format("topology {} has no {} a scripted event can fail (its links are SimGrid's, one "
                               "bandwidth; fail a server instead), got \"{}\"",
                               direct->scale_out.topology, ev.kind, ev.target));
        else if (!resolve_fabric_fault(s, ev.kind, ev.target))
          r_.error(YamlReader::child(n, "target"), p + ".target",
                   fmt::format("expected site/cluster/{} naming a {} of a tiered scale_out (as `rcnsim describe` "
                               "lists them), got \"{}\"",
                               ev.kind == "cable" ? "leafN/uplinkK" : "leafN or spineN", ev.kind, ev.target));
      } else if (ev.kind == "site-outage" && ev.target != site) {
        r_.error(YamlReader::child(n, "target"), p + ".target",
                 fmt::format("a site-outage targets a whole site, got \"{}\"", ev.target));
      }
    }
    (void)root;
  }
};

}  // namespace

LoadResult load_scenario_text(const std::string& yaml, const std::string& display_name, const LoadOptions& options,
                              const std::string& base_dir) {
  LoadResult result;
  YAML::Node root;
  try {
    root = YAML::Load(yaml);
  } catch (const YAML::Exception& e) {
    result.diagnostics.error(SourceLoc{display_name, e.mark.line + 1, e.mark.column + 1}, "",
                             fmt::format("YAML syntax error: {}", e.msg));
    return result;
  }
  std::map<std::string, std::string> overridden;
  for (const auto& text : options.overrides) apply_override(root, text, overridden, result.diagnostics);
  if (result.diagnostics.has_errors()) return result;
  if (!root.IsDefined() || root.IsNull()) {  // an empty file: no node to take a position from
    result.diagnostics.error(SourceLoc{display_name, 1, 1}, "",
                             "expected a scenario (a mapping with name, sites, workloads, ...), got nothing");
    return result;
  }

  Scenario s;
  s.source_file = display_name;
  YamlReader reader(display_name, result.diagnostics, overridden);
  const FileReferences files(base_dir, options.allow_paths);
  ScenarioReader(reader, files, options.seed).read(root, s);
  result.diagnostics.sort_by_location();
  if (options.seed) s.seed = *options.seed;
  if (!result.diagnostics.has_errors()) result.scenario = std::move(s);
  return result;
}

LoadResult load_scenario_file(const std::string& path, const LoadOptions& options) {
  std::string why;
  const auto text = read_regular_file(path, limits::kMaxInputFileBytes, why, /*allow_pipe=*/true);
  if (!text) {
    LoadResult r;
    r.diagnostics.error(SourceLoc{quote_input(path, 200), 0, 0}, "", fmt::format("cannot read the scenario file: {}", why));
    return r;
  }
  std::string base = std::filesystem::path(path).parent_path().string();
  return load_scenario_text(*text, path, options, base.empty() ? "." : base);
}

}  // namespace rcn
