#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "kafka/kafka_handles.hpp"
#include "kafka/kafka_options.hpp"
#include "codecs/result.hpp"

namespace cohort::kafka {

struct topic_partition {
  std::string topic;
  std::int32_t partition = 0;

  friend bool operator==(const topic_partition& a, const topic_partition& b) {
    return a.partition == b.partition && a.topic == b.topic;
  }
  friend bool operator!=(const topic_partition& a, const topic_partition& b) { return !(a == b); }
  friend bool operator<(const topic_partition& a, const topic_partition& b) {
    return a.topic != b.topic ? a.topic < b.topic : a.partition < b.partition;
  }
};

struct topic_partition_offset {
  std::string topic;
  std::int32_t partition = 0;
  std::int64_t offset = 0;  ///< an absolute offset or one of `offsets::`
};

/// Logical offsets librdkafka resolves itself.
namespace offsets {
inline constexpr std::int64_t beginning = RD_KAFKA_OFFSET_BEGINNING;  ///< the low watermark
inline constexpr std::int64_t end = RD_KAFKA_OFFSET_END;  ///< the high watermark (new records only)
/// The group's committed offset, else auto.offset.reset (earliest).
inline constexpr std::int64_t committed = RD_KAFKA_OFFSET_INVALID;
} // namespace offsets

/// Where a partition the group just assigned starts, chosen by the listener.
struct partition_start {
  topic_partition partition;
  std::int64_t offset = offsets::committed;
  /// Assigned but not fetched until resume(): the owner restores state first, then
  /// seek()s to its marker and resumes.
  bool paused = false;
};

/// What poll() returns: a record, the end of a partition, or an error.
struct kafka_message {
  enum class kind { record, partition_eof, error };
  kind what = kind::record;
  std::string topic;          ///< empty for errors not tied to a partition
  std::int32_t partition = -1;
  std::int64_t offset = -1;   ///< record: its offset; partition_eof: the next offset (the end)
  std::string key;            ///< empty for a null key
  std::string value;          ///< empty for a null value
  std::int64_t timestamp_ms = -1;  ///< record: its timestamp (create or log-append time)
  std::string error;          ///< error: librdkafka's text
  bool fatal = false;         ///< error: the consumer cannot go on (create a new one)

  bool is_record() const { return what == kind::record; }
  bool is_eof() const { return what == kind::partition_eof; }
  bool is_error() const { return what == kind::error; }
};

/// The group's rebalance events. Both run on the thread calling poll() (or close()),
/// inside it, with the eager protocol (range assignor):
/// - on_assigned runs *before* the assignment takes effect: it may set each
///   partition's start offset and mark partitions paused; after it returns the
///   consumer pauses the marked ones, then assigns all of them (a listener cannot
///   refuse a partition), so a paused partition's fetcher starts paused.
/// - on_revoked runs while the partitions are still assigned (a final commit works,
///   unless `lost`: the session timed out and another member may own them already);
///   after it returns they are unassigned.
/// The consumer's other methods may be called from both, except poll() and close().
struct rebalance_listener {
  std::function<void(std::vector<partition_start>& assigned)> on_assigned;
  std::function<void(const std::vector<topic_partition>& revoked, bool lost)> on_revoked;
};

/// A Kafka consumer: a group member (subscribe, with rebalance hooks) or a manual reader
/// (assign, read_range). Offsets are committed only by commit() (enable.auto.commit is
/// off); auto.offset.reset is earliest; the group uses the eager range assignor;
/// fetch.wait.max.ms is options.fetch_wait.
///
/// Not thread-safe: one thread owns it and makes every call (the listener runs on it).
/// Errors are values: failures from the calls, error kinds from poll().
class kafka_consumer {
public:
  enum class eof_mode { ignore, report };

  /// With `group_id`, a member of that group once subscribe() is called; without, manual
  /// assignment only (librdkafka 2.0.2 needs a group.id even for assign: a private one,
  /// "<client_id>.manual", is set and never joined or committed to). `eof` decides
  /// whether poll() returns partition_eof events. Fails (400) on a bad property.
  static result<std::unique_ptr<kafka_consumer>> create(const kafka_options& options,
                                                        std::string client_id,
                                                        std::optional<std::string> group_id,
                                                        eof_mode eof = eof_mode::ignore);
  /// Closes (see close()) without calling the listener, whose captures may be gone:
  /// call close() first for a graceful revoke through the listener.
  ~kafka_consumer();
  kafka_consumer(const kafka_consumer&) = delete;
  kafka_consumer& operator=(const kafka_consumer&) = delete;

  /// Joins the group for `topics`; assignments arrive through `listener` during poll().
  /// Fails (500) without a group, or with librdkafka's reason.
  result<bool> subscribe(std::vector<std::string> topics, rebalance_listener listener);

  /// Manual consumers: replaces the assignment with `partitions`, each from its offset
  /// (absolute or offsets::beginning / end). An empty list unassigns. Fails (500) on a
  /// group member.
  result<bool> assign(const std::vector<topic_partition_offset>& partitions);

  /// The partitions assigned now.
  result<std::vector<topic_partition>> assignment() const;

