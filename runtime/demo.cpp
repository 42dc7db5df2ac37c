#include "runtime/demo.hpp"

#include <atomic>
#include <condition_variable>
#include <iostream>
#include <mutex>
#include <random>
#include <thread>
#include <vector>

#include "codecs/json_writer.hpp"
#include "codecs/time.hpp"
#include "http/auth.hpp"
#include "http/http_client.hpp"

namespace cohort::runtime {

using http::basic_authorization;
using http::http_client;

namespace {

/// A shopper's script: the events of one visit, in order.
enum class persona { browser, comparer, abandoner, buyer, bouncer, decider };
constexpr int personas = 6;

struct step {
  const char* call;   ///< "page" or "track"
  const char* event;  ///< track event name (Segment E-commerce v2) or page name
  int dwell_s = 0;    ///< Seconds on it (the `duration` property); 0: the shopper's usual.
};

/// The shipped rules put a user in High Intent at score >= 85 with 3 pages deep: long
/// looks, a cart add and three wishlist adds (score 90) do it. The quick glances after
/// it pull the mean time on page down, and the user out again, so that the console
/// shows segments moving both ways within a minute of starting.
void decide(std::vector<step>& s) {
  for (int i = 0; i < 3; ++i)
    s.push_back({"track", "Product Viewed", 80});
  for (int i = 0; i < 3; ++i)
    s.push_back({"track", "Product Added to Wishlist", 70});
  s.push_back({"track", "Product Added", 60});
  for (int i = 0; i < 12; ++i)
    s.push_back({"track", "Product Viewed", 2});
}

std::vector<step> script_of(persona p, std::mt19937& rng) {
  std::uniform_int_distribution<int> few{2, 4}, many{4, 7};
  std::vector<step> s{{"page", "Home"}};
  auto views = [&](int n) {
    for (int i = 0; i < n; ++i)
      s.push_back({"track", "Product Viewed"});
  };
  switch (p) {
    case persona::bouncer:
      break;
    case persona::browser:
      s.push_back({"page", "Category"});
      views(few(rng));
      break;
    case persona::comparer:
      views(many(rng));
      s.push_back({"track", "Product Added to Wishlist"});
      views(few(rng));
      break;
    case persona::abandoner:
      views(few(rng));
      s.push_back({"track", "Product Added"});
      s.push_back({"track", "Checkout Started"});
      break;
    case persona::buyer:
      views(few(rng));
      s.push_back({"track", "Product Added"});
      s.push_back({"track", "Checkout Started"});
      s.push_back({"track", "Order Completed"});
      break;
    case persona::decider:
      decide(s);
      break;
  }
  return s;
}

struct shopper {
  std::string user_id;
  bool mobile = false;
  persona kind = persona::browser;
  std::vector<step> script;
  std::size_t next = 0;
  int dwell_s = 10;  ///< Typical seconds on a page for this shopper.
};

constexpr const char* mobile_agent =
  "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148";
constexpr const char* desktop_agent =
  "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36";
constexpr const char* sources[] = {"google", "newsletter", "facebook", ""};

} // namespace

struct demo::impl {
  std::string base_url;
  std::string write_key;
  std::mt19937 rng{std::random_device{}()};
  std::vector<shopper> shoppers;
  std::uint64_t next_user = 1;
  std::uint64_t next_message = 1;
  std::atomic<bool> stop{false};
  std::mutex mutex;
  std::condition_variable wake;
  std::thread thread;

  shopper new_shopper() {
    std::uniform_int_distribution<int> pick{0, personas - 1};
    shopper s;
    s.user_id = "demo-" + std::to_string(next_user++);
    s.kind = static_cast<persona>(pick(rng));
    s.mobile = std::bernoulli_distribution{0.4}(rng);
    s.script = script_of(s.kind, rng);
    // Buyers and comparers linger; browsers and bouncers skim.
    bool engaged = s.kind == persona::buyer || s.kind == persona::comparer;
    s.dwell_s = std::uniform_int_distribution<int>{engaged ? 40 : 3, engaged ? 90 : 20}(rng);
    return s;
  }

