// cohort-load: HTTP load generator for cohortd (issue 6). Many keep-alive connections
// send Segment /v1/batch bodies, open-loop paced per connection, and the tool reports
// acknowledged events/s and ack latency percentiles. Optionally a WebSocket probe
// subscribes to a few users, sends them events that flip their segment and measures
// event -> segment_change push latency (same machine clock).
//
// Ack latency is measured from the moment a batch was *due* (its open-loop slot), not from
// when it was written: a slow server then shows as latency instead of silently lowering
// the offered load (coordinated omission).
//
// The last line of output is machine-readable (`RESULT key=value ...`) for bench/run.sh.

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <ctime>
#include <fstream>
#include <functional>
#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>

#include "cli_values.hpp"
#include "event_generator.hpp"
#include "latency_sample.hpp"

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;
using clock_type = std::chrono::steady_clock;
using time_point = clock_type::time_point;
using cohort_bench::event_generator;
using cohort_bench::event_kind;
using cohort_bench::latency_sample;
using cohort_bench::latency_timeline;
using cohort_bench::parse_mix;
using cohort_bench::parse_number;

constexpr int exit_failure = 1;
constexpr int exit_usage = 2;

struct options {
  std::string host = "127.0.0.1";
  std::string port = "8080";
  std::size_t connections = 32;
  std::size_t batch = 100;
  std::uint64_t users = 100000;
  double rate = 0;  // offered events/s over all connections; 0 = as fast as acks allow
  double duration_s = 30;
  double warmup_s = 5;
  std::string write_key = "bench-key";
  std::array<unsigned, 3> mix = {50, 40, 10};  // page, product view, cart add (weights)
  std::string replay_path;
  double speedup = 0;  // replay: event-time seconds per wall second; 0 = as fast as possible
  std::size_t push_users = 0;
  double push_rate = 200;  // probe events/s
  bool verify = false;
  bool per_user = false;  // each request carries one user's events (browser-shaped)
  bool timeline = false;  // print each second's worst latencies after the summary
  std::string user_prefix = "u";
};

const char* usage_text =
  "usage: cohort-load [--url http://HOST:PORT] [--connections N] [--batch B] [--users U]\n"
  "                   [--rate EVENTS_PER_S] [--duration S] [--warmup S] [--write-key K]\n"
  "                   [--mix PAGE,PRODUCT,CART] [--replay PATH[,PATH]] [--speedup X]\n"
  "                   [--push-users N] [--push-rate EVENTS_PER_S] [--verify] [--per-user]\n"
  "                   [--timeline]\n"
  "  --rate 0 (default) sends as fast as acks come back; otherwise open-loop pacing.\n"
  "  --mix    relative weights of page views, product views and cart adds (50,40,10).\n"
  "  --replay YOOCHOOSE click files (SessionId TAB ItemId TAB Time), replayed in time\n"
  "           order as product views of user yc-<SessionId>; --speedup X plays X event\n"
  "           seconds per second (0 = as fast as possible). Ends when the files are sent.\n"
  "  --push-users N  also subscribe to N users over /v1/stream and send them events that\n"
  "           flip their segment (needs bench/cohort-bench.yaml's rules), at --push-rate.\n"
  "  --per-user  browser-shaped: each request carries --batch events of one user (what a\n"
  "           page's SDK sends), not events of --batch random users.\n"
  "  --timeline after the summary, each second of the window: its UTC time, requests\n"
  "           acknowledged, the worst ack and push latency (where a tail comes from).\n"
  "  --verify after the run, poll each user's profile until its `events` equals the\n"
  "           events acknowledged for it (small --users only); exit 1 on a mismatch.\n";

// ---------------------------------------------------------------------------------------
// Small helpers

std::string base64(const std::string& in) {
  static const char* table = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  std::size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    unsigned v = (unsigned char)in[i] << 16 | (unsigned char)in[i + 1] << 8 | (unsigned char)in[i + 2];
    out += table[v >> 18 & 63];
    out += table[v >> 12 & 63];
    out += table[v >> 6 & 63];
    out += table[v & 63];
  }
  if (i + 1 == in.size()) {
    unsigned v = (unsigned char)in[i] << 16;
    out += table[v >> 18 & 63];
    out += table[v >> 12 & 63];
    out += "==";
  } else if (i + 2 == in.size()) {
    unsigned v = (unsigned char)in[i] << 16 | (unsigned char)in[i + 1] << 8;
    out += table[v >> 18 & 63];
    out += table[v >> 12 & 63];
    out += table[v >> 6 & 63];
    out += '=';
  }
  return out;
}

std::int64_t wall_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