  /// The next record or event, waiting up to `timeout`; nullopt when none came. Runs the
  /// rebalance listener when the group has news. Records of a paused partition are
  /// never returned (librdkafka drops what it had fetched when the pause takes effect).
  std::optional<kafka_message> poll(std::chrono::milliseconds timeout);

  /// Stops / restarts fetching `partitions` (which must be assigned). librdkafka 2.0.2
  /// keeps a partition's pause through an unassign and a new assignment; on a new
  /// assignment (assign(), or the group's unless the listener asks to keep it paused)
  /// this class resumes a partition it paused.
  /// Racy in librdkafka 2.0.2 (#5591) on a partition whose fetcher is still starting
  /// (its committed offset being fetched): the start can be dropped and the partition
  /// never fetch. Pause at assignment through the listener, and later only partitions
  /// that have delivered a record or been seek()ed.
  result<bool> pause(const std::vector<topic_partition>& partitions);
  result<bool> resume(const std::vector<topic_partition>& partitions);

  /// The next poll() of `partition` starts at `offset` (absolute or logical), also when
  /// it is paused (then from resume() on). Waits until librdkafka applied it; a partition
  /// assigned a moment ago may still be fetching its committed offset: seek retries
  /// until options.request_timeout, then fails (503) with librdkafka's reason.
  result<bool> seek(const std::string& topic, std::int32_t partition, std::int64_t offset);

  /// Commits `offsets` (each the next offset to consume) for the group, synchronously:
  /// returns when the coordinator answered (bounded by options.request_timeout on the
  /// wire). Fails (503) with the first partition's error, or (500) without a group.
  result<bool> commit(const std::vector<topic_partition_offset>& offsets);

  /// Low and high watermark of a partition, asked of its leader.
  result<std::pair<std::int64_t, std::int64_t>> watermarks(const std::string& topic,
                                                            std::int32_t partition,
                                                            std::chrono::milliseconds timeout);

  /// The high watermark of `partition` as the last fetch response reported it (no request;
  /// lag metrics); nullopt before the first fetch of an assigned partition.
  std::optional<std::int64_t> known_high_watermark(const std::string& topic,
                                                   std::int32_t partition) const;

  /// The first offset whose timestamp is at or after `timestamp_ms`; -1 when there is
  /// none. (librdkafka 2.0.2's mock broker always answers -1.)
  result<std::int64_t> offset_for_time(const std::string& topic, std::int32_t partition,
                                       std::int64_t timestamp_ms,
                                       std::chrono::milliseconds timeout);

  using record_fn = std::function<void(const kafka_message& record)>;

  /// Manual consumers: calls `fn` with every record of `partition` from `from` (absolute
  /// or offsets::beginning) up to, not including, `to`, in order. True when it got there.
  /// Replaces the assignment while it runs and unassigns at the end. Records below the
  /// low watermark are gone (auto.offset.reset=earliest skips to it); offsets without a
  /// record (compaction, transaction markers) are passed over by the partition's end.
  /// Fails (504) when `deadline` passes first, (503) on a partition error or a fatal one,
  /// (500) on a group member.
  result<bool> read_range(const std::string& topic, std::int32_t partition,
                          std::int64_t from, std::int64_t to, const record_fn& fn,
                          std::chrono::steady_clock::time_point deadline);

  /// read_range up to the high watermark at the time of the call (a restore's "read to
  /// the end"): returns that end offset. Records produced meanwhile are not read.
  result<std::int64_t> read_to_end(const std::string& topic, std::int32_t partition,
                                   std::int64_t from, const record_fn& fn,
                                   std::chrono::steady_clock::time_point deadline);

  /// Leaves the group gracefully (the listener's on_revoked runs inside, then the group
  /// rebalances at once instead of waiting for the session timeout). Idempotent; the
  /// consumer cannot be used afterwards.
  result<bool> close();

  bool has_group() const { return has_group_; }

private:
  kafka_consumer() = default;
  static void on_rebalance(rd_kafka_t* rk, rd_kafka_resp_err_t err,
                           rd_kafka_topic_partition_list_t* partitions, void* opaque);
  void assigned(rd_kafka_topic_partition_list_t* partitions, bool cooperative);
  void revoked(rd_kafka_topic_partition_list_t* partitions, bool cooperative);
  /// The next message or event of any kind, EOF included.
  std::optional<kafka_message> next(std::chrono::milliseconds timeout);
  /// Pauses or resumes `partitions`; those librdkafka refused go to `refused` (if given).
  result<bool> pause_resume(const std::vector<topic_partition>& partitions, bool pause,
                            std::vector<topic_partition>* refused = nullptr);

  client_handle rk_;
  kafka_options options_;
  bool has_group_ = false;
  bool report_eof_ = false;
  bool closing_ = false;  ///< inside close(): the listener may still commit
  bool closed_ = false;
  rebalance_listener listener_;
  std::set<topic_partition> paused_;  ///< paused by this class and not resumed
  std::vector<std::string> rebalance_errors_;  ///< returned by the next poll()s
};

} // namespace cohort::kafka
