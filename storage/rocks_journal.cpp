#include "storage/rocks_journal.hpp"

#include <memory>

#include <msgpack.hpp>
#include <rocksdb/write_batch.h>

namespace cohort::storage {

namespace {

constexpr const char* checkpoint_key = "checkpoint";

failure store_failure(const char* what, const rocksdb::Status& st) {
  return failure{503, std::string(what) + ": " + st.ToString()};
}

/// Adds puts and deletes of `writes` to `batch` in column family `cf`.
void add_writes(rocksdb::WriteBatch& batch, rocksdb::ColumnFamilyHandle* cf,
                const actors::keyed_writes& writes) {
  for (const auto& [key, bytes] : writes) {
    if (bytes)
      batch.Put(cf, key, *bytes);
    else
      batch.Delete(cf, key);
  }
}

/// Decodes one event-log record into `out`: the events of one append, or (as written
/// before records held a whole append) a single event.
result<bool> read_record(const rocksdb::Slice& value, actors::event_batch& out) {
  out.clear();
  try {
    auto handle = msgpack::unpack(value.data(), value.size());
    const auto& obj = handle.get();
    if (obj.type == msgpack::type::ARRAY && obj.via.array.size > 0
        && obj.via.array.ptr[0].type == msgpack::type::ARRAY)
      obj.convert(out);
    else
      out.push_back(obj.as<codecs::event>());
  } catch (const msgpack::type_error& e) {
    return failure{500, e.what()};
  } catch (const msgpack::unpack_error& e) {
    return failure{500, e.what()};
  }
  return true;
}

} // namespace

rocks_journal::rocks_journal(store& db, bool fsync) : db_(db), fsync_(fsync) {
  std::string value;
  auto st = db_.db().Get(rocksdb::ReadOptions{}, db_.handle(family::meta), checkpoint_key, &value);
  if (st.ok())
    checkpointed_ = sequence_of(value);
  std::unique_ptr<rocksdb::Iterator> it{
    db_.db().NewIterator(rocksdb::ReadOptions{}, db_.handle(family::events))};
  it->SeekToLast();
  next_seq_ = std::max(checkpointed_, it->Valid() ? sequence_of(it->key()) : 0) + 1;
}

result<bool> rocks_journal::append(actors::event_batch& events,
                                   const actors::keyed_writes& identity,
                                   const actors::keyed_writes& positions) {
  std::lock_guard<std::mutex> guard{append_mutex_};
  rocksdb::WriteBatch batch;
  add_writes(batch, db_.handle(family::identity), identity);
  add_writes(batch, db_.handle(family::meta), positions);
  auto seq = next_seq_;
  for (auto& ev : events)
    ev.seq = seq++;
  // One record for the whole append, keyed by its last sequence number: a memtable insert
  // per event (a skiplist search each) was a sixth of cohortd's instructions per event.
  // The array of events is packed one element at a time, so that each event can be
  // given its own bytes (codecs::packed_slice).
  std::shared_ptr<msgpack::sbuffer> record;  // none for an append of positions only
  std::vector<std::size_t> bounds;           // event i is record[bounds[i], bounds[i + 1])
  if (!events.empty()) {
    record = std::make_shared<msgpack::sbuffer>();
    bounds.reserve(events.size() + 1);
    msgpack::packer<msgpack::sbuffer> pk{*record};
    pk.pack_array(static_cast<std::uint32_t>(events.size()));
    bounds.push_back(record->size());
    for (const auto& ev : events) {
      pk.pack(ev);
      bounds.push_back(record->size());
    }
    batch.Put(db_.handle(family::events), sequence_key(seq - 1),
              rocksdb::Slice(record->data(), record->size()));
  }
  rocksdb::WriteOptions options;
  options.sync = fsync_;
  auto st = db_.db().Write(options, &batch);
  if (!st.ok()) {
    for (auto& ev : events)
      ev.seq = 0;
    return store_failure("event log append failed", st);
  }
  next_seq_ = seq;
  if (events.empty())
    return true;
  std::shared_ptr<const char> bytes{record, record->data()};  // owns the whole record
  for (std::size_t i = 0; i < events.size(); ++i)
    events[i].packed = codecs::packed_slice{bytes, bounds[i], bounds[i + 1] - bounds[i]};
  return true;
}

result<bool> rocks_journal::put_snapshot(const std::string& key, const std::string& bytes) {
  auto st = db_.db().Put(rocksdb::WriteOptions{}, db_.handle(family::snapshots), key, bytes);
  if (!st.ok())
    return store_failure("snapshot write failed", st);
  return true;
}

result<bool> rocks_journal::put_snapshots(const actors::keyed_writes& snapshots) {
  rocksdb::WriteBatch batch;
  add_writes(batch, db_.handle(family::snapshots), snapshots);
  auto st = db_.db().Write(rocksdb::WriteOptions{}, &batch);
  if (!st.ok())
    return store_failure("snapshot write failed", st);
  return true;
}

result<actors::keyed_writes> rocks_journal::identity_records() {
  std::unique_ptr<rocksdb::Iterator> it{
    db_.db().NewIterator(rocksdb::ReadOptions{}, db_.handle(family::identity))};
  actors::keyed_writes out;
  for (it->SeekToFirst(); it->Valid(); it->Next())
    out.emplace_back(it->key().ToString(), it->value().ToString());
  if (!it->status().ok())
    return failure{500, "identity graph read failed: " + it->status().ToString()};
  return out;
}

result<std::optional<std::string>> rocks_journal::get_snapshot(const std::string& key) {
  std::string value;
  auto st = db_.db().Get(rocksdb::ReadOptions{}, db_.handle(family::snapshots), key, &value);
  if (st.IsNotFound())
    return std::optional<std::string>{};
  if (!st.ok())
    return store_failure("snapshot read failed", st);
  return std::optional<std::string>{std::move(value)};
}

result<bool> rocks_journal::checkpoint(std::uint64_t seq) {
  rocksdb::WriteBatch batch;
  batch.Put(db_.handle(family::meta), checkpoint_key, sequence_key(seq));
  batch.DeleteRange(db_.handle(family::events), sequence_key(0), sequence_key(seq + 1));
  rocksdb::WriteOptions options;
  options.sync = fsync_;
  auto st = db_.db().Write(options, &batch);
  if (!st.ok())
    return store_failure("checkpoint failed", st);
  checkpointed_ = seq;
  return true;
}

result<std::uint64_t> rocks_journal::replay(
  std::size_t chunk, const std::function<void(actors::event_batch&&)>& fn) {
  std::unique_ptr<rocksdb::Iterator> it{
    db_.db().NewIterator(rocksdb::ReadOptions{}, db_.handle(family::events))};
  std::uint64_t count = 0;
  actors::event_batch batch;
  actors::event_batch record;
  // A record's key is its last event's number: the first record to read may begin before
  // the checkpoint, whose events are skipped.
  for (it->Seek(sequence_key(checkpointed_ + 1)); it->Valid(); it->Next()) {
    if (auto read = read_record(it->value(), record); !read)
      return failure{500, "event log entry " + std::to_string(sequence_of(it->key()))
                            + " is unreadable: " + read.error().reason};
    for (auto& ev : record) {
      if (ev.seq <= checkpointed_)
        continue;
      batch.push_back(std::move(ev));
      ++count;
      if (batch.size() == chunk)
        fn(std::exchange(batch, {}));
    }
  }
  if (!it->status().ok())
    return failure{500, "event log read failed: " + it->status().ToString()};
  if (!batch.empty())
    fn(std::move(batch));
  return count;
}

} // namespace cohort::storage
