#include "src/engine/run_cost.hpp"

#include <algorithm>

#include "rcn/models/tco.hpp"

namespace rcn {

void account_costs(const Scenario& s, SimulationResult& res) {
  TcoResult& t = res.tco;
  t = TcoResult{};
  t.currency = s.cost.currency;
  t.period_s = res.simulated_end_s;
  std::vector<double> rate;  // all-in GPU-hour rate per cluster, clusters in scenario order
  for (std::size_t si = 0; si < s.sites.size(); ++si) {
    TcoSiteResult site;
    site.name = s.sites[si].name;
    for (std::size_t ci = 0; ci < s.sites[si].clusters.size(); ++ci) {
      const ClusterSpec& spec = s.sites[si].clusters[ci];
      const ClusterPrices prices = cluster_prices(s, si, ci);
      const ClusterCost cost = cluster_cost(prices, t.period_s);
      if (!prices.note.empty()) t.notes.push_back(site.name + "/" + spec.name + ": " + prices.note);
      t.clusters.push_back({site.name, spec.name, spec.gpu, spec.gpus(), cost.capex.total(), cost.capex_amortised,
                            cost.staff_maintenance, cost.gpu_hour_rate});
      site.capex_amortised += cost.capex_amortised;
      site.staff_maintenance += cost.staff_maintenance;
      rate.push_back(cost.gpu_hour_rate);
    }
    site.power = si < res.sites.size() ? res.sites[si].cost : 0;
    site.total = site.capex_amortised + site.power + site.staff_maintenance;
    t.capex_amortised += site.capex_amortised;
    t.power += site.power;
    t.staff_maintenance += site.staff_maintenance;
    t.sites.push_back(site);
  }
  for (const WanLinkSpec& link : s.wan) t.wan += wan_link_cost(link, s.cost, t.period_s);
  t.total = t.capex_amortised + t.power + t.staff_maintenance + t.wan;

  double training_cost = 0;  // of the jobs whose tokens are known
  for (std::size_t i = 0; i < res.jobs.size(); ++i) {
    JobResult& j = res.jobs[i];
    const auto c = std::find_if(t.clusters.begin(), t.clusters.end(),
                                [&](const TcoClusterResult& x) { return x.site == j.site && x.cluster == j.cluster; });
    j.cost = c == t.clusters.end() ? 0 : j.gpu_hours * c->gpu_hour_rate;
    // A job across sites (its site and cluster name several): each share at its own cluster's rate.
    if (i < s.training.size() && s.training[i].cross_site) {
      j.cost = 0;
      for (const CrossSiteRow& row : res.cross_site)
        if (row.job == j.name)
          for (const TcoClusterResult& x : t.clusters)
            if (x.site == row.site && x.cluster == row.cluster) j.cost += row.gpu_hours * x.gpu_hour_rate;
    }
    // A job with a fixed duration (trace, SWF) trains an unknown number of tokens: it
    // enters neither side of the per-token figure, rather than adding cost and no tokens.
    if (i < s.training.size() && s.training[i].duration) continue;
    training_cost += j.cost;
    t.tokens_trained += j.tokens * std::clamp(j.progress, 0.0, 1.0);
  }
  double serving_cost = 0;
  for (InferenceServiceResult& v : res.services) {
    v.cost = 0;
    for (std::size_t c = 0; c < v.gpu_seconds_by_cluster.size() && c < rate.size(); ++c)
      v.cost += v.gpu_seconds_by_cluster[c] / 3600 * rate[c];
    serving_cost += v.cost;
    t.tokens_served += v.tokens_served;
  }
  if (t.tokens_served > 0) t.per_million_tokens_served = serving_cost / t.tokens_served * 1e6;
  if (t.tokens_trained > 0) t.per_million_trained_tokens = training_cost / t.tokens_trained * 1e6;
}

}  // namespace rcn
