// http.rate_limit against a real node: a batch larger than the burst is refused with 429
// and its reason without draining the bucket, and batches refused with 503 (overload,
// after their tokens were taken) give their tokens back.
#include <atomic>
#include <mutex>
#include <thread>

#include <boost/test/unit_test.hpp>

#include "messages.hpp"
#include "test_support.hpp"

using namespace cohort::it;
using std::chrono::seconds;

namespace {

std::string limited_config(int burst, int max_in_flight) {
  // 0.001 events/s: over a test's few seconds the bucket refills by nothing that matters.
  return "ingest: {write_keys: [test-key], dedup_window: 24h, max_body_bytes: 1048576,"
         " max_in_flight: " + std::to_string(max_in_flight) + "}\n"
         "http: {rate_limit: {events_per_second: 0.001, burst: " + std::to_string(burst) + "}}\n";
}

std::string batch(const std::string& prefix, int events) {
  std::vector<std::string> messages;
  for (int e = 0; e < events; ++e)
    messages.push_back(track_msg(prefix + "-u" + std::to_string(e % 50), "click",
                                 prefix + "-e" + std::to_string(e)));
  return batch_of(messages);
}

} // namespace

BOOST_AUTO_TEST_SUITE(rate_limit, *boost::unit_test::label("hardening"))

BOOST_AUTO_TEST_CASE(a_batch_larger_than_the_burst_gets_429_and_drains_nothing) {
  server_fixture f(limited_config(100, 200000));
  http_client client("127.0.0.1", f.server.port());
  auto big = post_json(client, "/v1/batch", batch("big", 101));
  BOOST_TEST(big.status == 429, big.body);
  BOOST_TEST(big.body.find("rate limit: a batch of 101 events is larger than "
                           "http.rate_limit.burst") != std::string::npos, big.body);
  BOOST_TEST(!big.has_header("Retry-After"), "waiting cannot let this batch pass");
  // The refusal took nothing: the whole burst is still there, and then it is gone.
  auto full = post_json(client, "/v1/batch", batch("full", 100));
  BOOST_TEST(full.status == 200, full.body);
  auto over = post_json(client, "/v1/batch", batch("over", 1));
  BOOST_TEST(over.status == 429, over.body);
  BOOST_TEST(over.has_header("Retry-After"));
}

// A flood against a tiny ingest.max_in_flight gets many 503s. Each of them took its
// tokens before admission; were they kept, the tokens taken (acknowledged + refused)
// would pass the burst and every later batch would get 429 while fewer events than the
// burst were ever acknowledged.
BOOST_AUTO_TEST_CASE(batches_refused_with_503_give_their_tokens_back) {
  constexpr int burst = 200000;
  constexpr int per_batch = 50;
  server_fixture f(limited_config(burst, 100));
  std::atomic<std::int64_t> acked_events{0}, refused_503_events{0}, refused_429{0}, other{0};
  std::atomic<bool> stop{false};
  std::string first_other;
  std::mutex first_other_mutex;
  const auto deadline = std::chrono::steady_clock::now() + seconds(60);
  std::vector<std::thread> clients;
  for (int c = 0; c < 4; ++c) {
    clients.emplace_back([&, c] {
      http_client client("127.0.0.1", f.server.port(), seconds(30));
      for (int b = 0; !stop && std::chrono::steady_clock::now() < deadline; ++b) {
        auto res = post_json(client, "/v1/batch",
                             batch("c" + std::to_string(c) + "-b" + std::to_string(b), per_batch));
        if (res.status == 200) {
          acked_events += per_batch;
        } else if (res.status == 503) {
          refused_503_events += per_batch;
        } else if (res.status == 429) {
          ++refused_429;
        } else if (++other == 1) {
          std::lock_guard<std::mutex> guard{first_other_mutex};
          first_other = std::to_string(res.status) + " " + res.body;
        }
        // A 429 answers the question; so do tokens taken well past the burst. So many
        // acknowledgements that the bucket really runs low leave it open.
        if (refused_429 > 0 || acked_events + refused_503_events >= burst * 3 / 2 ||
            acked_events >= burst * 8 / 10)
          stop = true;
      }
    });
  }
  for (auto& t : clients)
    t.join();
  BOOST_TEST_MESSAGE("rate_limit: " << acked_events << " events acknowledged, "
                     << refused_503_events << " refused with 503, " << refused_429 << " x 429");
  BOOST_TEST(other == 0, first_other);
  BOOST_TEST(refused_429 == 0, refused_429 << " x 429 with only " << acked_events
                                           << " of " << burst << " tokens used by acknowledged events");
  // Without refunds the bucket would have been empty once a quarter burst past it.
  BOOST_TEST_REQUIRE(acked_events + refused_503_events >= burst * 5 / 4,
                     "the flood did not get enough 503s to tell (acknowledged "
                         << acked_events << ", refused " << refused_503_events << ")");
}

BOOST_AUTO_TEST_SUITE_END()
