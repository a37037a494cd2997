// NCCL's tuning model (src/graph/tuning.cc) as rcnsim applies it, against its
// closed forms, its limits and nccl-tests' published single-server bus bandwidths.
#include <catch2/catch.hpp>

#include <cmath>
#include <stdexcept>

#include "rcn/models/cluster_fabric.hpp"
#include "rcn/models/collective_model.hpp"
#include "rcn/scenario/loader.hpp"

using namespace rcn;

namespace {
// A round fabric for closed forms: 100 GB/s inside a server; 10 GB/s per GPU between servers.
CollectiveFabric round_fabric() {
  CollectiveFabric f;
  f.scale_up = {100e9, 1e-6};
  f.scale_out = {10e9, 5e-6};
  f.base_latency = 8.4e-6;
  return f;
}

// NCCL's topology model (src/graph/topo.h): SM80_NVLINK_BW 20.0 and SM90_NVLINK_BW
// 20.6 GB/s per NVLink per direction; A100 has 12 NVLinks, H100 18.
CollectiveFabric nvlink_server(double nvlinks, double gbps_per_link, NcclArch arch) {
  CollectiveFabric f;
  f.scale_up = {nvlinks * gbps_per_link * 1e9, 0.6e-6};
  f.arch = arch;
  return f;
}

// 8 H100 per server, 8 x 400 Gb/s NICs at nccl-tests' 0.94 of line rate: 47 GB/s per GPU.
CollectiveFabric h100_cluster(bool sharp) {
  CollectiveFabric f = nvlink_server(18, 20.6, NcclArch::Hopper);
  f.scale_out = {8 * 50e9 / 8 * 0.94, 5e-6};
  f.nvls_bus_bandwidth = 480e9;
  f.in_network_reduction = sharp;
  return f;
}

constexpr double GiB = 1073741824.0;  // nccl-tests' "1 GB" message is 2^30 bytes
constexpr double us = 1e-6;
}  // namespace

TEST_CASE("one-server ring all-reduce, reduce-scatter, all-gather match NCCL's Simple closed forms",
          "[models][collectives]") {
  const auto f = round_fabric();
  const double S = 1e8, B = 100e9, n = 8;
  // tuning.cc: Ring Simple base 8.4 us + nsteps x NVLink Simple hop 3.4 us.
  const auto ar = collective_time(CollectiveOp::AllReduce, S, 8, 8, f, CollectiveAlgo::Ring);
  CHECK(ar.algo == CollectiveAlgo::Ring);
  CHECK(ar.proto == CollectiveProtocol::Simple);
  CHECK(ar.seconds == Approx(8.4 * us + 14 * 3.4 * us + 2 * (n - 1) / n * S / B));
  CHECK(ar.latency_s == Approx(8.4 * us + 14 * 3.4 * us));
  CHECK(ar.algbw == Approx(S / ar.seconds));
  CHECK(ar.busbw == Approx(ar.algbw * 1.75));
  CHECK(ar.server_egress_bytes == 0);  // nothing leaves the server

  const auto rs = collective_time(CollectiveOp::ReduceScatter, S, 8, 8, f);
  const auto ag = collective_time(CollectiveOp::AllGather, S, 8, 8, f);
  CHECK(rs.seconds == Approx(8.4 * us + 7 * 3.4 * us + (n - 1) / n * S / B));
  CHECK(ag.seconds == Approx(rs.seconds));
  CHECK(collective_time(CollectiveOp::Broadcast, S, 8, 8, f).seconds ==
        Approx(8.4 * us + 8 * 4.0 * us + S / B));  // Simple broadcast: nsteps x the tree's NVLink hop

  CHECK(bus_bandwidth_factor(CollectiveOp::AllReduce, 8) == 1.75);
  CHECK(bus_bandwidth_factor(CollectiveOp::ReduceScatter, 8) == 0.875);
  CHECK(bus_bandwidth_factor(CollectiveOp::AllGather, 8) == 0.875);
  CHECK(bus_bandwidth_factor(CollectiveOp::AllToAll, 8) == 0.875);
  CHECK(bus_bandwidth_factor(CollectiveOp::Broadcast, 8) == 1);
  CHECK(bus_bandwidth_factor(CollectiveOp::SendRecv, 2) == 1);
}

