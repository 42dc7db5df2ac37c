// The queue on disk: entries survive reopening the store, a change written twice is one
// entry, destinations are kept apart.
#include <boost/test/unit_test.hpp>

#include "../storage/temp_store_dir.hpp"
#include "connectors/webhook_queue.hpp"

using namespace cohort;
using namespace cohort::connectors;
using testing::temp_store_dir;

BOOST_AUTO_TEST_SUITE(webhook_queue_suite)

BOOST_AUTO_TEST_CASE(entries_persist_and_a_repeat_overwrites_its_own_key) {
  temp_store_dir dir{"webhook-queue"};
  const auto a = webhook_queue::destination_id("http://127.0.0.1:1/a");
  const auto b = webhook_queue::destination_id("http://127.0.0.1:1/b");
  BOOST_TEST(a != b);
  {
    auto db = storage::store::open(dir.path);
    BOOST_TEST_REQUIRE(static_cast<bool>(db));
    webhook_queue q{**db, false};
    BOOST_TEST(static_cast<bool>(q.put({{a, {"u1", 2, 100}, "b2"},
                                        {a, {"u1", 1, 100}, "b1"},
                                        {a, {"u10", 1, 101}, "c1"},
                                        {b, {"u1", 1, 100}, "x1"}})));
    BOOST_TEST(static_cast<bool>(q.put({{a, {"u1", 1, 200}, "b1"}})));  // a replay
  }
  auto db = storage::store::open(dir.path);
  BOOST_TEST_REQUIRE(static_cast<bool>(db));
  webhook_queue q{**db, false};
  auto loaded = q.load(a);
  BOOST_TEST_REQUIRE(static_cast<bool>(loaded));
  BOOST_TEST_REQUIRE(loaded->size() == 3u);
  BOOST_TEST((*loaded)[0].profile == "u1");
  BOOST_TEST((*loaded)[0].seq == 1u);
  BOOST_TEST((*loaded)[0].enqueued_ms == 200);
  BOOST_TEST((*loaded)[1].seq == 2u);
  BOOST_TEST((*loaded)[2].profile == "u10");
  auto body = q.body(a, (*loaded)[1]);
  BOOST_TEST_REQUIRE(static_cast<bool>(body));
  BOOST_TEST(**body == "b2");
  BOOST_TEST(static_cast<bool>(q.remove(a, (*loaded)[1])));
  BOOST_TEST(!*q.body(a, (*loaded)[1]));
  BOOST_TEST(q.load(a)->size() == 2u);
  BOOST_TEST(q.load(b)->size() == 1u);
}

BOOST_AUTO_TEST_SUITE_END()
