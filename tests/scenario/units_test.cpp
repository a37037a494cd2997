// Unit parsing: every unit a scenario may use, against hand-computed SI values.
#include <catch2/catch.hpp>

#include "rcn/scenario/units.hpp"

using rcn::parse_quantity;
using rcn::Quantity;

TEST_CASE("durations parse to seconds", "[units]") {
  CHECK(*parse_quantity("5ms", Quantity::Duration) == Approx(0.005));
  CHECK(*parse_quantity("2.5min", Quantity::Duration) == Approx(150));
  CHECK(*parse_quantity("30d", Quantity::Duration) == Approx(30 * 86400));
  CHECK(*parse_quantity("6h", Quantity::Duration) == Approx(21600));
  CHECK(*parse_quantity("1e3", Quantity::Duration) == Approx(1000));
  CHECK(*parse_quantity(" 10 s ", Quantity::Duration) == Approx(10));
  CHECK(*parse_quantity("250us", Quantity::Duration) == Approx(250e-6));
}

TEST_CASE("bandwidths parse to bytes per second, bits divided by 8", "[units]") {
  CHECK(*parse_quantity("400Gbps", Quantity::Bandwidth) == Approx(50e9));
  CHECK(*parse_quantity("1.6Tbps", Quantity::Bandwidth) == Approx(200e9));
  CHECK(*parse_quantity("50GB/s", Quantity::Bandwidth) == Approx(50e9));
  CHECK(*parse_quantity("25GiB/s", Quantity::Bandwidth) == Approx(25.0 * 1073741824));
  CHECK(*parse_quantity("100Mb/s", Quantity::Bandwidth) == Approx(12.5e6));
}

TEST_CASE("sizes, distances, rates, counts and powers", "[units]") {
  CHECK(*parse_quantity("141GB", Quantity::Bytes) == Approx(141e9));
  CHECK(*parse_quantity("80GiB", Quantity::Bytes) == Approx(80.0 * 1073741824));
  CHECK(*parse_quantity("1000km", Quantity::Distance) == Approx(1e6));
  CHECK(*parse_quantity("20/s", Quantity::Rate) == Approx(20));
  CHECK(*parse_quantity("3/min", Quantity::Rate) == Approx(0.05));
  CHECK(*parse_quantity("1.2e9", Quantity::Count) == Approx(1.2e9));
  CHECK(*parse_quantity("300B", Quantity::Count) == Approx(300e9));
  CHECK(*parse_quantity("1T", Quantity::Count) == Approx(1e12));
  CHECK(*parse_quantity("989TFLOPS", Quantity::FlopRate) == Approx(989e12));
  CHECK(*parse_quantity("1.2kW", Quantity::Power) == Approx(1200));
}

TEST_CASE("bad quantities say what was expected and what was found", "[units]") {
  std::string why;
  CHECK_FALSE(parse_quantity("lots", Quantity::Bandwidth, &why));
  CHECK(why == "expected a bandwidth such as 400Gbps, 1.6Tbps or 50GB/s, got \"lots\"");
  CHECK_FALSE(parse_quantity("5parsecs", Quantity::Duration, &why));
  CHECK(why.find("unknown unit \"parsecs\"") != std::string::npos);
  CHECK_FALSE(parse_quantity("", Quantity::Bytes, &why));
  CHECK_FALSE(parse_quantity("inf", Quantity::Count, &why));
  CHECK_FALSE(parse_quantity("400Gbps", Quantity::Duration, &why));  // right number, wrong kind
}
