// Identity resolution against a real cohortd: one person's anonymous and identified
// streams become one profile; a probabilistic link is undone exactly by unmerge; a shared
// device never merges two userIds; events racing a merge are applied once.
#include <boost/test/unit_test.hpp>

#include <signal.h>

#include <atomic>
#include <thread>

#include "cohortd_process.hpp"
#include "json_doc.hpp"
#include "messages.hpp"
#include "test_support.hpp"
#include "ws_client.hpp"

using namespace cohort::it;

namespace {

/// Probabilistic matching on: a device id seen on another profile links at 0.9.
std::string identity_config() {
  return default_config()
         + "identity:\n"
           "  probabilistic:\n"
           "    threshold: 0.8\n"
           "    window: 30m\n"
           "    keys:\n"
           "      - {fields: [context.device.id], weight: 0.9}\n";
}

struct identity_fixture : server_fixture {
  identity_fixture() : server_fixture(identity_config()) {}

  /// A Segment message of an anonymous visitor; `fields` are extra members (",...").
  static std::string anon(std::string_view type, std::string_view anon_id,
                          std::string_view fields) {
    return "{\"type\":" + quote(type) + ",\"anonymousId\":" + quote(anon_id)
           + ",\"messageId\":" + quote(unique_id("m")) + std::string(fields) + "}";
  }

  static std::string on_device(std::string_view device) {
    return ",\"context\":{\"device\":{\"id\":" + quote(device) + "}}";
  }

  void send(const std::vector<std::string>& messages) {
    auto res = post_json(client, "/v1/batch", batch_of(messages));
    BOOST_TEST_REQUIRE(res.status == 200, res.status << " " << res.body);
  }

  http_response profile(const std::string& id) {
    return client.get("/v1/profiles/" + id);
  }

  json_doc wait_events(const std::string& id, std::int64_t events) {
    auto poll = wait_for_profile(client, id, [&](const json_doc& p) {
      return p.int_at("/events") == std::optional<std::int64_t>(events);
    });
    BOOST_TEST_REQUIRE(poll.satisfied, id << ": " << poll.body);
    return std::move(*poll.doc);
  }

  http_response unmerge(const std::string& id) {
    return client.request("POST", "/admin/api/profiles/" + id + "/unmerge");
  }
};

std::string link_of(const json_doc& p, std::string_view id) {
  for (auto x : p.items("/identities"))
    if (string_field(x, "id") == std::optional<std::string>(std::string(id)))
      return string_field(x, "link").value_or("");
  return {};
}

int identities_of_kind(const json_doc& p, std::string_view kind) {
  int n = 0;
  for (auto x : p.items("/identities"))
    n += string_field(x, "kind") == std::optional<std::string>(std::string(kind));
  return n;
}

} // namespace

BOOST_FIXTURE_TEST_SUITE(identity, identity_fixture)

BOOST_AUTO_TEST_CASE(anonymous_identified_and_aliased_streams_become_one_profile) {
  auto phone = unique_id("anon-phone");
  auto laptop = unique_id("anon-laptop");
  auto user = unique_id("user");
  // Device A: an anonymous session.
  send({anon("page", phone, ",\"name\":\"Home\",\"properties\":{\"path\":\"/\"}"),
        anon("track", phone, ",\"event\":\"Product Viewed\""),
        anon("track", phone, ",\"event\":\"Product Viewed\"")});
  // Device B: browsing anonymously, then logging in.
  send({anon("track", laptop, ",\"event\":\"Product Viewed\"")});
  wait_events(phone, 3);
  wait_events(laptop, 1);
  send({"{\"type\":\"identify\",\"userId\":" + quote(user) + ",\"anonymousId\":" + quote(laptop)
          + ",\"messageId\":" + quote(unique_id("id")) + ",\"traits\":{\"email\":\"A@x.io\"}}",
        track_msg(user, "Product Added", unique_id("add"))});
  // An email campaign link opened on device A: alias ties the phone's visitor to the user.
  send({"{\"type\":\"alias\",\"userId\":" + quote(user) + ",\"previousId\":" + quote(phone)
        + ",\"messageId\":" + quote(unique_id("alias")) + "}"});

  auto merged = wait_events(user, 7);  // 3 + 1 + identify + add + alias
  BOOST_TEST(event_count(merged, "product_view") == 3, merged.text());
  BOOST_TEST(event_count(merged, "add_to_cart") == 1, merged.text());
  BOOST_TEST(merged.number_at("/features/product_views") == std::optional<double>(3), merged.text());
  BOOST_TEST(merged.number_at("/features/cart_adds") == std::optional<double>(1), merged.text());
  BOOST_TEST(merged.string_at("/userId") == std::optional<std::string>(user), merged.text());
  BOOST_TEST(link_of(merged, laptop) == "identify", merged.text());
  BOOST_TEST(link_of(merged, phone) == "alias", merged.text());
  BOOST_TEST(identities_of_kind(merged, "email") == 1, merged.text());
  // Any identity finds the same profile.
  auto profile_id = merged.string_at("/profileId");
  for (const auto& id : {phone, laptop}) {
    auto res = profile(id);
    BOOST_TEST_REQUIRE(res.status == 200, res.body);
    BOOST_TEST(json_doc(res.body).string_at("/profileId") == profile_id, res.body);
    BOOST_TEST(json_doc(res.body).int_at("/events") == std::optional<std::int64_t>(7));
  }
  // Later events of the phone's anonymous id go to the merged profile too.
  send({anon("track", phone, ",\"event\":\"Product Viewed\"")});
  auto later = wait_events(user, 8);
  BOOST_TEST(event_count(later, "product_view") == 4, later.text());

  // The graph and the merged state survive a restart.
  server.stop();
  server.start();
  http_client again{"127.0.0.1", server.port()};
  auto res = again.get("/v1/profiles/" + phone);
  BOOST_TEST_REQUIRE(res.status == 200, res.body);
  json_doc after{res.body};
  BOOST_TEST(after.string_at("/profileId") == profile_id, res.body);
  BOOST_TEST(after.int_at("/events") == std::optional<std::int64_t>(8), res.body);
}

