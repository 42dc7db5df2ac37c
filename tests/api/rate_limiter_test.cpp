// http.rate_limit: per-key token buckets, refusals that cost nothing, refunds.
#include <boost/test/unit_test.hpp>

#include "api/rate_limiter.hpp"

using cohort::api::rate_limiter;
using namespace std::chrono_literals;

namespace {
const rate_limiter::clock::time_point t0{};
} // namespace

BOOST_AUTO_TEST_SUITE(rate_limiter_suite)

BOOST_AUTO_TEST_CASE(off_when_rate_is_zero) {
  rate_limiter off(0, 0);
  BOOST_TEST(!off.enabled());
  BOOST_TEST(!off.take("k", 1000000, t0));
}

BOOST_AUTO_TEST_CASE(burst_then_refusal_with_the_wait) {
  rate_limiter limiter(10, 20);
  BOOST_TEST(!limiter.take("k", 20, t0));
  auto refused = limiter.take("k", 15, t0);
  BOOST_TEST_REQUIRE(refused.has_value());
  BOOST_TEST(!refused->too_large);
  BOOST_TEST(refused->retry_after.count() == 2);  // 15 tokens at 10/s
  BOOST_TEST(!limiter.take("other", 20, t0), "each key has its own bucket");
  BOOST_TEST(!limiter.take("k", 15, t0 + 1500ms));
}

BOOST_AUTO_TEST_CASE(a_batch_larger_than_the_burst_is_refused_without_draining) {
  rate_limiter limiter(10, 20);
  auto refused = limiter.take("k", 21, t0);
  BOOST_TEST_REQUIRE(refused.has_value());
  BOOST_TEST(refused->too_large);
  // Nothing was taken: a full burst still passes at the same instant.
  BOOST_TEST(!limiter.take("k", 20, t0));
  // Refused as too large even with an empty bucket, not told to wait.
  auto again = limiter.take("k", 50, t0);
  BOOST_TEST_REQUIRE(again.has_value());
  BOOST_TEST(again->too_large);
}

BOOST_AUTO_TEST_CASE(burst_zero_means_the_rate) {
  rate_limiter limiter(5, 0);
  BOOST_TEST(!limiter.take("k", 5, t0));
  BOOST_TEST(limiter.take("k", 6, t0 + 10s)->too_large);
}

BOOST_AUTO_TEST_CASE(given_back_tokens_can_be_taken_again) {
  rate_limiter limiter(10, 20);
  BOOST_TEST(!limiter.take("k", 15, t0));
  BOOST_TEST(limiter.take("k", 15, t0).has_value());
  limiter.give_back("k", 15);  // the first batch was refused with 503 after all
  BOOST_TEST(!limiter.take("k", 15, t0), "the refunded tokens were not back");
}

BOOST_AUTO_TEST_CASE(give_back_never_fills_past_the_burst) {
  rate_limiter limiter(10, 20);
  BOOST_TEST(!limiter.take("k", 5, t0));
  limiter.give_back("k", 5);
  limiter.give_back("k", 100);
  BOOST_TEST(!limiter.take("k", 20, t0));
  BOOST_TEST(limiter.take("k", 1, t0).has_value(), "the bucket held more than the burst");
  limiter.give_back("never-seen", 5);  // no bucket: nothing to refund, nothing created
  BOOST_TEST(!limiter.take("never-seen", 20, t0));
}

BOOST_AUTO_TEST_SUITE_END()