std::string iso8601(std::int64_t ms) {
  std::time_t secs = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, int(ms % 1000));
  return buf;
}

double seconds_between(time_point a, time_point b) {
  return std::chrono::duration<double>(b - a).count();
}

// ---------------------------------------------------------------------------------------
// What gets sent

struct replay_row {
  std::string user;
  std::string item;
  std::int64_t time_ms = 0;
  std::size_t index = 0;
};

/// A batch ready to send: its body, when it was due, and who it was for (--verify).
struct outgoing {
  std::string body;
  std::size_t events = 0;
  time_point due;
  std::vector<std::uint32_t> users;  // indices into the users' table, filled with --verify
};

/// Shared run state: one io_context thread touches it, so no locks.
struct run_state {
  options opt;
  std::string auth;
  std::string run_id;
  time_point start;
  time_point measure_from;
  time_point measure_to;
  std::int64_t measure_from_wall_ms = 0;  // measure_from on the wall clock (--timeline)
  bool stopping = false;
  std::uint64_t acked_total = 0;    // whole run, warm-up included (--verify)
  std::uint64_t acked_window = 0;   // acknowledged inside the measurement window
  std::uint64_t requests_window = 0;
  std::map<int, std::uint64_t> statuses;  // non-200 answers by status
  std::uint64_t net_errors = 0;
  latency_sample ack;
  latency_sample push;
  latency_timeline ack_seconds;   // --timeline, from measure_from
  latency_timeline push_seconds;
  std::uint64_t push_sent = 0;
  std::uint64_t push_received = 0;
  std::vector<std::uint64_t> acked_per_user;  // --verify
  std::vector<std::string> user_names;        // --verify and replay
  std::size_t live_connections = 0;

  bool in_window(time_point t) const { return t >= measure_from && t <= measure_to; }
};

/// Builds Segment messages; one per connection so message ids never collide.
class batch_writer {
 public:
  batch_writer(run_state& st, std::size_t conn)
      : st_(st), conn_(conn), events_(st.opt.users, st.opt.mix, conn * 7919 + 1) {}

  /// A synthetic batch of `opt.batch` events of uniformly random users, or (per_user) of
  /// one random user.
  outgoing synthetic(time_point due) {
    outgoing out;
    out.due = due;
    const std::string ts = iso8601(wall_ms());
    begin(out.body);
    std::optional<std::uint64_t> user;
    for (std::size_t i = 0; i < st_.opt.batch; ++i) {
      auto e = events_.next();
      if (st_.opt.per_user) {
        user = user.value_or(e.user);
        e.user = *user;
        e.item = e.user % 997;
      }
      if (st_.opt.verify)
        out.users.push_back(static_cast<std::uint32_t>(e.user));
      if (i > 0)
        out.body += ',';
      append_event(out.body, e.kind, st_.opt.user_prefix + std::to_string(e.user), next_id(), ts, e.item);
    }
    end(out.body, ts);
    out.events = st_.opt.batch;
    return out;
  }

  /// A batch of replayed product views.
  outgoing replay(const std::vector<replay_row>& rows, time_point due) {
    outgoing out;
    out.due = due;
    const std::string sent = iso8601(wall_ms());
    begin(out.body);
    for (std::size_t i = 0; i < rows.size(); ++i) {
      if (i > 0)
        out.body += ',';
      out.body += R"({"type":"track","event":"Product Viewed","userId":")" + rows[i].user +
                  R"(","messageId":"yc-)" + st_.run_id + "-" + std::to_string(rows[i].index) +
                  R"(","timestamp":")" + iso8601(rows[i].time_ms) +
                  R"(","properties":{"product_id":")" + rows[i].item + "\"}}";
    }
    end(out.body, sent);
    out.events = rows.size();
    return out;
  }

  /// One event for a push-probe user: views and cart adds alternate per user, so under
  /// bench/cohort-bench.yaml every event after the first flips the user's segment.
  outgoing probe(const std::string& user, bool cart, const std::string& message_id) {
    outgoing out;
    const std::string ts = iso8601(wall_ms());
    begin(out.body);
    append_event(out.body, cart ? event_kind::cart_add : event_kind::product_view, user, message_id, ts, 1);
    end(out.body, ts);
    out.events = 1;
    return out;
  }

