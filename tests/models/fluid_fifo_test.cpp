// The fast-mode backlog as a first-in-first-out fluid (models/fluid_fifo.hpp) against the
// closed forms of a fluid queue: arrivals uniform within a segment, departures at the
// throughput, each piece timed by its middle request.
#include <catch2/catch.hpp>

#include <numeric>

#include "rcn/models/fluid_fifo.hpp"
#include "rcn/models/failure_schedule.hpp"

using namespace rcn;

TEST_CASE("fluid FIFO: arrivals faster than service, the middle request's wait in closed form", "[models][fluid-fifo]") {
  // 600 requests over [0, 10] s (60/s), served from 0 at 40/s: in 10 s, 400 leave. The 200th
  // (the middle one) arrives at 200 / 60 s and leaves at 200 / 40 s.
  FluidFifo f;
  f.admit(0, 10, {600});
  const auto served = f.serve(0, 400, 40);
  REQUIRE(served.size() == 1);
  CHECK(served[0].tag == 0);
  CHECK(served[0].requests == Approx(400));
  CHECK(served[0].wait == Approx(200.0 / 40 - 200.0 / 60));
  CHECK(f.queued() == Approx(200));
  // The rest next, from 10 s at 40/s: the 500th arrived at 500 / 60 s and leaves at 10 + 100 / 40 s.
  const auto rest = f.serve(10, 1000, 40);
  REQUIRE(rest.size() == 1);
  CHECK(rest[0].requests == Approx(200));
  CHECK(rest[0].wait == Approx(10 + 100.0 / 40 - 500.0 / 60));
  CHECK(f.queued() == 0);
}

TEST_CASE("fluid FIFO: first in, first out across segments, tags kept", "[models][fluid-fifo]") {
  // Region 0's 100 requests over [0, 10], region 1's 100 over [10, 20]; from 20 s at 10/s, 150
  // leave: all of region 0's (middle: arrived 5, left 25) and half of region 1's (middle: the
  // 25th, arrived 12.5, left 20 + 125 / 10 = 32.5).
  FluidFifo f;
  f.admit(0, 10, {100, 0});
  f.admit(10, 20, {0, 100});
  const auto served = f.serve(20, 150, 10);
  REQUIRE(served.size() == 2);
  CHECK(served[0].tag == 0);
  CHECK(served[0].requests == Approx(100));
  CHECK(served[0].wait == Approx(20));
  CHECK(served[1].tag == 1);
  CHECK(served[1].requests == Approx(50));
  CHECK(served[1].wait == Approx(20));
  const std::vector<double> left = f.queued_by_tag();
  REQUIRE(left.size() == 2);
  CHECK(left[0] == Approx(0).margin(1e-9));
  CHECK(left[1] == Approx(50));
}

TEST_CASE("fluid FIFO: a mixed segment serves its tags in proportion, with one wait", "[models][fluid-fifo]") {
  FluidFifo f;
  f.admit(0, 60, {30, 70});
  const auto served = f.serve(60, 50, 0);  // no throughput: all leave at 60
  REQUIRE(served.size() == 2);
  CHECK(served[0].requests == Approx(15));
  CHECK(served[1].requests == Approx(35));
  // The middle of the first 50 of 100 arriving over 60 s: the 25th, at 15 s.
  CHECK(served[0].wait == Approx(45));
  CHECK(served[1].wait == Approx(45));
  // Requests admitted at once (a stopped replica's backlog) wait from that instant.
  FluidFifo g;
  g.admit(100, 100, {0, 0, 8});
  const auto now = g.serve(130, 8, 4);
  REQUIRE(now.size() == 1);
  CHECK(now[0].tag == 2);
  CHECK(now[0].wait == Approx(30 + 1));  // the 4th of 8 leaves 1 s after 130
}

TEST_CASE("fluid FIFO: what is admitted is served or queued, by tag", "[models][fluid-fifo]") {
  SplitMix64 rng(7);
  FluidFifo f;
  std::vector<double> admitted(3, 0.0), served(3, 0.0);
  double t = 0;
  for (int i = 0; i < 2000; ++i, t += 60) {
    std::vector<double> by_tag(3);
    for (double& n : by_tag) n = rng.uniform() < 0.3 ? 0.0 : 100 * rng.uniform();
    f.admit(t, t + 60, by_tag);
    for (int k = 0; k < 3; ++k) admitted[k] += by_tag[k];
    const double before = f.queued();
    const auto out = f.serve(t, 150 * rng.uniform(), 2.5);
    double total = 0;
    for (const auto& part : out) {
      served[part.tag] += part.requests;
      total += part.requests;
      CHECK(part.wait >= 0);
    }
    CHECK(f.queued() == Approx(before - total).margin(1e-6));
  }
  const std::vector<double> left = f.queued_by_tag();
  for (int k = 0; k < 3; ++k) CHECK(served[k] + left[k] == Approx(admitted[k]).epsilon(1e-9));
}

TEST_CASE("fluid FIFO: rounding crumbs do not make a queue", "[models][fluid-fifo]") {
  // 10,000 requests moved in at once and half a request over the interval, served as the sum
  // computed the other way round: what is left is rounding, and the queue reads exactly 0.
  FluidFifo f;
  f.admit(0, 0, {0.1 * 3, 10000});
  f.admit(0, 60, {0.5 / 3, 0.5 / 3, 0.5 / 3});
  const double all = 0.5 + (10000 + 0.1 * 3);
  f.serve(0, all * (1 - 1e-15), 100);
  CHECK(f.queued() == 0);
  CHECK(f.queued_by_tag().empty());
  // And it takes new requests as an empty queue does.
  f.admit(60, 120, {6});
  const auto out = f.serve(120, 6, 0);
  REQUIRE(out.size() == 1);
  CHECK(out[0].wait == Approx(30));
}

TEST_CASE("fluid FIFO: what is left goes elsewhere with its arrival times and tags", "[models][fluid-fifo]") {
  // 100 requests of tag 0 over [0, 10] and 50 of tag 1 over [10, 20]; 40 served: the first part
  // left holds 60 of tag 0 arriving over [4, 10], the second all 50 of tag 1 over [10, 20].
  FluidFifo f;
  f.admit(0, 10, {100, 0});
  f.admit(10, 20, {0, 50});
  f.serve(20, 40, 10);
  const std::vector<FluidFifo::Part> parts = f.take_all();
  CHECK(f.queued() == 0);
  REQUIRE(parts.size() == 2);
  CHECK(parts[0].t0 == Approx(4));
  CHECK(parts[0].t1 == Approx(10));
  CHECK(parts[0].by_tag[0] == Approx(60));
  CHECK(parts[0].by_tag[1] == Approx(0).margin(1e-12));
  CHECK(parts[1].t0 == Approx(10));
  CHECK(parts[1].by_tag[1] == Approx(50));
  // Admitted to another queue at 30 and served at once: the middle of the 60 arrived at 7.
  FluidFifo g;
  for (const auto& p : parts) g.admit(p.t0, p.t1, p.by_tag);
  const auto out = g.serve(30, 60, 0);
  REQUIRE(out.size() == 1);
  CHECK(out[0].wait == Approx(23));
}
