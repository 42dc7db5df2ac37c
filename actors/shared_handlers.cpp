#include "actors/shared_handlers.hpp"

namespace cohort::actors {

namespace {

/// A type no message can carry: the one case of shared_behavior() never matches.
struct never_sent {};

} // namespace

caf::behavior shared_behavior() {
  // Built once; each actor holds a counted reference to it (one pointer).
  static const caf::behavior shared{[](never_sent) {}};
  return shared;
}

} // namespace cohort::actors