TEST_CASE("point-to-point: send/recv and all-to-all use the fabric's base and hop latencies",
          "[models][collectives]") {
  const auto f = round_fabric();
  const double S = 1e8, base = 8.4e-6;
  CHECK(collective_time(CollectiveOp::SendRecv, S, 2, 2, f).seconds == Approx(base + 1e-6 + S / 100e9));
  const auto out = collective_time(CollectiveOp::SendRecv, S, 2, 1, f);
  CHECK(out.seconds == Approx(base + 5e-6 + S / 10e9));
  CHECK(out.server_egress_bytes == S);
  CHECK(out.network_s == Approx(S / 10e9));
  CHECK(collective_time(CollectiveOp::AllToAll, S, 8, 8, f).seconds == Approx(base + 7e-6 + 7.0 / 8 * S / 100e9));
  // 4 servers of 8: 7/32 of S over NVLink, 24/32 over the NICs, concurrently.
  CHECK(collective_time(CollectiveOp::AllToAll, S, 32, 8, f).seconds ==
        Approx(base + 7e-6 + 24 * 5e-6 + std::max(7.0 / 32 * S / 100e9, 24.0 / 32 * S / 10e9)));
}

TEST_CASE("cross-server ring: every NIC rail carries a channel, so its bus bandwidth is the server's NIC rate "
          "whatever the number of servers",
          "[models][collectives]") {
  const auto f = round_fabric();  // 8 x 10 GB/s NICs = 80 GB/s per server, below 100 GB/s NVLink
  const double S = 8e9;
  for (int servers : {2, 4, 16, 128}) {
    const int n = 8 * servers;
    const auto c = collective_time(CollectiveOp::AllReduce, S, n, 8, f, CollectiveAlgo::Ring);
    INFO(servers << " servers: " << c.busbw / 1e9 << " GB/s");
    CHECK(c.proto == CollectiveProtocol::Simple);
    // tuning.cc ring latency across servers: intra steps at max(3.4, 3 x 1.0) us, 2(m-1) network
    // steps at 14 us, the whole x 1.4 (the ring's plateau for Simple all-reduce).
    const double lat = 1.4 * (8.4 + (2.0 * (n - 1) - 2.0 * (servers - 1)) * 3.4 + 2.0 * (servers - 1) * 14) * us;
    CHECK(c.seconds == Approx(lat + 2.0 * (n - 1) / n * S / 80e9));
    CHECK(c.server_egress_bytes == Approx(2.0 * (n - 1) / n * S));
    CHECK(c.network_s == Approx(c.server_egress_bytes / 80e9));
  }
  // Large messages: the bus bandwidth tends to the server's NIC rate, not one GPU's share of it.
  CHECK(collective_time(CollectiveOp::AllReduce, 64e9, 16, 8, f, CollectiveAlgo::Ring).busbw ==
        Approx(80e9).epsilon(0.01));
  // NVLink slower than the NICs: NVLink limits instead.
  auto slow_up = f;
  slow_up.scale_up.bandwidth = 50e9;
  CHECK(collective_time(CollectiveOp::AllReduce, 64e9, 16, 8, slow_up, CollectiveAlgo::Ring).busbw ==
        Approx(50e9).epsilon(0.01));
  // One GPU per server: only its own NIC share (ppn 1 uses the tree's network latency, 14 us).
  const auto one = collective_time(CollectiveOp::ReduceScatter, S, 4, 1, f, CollectiveAlgo::Ring);
  CHECK(one.seconds == Approx((8.4 + 3 * 14) * us + 3.0 / 4 * S / 10e9));
}

