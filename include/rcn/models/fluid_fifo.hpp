#pragma once
// A fast-mode replica's backlog as a first-in-first-out fluid (docs/inference.md, Fast mode):
// requests admitted over intervals, uniformly within each and with a fixed mix of tags (their
// demand regions), served in order at a throughput. Each piece served is timed by its middle
// request, from its arrival to its departure, and keeps its tags: a region's requests wait as
// long as the requests they queued among, not as long as the backlog's average. Charging each
// interval's served requests the backlog left at its end instead (what a request arriving then
// will wait) doubled the wait while a backlog built up and dropped it to nothing while it drained.
#include <cstddef>
#include <deque>
#include <vector>

namespace rcn {

class FluidFifo {
 public:
  // A part of what serve() served: `requests` of tag `tag`, which waited `wait` seconds
  // (departure - arrival of the middle request of their piece, at least 0).
  struct Served {
    std::size_t tag = 0;
    double requests = 0;
    double wait = 0;
  };
  // `by_tag[k]` requests of tag k arriving together, uniformly over [t0, t1] (t1 <= t0: all at t0).
  void admit(double t0, double t1, const std::vector<double>& by_tag);
  // Serves the next `n` requests, departing one after another from `start` at `throughput`
  // per second (all at `start` when throughput <= 0): what was served, by tag and piece.
  std::vector<Served> serve(double start, double n, double throughput);
  // What is left of the queue, oldest first, each part with the arrival times of its requests,
  // ready to be admitted elsewhere (a stopped replica's backlog routed on keeps the time its
  // requests have waited); the queue is then empty.
  struct Part {
    double t0 = 0, t1 = 0;
    std::vector<double> by_tag;
  };
  std::vector<Part> take_all();
  // Requests admitted and not yet served, in all and by tag.
  double queued() const { return queued_; }
  std::vector<double> queued_by_tag() const;

 private:
  struct Segment {
    double t0, t1;             // arrival times of its first and its last request
    double size, done;         // requests in it, and served so far
    std::vector<double> mix;   // tag shares, summing to 1
  };
  std::deque<Segment> segments_;  // oldest first; those fully served are dropped
  double queued_ = 0;             // what the segments hold, not yet served
};

}  // namespace rcn