BOOST_AUTO_TEST_CASE(probabilistic_link_merges_and_unmerge_restores_both_exactly) {
  auto first = unique_id("anon-first");
  auto second = unique_id("anon-second");
  auto device = unique_id("device");
  send({anon("page", first, ",\"name\":\"Home\",\"properties\":{\"path\":\"/\"}" + on_device(device)),
        anon("track", first, ",\"event\":\"Product Viewed\"" + on_device(device)),
        anon("track", first, ",\"event\":\"Product Added\"" + on_device(device))});
  wait_events(first, 3);
  auto before = profile(first);
  BOOST_TEST_REQUIRE(before.status == 200, before.body);

  ws_client ws{server.port()};
  ws.send(R"({"op":"subscribe","userId":")" + second + "\"}");
  auto ack = ws.next(std::chrono::seconds(5));
  BOOST_TEST_REQUIRE(ack.has_value());

  // A new visitor on the same device: linked at confidence 0.9 (>= 0.8).
  send({anon("page", second, ",\"name\":\"Deals\",\"properties\":{\"path\":\"/deals\"}" + on_device(device)),
        anon("track", second, ",\"event\":\"Product Viewed\"" + on_device(device))});
  auto merged = wait_events(first, 5);
  BOOST_TEST(link_of(merged, second) == "probabilistic", merged.text());
  auto pushed = ws.next(std::chrono::seconds(5));
  BOOST_TEST_REQUIRE(pushed.has_value());
  json_doc push{*pushed};
  BOOST_TEST(push.string_at("/type") == std::optional<std::string>("profile_merged"), *pushed);
  BOOST_TEST(push.string_at("/userId") == std::optional<std::string>(first), *pushed);
  BOOST_TEST(push.string_at("/merged") == std::optional<std::string>(second), *pushed);
  BOOST_TEST(push.number_at("/confidence") == std::optional<double>(0.9), *pushed);

  auto res = unmerge(second);
  BOOST_TEST_REQUIRE(res.status == 200, res.body);
  BOOST_TEST(json_doc(res.body).string_at("/split") == std::optional<std::string>(second));
  // The first profile is again exactly what its own events built; the second has its own.
  BOOST_TEST(eventually([&] { return profile(first).body == before.body; }),
             profile(first).body << "\nexpected\n" << before.body);
  auto split = wait_events(second, 2);
  BOOST_TEST(event_count(split, "page_view") == 1, split.text());
  BOOST_TEST(event_count(split, "product_view") == 1, split.text());
  BOOST_TEST(split.string_at("/profileId") == std::optional<std::string>(second), split.text());
  // Unmerged means unmerged: the same evidence does not link them again.
  send({anon("track", second, ",\"event\":\"Product Viewed\"" + on_device(device))});
  auto still = wait_events(second, 3);
  BOOST_TEST(still.string_at("/profileId") == std::optional<std::string>(second), still.text());
  BOOST_TEST(unmerge(second).status == 404);
  BOOST_TEST(unmerge(first).status == 404);
}

