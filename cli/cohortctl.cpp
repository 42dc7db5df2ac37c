// cohortctl: the admin CLI. Talks to a node's HTTP API; human tables by default,
// the server's JSON with --json. Exit 0 ok, 1 server/network error or not found, 2 usage.

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <iomanip>
#include <iostream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <simdjson.h>

#include "http/http_client.hpp"
#include "cli/text_table.hpp"

namespace {

using namespace cohort;
using cohort::cli::text_table;
using element = simdjson::dom::element;

struct invocation {
  std::string server = "http://127.0.0.1:8080";
  std::string token;
  bool json = false;
  std::string filter;  ///< actors --filter
  std::string limit;   ///< actors --limit
  std::string after;   ///< actors --after (the cursor a previous page printed)
  std::string reason;  ///< deadletters replay --reason (a prefix of the reasons)
  std::string from;    ///< deadletters replay --from (ISO 8601)
  std::string to;      ///< deadletters replay --to (ISO 8601)
  std::string ids;     ///< deadletters replay --ids (comma-separated)
  std::vector<std::string> args;  ///< The command and its operands.
};

constexpr const char* usage_text = R"(usage: cohortctl [--server URL] [--token TOKEN] [--json] COMMAND

Commands:
  status                 node state, uptime, live actors, events accepted/rejected
                         (in a cluster: every member and the partitions it serves)
  nodes                  the nodes as a table; in a cluster each member's address,
                         sequencer role, partitions served, their states, lag, epoch
  actors [--filter F] [--limit N] [--after USER_ID]
                         live session actors whose user id contains F (a page of N,
                         default 50; --after continues from a previous page)
  inspect USER_ID        one live actor: profile, mailbox depth, score breakdown
  segments               segment sizes and tag counts over the live actors
  profile USER_ID        one user's live profile
  deadletters [N]        the newest N (default 20) rejected messages with reasons
  deadletters replay [--reason PREFIX] [--from TIME] [--to TIME] [--ids N,N,...]
                         send the selected dead letters back through ingest (after a
                         rule or mapping fix); at least one selector; TIME is ISO 8601

--server defaults to http://127.0.0.1:8080; --token (or COHORT_ADMIN_TOKEN) is sent as
the admin Bearer token.
)";

std::string text_of(element e) {
  if (e.is_string())
    return std::string(std::string_view(e.get_string()));
  if (e.is_null())
    return "-";
  return simdjson::minify(e);
}

std::string fixed(double v, int digits) {
  std::ostringstream out;
  out << std::fixed << std::setprecision(digits) << v;
  return out.str();
}

std::string number(element e, int digits) {
  double v = 0;
  return e.get(v) == simdjson::SUCCESS ? fixed(v, digits) : text_of(e);
}

/// At most two decimals, without trailing zeros: 14, 0.14, 68.2.
std::string compact(element e) {
  auto text = number(e, 2);
  if (text.find('.') == std::string::npos)
    return text;
  text.erase(text.find_last_not_of('0') + 1);
  if (text.back() == '.')
    text.pop_back();
  return text;
}

/// Seconds as "3d 4h", "2h 5m", "4m 10s" or "12s".
std::string duration(element e) {
  std::int64_t s = 0;
  if (e.get(s) != simdjson::SUCCESS)
    return text_of(e);
  const std::int64_t parts[] = {s / 86400, s % 86400 / 3600, s % 3600 / 60, s % 60};
  const char* units[] = {"d", "h", "m", "s"};
  for (int i = 0; i < 3; ++i)
    if (parts[i] > 0)
      return std::to_string(parts[i]) + units[i] + " " + std::to_string(parts[i + 1]) + units[i + 1];
  return std::to_string(parts[3]) + "s";
}

std::string joined(element array, const char* separator = ", ") {
  std::string out;
  for (auto x : array.get_array())
    out += (out.empty() ? "" : separator) + text_of(x);
  return out.empty() ? "-" : out;
}

std::string percent(double share) {
  return fixed(share * 100, 1) + "%";
}

/// Prints every scalar field of a flat JSON object as "key  value" rows.
void print_fields(simdjson::dom::object obj, std::ostream& out) {
  for (auto [key, val] : obj)
    if (!val.is_array() && !val.is_object())
      out << std::left << std::setw(18) << key << ' ' << text_of(val) << '\n';
}

bool is_cluster(element doc) {
  std::string_view mode;
  return doc["mode"].get(mode) == simdjson::SUCCESS && mode == "cluster";
}

