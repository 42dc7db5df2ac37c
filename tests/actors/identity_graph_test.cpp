#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <map>

#include "actors/identity_graph.hpp"

using namespace cohort;
using actors::identity_graph;
using actors::profile_record;

namespace {

constexpr std::int64_t minute = 60 * 1000;

/// An event of `call` carrying the identities given (empty = absent).
codecs::event event_of(std::string call, std::string user, std::string anon,
                       std::int64_t at_ms = 1000, std::string message_id = "m") {
  codecs::event ev;
  ev.call = std::move(call);
  ev.type = ev.call;
  ev.user_id = std::move(user);
  ev.anonymous_id = std::move(anon);
  ev.timestamp_ms = at_ms;
  ev.received_ms = at_ms;
  ev.message_id = std::move(message_id);
  return ev;
}

codecs::event alias_of(std::string user, std::string previous, std::int64_t at_ms = 1000) {
  auto ev = event_of("alias", std::move(user), "", at_ms, "alias-m");
  ev.previous_id = std::move(previous);
  return ev;
}

codecs::event identify_of(std::string user, std::string anon, std::string email,
                          std::int64_t at_ms = 1000) {
  auto ev = event_of("identify", std::move(user), std::move(anon), at_ms, "identify-m");
  if (!email.empty())
    ev.traits.push_back({"email", codecs::value::of_string(std::move(email))});
  return ev;
}

codecs::event with_device(codecs::event ev, std::string device) {
  ev.context.push_back({"device.id", codecs::value::of_string(std::move(device))});
  return ev;
}

config::identity_config device_matching(double weight) {
  config::identity_config options;
  options.keys.push_back({{"context.device.id"}, weight, 0});
  options.threshold = 0.8;
  options.window = std::chrono::minutes(30);
  return options;
}

const actors::linked_identity* find_identity(const profile_record& rec, const std::string& id) {
  auto it = std::find_if(rec.identities.begin(), rec.identities.end(),
                         [&](const auto& x) { return x.id == id; });
  return it == rec.identities.end() ? nullptr : &*it;
}

std::vector<std::string> ids_of(const profile_record& rec) {
  std::vector<std::string> out;
  for (const auto& x : rec.identities)
    out.push_back(x.id);
  std::sort(out.begin(), out.end());
  return out;
}

std::string packed(const profile_record& rec) {
  msgpack::sbuffer buf;
  msgpack::pack(buf, rec);
  return {buf.data(), buf.size()};
}

/// What the store holds after `writes`: later writes of a key replace earlier ones.
actors::keyed_writes stored(const actors::keyed_writes& writes) {
  std::map<std::string, std::string> column;
  for (const auto& [key, bytes] : writes) {
    if (bytes)
      column[key] = *bytes;
    else
      column.erase(key);
  }
  actors::keyed_writes out;
  for (auto& [key, bytes] : column)
    out.emplace_back(key, bytes);
  return out;
}

} // namespace

BOOST_AUTO_TEST_SUITE(identity_graph_suite)

