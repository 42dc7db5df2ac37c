// Cluster mode (issue 15, docs/cluster.md): cohortd nodes on librdkafka's mock broker.
// Every acknowledged event is applied exactly once, readable from every node, through
// kill -9, a stopped node, nodes joining and leaving, merges across partitions and a
// partition leader moving. Timings are printed (BOOST_TEST_MESSAGE), not asserted tightly:
// the mock's rebalance alone takes ~11 s after a kill.
#include <signal.h>

#include <atomic>
#include <map>
#include <set>

#include <boost/test/unit_test.hpp>

#include "actors/stable_hash.hpp"
#include "cluster_fixture.hpp"
#include "json_doc.hpp"
#include "kcat.hpp"
#include "messages.hpp"
#include "test_support.hpp"
#include "webhook_receiver.hpp"
#include "ws_client.hpp"

using namespace cohort::it;
using namespace std::chrono_literals;

namespace {

constexpr auto serving_deadline = std::chrono::milliseconds(45s);

std::int32_t partition_of(const std::string& profile, int partitions) {
  return static_cast<std::int32_t>(cohort::actors::stable_hash(profile)
                                   % static_cast<std::uint64_t>(partitions));
}

/// Waits for all partitions served by `nodes` nodes; fails the test with the nodes' logs.
void require_serving(cluster_fixture& c, std::size_t nodes) {
  auto began = clock::now();
  BOOST_TEST_REQUIRE(c.all_serving(nodes, serving_deadline),
                     "not every partition was served by " << nodes << " nodes in time");
  BOOST_TEST_MESSAGE("all " << c.partitions() << " partitions served by " << nodes << " nodes after "
                            << std::chrono::duration<double>(clock::now() - began).count() << " s");
}

/// Lets traffic run until `events` more are acknowledged (bounded).
void let_run(traffic& t, std::uint64_t events) {
  auto target = t.total_acknowledged() + events;
  BOOST_TEST_REQUIRE(eventually([&] { return t.total_acknowledged() >= target; }, 60s),
                     "traffic stalled at " << t.total_acknowledged() << " acknowledged events");
}

/// Every node running shows every user's acknowledged events exactly once.
void check_exactly_once(cluster_fixture& c, const traffic& t) {
  auto expected = t.acknowledged();
  BOOST_TEST_MESSAGE(t.total_acknowledged() << " events of " << expected.size()
                                            << " users acknowledged, " << t.rate() << " events/s");
  for (auto i : c.running()) {
    auto wrong = mismatches(c, i, expected);
    BOOST_TEST(wrong.empty(), c.node_id(i) << ": " << wrong.size() << " users wrong, e.g. "
                                           << (wrong.empty() ? "" : wrong.front()));
  }
}

std::string anonymous_msg(const std::string& anon, const std::string& event, const std::string& id) {
  return R"({"type":"track","anonymousId":")" + anon + R"(","event":")" + event
         + R"(","messageId":")" + id + "\"}";
}

std::string identify_msg_of(const std::string& user, const std::string& anon, const std::string& id) {
  return R"({"type":"identify","userId":")" + user + R"(","anonymousId":")" + anon
         + R"(","messageId":")" + id + "\"}";
}

void post_to(cluster_fixture& c, std::size_t i, const std::vector<std::string>& messages) {
  auto body = batch_of(messages);
  BOOST_TEST_REQUIRE(eventually(
                       [&] {
                         try {
                           http_client client("127.0.0.1", c.node(i).port(), 10s);
                           return post_json(client, "/v1/batch", body).status == 200;
                         } catch (const std::exception&) {
                           return false;
                         }
                       },
                       60s),
                     "batch never acknowledged by " << c.node_id(i));
}

/// Pairs (anonymous id, user id) whose profiles live in different partitions.
std::vector<std::pair<std::string, std::string>> split_pairs(const std::string& tag, int n,
                                                             int partitions) {
  std::vector<std::pair<std::string, std::string>> out;
  for (int i = 0; static_cast<int>(out.size()) < n; ++i) {
    auto anon = tag + "-anon-" + std::to_string(i);
    auto user = tag + "-user-" + std::to_string(i);
    if (partition_of(anon, partitions) != partition_of(user, partitions))
      out.emplace_back(anon, user);
  }
  return out;
}

