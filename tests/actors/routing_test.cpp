#include "actor_fixture.hpp"

#include "actors/directory_actor.hpp"
#include "actors/ingest_actor.hpp"
#include "actors/messages.hpp"
#include "actors/profile.hpp"
#include "actors/publisher_actor.hpp"
#include "model_fixture.hpp"

using namespace cohort;

namespace {

codecs::event event_for(std::string user, std::string id, std::string type) {
  codecs::event ev;
  ev.user_id = std::move(user);
  ev.message_id = std::move(id);
  ev.type = std::move(type);
  return ev;
}

struct ingest_fixture : test::actor_fixture {
  ingest_fixture() {
    actors::session_env env{actors::session_limits{},
                            std::make_shared<actors::model_holder>(test::spec_model()),
                            sys.spawn(actors::publisher_actor), self};
    std::vector<caf::actor> shards;
    for (int i = 0; i < 3; ++i)
      shards.push_back(sys.spawn(actors::directory_actor, env));
    route.emplace(shards);
    ingest = sys.spawn(actors::ingest_actor, *route);
  }

  actors::profile profile_of(const std::string& user) {
    return ask<actors::profile>(route->shard_for(user), actors::profile_atom::value, user);
  }

  std::optional<actors::router> route;
  caf::actor ingest;
};

} // namespace

BOOST_FIXTURE_TEST_SUITE(routing_suite, ingest_fixture)

BOOST_AUTO_TEST_CASE(a_batch_is_split_per_user_and_acknowledged_in_full) {
  actors::event_batch batch{event_for("alice", "1", "page_view"),
                            event_for("bob", "2", "click"),
                            event_for("alice", "3", "product_view")};
  auto accepted = ask<std::uint64_t>(ingest, actors::ingest_atom::value, batch);
  BOOST_TEST(accepted == 3u);
  auto alice = profile_of("alice");
  BOOST_TEST(alice.events == 2u);
  BOOST_TEST(alice.event_counts.at("product_view") == 1u);
  BOOST_TEST(profile_of("bob").events == 1u);
}

BOOST_AUTO_TEST_CASE(one_actor_per_user_across_batches) {
  ask<std::uint64_t>(ingest, actors::ingest_atom::value,
                     actors::event_batch{event_for("carol", "1", "click")});
  ask<std::uint64_t>(ingest, actors::ingest_atom::value,
                     actors::event_batch{event_for("carol", "2", "click")});
  BOOST_TEST(profile_of("carol").events == 2u);
  std::uint64_t live = 0;
  for (const auto& shard : route->shards())
    live += ask<actors::directory_stats>(shard, actors::stats_atom::value).live;
  BOOST_TEST(live == 1u);
}

BOOST_AUTO_TEST_CASE(a_user_order_is_kept_within_a_batch) {
  actors::event_batch batch;
  for (int i = 0; i < 5; ++i)
    batch.push_back(event_for("dave", std::to_string(i), "click"));
  ask<std::uint64_t>(ingest, actors::ingest_atom::value, batch);
  auto p = profile_of("dave");
  BOOST_REQUIRE(p.recent.size() == 5u);
  for (int i = 0; i < 5; ++i)
    BOOST_TEST(p.recent[i].message_id == std::to_string(i));
}

BOOST_AUTO_TEST_CASE(an_unknown_user_is_an_error_value) {
  auto err = ask_error(route->shard_for("nobody"), actors::profile_atom::value,
                       std::string{"nobody"});
  BOOST_TEST(actors::is(err, actors::errc::unknown_user));
}

BOOST_AUTO_TEST_SUITE_END()
