// Placement on a tiered fabric against hand-picked cases: a job fits in the
// fullest leaf that holds it, else in one pod from its emptiest leaves.
#include <catch2/catch.hpp>

#include <numeric>

#include "rcn/models/fabric_placement.hpp"

using namespace rcn;

namespace {
// 3 tiers: 4 servers per leaf, 2 leaves per pod, 4 pods (32 servers).
FabricShape three_tiers() {
  FabricShape f;
  f.kind = "fat-tree";
  f.tiers = 3;
  f.hosts = 32;
  f.servers_per_group = 4;
  f.groups = 8;
  f.groups_per_pod = 2;
  f.pods = 4;
  return f;
}
std::vector<int> all_but(std::vector<int> busy) {
  std::vector<int> free;
  for (int s = 0; s < 32; ++s)
    if (std::find(busy.begin(), busy.end(), s) == busy.end()) free.push_back(s);
  return free;
}
}  // namespace

TEST_CASE("placement: a job that fits a leaf gets the fullest leaf that holds it", "[fabric][placement]") {
  // Leaf 0 has 1 free (0-2 busy), leaf 1 has 2 free (4, 5 busy): 2 servers go to leaf 1,
  // not to the lowest indices 3 and 6 (two leaves).
  const std::vector<int> free = all_but({0, 1, 2, 4, 5});
  CHECK(choose_servers(free, three_tiers(), 2, true) == std::vector<int>{6, 7});
  CHECK(choose_servers(free, three_tiers(), 2, false) == std::vector<int>{3, 6});
  CHECK(fabric_span({6, 7}, three_tiers()) == "leaves 1 pods 0");
}

TEST_CASE("placement: a job larger than a leaf stays in one pod, emptiest leaves first", "[fabric][placement]") {
  // 6 servers: no leaf holds them; pod 0 has 3 free (0-2, 4, 5 busy), pod 1 has all 8: pod 1,
  // leaf 2 whole (8-11) and two of leaf 3 (12, 13).
  const std::vector<int> free = all_but({0, 1, 2, 4, 5});
  CHECK(choose_servers(free, three_tiers(), 6, true) == std::vector<int>{8, 9, 10, 11, 12, 13});
  CHECK(fabric_span({8, 9, 10, 11, 12, 13}, three_tiers()) == "leaves 2-3 pods 1");
}

TEST_CASE("placement: on an ideal fabric, the lowest free servers as before", "[fabric][placement]") {
  FabricShape ideal;
  ideal.kind = "ideal";
  ideal.servers_per_group = 32;
  const std::vector<int> free = all_but({0, 1, 2, 4, 5});
  CHECK(choose_servers(free, ideal, 3, true) == std::vector<int>{3, 6, 7});
  CHECK(fabric_span({3, 6, 7}, ideal).empty());
}