/// Which side of a merge a node is to own: the giver (the anonymous id) or the receiver.
enum class merge_side { giver, receiver };

/// Up to `max` of the first `n` split pairs whose `side` is owned by node `node` and whose
/// other side by another node: the merges a fault of that node interrupts midway.
std::vector<std::pair<std::string, std::string>> pairs_across(cluster_fixture& c,
                                                              const std::string& tag, int n,
                                                              std::size_t max, int node,
                                                              merge_side side) {
  auto owner = [&](const std::string& id) {
    return c.owner_of_partition(partition_of(id, c.partitions()), 0);
  };
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& pair : split_pairs(tag, n, c.partitions())) {
    const auto& on = side == merge_side::giver ? pair.first : pair.second;
    const auto& off = side == merge_side::giver ? pair.second : pair.first;
    if (out.size() < max && owner(on) == c.node_id(node) && owner(off) != c.node_id(node))
      out.push_back(pair);
  }
  return out;
}

/// Before: 3 anonymous events and 2 of the user; the identify; after: 2 anonymous and
/// 1 of the user. Sent in three rounds so that the identify meets both profiles' state.
struct merge_plan {
  std::vector<std::pair<std::string, std::string>> pairs;
  void before(cluster_fixture& c) {
    std::vector<std::string> m;
    for (const auto& [anon, user] : pairs) {
      for (int k = 0; k < 3; ++k)
        m.push_back(anonymous_msg(anon, "Product Viewed", anon + "-b" + std::to_string(k)));
      for (int k = 0; k < 2; ++k)
        m.push_back(track_msg(user, "Product Viewed", user + "-b" + std::to_string(k)));
    }
    post_to(c, 0, m);
  }
  void identify(cluster_fixture& c, std::size_t via) {
    std::vector<std::string> m;
    for (const auto& [anon, user] : pairs)
      m.push_back(identify_msg_of(user, anon, user + "-identify"));
    post_to(c, via, m);
  }
  void after(cluster_fixture& c, std::size_t via) {
    std::vector<std::string> m;
    for (const auto& [anon, user] : pairs) {
      for (int k = 0; k < 2; ++k)
        m.push_back(anonymous_msg(anon, "Product Added", anon + "-a" + std::to_string(k)));
      m.push_back(track_msg(user, "Product Viewed", user + "-a0"));
    }
    post_to(c, via, m);
  }
  /// Every merged profile, by either id, from every node: 9 events, each once.
  void check(cluster_fixture& c) {
    for (auto i : c.running())
      for (const auto& [anon, user] : pairs)
        for (const auto& id : {anon, user}) {
          bool ok = eventually(
            [&] {
              auto res = get_retrying(c, i, "/v1/profiles/" + id, 30s);
              return res.status == 200 && json_doc(res.body).int_at("/events") == std::optional<std::int64_t>(9)
                     && json_doc(res.body).string_at("/profileId") == std::optional<std::string>(user);
            },
            30s);
          auto res = get_retrying(c, i, "/v1/profiles/" + id, 30s);
          json_doc doc(res.body);
          BOOST_TEST(ok, c.node_id(i) << " " << id << ": " << res.status << " profile "
                                      << doc.string_at("/profileId").value_or("?") << " with "
                                      << doc.int_at("/events").value_or(-1) << " events");
        }
  }
};

} // namespace

BOOST_AUTO_TEST_SUITE(cluster, *boost::unit_test::label("cluster"))

