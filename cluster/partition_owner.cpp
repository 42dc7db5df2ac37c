#include "cluster/partition_owner.hpp"

#include <algorithm>
#include <condition_variable>
#include <future>
#include <set>
#include <iostream>

#include <caf/all.hpp>

#include "actors/directory_actor.hpp"
#include "actors/flow_control.hpp"
#include "api/ask.hpp"
#include "kafka/kafka_consumer.hpp"
#include "cluster/changes_outbox.hpp"
#include "cluster/partition_actor.hpp"
#include "cluster/partition_producer.hpp"
#include "cluster/partition_restore.hpp"
#include "cluster/state_journal.hpp"

namespace cohort::cluster {

namespace {

constexpr auto poll_wait = std::chrono::milliseconds(50);
/// Records routed to a partition actor per message.
constexpr std::size_t batch_size = 512;
/// Longest wait of a restore for Kafka, and of a revoke for its final checkpoint.
constexpr auto restore_deadline = std::chrono::seconds(20);
constexpr auto checkpoint_wait = std::chrono::seconds(20);
/// How long a graceful revoke waits for its partitions' final checkpoints (all at once).
constexpr auto handover_checkpoint_wait = std::chrono::seconds(5);
/// Pause between failed restore attempts of a partition still assigned.
constexpr auto restore_retry = std::chrono::seconds(1);
/// How often the end offsets of served partitions are asked (for lag).
constexpr auto end_refresh = std::chrono::seconds(2);
/// Restores running at once: each holds a Kafka client (threads, sockets) of its own, and
/// a rebalance of the eager protocol hands every partition out again at once.
constexpr std::size_t restorer_count = 4;

enum class phase { claiming, restoring, serving, revoking };

const char* name_of(phase p) {
  switch (p) {
    case phase::claiming: return "claiming";
    case phase::restoring: return "restoring";
    case phase::serving: return "serving";
    case phase::revoking: return "revoking";
  }
  return "unknown";
}

} // namespace

/// One partition this node holds, from assignment to revocation.
struct partition_owner::partition {
  std::int32_t id = 0;
  phase state = phase::claiming;  ///< Guarded by the owner's mutex.
  std::uint64_t epoch = 0;        ///< Likewise.
  std::atomic<std::int64_t> end{0};
  std::shared_ptr<std::atomic<std::int64_t>> applied =
    std::make_shared<std::atomic<std::int64_t>>(0);
  std::shared_ptr<actors::flow_control> flow;  ///< Records read and not applied.
  caf::actor shard;     ///< Set when restored; guarded by the owner's mutex.
  caf::actor router;    ///< The partition actor.
  caf::actor producer;  ///< The partition producer.
  std::atomic<bool> cancelled{false};
  std::mutex wake_mutex;
  std::condition_variable wake;  ///< Cuts a restore retry's pause short; signals restored.
  bool restoring = true;         ///< Until a restorer is done with it (guarded by wake_mutex).

  /// Says a restorer is done with it (restored, cancelled or stopping).
  void settle() {
    std::lock_guard<std::mutex> guard{wake_mutex};
    restoring = false;
    wake.notify_all();
  }