BOOST_AUTO_TEST_CASE(links_are_transitive_and_every_identity_resolves_to_one_profile) {
  identity_graph g{config::identity_config{}};
  // An event carrying both anonymousId A and userId U links them ...
  auto first = g.resolve(event_of("track", "U", "A"));
  BOOST_TEST(first.profile == "U");
  // ... an alias links B to U ...
  g.resolve(alias_of("U", "B"));
  // ... and an identify links C and an email.
  g.resolve(identify_of("U", "C", "ann@example.com"));
  // So B's own events now go to U's profile, as part B.
  auto b = g.resolve(event_of("track", "", "B"));
  BOOST_TEST(b.profile == "U");
  BOOST_TEST(b.origin == "B");
  BOOST_TEST(b.merges.empty());
  for (const auto* id : {"U", "A", "B", "C"})
    BOOST_TEST(g.profile_of(id) == "U", id);

  auto rec = g.record_of("B");
  BOOST_REQUIRE(rec.has_value());
  BOOST_TEST(rec->id == "U");
  BOOST_TEST(packed(*rec) == packed(*g.record_of("A")));
  BOOST_REQUIRE(rec->identities.size() == 5u);
  auto link_of = [&](const std::string& id) {
    const auto* x = find_identity(*rec, id);
    BOOST_REQUIRE_MESSAGE(x != nullptr, "no identity " << id);
    return x->link;
  };
  BOOST_TEST(link_of("U") == "first");
  BOOST_TEST(link_of("A") == "event");
  BOOST_TEST(link_of("B") == "alias");
  BOOST_TEST(link_of("C") == "identify");
  BOOST_TEST(find_identity(*rec, "A")->kind == "anonymousId");
  BOOST_TEST(find_identity(*rec, "B")->kind == "previousId");
  auto email = std::find_if(rec->identities.begin(), rec->identities.end(),
                            [](const auto& x) { return x.kind == "email"; });
  BOOST_REQUIRE(email != rec->identities.end());
  BOOST_TEST(email->link == "identify");
  BOOST_TEST(email->id.rfind("email:", 0) == 0u);
  BOOST_TEST(email->id.find("example.com") == std::string::npos);  // hashed, not stored
  // The merges: every other origin joined U, each by its own link.
  std::map<std::string, std::string> edges;
  for (const auto& e : rec->edges) {
    BOOST_TEST(e.parent == "U");
    edges[e.origin] = e.link;
  }
  BOOST_TEST(edges.size() == 4u);
  BOOST_TEST(edges["A"] == "event");
  BOOST_TEST(edges["B"] == "alias");
  BOOST_TEST(edges["C"] == "identify");
  BOOST_TEST(g.stats().linked_profiles == 1u);
}

BOOST_AUTO_TEST_CASE(a_merge_is_planned_once_with_the_surviving_profile_as_receiver) {
  identity_graph g{config::identity_config{}};
  auto r = g.resolve(event_of("track", "U", "A"));
  BOOST_REQUIRE(r.merges.size() == 1u);
  BOOST_TEST(r.merges[0].receiver == "U");
  BOOST_TEST(r.merges[0].giver == "A");
  BOOST_TEST(r.merges[0].origins.empty());  // a merge moves everything
  BOOST_TEST(r.merges[0].link == "event");
  BOOST_TEST(r.merges[0].confidence == 1.0);
  BOOST_TEST(r.profile == "U");
  BOOST_TEST(r.origin == "U");
  // The same link again, from either side, plans nothing.
  BOOST_TEST(g.resolve(event_of("track", "U", "A")).merges.empty());
  BOOST_TEST(g.resolve(identify_of("U", "A", "")).merges.empty());
  auto a = g.resolve(event_of("track", "", "A"));
  BOOST_TEST(a.merges.empty());
  BOOST_TEST(a.profile == "U");
  BOOST_TEST(a.origin == "A");
  BOOST_TEST(g.stats().merges == 1u);
}

BOOST_AUTO_TEST_CASE(the_identity_cap_refuses_a_link_once_and_records_why) {
  config::identity_config options;
  options.max_identities_per_profile = 2;
  identity_graph g{options};
  BOOST_TEST(g.resolve(event_of("track", "U", "A1")).merges.size() == 1u);
  auto third = event_of("track", "U", "A2", 5000, "over-the-cap");
  auto r = g.resolve(third);
  BOOST_TEST(r.merges.empty());
  BOOST_TEST(r.profile == "U");  // the event itself still goes to its user
  BOOST_TEST(g.profile_of("A2") == "A2");
  BOOST_TEST(g.record_of("U")->identities.size() == 2u);
  auto refusals = g.refusals();
  BOOST_REQUIRE(refusals.size() == 1u);
  BOOST_TEST(refusals[0].profile == "U");
  BOOST_TEST(refusals[0].other == "A2");
  BOOST_TEST(refusals[0].link == "event");
  BOOST_TEST(refusals[0].message_id == "over-the-cap");
  BOOST_TEST(refusals[0].at_ms == 5000);
  BOOST_TEST(refusals[0].reason.find("max_identities_per_profile") != std::string::npos,
             refusals[0].reason);
  // The refused pair is not tried again: no second refusal, still no link.
  BOOST_TEST(g.resolve(third).merges.empty());
  BOOST_TEST(g.refusals().size() == 1u);
  BOOST_TEST(g.stats().refusals == 1u);
  BOOST_TEST(g.profile_of("A2") == "A2");
}