BOOST_AUTO_TEST_CASE(three_nodes_apply_every_event_once_and_answer_for_every_user) {
  cluster_fixture c{3};
  require_serving(c, 3);
  traffic t{c, "u", 600};
  let_run(t, 3000);
  t.stop();
  check_exactly_once(c, t);

  // /admin/api/actors on any node lists the actors of all nodes, in one sorted list.
  std::set<std::string> listed;
  std::string after;
  for (int page = 0; page < 50; ++page) {
    auto res = get_retrying(c, 0, "/admin/api/actors?limit=200&after=" + after, 20s);
    BOOST_TEST_REQUIRE(res.status == 200, res.body);
    json_doc doc(res.body);
    for (auto a : doc.items("/actors"))
      listed.insert(string_field(a, "userId").value_or(""));
    auto next = doc.string_at("/next");
    if (!next)
      break;
    after = *next;
  }
  std::size_t found = 0;
  for (const auto& [user, n] : t.acknowledged())
    found += listed.count(user);
  BOOST_TEST(found == t.acknowledged().size(), "listed " << found << " of "
                                                         << t.acknowledged().size() << " users");

  // A WebSocket client of node 1 gets the change of a user owned by node 3.
  std::string user;
  for (int i = 0; user.empty() && i < 1000; ++i) {
    auto candidate = "ws-user-" + std::to_string(i);
    if (c.owner_of_partition(partition_of(candidate, c.partitions()), 0) == c.node_id(2))
      user = candidate;
  }
  BOOST_TEST_REQUIRE(!user.empty());
  ws_client ws(c.node(0).port());
  ws.send(R"({"op":"subscribe","userId":")" + user + "\"}");
  BOOST_TEST_REQUIRE(ws.next(5s).has_value());  // the ack
  post_to(c, 1, {track_msg(user, "Product Viewed", user + "-m1")});
  auto pushed = ws.next(20s);
  BOOST_TEST_REQUIRE(pushed.has_value(), "no change of " << user << " pushed to node 1");
  json_doc change(*pushed);
  BOOST_TEST(change.string_at("/type") == std::optional<std::string>("segment_change"), change.text());
  BOOST_TEST(change.string_at("/userId") == std::optional<std::string>(user), change.text());
  BOOST_TEST(change.int_at("/seq") == std::optional<std::int64_t>(1), change.text());
}

