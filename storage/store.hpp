#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <string>

#include <rocksdb/db.h>

#include "codecs/result.hpp"

namespace cohort::storage {

/// A sequence number as an 8-byte big-endian key, so that byte order is numeric order.
std::string sequence_key(std::uint64_t seq);

/// The sequence number of a key made by sequence_key().
std::uint64_t sequence_of(const rocksdb::Slice& key);

/// The column families of the data directory, one per kind of durable state.
enum class family : std::size_t {
  events,       ///< Accepted-event log.
  snapshots,    ///< User state snapshots (msgpack).
  dedup,        ///< Message ids seen within the dedup window.
  deadletters,  ///< Rejected and late messages with their reasons.
  identity,     ///< Identity graph.
  meta,         ///< Format marker, checkpoints.
  webhooks,     ///< Webhook delivery queues (connectors/webhook_queue.hpp).
  decisions,    ///< Decisions, their outcomes and the bandit's counts (decision_store.hpp).
  count_
};

/// The node's RocksDB database. Opening refuses a directory that holds something other
/// than a Cohort store (a clear error, nothing written), so a wrong `--data` path never
/// turns into a silent partial start.
class store {
public:
  ~store();
  store(const store&) = delete;
  store& operator=(const store&) = delete;

  /// Opens or creates the store in `dir`. Fails (status 500 in the failure) with the
  /// RocksDB reason, or when `dir` is a foreign, non-empty directory.
  static result<std::unique_ptr<store>> open(const std::string& dir);

  rocksdb::DB& db() { return *db_; }
  rocksdb::ColumnFamilyHandle* handle(family f) { return handles_[static_cast<std::size_t>(f)]; }
  const std::string& dir() const { return dir_; }

private:
  store() = default;
  std::string dir_;
  std::unique_ptr<rocksdb::DB> db_;
  std::array<rocksdb::ColumnFamilyHandle*, static_cast<std::size_t>(family::count_)> handles_{};
};

} // namespace cohort::storage
