#include <boost/test/unit_test.hpp>

#include <caf/actor_storage.hpp>
#include <caf/stateful_actor.hpp>

#include "actors/session_actor.hpp"

using cohort::actors::session_actor_state;

BOOST_AUTO_TEST_SUITE(session_footprint_suite)

BOOST_AUTO_TEST_CASE(a_live_session_fits_the_allocator_size_class_of_1792_bytes) {
  // ≤ 3 KiB per live user at 1M users (README Performance) rests on this: CAF allocates
  // a session as one block (control block, actor, state), and one more member would move
  // every live session to jemalloc's next class, 2,048 bytes: 256 bytes more per user.
  using block = caf::actor_storage<caf::stateful_actor<session_actor_state>>;
  BOOST_TEST(sizeof(block) <= 1792u);
}

BOOST_AUTO_TEST_SUITE_END()
