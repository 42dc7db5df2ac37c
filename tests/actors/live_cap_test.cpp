// sessions.max_live: a burst of new users past a shard's cap passivates the least
// recently used sessions, so the number of live actors stays bounded, and nothing they
// held is lost: a passivated user comes back from its snapshot on its next event.
#include "directory_fixture.hpp"

#include <algorithm>

#include "actors/messages.hpp"
#include "actors/profile.hpp"
#include "event_fixture.hpp"

using namespace cohort;

namespace {

using test::click;

struct capped_directory : test::directory_fixture {
  static constexpr std::size_t cap = 3;

  // No idle sweep: only the cap lets sessions go.
  capped_directory() : directory(spawn_directory(caf::infinite, cap)) {}

  ~capped_directory() { self->send_exit(directory, caf::exit_reason::user_shutdown); }

  void route(const std::string& user, std::uint64_t seq) {
    send_event(directory, click(user, user + "-" + std::to_string(seq), seq));
    run();
  }

  actors::directory_stats stats() { return stats_of(directory); }

  caf::actor directory;
};

} // namespace

BOOST_FIXTURE_TEST_SUITE(live_cap_suite, capped_directory)

BOOST_AUTO_TEST_CASE(a_burst_of_new_users_stays_under_the_cap) {
  std::uint64_t seq = 0;
  for (int u = 0; u < 50; ++u)
    route("u" + std::to_string(u), ++seq);
  auto s = stats();
  BOOST_TEST(s.live == cap);
  BOOST_TEST(s.spawned == 50u);
  BOOST_TEST(s.passivated == 50u - cap);
  BOOST_TEST(s.evictions == 50u - cap);
  // Every passivated user's state was written, and comes back with it.
  auto p = ask<actors::profile>(directory, actors::profile_atom::value, std::string("u0"));
  BOOST_TEST(p.events == 1u);
}

BOOST_AUTO_TEST_CASE(the_least_recently_used_session_goes_first) {
  std::uint64_t seq = 0;
  route("a", ++seq);
  route("b", ++seq);
  route("c", ++seq);
  route("a", ++seq);  // a is used again: b is now the least recently used
  route("d", ++seq);  // over the cap: b goes
  auto s = stats();
  BOOST_TEST(s.live == cap);
  BOOST_TEST(s.evictions == 1u);
  auto live = ask<std::vector<std::string>>(directory, actors::list_atom::value, std::string(),
                                            std::string(), std::uint32_t{10});
  BOOST_TEST(live == (std::vector<std::string>{"a", "c", "d"}));
  route("b", ++seq);  // b is revived from its snapshot; c (least recent) goes
  auto p = ask<actors::profile>(directory, actors::profile_atom::value, std::string("b"));
  BOOST_TEST(p.events == 2u, "b lost an event across its passivation");
  live = ask<std::vector<std::string>>(directory, actors::list_atom::value, std::string(),
                                       std::string(), std::uint32_t{10});
  BOOST_TEST(live == (std::vector<std::string>{"a", "b", "d"}));
}

BOOST_AUTO_TEST_SUITE_END()

namespace {

/// A shard larger than the eviction sample (16): the cap compares a sample, not all.
struct large_capped_directory : capped_directory {
  static constexpr std::size_t cap = 64;
  large_capped_directory() {
    self->send_exit(directory, caf::exit_reason::user_shutdown);
    directory = spawn_directory(caf::infinite, cap);
  }
};

} // namespace

BOOST_FIXTURE_TEST_SUITE(live_cap_sampled_suite, large_capped_directory)

BOOST_AUTO_TEST_CASE(a_large_shard_stays_at_its_cap_and_keeps_its_most_recent_users) {
  std::uint64_t seq = 0;
  for (int u = 0; u < 500; ++u)
    route("u" + std::to_string(u), ++seq);
  auto s = stats();
  BOOST_TEST(s.live == cap);
  BOOST_TEST(s.evictions == 500u - cap);
  // The one evicted is the oldest of 16 sampled users, so never one of the 15 most
  // recently used.
  auto live = ask<std::vector<std::string>>(directory, actors::list_atom::value, std::string(),
                                            std::string(), std::uint32_t{1000});
  for (int u = 485; u < 500; ++u)
    BOOST_TEST(std::count(live.begin(), live.end(), "u" + std::to_string(u)) == 1,
               "u" << u << " was evicted");
  auto p = ask<actors::profile>(directory, actors::profile_atom::value, std::string("u0"));
  BOOST_TEST(p.events == 1u);
}

BOOST_AUTO_TEST_SUITE_END()
