// Alpha-beta NCCL collective model against its closed forms, its limits and
// nccl-tests' published bus bandwidths.
#include <catch2/catch.hpp>

#include <stdexcept>

#include "rcn/models/collective_model.hpp"

using namespace rcn;

namespace {
// A round fabric for closed forms: 100 GB/s, 1 us per hop inside; 10 GB/s, 5 us between servers.
CollectiveFabric round_fabric() {
  CollectiveFabric f;
  f.scale_up = {100e9, 1e-6};
  f.scale_out = {10e9, 5e-6};
  f.base_latency = 8.4e-6;
  return f;
}

// NCCL's topology model (src/graph/topo.h): SM80_NVLINK_BW 20.0 and SM90_NVLINK_BW
// 20.6 GB/s per NVLink per direction; A100 has 12 NVLinks, H100 18. Hop latency
// 0.6 us, the low (LL128-like) end of REFERENCES' 0.5-3.4 us per NVLink hop;
// base latency 8.4 us (REFERENCES: ring, Simple).
CollectiveFabric nvlink_server(double nvlinks, double gbps_per_link) {
  CollectiveFabric f;
  f.scale_up = {nvlinks * gbps_per_link * 1e9, 0.6e-6};
  f.base_latency = 8.4e-6;
  return f;
}

constexpr double GiB = 1073741824.0;  // nccl-tests' "1 GB" message is 2^30 bytes
}  // namespace

TEST_CASE("ring all-reduce, reduce-scatter, all-gather and send/recv match their closed forms exactly",
          "[models][collectives]") {
  const auto f = round_fabric();
  const double S = 1e8, B = 100e9, l = 1e-6, base = 8.4e-6;
  const double n = 8;

  const auto ar = collective_time(CollectiveOp::AllReduce, S, 8, 8, f, CollectiveAlgo::Ring);
  CHECK(ar.algo == CollectiveAlgo::Ring);
  CHECK(ar.seconds == Approx(base + 2 * (n - 1) * l + 2 * (n - 1) / n * S / B));
  CHECK(ar.algbw == Approx(S / ar.seconds));
  CHECK(ar.busbw == Approx(ar.algbw * 1.75));

  const auto sr = collective_time(CollectiveOp::SendRecv, S, 2, 2, f);
  CHECK(sr.seconds == Approx(base + l + S / B));
  CHECK(sr.busbw == Approx(sr.algbw));

  // Between servers (one rank per server) the scale-out tier is used.
  CHECK(collective_time(CollectiveOp::SendRecv, S, 2, 1, f).seconds == Approx(base + 5e-6 + S / 10e9));

  // Reduce-scatter then all-gather moves exactly the all-reduce's bytes.
  const auto rs = collective_time(CollectiveOp::ReduceScatter, S, 8, 8, f, CollectiveAlgo::Ring);
  const auto ag = collective_time(CollectiveOp::AllGather, S, 8, 8, f, CollectiveAlgo::Ring);
  CHECK(rs.seconds == Approx(base + (n - 1) * l + (n - 1) / n * S / B));
  CHECK((rs.seconds - base - 7 * l) + (ag.seconds - base - 7 * l) == Approx(ar.seconds - base - 14 * l));

  CHECK(collective_time(CollectiveOp::Broadcast, S, 8, 8, f).seconds == Approx(base + 7 * l + S / B));
  CHECK(collective_time(CollectiveOp::AllToAll, S, 8, 8, f).seconds == Approx(base + 7 * l + 7.0 / 8 * S / B));

  CHECK(bus_bandwidth_factor(CollectiveOp::AllReduce, 8) == 1.75);
  CHECK(bus_bandwidth_factor(CollectiveOp::ReduceScatter, 8) == 0.875);
  CHECK(bus_bandwidth_factor(CollectiveOp::AllGather, 8) == 0.875);
  CHECK(bus_bandwidth_factor(CollectiveOp::AllToAll, 8) == 0.875);
  CHECK(bus_bandwidth_factor(CollectiveOp::Broadcast, 8) == 1);
  CHECK(bus_bandwidth_factor(CollectiveOp::SendRecv, 2) == 1);
}

