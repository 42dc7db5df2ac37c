// Kafka sources and sinks against a real cohortd and cohort-kafka-mock, with Debian's kcat
// as the outside producer and consumer: records appear in profiles (segment JSON, native
// JSON and msgpack), a kill -9 mid-stream applies every record once, a poison record is a
// dead letter naming topic/partition/offset, and changes reach the sink keyed by profile
// with increasing per-profile seq.
#include <signal.h>
#include <unistd.h>

#include <map>

#include <boost/test/unit_test.hpp>
#include <msgpack.hpp>

#include "../cluster/mock_process.hpp"
#include "cluster_fixture.hpp"
#include "json_doc.hpp"
#include "kcat.hpp"
#include "messages.hpp"
#include "subprocess.hpp"
#include "test_support.hpp"

using namespace cohort::it;

namespace {

constexpr auto kafka_deadline = std::chrono::seconds(60);

/// cohort-kafka-mock with one broker and the topics a test creates.
class kafka_broker {
public:
  kafka_broker()
    : mock_(std::vector<std::string>{kafka_mock_binary(), "--brokers", "1", "--partitions", "1",
                                     "--topic-prefix", unique_id("kc")}) {
    auto line = mock_.read_line(std::chrono::seconds(15));
    const std::string marker = "cohort-kafka-mock bootstrap ";
    BOOST_TEST_REQUIRE((line && line->rfind(marker, 0) == 0), line.value_or("(no line)"));
    bootstrap_ = line->substr(marker.size());
  }
  ~kafka_broker() { mock_.stop(SIGTERM, std::chrono::seconds(10)); }

  const std::string& bootstrap() const { return bootstrap_; }

  void create_topic(const std::string& name, int partitions) {
    BOOST_TEST_REQUIRE(mock_.write_line("topic " + name + " " + std::to_string(partitions)));
    auto answer = mock_.read_line(std::chrono::seconds(10));
    BOOST_TEST_REQUIRE(answer.value_or("") == "ok", answer.value_or("(no answer)"));
  }

  /// Produces "key\tvalue" lines with kcat (acks from every record before it exits).
  void produce_lines(const std::string& topic, const std::vector<std::pair<std::string, std::string>>& records) {
    kcat_produce(bootstrap_, topic, records);
  }

  /// Produces each value as one record (binary safe: one file per record).
  void produce_files(const std::string& topic, const std::string& key,
                     const std::vector<std::string>& values) {
    temp_dir dir("kcat");
    std::vector<std::string> argv{kcat(), "-b", bootstrap_, "-P", "-t", topic, "-k", key};
    for (std::size_t i = 0; i < values.size(); ++i) {
      argv.push_back(dir.path() + "/r" + std::to_string(i));
      write_file(argv.back(), values[i]);
    }
    auto r = run_command(argv, std::chrono::seconds(60));
    BOOST_TEST_REQUIRE(r.exit_code == 0, r.err);
  }

  /// Every record of `topic` as "key value" lines, read with kcat to the end.
  std::vector<std::string> consume(const std::string& topic) {
    return kcat_records(bootstrap_, topic);
  }

private:
  cohort::cluster::test::child_process mock_;
  std::string bootstrap_;
};

/// A node's config with `kafka` appended; rejoins after a kill are quick (6 s sessions).
std::string node_config(const std::string& kafka) {
  return default_config() +
         "segments: [{name: Active, when: 'event_count >= 4'}, {name: New, when: 'true'}]\n"
         "tags: [{name: Busy, when: 'event_count >= 3'}]\n"
         "kafka:\n" + kafka;
}

std::string source(const std::string& bootstrap, const std::string& topic, const std::string& group,
                   const std::string& format = "segment", const std::string& encoding = "json") {
  return "    - {bootstrap: \"" + bootstrap + "\", topics: [" + topic + "], group: " + group +
         ", format: " + format + ", encoding: " + encoding +
         ", properties: {session.timeout.ms: \"6000\", heartbeat.interval.ms: \"500\"}}\n";
}

/// A track message without a messageId (Segment's SDKs always send one; other producers may not).
std::int64_t events_of(http_client& client, const std::string& user) {
  auto r = client.get("/v1/profiles/" + user);
  return r.status == 200 ? total_event_count(json_doc(r.body)) : 0;
}

/// Polls until every user has `expected` events; false at the deadline.
bool all_have(http_client& client, const std::vector<std::string>& users, std::int64_t expected,
              std::chrono::milliseconds deadline = kafka_deadline) {
  return eventually([&] {
    for (const auto& u : users)
      if (events_of(client, u) != expected)
        return false;
    return true;
  }, deadline);
}

/// A sample of /metrics (the first series whose line starts with `series`), 0 if absent.
double metric(http_client& client, const std::string& series) {
  auto text = client.get("/metrics").body;
  std::istringstream in{text};
  for (std::string line; std::getline(in, line);)
    if (line.rfind(series + " ", 0) == 0)
      return std::stod(line.substr(series.size() + 1));
  return 0;
}

std::string web_event(const std::string& user, const std::string& event_id) {
  return R"({"event_type":"click","user_id":")" + user +
         R"(","timestamp":1714564800000,"path":"/p","x":1,"y":2,"button_id":"b","session_id":"s1","event_id":")" +
         event_id + "\"}";
}

