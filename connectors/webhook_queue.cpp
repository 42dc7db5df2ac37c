#include "connectors/webhook_queue.hpp"

#include <memory>
#include <tuple>

#include <msgpack.hpp>
#include <rocksdb/write_batch.h>

#include "actors/stable_hash.hpp"

namespace cohort::connectors {

namespace {

void put_u32(std::string& out, std::uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8)
    out += static_cast<char>((v >> shift) & 0xff);
}

std::uint32_t get_u32(const char* p) {
  std::uint32_t v = 0;
  for (int i = 0; i < 4; ++i)
    v = (v << 8) | static_cast<unsigned char>(p[i]);
  return v;
}

std::string prefix_of(std::uint32_t destination) {
  std::string key;
  put_u32(key, destination);
  return key;
}

std::string key_of(std::uint32_t destination, const queued_ref& ref) {
  auto key = prefix_of(destination);
  put_u32(key, static_cast<std::uint32_t>(ref.profile.size()));
  key += ref.profile;
  key += storage::sequence_key(ref.seq);
  return key;
}

failure store_failure(const char* what, const rocksdb::Status& st) {
  return failure{503, std::string("webhook queue ") + what + ": " + st.ToString()};
}

using stored_value = std::tuple<std::int64_t, std::string>;

} // namespace

webhook_queue::webhook_queue(storage::store& db, bool fsync) : db_(db), fsync_(fsync) {
}

std::uint32_t webhook_queue::destination_id(const std::string& url) {
  return static_cast<std::uint32_t>(actors::stable_hash(url) & 0xffffffffu);
}

result<bool> webhook_queue::put(const std::vector<queue_entry>& entries) {
  rocksdb::WriteBatch batch;
  msgpack::sbuffer buf;
  for (const auto& e : entries) {
    buf.clear();
    msgpack::pack(buf, stored_value{e.ref.enqueued_ms, e.body});
    batch.Put(db_.handle(storage::family::webhooks), key_of(e.destination, e.ref),
              rocksdb::Slice(buf.data(), buf.size()));
  }
  rocksdb::WriteOptions options;
  options.sync = fsync_;
  if (auto st = db_.db().Write(options, &batch); !st.ok())
    return store_failure("write failed", st);
  return true;
}

result<bool> webhook_queue::remove(std::uint32_t destination, const queued_ref& ref) {
  auto st = db_.db().Delete(rocksdb::WriteOptions{}, db_.handle(storage::family::webhooks),
                            key_of(destination, ref));
  if (!st.ok())
    return store_failure("delete failed", st);
  return true;
}

result<std::optional<std::string>> webhook_queue::body(std::uint32_t destination,
                                                        const queued_ref& ref) {
  std::string value;
  auto st = db_.db().Get(rocksdb::ReadOptions{}, db_.handle(storage::family::webhooks),
                         key_of(destination, ref), &value);
  if (st.IsNotFound())
    return std::optional<std::string>{};
  if (!st.ok())
    return store_failure("read failed", st);
  try {
    stored_value stored;
    msgpack::unpack(value.data(), value.size()).get().convert(stored);
    return std::optional<std::string>{std::move(std::get<1>(stored))};
  } catch (const std::exception& e) {
    return failure{500, std::string("webhook queue entry unreadable: ") + e.what()};
  }
}

result<std::vector<queued_ref>> webhook_queue::load(std::uint32_t destination) {
  const auto prefix = prefix_of(destination);
  std::unique_ptr<rocksdb::Iterator> it{
    db_.db().NewIterator(rocksdb::ReadOptions{}, db_.handle(storage::family::webhooks))};
  std::vector<queued_ref> out;
  for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix); it->Next()) {
    const auto key = it->key();
    if (key.size() < 16)
      return failure{500, "webhook queue key too short"};
    const auto length = get_u32(key.data() + 4);
    if (key.size() != 16 + static_cast<std::size_t>(length))
      return failure{500, "webhook queue key malformed"};
    queued_ref ref;
    ref.profile.assign(key.data() + 8, length);
    ref.seq = storage::sequence_of(rocksdb::Slice(key.data() + 8 + length, 8));
    try {
      stored_value stored;
      msgpack::unpack(it->value().data(), it->value().size()).get().convert(stored);
      ref.enqueued_ms = std::get<0>(stored);
    } catch (const std::exception& e) {
      return failure{500, std::string("webhook queue entry unreadable: ") + e.what()};
    }
    out.push_back(std::move(ref));
  }
  if (!it->status().ok())
    return store_failure("read failed", it->status());
  return out;
}

} // namespace cohort::connectors
