#pragma once
// Distance and propagation delay between sites, for WAN links given by
// location alone.
#include "rcn/scenario/scenario.hpp"

namespace rcn {

// Light in fibre: about 4.9 us per km one way (REFERENCES.md, "Wide-area propagation").
inline constexpr double kFiberSecondsPerMetre = 4.9e-9;

// Great-circle (haversine) distance on a sphere of the Earth's mean radius.
// Real fibre routes are longer; give `distance` explicitly when it is known.
double great_circle_distance_m(const GeoLocation& a, const GeoLocation& b);

}  // namespace rcn
