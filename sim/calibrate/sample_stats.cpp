// See sample_stats.hpp.
#include "sample_stats.hpp"

#include <algorithm>
#include <stdexcept>

namespace rcn::calibrate {

SampleStats summarize(std::vector<double> samples) {
    if (samples.empty()) throw std::invalid_argument("summarize: no samples");
    std::sort(samples.begin(), samples.end());
    const std::size_t n = samples.size();
    SampleStats s;
    s.count = static_cast<int>(n);
    s.min = samples.front();
    s.max = samples.back();
    s.median = (n % 2 == 1) ? samples[n / 2] : 0.5 * (samples[n / 2 - 1] + samples[n / 2]);
    return s;
}

}  // namespace rcn::calibrate
