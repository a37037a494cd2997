// A job's progress under a changing speed (src/engine/job_runtime.hpp, JobPace)
// against the piecewise closed form.
#include <catch2/catch.hpp>

#include "src/engine/job_runtime.hpp"

using namespace rcn;

TEST_CASE("job pace: work integrates a step time that changes twice", "[engine][pace]") {
  // 100 s of work at the reference step. Rate 1 over [0, 20): 20 s done. At 20 the steps
  // become twice as long (rate 0.5): over [20, 60) 20 s more, 40 in all. At 60 they become
  // twice as short as the reference (rate 2): the last 60 s take 30 s, so it ends at 90.
  JobPace pace;
  pace.resume(0);
  CHECK(pace.worked(20) == Approx(20));
  pace.set_rate(20, 0.5);
  CHECK(pace.worked(40) == Approx(30));
  pace.set_rate(60, 2);
  CHECK(pace.worked(60) == Approx(40));
  CHECK(pace.time_to(100, 60) == Approx(30));
  CHECK(60 + pace.time_to(100, 60) == Approx(90));
  CHECK(pace.worked(75) == Approx(70));
}

TEST_CASE("job pace: no work while paused, and a paused job never reaches its target", "[engine][pace]") {
  JobPace pace;
  pace.resume(10);
  pace.pause(15);  // a blocking checkpoint from 15 to 25
  CHECK(pace.worked(25) == Approx(5));
  CHECK(pace.time_to(6, 25) == std::numeric_limits<double>::infinity());
  pace.set_rate(20, 0.25);  // a slowdown while paused counts from the next compute segment
  pace.resume(25);
  CHECK(pace.worked(29) == Approx(6));
  pace.restart();
  CHECK(pace.worked(100) == 0);
  CHECK(pace.rate == 1);
}