TEST_CASE("tree, hierarchical, NVLS and cross-server ring match their closed forms", "[models][collectives]") {
  auto f = round_fabric();
  const double S = 1e8, base = 8.4e-6;
  // 32 ranks, 8 per server, 4 servers.
  const double tree = base + 2 * (3 * 1e-6 + 2 * 5e-6) + 2 * S / 10e9;
  CHECK(collective_time(CollectiveOp::AllReduce, S, 32, 8, f, CollectiveAlgo::Tree).seconds == Approx(tree));

  const double rs_in = 7 * 1e-6 + 7.0 / 8 * S / 100e9;
  const double ar_out = 2 * 3 * 5e-6 + 2 * 3.0 / 4 * (S / 8) / 10e9;
  const double rs_out = 3 * 5e-6 + 3.0 / 4 * (S / 8) / 10e9;
  CHECK(collective_time(CollectiveOp::AllReduce, S, 32, 8, f, CollectiveAlgo::Hierarchical).seconds ==
        Approx(base + 2 * rs_in + ar_out));
  CHECK(collective_time(CollectiveOp::ReduceScatter, S, 32, 8, f, CollectiveAlgo::Hierarchical).seconds ==
        Approx(base + rs_in + rs_out));

  // Flat ring through 4 servers: slower bandwidth; 4 of every 32 hops cross servers.
  const double hop = (28 * 1e-6 + 4 * 5e-6) / 32;
  CHECK(collective_time(CollectiveOp::AllReduce, S, 32, 8, f, CollectiveAlgo::Ring).seconds ==
        Approx(base + 62 * hop + 62.0 / 32 * S / 10e9));

  f.nvls_bus_bandwidth = 400e9;
  CHECK(collective_time(CollectiveOp::AllReduce, S, 8, 8, f, CollectiveAlgo::Nvls).seconds ==
        Approx(base + 2 * 1e-6 + 1.75 * S / 400e9));
}

TEST_CASE("trivial cases cost nothing, inapplicable algorithms and bad layouts throw", "[models][collectives]") {
  const auto f = round_fabric();
  CHECK(collective_time(CollectiveOp::AllReduce, 1e9, 1, 1, f).seconds == 0);
  CHECK(collective_time(CollectiveOp::AllReduce, 0, 64, 8, f).seconds == 0);
  CHECK_THROWS_AS(collective_time(CollectiveOp::AllGather, 1e6, 8, 8, f, CollectiveAlgo::Tree), std::invalid_argument);
  CHECK_THROWS_AS(collective_time(CollectiveOp::AllReduce, 1e6, 8, 8, f, CollectiveAlgo::Nvls), std::invalid_argument);
  CHECK_THROWS_AS(collective_time(CollectiveOp::AllReduce, 1e6, 8, 8, f, CollectiveAlgo::Hierarchical),
                  std::invalid_argument);
  CHECK_THROWS_AS(collective_time(CollectiveOp::AllReduce, 1e6, 12, 8, f), std::invalid_argument);
  CHECK_THROWS_AS(collective_time(CollectiveOp::AllReduce, -1, 8, 8, f), std::invalid_argument);
  CollectiveFabric no_net = f;
  no_net.scale_out.bandwidth = 0;
  CHECK_NOTHROW(collective_time(CollectiveOp::AllReduce, 1e6, 8, 8, no_net));  // one server needs no NIC
  CHECK_THROWS_AS(collective_time(CollectiveOp::AllReduce, 1e6, 16, 8, no_net), std::invalid_argument);
}

