// Standard Webhooks signing against the specification's published test vector.
#include <boost/test/unit_test.hpp>

#include "connectors/webhook_signer.hpp"

using namespace cohort::connectors;

BOOST_AUTO_TEST_SUITE(webhook_signer_suite)

// The vector of the specification's reference libraries (standard-webhooks, javascript
// and python tests): the npm standardwebhooks package signs it to the same value.
BOOST_AUTO_TEST_CASE(matches_the_published_test_vector) {
  auto signer = webhook_signer::from_secret("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw");
  BOOST_TEST_REQUIRE(static_cast<bool>(signer));
  BOOST_TEST(signer->sign("msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, R"({"test": 2432232314})")
             == "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
}

BOOST_AUTO_TEST_CASE(refuses_bad_secrets_without_quoting_them) {
  for (const std::string secret : {"MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "whsec_", "whsec_c2hvcnQ=",
                                   "whsec_***not-base64***"}) {
    auto signer = webhook_signer::from_secret(secret);
    BOOST_TEST(!signer);
    if (!signer && secret.size() > 6)
      BOOST_TEST(signer.error().reason.find(secret.substr(6)) == std::string::npos);
  }
}

BOOST_AUTO_TEST_CASE(ids_are_stable_per_change_and_distinct_across_changes) {
  BOOST_TEST(webhook_id("user-1", 7) == webhook_id("user-1", 7));
  BOOST_TEST(webhook_id("user-1", 7) != webhook_id("user-1", 8));
  BOOST_TEST(webhook_id("user-1", 7) != webhook_id("user-17", 7));
  BOOST_TEST(webhook_id("user-1", 7).rfind("msg_", 0) == 0u);
  BOOST_TEST(webhook_id("user-1", 7).size() == 36u);
}

BOOST_AUTO_TEST_SUITE_END()
