#pragma once
// Building blocks of the hand-built views the policy tests drive policies with.
#include "rcn/sched/scheduling_policy.hpp"

namespace rcn::test {

// A cluster of `servers` 8-GPU servers, `free` of them free, at `site`.
inline ClusterState cluster(const std::string& site, int servers, int free, SiteKind kind = SiteKind::Node) {
  ClusterState c;
  c.site_name = site;
  c.cluster_name = "main";
  c.kind = kind;
  c.gpus_per_server = 8;
  c.total_servers = servers;
  c.free_servers = free;
  return c;
}

}  // namespace rcn::test
