#include "storage/dead_letters.hpp"

#include <algorithm>
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

std::string packed(const dead_letter& l) {
  msgpack::sbuffer buf;
  msgpack::pack(buf, record{l.at_ms, l.source, l.reason, l.raw});
  return {buf.data(), buf.size()};
}

} // namespace

bool letter_selection::matches(const dead_letter& l) const {
  return l.reason.compare(0, reason.size(), reason) == 0 && (!from_ms || l.at_ms >= *from_ms)
         && (!to_ms || l.at_ms <= *to_ms)
         && (ids.empty() || std::find(ids.begin(), ids.end(), l.id) != ids.end());
}

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
    auto value = packed(letters[i]);
    auto key = sequence_key(first + i);
    bytes += key.size() + value.size();
    batch.Put(store_.handle(family::deadletters), key, value);
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

std::vector<dead_letter> dead_letters::select(const letter_selection& selection,
                                             std::size_t limit, bool& more) const {
  std::vector<dead_letter> out;
  more = false;
  std::unique_ptr<rocksdb::Iterator> it{
    store_.db().NewIterator(rocksdb::ReadOptions{}, store_.handle(family::deadletters))};
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    auto handle = msgpack::unpack(it->value().data(), it->value().size());
    auto r = handle.get().as<record>();
    dead_letter l{sequence_of(it->key()), r.at_ms, std::move(r.source), std::move(r.reason),
                  std::move(r.raw)};
    if (!selection.matches(l))
      continue;
    if (out.size() == limit) {
      more = true;
      break;
    }
    out.push_back(std::move(l));
  }
  return out;
}

result<bool> dead_letters::settle(const std::vector<dead_letter>& replayed,
                                  std::vector<dead_letter> failed_again, std::int64_t now_ms) {
  rocksdb::WriteBatch batch;
  std::uint64_t removed = 0;
  std::uint64_t added = 0;
  const std::vector<dead_letter>* groups[] = {&replayed, &failed_again};
  for (const auto* group : groups)
    for (const auto& l : *group) {
      auto key = sequence_key(l.id);
      std::string old;
      // Pruned meanwhile: nothing to delete, nothing to count.
      if (!store_.db().Get(rocksdb::ReadOptions{}, store_.handle(family::deadletters), key, &old)
             .ok())
        continue;
      removed += key.size() + old.size();
      batch.Delete(store_.handle(family::deadletters), key);
    }
  auto first = next_id_.fetch_add(failed_again.size());
  for (std::size_t i = 0; i < failed_again.size(); ++i) {
    failed_again[i].at_ms = now_ms;
    auto value = packed(failed_again[i]);
    auto key = sequence_key(first + i);
    added += key.size() + value.size();
    batch.Put(store_.handle(family::deadletters), key, value);
  }
  auto st = store_.db().Write(rocksdb::WriteOptions{}, &batch);
  if (!st.ok())
    return failure{500, "dead-letter store: " + st.ToString()};
  bytes_ += added;
  bytes_ -= removed;
  for (const auto& l : failed_again)
    reasons_.add(l.reason);
  return true;
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