/// Partitions of a cluster member (its "partitions" array) in `state`, or in any state.
std::vector<std::int64_t> partitions_of(element node, std::string_view state = {}) {
  std::vector<std::int64_t> out;
  for (auto p : node["partitions"].get_array())
    if (state.empty() || std::string_view(p["state"].get_string()) == state)
      out.push_back(p["partition"].get_int64());
  return out;
}

/// "4 serving, 1 claiming": how many of a member's partitions are in each state.
std::string state_summary(element node) {
  static const std::vector<std::string> order = {"serving", "claiming", "restoring", "revoking"};
  std::map<std::string, int> counts;
  for (auto p : node["partitions"].get_array())
    ++counts[std::string(std::string_view(p["state"].get_string()))];
  std::string out;
  auto add = [&](const std::string& state, int n) {
    out += (out.empty() ? "" : ", ") + std::to_string(n) + " " + state;
  };
  for (const auto& state : order)
    if (auto it = counts.find(state); it != counts.end())
      add(state, it->second);
  for (const auto& [state, n] : counts)
    if (std::find(order.begin(), order.end(), state) == order.end())
      add(state, n);
  return out.empty() ? "-" : out;
}

std::string max_epoch(element node) {
  std::int64_t epoch = 0;
  for (auto p : node["partitions"].get_array())
    epoch = std::max(epoch, p["epoch"].get_int64().value());
  return epoch > 0 ? std::to_string(epoch) : "-";
}

/// Partitions no member serves (claiming, restoring, revoking or unassigned).
std::vector<std::int64_t> moving_partitions(element doc) {
  std::set<std::int64_t> served;
  for (auto n : doc["nodes"].get_array())
    for (auto p : partitions_of(n, "serving"))
      served.insert(p);
  std::vector<std::int64_t> out;
  for (std::int64_t p = 0; p < doc["partitions"].get_int64(); ++p)
    if (!served.count(p))
      out.push_back(p);
  return out;
}

/// "cluster of 2 nodes, 8/8 partitions serving; this node n1" (and what is moving);
/// `mark` follows the node id (the table marks that node's row with it).
std::string cluster_line(element doc, const std::string& mark = "") {
  auto nodes = doc["nodes"].get_array().size();
  std::string line = "cluster of " + std::to_string(nodes) + (nodes == 1 ? " node, " : " nodes, ")
                     + text_of(doc["serving"]) + "/" + text_of(doc["partitions"])
                     + " partitions serving; this node " + text_of(doc["self"]) + mark;
  auto moving = moving_partitions(doc);
  if (!moving.empty())
    line += "; moving: " + cli::compact_ranges(moving);
  return line;
}

int render_status(element doc) {
  if (is_cluster(doc)) {
    // The answering node first, then the other members as they report themselves.
    std::cout << cluster_line(doc) << "\n\n";
    const auto self = text_of(doc["self"]);
    for (bool first : {true, false})
      for (auto node : doc["nodes"].get_array()) {
        if ((text_of(node["id"]) == self) != first)
          continue;
        print_fields(node.get_object(), std::cout);
        std::cout << std::left << std::setw(18) << "serving" << ' '
                  << cli::compact_ranges(partitions_of(node, "serving")) << "\n\n";
      }
    return 0;
  }
  for (auto node : doc["nodes"].get_array()) {
    print_fields(node.get_object(), std::cout);
    std::cout << '\n';
  }
  return 0;
}

int render_cluster_nodes(element doc) {
  text_table t({"node", "http", "cluster", "sequencer", "partitions", "state", "lag", "epoch"});
  t.right(6).right(7);
  std::string self = text_of(doc["self"]);
  for (auto n : doc["nodes"].get_array()) {
    auto id = text_of(n["id"]);
    t.add({id == self ? id + " *" : id, text_of(n["listen"]), text_of(n["cluster"]),
           n["sequencer"].get_bool().value() ? "yes" : "-",
           cli::compact_ranges(partitions_of(n, "serving")), state_summary(n), text_of(n["lag"]),
           max_epoch(n)});
  }
  std::cout << t.render() << cluster_line(doc, " (*)") << '\n';
  return 0;
}

int render_nodes(element doc) {
  if (is_cluster(doc))
    return render_cluster_nodes(doc);
  text_table t({"node", "listen", "state", "version", "uptime", "actors", "accepted", "rejected"});
  t.right(4).right(5).right(6).right(7);
  for (auto n : doc["nodes"].get_array())
    t.add({text_of(n["id"]), text_of(n["listen"]), text_of(n["state"]), text_of(n["version"]),
           duration(n["uptimeSeconds"]), text_of(n["liveActors"]), text_of(n["eventsAccepted"]),
           text_of(n["eventsRejected"])});
  std::cout << t.render();
  return 0;
}