 private:
  static void begin(std::string& body) {
    body.reserve(256 * 128);
    body += R"({"batch":[)";
  }
  static void end(std::string& body, const std::string& sent_at) {
    body += R"(],"sentAt":")" + sent_at + "\"}";
  }

  std::string next_id() {
    return st_.run_id + "-" + std::to_string(conn_) + "-" + std::to_string(seq_++);
  }

  static void append_event(std::string& body, event_kind kind, const std::string& user,
                           const std::string& id, const std::string& ts, std::uint64_t item) {
    const std::string common = R"("userId":")" + user + R"(","messageId":")" + id +
                               R"(","timestamp":")" + ts + "\"";
    const std::string product = std::to_string(item);
    switch (kind) {
      case event_kind::page:
        body += R"({"type":"page","name":"Catalog",)" + common +
                R"(,"properties":{"path":"/c/)" + product + R"(","duration":12}})";
        break;
      case event_kind::product_view:
        body += R"({"type":"track","event":"Product Viewed",)" + common +
                R"(,"properties":{"product_id":"p)" + product + R"(","price":19.9}})";
        break;
      case event_kind::cart_add:
        body += R"({"type":"track","event":"Product Added",)" + common +
                R"(,"properties":{"product_id":"p)" + product + R"(","quantity":1}})";
    }
  }

  run_state& st_;
  std::size_t conn_;
  event_generator events_;
  std::uint64_t seq_ = 0;
};

// ---------------------------------------------------------------------------------------
// HTTP connection: one request in flight, keep-alive, open-loop paced.

class http_connection : public std::enable_shared_from_this<http_connection> {
 public:
  using source_fn = std::function<std::optional<outgoing>(batch_writer&, time_point now)>;
  using acked_fn = std::function<void(const outgoing&, time_point now)>;

  http_connection(asio::io_context& io, run_state& st, tcp::endpoint ep, std::size_t index,
                  source_fn source, acked_fn on_ack, bool holds_run = true)
      : st_(st), ep_(ep), stream_(io), timer_(io), writer_(st, index),
        source_(std::move(source)), on_ack_(std::move(on_ack)), holds_run_(holds_run) {}

  void start() {
    if (holds_run_)
      ++st_.live_connections;
    connect();
  }

 private:
  void connect() {
    stream_.async_connect(ep_, [self = shared_from_this()](beast::error_code ec) {
      if (ec)
        return self->retry_later(ec);
      self->stream_.socket().set_option(tcp::no_delay(true));
      self->next();
    });
  }

  /// A broken connection is counted and reopened; the batch in hand is sent again (same
  /// message ids, so the server's dedup keeps it exactly-once).
  void retry_later(beast::error_code ec) {
    ++st_.net_errors;
    if (st_.net_errors <= 3)
      std::cerr << "cohort-load: connection error: " << ec.message() << "\n";
    beast::error_code ignored;
    stream_.socket().close(ignored);
    wait_then(std::chrono::milliseconds(100), [this] { connect(); });
  }

  void wait_then(clock_type::duration d, std::function<void()> f) {
    timer_.expires_after(d);
    timer_.async_wait([self = shared_from_this(), f = std::move(f)](beast::error_code ec) {
      if (!ec)
        f();
    });
  }

  void next() {
    if (current_) {
      send();
      return;
    }
    const auto now = clock_type::now();
    if (st_.stopping || now >= st_.measure_to)
      return finish();
    current_ = source_(writer_, now);
    if (!current_)
      return finish();
    if (current_->due > now)
      return wait_then(current_->due - now, [this] { send(); });
    send();
  }

  void finish() {
    if (holds_run_)
      --st_.live_connections;
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
  }

  void send() {
    req_ = {http::verb::post, "/v1/batch", 11};
    req_.set(http::field::host, st_.opt.host);
    req_.set(http::field::content_type, "application/json");
    req_.set(http::field::authorization, st_.auth);
    req_.keep_alive(true);
    req_.body() = current_->body;
    req_.prepare_payload();
    http::async_write(stream_, req_, [self = shared_from_this()](beast::error_code ec, std::size_t) {
      if (ec)
        return self->retry_later(ec);
      self->read();
    });
  }

  void read() {
    res_ = {};
    http::async_read(stream_, buffer_, res_, [self = shared_from_this()](beast::error_code ec, std::size_t) {
      if (ec)
        return self->retry_later(ec);
      self->on_response();
    });
  }

  void on_response() {
    const auto now = clock_type::now();
    const int status = static_cast<int>(res_.result_int());
    if (status != 200 && st_.in_window(now))
      ++st_.statuses[status];
    if (status == 503) {
      // Backpressure: the server wrote nothing; the same batch goes again after Retry-After.
      return wait_then(retry_after(), [this] { next(); });
    }
    if (status == 200)
      on_ack_(*current_, now);
    else if (st_.statuses[status] == 1 && st_.in_window(now))
      std::cerr << "cohort-load: HTTP " << status << ": " << res_.body().substr(0, 300) << "\n";
    current_.reset();
    if (!res_.keep_alive()) {
      beast::error_code ignored;
      stream_.socket().close(ignored);
      return connect();
    }
    next();
  }