// The feedback loop in a cluster (docs/cluster.md, "The feedback loop"): a decision made
// on one node is credited by an outcome posted to another, the same outcome posted to two
// nodes counts once, every node shows the same experiments, and a node killed with -9
// comes back with the same numbers.
BOOST_AUTO_TEST_CASE(outcomes_posted_to_any_node_count_once_on_every_node) {
  cluster_fixture c{0};
  c.add_config("segments:\n  - {name: Everyone, when: 'true'}\n"
               "content:\n  placements:\n    promo:\n      strategy: thompson\n"
               "      holdout: 0.2\n      Everyone: [{id: A}, {id: B}]\n"
               "      default: {id: control}\n");
  c.add_node();
  c.add_node();
  require_serving(c, 2);
  const auto prefix = unique_id("fb");
  std::vector<std::string> users, messages;
  for (int i = 0; i < 40; ++i) {
    users.push_back(prefix + "-" + std::to_string(i));
    messages.push_back(track_msg(users.back(), "Product Viewed", users.back() + "-m"));
  }
  post_to(c, 0, messages);

  std::map<std::string, std::pair<int, int>> posted;  // arm -> impressions, conversions
  std::string first_decision;
  for (std::size_t i = 0; i < users.size(); ++i) {
    http_client decider("127.0.0.1", c.node(i % 2).port(), 10s);
    json_doc d{"{}"};
    BOOST_TEST_REQUIRE(eventually([&] {
      auto res = decider.get("/v1/personalize?userId=" + users[i] + "&placement=promo");
      d = json_doc(res.body);
      return res.status == 200 && d.string_at("/segment") == std::optional<std::string>("Everyone");
    }, 20s), users[i] << " never decided in segment Everyone: " << d.text());
    const auto id = d.string_at("/decisionId").value_or("");
    const auto arm = d.bool_at("/holdout").value_or(false) ? "" : d.string_at("/variant/id").value_or("");
    if (first_decision.empty())
      first_decision = id;
    std::string items = "{\"decisionId\":" + quote(id) + ",\"outcome\":\"impression\"}";
    ++posted[arm].first;
    if (i % 3 == 0) {
      items += ",{\"decisionId\":" + quote(id) + ",\"outcome\":\"conversion\"}";
      ++posted[arm].second;
    }
    http_client other("127.0.0.1", c.node((i + 1) % 2).port(), 10s);
    auto res = post_json(other, "/v1/outcomes", "{\"batch\":[" + items + "]}");
    BOOST_TEST_REQUIRE(res.status == 200, res.status << " " << res.body);
    BOOST_TEST(json_doc(res.body).int_at("/unknown") == std::optional<std::int64_t>(0), res.body);
  }
  // The same click through both nodes: the log orders them, the second is a duplicate.
  const std::string click = "{\"decisionId\":" + quote(first_decision) + ",\"outcome\":\"click\"}";
  std::int64_t counted = 0;
  for (std::size_t n = 0; n < 2; ++n) {
    http_client client("127.0.0.1", c.node(n).port(), 10s);
    auto res = post_json(client, "/v1/outcomes", click);
    BOOST_TEST_REQUIRE(res.status == 200, res.body);
    counted += json_doc(res.body).int_at("/counted").value_or(-1);
  }
  BOOST_TEST(counted == 1);

  // Every node shows what was posted, and the same document.
  auto experiments = [&](std::size_t n) {
    http_client client("127.0.0.1", c.node(n).port(), 10s);
    return client.get("/admin/api/experiments").body;
  };
  auto matches = [&](const std::string& body) {
    std::map<std::string, std::pair<int, int>> seen;
    json_doc doc(body);
    for (auto p : doc.items("/placements")) {
      simdjson::dom::array segments;
      if (p["segments"].get(segments) != simdjson::SUCCESS)
        return false;
      for (auto segment : segments) {
        auto add = [&](const std::string& arm, simdjson::dom::element e) {
          std::int64_t imp = 0, conv = 0;
          if (e["impressions"].get(imp) == simdjson::SUCCESS && imp > 0
              && e["conversions"].get(conv) == simdjson::SUCCESS)
            seen[arm] = {static_cast<int>(imp), static_cast<int>(conv)};
        };
        add("", segment["holdout"].value_unsafe());
        simdjson::dom::array variants;
        if (segment["variants"].get(variants) == simdjson::SUCCESS)
          for (auto v : variants)
            add(std::string(v["id"].get_string().value_unsafe()), v);
      }
    }
    return seen == posted;
  };
  for (std::size_t n = 0; n < 2; ++n)
    BOOST_TEST(eventually([&] { return matches(experiments(n)); }, 20s),
               c.node_id(n) << ": " << experiments(n));
  BOOST_TEST(experiments(0) == experiments(1));

  // kill -9: the node comes back with the same counts (its store, then the log).
  c.kill(1);
  c.restart(1);
  BOOST_TEST(eventually([&] { return matches(experiments(1)); }, 30s), experiments(1));
  BOOST_TEST(experiments(0) == experiments(1));
}

BOOST_AUTO_TEST_CASE(merges_across_partitions_apply_every_event_once) {
  cluster_fixture c{3};
  require_serving(c, 3);
  merge_plan plan{split_pairs("merge", 30, c.partitions())};
  plan.before(c);
  plan.identify(c, 1);
  plan.after(c, 2);
  plan.check(c);
}

BOOST_AUTO_TEST_CASE(an_identify_amid_traffic_on_both_ids_loses_nothing) {
  cluster_fixture c{3};
  require_serving(c, 3);
  // One batch: events of both ids, the identify, events of both ids again. The front
  // routes the later anonymous events by its replica, which may not have the merge yet:
  // they reach the giver after it handed its state over and must follow it.
  merge_plan plan{split_pairs("mix", 30, c.partitions())};
  std::vector<std::string> m;
  for (const auto& [anon, user] : plan.pairs) {
    for (int k = 0; k < 3; ++k)
      m.push_back(anonymous_msg(anon, "Product Viewed", anon + "-b" + std::to_string(k)));
    for (int k = 0; k < 2; ++k)
      m.push_back(track_msg(user, "Product Viewed", user + "-b" + std::to_string(k)));
    m.push_back(identify_msg_of(user, anon, user + "-identify"));
    for (int k = 0; k < 2; ++k)
      m.push_back(anonymous_msg(anon, "Product Added", anon + "-a" + std::to_string(k)));
    m.push_back(track_msg(user, "Product Viewed", user + "-a0"));
  }
  post_to(c, 1, m);
  plan.check(c);
}