int render_actors(element doc) {
  text_table t({"user id", "segment", "score", "tags", "events", "last seen", "mailbox"});
  t.right(2).right(4).right(6);
  for (auto a : doc["actors"].get_array())
    t.add({text_of(a["userId"]), text_of(a["segment"]), number(a["score"], 1), joined(a["tags"]),
           text_of(a["events"]), text_of(a["lastSeen"]), text_of(a["mailboxDepth"])});
  std::cout << t.render() << t.rows() << (t.rows() == 1 ? " actor" : " actors");
  element next = doc["next"];
  if (!next.is_null())
    std::cout << "; more with --after " << text_of(next);
  std::cout << '\n';
  return 0;
}

void print_breakdown(element doc) {
  if (text_of(doc["model"]["kind"]) == "tree") {  // margin terms: no weight, no normalized
    text_table t({"feature", "value", "log-odds"});
    t.right(1).right(2);
    for (auto term : doc["scoreBreakdown"].get_array())
      t.add({text_of(term["feature"]), number(term["value"], 2), number(term["contribution"], 3)});
    std::cout << "\nscore breakdown (terms sum to the margin; score = 100 / (1 + e^-margin)):\n"
              << t.render();
    return;
  }
  text_table t({"factor", "weight", "value", "normalized", "points"});
  t.right(1).right(2).right(3).right(4);
  for (auto term : doc["scoreBreakdown"].get_array())
    t.add({text_of(term["feature"]), number(term["weight"], 2), number(term["value"], 2),
           number(term["normalized"], 2), number(term["contribution"], 1)});
  std::cout << "\nscore breakdown:\n" << t.render();
}

void print_features(element doc) {
  text_table t({"feature", "value"});
  t.right(1);
  for (auto [name, value] : doc["features"].get_object())
    t.add({std::string(name), value.is_string() ? text_of(value) : compact(value)});
  std::cout << "\nfeatures:\n" << t.render();
}

void print_recent(element doc, std::size_t max) {
  text_table t({"timestamp", "type", "name", "message id"});
  std::vector<element> events;
  for (auto ev : doc["recentEvents"].get_array())
    events.push_back(ev);
  for (auto it = events.rbegin(); it != events.rend() && t.rows() < max; ++it)
    t.add({text_of((*it)["timestamp"]), text_of((*it)["type"]), text_of((*it)["name"]),
           text_of((*it)["messageId"])});
  std::cout << "\nrecent events (newest first):\n" << t.render();
}

int render_inspect(element doc) {
  std::cout << std::left << std::setw(14) << "user" << text_of(doc["userId"]) << '\n'
            << std::setw(14) << "segment" << text_of(doc["segment"]) << '\n'
            << std::setw(14) << "score" << number(doc["score"], 1) << '\n'
            << std::setw(14) << "tags" << joined(doc["tags"]) << '\n'
            << std::setw(14) << "events" << text_of(doc["events"]) << " (" << text_of(doc["duplicates"])
            << " duplicates, " << text_of(doc["late"]) << " late)\n"
            << std::setw(14) << "mailbox depth" << text_of(doc["mailboxDepth"]) << '\n'
            << std::setw(14) << "session" << text_of(doc["session"]["id"]) << " since "
            << text_of(doc["session"]["started"]) << '\n'
            << std::setw(14) << "last seen" << text_of(doc["lastSeen"]) << '\n';
  print_breakdown(doc);
  print_features(doc);
  print_recent(doc, 10);
  return 0;
}

int render_segments(element doc) {
  double sampled = static_cast<double>(std::max<std::uint64_t>(1, doc["sampled"].get_uint64()));
  text_table segments({"segment", "actors", "share", "avg score"});
  segments.right(1).right(2).right(3);
  for (auto s : doc["segments"].get_array()) {
    auto n = s["count"].get_uint64().value();
    segments.add({text_of(s["name"]), std::to_string(n), percent(static_cast<double>(n) / sampled),
                  n ? number(s["avgScore"], 1) : "-"});
  }
  text_table tags({"tag", "actors", "share"});
  tags.right(1).right(2);
  for (auto s : doc["tags"].get_array()) {
    auto n = s["count"].get_uint64().value();
    tags.add({text_of(s["name"]), std::to_string(n), percent(static_cast<double>(n) / sampled)});
  }
  std::cout << segments.render() << '\n' << tags.render() << '\n';
  bool exact = doc["exact"].get_bool();
  std::cout << (exact ? "counted over all " : "counted over a sample of " + text_of(doc["sampled"]) + " of ")
            << text_of(doc["live"]) << " live actors\n";
  return 0;
}

