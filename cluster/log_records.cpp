#include "cluster/log_records.hpp"

#include "codecs/msgpack_bytes.hpp"

#include <tuple>

namespace cohort::cluster {

namespace {

using codecs::pack;
using codecs::unpack;

using epoch_value = std::tuple<std::uint64_t, std::string>;
using epoch_offset = std::tuple<std::uint64_t, std::int64_t>;

} // namespace

std::string encode(const log_record& record) {
  return pack(std::make_tuple(record.what, record.ev, record.given));
}

result<log_record> decode_log_record(std::string_view bytes) {
  auto fields = unpack<std::tuple<log_record::kind, codecs::event, std::string>>(bytes,
                                                                                 "log record");
  if (!fields)
    return fields.error();
  auto& [what, ev, given] = *fields;
  if (what > log_record::kind::state)
    return failure{400, "unreadable log record: unknown kind " +
                          std::to_string(static_cast<int>(what))};
  return log_record{what, std::move(ev), std::move(given)};
}

std::string snapshot_key(std::string_view profile) {
  return "s/" + std::string(profile);
}

std::string encode_claim(std::uint64_t epoch, const std::string& node_id) {
  return pack(epoch_value{epoch, node_id});
}

std::string encode_marker(std::uint64_t epoch, std::int64_t events_offset) {
  return pack(epoch_offset{epoch, events_offset});
}

std::string encode_snapshot(std::uint64_t epoch, const std::string& bytes) {
  return pack(epoch_value{epoch, bytes});
}

result<bool> state_fold::add(std::string_view key, std::string_view value) {
  if (key == claim_key) {
    auto claim = unpack<epoch_value>(value, "claim");
    if (!claim)
      return claim.error();
    epoch_ = std::max(epoch_, std::get<0>(*claim));
    highest_ = std::max(highest_, epoch_);
    return true;
  }
  if (key == marker_key) {
    auto marker = unpack<epoch_offset>(value, "marker");
    if (!marker)
      return marker.error();
    highest_ = std::max(highest_, std::get<0>(*marker));
    if (std::get<0>(*marker) < epoch_)
      ++ignored_;
    else
      marker_ = std::get<1>(*marker);
    return true;
  }
  if (key.size() > 2 && key.substr(0, 2) == "s/") {
    auto snapshot = unpack<epoch_value>(value, "snapshot");
    if (!snapshot)
      return snapshot.error();
    highest_ = std::max(highest_, std::get<0>(*snapshot));
    if (std::get<0>(*snapshot) < epoch_)
      ++ignored_;
    else
      snapshots_[std::string(key.substr(2))] = std::move(std::get<1>(*snapshot));
    return true;
  }
  return failure{400, "unknown state record key '" + std::string(key) + "'"};
}

std::string encode_identity(std::uint64_t epoch, const std::optional<std::string>& bytes) {
  return pack(std::make_tuple(epoch, bytes.has_value(), bytes.value_or(std::string{})));
}

result<identity_entry> decode_identity(std::string_view key, std::string_view value) {
  auto fields = unpack<std::tuple<std::uint64_t, bool, std::string>>(value, "identity record");
  if (!fields)
    return fields.error();
  auto& [epoch, present, bytes] = *fields;
  identity_entry out{epoch, std::string(key), std::nullopt};
  if (present)
    out.bytes = std::move(bytes);
  return out;
}

std::string encode(const member_record& record) {
  return pack(record);
}

result<member_record> decode_member(std::string_view bytes) {
  return unpack<member_record>(bytes, "member record");
}

std::string encode(const actors::change_event& change) {
  return pack(change);
}

result<actors::change_event> decode_change(std::string_view bytes) {
  return unpack<actors::change_event>(bytes, "change");
}

} // namespace cohort::cluster
