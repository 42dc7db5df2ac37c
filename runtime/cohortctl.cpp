// cohortctl: the admin CLI. Talks to a node's HTTP API; human tables by default,
// the server's JSON with --json. Exit 0 ok, 1 server/network error or not found, 2 usage.

#include <cstdlib>
#include <iomanip>
#include <iostream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include <simdjson.h>

#include "runtime/http_client.hpp"

namespace {

using namespace cohort;

struct cli {
  std::string server = "http://127.0.0.1:8080";
  std::string token;
  bool json = false;
  std::vector<std::string> args;  ///< The command and its operands.
};

constexpr const char* usage_text = R"(usage: cohortctl [--server URL] [--token TOKEN] [--json] COMMAND

Commands:
  status             node state, uptime, live actors, events accepted/rejected
  profile USER_ID    one user's live profile
  deadletters [N]    the newest N (default 20) rejected messages with reasons

--server defaults to http://127.0.0.1:8080; --token (or COHORT_ADMIN_TOKEN) is sent as
the admin Bearer token.
)";

std::string text_of(simdjson::dom::element e) {
  if (e.is_string())
    return std::string(std::string_view(e.get_string()));
  return simdjson::minify(e);
}

/// Prints every scalar field of a flat JSON object as "key  value" rows.
void print_fields(simdjson::dom::object obj, std::ostream& out) {
  for (auto [key, val] : obj)
    if (!val.is_array() && !val.is_object())
      out << std::left << std::setw(18) << key << ' ' << text_of(val) << '\n';
}

int render_status(simdjson::dom::element doc) {
  for (auto node : doc["nodes"].get_array()) {
    print_fields(node.get_object(), std::cout);
    std::cout << '\n';
  }
  return 0;
}

int render_profile(simdjson::dom::element doc) {
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

int render_deadletters(simdjson::dom::element doc) {
  std::cout << "total " << text_of(doc["total"]) << '\n';
  for (auto l : doc["deadLetters"].get_array())
    std::cout << text_of(l["at"]) << "  " << text_of(l["source"]) << "  " << text_of(l["reason"])
              << "\n    " << text_of(l["raw"]) << '\n';
  return 0;
}

std::string escape_path(const std::string& s) {
  std::ostringstream out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~')
      out << c;
    else
      out << '%' << std::uppercase << std::hex << std::setw(2) << std::setfill('0') << int{c};
  }
  return out.str();
}

int run(const cli& c) {
  using renderer = int (*)(simdjson::dom::element);
  std::string target;
  renderer render = nullptr;
  const auto& cmd = c.args[0];
  if (cmd == "status" && c.args.size() == 1) {
    target = "/admin/api/nodes";
    render = render_status;
  } else if (cmd == "profile" && c.args.size() == 2) {
    target = "/v1/profiles/" + escape_path(c.args[1]);
    render = render_profile;
  } else if (cmd == "deadletters" && c.args.size() <= 2) {
    target = "/admin/api/deadletters?limit=" + (c.args.size() == 2 ? c.args[1] : "20");
    render = render_deadletters;
  } else {
    std::cerr << usage_text;
    return 2;
  }
  auto client = runtime::http_client::connect(c.server, std::chrono::seconds(10));
  if (!client) {
    std::cerr << "cohortctl: " << client.error().reason << '\n';
    return client.error().status;
  }
  std::vector<std::pair<std::string, std::string>> headers;
  if (!c.token.empty())
    headers.emplace_back("Authorization", "Bearer " + c.token);
  auto res = (*client)->request("GET", target, {}, headers);
  if (!res) {
    std::cerr << "cohortctl: " << res.error().reason << '\n';
    return 1;
  }
  if (res->status != 200) {
    std::cerr << "cohortctl: " << target << ": HTTP " << res->status << ": " << res->body << '\n';
    return 1;
  }
  if (c.json) {
    std::cout << res->body << '\n';
    return 0;
  }
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  if (auto err = parser.parse(res->body).get(doc)) {
    std::cerr << "cohortctl: server sent invalid JSON: " << simdjson::error_message(err) << '\n';
    return 1;
  }
  return render(doc);
}

} // namespace

int main(int argc, char** argv) {
  cli c;
  if (const char* t = std::getenv("COHORT_ADMIN_TOKEN"))
    c.token = t;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if ((a == "--server" || a == "--token") && i + 1 < argc)
      (a == "--server" ? c.server : c.token) = argv[++i];
    else if (a == "--json")
      c.json = true;
    else if (a == "--help" || a == "-h") {
      std::cout << usage_text;
      return 0;
    } else if (a.rfind("--", 0) == 0) {
      std::cerr << "cohortctl: unknown flag '" << a << "'\n" << usage_text;
      return 2;
    } else
      c.args.push_back(a);
  }
  if (c.args.empty()) {
    std::cerr << usage_text;
    return 2;
  }
  try {
    return run(c);
  } catch (const simdjson::simdjson_error& e) {
    std::cerr << "cohortctl: unexpected response shape: " << e.what() << '\n';
    return 1;
  }
}
