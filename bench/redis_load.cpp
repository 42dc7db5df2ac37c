// cohort-baseline-redis: baseline 2 of issue 6. Debian's redis-server runs
// bench/baseline/cohort_update.lua once per event (counters, a 5-minute windowed count, a
// threshold segment, expiry); this client feeds it cohort-load's synthetic event stream
// (same users, event mix, one seed per connection) as EVALSHA calls over many
// connections, each sending a pipeline of --batch calls and waiting for all replies
// before the next (closed loop, like cohort-load at --rate 0 with one request in flight).
//
// Reports events/s over --duration after --warmup, and the latency of a whole pipeline
// (first byte written -> last reply read), the counterpart of cohort-load's batch ack.
// Script errors and connection failures are counted and end the run with exit 1: a
// baseline that silently did less work would flatter Cohort.
//
// Last line: `RESULT achieved=R acked=N window_s=S ack_p50_ms=.. ack_p99_ms=.. ack_p999_ms=..
// segment_changes=N errors=N` for bench/run.sh.

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <functional>
#include <iostream>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include <boost/asio.hpp>

#include "cli_values.hpp"
#include "event_generator.hpp"
#include "latency_sample.hpp"
#include "resp_reader.hpp"

namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using clock_type = std::chrono::steady_clock;
using time_point = clock_type::time_point;
using cohort_bench::event_generator;
using cohort_bench::event_kind;
using cohort_bench::resp_kind;

constexpr int exit_failure = 1;
constexpr int exit_usage = 2;

struct options {
  std::string host = "127.0.0.1";
  std::string port = "6379";
  std::size_t connections = 32;
  std::size_t batch = 100;  // pipeline depth
  std::uint64_t users = 100000;
  double duration_s = 30;
  double warmup_s = 5;
  std::array<unsigned, 3> mix = {50, 40, 10};
  std::string script_path;
  unsigned threshold = 3;
  unsigned ttl_s = 1800;
  std::string user_prefix = "u";
};

const char* usage_text =
  "usage: cohort-baseline-redis --script PATH [--port P] [--host H] [--connections N]\n"
  "                             [--batch B] [--users U] [--mix PAGE,PRODUCT,CART]\n"
  "                             [--duration S] [--warmup S] [--threshold N] [--ttl S]\n"
  "  --script  bench/baseline/cohort_update.lua (loaded with SCRIPT LOAD, run by EVALSHA)\n"
  "  --batch   EVALSHA calls pipelined per connection (cohort-load's batch size)\n"
  "  --threshold, --ttl  the script's High Intent cart adds and idle expiry (3, 1800)\n";

/// Whole run's figures; one io_context thread touches them, so no locks.
struct run_state {
  options opt;
  std::string sha;
  time_point measure_from;
  time_point measure_to;
  std::uint64_t acked_window = 0;
  std::uint64_t segment_changes = 0;
  std::uint64_t errors = 0;
  std::size_t live_connections = 0;
  cohort_bench::latency_sample ack;

  bool in_window(time_point t) const { return t >= measure_from && t <= measure_to; }
};

void append_bulk(std::string& out, std::string_view s) {
  out += '$';
  out += std::to_string(s.size());
  out += "\r\n";
  out += s;
  out += "\r\n";
}

std::string_view kind_name(event_kind k) {
  switch (k) {
    case event_kind::page: return "page";
    case event_kind::product_view: return "product_view";
    case event_kind::cart_add: return "cart_add";
  }
  return "page";
}

std::int64_t wall_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

/// One Redis connection sending pipelines of EVALSHA calls until the window ends. A
/// failure (connect, write, read, malformed reply) is counted and ends this connection;
/// the run then reports errors and exits 1.
class redis_connection : public std::enable_shared_from_this<redis_connection> {
 public:
  redis_connection(asio::io_context& io, run_state& st, tcp::endpoint ep, std::size_t index)
      : st_(st), ep_(ep), socket_(io), events_(st.opt.users, st.opt.mix, index * 7919 + 1) {}

  void start() {
    ++st_.live_connections;
    socket_.async_connect(ep_, [self = shared_from_this()](boost::system::error_code ec) {
      if (ec)
        return self->fail("connect", ec.message());
      self->socket_.set_option(tcp::no_delay(true));
      self->send();
    });
  }

 private:
  void send() {
    sent_at_ = clock_type::now();
    if (sent_at_ >= st_.measure_to)
      return finish();
    out_.clear();
    const std::string now = std::to_string(wall_ms());
    const std::string threshold = std::to_string(st_.opt.threshold);
    const std::string ttl = std::to_string(st_.opt.ttl_s);
    for (std::size_t i = 0; i < st_.opt.batch; ++i) {
      const auto e = events_.next();
      out_ += "*8\r\n";
      append_bulk(out_, "EVALSHA");
      append_bulk(out_, st_.sha);
      append_bulk(out_, "1");
      append_bulk(out_, "u:" + st_.opt.user_prefix + std::to_string(e.user));
      append_bulk(out_, kind_name(e.kind));
      append_bulk(out_, now);
      append_bulk(out_, threshold);
      append_bulk(out_, ttl);
    }
    pending_ = st_.opt.batch;
    asio::async_write(socket_, asio::buffer(out_), [self = shared_from_this()](boost::system::error_code ec, std::size_t) {
      if (ec)
        return self->fail("write", ec.message());
      self->read();
    });
  }

