// cohort-make-store: writes a realistic Cohort data directory directly, without a running
// node, so that recovery can be measured on a large store (issue 4: ready in < 5 s with
// 1M stored users). Each user's state is built by the real session_state under the model
// compiled from the config, so snapshots have the size and shape cohortd writes; the
// event-log tail goes through the real journal, so cohortd replays it at start.

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <optional>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include <rocksdb/db.h>

#include "actors/session_state.hpp"
#include "codecs/event.hpp"
#include "codecs/time.hpp"
#include "config/loader.hpp"
#include "actors/model_loader.hpp"
#include "storage/rocks_journal.hpp"
#include "storage/store.hpp"

namespace {

using namespace cohort;
using clock_type = std::chrono::steady_clock;

constexpr int exit_failure = 1;
constexpr int exit_usage = 2;
constexpr std::size_t users_per_write = 1000;   // one WriteBatch, a few MB
constexpr std::size_t events_per_append = 1000; // one log append, like a busy group commit
constexpr std::int64_t minute_ms = 60 * 1000;

struct options {
  std::string data_dir;
  std::uint64_t users = 0;
  std::uint64_t log_events = 0;
  std::string config_path = COHORT_DEFAULT_CONFIG;
  std::uint64_t seed = 42;
  std::uint64_t unflushed_mb = 0;
};

const char* usage_text =
  "usage: cohort-make-store --data DIR --users N [--log-events M] [--config PATH]\n"
  "                         [--seed S] [--unflushed-mb W]\n"
  "Writes a Cohort data directory with N stored users (states built from realistic\n"
  "events under the config's rules) and M events logged after the last checkpoint,\n"
  "which cohortd replays when it starts. DIR must not exist or be empty.\n"
  "  --config PATH      rules and limits (default: the shipped config/cohort.yaml)\n"
  "  --unflushed-mb W   leave about the last W MB of snapshot writes in the RocksDB WAL\n"
  "                     only, as a crash W MB after RocksDB last flushed every column\n"
  "                     family would (default 0: everything flushed, the WAL holds only\n"
  "                     the log tail). RocksDB itself flushes when the WAL reaches its\n"
  "                     max_total_wal_size (4 GiB with cohortd's options).\n";

std::optional<std::uint64_t> parse_count(const std::string& text) {
  if (text.empty() || text.find_first_not_of("0123456789") != std::string::npos)
    return std::nullopt;
  return std::stoull(text);
}

/// Parses the flags; nullopt (after printing why) on anything wrong.
std::optional<options> parse_options(int argc, char** argv) {
  options o;
  for (int i = 1; i < argc; ++i) {
    std::string flag = argv[i];
    if (flag == "--help" || flag == "-h") {
      std::cout << usage_text;
      std::exit(0);
    }
    if (i + 1 >= argc) {
      std::cerr << "cohort-make-store: " << flag << " needs a value\n" << usage_text;
      return std::nullopt;
    }
    std::string value = argv[++i];
    std::optional<std::uint64_t> number;
    if (flag == "--data")
      o.data_dir = value;
    else if (flag == "--config")
      o.config_path = value;
    else if (flag == "--users" && (number = parse_count(value)))
      o.users = *number;
    else if (flag == "--log-events" && (number = parse_count(value)))
      o.log_events = *number;
    else if (flag == "--seed" && (number = parse_count(value)))
      o.seed = *number;
    else if (flag == "--unflushed-mb" && (number = parse_count(value)))
      o.unflushed_mb = *number;
    else {
      std::cerr << "cohort-make-store: bad flag or value: " << flag << " " << value << '\n'
                << usage_text;
      return std::nullopt;
    }
  }
  if (o.data_dir.empty() || o.users == 0) {
    std::cerr << "cohort-make-store: --data and --users (> 0) are required\n" << usage_text;
    return std::nullopt;
  }
  return o;
}

double seconds_since(clock_type::time_point start) {
  return std::chrono::duration<double>(clock_type::now() - start).count();
}

// ---------------------------------------------------------------------------------------
// Realistic events: what the Segment decoder produces for analytics.js page calls and
// E-commerce spec track calls (flattened properties and context).

void put(codecs::attributes& attrs, std::string key, std::string text) {
  attrs.push_back({std::move(key), codecs::value::of_string(std::move(text))});
}

void put(codecs::attributes& attrs, std::string key, double number) {
  attrs.push_back({std::move(key), codecs::value::of_number(number)});
}

/// What stays the same across one user's events: ids, device, where they came from.
struct visitor {
  std::string user_id;
  std::string anonymous_id;
  const char* user_agent;
  const char* ip_prefix;
  std::string campaign;  // empty = direct or referrer
};

const char* const user_agents[] = {
  "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like "
  "Gecko) Version/17.4 Mobile/15E148 Safari/604.1",
  "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
  "Chrome/124.0.0.0 Mobile Safari/537.36",
  "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
  "Chrome/124.0.0.0 Safari/537.36",
  "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_4) AppleWebKit/605.1.15 (KHTML, like Gecko) "
  "Version/17.4 Safari/605.1.15",
  "Mozilla/5.0 (iPad; CPU OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
  "Version/17.4 Mobile/15E148 Safari/604.1",
};
const char* const categories[] = {"shoes", "jackets", "shirts", "bags", "watches", "sale"};
const char* const campaigns[] = {"google", "newsletter", "facebook", "instagram"};
const char* const referrers[] = {"https://www.google.com/", "https://t.co/x", ""};

class event_maker {
public:
  event_maker(std::uint64_t seed, std::uint64_t stream, std::size_t id_width)
    : seed_(seed), rng_(seed + stream), id_width_(id_width) {}