BOOST_AUTO_TEST_CASE(two_user_ids_sharing_a_device_are_refused_by_default) {
  identity_graph g{config::identity_config{}};
  g.resolve(event_of("track", "U1", "A"));
  auto r = g.resolve(event_of("track", "U2", "A", 2000, "shared"));
  BOOST_TEST(r.merges.empty());
  BOOST_TEST(r.profile == "U2");
  BOOST_TEST(g.profile_of("A") == "U1");
  BOOST_TEST(g.profile_of("U2") == "U2");
  auto refusals = g.refusals();
  BOOST_REQUIRE(refusals.size() == 1u);
  BOOST_TEST(refusals[0].reason.find("userId") != std::string::npos, refusals[0].reason);
  BOOST_TEST(refusals[0].reason.find("U1") != std::string::npos, refusals[0].reason);
  BOOST_TEST(refusals[0].message_id == "shared");
  g.resolve(event_of("track", "U2", "A", 3000, "shared-again"));
  BOOST_TEST(g.refusals().size() == 1u);
}

BOOST_AUTO_TEST_CASE(two_user_ids_sharing_a_device_merge_when_conflicts_are_allowed) {
  config::identity_config options;
  options.user_id_conflicts = "allow";
  identity_graph g{options};
  g.resolve(event_of("track", "U1", "A"));
  auto r = g.resolve(event_of("track", "U2", "A"));
  BOOST_TEST(r.merges.size() == 1u);
  BOOST_TEST(g.refusals().empty());
  BOOST_TEST(g.profile_of("U1") == g.profile_of("U2"));
  BOOST_TEST(g.profile_of("A") == g.profile_of("U2"));
  BOOST_TEST(g.record_of("U1")->identities.size() == 3u);
}

BOOST_AUTO_TEST_CASE(an_alias_links_two_user_ids_even_when_conflicts_are_refused) {
  identity_graph g{config::identity_config{}};  // user_id_conflicts: refuse
  g.resolve(event_of("track", "U1", "A1"));
  g.resolve(event_of("track", "U2", "A2"));
  auto r = g.resolve(alias_of("U2", "U1"));
  BOOST_REQUIRE(r.merges.size() == 1u);
  BOOST_TEST(r.merges[0].receiver == "U2");
  BOOST_TEST(r.merges[0].giver == "U1");
  BOOST_TEST(r.merges[0].link == "alias");
  BOOST_TEST(g.refusals().empty());
  for (const auto* id : {"U1", "A1", "U2", "A2"})
    BOOST_TEST(g.profile_of(id) == "U2", id);
  BOOST_TEST(ids_of(*g.record_of("A1")) == (std::vector<std::string>{"A1", "A2", "U1", "U2"}));
}