  void read() {
    const std::size_t old = in_.size();
    in_.resize(old + 64 * 1024);
    socket_.async_read_some(asio::buffer(&in_[old], 64 * 1024),
                            [self = shared_from_this(), old](boost::system::error_code ec, std::size_t n) {
                              self->in_.resize(old + n);
                              if (ec)
                                return self->fail("read", ec.message());
                              self->consume();
                            });
  }

  void consume() {
    std::size_t at = 0, end = 0;
    resp_kind kind = resp_kind::nil;
    while (pending_ > 0 && reader_.next(in_, at, end, kind)) {
      const std::size_t from = at;
      at = end;
      --pending_;
      if (kind == resp_kind::error) {
        if (++st_.errors <= 3)
          std::cerr << "cohort-baseline-redis: script error: " << in_.substr(from, std::min<std::size_t>(end - from, 300));
      } else if (kind == resp_kind::value) {
        ++st_.segment_changes;
      }
    }
    if (reader_.malformed())
      return fail("reply", "malformed RESP");
    in_.erase(0, at);
    if (pending_ > 0)
      return read();
    const auto now = clock_type::now();
    if (st_.in_window(now)) {
      st_.acked_window += st_.opt.batch;
      st_.ack.add(sent_at_, now);
    }
    send();
  }

  void fail(const char* what, const std::string& message) {
    ++st_.errors;
    std::cerr << "cohort-baseline-redis: " << what << ": " << message << "\n";
    finish();
  }

  void finish() {
    --st_.live_connections;
    boost::system::error_code ignored;
    socket_.close(ignored);
  }

  run_state& st_;
  tcp::endpoint ep_;
  tcp::socket socket_;
  event_generator events_;
  cohort_bench::resp_reader reader_;
  std::string out_;
  std::string in_;
  std::size_t pending_ = 0;
  time_point sent_at_;
};

/// SCRIPT LOAD on a blocking connection with a 5 s deadline; the script's SHA1 or an
/// error message.
std::pair<std::optional<std::string>, std::string> load_script(const tcp::endpoint& ep, const std::string& script) {
  asio::io_context io;
  tcp::socket socket(io);
  std::string in;
  std::optional<std::string> sha;
  std::string error = "no reply within 5 s";
  std::string out = "*3\r\n";
  append_bulk(out, "SCRIPT");
  append_bulk(out, "LOAD");
  append_bulk(out, script);
  socket.async_connect(ep, [&](boost::system::error_code ec) {
    if (ec) {
      error = "connect: " + ec.message();
      return;
    }
    asio::async_write(socket, asio::buffer(out), [&](boost::system::error_code ec, std::size_t) {
      if (ec) {
        error = "write: " + ec.message();
        return;
      }
      // "$40\r\n<sha>\r\n" or "-ERR ...\r\n"
      asio::async_read_until(socket, asio::dynamic_buffer(in), "\r\n", [&](boost::system::error_code ec, std::size_t) {
        if (ec) {
          error = "read: " + ec.message();
          return;
        }
        if (in.rfind("$40\r\n", 0) != 0) {
          error = "SCRIPT LOAD answered " + in.substr(0, in.find("\r\n"));
          return;
        }
        constexpr std::size_t whole = 5 + 40 + 2;
        const std::size_t missing = in.size() < whole ? whole - in.size() : 0;
        asio::async_read(socket, asio::dynamic_buffer(in), asio::transfer_exactly(missing),
                         [&](boost::system::error_code ec, std::size_t) {
                           if (ec) {
                             error = "read: " + ec.message();
                             return;
                           }
                           sha = in.substr(5, 40);
                         });
      });
    });
  });
  io.run_for(std::chrono::seconds(5));
  return {sha, error};
}

