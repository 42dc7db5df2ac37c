#pragma once

// What nodes say to each other over CAF's middleman (docs/cluster.md, section 5), and
// the registration every node makes so that those messages cross the network.

#include <caf/actor_system_config.hpp>
#include <caf/atom.hpp>
#include <caf/typed_actor.hpp>

#include "actors/locator.hpp"
#include "actors/messages.hpp"

namespace cohort::cluster {

/// (resolve_atom, event_batch) -> uint64_t: the sequencer resolves the identities of
/// events a front could not resolve on its replica and writes them to the events log, in
/// order with the merges they make; the reply is how many the broker holds.
using resolve_atom = caf::atom_constant<caf::atom("resolve")>;

/// The cluster's locator: every request of the single node's, plus resolving events
/// through the sequencer for the ingest front.
using cluster_locator_actor = actors::locator::extend<
  caf::replies_to<resolve_atom, actors::event_batch>::with<std::uint64_t>>;

/// Loads the io middleman and registers every type a node sends to another (on all
/// nodes alike: a type missing on one side shows only as unexpected_message).
void configure_remoting(caf::actor_system_config& cfg);

} // namespace cohort::cluster