TEST_CASE("8 H100 per server with 8x400G: cross-server all-reduce bus bandwidth is independent of the "
          "server count at 8 GB and reaches the NIC or NVLink rate",
          "[models][collectives]") {
  const auto f = h100_cluster(false);
  const double nic_rate = 8 * 50e9 * 0.94, nvlink = 18 * 20.6e9;
  double prev = 0;
  for (int servers : {2, 16, 128}) {
    const auto c = collective_time(CollectiveOp::AllReduce, 8 * GiB, 8 * servers, 8, f);
    INFO(servers << " servers: " << to_string(c.algo) << "/" << to_string(c.proto) << " " << c.busbw / 1e9);
    // At least the ring's min(NVLink, NIC rate) minus latency, at most the NVLS bus bandwidth.
    CHECK(c.busbw > 0.95 * std::min(nic_rate, nvlink));
    CHECK(c.busbw <= 480e9);
    if (servers > 16) CHECK(c.busbw == Approx(prev).epsilon(0.05));
    prev = c.busbw;
  }
}

TEST_CASE("tree all-reduce matches NCCL's closed form: 0.92 of the raw bandwidth, algbw = busBw / 2",
          "[models][collectives]") {
  const auto f = round_fabric();
  const double S = 1e10;  // above the correction table (256 MB): factor 1
  // 4 servers of 8: raw = min(100, 8 x 10) = 80 GB/s; latency 8.4 + 2 (7 x 4.0 + 2 x 14) us.
  const auto t = collective_time(CollectiveOp::AllReduce, S, 32, 8, f, CollectiveAlgo::Tree);
  CHECK(t.proto == CollectiveProtocol::Simple);
  CHECK(t.seconds == Approx((8.4 + 2 * (7 * 4.0 + 2 * 14)) * us + 2 * S / (0.92 * 80e9)));
  CHECK(t.server_egress_bytes == Approx(2 * S));  // an inner node of a double binary tree sends 2S
  // Two servers: each node sends S once, the network is worth twice as much (then NVLink limits).
  const auto two = collective_time(CollectiveOp::AllReduce, S, 16, 8, f, CollectiveAlgo::Tree);
  CHECK(two.seconds == Approx((8.4 + 2 * (7 * 4.0 + 1 * 14)) * us + 2 * S / (0.92 * 100e9)));
  // NCCL's treeCorrectionFactor: Simple at 1 MB (log2(2^20 / 64) = 14) is 0.5.
  const auto mid = collective_time(CollectiveOp::AllReduce, 1048576, 32, 8, f, CollectiveAlgo::Tree);
  if (mid.proto == CollectiveProtocol::Simple)
    CHECK(mid.seconds == Approx((8.4 + 2 * (7 * 4.0 + 2 * 14)) * us + 2 * 1048576 / (0.5 * 0.92 * 80e9)));
}

TEST_CASE("latency-bound small messages cost base + hops x hop latency of the low-latency protocol",
          "[models][collectives]") {
  const auto f = round_fabric();
  // 8 bytes, one server: LL ring = 6.6 + 14 x 0.6 us (tuning.cc Ring LL), bandwidth negligible.
  const auto c = collective_time(CollectiveOp::AllReduce, 8, 8, 8, f, CollectiveAlgo::Ring);
  CHECK(c.proto == CollectiveProtocol::LL);
  CHECK(c.latency_s == Approx((6.6 + 14 * 0.6) * us));
  CHECK(c.seconds == Approx(c.latency_s).epsilon(1e-3));
  // Across 64 servers the tree's log2 depth wins over the ring's 2(n-1) steps.
  const auto many = collective_time(CollectiveOp::AllReduce, 1024, 512, 8, f);
  CHECK(many.algo == CollectiveAlgo::Tree);
  CHECK(many.proto == CollectiveProtocol::LL);
  CHECK(many.latency_s == Approx((6.8 + 2 * (7 * 0.6 + 6 * 5.0)) * us));
}