// A Kafka sink in a cluster: the owner of a profile computes its changes and produces
// them, so the sink topic holds each user's changes once, keyed by profile id with seq
// increasing, whichever node owns the user and whichever node took the events.
BOOST_AUTO_TEST_CASE(a_kafka_sink_gets_every_users_changes_from_its_owner) {
  cluster_fixture c{0};
  const std::string topic = c.prefix() + ".sink";
  c.broker("topic " + topic + " 4");
  c.add_config("kafka: {sinks: [{bootstrap: \"" + c.bootstrap() + "\", topic: " + topic
               + ", events: [segment_change, tags_change]}]}\n");
  c.add_node();
  c.add_node();
  require_serving(c, 2);
  std::vector<std::string> users;
  std::vector<std::string> m;
  for (int u = 0; u < 24; ++u) {
    users.push_back("sink-" + std::to_string(u));
    for (int k = 0; k < 4; ++k)
      m.push_back(track_msg(users.back(), "Product Viewed", users.back() + "-" + std::to_string(k)));
  }
  post_to(c, 0, m);
  std::map<std::string, std::vector<std::int64_t>> seqs;
  BOOST_TEST_REQUIRE(eventually([&] {
    seqs.clear();
    for (const auto& line : kcat_records(c.bootstrap(), topic)) {
      auto space = line.find(' ');
      json_doc change(line.substr(space + 1));
      BOOST_TEST(change.string_at("/userId").value_or("") == line.substr(0, space), line);
      seqs[line.substr(0, space)].push_back(change.int_at("/seq").value_or(0));
    }
    return seqs.size() == users.size();
  }, 60s), seqs.size() << " of " << users.size() << " users on the sink");
  std::set<std::string> owners;
  for (const auto& u : users) {
    for (std::size_t i = 1; i < seqs[u].size(); ++i)
      BOOST_TEST(seqs[u][i] > seqs[u][i - 1], u << " seq " << seqs[u][i] << " after " << seqs[u][i - 1]);
    owners.insert(c.owner_of_partition(partition_of(u, c.partitions()), 0));
  }
  BOOST_TEST(owners.size() == 2u, "the users were not spread over both nodes");
}

