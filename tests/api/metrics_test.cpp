// api/metrics: histogram buckets and percentiles, storage/reason_counter classes, and the
// Prometheus text format read back by an independent parser.

#include <boost/test/unit_test.hpp>

#include <chrono>
#include <map>
#include <optional>
#include <regex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "api/metrics.hpp"
#include "storage/reason_counter.hpp"

using namespace cohort::api;
using cohort::storage::reason_class;
using cohort::storage::reason_counter;
using cohort::storage::reason_classes;
using namespace std::chrono_literals;

namespace {

/// One sample line of the exposition format.
struct sample {
  std::string name;
  std::map<std::string, std::string> labels;
  double value = 0;
};

/// What a scraper reads: TYPE and HELP per family and every sample. Fails the test on
/// any line that is not valid text format 0.0.4.
struct exposition {
  std::map<std::string, std::string> types;
  std::map<std::string, std::string> helps;
  std::vector<sample> samples;

  std::optional<double> value(const std::string& name,
                              const std::map<std::string, std::string>& labels = {}) const {
    for (const auto& s : samples)
      if (s.name == name && s.labels == labels)
        return s.value;
    return std::nullopt;
  }
};

double parse_value(const std::string& text) {
  if (text == "+Inf")
    return std::numeric_limits<double>::infinity();
  if (text == "-Inf")
    return -std::numeric_limits<double>::infinity();
  if (text == "NaN")
    return std::numeric_limits<double>::quiet_NaN();
  std::size_t used = 0;
  double v = std::stod(text, &used);
  BOOST_TEST_REQUIRE(used == text.size(), "bad sample value '" << text << "'");
  return v;
}

exposition parse(const std::string& text) {
  static const std::regex meta(R"(^# (HELP|TYPE) ([a-zA-Z_:][a-zA-Z0-9_:]*) (.*)$)");
  static const std::regex line(R"(^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? (\S+)$)");
  static const std::regex label(R"re(([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"(,|$))re");
  BOOST_TEST_REQUIRE(!text.empty());
  BOOST_TEST_REQUIRE(text.back() == '\n', "the text must end with a newline");
  exposition out;
  std::istringstream in(text);
  for (std::string l; std::getline(in, l);) {
    std::smatch m;
    if (std::regex_match(l, m, meta)) {
      (m[1] == "TYPE" ? out.types : out.helps)[m[2]] = m[3];
      continue;
    }
    BOOST_TEST_REQUIRE(std::regex_match(l, m, line), "not a sample line: '" << l << "'");
    sample s{m[1], {}, parse_value(m[4])};
    std::string labels = m[3];
    for (std::sregex_iterator it(labels.begin(), labels.end(), label), end; it != end; ++it)
      s.labels[(*it)[1]] = (*it)[2];
    out.samples.push_back(std::move(s));
  }
  return out;
}

} // namespace

BOOST_AUTO_TEST_SUITE(metrics)

BOOST_AUTO_TEST_CASE(observations_land_in_their_bucket) {
  latency_histogram h;
  h.observe(50us);    // <= 0.0001
  h.observe(100us);   // == 0.0001: upper bounds are inclusive, as Prometheus' le
  h.observe(700us);   // <= 0.001
  h.observe(3s);      // <= 5
  h.observe(60s);     // +Inf
  auto s = h.read();
  BOOST_TEST(s.count == 5u);
  BOOST_TEST(s.buckets[0] == 2u);
  BOOST_TEST(s.buckets[3] == 1u);
  BOOST_TEST(s.buckets[14] == 1u);
  BOOST_TEST(s.buckets.back() == 1u);
  BOOST_TEST(s.sum_seconds == 63.00085, boost::test_tools::tolerance(1e-9));
}

BOOST_AUTO_TEST_CASE(quantiles_interpolate_within_a_bucket) {
  latency_histogram h;
  BOOST_TEST(h.read().quantile(0.5) == 0.0);
  // 100 observations spread evenly in (1 ms, 2.5 ms]: the bucket's bounds.
  for (int i = 0; i < 100; ++i)
    h.observe_seconds(0.0011 + i * 0.0001 * 0.1);
  auto s = h.read();
  BOOST_TEST(s.buckets[4] == 100u);
  BOOST_TEST(s.quantile(0.5) == 0.00175, boost::test_tools::tolerance(1e-9));
  BOOST_TEST(s.quantile(1.0) == 0.0025, boost::test_tools::tolerance(1e-9));
  BOOST_TEST(s.quantile(0.0) == 0.001, boost::test_tools::tolerance(1e-9));
}

BOOST_AUTO_TEST_CASE(quantiles_pick_the_right_bucket) {
  latency_histogram h;
  for (int i = 0; i < 90; ++i)
    h.observe(200us);  // (0.0001, 0.00025]
  for (int i = 0; i < 10; ++i)
    h.observe(40ms);   // (0.025, 0.05]
  auto s = h.read();
  BOOST_TEST(s.quantile(0.5) > 0.0001);
  BOOST_TEST(s.quantile(0.5) <= 0.00025);
  BOOST_TEST(s.quantile(0.99) > 0.025);
  BOOST_TEST(s.quantile(0.99) <= 0.05);
}