TEST_CASE("ring busbw tends to the link bandwidth (within 1% at 8 GB), time grows with bytes, never below base",
          "[models][collectives]") {
  const auto f = round_fabric();
  CHECK(collective_time(CollectiveOp::AllReduce, 8e9, 8, 8, f, CollectiveAlgo::Ring).busbw ==
        Approx(100e9).epsilon(0.01));
  CHECK(collective_time(CollectiveOp::AllGather, 8e9, 8, 8, f, CollectiveAlgo::Ring).busbw ==
        Approx(100e9).epsilon(0.01));

  for (CollectiveOp op : {CollectiveOp::AllReduce, CollectiveOp::ReduceScatter, CollectiveOp::AllGather,
                          CollectiveOp::AllToAll, CollectiveOp::Broadcast}) {
    for (int servers : {1, 4, 64}) {
      double prev = 0;
      for (double S = 1; S <= 8e9; S *= 4) {
        const double t = collective_time(op, S, 8 * servers, 8, f).seconds;
        INFO(to_string(op) << " servers " << servers << " bytes " << S);
        CHECK(t > prev);
        CHECK(t >= f.base_latency);
        prev = t;
      }
    }
  }
}

TEST_CASE("Auto: tree for 1 KB over 512 ranks, a bandwidth algorithm at 1 GB, hierarchical beats a flat ring",
          "[models][collectives]") {
  CollectiveFabric f;
  f.scale_up = {240e9, 0.6e-6};  // A100 NVLink
  f.scale_out = {25e9, 5e-6};    // one 200 Gb/s HDR NIC per GPU
  const auto small = collective_time(CollectiveOp::AllReduce, 1024, 512, 8, f);
  CHECK(small.algo == CollectiveAlgo::Tree);
  const auto big = collective_time(CollectiveOp::AllReduce, 1e9, 512, 8, f);
  CHECK((big.algo == CollectiveAlgo::Ring || big.algo == CollectiveAlgo::Hierarchical));
  CHECK(big.algo != CollectiveAlgo::Tree);

  const auto flat = collective_time(CollectiveOp::AllReduce, 1e9, 512, 8, f, CollectiveAlgo::Ring);
  const auto hier = collective_time(CollectiveOp::AllReduce, 1e9, 512, 8, f, CollectiveAlgo::Hierarchical);
  CHECK(hier.seconds < flat.seconds / 2);
  CHECK(big.seconds == hier.seconds);

  // Ties go to Ring: with no hop latency, NVLS at the link bandwidth equals the ring exactly.
  CollectiveFabric tie;
  tie.scale_up = {100e9, 0};
  tie.nvls_bus_bandwidth = 100e9;
  CHECK(collective_time(CollectiveOp::AllReduce, 1e9, 8, 8, tie).algo == CollectiveAlgo::Ring);
  tie.nvls_bus_bandwidth = 101e9;
  CHECK(collective_time(CollectiveOp::AllReduce, 1e9, 8, 8, tie).algo == CollectiveAlgo::Nvls);
}

TEST_CASE("8x A100 ring all-reduce busbw at 1 GB (2^30 B) is within 10% of nccl-tests' 232 GB/s "
          "(nccl-tests doc/PERFORMANCE.md gives 230-235)",
          "[models][collectives]") {
  const auto c = collective_time(CollectiveOp::AllReduce, GiB, 8, 8, nvlink_server(12, 20.0), CollectiveAlgo::Ring);
  INFO("predicted busbw " << c.busbw / 1e9 << " GB/s");
  CHECK(c.busbw == Approx(232e9).epsilon(0.10));
}

TEST_CASE("8x H100 ring all-reduce busbw at 1 GB (2^30 B) is within 10% of nccl-tests' 370 GB/s "
          "(nccl-tests doc/PERFORMANCE.md)",
          "[models][collectives]") {
  const auto c = collective_time(CollectiveOp::AllReduce, GiB, 8, 8, nvlink_server(18, 20.6), CollectiveAlgo::Ring);
  INFO("predicted busbw " << c.busbw / 1e9 << " GB/s");
  CHECK(c.busbw == Approx(370e9).epsilon(0.10));
}