  std::string user_key(std::uint64_t index) const {
    auto digits = std::to_string(index);
    return "user-" + std::string(id_width_ > digits.size() ? id_width_ - digits.size() : 0, '0')
           + digits;
  }

  /// The same visitor for the same index (stored history and log tail agree on the
  /// user's anonymous id and device), whatever was generated before.
  visitor visitor_of(std::uint64_t index) const {
    std::mt19937_64 rng{seed_ ^ (index * 0x9e3779b97f4a7c15ULL)};
    visitor v;
    v.user_id = user_key(index);
    v.anonymous_id = hex(rng, 16);
    // Weights close to retail web traffic: mostly phones, some desktops, few tablets.
    std::discrete_distribution<int> agent{30, 25, 25, 15, 5};
    v.user_agent = user_agents[agent(rng)];
    v.ip_prefix = index % 2 ? "203.0.113." : "198.51.100.";
    if (rng() % 4 == 0)
      v.campaign = campaigns[rng() % 4];
    return v;
  }

  /// One event of `type` at `at_ms` for `who`, shaped as the Segment decoder shapes it.
  codecs::event make(const visitor& who, const std::string& type, std::int64_t at_ms) {
    codecs::event ev;
    ev.message_id = "ajs-next-" + std::to_string(at_ms) + "-" + hex(rng_, 32);
    ev.user_id = who.user_id;
    ev.anonymous_id = who.anonymous_id;
    ev.type = type;
    ev.timestamp_ms = at_ms;
    ev.received_ms = at_ms + uniform(40, 900);  // network and SDK flush delay
    auto product = "p-" + std::to_string(uniform(1000, 99999));
    const char* category = categories[uniform(0, 5)];
    std::string path = type == "page_view" ? page_path(category)
                       : type == "purchase" ? "/checkout/complete"
                                            : "/products/" + product;
    fill_type(ev, product, category, path);
    if (ev.type == "page_view" && uniform(0, 2) == 0)
      put(ev.properties, "duration", static_cast<double>(uniform(3, 240)));
    if (ev.type == "scroll")
      put(ev.properties, "scroll_depth", static_cast<double>(uniform(10, 100)));
    fill_context(ev.context, who, path);
    return ev;
  }

