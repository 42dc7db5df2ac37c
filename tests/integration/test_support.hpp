#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <thread>

#include <boost/test/unit_test.hpp>

#include "cohortd_process.hpp"
#include "http_client.hpp"
#include "json_doc.hpp"

// Lets BOOST_TEST print std::optional operands of a failed comparison.
namespace boost::test_tools::tt_detail {
template <typename T>
struct print_log_value<std::optional<T>> {
  void operator()(std::ostream& os, const std::optional<T>& v) {
    if (v)
      os << *v;
    else
      os << "(none)";
  }
};
} // namespace boost::test_tools::tt_detail

namespace cohort::it {

constexpr auto default_deadline = std::chrono::seconds(5);
constexpr auto poll_interval = std::chrono::milliseconds(20);

/// Bounded polling: calls `done()` every 20 ms until it returns true or `timeout` passes.
template <class F>
bool eventually(F&& done, std::chrono::milliseconds timeout = default_deadline) {
  const auto deadline = clock::now() + timeout;
  for (;;) {
    if (done())
      return true;
    if (clock::now() >= deadline)
      return false;
    std::this_thread::sleep_for(poll_interval);
  }
}

/// The repository's source tree: $COHORT_SOURCE_DIR (ctest sets it); throws without it.
std::string source_dir();

/// True when an assertion of the running test case failed (fixtures print logs then).
bool current_test_failed();

/// A running cohortd and a keep-alive client to it; one per test case. On a failed test
/// the server's stderr is printed to help diagnose it.
struct server_fixture {
  explicit server_fixture(std::string config_yaml = default_config(),
                          std::vector<std::string> extra_args = {});
  ~server_fixture();
  cohortd_process server;
  http_client client;
};

/// Last state seen by a profile poll.
struct profile_poll {
  bool satisfied = false;
  int status = 0;
  std::string body;
  std::optional<json_doc> doc;  ///< The last 200 body, parsed.
};

/// Polls GET /v1/profiles/{user} until it answers 200 and `pred` holds for the body.
profile_poll wait_for_profile(http_client& client, const std::string& user,
                              const std::function<bool(const json_doc&)>& pred,
                              std::chrono::milliseconds timeout = default_deadline);

/// eventCounts[type] of a profile; 0 when absent.
std::int64_t event_count(const json_doc& profile, std::string_view type);
/// Sum of all eventCounts values.
std::int64_t total_event_count(const json_doc& profile);

/// The sum of every sample of metric `name` (any labels) in Prometheus text `text`.
double metric_sum(const std::string& text, const std::string& name);

/// The entry of profile.recentEvents with this messageId.
std::optional<simdjson::dom::element> recent_event(const json_doc& profile,
                                                   std::string_view message_id);

/// True when profile.identities holds {kind, id}.
bool has_identity(const json_doc& profile, std::string_view kind, std::string_view id);

/// POST with `Content-Type: application/json` and Basic auth `key:` (none when empty).
http_response post_json(http_client& client, const std::string& target, std::string body,
                        const std::string& key = "test-key", header_list extra = {});

/// gzip (RFC 1952) of `plain`, made with zlib directly.
std::string gzip(std::string_view plain);

/// Milliseconds since the epoch of an RFC 3339 / ISO 8601 time ("2024-05-01T12:00:00Z",
/// fractions and ±hh:mm offsets allowed); nullopt when it is not one.
std::optional<std::int64_t> parse_iso8601_ms(std::string_view text);
std::string iso8601_from_ms(std::int64_t ms);
std::int64_t now_ms();

/// A process-unique id with a readable prefix, for user and message ids.
std::string unique_id(std::string_view prefix);

/// JSON pointer escaping of one key ("~" and "/").
std::string pointer_key(std::string_view key);

} // namespace cohort::it
