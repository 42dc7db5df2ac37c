#pragma once

// The records of the cluster's topics (docs/cluster.md, section 2), as msgpack arrays:
// positional, new fields last, so that a newer node reads an older node's records.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <msgpack.hpp>

#include "actors/change_event.hpp"
#include "codecs/event.hpp"
#include "codecs/result.hpp"

namespace cohort::cluster {

/// One record of <prefix>.events: a user event, or one step of a transfer of state
/// between two profiles (a merge or an unmerge), in the form actors/transfer.hpp gives
/// transfer records.
struct log_record {
  enum class kind : std::uint8_t {
    event = 0,     ///< A user event (profile_id and origin stamped by identity resolution).
    await = 1,     ///< In the receiver's partition: wait for the state of this transfer.
    transfer = 2,  ///< In the giver's partition: hand the state over at this point.
    state = 3,     ///< In the receiver's partition: the state handed over (`given`).
  };
  kind what = kind::event;
  codecs::event ev;   ///< The event, or the transfer record.
  std::string given;  ///< state: the giver's state bytes ("" when it had none).
};

std::string encode(const log_record& record);
/// Fails (400) on bytes that are not a log record, naming what is wrong.
result<log_record> decode_log_record(std::string_view bytes);

/// The keys of <prefix>.state (one partition of it per events partition).
inline constexpr std::string_view claim_key = "c";
inline constexpr std::string_view marker_key = "m";
/// "s/<profile>": the profile's snapshot.
std::string snapshot_key(std::string_view profile);

std::string encode_claim(std::uint64_t epoch, const std::string& node_id);
std::string encode_marker(std::uint64_t epoch, std::int64_t events_offset);
/// Empty `bytes`: the profile's state was deleted.
std::string encode_snapshot(std::uint64_t epoch, const std::string& bytes);

/// Folds one state partition, read in log order, into what a new owner restores, by the
/// restore rule: a snapshot or marker whose epoch is below the highest claim seen before
/// it was written by a zombie (an owner that lost the partition) and is ignored.
class state_fold {
public:
  /// Takes the next record; fails (400) on one it cannot read (the fold is unchanged).
  result<bool> add(std::string_view key, std::string_view value);

  /// The highest claim epoch seen (0: never claimed).
  std::uint64_t epoch() const { return epoch_; }
  /// The highest epoch of any record seen: a new claim goes above it, also when the
  /// claims themselves are gone from a partition that kept only its latest records.
  std::uint64_t highest_epoch() const { return highest_; }
  /// The last valid marker's events offset: where consumption resumes (0: none yet).
  std::int64_t marker() const { return marker_; }
  /// Each profile's latest valid snapshot; "" for a deleted one.
  const std::map<std::string, std::string>& snapshots() const { return snapshots_; }
  /// Records ignored by the restore rule.
  std::uint64_t ignored() const { return ignored_; }

private:
  std::uint64_t epoch_ = 0;
  std::uint64_t highest_ = 0;
  std::int64_t marker_ = 0;
  std::map<std::string, std::string> snapshots_;
  std::uint64_t ignored_ = 0;
};

/// A record of <prefix>.identity: an identity-graph record (bytes; nullopt: deleted) or,
/// under key "c", a sequencer's claim (bytes: its node id).
struct identity_entry {
  std::uint64_t epoch = 0;
  std::string key;
  std::optional<std::string> bytes;
  bool is_claim() const { return key == claim_key; }
};

std::string encode_identity(std::uint64_t epoch, const std::optional<std::string>& bytes);
result<identity_entry> decode_identity(std::string_view key, std::string_view value);

/// One partition as its owner reports it in <prefix>.members.
struct partition_report {
  std::int32_t partition = 0;
  std::string state;         ///< claiming | restoring | serving | revoking
  std::uint64_t epoch = 0;   ///< Of the owner's claim.
  std::int64_t applied = 0;  ///< Next events offset to apply.
  std::int64_t end = 0;      ///< The partition's end offset (high watermark) last seen.
  MSGPACK_DEFINE(partition, state, epoch, applied, end)
};

/// A node's view of itself, written to <prefix>.members every second.
struct member_record {
  std::string node_id;
  std::string boot_id;  ///< Differs after a restart: peers reconnect.
  std::string http;     ///< HTTP address (host:port).
  std::string cluster;  ///< CAF middleman address other nodes dial (host:port).
  std::int64_t at_ms = 0;
  bool leaving = false;  ///< A graceful stop: forget it at once.
  std::vector<partition_report> partitions;
  std::uint64_t sequencer_epoch = 0;  ///< Non-zero while it sequences the identity log.
  MSGPACK_DEFINE(node_id, boot_id, http, cluster, at_ms, leaving, partitions, sequencer_epoch)
};

std::string encode(const member_record& record);
result<member_record> decode_member(std::string_view bytes);

std::string encode(const actors::change_event& change);
result<actors::change_event> decode_change(std::string_view bytes);

} // namespace cohort::cluster

MSGPACK_ADD_ENUM(cohort::cluster::log_record::kind);