  /// Cancels a restore and waits (bounded) until no restorer works on it.
  void cancel(std::chrono::milliseconds deadline) {
    cancelled = true;
    std::unique_lock<std::mutex> lock{wake_mutex};
    wake.notify_all();
    wake.wait_for(lock, deadline, [this] { return !restoring; });
  }
};

/// A restore that finished: where the poll thread seeks the partition to.
struct partition_owner::restored {
  std::shared_ptr<partition> part;
  std::int64_t marker = 0;
};

namespace {

void stop_actors(caf::actor& shard, caf::actor& router, caf::actor& producer) {
  for (auto* a : {&router, &shard, &producer}) {
    if (*a)
      caf::anon_send_exit(*a, caf::exit_reason::user_shutdown);
    *a = nullptr;
  }
}

} // namespace

partition_owner::partition_owner(owner_context ctx) : ctx_(std::move(ctx)) {
}

partition_owner::~partition_owner() {
  stop();
}

result<std::unique_ptr<partition_owner>> partition_owner::start(owner_context ctx) {
  std::unique_ptr<partition_owner> owner{new partition_owner(std::move(ctx))};
  for (std::size_t w = 0; w < restorer_count; ++w)
    owner->restorers_.emplace_back([o = owner.get(), w] { o->restore_loop(w); });
  owner->thread_ = std::thread([o = owner.get()] { o->run(); });
  return owner;
}

void partition_owner::stop() {
  stopping_ = true;
  if (thread_.joinable())
    thread_.join();
  queued_.notify_all();
  for (auto& t : restorers_)
    if (t.joinable())
      t.join();
}

void partition_owner::final_checkpoints(const std::vector<std::shared_ptr<partition>>& going) {
  // All at once, with one deadline: a session waiting for the state of a merge whose
  // giver was on a dead node cannot write before that partition is restored elsewhere,
  // which needs this rebalance to finish. The next owner replays from the last marker.
  std::vector<caf::actor> routers;
  for (const auto& p : going)
    if (p->router)
      routers.push_back(p->router);
  if (routers.empty())
    return;
  auto done = std::make_shared<std::promise<std::string>>();
  auto outcome = done->get_future();
  api::ask_all<std::uint64_t>(
    ctx_.system, routers, handover_checkpoint_wait,
    [done, &sys = ctx_.system](caf::expected<std::vector<std::uint64_t>> covered) {
      done->set_value(covered ? std::string{} : sys.render(covered.error()));
    },
    actors::checkpoint_atom::value);
  if (outcome.wait_for(handover_checkpoint_wait + std::chrono::seconds(1))
        != std::future_status::ready)
    std::cerr << "cohortd: final checkpoints of " << routers.size()
              << " partitions not answered; their next owners replay more" << std::endl;
  else if (auto failed = outcome.get(); !failed.empty())
    std::cerr << "cohortd: a final checkpoint failed (" << failed
              << "); its partition's next owner replays more" << std::endl;
}

void partition_owner::restore_loop(std::size_t worker) {
  auto reader = kafka::kafka_consumer::create(ctx_.kafka,
                                       ctx_.node_id + ".restore." + std::to_string(worker),
                                       std::nullopt);
  if (!reader)
    std::cerr << "cohortd: restore reader " << worker << " not created: "
              << reader.error().reason << std::endl;
  for (;;) {
    std::shared_ptr<partition> p;
    {
      std::unique_lock<std::mutex> lock{queue_mutex_};
      queued_.wait(lock, [this] { return stopping_.load() || !queue_.empty(); });
      if (stopping_ && queue_.empty())
        return;
      p = std::move(queue_.front());
      queue_.pop_front();
    }
    if (reader)
      restore(p, **reader);
    p->settle();
  }
}

void partition_owner::restore(const std::shared_ptr<partition>& p, kafka::kafka_consumer& reader) {
  while (!p->cancelled && !stopping_) {
    {
      std::lock_guard<std::mutex> guard{mutex_};
      p->state = phase::claiming;
    }
    auto began = std::chrono::steady_clock::now();
    auto outcome = claim_and_restore(ctx_.kafka, reader, *ctx_.producer, ctx_.node_id, p->id,
                                     *ctx_.cache, began + restore_deadline);
    if (outcome) {
      // Operators read failover and restore times from this line (bench/cluster.sh too).
      auto took = std::chrono::duration_cast<std::chrono::milliseconds>(
        std::chrono::steady_clock::now() - began);
      std::cerr << "cohortd: partition " << p->id << " restored: " << outcome->profiles
                << " profiles in " << took.count() << " ms (" << outcome->ignored
                << " stale records ignored), epoch " << outcome->epoch << ", from offset "
                << outcome->marker << std::endl;
      auto journal = std::make_shared<state_journal>(
        ctx_.cache, ctx_.producer, kafka::topic_name(ctx_.kafka, kafka::topics::state), p->id, outcome->epoch,
        std::chrono::duration_cast<std::chrono::milliseconds>(checkpoint_wait));
      auto env = ctx_.env;
      env.store = journal;
      env.outbox = std::make_shared<changes_outbox>(
        journal, kafka::topic_name(ctx_.kafka, kafka::topics::changes), ctx_.kafka.partitions);
      env.flow = p->flow;
      auto producer = ctx_.system.spawn(partition_producer, journal,
                                        kafka::topic_name(ctx_.kafka, kafka::topics::events),
                                        ctx_.kafka.partitions);
      env.forwarder = producer;
      auto shard = ctx_.system.spawn(actors::directory_actor, env);
      auto router = ctx_.system.spawn<caf::detached>(partition_actor, shard, producer, journal,
                                                     p->flow, ctx_.checkpoint_interval,
                                                     p->applied);
      std::lock_guard<std::mutex> guard{mutex_};
      p->state = phase::restoring;
      p->epoch = outcome->epoch;
      p->applied->store(outcome->marker);
      p->shard = shard;
      p->router = router;
      p->producer = producer;
      done_.push_back(std::make_shared<restored>(restored{p, outcome->marker}));
      return;
    }
    std::cerr << "cohortd: partition " << p->id << " not restored (retrying): "
              << outcome.error().reason << std::endl;
    std::unique_lock<std::mutex> lock{p->wake_mutex};
    p->wake.wait_for(lock, restore_retry, [&] { return p->cancelled.load() || stopping_.load(); });
  }
}

std::vector<partition_report> partition_owner::report() const {
  std::lock_guard<std::mutex> guard{mutex_};
  std::vector<partition_report> out;
  for (const auto& [id, p] : partitions_)
    out.push_back({id, name_of(p->state), p->epoch, p->applied->load(), p->end.load()});
  return out;
}

std::optional<caf::actor> partition_owner::shard_of(std::int32_t id) const {
  std::lock_guard<std::mutex> guard{mutex_};
  auto it = partitions_.find(id);
  if (it == partitions_.end() || it->second->state != phase::serving)
    return std::nullopt;
  return it->second->shard;
}

std::vector<caf::actor> partition_owner::shards() const {
  std::lock_guard<std::mutex> guard{mutex_};
  std::vector<caf::actor> out;
  for (const auto& [id, p] : partitions_)
    if (p->state == phase::serving)
      out.push_back(p->shard);
  return out;
}

void partition_owner::run() {
  auto consumer = kafka::kafka_consumer::create(ctx_.kafka, ctx_.node_id + ".owner",
                                         ctx_.kafka.topic_prefix);
  if (!consumer) {
    std::cerr << "cohortd: cannot join the cluster's group: " << consumer.error().reason
              << std::endl;
    return;
  }
  auto& kc = **consumer;
  const auto topic = kafka::topic_name(ctx_.kafka, kafka::topics::events);
  std::map<std::int32_t, record_batch> pending;
  std::set<std::int32_t> held;
  auto next_refresh = std::chrono::steady_clock::now();

  // Routes what was read of `p` to its partition actor.
  auto flush = [&](std::int32_t id) {
    auto it = pending.find(id);
    if (it == pending.end() || it->second.empty())
      return;
    std::shared_ptr<partition> p;
    {
      std::lock_guard<std::mutex> guard{mutex_};
      if (auto found = partitions_.find(id); found != partitions_.end())
        p = found->second;
    }
    if (p && p->router)
      caf::anon_send(p->router, actors::replay_atom::value, std::move(it->second));
    it->second.clear();
  };

  kafka::rebalance_listener listener;
  listener.on_assigned = [&](std::vector<kafka::partition_start>& assigned) {
    for (auto& start : assigned) {
      start.paused = true;  // fetched only once restored (seek, resume)
      auto p = std::make_shared<partition>();
      p->id = start.partition.partition;
      p->flow = std::make_shared<actors::flow_control>(ctx_.env.flow->limit());
      {
        std::lock_guard<std::mutex> guard{mutex_};
        partitions_[p->id] = p;
      }
      {
        std::lock_guard<std::mutex> guard{queue_mutex_};
        queue_.push_back(p);
      }
      queued_.notify_one();
    }
  };
  listener.on_revoked = [&](const std::vector<kafka::topic_partition>& revoked, bool lost) {
    std::vector<std::shared_ptr<partition>> going;
    for (const auto& tp : revoked) {
      std::shared_ptr<partition> p;
      {
        std::lock_guard<std::mutex> guard{mutex_};
        auto it = partitions_.find(tp.partition);
        if (it == partitions_.end())
          continue;
        p = it->second;
        p->state = phase::revoking;
      }
      {
        // Not picked up by a restorer yet: nobody will, and nobody needs to wait.
        std::lock_guard<std::mutex> guard{queue_mutex_};
        auto queued = std::find(queue_.begin(), queue_.end(), p);
        if (queued != queue_.end()) {
          queue_.erase(queued);
          p->settle();
        }
      }
      p->cancel(restore_deadline + std::chrono::seconds(5));
      flush(p->id);
      pending.erase(p->id);
      held.erase(p->id);
      going.push_back(p);
    }
    if (!lost)
      final_checkpoints(going);
    std::lock_guard<std::mutex> guard{mutex_};
    for (auto& p : going) {
      stop_actors(p->shard, p->router, p->producer);
      partitions_.erase(p->id);
    }
  };
  if (auto subscribed = kc.subscribe({topic}, listener); !subscribed) {
    std::cerr << "cohortd: cannot subscribe to " << topic << ": " << subscribed.error().reason
              << std::endl;
    return;
  }

  while (!stopping_) {
    // Restores that finished: resume their partitions at their markers.
    std::vector<std::shared_ptr<restored>> ready;
    {
      std::lock_guard<std::mutex> guard{mutex_};
      ready.swap(done_);
    }
    for (auto& r : ready) {
      if (r->part->cancelled)
        continue;
      auto sought = kc.seek(topic, r->part->id, r->marker);
      auto resumed = sought ? kc.resume({{topic, r->part->id}}) : result<bool>{sought.error()};
      std::lock_guard<std::mutex> guard{mutex_};
      if (resumed) {
        r->part->state = phase::serving;
      } else {
        std::cerr << "cohortd: partition " << r->part->id << " not resumed: "
                  << resumed.error().reason << std::endl;
        done_.push_back(r);  // try again next round
      }
    }
    // Read what is there, up to a batch per partition, then route it.
    for (std::size_t n = 0; n < batch_size; ++n) {
      auto m = kc.poll(n == 0 ? poll_wait : std::chrono::milliseconds(0));
      if (!m)
        break;
      if (m->is_error()) {
        std::cerr << "cohortd: reading " << topic << ": " << m->error << std::endl;
        break;
      }
      if (!m->is_record())
        continue;
      auto record = decode_log_record(m->value);
      if (!record) {
        std::cerr << "cohortd: " << topic << "/" << m->partition << " offset " << m->offset
                  << " skipped: " << record.error().reason << std::endl;
        continue;
      }
      record->ev.partition = static_cast<std::uint32_t>(m->partition);
      record->ev.seq = static_cast<std::uint64_t>(m->offset) + 1;
      std::shared_ptr<partition> p;
      {
        std::lock_guard<std::mutex> guard{mutex_};
        if (auto it = partitions_.find(m->partition); it != partitions_.end())
          p = it->second;
      }
      if (!p)
        continue;
      p->flow->admit(1);
      pending[m->partition].push_back(std::move(*record));
    }
    for (auto& [id, batch] : pending)
      flush(id);
    // Flow control per partition: a partition whose sessions fall behind is held.
    std::vector<kafka::topic_partition> hold, release;
    {
      std::lock_guard<std::mutex> guard{mutex_};
      for (const auto& [id, p] : partitions_) {
        if (p->state != phase::serving)
          continue;
        auto in_flight = p->flow->in_flight();
        if (!held.count(id) && in_flight > p->flow->limit())
          hold.push_back({topic, id});
        else if (held.count(id) && in_flight < p->flow->limit() / 2)
          release.push_back({topic, id});
      }
    }
    if (!hold.empty() && kc.pause(hold))
      for (const auto& tp : hold)
        held.insert(tp.partition);
    if (!release.empty() && kc.resume(release))
      for (const auto& tp : release)
        held.erase(tp.partition);
    // End offsets, for the lag the members topic reports.
    if (std::chrono::steady_clock::now() >= next_refresh) {
      next_refresh = std::chrono::steady_clock::now() + end_refresh;
      for (const auto& part : report()) {
        if (part.state != "serving")
          continue;
        if (auto marks = kc.watermarks(topic, part.partition, std::chrono::milliseconds(500))) {
          std::lock_guard<std::mutex> guard{mutex_};
          if (auto it = partitions_.find(part.partition); it != partitions_.end())
            it->second->end = marks->second;
        }
      }
    }
  }
  // A graceful leave: the group revokes every partition through the listener (final
  // checkpoints) and rebalances at once instead of after the session timeout.
  if (auto closed = kc.close(); !closed)
    std::cerr << "cohortd: leaving the group: " << closed.error().reason << std::endl;
  std::vector<std::shared_ptr<partition>> left;
  {
    std::lock_guard<std::mutex> guard{mutex_};
    for (auto& [id, p] : partitions_)
      left.push_back(p);
    partitions_.clear();
  }
  for (auto& p : left)
    stop_actors(p->shard, p->router, p->producer);
}

} // namespace cohort::cluster