  /// A user's history: 1–3 sessions spread over the days before `end_ms`, a few events
  /// each, in time order (sessions may overlap; sorting keeps every event admissible).
  /// Every history ends before `end_ms`.
  std::vector<std::pair<std::string, std::int64_t>> history(std::int64_t end_ms) {
    std::vector<std::pair<std::string, std::int64_t>> out;
    auto sessions = uniform(1, 3);
    std::vector<std::int64_t> starts;
    for (int i = 0; i < sessions; ++i)
      starts.push_back(end_ms - uniform(2 * 60, 14 * 24 * 60) * minute_ms);
    std::sort(starts.begin(), starts.end());
    for (auto start : starts) {
      auto at = start;
      auto n = uniform(1, 6);
      for (int i = 0; i < n; ++i) {
        out.emplace_back(i == 0 ? "page_view" : next_type(), at);
        at += uniform(8, 150) * 1000;  // seconds between actions within a session
      }
    }
    std::stable_sort(out.begin(), out.end(),
                     [](const auto& a, const auto& b) { return a.second < b.second; });
    return out;
  }

  /// The type of a browsing action after the landing page (e-commerce funnel mix).
  std::string next_type() {
    static const char* const types[] = {"page_view",   "product_view", "add_to_cart",
                                        "wishlist_add", "click",        "scroll",
                                        "purchase"};
    return types[type_mix_(rng_)];
  }

  int uniform(int lo, int hi) { return std::uniform_int_distribution<int>{lo, hi}(rng_); }
  std::uint64_t below(std::uint64_t n) {
    return std::uniform_int_distribution<std::uint64_t>{0, n - 1}(rng_);
  }

private:
  static std::string hex(std::mt19937_64& rng, std::size_t digits) {
    static const char* const xdigits = "0123456789abcdef";
    std::string out(digits, '0');
    for (auto& c : out)
      c = xdigits[rng() & 15];
    return out;
  }

  std::string page_path(const char* category) {
    switch (uniform(0, 3)) {
    case 0: return "/";
    case 1: return std::string("/c/") + category;
    case 2: return std::string("/c/") + category + "?page=" + std::to_string(uniform(2, 5));
    default: return "/search?q=" + std::string(category);
    }
  }

  void fill_type(codecs::event& ev, const std::string& product, const char* category,
                 const std::string& path) {
    auto price = static_cast<double>(uniform(900, 25000)) / 100.0;
    if (ev.type == "page_view") {
      // analytics.js page() sends these as properties as well as in context.page.
      ev.call = "page";
      ev.name = path == "/" ? "Home" : "Category";
      put(ev.properties, "path", path);
      put(ev.properties, "url", "https://shop.example.com" + path);
      put(ev.properties, "title", "Example Shop");
      return;
    }
    ev.call = "track";
    if (ev.type == "product_view" || ev.type == "add_to_cart" || ev.type == "wishlist_add") {
      ev.name = ev.type == "product_view"   ? "Product Viewed"
                : ev.type == "add_to_cart" ? "Product Added"
                                           : "Product Added to Wishlist";
      put(ev.properties, "product_id", product);
      put(ev.properties, "sku", "SKU-" + product.substr(2));
      put(ev.properties, "category", category);
      put(ev.properties, "name", std::string(category) + " " + product);
      put(ev.properties, "price", price);
      put(ev.properties, "currency", "USD");
      if (ev.type == "add_to_cart")
        put(ev.properties, "quantity", static_cast<double>(uniform(1, 3)));
    } else if (ev.type == "purchase") {
      ev.name = "Order Completed";
      put(ev.properties, "order_id", "o-" + hex(rng_, 12));
      put(ev.properties, "revenue", price);
      put(ev.properties, "currency", "USD");
      put(ev.properties, "products.0.product_id", product);
    } else {
      ev.name = ev.type == "click" ? "Button Clicked" : "Page Scrolled";
      if (ev.type == "click")
        put(ev.properties, "button_id", uniform(0, 1) ? "buy-now" : "size-guide");
    }
  }

