#pragma once
// Series over a run's time for report.html's charts, reduced to at most a
// fixed number of equal bins. A chart of a 54-day run cannot show 400,000
// utilisation changes (it becomes a comb of drops); picking every k-th point
// would misstate the mean. Each bin holds the time-weighted mean over its
// span instead, so the series' mean is exactly the run's mean. Pure (the report's
// charts and the engine's per-site energy series both bin with it).
#include <cstddef>
#include <utility>
#include <vector>

namespace rcn {

struct TimeBins {
  double width = 0;       // seconds per bin
  std::size_t count = 0;  // bins, covering [0, count x width)
  double centre(std::size_t i) const { return (static_cast<double>(i) + 0.5) * width; }
  // The bin holding time t, clamped to the first and last (t may come from a
  // results folder: it is clamped as a double, before any conversion).
  std::size_t of(double t) const {
    const double b = t / width;
    if (!(b > 0) || count == 0) return 0;
    return b >= static_cast<double>(count - 1) ? count - 1 : static_cast<std::size_t>(b);
  }
};

// Bins over [0, end_s]: at most `max_bins`, none narrower than `min_width_s`.
// A run that ended at 0 gets one bin of 1 s.
TimeBins make_time_bins(double end_s, std::size_t max_bins, double min_width_s = 0);

// The time-weighted mean per bin of a step function: `initial` from 0, then
// each (time, value) holds from its time until the next change. Changes must
// be sorted by time; those at or after the last bin's end are ignored.
// Adds value x the overlap of [from, to) with each bin to `area` (one entry per
// bin). The last bin ends at `last_end`, which may fall short of count x width
// (a run's end that is not a whole number of bins).
void add_binned_area(std::vector<double>& area, const TimeBins& bins, double last_end, double from, double to,
                     double value);

std::vector<double> bin_step_mean(const std::vector<std::pair<double, double>>& changes, double initial,
                                  const TimeBins& bins);

}  // namespace rcn
