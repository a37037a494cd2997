#pragma once
// Waits for a batch of flows. An actor killed while waiting (its job was
// interrupted by a failure) cancels the unfinished flows on the way out, so
// they stop using the network and SimGrid does not report comms freed before
// completion.
#include <simgrid/s4u.hpp>

#include <vector>

namespace rcn {

inline void wait_all(std::vector<simgrid::s4u::CommPtr>& comms) {
  try {
    for (auto& c : comms) c->wait();
  } catch (...) {
    for (auto& c : comms)
      if (c->get_state() != simgrid::s4u::Activity::State::FINISHED) c->cancel();
    throw;
  }
}

}  // namespace rcn