  void fill_context(codecs::attributes& ctx, const visitor& who, const std::string& path) {
    put(ctx, "library.name", "analytics.js");
    put(ctx, "library.version", "npm:next-1.64.0");
    put(ctx, "page.path", path);
    put(ctx, "page.url", "https://shop.example.com" + path);
    put(ctx, "page.title", "Example Shop");
    if (const char* ref = referrers[uniform(0, 2)]; *ref != '\0')
      put(ctx, "page.referrer", ref);
    put(ctx, "userAgent", who.user_agent);
    put(ctx, "locale", "en-US");
    put(ctx, "ip", who.ip_prefix + std::to_string(uniform(1, 254)));
    if (!who.campaign.empty()) {
      put(ctx, "campaign.source", who.campaign);
      put(ctx, "campaign.medium", who.campaign == "newsletter" ? "email" : "cpc");
    }
  }

  std::uint64_t seed_;
  std::mt19937_64 rng_;
  std::size_t id_width_;
  // E-commerce funnel mix after the landing page: views dominate, purchases are rare.
  std::discrete_distribution<int> type_mix_{30, 35, 12, 4, 10, 7, 2};
};

// ---------------------------------------------------------------------------------------
// Writing the store.

struct build_stats {
  std::uint64_t events = 0;        // applied to stored states
  std::uint64_t snapshot_bytes = 0;
  double states_s = 0;             // building and serializing states
  double writes_s = 0;             // RocksDB writes of the snapshots and checkpoints
  double flush_s = 0;
  double tail_s = 0;
};

/// Everything the tool builds from, shared by the phases.
struct context {
  options opts;
  config::config cfg;
  std::shared_ptr<const actors::engine_model> model;
  actors::session_limits limits;
  std::int64_t history_end_ms = 0;  // every stored event is older than this
  std::vector<std::uint8_t> stored_events;  // per user, for the sample lines
  build_stats stats;
};

/// Digits in user keys ("user-0000042"): fixed width keeps them sorted like their index.
std::size_t id_width(const context& cx) {
  return std::max<std::size_t>(7, std::to_string(cx.opts.users - 1).size());
}

/// Builds user `index`'s state the way a session actor would (seq stamped as the log
/// would have stamped it) and returns its snapshot bytes.
std::string build_user(context& cx, event_maker& maker, std::uint64_t index,
                       std::uint64_t& seq) {
  auto who = maker.visitor_of(index);
  actors::session_state state{who.user_id, cx.limits};
  std::vector<actors::change_event> changes;
  std::uint64_t applied = 0;
  for (const auto& [type, at] : maker.history(cx.history_end_ms)) {
    auto ev = maker.make(who, type, at);
    ev.seq = ++seq;
    if (state.apply(ev, *cx.model, changes) == actors::session_state::outcome::applied)
      ++applied;
    changes.clear();
  }
  cx.stored_events[index] = static_cast<std::uint8_t>(applied);
  cx.stats.events += applied;
  return state.snapshot();
}

/// Flushes every column family's memtable to SST files, so that no WAL written so far
/// is needed any more: what RocksDB does by itself when the WAL reaches its limit.
result<bool> flush_all(storage::store& db) {
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  for (std::size_t f = 0; f < static_cast<std::size_t>(storage::family::count_); ++f)
    handles.push_back(db.handle(static_cast<storage::family>(f)));
  auto st = db.db().Flush(rocksdb::FlushOptions{}, handles);
  if (!st.ok())
    return failure{500, "flush failed: " + st.ToString()};
  return true;
}

/// True once the snapshot writes still to come are expected to fill `unflushed_mb` of
/// WAL (estimated from the mean snapshot size so far).
bool time_to_flush(const context& cx, std::uint64_t users_done) {
  auto mean = static_cast<double>(cx.stats.snapshot_bytes) / static_cast<double>(users_done);
  auto to_come = mean * static_cast<double>(cx.opts.users - users_done);
  return to_come <= static_cast<double>(cx.opts.unflushed_mb) * 1e6;
}

/// Writes every user's snapshot, `users_per_write` per atomic write, each write followed
/// by a checkpoint as cohortd's periodic checkpoints follow its snapshot rounds (the
/// checkpoint record in `meta` is what keeps older WAL files alive in a running node).
/// With --unflushed-mb, flushes everything once the rest will fill that much WAL.
/// Returns the last sequence number stamped.
result<std::uint64_t> write_users(context& cx, storage::store& db,
                                  storage::rocks_journal& journal) {
  event_maker maker{cx.opts.seed, 0, id_width(cx)};
  std::uint64_t seq = 0;
  bool flushed = cx.opts.unflushed_mb == 0;  // the default flushes at the end instead
  actors::keyed_writes chunk;
  for (std::uint64_t first = 0; first < cx.opts.users; first += users_per_write) {
    auto t0 = clock_type::now();
    chunk.clear();
    auto last = std::min(cx.opts.users, first + users_per_write);
    for (auto i = first; i < last; ++i) {
      auto bytes = build_user(cx, maker, i, seq);
      cx.stats.snapshot_bytes += bytes.size();
      chunk.emplace_back(maker.user_key(i), std::move(bytes));
    }
    auto t1 = clock_type::now();
    if (auto written = journal.put_snapshots(chunk); !written)
      return written.error();
    if (auto done = journal.checkpoint(seq); !done)
      return done.error();
    cx.stats.states_s += std::chrono::duration<double>(t1 - t0).count();
    cx.stats.writes_s += seconds_since(t1);
    if (!flushed && time_to_flush(cx, last)) {
      flushed = true;
      auto t2 = clock_type::now();
      if (auto done = flush_all(db); !done)
        return done.error();
      cx.stats.flush_s += seconds_since(t2);
    }
    if (last % 100000 == 0)
      std::cerr << "cohort-make-store: " << last << " users written\n";
  }
  return seq;
}

/// Bytes of WAL files in `dir`: what cohortd's RocksDB replays before anything else.
std::uint64_t wal_bytes(const std::string& dir) {
  std::uint64_t total = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir))
    if (entry.path().extension() == ".log")
      total += entry.file_size();
  return total;
}

