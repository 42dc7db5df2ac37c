#include "storage/dead_letters.hpp"

#include <memory>

#include <msgpack.hpp>
#include <rocksdb/write_batch.h>

namespace cohort::storage {

namespace {

struct record {
  std::int64_t at_ms;
  std::string source;
  std::string reason;
  std::string raw;
  MSGPACK_DEFINE(at_ms, source, reason, raw)
};

} // namespace

dead_letters::dead_letters(store& db) : store_(db) {
  std::unique_ptr<rocksdb::Iterator> it{
    store_.db().NewIterator(rocksdb::ReadOptions{}, store_.handle(family::deadletters))};
  std::uint64_t bytes = 0;
  for (it->SeekToFirst(); it->Valid(); it->Next())
    bytes += it->key().size() + it->value().size();
  bytes_ = bytes;
  it->SeekToLast();
  if (it->Valid())
    next_id_ = sequence_of(it->key()) + 1;
}

result<bool> dead_letters::append(std::vector<dead_letter> letters) {
  rocksdb::WriteBatch batch;
  auto first = next_id_.fetch_add(letters.size());
  std::uint64_t bytes = 0;
  for (std::size_t i = 0; i < letters.size(); ++i) {
    msgpack::sbuffer buf;
    auto& l = letters[i];
    msgpack::pack(buf, record{l.at_ms, l.source, l.reason, l.raw});
    auto key = sequence_key(first + i);
    bytes += key.size() + buf.size();
    batch.Put(store_.handle(family::deadletters), key, rocksdb::Slice(buf.data(), buf.size()));
  }
  auto st = store_.db().Write(rocksdb::WriteOptions{}, &batch);
  if (!st.ok())
    return failure{500, "dead-letter store: " + st.ToString()};
  bytes_ += bytes;
  for (const auto& l : letters)
    reasons_.add(l.reason);
  return true;
}

result<prune_result> dead_letters::prune(const retention& limits, std::int64_t now_ms) {
  // Letters are appended in time order, so everything to prune is a prefix of the keys.
  prune_result cut;
  const auto held = bytes_.load();
  std::unique_ptr<rocksdb::Iterator> it{
    store_.db().NewIterator(rocksdb::ReadOptions{}, store_.handle(family::deadletters))};
  std::uint64_t last_cut = 0;
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    auto handle = msgpack::unpack(it->value().data(), it->value().size());
    const bool too_old = now_ms - handle.get().as<record>().at_ms > limits.max_age_ms;
    if (!too_old && held - cut.bytes <= limits.max_bytes)
      break;
    last_cut = sequence_of(it->key());
    ++cut.letters;
    cut.bytes += it->key().size() + it->value().size();
  }
  if (!it->status().ok())
    return failure{500, "dead-letter store: " + it->status().ToString()};
  if (cut.letters == 0)
    return cut;
  // Up to the last letter scanned, not past it: appends may be landing meanwhile.
  auto st = store_.db().DeleteRange(rocksdb::WriteOptions{}, store_.handle(family::deadletters),
                                    sequence_key(0), sequence_key(last_cut + 1));
  if (!st.ok())
    return failure{500, "dead-letter store: " + st.ToString()};
  bytes_ -= cut.bytes;
  return cut;
}

std::vector<dead_letter> dead_letters::newest(std::size_t limit) const {
  std::vector<dead_letter> out;
  std::unique_ptr<rocksdb::Iterator> it{
    store_.db().NewIterator(rocksdb::ReadOptions{}, store_.handle(family::deadletters))};
  for (it->SeekToLast(); it->Valid() && out.size() < limit; it->Prev()) {
    auto handle = msgpack::unpack(it->value().data(), it->value().size());
    auto r = handle.get().as<record>();
    out.push_back({sequence_of(it->key()), r.at_ms, std::move(r.source), std::move(r.reason),
                   std::move(r.raw)});
  }
  return out;
}

} // namespace cohort::storage