  clock_type::duration retry_after() const {
    auto it = res_.find(http::field::retry_after);
    int secs = 1;
    if (it != res_.end()) {
      try {
        secs = std::stoi(std::string(it->value()));
      } catch (const std::exception&) {
        secs = 1;  // unparsable header: SDKs fall back to their own backoff; so do we
      }
    }
    return std::chrono::seconds(std::clamp(secs, 0, 30));
  }

  run_state& st_;
  tcp::endpoint ep_;
  beast::tcp_stream stream_;
  asio::steady_timer timer_;
  batch_writer writer_;
  source_fn source_;
  acked_fn on_ack_;
  bool holds_run_;
  std::optional<outgoing> current_;
  http::request<http::string_body> req_;
  http::response<http::string_body> res_;
  beast::flat_buffer buffer_;
};

// ---------------------------------------------------------------------------------------
// Event sources

/// Open-loop slots for one connection: batch k is due at start + phase + k * interval.
/// With --rate 0 every batch is due immediately (closed loop, one request in flight).
class pacer {
 public:
  pacer(const options& opt, std::size_t conn, time_point start) : start_(start) {
    if (opt.rate > 0) {
      interval_s_ = static_cast<double>(opt.connections * opt.batch) / opt.rate;
      phase_s_ = interval_s_ * static_cast<double>(conn) / static_cast<double>(opt.connections);
    }
  }
  time_point next_due(time_point now) {
    if (interval_s_ == 0)
      return now;
    const double t = phase_s_ + interval_s_ * static_cast<double>(k_++);
    return start_ + std::chrono::duration_cast<clock_type::duration>(std::chrono::duration<double>(t));
  }

 private:
  time_point start_;
  double interval_s_ = 0;
  double phase_s_ = 0;
  std::uint64_t k_ = 0;
};

/// Reads YOOCHOOSE click files and sorts every row by time.
std::optional<std::vector<replay_row>> read_replay(const std::string& paths) {
  std::vector<replay_row> rows;
  std::stringstream list(paths);
  std::string path;
  while (std::getline(list, path, ',')) {
    std::ifstream in(path);
    if (!in) {
      std::cerr << "cohort-load: cannot read " << path << "\n";
      return std::nullopt;
    }
    std::string line;
    std::getline(in, line);  // header: SessionId ItemId Time
    while (std::getline(in, line)) {
      std::stringstream fields(line);
      std::string session, item, time;
      if (!std::getline(fields, session, '\t') || !std::getline(fields, item, '\t') ||
          !std::getline(fields, time, '\t'))
        continue;
      replay_row r;
      r.user = "yc-" + session;
      r.item = item;
      r.time_ms = static_cast<std::int64_t>(std::stod(time) * 1000.0 + 0.5);
      r.index = rows.size();
      rows.push_back(std::move(r));
    }
  }
  std::stable_sort(rows.begin(), rows.end(),
                   [](const replay_row& a, const replay_row& b) { return a.time_ms < b.time_ms; });
  return rows;
}

/// One connection's share of a replay: a user's rows always go to the same connection,
/// which has one request in flight, so each user's events arrive in time order.
struct replay_queue {
  std::vector<replay_row> rows;
  std::size_t next = 0;
};

// ---------------------------------------------------------------------------------------
// Push probe: a WebSocket subscriber plus a slow HTTP sender for the subscribed users.

class push_probe : public std::enable_shared_from_this<push_probe> {
 public:
  push_probe(asio::io_context& io, run_state& st, tcp::endpoint ep)
      : st_(st), ep_(ep), ws_(io) {}

  /// Connects, subscribes to every probe user, then calls `ready`.
  void start(std::function<void()> ready) {
    ready_ = std::move(ready);
    for (std::size_t i = 0; i < st_.opt.push_users; ++i)
      users_.push_back("push-" + st_.run_id + "-" + std::to_string(i));
    beast::get_lowest_layer(ws_).async_connect(ep_, [self = shared_from_this()](beast::error_code ec) {
      if (ec)
        return self->fail("connect", ec);
      self->ws_.async_handshake(self->st_.opt.host + ":" + self->st_.opt.port, "/v1/stream",
                                [self](beast::error_code ec) {
                                  if (ec)
                                    return self->fail("handshake", ec);
                                  self->subscribe(0);
                                });
    });
  }

  /// The time an event was sent, by message id; the push carries it as cause.messageId.
  std::unordered_map<std::string, time_point>& sent() { return sent_; }
  const std::vector<std::string>& users() const { return users_; }