TEST_CASE("protocols by size: LL on small messages, LL128 in between, Simple on large ones",
          "[models][collectives]") {
  const auto f = h100_cluster(false);
  auto ring = [&](double S) { return collective_time(CollectiveOp::AllReduce, S, 8, 8, f, CollectiveAlgo::Ring); };
  CHECK(ring(1024).proto == CollectiveProtocol::LL);
  CHECK(ring(8 * GiB).proto == CollectiveProtocol::Simple);
  // LL's bus bandwidth is half the link's, capped at llMaxBw (141 GB/s on one Hopper node).
  const double S = 4 * GiB;
  CHECK(collective_time(CollectiveOp::AllReduce, S, 8, 8, f, CollectiveAlgo::Ring).busbw >
        141e9);  // Simple beats LL's cap at large sizes
  // Somewhere between, LL128 (0.92 of the bandwidth, lower latency than Simple) wins.
  bool ll128 = false;
  for (double s = 1024; s <= 8 * GiB; s *= 2) ll128 = ll128 || ring(s).proto == CollectiveProtocol::LL128;
  CHECK(ll128);
}

TEST_CASE("NVLS inside a server, NVLS-tree across, NVLS+SHARP and CollNet only with in-network reduction",
          "[models][collectives]") {
  auto f = h100_cluster(false);
  const double S = 8 * GiB;
  // One server: NVLS = 25 us + 2(n-1)/n S / nvls_bus_bandwidth, plus the two
  // extra stage times of its three-stage loop pipeline (1 MiB loops per channel).
  const auto one = collective_time(CollectiveOp::AllReduce, S, 8, 8, f, CollectiveAlgo::Nvls);
  CHECK(one.seconds == Approx(25 * us + 1.75 * S / 480e9 + 2 * 1048576.0 / (480e9 / 1.75 / 16)));
  CHECK(collective_time(CollectiveOp::AllReduce, S, 8, 8, f).algo == CollectiveAlgo::Nvls);
  // Across servers without SHARP: NVLS needs the network to reduce, CollNet too.
  CHECK_FALSE(collective_algo_applies(CollectiveOp::AllReduce, CollectiveAlgo::Nvls, 128, 8, f));
  CHECK_FALSE(collective_algo_applies(CollectiveOp::AllReduce, CollectiveAlgo::CollNet, 128, 8, f));
  CHECK_THROWS_AS(collective_time(CollectiveOp::AllReduce, S, 128, 8, f, CollectiveAlgo::Nvls), std::invalid_argument);
  const auto plain = collective_time(CollectiveOp::AllReduce, S, 128, 8, f);
  CHECK(plain.algo != CollectiveAlgo::Nvls);
  CHECK(plain.algo != CollectiveAlgo::CollNet);
  // NVLS-tree on 16 servers: a tree of S/g per rail, min(480, 2(n-1)/n x 8 x 47 / 2) GB/s.
  const double n = 128;
  const auto nt = collective_time(CollectiveOp::AllReduce, S, 128, 8, f, CollectiveAlgo::NvlsTree);
  CHECK(nt.seconds == Approx((25 + 2 * 4 * 20.9) * us + S / (8 * 47e9 / 2)));
  CHECK(nt.busbw == Approx(2 * (n - 1) / n * 8 * 47e9 / 2).epsilon(0.01));

  // With SHARP: each GPU sends its S/g shard once; NVLS's own bus bandwidth limits.
  f.in_network_reduction = true;
  const auto sharp = collective_time(CollectiveOp::AllReduce, S, 128, 8, f);
  CHECK(sharp.algo == CollectiveAlgo::Nvls);
  CHECK(sharp.seconds == Approx((25 + 18) * us + 2 * (n - 1) / n * S / 480e9));
  CHECK(sharp.server_egress_bytes == Approx(S));
  CHECK(sharp.busbw > plain.busbw * 1.2);
  // Without NVLS, SHARP means CollNet: algbw = min(B_up g / (2(g-1)), g B_out).
  f.nvls_bus_bandwidth = 0;
  const auto cn = collective_time(CollectiveOp::AllReduce, S, 128, 8, f, CollectiveAlgo::CollNet);
  CHECK(cn.seconds == Approx((2 * (3.7 + 7 * 0.4) + 31) * us + S / std::min(370.8e9 * 8 / 14, 8 * 47e9)));
}

