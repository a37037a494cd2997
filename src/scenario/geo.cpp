#include "src/scenario/geo.hpp"

#include <cmath>

namespace rcn {

double great_circle_distance_m(const GeoLocation& a, const GeoLocation& b) {
  constexpr double kEarthRadiusM = 6371.0e3;
  constexpr double kDeg = M_PI / 180.0;
  const double dlat = (b.lat_deg - a.lat_deg) * kDeg;
  const double dlon = (b.lon_deg - a.lon_deg) * kDeg;
  const double h = std::sin(dlat / 2) * std::sin(dlat / 2) +
                   std::cos(a.lat_deg * kDeg) * std::cos(b.lat_deg * kDeg) * std::sin(dlon / 2) * std::sin(dlon / 2);
  return 2 * kEarthRadiusM * std::asin(std::min(1.0, std::sqrt(h)));
}

}  // namespace rcn
