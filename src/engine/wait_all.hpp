#pragma once
// Waits for a batch of flows, and kills actors together with the flows they
// wait for. SimGrid 3.32 cancels only the one flow a killed actor is blocked
// on: the others of its batch ran on as orphans, loading links and moving the
// clock (a checkpoint write in flight at the horizon went on for days). So the
// batch an actor waits for is registered here, and whoever kills the actor
// (a failure, a preemption, the horizon) cancels it too.
#include <simgrid/s4u.hpp>

#include <map>
#include <vector>

namespace rcn {

// Flows each actor is waiting for, by actor id (one engine per process).
inline std::map<aid_t, std::vector<simgrid::s4u::CommPtr>>& flows_in_flight() {
  static std::map<aid_t, std::vector<simgrid::s4u::CommPtr>> flows;
  return flows;
}

inline void cancel_unfinished(const std::vector<simgrid::s4u::CommPtr>& comms) {
  for (const auto& c : comms) {
    const auto state = c->get_state();
    if (state == simgrid::s4u::Activity::State::STARTED || state == simgrid::s4u::Activity::State::STARTING ||
        state == simgrid::s4u::Activity::State::INITED)
      c->cancel();
  }
}

inline void wait_all(std::vector<simgrid::s4u::CommPtr>& comms) {
  const aid_t me = simgrid::s4u::this_actor::get_pid();
  flows_in_flight()[me] = comms;
  try {
    for (auto& c : comms) c->wait();
  } catch (...) {
    flows_in_flight().erase(me);
    cancel_unfinished(comms);
    throw;
  }
  flows_in_flight().erase(me);
}

// Kills `actor` and cancels the flows it was waiting for.
inline void kill_with_flows(const simgrid::s4u::ActorPtr& actor) {
  std::vector<simgrid::s4u::CommPtr> flows;
  auto it = flows_in_flight().find(actor->get_pid());
  if (it != flows_in_flight().end()) {
    flows = std::move(it->second);
    flows_in_flight().erase(it);
  }
  actor->kill();
  cancel_unfinished(flows);
}

// Kills every other actor and cancels every flow in flight.
inline void kill_all_with_flows() {
  std::vector<simgrid::s4u::CommPtr> flows;
  for (auto& [actor, batch] : flows_in_flight()) flows.insert(flows.end(), batch.begin(), batch.end());
  flows_in_flight().clear();
  simgrid::s4u::Actor::kill_all();
  cancel_unfinished(flows);
}

}  // namespace rcn
