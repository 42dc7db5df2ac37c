#include "cluster/feedback_reader.hpp"

#include <iostream>

#include <caf/scoped_actor.hpp>

#include "actors/learner_actor.hpp"
#include "actors/messages.hpp"

namespace cohort::cluster {

namespace {

constexpr std::size_t batch = 500;
constexpr auto poll_wait = std::chrono::milliseconds(100);
/// A learner that does not answer within this is asked again (it may be replaying a
/// long log after a restart, batch by batch).
constexpr auto apply_timeout = std::chrono::seconds(30);
/// After a failed apply: the store may need a moment (a full disk being cleared).
constexpr auto retry_wait = std::chrono::milliseconds(500);

} // namespace

feedback_reader::~feedback_reader() {
  stop();
}

void feedback_reader::stop() {
  stopping_ = true;
  if (thread_.joinable())
    thread_.join();
}

result<std::unique_ptr<feedback_reader>>
feedback_reader::start(caf::actor_system& sys, const kafka::kafka_options& options,
                       const std::string& node_id, caf::actor learner, std::int64_t from) {
  std::unique_ptr<feedback_reader> r{new feedback_reader(sys)};
  auto consumer = kafka::kafka_consumer::create(options, node_id + ".feedback", std::nullopt);
  if (!consumer)
    return consumer.error();
  r->consumer_ = std::move(*consumer);
  const auto topic = kafka::topic_name(options, kafka::topics::feedback);
  if (auto assigned = r->consumer_->assign({{topic, 0, from}}); !assigned)
    return assigned.error();
  r->learner_ = std::move(learner);
  r->applied_ = from;
  r->thread_ = std::thread([raw = r.get()] { raw->run(); });
  return r;
}

void feedback_reader::run() {
  caf::scoped_actor self{sys_};
  std::vector<actors::feedback_record> records;
  std::int64_t next = applied_.load();
  while (!stopping_) {
    // Fill a batch: wait for the first record, then take what is already there.
    while (records.size() < batch && !stopping_) {
      auto m = consumer_->poll(records.empty() ? poll_wait : std::chrono::milliseconds(0));
      if (!m)
        break;
      if (m->is_error()) {
        std::cerr << "cohortd: reading the feedback log: " << m->error << std::endl;
        break;
      }
      if (!m->is_record())
        continue;
      next = m->offset + 1;
      auto record = actors::decode_feedback(m->value);
      if (!record) {
        std::cerr << "cohortd: feedback log offset " << m->offset << " passed over: "
                  << record.error().reason << std::endl;
        continue;
      }
      records.push_back(std::move(*record));
    }
    if (next == applied_.load() || stopping_)
      continue;
    bool done = false;
    self->request(learner_, apply_timeout, actors::feedback_atom::value, records, next)
      .receive([&](bool) { done = true; },
               [&](caf::error& e) {
                 std::cerr << "cohortd: feedback log up to offset " << next
                           << " not applied (retrying): " << sys_.render(e) << std::endl;
               });
    if (!done) {
      std::this_thread::sleep_for(retry_wait);  // back off; the same records go again
      continue;
    }
    applied_ = next;
    records.clear();
  }
}

} // namespace cohort::cluster