BOOST_AUTO_TEST_CASE(an_email_in_identify_traits_links_two_anonymous_ids) {
  identity_graph g{config::identity_config{}};
  g.resolve(identify_of("", "X", "Ann@Example.com "));
  BOOST_TEST(g.profile_of("Y") == "Y");
  auto r = g.resolve(identify_of("", "Y", "ann@example.com"));
  BOOST_TEST(r.merges.size() == 1u);
  BOOST_TEST(g.profile_of("X") == g.profile_of("Y"));
  BOOST_TEST(g.record_of("X")->identities.size() == 3u);  // X, Y and the email
  // An email on a track call is no identity: nothing links.
  auto track = event_of("track", "", "Z");
  track.traits.push_back({"email", codecs::value::of_string("ann@example.com")});
  g.resolve(track);
  BOOST_TEST(g.profile_of("Z") == "Z");
}

BOOST_AUTO_TEST_CASE(a_shared_device_id_links_probabilistically_within_the_window) {
  identity_graph g{device_matching(0.9)};
  auto first = g.resolve(with_device(event_of("track", "", "P", 1000), "d1"));
  BOOST_TEST(first.merges.empty());
  auto r = g.resolve(with_device(event_of("track", "", "Q", 1000 + 5 * minute), "d1"));
  BOOST_REQUIRE(r.merges.size() == 1u);
  BOOST_TEST(r.merges[0].receiver == "P");
  BOOST_TEST(r.merges[0].giver == "Q");
  BOOST_TEST(r.merges[0].link == "probabilistic");
  BOOST_TEST(r.merges[0].confidence == 0.9, boost::test_tools::tolerance(1e-9));
  BOOST_TEST(r.profile == "P");
  BOOST_TEST(r.origin == "Q");
  BOOST_TEST(g.profile_of("Q") == "P");
  auto rec = g.record_of("Q");
  BOOST_REQUIRE(rec.has_value());
  const auto* q = find_identity(*rec, "Q");
  BOOST_REQUIRE(q != nullptr);
  BOOST_TEST(q->link == "probabilistic");
  BOOST_TEST(q->confidence == 0.9, boost::test_tools::tolerance(1e-9));
  // A different device links nothing.
  g.resolve(with_device(event_of("track", "", "R", 1000 + 6 * minute), "d2"));
  BOOST_TEST(g.profile_of("R") == "R");
}

// A single node's evidence is journaled with the links: a graph loaded from the store
// (a restart) still links a device seen before it to a profile seen after.
BOOST_AUTO_TEST_CASE(stored_evidence_survives_a_reload) {
  identity_graph before{device_matching(0.9), actors::evidence_storage::records};
  before.resolve(with_device(event_of("track", "", "P", 1000), "d1"));
  auto log = before.take_writes();
  BOOST_TEST(log.size() == 1u, "one evidence record expected");

  identity_graph after{device_matching(0.9), actors::evidence_storage::records};
  BOOST_REQUIRE(after.load(stored(log)));
  BOOST_TEST(after.stats().signals == 1u);
  auto r = after.resolve(with_device(event_of("track", "", "Q", 1000 + 5 * minute), "d1"));
  BOOST_REQUIRE(r.merges.size() == 1u);
  BOOST_TEST(r.merges[0].receiver == "P");
  BOOST_TEST(r.merges[0].link == "probabilistic");

  // Expired evidence is deleted from the store as it is forgotten.
  after.take_writes();
  after.resolve(with_device(event_of("track", "", "R", 1000 + 60 * minute), "d2"));
  identity_graph reloaded{device_matching(0.9), actors::evidence_storage::records};
  auto all = log;
  for (auto& w : after.take_writes())
    all.push_back(std::move(w));
  BOOST_REQUIRE(reloaded.load(stored(all)));
  BOOST_TEST(reloaded.stats().signals == 1u, "only d2's evidence is still stored");
}

BOOST_AUTO_TEST_CASE(evidence_in_memory_writes_no_records) {
  identity_graph g{device_matching(0.9)};
  g.resolve(with_device(event_of("track", "", "P", 1000), "d1"));
  BOOST_TEST(g.take_writes().empty());
  BOOST_TEST(g.stats().signals == 1u);
}