 private:
  void fail(const char* what, beast::error_code ec) {
    std::cerr << "cohort-load: push probe " << what << ": " << ec.message() << "\n";
    ++st_.net_errors;
  }

  void subscribe(std::size_t i) {
    if (i == users_.size())
      return read_acks(0);
    out_ = R"({"op":"subscribe","userId":")" + users_[i] + "\"}";
    ws_.async_write(asio::buffer(out_), [self = shared_from_this(), i](beast::error_code ec, std::size_t) {
      if (ec)
        return self->fail("subscribe", ec);
      self->subscribe(i + 1);
    });
  }

  void read_acks(std::size_t got) {
    if (got == users_.size()) {
      ready_();
      return read_pushes();
    }
    ws_.async_read(in_, [self = shared_from_this(), got](beast::error_code ec, std::size_t) {
      if (ec)
        return self->fail("ack", ec);
      self->in_.consume(self->in_.size());
      self->read_acks(got + 1);
    });
  }

  void read_pushes() {
    ws_.async_read(in_, [self = shared_from_this()](beast::error_code ec, std::size_t) {
      if (ec) {
        if (!self->st_.stopping)
          self->fail("read", ec);
        return;
      }
      self->on_push(beast::buffers_to_string(self->in_.data()));
      self->in_.consume(self->in_.size());
      self->read_pushes();
    });
  }

  void on_push(const std::string& text) {
    const auto now = clock_type::now();
    if (text.find(R"("type":"segment_change")") == std::string::npos)
      return;
    static const std::string key = R"("messageId":")";
    auto at = text.find(key);
    if (at == std::string::npos)
      return;
    at += key.size();
    auto it = sent_.find(text.substr(at, text.find('"', at) - at));
    if (it == sent_.end())
      return;
    if (st_.in_window(it->second)) {
      st_.push.add(it->second, now);
      st_.push_seconds.add(it->second, now);
      ++st_.push_received;
    }
    sent_.erase(it);
  }

  run_state& st_;
  tcp::endpoint ep_;
  websocket::stream<beast::tcp_stream> ws_;
  beast::flat_buffer in_;
  std::string out_;
  std::vector<std::string> users_;
  std::unordered_map<std::string, time_point> sent_;
  std::function<void()> ready_;
};

// ---------------------------------------------------------------------------------------
// Options

bool parse_url(const std::string& url, options& o) {
  const std::string prefix = "http://";
  if (url.rfind(prefix, 0) != 0)
    return false;
  std::string rest = url.substr(prefix.size());
  if (auto slash = rest.find('/'); slash != std::string::npos)
    rest.resize(slash);
  auto colon = rest.rfind(':');
  if (colon == std::string::npos)
    return false;
  o.host = rest.substr(0, colon);
  o.port = rest.substr(colon + 1);
  return !o.host.empty() && !o.port.empty();
}

std::optional<options> parse_options(int argc, char** argv) {
  options o;
  for (int i = 1; i < argc; ++i) {
    const std::string flag = argv[i];
    if (flag == "--help" || flag == "-h") {
      std::cout << usage_text;
      std::exit(0);
    }
    if (flag == "--verify") {
      o.verify = true;
      continue;
    }
    if (flag == "--per-user") {
      o.per_user = true;
      continue;
    }
    if (flag == "--timeline") {
      o.timeline = true;
      continue;
    }
    if (i + 1 >= argc) {
      std::cerr << "cohort-load: " << flag << " needs a value\n";
      return std::nullopt;
    }
    const std::string value = argv[++i];
    auto num = parse_number(value);
    bool ok = true;
    if (flag == "--url") ok = parse_url(value, o);
    else if (flag == "--write-key") o.write_key = value;
    else if (flag == "--replay") o.replay_path = value;
    else if (flag == "--user-prefix") o.user_prefix = value;
    else if (flag == "--mix") ok = parse_mix(value, o.mix);
    else if (!num) ok = false;
    else if (flag == "--connections") o.connections = static_cast<std::size_t>(*num);
    else if (flag == "--batch") o.batch = static_cast<std::size_t>(*num);
    else if (flag == "--users") o.users = static_cast<std::uint64_t>(*num);
    else if (flag == "--rate") o.rate = *num;
    else if (flag == "--duration") o.duration_s = *num;
    else if (flag == "--warmup") o.warmup_s = *num;
    else if (flag == "--speedup") o.speedup = *num;
    else if (flag == "--push-users") o.push_users = static_cast<std::size_t>(*num);
    else if (flag == "--push-rate") o.push_rate = *num;
    else {
      std::cerr << "cohort-load: unknown flag " << flag << "\n";
      return std::nullopt;
    }
    if (!ok) {
      std::cerr << "cohort-load: bad value for " << flag << ": " << value << "\n";
      return std::nullopt;
    }
  }
  if (o.connections == 0 || o.batch == 0 || o.users == 0) {
    std::cerr << "cohort-load: --connections, --batch and --users must be positive\n";
    return std::nullopt;
  }
  if (o.verify && !o.replay_path.empty()) {
    std::cerr << "cohort-load: --verify checks synthetic users only, not a replay\n";
    return std::nullopt;
  }
  if (o.verify && o.users > 100000) {
    std::cerr << "cohort-load: --verify reads every user's profile: use at most 100000 users\n";
    return std::nullopt;
  }
  return o;
}