TEST_CASE("hierarchical (explicit only) pipelines its three phases: the slowest phase sets the pace",
          "[models][collectives]") {
  const auto f = round_fabric();
  const double S = 8e9;
  const auto h = collective_time(CollectiveOp::AllReduce, S, 32, 8, f, CollectiveAlgo::Hierarchical);
  const double intra = 2 * 7.0 / 8 * S / 100e9, inter = 2 * 3.0 / 4 * (S / 8) / 10e9;
  // One base; the ring across (one rank per server) uses the tree's 14 us network hop and the plateau x 1.4.
  const double lat = (2 * 7 * 3.4 + 1.4 * (8.4 + 2 * 3 * 14)) * us;
  CHECK(h.seconds == Approx(lat + std::max(intra, inter)));
  CHECK(h.seconds < lat + intra + inter);
  // Auto never picks it: NCCL has no such all-reduce.
  for (double s = 1; s <= 8e9; s *= 8) CHECK(collective_time(CollectiveOp::AllReduce, s, 32, 8, f).algo !=
                                            CollectiveAlgo::Hierarchical);
}

TEST_CASE("trivial cases cost nothing, inapplicable algorithms and bad layouts throw", "[models][collectives]") {
  const auto f = round_fabric();
  CHECK(collective_time(CollectiveOp::AllReduce, 1e9, 1, 1, f).seconds == 0);
  CHECK(collective_time(CollectiveOp::AllReduce, 0, 64, 8, f).seconds == 0);
  CHECK_THROWS_AS(collective_time(CollectiveOp::AllGather, 1e6, 8, 8, f, CollectiveAlgo::Tree), std::invalid_argument);
  CHECK_THROWS_AS(collective_time(CollectiveOp::AllReduce, 1e6, 8, 8, f, CollectiveAlgo::Nvls), std::invalid_argument);
  CHECK_THROWS_AS(collective_time(CollectiveOp::AllReduce, 1e6, 8, 8, f, CollectiveAlgo::Hierarchical),
                  std::invalid_argument);
  CHECK_THROWS_AS(collective_time(CollectiveOp::AllReduce, 1e6, 16, 8, f, CollectiveAlgo::NvlsTree),
                  std::invalid_argument);
  CHECK_THROWS_AS(collective_time(CollectiveOp::AllReduce, 1e6, 12, 8, f), std::invalid_argument);
  CHECK_THROWS_AS(collective_time(CollectiveOp::AllReduce, -1, 8, 8, f), std::invalid_argument);
  CollectiveFabric no_net = f;
  no_net.scale_out.bandwidth = 0;
  CHECK_NOTHROW(collective_time(CollectiveOp::AllReduce, 1e6, 8, 8, no_net));  // one server needs no NIC
  CHECK_THROWS_AS(collective_time(CollectiveOp::AllReduce, 1e6, 16, 8, no_net), std::invalid_argument);
}

TEST_CASE("time grows with bytes, busbw never exceeds the link it is limited by", "[models][collectives]") {
  for (bool sharp : {false, true}) {
    const auto f = h100_cluster(sharp);
    for (CollectiveOp op : {CollectiveOp::AllReduce, CollectiveOp::ReduceScatter, CollectiveOp::AllGather,
                            CollectiveOp::AllToAll, CollectiveOp::Broadcast}) {
      for (int servers : {1, 2, 4, 64}) {
        double prev = 0;
        for (double S = 1; S <= 16 * GiB; S *= 2) {
          const auto c = collective_time(op, S, 8 * servers, 8, f);
          INFO(to_string(op) << " servers " << servers << " bytes " << S << " " << to_string(c.algo));
          CHECK(c.seconds > prev);
          CHECK(c.busbw <= 480e9 * (1 + 1e-9));
          prev = c.seconds;
        }
      }
    }
  }
}

