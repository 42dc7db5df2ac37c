#include "test_support.hpp"

#include <unistd.h>
#include <zlib.h>

#include <atomic>
#include <boost/test/results_collector.hpp>
#include <boost/test/unit_test.hpp>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <ctime>
#include <sstream>
#include <stdexcept>

namespace cohort::it {

namespace {


std::string framework_test_name() {
  return boost::unit_test::framework::current_test_case().full_name();
}

std::string tail(const std::string& s, std::size_t n) {
  return s.size() <= n ? s : "..." + s.substr(s.size() - n);
}

} // namespace

std::string source_dir() { return required_env("COHORT_SOURCE_DIR", "the source tree"); }

bool current_test_failed() {
  using namespace boost::unit_test;
  auto id = framework::current_test_case().p_id;
  return !results_collector.results(id).passed();
}

server_fixture::server_fixture(std::string config_yaml, std::vector<std::string> extra_args)
    : server(std::move(config_yaml), std::move(extra_args)), client("127.0.0.1", server.port()) {}

server_fixture::~server_fixture() {
  // Stop here rather than in ~cohortd_process, to report how the server ended.
  std::optional<int> code = server.last_exit_code();
  if (server.running()) {
    try {
      code = server.stop();
    } catch (const std::exception& e) {
      std::cerr << "cohortd could not be stopped: " << e.what() << "\n";
    }
  }
  const bool crashed = code && *code != 0;
  if (crashed || current_test_failed()) {
    std::cerr << "---- cohortd of " << framework_test_name() << ": exit code "
              << (code ? std::to_string(*code) : std::string("?"))
              << (crashed ? " (expected 0 after SIGTERM)" : "") << "; stderr ("
              << server.stderr_path() << "):\n"
              << tail(server.stderr_text(), 6000) << "\n----\n";
  }
}

profile_poll wait_for_profile(http_client& client, const std::string& user,
                              const std::function<bool(const json_doc&)>& pred,
                              std::chrono::milliseconds timeout) {
  profile_poll poll;
  eventually(
      [&] {
        auto res = client.get("/v1/profiles/" + user);
        poll.status = res.status;
        poll.body = res.body;
        if (res.status != 200)
          return false;
        poll.doc.emplace(res.body);
        poll.satisfied = pred(*poll.doc);
        return poll.satisfied;
      },
      timeout);
  return poll;
}

std::int64_t event_count(const json_doc& profile, std::string_view type) {
  return profile.int_at("/eventCounts/" + pointer_key(type)).value_or(0);
}

std::int64_t total_event_count(const json_doc& profile) {
  std::int64_t sum = 0;
  for (const auto& field : profile.fields("/eventCounts")) {
    auto v = field.second.get_int64();
    if (!v.error())
      sum += v.value_unsafe();
  }
  return sum;
}

std::optional<simdjson::dom::element> recent_event(const json_doc& profile,
                                                   std::string_view message_id) {
  for (auto e : profile.items("/recentEvents"))
    if (string_field(e, "messageId") == std::string(message_id))
      return e;
  return std::nullopt;
}

bool has_identity(const json_doc& profile, std::string_view kind, std::string_view id) {
  for (auto e : profile.items("/identities"))
    if (string_field(e, "kind") == std::string(kind) && string_field(e, "id") == std::string(id))
      return true;
  return false;
}

http_response post_json(http_client& client, const std::string& target, std::string body,
                        const std::string& key, header_list extra) {
  header_list headers = {{"Content-Type", "application/json"}};
  if (!key.empty())
    headers.emplace_back("Authorization", basic_auth(key));
  headers.insert(headers.end(), extra.begin(), extra.end());
  return client.request("POST", target, std::move(body), std::move(headers));
}

std::string gzip(std::string_view plain) {
  z_stream zs{};
  // windowBits 15 + 16: gzip wrapper.
  if (deflateInit2(&zs, Z_BEST_SPEED, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
    throw std::runtime_error("deflateInit2 failed");
  std::string out(deflateBound(&zs, static_cast<uLong>(plain.size())), '\0');
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(plain.data()));
  zs.avail_in = static_cast<uInt>(plain.size());
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = static_cast<uInt>(out.size());
  int rc = deflate(&zs, Z_FINISH);
  deflateEnd(&zs);
  if (rc != Z_STREAM_END)
    throw std::runtime_error("deflate failed");
  out.resize(zs.total_out);
  return out;
}

std::optional<std::int64_t> parse_iso8601_ms(std::string_view t) {
  // YYYY-MM-DDTHH:MM:SS[.fff...](Z|±hh:mm)
  auto digits = [&](std::size_t pos, std::size_t n) -> std::optional<int> {
    if (pos + n > t.size())
      return std::nullopt;
    int v = 0;
    for (std::size_t i = pos; i < pos + n; ++i) {
      if (t[i] < '0' || t[i] > '9')
        return std::nullopt;
      v = v * 10 + (t[i] - '0');
    }
    return v;
  };
  if (t.size() < 20 || t[4] != '-' || t[7] != '-' || (t[10] != 'T' && t[10] != ' ') ||
      t[13] != ':' || t[16] != ':')
    return std::nullopt;
  auto y = digits(0, 4), mo = digits(5, 2), d = digits(8, 2), h = digits(11, 2),
       mi = digits(14, 2), s = digits(17, 2);
  if (!y || !mo || !d || !h || !mi || !s)
    return std::nullopt;
  std::size_t pos = 19;
  std::int64_t ms = 0;
  if (pos < t.size() && t[pos] == '.') {
    ++pos;
    int scale = 100;
    while (pos < t.size() && t[pos] >= '0' && t[pos] <= '9') {
      ms += (t[pos] - '0') * scale;
      scale /= 10;
      ++pos;
    }
  }
  std::int64_t offset_s = 0;
  if (pos < t.size() && (t[pos] == 'Z' || t[pos] == 'z')) {
    ++pos;
  } else if (pos < t.size() && (t[pos] == '+' || t[pos] == '-')) {
    auto oh = digits(pos + 1, 2), om = digits(pos + 4, 2);
    if (!oh || !om || pos + 3 >= t.size() || t[pos + 3] != ':')
      return std::nullopt;
    offset_s = (*oh * 3600 + *om * 60) * (t[pos] == '+' ? 1 : -1);
    pos += 6;
  } else {
    return std::nullopt;
  }
  if (pos != t.size())
    return std::nullopt;
  std::tm tm{};
  tm.tm_year = *y - 1900;
  tm.tm_mon = *mo - 1;
  tm.tm_mday = *d;
  tm.tm_hour = *h;
  tm.tm_min = *mi;
  tm.tm_sec = *s;
  std::int64_t secs = static_cast<std::int64_t>(timegm(&tm)) - offset_s;
  return secs * 1000 + ms;
}

std::string iso8601_from_ms(std::int64_t ms) {
  std::time_t secs = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                static_cast<int>(ms % 1000));
  return buf;
}

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string unique_id(std::string_view prefix) {
  static std::atomic<int> counter{0};
  return std::string(prefix) + "-" + std::to_string(::getpid()) + "-" +
         std::to_string(counter.fetch_add(1));
}

std::string pointer_key(std::string_view key) {
  std::string out;
  for (char c : key) {
    if (c == '~')
      out += "~0";
    else if (c == '/')
      out += "~1";
    else
      out += c;
  }
  return out;
}

double metric_sum(const std::string& text, const std::string& name) {
  double sum = 0;
  std::istringstream in{text};
  for (std::string line; std::getline(in, line);) {
    if (line.rfind(name, 0) != 0 || line.size() <= name.size()
        || (line[name.size()] != ' ' && line[name.size()] != '{'))
      continue;
    sum += std::stod(line.substr(line.rfind(' ') + 1));
  }
  return sum;
}

} // namespace cohort::it
