#pragma once
// Starts a daemon actor: one the simulation does not wait for, killed when the
// last ordinary actor ends. It daemonizes itself before its body runs, because
// `Actor::create(...)->daemonize()` from the creator comes too late for a body
// that ends without a simcall: SimGrid 3.32 may run the new actor to its end
// before the creator's daemonize, which then puts a dead actor on the daemon
// list, and the engine, counting only daemons left, kills every daemon at once
// (the horizon actor included: a disaggregated service whose decode replica
// had failed stopped serving and ran forever).
#include <simgrid/s4u.hpp>

#include <string>
#include <utility>

namespace rcn {

template <typename F>
simgrid::s4u::ActorPtr create_daemon(const std::string& name, simgrid::s4u::Host* host, F body) {
  return simgrid::s4u::Actor::create(name, host, [body = std::move(body)]() mutable {
    simgrid::s4u::Actor::self()->daemonize();
    body();
  });
}

}  // namespace rcn