TEST_CASE("8x A100 ring all-reduce busbw at 1 GB (2^30 B) is within 10% of nccl-tests' 232 GB/s "
          "(nccl-tests doc/PERFORMANCE.md gives 230-235)",
          "[models][collectives]") {
  const auto c = collective_time(CollectiveOp::AllReduce, GiB, 8, 8, nvlink_server(12, 20.0, NcclArch::Ampere),
                                 CollectiveAlgo::Ring);
  INFO("predicted busbw " << c.busbw / 1e9 << " GB/s");
  CHECK(c.busbw == Approx(232e9).epsilon(0.10));
}

TEST_CASE("8x H100 ring all-reduce busbw at 1 GB (2^30 B) is within 10% of nccl-tests' 370 GB/s "
          "(nccl-tests doc/PERFORMANCE.md)",
          "[models][collectives]") {
  const auto c = collective_time(CollectiveOp::AllReduce, GiB, 8, 8, nvlink_server(18, 20.6, NcclArch::Hopper),
                                 CollectiveAlgo::Ring);
  INFO("predicted busbw " << c.busbw / 1e9 << " GB/s");
  CHECK(c.busbw == Approx(370e9).epsilon(0.10));
}

TEST_CASE("scale_out.in_network_reduction: sharp reaches the fabric, a bad value is one diagnostic with its path",
          "[models][collectives][loader]") {
  auto yaml = [](const std::string& value) {
    return "name: t\nsites:\n  - name: a\n    clusters:\n      - {name: main, gpu: h100-sxm, servers: 4, "
           "scale_out: {nic_bandwidth: 400Gbps, in_network_reduction: " + value + "}}\n";
  };
  const auto& h100 = builtin_hardware_profiles().at("h100-sxm");
  LoadResult on = load_scenario_text(yaml("sharp"), "t.yaml");
  REQUIRE(on.scenario);
  const ClusterLinks links = ClusterLinks::of(on.scenario->sites[0].clusters[0]);
  CHECK(links.in_network_reduction);
  const CollectiveFabric f = collective_fabric(h100, links);
  CHECK(f.in_network_reduction);
  CHECK(f.channels == 16);          // 2 per NIC rail
  CHECK(f.arch == NcclArch::Hopper);  // SM90_NVLINK_BW 20.6 GB/s per link
  CHECK(f.scale_out.bandwidth == Approx(50e9 * 0.94));
  CHECK(collective_time(CollectiveOp::AllReduce, GiB, 32, 8, f).algo == CollectiveAlgo::Nvls);

  LoadResult off = load_scenario_text(yaml("none"), "t.yaml");
  REQUIRE(off.scenario);
  CHECK_FALSE(collective_fabric(h100, ClusterLinks::of(off.scenario->sites[0].clusters[0])).in_network_reduction);

  LoadResult bad = load_scenario_text(yaml("sharpp"), "t.yaml");
  CHECK_FALSE(bad.scenario);
  REQUIRE(bad.diagnostics.error_count() == 1);
  const std::string line = bad.diagnostics.items()[0].str();
  INFO(line);
  CHECK(line.find("t.yaml:5:") == 0);
  CHECK(line.find("sites[0].clusters[0].scale_out.in_network_reduction") != std::string::npos);
  CHECK(line.find("none, sharp") != std::string::npos);
}