// Webhooks in a cluster: the changes topic is each destination's queue, read by its own
// consumer group and committed only past what was answered 2xx. The receiver fails every
// delivery of a first round of events, and the node serving half the partitions is killed
// (-9) with its changes unanswered; then the receiver is up and a second round follows:
// every user's changes arrive numbered 1..n without a gap, in order, the last one matching
// the profile, and a repeat only ever with the same webhook-id and body.
BOOST_AUTO_TEST_CASE(webhooks_get_every_change_in_order_through_a_kill_9) {
  const std::string secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
  std::atomic<bool> up{false};
  webhook_receiver receiver{secret, [&up](std::uint64_t) { return up ? 204 : 503; }};
  cluster_fixture c{0};
  c.add_config("webhooks: [{url: \"" + receiver.url() + "\", secret: " + secret
               + ", events: [segment_change, tags_change], backoff_initial: 20ms,"
                 " backoff_max: 200ms, breaker_open_for: 500ms}]\n"
                 "tags: [{name: Browsing, when: 'product_views >= 1 && cart_adds == 0'},"
                 " {name: Carting, when: 'cart_adds >= 1'}]\n"
                 "segments: [{name: Buyer, when: 'cart_adds >= 2'},"
                 " {name: Viewer, when: 'product_views >= 2'}, {name: Standard, when: 'true'}]\n");
  c.add_node();
  c.add_node();
  require_serving(c, 2);
  std::vector<std::string> users;
  for (int u = 0; u < 30; ++u)
    users.push_back("hook-" + std::to_string(u));
  auto round = [&](const std::string& event, const std::string& tag) {
    std::vector<std::string> m;
    for (int k = 0; k < 2; ++k)
      for (const auto& u : users)
        m.push_back(track_msg(u, event, u + "-" + tag + std::to_string(k)));
    post_to(c, 0, m);
  };
  round("Product Viewed", "v");
  // Both nodes are trying (and failing) to deliver their users' first changes.
  std::map<std::int32_t, std::string> owner;
  for (std::int32_t p = 0; p < c.partitions(); ++p)
    owner[p] = c.owner_of_partition(p, 0);
  auto senders_seen = [&] {
    std::set<std::string> owners;
    for (const auto& r : receiver.requests())
      owners.insert(owner[partition_of(r.profile, c.partitions())]);
    return owners.size();
  };
  BOOST_TEST_REQUIRE(eventually([&] { return senders_seen() == 2; }, 60s),
                     "not both nodes tried to deliver before the kill");
  c.kill(1);
  up = true;
  round("Product Added", "a");
  require_serving(c, 1);
  http_client client("127.0.0.1", c.node(0).port(), 10s);
  std::map<std::string, std::map<std::int64_t, received_hook>> delivered;
  std::string missing;
  BOOST_TEST_REQUIRE(eventually([&] {
    delivered.clear();
    for (const auto& r : receiver.requests())
      if (r.status == 204)
        delivered[r.profile].emplace(r.seq, r);
    missing.clear();
    for (const auto& u : users) {
      auto profile = client.get("/v1/profiles/" + u);
      json_doc p(profile.body);
      const auto& got = delivered[u];
      if (got.empty() || p.string_at("/segment").value_or("?") != "Buyer") {
        missing = u + " (" + std::to_string(got.size()) + " changes)";
        return false;
      }
      json_doc last(got.rbegin()->second.body);
      if (last.string_at("/data/to").value_or(last.string_at("/data/segment").value_or("")) != "Buyer"
          || last.string_at("/data/tags/0").value_or("") != "Carting") {
        missing = u + ": last change " + got.rbegin()->second.body;
        return false;
      }
    }
    return true;
  }, 90s), "not every user's last change arrived, e.g. " << missing);
  const auto rejected = receiver.rejected();
  BOOST_TEST(rejected.empty(), (rejected.empty() ? std::string{} : rejected.front()));
  std::map<std::string, std::pair<std::string, std::string>> first_copy;  // id -> (key, body)
  std::map<std::string, std::int64_t> last_seq;
  std::size_t repeats = 0;
  for (const auto& r : receiver.requests()) {
    auto key = r.profile + "/" + std::to_string(r.seq);
    auto [it, fresh] = first_copy.emplace(r.id, std::make_pair(key, r.body));
    if (!fresh) {
      ++repeats;
      BOOST_TEST(it->second.first == key, r.id << " names " << key << " and " << it->second.first);
      BOOST_TEST(it->second.second == r.body, r.id << " came with two bodies");
      continue;
    }
    // A profile's changes are sent one at a time: the first copy of each comes in order.
    BOOST_TEST(r.seq > last_seq[r.profile], r.profile << " got seq " << r.seq << " after "
                                                      << last_seq[r.profile]);
    last_seq[r.profile] = r.seq;
  }
  for (const auto& u : users) {
    const auto& got = delivered[u];
    BOOST_TEST(got.rbegin()->first == static_cast<std::int64_t>(got.size()),
               u << ": changes 1.." << got.rbegin()->first << " with " << got.size() << " delivered");
  }
  BOOST_TEST_MESSAGE("webhooks: " << receiver.requests().size() << " requests, " << repeats
                                  << " repeats of a webhook-id");
}

