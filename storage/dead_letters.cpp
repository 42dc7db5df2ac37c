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
  it->SeekToLast();
  if (it->Valid())
    next_id_ = sequence_of(it->key()) + 1;
}

result<bool> dead_letters::append(std::vector<dead_letter> letters) {
  rocksdb::WriteBatch batch;
  auto first = next_id_.fetch_add(letters.size());
  for (std::size_t i = 0; i < letters.size(); ++i) {
    msgpack::sbuffer buf;
    auto& l = letters[i];
    msgpack::pack(buf, record{l.at_ms, l.source, l.reason, l.raw});
    batch.Put(store_.handle(family::deadletters), sequence_key(first + i),
              rocksdb::Slice(buf.data(), buf.size()));
  }
  auto st = store_.db().Write(rocksdb::WriteOptions{}, &batch);
  if (!st.ok())
    return failure{500, "dead-letter store: " + st.ToString()};
  for (const auto& l : letters)
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
