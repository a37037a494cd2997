#include "rcn/models/cluster_fabric.hpp"

#include <algorithm>

namespace rcn {

ClusterLinks ClusterLinks::of(const ClusterSpec& c) {
  ClusterLinks l;
  l.gpus_per_server = c.gpus_per_server;
  l.scale_up_bandwidth = c.scale_up.bandwidth;
  l.nic_bandwidth = c.scale_out.nic_bandwidth;
  l.nics_per_server = c.scale_out.nics_per_server;
  l.net_latency = c.scale_out.latency;
  l.in_network_reduction = c.scale_out.in_network_reduction == "sharp";
  l.oversubscription = c.scale_out.oversubscription;
  return l;
}

CollectiveFabric collective_fabric(const HardwareProfile& gpu, const ClusterLinks& links) {
  CollectiveFabric f;
  double up = gpu.scale_up.links * gpu.scale_up.link_bandwidth;
  if (links.scale_up_bandwidth > 0 && gpu.scale_up.bandwidth > 0) up *= links.scale_up_bandwidth / gpu.scale_up.bandwidth;
  f.scale_up = {up, gpu.scale_up.hop_latency};
  const double nic_per_gpu =
      links.nic_bandwidth * links.nics_per_server / std::max(1, links.gpus_per_server) * gpu.nic_efficiency;
  f.scale_out = {nic_per_gpu, links.net_latency >= 0 ? links.net_latency : gpu.net_hop_latency};
  f.nvls_bus_bandwidth = gpu.scale_up.nvls_bus_bandwidth;
  f.in_network_reduction = links.in_network_reduction;
  f.core_oversubscription = links.oversubscription;
  f.channels = std::clamp(2 * links.nics_per_server, 2, 32);
  const double link = gpu.scale_up.link_bandwidth;
  f.arch = link >= 30e9 ? NcclArch::Blackwell : link > 20.3e9 ? NcclArch::Hopper : NcclArch::Ampere;
  // transport/nvls.cc ncclNvlsTuning: NVLS_NCHANNELS_SM90 16, NVLS_NCHANNELS_SM100_NVL 24 (one node).
  f.nvls_channels = f.arch == NcclArch::Blackwell ? 24 : 16;
  return f;
}

}  // namespace rcn
