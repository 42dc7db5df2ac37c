#include "storage/dead_letter_actor.hpp"

#include <iostream>

#include <caf/all.hpp>

#include "actors/messages.hpp"
#include "actors/session_actor.hpp"
#include "codecs/time.hpp"
#include "codecs/event_json.hpp"

namespace cohort::storage {

caf::behavior dead_letter_actor(caf::event_based_actor* self, dead_letters* store,
                                retention limits, std::chrono::milliseconds interval) {
  self->delayed_send(self, interval, actors::prune_atom::value);
  return {
    [=](actors::prune_atom) {
      if (auto pruned = store->prune(limits, codecs::now_ms()); !pruned)
        std::cerr << "cohortd: dead-letter retention: " << pruned.error().reason << std::endl;
      self->delayed_send(self, interval, actors::prune_atom::value);
    },
    [=](actors::dead_letter_atom, std::string& reason, const codecs::event& ev) {
      codecs::json_writer w;
      codecs::write_event(w, ev);
      auto raw = w.take();
      auto stored = store->append({{0, codecs::now_ms(), "late", std::move(reason), raw}});
      if (!stored)
        std::cerr << "cohortd: " << stored.error().reason << "; lost dead letter: " << raw
                  << std::endl;
    },
  };
}

} // namespace cohort::storage