BOOST_AUTO_TEST_CASE(evidence_below_the_threshold_links_nothing) {
  identity_graph g{device_matching(0.5)};
  g.resolve(with_device(event_of("track", "", "P", 1000), "d1"));
  auto r = g.resolve(with_device(event_of("track", "", "Q", 2000), "d1"));
  BOOST_TEST(r.merges.empty());
  BOOST_TEST(g.profile_of("Q") == "Q");
  BOOST_TEST(!g.record_of("P").has_value());
}

BOOST_AUTO_TEST_CASE(evidence_older_than_the_window_links_nothing) {
  identity_graph g{device_matching(0.9)};
  g.resolve(with_device(event_of("track", "", "P", 1000), "d1"));
  auto r = g.resolve(with_device(event_of("track", "", "Q", 1000 + 31 * minute), "d1"));
  BOOST_TEST(r.merges.empty());
  BOOST_TEST(g.profile_of("Q") == "Q");
}

BOOST_AUTO_TEST_CASE(unmerge_of_an_unlinked_id_is_404_and_of_the_root_409) {
  identity_graph g{config::identity_config{}};
  auto unknown = g.unmerge("nobody", 0);
  BOOST_REQUIRE(!unknown);
  BOOST_TEST(unknown.error().status == 404);
  g.resolve(event_of("track", "U", "A"));
  auto root = g.unmerge("U", 0);
  BOOST_REQUIRE(!root);
  BOOST_TEST(root.error().status == 409);
  BOOST_TEST(g.profile_of("A") == "U");  // nothing changed
  BOOST_TEST(g.stats().unmerges == 0u);
}

BOOST_AUTO_TEST_CASE(unmerge_splits_the_origin_with_what_merged_through_it) {
  config::identity_config options = device_matching(0.9);
  options.user_id_conflicts = "allow";  // only the unmerge block may keep V apart below
  identity_graph g{options};
  g.resolve(alias_of("C", "D"));           // D joins C
  g.resolve(event_of("track", "V", "C"));  // C (with D) joins V
  g.resolve(alias_of("U", "V"));           // V (with C) joins U
  g.resolve(event_of("track", "U", "A"));  // A joins U
  BOOST_TEST(ids_of(*g.record_of("C")) == (std::vector<std::string>{"A", "C", "D", "U", "V"}));

  auto plan = g.unmerge("V", 7000);
  BOOST_REQUIRE_MESSAGE(plan, (plan ? "" : plan.error().reason));
  BOOST_TEST(plan->receiver == "V");
  BOOST_TEST(plan->giver == "U");
  BOOST_TEST(plan->link == "unmerge");
  auto origins = plan->origins;
  std::sort(origins.begin(), origins.end());
  // C came in through V, D through C (its edge listed before C's: found transitively).
  BOOST_TEST(origins == (std::vector<std::string>{"C", "D", "V"}));
  BOOST_TEST(g.profile_of("V") == "V");
  BOOST_TEST(g.profile_of("C") == "V");
  BOOST_TEST(g.profile_of("D") == "V");
  BOOST_TEST(g.profile_of("A") == "U");
  BOOST_TEST(g.profile_of("U") == "U");
  BOOST_TEST(ids_of(*g.record_of("U")) == (std::vector<std::string>{"A", "U"}));
  auto split = g.record_of("V");
  BOOST_REQUIRE(split.has_value());
  BOOST_TEST(split->id == "V");
  BOOST_TEST(ids_of(*split) == (std::vector<std::string>{"C", "D", "V"}));
  BOOST_TEST(find_identity(*split, "V")->link == "first");
  BOOST_REQUIRE(split->edges.size() == 2u);
  BOOST_TEST(split->edges[0].origin == "D");
  BOOST_TEST(split->edges[0].parent == "C");
  BOOST_TEST(split->edges[1].origin == "C");
  BOOST_TEST(split->edges[1].parent == "V");
  BOOST_TEST(g.stats().unmerges == 1u);

  // The split pair is not linked again by evidence: A and V on one device, within the
  // window and above the threshold, stay apart (and no refusal is recorded for it).
  g.resolve(with_device(event_of("track", "", "A", 8000), "d1"));
  auto r = g.resolve(with_device(event_of("track", "V", "", 9000), "d1"));
  BOOST_TEST(r.merges.empty());
  BOOST_TEST(r.profile == "V");
  BOOST_TEST(g.profile_of("V") == "V");
  BOOST_TEST(g.profile_of("A") == "U");
  BOOST_TEST(g.refusals().empty());
}