std::string mobile_msgpack(const std::string& user, const std::string& event_id) {
  msgpack::sbuffer buf;
  msgpack::packer<msgpack::sbuffer> pk(buf);
  pk.pack_map(6);
  pk.pack(std::string("action")), pk.pack(std::string("tap"));
  pk.pack(std::string("user_id")), pk.pack(user);
  pk.pack(std::string("timestamp")), pk.pack(std::int64_t{1714564800000});
  pk.pack(std::string("touch_coordinates"));
  pk.pack_map(2);
  pk.pack(std::string("x")), pk.pack(1.5);
  pk.pack(std::string("y")), pk.pack(2);
  pk.pack(std::string("session_id")), pk.pack(std::string("s"));
  pk.pack(std::string("event_id")), pk.pack(event_id);
  return std::string(buf.data(), buf.size());
}

} // namespace

BOOST_AUTO_TEST_SUITE(kafka_connectors, *boost::unit_test::label("kafka"))

BOOST_AUTO_TEST_CASE(segment_records_reach_profiles_and_changes_reach_the_sink) {
  kafka_broker kafka;
  kafka.create_topic("clicks", 3);
  kafka.create_topic("changes", 3);
  cohortd_process node(node_config(
    "  sources:\n" + source(kafka.bootstrap(), "clicks", "in") +
    "  sinks:\n    - {bootstrap: \"" + kafka.bootstrap() +
    "\", topic: changes, events: [segment_change, tags_change]}\n"));
  http_client client("127.0.0.1", node.port());
  std::vector<std::string> users;
  std::vector<std::pair<std::string, std::string>> records;
  for (int u = 0; u < 4; ++u) {
    users.push_back(unique_id("seg"));
    for (int i = 0; i < 5; ++i)  // every other one without a messageId: one is made up
      records.emplace_back(users.back(), i % 2 ? track_msg(users.back(), "Product Viewed",
                                                           unique_id("m"))
                                               : track_without_id(users.back()));
  }
  kafka.produce_lines("clicks", records);
  BOOST_TEST_REQUIRE(all_have(client, users, 5), node.stderr_text());

  // New (1st event), Busy (3rd), Active (4th): three changes per profile, in order.
  std::map<std::string, std::vector<std::int64_t>> seqs;
  BOOST_TEST_REQUIRE(eventually([&] {
    seqs.clear();
    for (const auto& line : kafka.consume("changes")) {
      auto space = line.find(' ');
      json_doc change(line.substr(space + 1));
      BOOST_TEST(change.string_at("/userId").value_or("") == line.substr(0, space), line);
      seqs[line.substr(0, space)].push_back(change.int_at("/seq").value_or(0));
    }
    return seqs.size() == users.size();
  }, kafka_deadline));
  for (const auto& u : users) {
    BOOST_TEST(seqs[u].size() == 3u, u);
    for (std::size_t i = 1; i < seqs[u].size(); ++i)
      BOOST_TEST(seqs[u][i] > seqs[u][i - 1], u << " seq " << seqs[u][i] << " after " << seqs[u][i - 1]);
  }
  BOOST_TEST(metric(client, "cohort_kafka_sink_produced_total{topic=\"changes\"}") == 12.0);
  BOOST_TEST(metric(client, "cohort_kafka_source_records_total{group=\"in\"}") == 20.0);
  auto status = json_doc(client.get("/admin/api/kafka").body);
  BOOST_TEST(status.array_size("/sources/0/partitions") == std::optional<std::size_t>(3u), status.text());
}

BOOST_AUTO_TEST_CASE(native_json_and_msgpack_records_reach_profiles) {
  kafka_broker kafka;
  kafka.create_topic("web", 2);
  kafka.create_topic("mobile", 2);
  cohortd_process node(node_config("  sources:\n" + source(kafka.bootstrap(), "web", "w", "native") +
                                   source(kafka.bootstrap(), "mobile", "m", "native", "msgpack")));
  http_client client("127.0.0.1", node.port());
  const auto web_user = unique_id("web");
  const auto mobile_user = unique_id("mob");
  kafka.produce_lines("web", {{web_user, web_event(web_user, "w1")},
                              {web_user, web_event(web_user, "w2")}});
  kafka.produce_files("mobile", mobile_user,
                      {mobile_msgpack(mobile_user, "t1"), mobile_msgpack(mobile_user, "t2"),
                       mobile_msgpack(mobile_user, "t3")});
  BOOST_TEST(all_have(client, {web_user}, 2), node.stderr_text());
  BOOST_TEST(all_have(client, {mobile_user}, 3), node.stderr_text());
}

