// The "meta" block: what GPU and software stack produced the numbers, so a measured
// file can be traced back and compared only with like.
#pragma once

#include "microbench_json.hpp"

namespace rcn::calibrate {

// Fills everything except elapsed_s. mode is "quick" or "full".
DeviceMeta collect_device_meta(int device, int gpu_count, const std::string& mode);

}  // namespace rcn::calibrate