std::optional<options> parse_options(int argc, char** argv) {
  using cohort_bench::parse_number;
  options o;
  for (int i = 1; i < argc; ++i) {
    const std::string flag = argv[i];
    if (flag == "--help" || flag == "-h") {
      std::cout << usage_text;
      std::exit(0);
    }
    if (i + 1 >= argc) {
      std::cerr << "cohort-baseline-redis: " << flag << " needs a value\n";
      return std::nullopt;
    }
    const std::string value = argv[++i];
    auto num = parse_number(value);
    bool ok = true;
    if (flag == "--host") o.host = value;
    else if (flag == "--script") o.script_path = value;
    else if (flag == "--user-prefix") o.user_prefix = value;
    else if (flag == "--mix") ok = cohort_bench::parse_mix(value, o.mix);
    else if (!num) ok = false;
    else if (flag == "--port") o.port = value;
    else if (flag == "--connections") o.connections = static_cast<std::size_t>(*num);
    else if (flag == "--batch") o.batch = static_cast<std::size_t>(*num);
    else if (flag == "--users") o.users = static_cast<std::uint64_t>(*num);
    else if (flag == "--duration") o.duration_s = *num;
    else if (flag == "--warmup") o.warmup_s = *num;
    else if (flag == "--threshold") o.threshold = static_cast<unsigned>(*num);
    else if (flag == "--ttl") o.ttl_s = static_cast<unsigned>(*num);
    else {
      std::cerr << "cohort-baseline-redis: unknown flag " << flag << "\n";
      return std::nullopt;
    }
    if (!ok) {
      std::cerr << "cohort-baseline-redis: bad value for " << flag << ": " << value << "\n";
      return std::nullopt;
    }
  }
  if (o.connections == 0 || o.batch == 0 || o.users == 0 || o.script_path.empty()) {
    std::cerr << "cohort-baseline-redis: --script is required; --connections, --batch and --users must be positive\n";
    return std::nullopt;
  }
  return o;
}

int run(run_state& st) {
  std::ifstream file(st.opt.script_path);
  if (!file) {
    std::cerr << "cohort-baseline-redis: cannot read " << st.opt.script_path << "\n";
    return exit_failure;
  }
  std::stringstream script;
  script << file.rdbuf();

  asio::io_context io;
  boost::system::error_code ec;
  auto resolved = tcp::resolver(io).resolve(st.opt.host, st.opt.port, ec);
  if (ec || resolved.empty()) {
    std::cerr << "cohort-baseline-redis: cannot resolve " << st.opt.host << ":" << st.opt.port << "\n";
    return exit_failure;
  }
  const tcp::endpoint ep = *resolved.begin();
  auto [sha, error] = load_script(ep, script.str());
  if (!sha) {
    std::cerr << "cohort-baseline-redis: SCRIPT LOAD failed: " << error << "\n";
    return exit_failure;
  }
  st.sha = *sha;

  auto span = [](double s) {
    return std::chrono::duration_cast<clock_type::duration>(std::chrono::duration<double>(s));
  };
  const auto start = clock_type::now();
  st.measure_from = start + span(st.opt.warmup_s);
  st.measure_to = st.measure_from + span(st.opt.duration_s);
  for (std::size_t c = 0; c < st.opt.connections; ++c)
    std::make_shared<redis_connection>(io, st, ep, c)->start();

  // Every connection ends after its last pipeline once the window is over; a Redis that
  // stops answering is cut off 30 s after the window.
  asio::steady_timer watchdog(io);
  bool cut_off = false;
  std::function<void(boost::system::error_code)> tick = [&](boost::system::error_code) {
    if (st.live_connections == 0)
      return io.stop();
    if (clock_type::now() > st.measure_to + std::chrono::seconds(30)) {
      cut_off = true;
      return io.stop();
    }
    watchdog.expires_after(std::chrono::milliseconds(20));
    watchdog.async_wait(tick);
  };
  tick({});
  io.run();

  const double window_s = std::chrono::duration<double>(st.measure_to - st.measure_from).count();
  const double achieved = window_s > 0 ? static_cast<double>(st.acked_window) / window_s : 0;
  std::printf("redis lua: achieved %.0f events/s over %.1f s (%zu connections, pipeline %zu)\n", achieved,
              window_s, st.opt.connections, st.opt.batch);
  std::printf("pipeline latency ms: p50 %.2f  p99 %.2f  p999 %.2f  max %.2f\n", st.ack.quantile_ms(0.5),
              st.ack.quantile_ms(0.99), st.ack.quantile_ms(0.999), st.ack.quantile_ms(1.0));
  std::printf("RESULT achieved=%.0f acked=%llu window_s=%.2f ack_p50_ms=%.3f ack_p99_ms=%.3f ack_p999_ms=%.3f "
              "segment_changes=%llu errors=%llu\n",
              achieved, static_cast<unsigned long long>(st.acked_window), window_s, st.ack.quantile_ms(0.5),
              st.ack.quantile_ms(0.99), st.ack.quantile_ms(0.999),
              static_cast<unsigned long long>(st.segment_changes), static_cast<unsigned long long>(st.errors));
  if (cut_off)
    std::cerr << "cohort-baseline-redis: Redis still had unanswered pipelines 30 s after the window\n";
  return st.errors > 0 || cut_off ? exit_failure : 0;
}

}  // namespace

int main(int argc, char** argv) {
  run_state st;
  if (auto opt = parse_options(argc, argv)) {
    st.opt = *opt;
    return run(st);
  }
  std::cerr << usage_text;
  return exit_usage;
}