TEST_CASE("NVLS chunk by size (calcCollChunking) and the store-and-forward pipeline closed form",
          "[models][collectives]") {
  // 16 channels x 8 heads = 128 concurrent chunks, 128 KiB ceiling.
  CHECK(nvls_chunk_bytes(GiB, 16, 8, 131072) == 131072);             // not below 64 x 128 x 128 KiB
  CHECK(nvls_chunk_bytes(128 * 1048576.0, 16, 8, 131072) == 65536);  // < 1 GiB, >= 8 x 128 x 64 KiB
  CHECK(nvls_chunk_bytes(16 * 1048576.0, 16, 8, 131072) == 32768);   // < 64 MiB, >= 2 x 128 x 32 KiB
  CHECK(nvls_chunk_bytes(8 * 1048576.0, 16, 8, 131072) == 32768);    // exactly 8 MiB: not below
  CHECK(nvls_chunk_bytes(1048576, 16, 8, 131072) == 16384);
  CHECK(nvls_chunk_bytes(1048576, 16, 8, 8192) == 8192);             // never raised above the ceiling
  CHECK(pipeline_s(3, 4, 1.0) == Approx(6.0));
  CHECK(pipeline_s(1, 10, 2.0) == Approx(20.0));
  CHECK(pipeline_s(14, 1, 1.0) == Approx(14.0));
}

TEST_CASE("NVLS in one server: latency + (loops + 2) x loop time, bus bandwidth rising towards the "
          "NVLS peak with size",
          "[models][collectives]") {
  const auto f = h100_cluster(false);
  const double channel_bw = 480e9 / 1.75 / 16;  // algorithm bandwidth per NVLS channel
  // 16 MiB: 1 MiB per channel, 32 KiB chunks, loops of 8 x 32 KiB: 4 loops through 3 stages.
  const double S = 16 * 1048576.0;
  const auto c = collective_time(CollectiveOp::AllReduce, S, 8, 8, f, CollectiveAlgo::Nvls);
  CHECK(c.latency_s == Approx(25 * us));
  CHECK(c.seconds == Approx(25 * us + pipeline_s(3, 4, 8 * 32768 / channel_bw)));
  // 128 MiB: 64 KiB chunks, 16 loops of 512 KiB.
  const auto m = collective_time(CollectiveOp::AllReduce, 128 * 1048576.0, 8, 8, f, CollectiveAlgo::Nvls);
  CHECK(m.seconds == Approx(25 * us + pipeline_s(3, 16, 8 * 65536 / channel_bw)));
  // Less than one loop per channel (1 MiB: 64 KiB per channel): 3 stages of the channel's bytes.
  const auto s = collective_time(CollectiveOp::AllReduce, 1048576, 8, 8, f, CollectiveAlgo::Nvls);
  CHECK(s.seconds == Approx(25 * us + 3 * 65536 / channel_bw));
  double last = 0;
  for (double b = 1048576; b <= 8 * GiB; b *= 4) {
    const double bus = collective_time(CollectiveOp::AllReduce, b, 8, 8, f, CollectiveAlgo::Nvls).busbw;
    CHECK(bus > last);
    CHECK(bus < 480e9);
    last = bus;
  }
  CHECK(last > 0.99 * 480e9);  // 8 GiB: 512 loops, the two fill/drain stages are 0.4%
  // Auto still picks by NCCL's estimate: NVLS at 16 MiB (86 us estimated, beating ring LL128's 127 us).
  CHECK(collective_time(CollectiveOp::AllReduce, S, 8, 8, f).algo == CollectiveAlgo::Nvls);
}

TEST_CASE("collective_fabric: NVLS channels by generation (nvls.cc: 16 on SM90, 24 on one SM100 node)",
          "[models][collectives]") {
  const auto& profiles = builtin_hardware_profiles();
  CHECK(collective_fabric(profiles.at("h100-sxm"), ClusterLinks{}).nvls_channels == 16);
  CHECK(collective_fabric(profiles.at("a100-80g"), ClusterLinks{}).arch == NcclArch::Ampere);
  CHECK(collective_fabric(profiles.at("b200"), ClusterLinks{}).nvls_channels == 24);
}
