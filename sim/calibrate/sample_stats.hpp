// Median/min/max of repeated timings. The median is what the tool reports: GPU
// timings have a long upper tail (clock ramps, other work), and the median ignores it.
#pragma once

#include <vector>

namespace rcn::calibrate {

struct SampleStats {
    double median = 0.0;
    double min = 0.0;
    double max = 0.0;
    int count = 0;
};

// Throws std::invalid_argument on an empty sample. Even counts average the two middle
// values.
SampleStats summarize(std::vector<double> samples);

}  // namespace rcn::calibrate