int render_profile(element doc) {
  print_fields(doc.get_object(), std::cout);
  std::cout << "event counts:\n";
  for (auto [type, n] : doc["eventCounts"].get_object())
    std::cout << "  " << std::left << std::setw(16) << type << ' ' << text_of(n) << '\n';
  std::cout << "identities:\n";
  for (auto id : doc["identities"].get_array())
    std::cout << "  " << text_of(id["kind"]) << ' ' << text_of(id["id"]) << " ("
              << text_of(id["link"]) << ")\n";
  return 0;
}

int render_deadletters(element doc) {
  std::cout << "total " << text_of(doc["total"]) << '\n';
  for (auto l : doc["deadLetters"].get_array())
    std::cout << text_of(l["at"]) << "  " << text_of(l["source"]) << "  " << text_of(l["reason"])
              << "\n    " << text_of(l["raw"]) << '\n';
  return 0;
}

/// Percent-encodes everything but unreserved characters (RFC 3986), for path segments
/// and query values alike.
std::string escape(const std::string& s) {
  std::ostringstream out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~')
      out << c;
    else
      out << '%' << std::uppercase << std::hex << std::setw(2) << std::setfill('0') << int{c}
          << std::dec;
  }
  return out.str();
}

int render_replay(element doc) {
  std::cout << "selected " << text_of(doc["selected"]) << ", replayed " << text_of(doc["replayed"])
            << ", failed again " << text_of(doc["failedAgain"]) << ", skipped (late) "
            << text_of(doc["skipped"]) << '\n';
  if (doc["more"].get_bool().value_unsafe())
    std::cout << "more letters match: run the replay again\n";
  return 0;
}

/// `text` as a JSON string literal.
std::string json_string(const std::string& text) {
  std::ostringstream out;
  out << '"';
  for (unsigned char c : text) {
    if (c == '"' || c == '\\')
      out << '\\' << c;
    else if (c < 0x20)
      out << "\\u" << std::hex << std::setw(4) << std::setfill('0') << int{c} << std::dec;
    else
      out << c;
  }
  out << '"';
  return out.str();
}

/// The replay request body of the selector flags; "" when --ids is not a list of numbers.
std::string replay_body(const invocation& c) {
  std::vector<std::string> fields;
  if (!c.reason.empty())
    fields.push_back("\"reason\":" + json_string(c.reason));
  if (!c.from.empty())
    fields.push_back("\"from\":" + json_string(c.from));
  if (!c.to.empty())
    fields.push_back("\"to\":" + json_string(c.to));
  if (!c.ids.empty()) {
    std::string list;
    std::istringstream in(c.ids);
    for (std::string id; std::getline(in, id, ',');) {
      if (id.empty() || id.find_first_not_of("0123456789") != std::string::npos)
        return {};
      list += (list.empty() ? "" : ",") + id;
    }
    fields.push_back("\"ids\":[" + list + "]");
  }
  std::string body = "{";
  for (std::size_t i = 0; i < fields.size(); ++i)
    body += (i ? "," : "") + fields[i];
  return body + "}";
}

using renderer = int (*)(element);

struct request_plan {
  std::string target;
  renderer render = nullptr;
  std::string method = "GET";
  std::string body;
};

/// A GET of `target` rendered by `render`.
request_plan get(std::string target, renderer render) {
  request_plan plan;
  plan.target = std::move(target);
  plan.render = render;
  return plan;
}

std::string actors_target(const invocation& c) {
  std::string target = "/admin/api/actors?limit=" + escape(c.limit.empty() ? "50" : c.limit);
  if (!c.filter.empty())
    target += "&filter=" + escape(c.filter);
  if (!c.after.empty())
    target += "&after=" + escape(c.after);
  return target;
}