BOOST_AUTO_TEST_CASE(quantile_in_the_overflow_bucket_is_the_largest_bound) {
  latency_histogram h;
  h.observe(30s);
  BOOST_TEST(h.read().quantile(0.5) == latency_bounds.back());
}

BOOST_AUTO_TEST_CASE(concurrent_observations_are_all_counted) {
  latency_histogram h;
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&h] {
      for (int i = 0; i < 10000; ++i)
        h.observe(1ms);
    });
  for (auto& t : threads)
    t.join();
  BOOST_TEST(h.read().count == 40000u);
}

BOOST_AUTO_TEST_CASE(reasons_fall_into_a_fixed_set_of_classes) {
  BOOST_TEST(reason_class("late: event time 2024-05-01T12:00:00Z is older") == "late");
  BOOST_TEST(reason_class("message exceeds 32768 bytes") == "too_large");
  BOOST_TEST(reason_class("missing userId or anonymousId") == "missing_field");
  BOOST_TEST(reason_class("track requires a non-empty event") == "missing_field");
  BOOST_TEST(reason_class("rule \"web\": missing user id (user_id)") == "missing_field");
  BOOST_TEST(reason_class("no mapping rule matches (tried web, mobile)") == "no_mapping");
  BOOST_TEST(reason_class("timestamp is not an ISO 8601 time") == "invalid_field");
  BOOST_TEST(reason_class("name must be a string") == "invalid_field");
  BOOST_TEST(reason_class("something new") == "other");

  reason_counter c;
  c.add("late: x");
  c.add("name must be a string", 2);
  auto counts = c.read();
  BOOST_TEST(counts.size() == reason_classes.size());
  std::map<std::string, std::uint64_t> by_class(counts.begin(), counts.end());
  BOOST_TEST(by_class["late"] == 1u);
  BOOST_TEST(by_class["invalid_field"] == 2u);
  BOOST_TEST(by_class["other"] == 0u);
}

BOOST_AUTO_TEST_CASE(prometheus_text_parses_back) {
  latency_histogram h;
  h.observe(300us);
  h.observe(2ms);
  h.observe(20s);
  prometheus_writer w;
  w.family("cohort_events_accepted_total", "counter", "Events acknowledged.")
    .sample("cohort_events_accepted_total", 42);
  w.family("cohort_events_rejected_total", "counter", "Rejected, by reason.")
    .sample("cohort_events_rejected_total", 3, {{"reason", "late"}})
    .sample("cohort_events_rejected_total", 0, {{"reason", "odd \"one\"\\\n"}});
  w.histogram("cohort_ack_latency_seconds", "Ack latency.", h.read());
  auto text = w.take();
  auto doc = parse(text);

  BOOST_TEST(doc.types["cohort_events_accepted_total"] == "counter");
  BOOST_TEST(doc.types["cohort_ack_latency_seconds"] == "histogram");
  BOOST_TEST(doc.helps["cohort_ack_latency_seconds"] == "Ack latency.");
  BOOST_TEST(doc.value("cohort_events_accepted_total").value_or(-1) == 42);
  BOOST_TEST(doc.value("cohort_events_rejected_total", {{"reason", "late"}}).value_or(-1) == 3);
  BOOST_TEST(text.find(R"(reason="odd \"one\"\\\n")") != std::string::npos, text);

  // Buckets are cumulative, end with +Inf equal to _count, and _sum adds up.
  double previous = 0;
  for (double le : latency_bounds) {
    auto v = doc.value("cohort_ack_latency_seconds_bucket", {{"le", prometheus_number(le)}});
    BOOST_TEST_REQUIRE(v.has_value(), "no bucket le=" << prometheus_number(le));
    BOOST_TEST(*v >= previous);
    previous = *v;
  }
  BOOST_TEST(doc.value("cohort_ack_latency_seconds_bucket", {{"le", "0.0005"}}).value_or(-1) == 1);
  BOOST_TEST(doc.value("cohort_ack_latency_seconds_bucket", {{"le", "0.0025"}}).value_or(-1) == 2);
  BOOST_TEST(doc.value("cohort_ack_latency_seconds_bucket", {{"le", "+Inf"}}).value_or(-1) == 3);
  BOOST_TEST(doc.value("cohort_ack_latency_seconds_count").value_or(-1) == 3);
  BOOST_TEST(doc.value("cohort_ack_latency_seconds_sum").value_or(-1) == 20.0023, boost::test_tools::tolerance(1e-9));
}

BOOST_AUTO_TEST_CASE(numbers_are_written_as_prometheus_reads_them) {
  BOOST_TEST(prometheus_number(3) == "3");
  BOOST_TEST(prometheus_number(0.25) == "0.25");
  BOOST_TEST(prometheus_number(1e-4) == "0.0001");
  BOOST_TEST(prometheus_number(std::numeric_limits<double>::infinity()) == "+Inf");
  BOOST_TEST(prometheus_number(std::numeric_limits<double>::quiet_NaN()) == "NaN");
}

BOOST_AUTO_TEST_SUITE_END()