// ---------------------------------------------------------------------------------------
// Verification: a blocking client is fine after the load has ended.

/// GET path → (status, body); status 0 on a network error.
std::pair<int, std::string> http_get(const tcp::endpoint& ep, const std::string& host,
                                     const std::string& path) {
  asio::io_context io;
  beast::tcp_stream stream(io);
  beast::error_code ec;
  stream.connect(ep, ec);
  if (ec)
    return {0, ec.message()};
  http::request<http::empty_body> req{http::verb::get, path, 11};
  req.set(http::field::host, host);
  http::write(stream, req, ec);
  beast::flat_buffer buf;
  http::response<http::string_body> res;
  if (!ec)
    http::read(stream, buf, res, ec);
  if (ec)
    return {0, ec.message()};
  return {static_cast<int>(res.result_int()), res.body()};
}

/// `"events":N` at the top level of a profile: the last occurrence, because the session
/// object (which comes first) has its own `events`.
std::optional<std::uint64_t> profile_events(const std::string& body) {
  static const std::string key = R"("events":)";
  std::size_t at = std::string::npos, from = 0;
  while ((from = body.find(key, from)) != std::string::npos) {
    at = from;
    from += key.size();
  }
  if (at == std::string::npos)
    return std::nullopt;
  return std::strtoull(body.c_str() + at + key.size(), nullptr, 10);
}