/// The endpoint and renderer of the command line; an empty target when it names none.
request_plan plan_of(const invocation& c) {
  const auto& cmd = c.args[0];
  const auto n = c.args.size();
  if (cmd == "status" && n == 1)
    return get("/admin/api/nodes", render_status);
  if (cmd == "nodes" && n == 1)
    return get("/admin/api/nodes", render_nodes);
  if (cmd == "actors" && n == 1)
    return get(actors_target(c), render_actors);
  if (cmd == "inspect" && n == 2)
    return get("/admin/api/actors/" + escape(c.args[1]), render_inspect);
  if (cmd == "segments" && n == 1)
    return get("/admin/api/segments", render_segments);
  if (cmd == "profile" && n == 2)
    return get("/v1/profiles/" + escape(c.args[1]), render_profile);
  if (cmd == "deadletters" && n == 2 && c.args[1] == "replay") {
    auto body = replay_body(c);
    if (body.empty() || body == "{}")
      return {};
    return {"/admin/api/deadletters/replay", render_replay, "POST", body};
  }
  if (cmd == "deadletters" && n <= 2)
    return get("/admin/api/deadletters?limit=" + (n == 2 ? escape(c.args[1]) : "20"),
               render_deadletters);
  return {};
}

int run(const invocation& c) {
  auto plan = plan_of(c);
  if (plan.target.empty()) {
    std::cerr << usage_text;
    return 2;
  }
  auto client = http::http_client::connect(c.server, std::chrono::seconds(10));
  if (!client) {
    std::cerr << "cohortctl: " << client.error().reason << '\n';
    return client.error().status;
  }
  std::vector<std::pair<std::string, std::string>> headers;
  if (!c.token.empty())
    headers.emplace_back("Authorization", "Bearer " + c.token);
  if (!plan.body.empty())
    headers.emplace_back("Content-Type", "application/json");
  auto res = (*client)->request(plan.method, plan.target, plan.body, headers);
  if (!res) {
    std::cerr << "cohortctl: " << res.error().reason << '\n';
    return 1;
  }
  if (res->status != 200) {
    std::cerr << "cohortctl: " << plan.target << ": HTTP " << res->status << ": " << res->body
              << '\n';
    return 1;
  }
  if (c.json) {
    std::cout << res->body << '\n';
    return 0;
  }
  simdjson::dom::parser parser;
  element doc;
  if (auto err = parser.parse(res->body).get(doc)) {
    std::cerr << "cohortctl: server sent invalid JSON: " << simdjson::error_message(err) << '\n';
    return 1;
  }
  return plan.render(doc);
}

/// The value of a flag that takes one; nullptr when it is not such a flag.
std::string* flag_value(invocation& c, const std::string& flag) {
  if (flag == "--server")
    return &c.server;
  if (flag == "--token")
    return &c.token;
  if (flag == "--filter")
    return &c.filter;
  if (flag == "--limit")
    return &c.limit;
  if (flag == "--after")
    return &c.after;
  if (flag == "--reason")
    return &c.reason;
  if (flag == "--from")
    return &c.from;
  if (flag == "--to")
    return &c.to;
  if (flag == "--ids")
    return &c.ids;
  return nullptr;
}

} // namespace

int main(int argc, char** argv) {
  invocation c;
  if (const char* t = std::getenv("COHORT_ADMIN_TOKEN"))
    c.token = t;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (auto* value = flag_value(c, a)) {
      if (i + 1 >= argc) {
        std::cerr << "cohortctl: " << a << " needs a value\n" << usage_text;
        return 2;
      }
      *value = argv[++i];
    } else if (a == "--json") {
      c.json = true;
    } else if (a == "--help" || a == "-h") {
      std::cout << usage_text;
      return 0;
    } else if (a.rfind("--", 0) == 0) {
      std::cerr << "cohortctl: unknown flag '" << a << "'\n" << usage_text;
      return 2;
    } else {
      c.args.push_back(a);
    }
  }
  if (c.args.empty()) {
    std::cerr << usage_text;
    return 2;
  }
  if ((!c.filter.empty() || !c.limit.empty() || !c.after.empty()) && c.args[0] != "actors") {
    std::cerr << "cohortctl: --filter, --limit and --after apply to actors only\n" << usage_text;
    return 2;
  }
  const bool replay = c.args[0] == "deadletters" && c.args.size() == 2 && c.args[1] == "replay";
  if ((!c.reason.empty() || !c.from.empty() || !c.to.empty() || !c.ids.empty()) && !replay) {
    std::cerr << "cohortctl: --reason, --from, --to and --ids apply to deadletters replay only\n"
              << usage_text;
    return 2;
  }
  try {
    return run(c);
  } catch (const simdjson::simdjson_error& e) {
    std::cerr << "cohortctl: unexpected response shape: " << e.what() << '\n';
    return 1;
  }
}