  void write_message(codecs::json_writer& w, shopper& s, const step& st) {
    w.begin_object();
    w.key("type").value(st.call);
    w.key("messageId").value("demo-msg-" + std::to_string(next_message++));
    w.key("userId").value(s.user_id);
    w.key(std::string_view(st.call) == "page" ? "name" : "event").value(st.event);
    w.key("timestamp").value(codecs::format_iso8601(codecs::now_ms()));
    w.key("properties").begin_object();
    w.key("path").value(std::string("/") + st.event + "/" + std::to_string(s.next));
    w.key("duration").value(static_cast<std::int64_t>(st.dwell_s != 0 ? st.dwell_s : s.dwell_s));
    w.key("scroll_depth").value(std::uniform_int_distribution<int>{10, 100}(rng));
    w.key("product_id").value("sku-" + std::to_string(std::uniform_int_distribution<int>{1, 40}(rng)));
    w.end_object();
    w.key("context").begin_object();
    w.key("userAgent").value(s.mobile ? mobile_agent : desktop_agent);
    const char* source = sources[std::uniform_int_distribution<int>{0, 3}(rng)];
    if (*source != '\0')
      w.key("campaign").begin_object().key("source").value(source).end_object();
    w.end_object();
    w.end_object();
  }

  /// One tick: every live shopper takes its next step; finished shoppers are replaced.
  std::string tick_body() {
    codecs::json_writer w;
    w.begin_object().key("batch").begin_array();
    std::bernoulli_distribution acts{0.5};
    for (auto& s : shoppers) {
      if (s.next >= s.script.size())
        s = new_shopper();
      if (acts(rng))
        write_message(w, s, s.script[s.next++]);
    }
    w.end_array().end_object();
    return w.take();
  }

  void run() {
    for (int i = 0; i < 40; ++i)
      shoppers.push_back(new_shopper());
    std::unique_ptr<http_client> client;
    std::vector<std::pair<std::string, std::string>> headers{
      {"Content-Type", "application/json"}};
    if (!write_key.empty())
      headers.emplace_back("Authorization", basic_authorization(write_key));
    while (!stop) {
      if (!client) {
        auto c = http_client::connect(base_url, std::chrono::seconds(5));
        if (c)
          client = std::move(*c);
        else
          std::cerr << "cohortd demo: " << c.error().reason << std::endl;
      }
      if (client) {
        auto res = client->request("POST", "/v1/batch", tick_body(), headers);
        if (!res || res->status >= 300) {
          std::cerr << "cohortd demo: batch not accepted: "
                    << (res ? res->body : res.error().reason) << std::endl;
          client.reset();
        }
      }
      // Pacing of the simulation, not synchronization: shoppers act about once a second.
      std::unique_lock<std::mutex> lock{mutex};
      wake.wait_for(lock, std::chrono::milliseconds(500), [this] { return stop.load(); });
    }
  }
};

std::string demo_banner(const std::string& base) {
  return "\ndemo: 40 simulated shoppers (demo-1, demo-2, ...) are sending events. Look at:\n"
         "  console           " + base + "/console\n"
         "  node status       " + base + "/admin/api/nodes\n"
         "  a live profile    " + base + "/v1/profiles/demo-1\n"
         "  a decision        " + base + "/v1/personalize?userId=demo-1&placement=hero\n"
         "  segment changes   ws://" + base.substr(7) + "/v1/stream  (send {\"op\":\"subscribe\",\"segment\":\"High Intent\"})\n"
         "  dead letters      " + base + "/admin/api/deadletters\n"
         "  from a shell      build/cohortctl --server " + base + " profile demo-1\n\n";
}

demo::demo(std::string base_url, std::string write_key) : impl_(std::make_unique<impl>()) {
  impl_->base_url = std::move(base_url);
  impl_->write_key = std::move(write_key);
  impl_->thread = std::thread([this] { impl_->run(); });
}

demo::~demo() {
  {
    std::lock_guard<std::mutex> guard{impl_->mutex};
    impl_->stop = true;
  }
  impl_->wake.notify_all();
  impl_->thread.join();
}

} // namespace cohort::runtime