BOOST_AUTO_TEST_CASE(a_poison_record_is_a_dead_letter_and_its_partition_moves_on) {
  kafka_broker kafka;
  kafka.create_topic("dirty", 1);
  cohortd_process node(node_config("  sources:\n" + source(kafka.bootstrap(), "dirty", "d")));
  http_client client("127.0.0.1", node.port());
  const auto user = unique_id("poison");
  kafka.produce_lines("dirty", {{user, track_msg(user, "Product Viewed", unique_id("m"))},
                                {user, "this is not json"},
                                {user, R"({"type":"track","event":"x"})"},
                                {user, track_msg(user, "Product Viewed", unique_id("m"))}});
  BOOST_TEST_REQUIRE(all_have(client, {user}, 2), node.stderr_text());
  auto letters = json_doc(client.get("/admin/api/deadletters?limit=100").body);
  std::map<std::string, std::string> by_source;
  for (auto item : letters.items("/deadLetters"))
    by_source[string_field(item, "source").value_or("")] = string_field(item, "reason").value_or("");
  BOOST_TEST(by_source.count("kafka:dirty/0@1") == 1u, letters.text());
  BOOST_TEST(by_source.count("kafka:dirty/0@2") == 1u, letters.text());
  BOOST_TEST(by_source["kafka:dirty/0@2"].find("(kafka dirty/0@2)") != std::string::npos,
             by_source["kafka:dirty/0@2"]);
  BOOST_TEST(metric(client, "cohort_kafka_source_rejected_total{group=\"d\"}") == 2.0);
}

BOOST_AUTO_TEST_CASE(kill_9_mid_stream_applies_every_record_once) {
  kafka_broker kafka;
  kafka.create_topic("stream", 4);
  constexpr int users_n = 40;
  constexpr int per_user = 500;
  cohortd_process node(node_config("  sources:\n" + source(kafka.bootstrap(), "stream", "s")));
  std::vector<std::string> users;
  std::vector<std::pair<std::string, std::string>> records;
  for (int u = 0; u < users_n; ++u)
    users.push_back(unique_id("k9"));
  for (int i = 0; i < per_user; ++i)
    for (const auto& u : users)  // no messageIds: the ids made from positions dedup
      records.emplace_back(u, track_without_id(u));
  kafka.produce_lines("stream", records);
  const double total = users_n * per_user;
  {
    http_client client("127.0.0.1", node.port());
    BOOST_TEST_REQUIRE(eventually([&] {
      return metric(client, "cohort_kafka_source_records_total{group=\"s\"}") > 0;
    }, kafka_deadline), node.stderr_text());
    const auto applied = metric(client, "cohort_kafka_source_records_total{group=\"s\"}");
    BOOST_TEST_MESSAGE("killed after " << applied << " of " << total << " records");
    BOOST_TEST(applied < total, "every record was applied before the kill: the test shows nothing");
  }
  node.stop(SIGKILL);
  node.start();
  http_client client("127.0.0.1", node.port());
  // The rate once the group has assigned the partitions again (rejoin excluded).
  const auto applied_now = [&] { return metric(client, "cohort_kafka_source_records_total{group=\"s\"}"); };
  BOOST_TEST_REQUIRE(eventually([&] { return applied_now() > 0; }, kafka_deadline), node.stderr_text());
  const auto started = clock::now();
  const auto first = applied_now();
  BOOST_TEST_REQUIRE(all_have(client, users, per_user), node.stderr_text());
  const auto seconds = std::chrono::duration<double>(clock::now() - started).count();
  BOOST_TEST_MESSAGE("after the restart: " << applied_now() - first << " records in " << seconds
                                           << " s (" << (applied_now() - first) / seconds << "/s)");
  // Resumed at the stored positions: nothing was read twice, so nothing needed dedup.
  BOOST_TEST(metric(client, "cohort_dedup_hits_total") == 0.0);
  BOOST_TEST(eventually([&] {
    auto status = json_doc(client.get("/admin/api/kafka").body);
    for (auto p : status.items("/sources/0/partitions"))
      if (int_field(p, "lag").value_or(-1) != 0)
        return false;
    return true;
  }, kafka_deadline));
  for (const auto& u : users)
    BOOST_TEST(events_of(client, u) == per_user, u);
}

BOOST_AUTO_TEST_SUITE_END()