/// The sample user the tail touches first, and its expected event count after replay.
struct tail_sample {
  std::string key;
  std::uint64_t events = 0;
};

/// Appends `log_events` events after the checkpoint for random stored users, in event-
/// time order after every stored history (so none is late), as cohortd accepts them
/// between its last checkpoint and a crash. Marks the users it touched.
result<tail_sample> write_tail(context& cx, storage::rocks_journal& journal,
                               std::vector<bool>& touched) {
  event_maker maker{cx.opts.seed, 1, id_width(cx)};
  // The tail spans the last minutes before the "crash", well inside a session gap.
  const std::int64_t span_ms = 4 * minute_ms;
  const auto start_ms = cx.history_end_ms + 30 * minute_ms;
  tail_sample sample;
  std::uint64_t sample_index = 0;
  actors::event_batch batch;
  for (std::uint64_t i = 0; i < cx.opts.log_events; ++i) {
    auto index = maker.below(cx.opts.users);
    if (i == 0) {
      sample_index = index;
      sample.key = maker.user_key(index);
      sample.events = cx.stored_events[index];
    }
    sample.events += index == sample_index;
    touched[index] = true;
    auto at = start_ms + static_cast<std::int64_t>(span_ms * i / cx.opts.log_events);
    auto who = maker.visitor_of(index);
    batch.push_back(maker.make(who, maker.next_type(), at));
    if (batch.size() == events_per_append || i + 1 == cx.opts.log_events) {
      if (auto written = journal.append(batch); !written)
        return written.error();
      batch.clear();
    }
  }
  return sample;
}

/// A stored user the tail did not touch: its profile must show exactly its stored count.
std::uint64_t untouched_user(const context& cx, const std::vector<bool>& touched) {
  for (auto i = cx.opts.users / 2; i < cx.opts.users; ++i)
    if (!touched[i])
      return i;
  for (std::uint64_t i = 0; i < cx.opts.users; ++i)
    if (!touched[i])
      return i;
  return 0;
}

bool dir_is_empty_or_missing(const std::string& dir) {
  std::error_code ec;
  return !std::filesystem::exists(dir, ec) || std::filesystem::is_empty(dir, ec);
}