// A Kafka source in a cluster: its group spreads the topic's partitions over the nodes and
// each node feeds its events front. A node killed mid-stream doubles and loses nothing:
// its partitions resume at the group's committed offsets on the survivor, and the tail
// read again carries the same messageIds (made from topic/partition/offset), which the
// owners' dedup drops.
BOOST_AUTO_TEST_CASE(a_kafka_source_feeds_the_cluster_and_a_kill_9_doubles_nothing) {
  cluster_fixture c{0};
  const std::string topic = c.prefix() + ".clicks";
  c.broker("topic " + topic + " 4");
  c.add_config("kafka: {sources: [{bootstrap: \"" + c.bootstrap() + "\", topics: [" + topic
               + "], group: " + c.prefix() + "-in}]}\n");
  c.add_node();
  c.add_node();
  require_serving(c, 2);
  constexpr int per_user = 100;
  std::vector<std::string> users;
  std::vector<std::pair<std::string, std::string>> records;
  for (int u = 0; u < 40; ++u)
    users.push_back("src-" + std::to_string(u));
  for (int i = 0; i < per_user; ++i)
    for (const auto& u : users)
      records.emplace_back(u, track_without_id(u));
  kcat_produce(c.bootstrap(), topic, records);
  // Kill node 2 as soon as its source applied something (it holds half the partitions).
  http_client second("127.0.0.1", c.node(1).port(), 10s);
  double consumed = 0;
  BOOST_TEST_REQUIRE(eventually([&] {
    consumed = metric_sum(second.get("/metrics").body, "cohort_kafka_source_records_total");
    return consumed > 0;
  }, 60s), "node 2 never consumed");
  c.kill(1);
  BOOST_TEST_MESSAGE("node 2 killed after applying at least " << consumed << " of "
                                                               << records.size() << " records");
  require_serving(c, 1);
  http_client first("127.0.0.1", c.node(0).port(), 10s);
  auto events_of = [&](const std::string& u) {
    auto r = first.get("/v1/profiles/" + u);
    return r.status == 200 ? total_event_count(json_doc(r.body)) : std::int64_t{0};
  };
  BOOST_TEST(eventually([&] {
    for (const auto& u : users)
      if (events_of(u) != per_user)
        return false;
    return true;
  }, 90s), "not every user reached " << per_user << " events");
  for (const auto& u : users)
    BOOST_TEST(events_of(u) == per_user, u);
  BOOST_TEST_MESSAGE("records read again and dropped by dedup: "
                     << metric_sum(first.get("/metrics").body, "cohort_dedup_hits_total"));
}

