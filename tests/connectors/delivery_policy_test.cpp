// Backoff with jitter, Retry-After, and the circuit breaker's state machine.
#include <boost/test/unit_test.hpp>

#include "connectors/delivery_policy.hpp"

using namespace cohort::connectors;
using state = circuit_breaker::state;

BOOST_AUTO_TEST_SUITE(delivery_policy_suite)

BOOST_AUTO_TEST_CASE(backoff_doubles_within_jitter_and_caps) {
  const millis initial{1000};
  const millis max{8000};
  BOOST_TEST(backoff_delay(initial, max, 1, 0.0).count() == 500);
  BOOST_TEST(backoff_delay(initial, max, 1, 0.999).count() <= 1000);
  BOOST_TEST(backoff_delay(initial, max, 2, 0.0).count() == 1000);
  BOOST_TEST(backoff_delay(initial, max, 3, 0.0).count() == 2000);
  BOOST_TEST(backoff_delay(initial, max, 4, 0.999).count() <= 8000);
  BOOST_TEST(backoff_delay(initial, max, 60, 0.0).count() == 4000);  // capped, no overflow
  BOOST_TEST(backoff_delay(initial, max, 60, 0.999).count() <= 8000);
}

BOOST_AUTO_TEST_CASE(retry_after_in_seconds_only) {
  BOOST_TEST(parse_retry_after("2")->count() == 2000);
  BOOST_TEST(parse_retry_after("0")->count() == 0);
  BOOST_TEST(parse_retry_after("999999")->count() == 3600 * 1000);
  BOOST_TEST(!parse_retry_after(""));
  BOOST_TEST(!parse_retry_after("-1"));
  BOOST_TEST(!parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT"));
}

BOOST_AUTO_TEST_CASE(breaker_opens_probes_and_closes) {
  circuit_breaker b{3, millis{1000}};
  BOOST_TEST(b.allow(0));
  b.failure(0);
  b.failure(0);
  BOOST_TEST((b.current() == state::closed));
  b.success();  // consecutive failures only
  b.failure(10);
  b.failure(10);
  b.failure(10);
  BOOST_TEST((b.current() == state::open));
  BOOST_TEST(!b.allow(500));
  BOOST_TEST(b.allow(1010));  // the probe
  BOOST_TEST((b.current() == state::half_open));
  BOOST_TEST(!b.allow(1010));  // one probe at a time
  b.failure(1020);             // probe failed: open again, for the whole period
  BOOST_TEST((b.current() == state::open));
  BOOST_TEST(!b.allow(2000));
  BOOST_TEST(b.allow(2020));
  b.success();
  BOOST_TEST((b.current() == state::closed));
  BOOST_TEST(b.allow(2021));
  BOOST_TEST(b.allow(2021));
}

BOOST_AUTO_TEST_SUITE_END()