/// Loads the config and compiles its rules, as cohortd does at start.
bool load_model(context& cx) {
  auto loaded = config::load_file(cx.opts.config_path);
  for (const auto& err : loaded.errors)
    std::cerr << "cohort-make-store: config error: " << err.to_string(cx.opts.config_path) << '\n';
  if (!loaded.ok())
    return false;
  cx.cfg = std::move(loaded.cfg);
  cx.limits = actors::session_limits_of(cx.cfg);
  std::vector<std::string> errors;
  cx.model = actors::build_model(cx.cfg, 1, errors);
  for (const auto& err : errors)
    std::cerr << "cohort-make-store: config error: " << err << '\n';
  return cx.model != nullptr;
}

int fail(const failure& f) {
  std::cerr << "cohort-make-store: " << f.reason << '\n';
  return exit_failure;
}

/// The phases: snapshots with checkpoints, flush, then the log tail through a journal
/// reopened on the checkpoint (so its sequence numbers continue after it).
int build(context& cx) {
  auto opened = storage::store::open(cx.opts.data_dir);
  if (!opened)
    return fail(opened.error());
  auto& db = **opened;
  storage::rocks_journal journal{db, false};
  auto last_seq = write_users(cx, db, journal);
  if (!last_seq)
    return fail(last_seq.error());
  auto t0 = clock_type::now();
  if (cx.opts.unflushed_mb == 0)
    if (auto done = flush_all(db); !done)
      return fail(done.error());
  cx.stats.flush_s += seconds_since(t0);
  storage::rocks_journal tail_journal{db, false};
  std::vector<bool> touched(cx.opts.users, false);
  t0 = clock_type::now();
  auto sample = write_tail(cx, tail_journal, touched);
  if (!sample)
    return fail(sample.error());
  cx.stats.tail_s = seconds_since(t0);
  auto stored = untouched_user(cx, touched);
  event_maker names{cx.opts.seed, 0, id_width(cx)};
  // Machine-readable lines for bench/recovery.sh and the smoke test.
  std::cout << "users=" << cx.opts.users << "\nstored_events=" << cx.stats.events
            << "\ncheckpoint_seq=" << *last_seq << "\nlog_events=" << cx.opts.log_events
            << "\nsnapshot_bytes=" << cx.stats.snapshot_bytes
            << "\nwal_bytes=" << wal_bytes(cx.opts.data_dir)
            << "\nsample_stored_user=" << names.user_key(stored)
            << "\nsample_stored_events=" << static_cast<int>(cx.stored_events[stored]) << '\n';
  if (!sample->key.empty())
    std::cout << "sample_tail_user=" << sample->key << "\nsample_tail_events=" << sample->events
              << '\n';
  // Users the replay revives: once that many actors are live, recovery has drained.
  std::cout << "tail_users=" << std::count(touched.begin(), touched.end(), true) << '\n';
  return 0;
}

} // namespace

int main(int argc, char** argv) {
  auto opts = parse_options(argc, argv);
  if (!opts)
    return exit_usage;
  if (!dir_is_empty_or_missing(opts->data_dir)) {
    std::cerr << "cohort-make-store: " << opts->data_dir
              << " exists and is not empty; it only writes new stores\n";
    return exit_usage;
  }
  context cx;
  cx.opts = std::move(*opts);
  if (!load_model(cx))
    return exit_usage;
  cx.stored_events.assign(cx.opts.users, 0);
  // Histories end an hour before now: the profile times look current, and the log tail
  // (30 minutes later) is newer than every stored event.
  cx.history_end_ms = codecs::now_ms() - 60 * minute_ms;
  auto start = clock_type::now();
  int rc = build(cx);
  if (rc != 0)
    return rc;
  const auto& s = cx.stats;
  std::fprintf(stdout,
               "built_seconds=%.1f\n"
               "cohort-make-store: %llu users, %llu events in states, %.0f MB of snapshots, "
               "%llu events in the log tail: %.1f s (states %.1f s, writes %.1f s, "
               "flush %.1f s, log tail %.1f s)\n",
               seconds_since(start), static_cast<unsigned long long>(cx.opts.users),
               static_cast<unsigned long long>(s.events), s.snapshot_bytes / 1e6,
               static_cast<unsigned long long>(cx.opts.log_events), seconds_since(start),
               s.states_s, s.writes_s, s.flush_s, s.tail_s);
  return 0;
}