BOOST_AUTO_TEST_CASE(a_merge_whose_receiver_node_dies_midway_completes_once) {
  cluster_fixture c{3};
  require_serving(c, 3);
  // Receivers (the user ids) owned by node 3, givers elsewhere: node 3 is killed right
  // after the identify is acknowledged, while the transfers are between the partitions.
  auto pairs = pairs_across(c, "rk", 400, 20, 2, merge_side::receiver);
  BOOST_TEST_REQUIRE(!pairs.empty());
  merge_plan plan{pairs};
  plan.before(c);
  plan.identify(c, 0);
  c.kill(2);
  require_serving(c, 2);
  plan.after(c, 1);
  plan.check(c);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(cluster_faults, *boost::unit_test::label("cluster_faults"))

BOOST_AUTO_TEST_CASE(a_merge_whose_giver_node_dies_midway_completes_once) {
  cluster_fixture c{3};
  require_serving(c, 3);
  // Givers (the anonymous ids) owned by node 3, receivers elsewhere, many at once: the
  // receivers wait for state that node 3's successor sends. The survivors' hand-over
  // during the rebalance must not wait for those merges (it would never end).
  auto pairs = pairs_across(c, "gk", 1200, 100, 2, merge_side::giver);
  BOOST_TEST_REQUIRE(pairs.size() >= 50u);
  merge_plan plan{pairs};
  plan.before(c);
  plan.identify(c, 0);
  c.kill(2);
  require_serving(c, 2);
  plan.after(c, 1);
  plan.check(c);
}

// A node joins while the sequencer writes a long batch of merges: the identity group
// rebalances and the sequencer loses its epoch midway. What it would still write could
// follow a newer claim, which every replica ignores; so the batch fails (the client
// retries on the next sequencer) and the old sequencer's graph is rebuilt from the log.
// Without that, the merges written after the loss were linked on the old sequencer only:
// every other node answered 404 for those anonymous ids.
BOOST_AUTO_TEST_CASE(merges_sequenced_during_a_handover_resolve_alike_on_every_node) {
  cluster_fixture c{3};
  require_serving(c, 3);
  merge_plan plan{split_pairs("ho", 1000, c.partitions())};
  plan.before(c);
  c.add_node();  // joins the identity group while the identify below is sequenced
  auto began = clock::now();
  plan.identify(c, 0);
  BOOST_TEST_MESSAGE("identify of " << plan.pairs.size() << " pairs acknowledged after "
                                    << std::chrono::duration<double>(clock::now() - began).count()
                                    << " s");
  require_serving(c, 4);
  for (auto i : c.running()) {
    std::size_t unresolved = 0;
    std::string example;
    eventually([&] {
      unresolved = 0;
      for (const auto& [anon, user] : plan.pairs) {
        auto res = get_retrying(c, i, "/v1/profiles/" + anon, 30s);
        if (res.status == 200
            && json_doc(res.body).string_at("/profileId") == std::optional<std::string>(user))
          continue;
        if (unresolved++ == 0)
          example = anon + " (of " + user + "): " + std::to_string(res.status) + " " + res.body;
      }
      return unresolved == 0;
    }, 30s);
    BOOST_TEST(unresolved == 0u, c.node_id(i) << ": " << unresolved << " of " << plan.pairs.size()
                                              << " anonymous ids not resolved to their user, e.g. "
                                              << example.substr(0, 300));
  }
}

BOOST_AUTO_TEST_CASE(kill_9_of_a_node_under_load_loses_nothing) {
  cluster_fixture c{3};
  require_serving(c, 3);
  traffic t{c, "k", 2000};
  let_run(t, 2000);
  auto killed = clock::now();
  c.kill(2);
  BOOST_TEST_REQUIRE(c.all_serving(2, serving_deadline), "survivors never served everything");
  auto took = std::chrono::duration<double>(clock::now() - killed).count();
  BOOST_TEST_MESSAGE("partitions served again " << took << " s after kill -9 (target 15 s)");
  BOOST_TEST(took < 30.0);
  let_run(t, 1000);
  t.stop();
  check_exactly_once(c, t);
}

BOOST_AUTO_TEST_CASE(a_stopped_node_loses_its_partitions_and_its_late_writes_are_ignored) {
  cluster_fixture c{3};
  require_serving(c, 3);
  traffic t{c, "s", 1500};
  let_run(t, 1500);
  c.freeze(2);
  // The fault itself lasts 15 s (the scenario, not a wait for something to happen).
  std::this_thread::sleep_for(15s);
  c.thaw(2);
  require_serving(c, 3);
  let_run(t, 1000);
  t.stop();
  check_exactly_once(c, t);
}

BOOST_AUTO_TEST_CASE(a_node_joins_and_one_leaves_under_load) {
  cluster_fixture c{3};
  require_serving(c, 3);
  traffic t{c, "j", 1500};
  let_run(t, 1000);
  c.add_node();
  require_serving(c, 4);
  let_run(t, 1000);
  c.stop(0);
  require_serving(c, 3);
  let_run(t, 1000);
  t.stop();
  check_exactly_once(c, t);
}

BOOST_AUTO_TEST_CASE(a_partition_leader_moving_pauses_acks_and_loses_nothing) {
  cluster_fixture c{2};
  require_serving(c, 2);
  traffic t{c, "l", 1000};
  let_run(t, 1000);
  for (int p = 0; p < c.partitions(); ++p)
    c.broker("leader " + c.prefix() + ".events " + std::to_string(p) + " " + std::to_string(1 + p % 3));
  let_run(t, 1500);
  t.stop();
  check_exactly_once(c, t);
}

BOOST_AUTO_TEST_SUITE_END()