BOOST_AUTO_TEST_CASE(stored_writes_load_into_the_same_graph) {
  config::identity_config options;
  options.max_identities_per_profile = 3;
  identity_graph g{options};
  actors::keyed_writes log;
  auto keep = [&] {
    auto w = g.take_writes();
    log.insert(log.end(), w.begin(), w.end());
  };
  g.resolve(event_of("track", "U", "A"));
  keep();
  g.resolve(alias_of("U", "B"));
  keep();
  g.resolve(event_of("track", "U", "D", 2000, "capped"));  // refused: a 4th identity
  g.resolve(event_of("track", "W", "E"));
  g.resolve(event_of("track", "W", "F"));
  keep();
  BOOST_REQUIRE(g.unmerge("B", 3000));  // a single identity again: its record goes
  keep();
  BOOST_TEST(g.take_writes().empty());  // taken: nothing twice

  identity_graph fresh{options};
  auto loaded = fresh.load(stored(log));
  BOOST_REQUIRE_MESSAGE(loaded, (loaded ? "" : loaded.error().reason));
  BOOST_TEST(fresh.take_writes().empty());  // loading writes nothing back
  for (const auto* id : {"U", "A", "B", "D", "W", "E", "F", "nobody"}) {
    BOOST_TEST(fresh.profile_of(id) == g.profile_of(id), id);
    auto before = g.record_of(id);
    auto after = fresh.record_of(id);
    BOOST_TEST(before.has_value() == after.has_value(), id);
    if (before && after)
      BOOST_TEST(packed(*before) == packed(*after), id);
  }
  BOOST_TEST(fresh.profile_of("A") == "U");
  BOOST_TEST(fresh.profile_of("B") == "B");
  BOOST_TEST(fresh.profile_of("F") == "W");
  auto a = g.refusals(), b = fresh.refusals();
  BOOST_REQUIRE(a.size() == 1u);
  BOOST_REQUIRE(b.size() == a.size());
  BOOST_TEST(b[0].profile == a[0].profile);
  BOOST_TEST(b[0].other == a[0].other);
  BOOST_TEST(b[0].reason == a[0].reason);
  BOOST_TEST(b[0].message_id == "capped");
  BOOST_TEST(fresh.stats().linked_profiles == g.stats().linked_profiles);
  // The refused pair stays blocked after a restart: not refused (or linked) again.
  fresh.resolve(event_of("track", "U", "D", 4000, "capped-again"));
  BOOST_TEST(fresh.refusals().size() == 1u);
  BOOST_TEST(fresh.profile_of("D") == "D");
  // A later refusal is stored after the loaded ones, not over them.
  fresh.resolve(event_of("track", "W", "G", 5000, "capped-too"));
  auto more = stored(fresh.take_writes());
  std::size_t refusal_keys = 0;
  for (const auto& [key, bytes] : stored(log))
    refusal_keys += key.rfind("r/", 0) == 0;
  for (const auto& [key, bytes] : more)
    if (key.rfind("r/", 0) == 0)
      for (const auto& [old_key, old_bytes] : stored(log))
        BOOST_TEST(key != old_key);
  BOOST_TEST(refusal_keys == 1u);
}

BOOST_AUTO_TEST_SUITE_END()

