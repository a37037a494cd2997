#include "rcn/models/fluid_fifo.hpp"

#include <algorithm>

namespace rcn {

namespace {
// Requests below this are rounding, not a queue (counts are fractional: a fluid).
constexpr double kCrumb = 1e-9;
}  // namespace

void FluidFifo::admit(double t0, double t1, const std::vector<double>& by_tag) {
  double size = 0;
  for (double n : by_tag) size += std::max(0.0, n);
  if (!(size > 0)) return;
  Segment s{t0, std::max(t0, t1), size, 0, {}};
  s.mix.reserve(by_tag.size());
  for (double n : by_tag) s.mix.push_back(std::max(0.0, n) / size);
  segments_.push_back(std::move(s));
  queued_ += size;
}

std::vector<FluidFifo::Served> FluidFifo::serve(double start, double n, double throughput) {
  std::vector<Served> out;
  double before = 0;  // requests served by this call before the current piece
  while (n > 0 && !segments_.empty()) {
    Segment& s = segments_.front();
    const double piece = std::min(n, s.size - s.done);
    // The piece's middle request: its arrival within the segment, its departure within this call.
    const double arrives = s.t0 + (s.t1 - s.t0) * (s.done + piece / 2) / s.size;
    const double departs = start + (throughput > 0 ? (before + piece / 2) / throughput : 0.0);
    const double wait = std::max(0.0, departs - arrives);
    for (std::size_t k = 0; k < s.mix.size(); ++k)
      if (s.mix[k] > 0) out.push_back({k, piece * s.mix[k], wait});
    s.done += piece;
    before += piece;
    n -= piece;
    if (s.size - s.done <= kCrumb + s.size * 1e-12) segments_.pop_front();
  }
  queued_ = std::max(0.0, queued_ - before);
  // What rounding leaves of served requests is dropped, so that an empty queue reads 0.
  while (!segments_.empty() && segments_.front().size - segments_.front().done <= kCrumb) segments_.pop_front();
  if (segments_.empty() || queued_ <= kCrumb) segments_.clear(), queued_ = 0;
  return out;
}

std::vector<FluidFifo::Part> FluidFifo::take_all() {
  std::vector<Part> out;
  for (const Segment& s : segments_) {
    const double left = s.size - s.done;
    if (!(left > kCrumb)) continue;
    Part p;
    p.t0 = s.t0 + (s.t1 - s.t0) * s.done / s.size;  // the first of its requests not yet served
    p.t1 = s.t1;
    for (double share : s.mix) p.by_tag.push_back(left * share);
    out.push_back(std::move(p));
  }
  segments_.clear();
  queued_ = 0;
  return out;
}

std::vector<double> FluidFifo::queued_by_tag() const {
  std::vector<double> by_tag;
  for (const Segment& s : segments_) {
    if (by_tag.size() < s.mix.size()) by_tag.resize(s.mix.size(), 0.0);
    for (std::size_t k = 0; k < s.mix.size(); ++k) by_tag[k] += (s.size - s.done) * s.mix[k];
  }
  return by_tag;
}

}  // namespace rcn
