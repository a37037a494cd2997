#pragma once
// What a cluster offers a job's collectives: the slice of the cluster spec the
// communication model needs (ClusterLinks) and the link tiers derived from it
// and the GPU profile (collective_fabric). Kept apart from the step model so
// that training, serving and flow fidelity all see the same fabric.
#include "rcn/models/collective_model.hpp"
#include "rcn/scenario/hardware_profile.hpp"
#include "rcn/scenario/scenario.hpp"

namespace rcn {

// The slice of a cluster a job's step depends on.
struct ClusterLinks {
  int gpus_per_server = 8;
  double scale_up_bandwidth = 0;   // datasheet bytes/s per GPU (both directions); 0 = the profile's
  double nic_bandwidth = 50e9;     // line rate of one NIC, bytes/s
  int nics_per_server = 8;
  double net_latency = -1;         // NIC to NIC through the fabric, s; < 0 = the profile's network hop latency
  bool in_network_reduction = false;  // the fabric reduces in the switches (SHARP): NVLS+SHARP / CollNet
  double oversubscription = 1.0;   // fabric core bandwidth = edge bandwidth / this (all-to-all pays it)
  static ClusterLinks of(const ClusterSpec& c);
};

// The link tiers a job's collectives use on this cluster. The scale-out tier is
// one GPU's share of its server's NICs (x nic_efficiency); the collective model
// multiplies it by the ranks of a server, since NCCL's channels leave the server
// on every NIC (rail). Channels: 2 per NIC (NCCL's search finds one ring per NIC
// rail on 8-GPU NVSwitch servers, ncclTopoDupChannels doubles them), between 2
// and 32 (MAXCHANNELS). NCCL generation from the per-link NVLink bandwidth NCCL
// itself assigns by compute capability (topo.h: SM80 20.0, SM90 20.6, SM100 40.1 GB/s).
// NVLS channels by generation (transport/nvls.cc: 16 on SM90, 24 on one SM100 node).
CollectiveFabric collective_fabric(const HardwareProfile& gpu, const ClusterLinks& links);

}  // namespace rcn