// Evidence is journaled with the events it came with: after kill -9 and a restart, a new
// visitor on a device seen before the crash is linked to that earlier profile.
BOOST_AUTO_TEST_CASE(evidence_from_before_a_restart_merges_with_evidence_after_it) {
  auto first = unique_id("anon-before");
  auto second = unique_id("anon-after");
  auto device = unique_id("device");
  send({anon("track", first, ",\"event\":\"Product Viewed\"" + on_device(device))});
  wait_events(first, 1);

  server.stop(SIGKILL);
  server.start();
  http_client again{"127.0.0.1", server.port()};
  auto res = post_json(again, "/v1/batch",
                       batch_of({anon("track", second,
                                      ",\"event\":\"Product Viewed\"" + on_device(device))}));
  BOOST_TEST_REQUIRE(res.status == 200, res.status << " " << res.body);
  auto poll = wait_for_profile(again, second, [](const json_doc& p) {
    return p.int_at("/events") == std::optional<std::int64_t>(2);
  });
  BOOST_TEST_REQUIRE(poll.satisfied, second << " not merged after the restart: " << poll.body);
  const json_doc& merged = *poll.doc;
  BOOST_TEST(link_of(merged, second) == "probabilistic", merged.text());
  BOOST_TEST(merged.string_at("/profileId") == std::optional<std::string>(first), merged.text());
  BOOST_TEST(event_count(merged, "product_view") == 2, merged.text());
}

BOOST_AUTO_TEST_CASE(two_user_ids_on_one_shared_device_are_not_merged) {
  auto device = unique_id("anon-shared");
  auto alice = unique_id("alice");
  auto bob = unique_id("bob");
  auto with_device = ",\"anonymousId\":" + quote(device);
  send({track_msg(alice, "Product Viewed", unique_id("a"), with_device)});
  wait_events(alice, 1);
  send({track_msg(bob, "Product Viewed", unique_id("b"), with_device),
        track_msg(bob, "Product Added", unique_id("b"), with_device)});
  auto b = wait_events(bob, 2);
  auto a = wait_events(alice, 1);
  BOOST_TEST(a.string_at("/profileId") != b.string_at("/profileId"));
  BOOST_TEST(event_count(a, "add_to_cart") == 0, a.text());
  auto refusals = client.get("/admin/api/identity/refusals");
  BOOST_TEST_REQUIRE(refusals.status == 200, refusals.body);
  BOOST_TEST(refusals.body.find("different userId") != std::string::npos, refusals.body);
  BOOST_TEST(refusals.body.find(bob) != std::string::npos, refusals.body);
  // Recorded once, not on every later event of the pair.
  json_doc doc{refusals.body};
  BOOST_TEST(doc.int_at("/refused") == std::optional<std::int64_t>(1), refusals.body);
}

BOOST_AUTO_TEST_CASE(events_racing_a_merge_are_applied_exactly_once) {
  auto visitor = unique_id("anon-race");
  auto user = unique_id("user-race");
  constexpr int batches = 400;
  constexpr int per_batch = 10;
  std::atomic<int> failures{0};
  auto sender = [&](bool anonymous) {
    http_client own{"127.0.0.1", server.port()};
    for (int b = 0; b < batches; ++b) {
      std::vector<std::string> batch;
      for (int i = 0; i < per_batch; ++i)
        batch.push_back(anonymous ? anon("track", visitor, ",\"event\":\"click\"")
                                  : track_msg(user, "click", unique_id("c")));
      if (post_json(own, "/v1/batch", batch_of(batch)).status != 200)
        ++failures;
    }
  };
  std::thread a{sender, true};
  std::thread b{sender, false};
  // The merge lands while both streams are running.
  BOOST_TEST(eventually([&] {
    auto p = profile(visitor);
    return p.status == 200 && json_doc(p.body).int_at("/events") > std::optional<std::int64_t>(50);
  }));
  send({"{\"type\":\"identify\",\"userId\":" + quote(user) + ",\"anonymousId\":" + quote(visitor)
        + ",\"messageId\":" + quote(unique_id("id")) + "}"});
  a.join();
  b.join();
  BOOST_TEST_REQUIRE(failures.load() == 0);
  auto merged = wait_events(user, 2 * batches * per_batch + 1);
  BOOST_TEST(event_count(merged, "click") == 2 * batches * per_batch, merged.text());
  BOOST_TEST(merged.int_at("/duplicates") == std::optional<std::int64_t>(0), merged.text());
}

BOOST_AUTO_TEST_SUITE_END()
