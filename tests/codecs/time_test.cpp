#include <boost/test/unit_test.hpp>

#include "codecs/time.hpp"

using namespace cohort::codecs;

BOOST_AUTO_TEST_SUITE(time_suite)

// 2024-05-01T12:00:00Z, computed independently: 19844 days since the epoch.
constexpr std::int64_t may_first_noon = 19844LL * 86400000 + 12LL * 3600000;

BOOST_AUTO_TEST_CASE(parses_utc_and_offsets) {
  BOOST_TEST(*parse_iso8601("1970-01-01T00:00:00Z") == 0);
  BOOST_TEST(*parse_iso8601("2024-05-01T12:00:00Z") == may_first_noon);
  BOOST_TEST(*parse_iso8601("2024-05-01T14:00:00+02:00") == may_first_noon);
  BOOST_TEST(*parse_iso8601("2024-05-01T14:00:00+0200") == may_first_noon);
  BOOST_TEST(*parse_iso8601("2024-05-01T14:00:00+02") == may_first_noon);
  BOOST_TEST(*parse_iso8601("2024-05-01T06:30:00-05:30") == may_first_noon);
  BOOST_TEST(*parse_iso8601("2024-05-01T12:00:00") == may_first_noon);  // no zone: UTC
  BOOST_TEST(*parse_iso8601("2024-05-01 12:00:00z") == may_first_noon);
  BOOST_TEST(*parse_iso8601("2024-05-01T12:00Z") == may_first_noon);
  BOOST_TEST(*parse_iso8601("2024-05-01") == may_first_noon - 12LL * 3600000);
}

BOOST_AUTO_TEST_CASE(fractions_of_any_length) {
  BOOST_TEST(*parse_iso8601("2024-05-01T12:00:00.1Z") == may_first_noon + 100);
  BOOST_TEST(*parse_iso8601("2024-05-01T12:00:00.12Z") == may_first_noon + 120);
  BOOST_TEST(*parse_iso8601("2024-05-01T12:00:00.123Z") == may_first_noon + 123);
  BOOST_TEST(*parse_iso8601("2024-05-01T12:00:00.123456789Z") == may_first_noon + 123);
  BOOST_TEST(*parse_iso8601("2024-05-01T12:00:00,5+00:00") == may_first_noon + 500);
}

BOOST_AUTO_TEST_CASE(calendar_edges) {
  BOOST_TEST(*parse_iso8601("2024-02-29T00:00:00Z") == 19782LL * 86400000);  // leap day
  BOOST_TEST(*parse_iso8601("2000-03-01T00:00:00Z") == 11017LL * 86400000);
  BOOST_TEST(*parse_iso8601("1969-12-31T23:59:59.999Z") == -1);
  // A negative offset can carry the instant into the next day.
  BOOST_TEST(*parse_iso8601("2023-12-31T23:00:00-02:00") == *parse_iso8601("2024-01-01T01:00:00Z"));
}

BOOST_AUTO_TEST_CASE(rejects_garbage) {
  for (const char* bad : {"", "yesterday", "2024-5-1T12:00:00Z", "2024-13-01T00:00:00Z",
                          "2023-02-29T00:00:00Z", "2024-04-31T00:00:00Z", "2024-05-01T24:00:00Z",
                          "2024-05-01T12:60:00Z", "2024-05-01T12:00:00.Z", "2024-05-01T12:00:00ZZ",
                          "2024-05-01T12:00:00+25:00", "2024-05-01T12:00:00 UTC", "1714564800000",
                          "2024-05-01X12:00:00Z", "2024-05-01T12"})
    BOOST_TEST(!parse_iso8601(bad).has_value(), bad);
}

// The shape every browser SDK sends (toISOString) is read at fixed positions: it gets the
// same range checks, and a near miss of it still goes through the general reader.
BOOST_AUTO_TEST_CASE(the_sdk_shape_is_checked_like_any_other) {
  for (const char* bad : {"2024-13-01T00:00:00.000Z", "2023-02-29T00:00:00.000Z",
                          "2024-05-01T24:00:00.000Z", "2024-05-01T12:60:00.000Z",
                          "2024-05-01T12:00:61.000Z", "2024-05-01T12:00:00.1a3Z",
                          "2024-05-01T12:00:00.123+", "2024-0a-01T12:00:00.123Z"})
    BOOST_TEST(!parse_iso8601(bad).has_value(), bad);
  BOOST_TEST(*parse_iso8601("2024-05-01T12:00:60.000Z") == may_first_noon + 60000);  // leap second
  BOOST_TEST(*parse_iso8601("2024-05-01T12:00:00.123z") == may_first_noon + 123);    // general reader
  BOOST_TEST(*parse_iso8601("2024-05-01t12:00:00.123Z") == may_first_noon + 123);
}

BOOST_AUTO_TEST_CASE(format_round_trips) {
  BOOST_TEST(format_iso8601(may_first_noon + 7) == "2024-05-01T12:00:00.007Z");
  BOOST_TEST(format_iso8601(0) == "1970-01-01T00:00:00.000Z");
  BOOST_TEST(format_iso8601(-1) == "1969-12-31T23:59:59.999Z");
  for (std::int64_t ms : {std::int64_t{0}, may_first_noon, std::int64_t{951782400123}, std::int64_t{-86400001}})
    BOOST_TEST(*parse_iso8601(format_iso8601(ms)) == ms);
}

BOOST_AUTO_TEST_CASE(now_is_recent) {
  BOOST_TEST(now_ms() > may_first_noon);
}

BOOST_AUTO_TEST_SUITE_END()