/// Polls every user with acknowledged events until its profile shows them all applied.
bool verify_applied(const run_state& st, const tcp::endpoint& ep) {
  const auto deadline = clock_type::now() + std::chrono::seconds(60);
  std::uint64_t checked = 0, expected_total = 0;
  for (std::size_t u = 0; u < st.acked_per_user.size(); ++u) {
    const std::uint64_t want = st.acked_per_user[u];
    if (want == 0)
      continue;
    expected_total += want;
    const std::string user = st.opt.user_prefix + std::to_string(u);
    std::optional<std::uint64_t> got;
    std::string body;
    while (true) {
      auto [status, b] = http_get(ep, st.opt.host, "/v1/profiles/" + user);
      body = b;
      got = status == 200 ? profile_events(body) : std::nullopt;
      if ((got && *got >= want) || clock_type::now() > deadline)
        break;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    if (!got || *got != want) {
      std::cerr << "cohort-load: verify: user " << user << " has "
                << (got ? std::to_string(*got) : "no profile") << " events applied, "
                << want << " were acknowledged\n  " << body.substr(0, 300) << "\n";
      return false;
    }
    ++checked;
  }
  std::cout << "verify: " << checked << " users, " << expected_total
            << " acknowledged events, all applied\n";
  return expected_total == st.acked_total;
}

// ---------------------------------------------------------------------------------------
// The run

std::string make_run_id() {
  std::random_device rd;
  std::ostringstream s;
  s << std::hex << (static_cast<std::uint64_t>(rd()) << 32 | rd());
  return s.str();
}

/// Synthetic sources: one open-loop pacer per connection.
std::vector<http_connection::source_fn> make_synthetic_sources(run_state& st) {
  std::vector<http_connection::source_fn> out;
  for (std::size_t c = 0; c < st.opt.connections; ++c) {
    auto p = std::make_shared<pacer>(st.opt, c, st.start);
    out.push_back([p](batch_writer& w, time_point now) -> std::optional<outgoing> {
      return w.synthetic(p->next_due(now));
    });
  }
  return out;
}

/// Replay sources: rows partitioned by user; a batch is the next up-to-B rows of the
/// connection, due when its first row's (scaled) event time comes.
std::vector<http_connection::source_fn> make_replay_sources(run_state& st,
                                                            std::vector<replay_row> rows) {
  auto queues = std::make_shared<std::vector<replay_queue>>(st.opt.connections);
  const std::int64_t first_ms = rows.empty() ? 0 : rows.front().time_ms;
  std::hash<std::string> h;
  for (auto& r : rows)
    (*queues)[h(r.user) % st.opt.connections].rows.push_back(std::move(r));
  std::vector<http_connection::source_fn> out;
  for (std::size_t c = 0; c < st.opt.connections; ++c) {
    out.push_back([&st, queues, c, first_ms](batch_writer& w, time_point now) -> std::optional<outgoing> {
      auto& q = (*queues)[c];
      if (q.next >= q.rows.size())
        return std::nullopt;
      auto due_of = [&](const replay_row& r) {
        if (st.opt.speedup <= 0)
          return now;
        const double wall_s = static_cast<double>(r.time_ms - first_ms) / 1000.0 / st.opt.speedup;
        return st.start + std::chrono::duration_cast<clock_type::duration>(std::chrono::duration<double>(wall_s));
      };
      const time_point due = due_of(q.rows[q.next]);
      // Rows due by the time the first can go join it, up to the batch size.
      const time_point cut = std::max(due, now);
      std::vector<replay_row> take;
      while (q.next < q.rows.size() && take.size() < st.opt.batch && due_of(q.rows[q.next]) <= cut)
        take.push_back(q.rows[q.next++]);
      return w.replay(take, due);
    });
  }
  return out;
}

/// One line per second of the window: "TIMELINE <UTC> requests=N ack_max_ms=X push_max_ms=Y".
void print_timeline(const run_state& st) {
  const auto& acks = st.ack_seconds.seconds();
  const auto& pushes = st.push_seconds.seconds();
  for (std::size_t i = 0; i < std::max(acks.size(), pushes.size()); ++i) {
    const latency_timeline::second none;
    const auto& a = i < acks.size() ? acks[i] : none;
    const auto& p = i < pushes.size() ? pushes[i] : none;
    std::printf("TIMELINE %s requests=%llu ack_max_ms=%.2f push_max_ms=%.2f\n",
                iso8601(st.measure_from_wall_ms + static_cast<std::int64_t>(i) * 1000).c_str(),
                static_cast<unsigned long long>(a.samples), static_cast<double>(a.max_us) / 1000.0,
                static_cast<double>(p.max_us) / 1000.0);
  }
}

void print_results(run_state& st, double window_s) {
  const double achieved = window_s > 0 ? static_cast<double>(st.acked_window) / window_s : 0;
  std::ostringstream statuses;
  for (auto& [code, n] : st.statuses)
    statuses << (statuses.tellp() > 0 ? "," : "") << code << ":" << n;
  std::printf("offered %s events/s, achieved %.0f events/s acknowledged over %.1f s (%llu requests)\n",
              st.opt.rate > 0 ? std::to_string(static_cast<long long>(st.opt.rate)).c_str() : "max",
              achieved, window_s, static_cast<unsigned long long>(st.requests_window));
  std::printf("ack latency ms: p50 %.2f  p99 %.2f  p999 %.2f  max %.2f\n", st.ack.quantile_ms(0.5),
              st.ack.quantile_ms(0.99), st.ack.quantile_ms(0.999), st.ack.quantile_ms(1.0));
  if (st.opt.push_users > 0)
    std::printf("push latency ms: p50 %.2f  p99 %.2f  (%llu of %llu probe events pushed)\n",
                st.push.quantile_ms(0.5), st.push.quantile_ms(0.99),
                static_cast<unsigned long long>(st.push_received),
                static_cast<unsigned long long>(st.push_sent));
  std::printf("non-200: %s  network errors: %llu\n", statuses.str().empty() ? "none" : statuses.str().c_str(),
              static_cast<unsigned long long>(st.net_errors));
  std::printf("RESULT offered=%.0f achieved=%.0f acked=%llu window_s=%.2f ack_p50_ms=%.3f ack_p99_ms=%.3f "
              "ack_p999_ms=%.3f push_p50_ms=%.3f push_p99_ms=%.3f push_n=%llu non200=%s errors=%llu\n",
              st.opt.rate, achieved, static_cast<unsigned long long>(st.acked_window), window_s,
              st.ack.quantile_ms(0.5), st.ack.quantile_ms(0.99), st.ack.quantile_ms(0.999),
              st.push.quantile_ms(0.5), st.push.quantile_ms(0.99),
              static_cast<unsigned long long>(st.push_received),
              statuses.str().empty() ? "none" : statuses.str().c_str(),
              static_cast<unsigned long long>(st.net_errors));
}

/// Sends probe events round-robin over the subscribed users at --push-rate, one request
/// in flight on its own connection; the send time is taken right before the write.
void start_probe_sender(asio::io_context& io, run_state& st, const tcp::endpoint& ep,
                        std::shared_ptr<push_probe> probe) {
  options probe_opt;
  probe_opt.connections = 1;
  probe_opt.batch = 1;
  probe_opt.rate = st.opt.push_rate;
  auto pace = std::make_shared<pacer>(probe_opt, 0, clock_type::now());
  auto counter = std::make_shared<std::uint64_t>(0);
  auto source = [&st, probe, pace, counter](batch_writer& w, time_point now) -> std::optional<outgoing> {
    const auto& users = probe->users();
    const std::uint64_t n = (*counter)++;
    const std::string id = "push-" + st.run_id + "-" + std::to_string(n);
    auto out = w.probe(users[n % users.size()], (n / users.size()) % 2 == 1, id);
    out.due = pace->next_due(now);
    // Approximates the write time; the connection writes as soon as the slot is due.
    probe->sent()[id] = std::max(out.due, now);
    if (st.in_window(std::max(out.due, now)))
      ++st.push_sent;
    return out;
  };
  // Not a load connection: it must not hold the run open.
  auto conn = std::make_shared<http_connection>(io, st, ep, st.opt.connections + 1, source,
                                                [](const outgoing&, time_point) {}, false);
  conn->start();
}

int run(run_state& st) {
  asio::io_context io;
  tcp::resolver resolver(io);
  beast::error_code ec;
  auto results = resolver.resolve(st.opt.host, st.opt.port, ec);
  if (ec || results.empty()) {
    std::cerr << "cohort-load: cannot resolve " << st.opt.host << ":" << st.opt.port << "\n";
    return exit_failure;
  }
  const tcp::endpoint ep = *results.begin();

  std::optional<std::vector<replay_row>> rows;
  if (!st.opt.replay_path.empty()) {
    rows = read_replay(st.opt.replay_path);
    if (!rows)
      return exit_failure;
    std::cout << "replay: " << rows->size() << " rows\n";
  }
  if (st.opt.verify)
    st.acked_per_user.assign(st.opt.users, 0);

  auto on_ack = [&st](const outgoing& b, time_point now) {
    st.acked_total += b.events;
    for (auto u : b.users)
      ++st.acked_per_user[u];
    if (!st.in_window(now))
      return;
    st.acked_window += b.events;
    ++st.requests_window;
    st.ack.add(b.due, now);
    st.ack_seconds.add(b.due, now);
  };

  auto launch = [&] {
    st.start = clock_type::now();
    auto span = [](double s) {
      return std::chrono::duration_cast<clock_type::duration>(std::chrono::duration<double>(s));
    };
    st.measure_from = st.start + span(st.opt.warmup_s);
    st.measure_to = st.measure_from + span(st.opt.duration_s);
    st.measure_from_wall_ms = wall_ms() + static_cast<std::int64_t>(st.opt.warmup_s * 1000);
    st.ack_seconds = latency_timeline{st.measure_from};
    st.push_seconds = latency_timeline{st.measure_from};
    auto sources = rows ? make_replay_sources(st, std::move(*rows)) : make_synthetic_sources(st);
    for (std::size_t c = 0; c < st.opt.connections; ++c)
      std::make_shared<http_connection>(io, st, ep, c, sources[c], on_ack)->start();
  };

  std::shared_ptr<push_probe> probe;
  if (st.opt.push_users > 0) {
    probe = std::make_shared<push_probe>(io, st, ep);
    probe->start([&] {
      launch();
      start_probe_sender(io, st, ep, probe);
    });
  } else {
    launch();
  }

  // Runs until every load connection is done (the window ended and its last answer came
  // back, or the replay ran out), with a hard stop 30 s after the window.
  asio::steady_timer watchdog(io);
  std::function<void(beast::error_code)> tick = [&](beast::error_code) {
    const auto now = clock_type::now();
    const bool started = st.start != time_point{};
    if (started && (st.live_connections == 0 || now > st.measure_to + std::chrono::seconds(30))) {
      st.stopping = true;
      io.stop();
      return;
    }
    watchdog.expires_after(std::chrono::milliseconds(20));
    watchdog.async_wait(tick);
  };
  tick({});
  io.run();

  // A replay that ran out early is measured over the time it actually took.
  const auto last = std::min(clock_type::now(), st.measure_to);
  const double window_s = std::max(0.0, seconds_between(st.measure_from, last));
  print_results(st, window_s);
  if (st.opt.timeline)
    print_timeline(st);
  if (st.opt.verify && !verify_applied(st, ep))
    return exit_failure;
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  auto opt = parse_options(argc, argv);
  if (!opt) {
    std::cerr << usage_text;
    return exit_usage;
  }
  run_state st;
  st.opt = *opt;
  st.auth = "Basic " + base64(st.opt.write_key + ":");
  st.run_id = make_run_id();
  return run(st);
}