// A cluster node's replica: the sequencer's records, applied in order, give every node
// the same answers (docs/cluster.md, "Identity").
BOOST_AUTO_TEST_SUITE(identity_replica)

BOOST_AUTO_TEST_CASE(a_replica_fed_the_writers_records_resolves_the_same_way) {
  identity_graph writer{config::identity_config{}};
  identity_graph replica{config::identity_config{}};
  auto step = [&](const codecs::event& ev) {
    writer.resolve(ev);
    BOOST_REQUIRE(replica.apply(writer.take_writes()));
  };
  // Two profiles of two identities each, then one merge joining them, then an unmerge.
  step(identify_of("u1", "a1", "one@example.com"));
  step(identify_of("u2", "a2", ""));
  step(event_of("track", "", "a1"));
  step(alias_of("u2", "u1"));
  for (const auto* id : {"u1", "a1", "u2", "a2", "nobody"})
    BOOST_TEST(replica.profile_of(id) == writer.profile_of(id), id);
  auto plan = writer.unmerge("u1", 2000);
  BOOST_REQUIRE(plan);
  BOOST_REQUIRE(replica.apply(writer.take_writes()));
  for (const auto* id : {"u1", "a1", "u2", "a2"})
    BOOST_TEST(replica.profile_of(id) == writer.profile_of(id), id);
  auto rec = replica.record_of("u2");
  BOOST_REQUIRE(rec.has_value());
  BOOST_TEST((rec->identities.size() == writer.record_of("u2")->identities.size()));
}

BOOST_AUTO_TEST_CASE(applying_the_same_records_twice_changes_nothing) {
  identity_graph writer{config::identity_config{}};
  identity_graph replica{config::identity_config{}};
  writer.resolve(identify_of("u1", "a1", ""));
  writer.resolve(alias_of("u9", "u1"));
  auto records = writer.take_writes();
  BOOST_REQUIRE(replica.apply(records));
  BOOST_REQUIRE(replica.apply(records));  // a redelivered batch of the identity log
  BOOST_TEST(replica.profile_of("a1") == writer.profile_of("a1"));
  BOOST_TEST(replica.profile_of("u1") == writer.profile_of("u1"));
  BOOST_TEST(replica.stats().linked_profiles == writer.stats().linked_profiles);
}

BOOST_AUTO_TEST_CASE(an_unreadable_record_is_refused_with_its_key) {
  identity_graph replica{config::identity_config{}};
  auto applied = replica.apply({{"p/x", std::string("\xc1 not msgpack")}});
  BOOST_REQUIRE(!applied);
  BOOST_TEST(applied.error().reason.find("'p/x'") != std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(identity_lookup)

BOOST_AUTO_TEST_CASE(an_event_that_links_nothing_new_is_resolved_without_writing) {
  identity_graph g{config::identity_config{}};
  auto lone = g.lookup(event_of("track", "", "a1"));
  BOOST_REQUIRE(lone.has_value());
  BOOST_TEST(lone->profile == "a1");
  BOOST_TEST(!g.lookup(identify_of("u1", "a1", "")).has_value());  // a new link
  g.resolve(identify_of("u1", "a1", ""));
  g.take_writes();
  auto known = g.lookup(event_of("track", "u1", "a1"));
  BOOST_REQUIRE(known.has_value());
  BOOST_TEST(known->profile == "u1");
  auto anonymous = g.lookup(event_of("track", "", "a1"));
  BOOST_REQUIRE(anonymous.has_value());
  BOOST_TEST(anonymous->profile == "u1");
  BOOST_TEST(anonymous->origin == "a1");
  BOOST_TEST(g.take_writes().empty());
}

BOOST_AUTO_TEST_CASE(with_evidence_keys_every_event_goes_to_the_writer) {
  identity_graph g{device_matching(0.9)};
  BOOST_TEST(!g.lookup(event_of("track", "", "a1")).has_value());
}

BOOST_AUTO_TEST_SUITE_END()
