#include "storage/store.hpp"

#include <filesystem>
#include <vector>

namespace cohort::storage {

namespace {

constexpr const char* family_names[] = {"events", "snapshots", "dedup", "deadletters",
                                        "identity", "meta", "webhooks", "decisions"};
constexpr const char* format_key = "format";
constexpr const char* format_value = "cohort-store-1";

bool is_foreign_dir(const std::string& dir) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (!fs::exists(dir, ec))
    return false;
  if (!fs::is_directory(dir, ec))
    return true;
  return !fs::is_empty(dir, ec) && !fs::exists(fs::path(dir) / "CURRENT", ec);
}

} // namespace

std::string sequence_key(std::uint64_t seq) {
  std::string key(8, '\0');
  for (int i = 7; i >= 0; --i, seq >>= 8)
    key[i] = static_cast<char>(seq & 0xff);
  return key;
}

std::uint64_t sequence_of(const rocksdb::Slice& key) {
  std::uint64_t seq = 0;
  for (std::size_t i = 0; i < key.size() && i < 8; ++i)
    seq = (seq << 8) | static_cast<unsigned char>(key[i]);
  return seq;
}

store::~store() {
  for (auto* h : handles_)
    if (h != nullptr)
      db_->DestroyColumnFamilyHandle(h);
}

result<std::unique_ptr<store>> store::open(const std::string& dir) {
  if (is_foreign_dir(dir))
    return failure{500, "data directory " + dir + " exists and is not a Cohort store"};
  rocksdb::DBOptions options;
  options.create_if_missing = true;
  options.create_missing_column_families = true;
  // The WAL holds acknowledged events not yet in any SST. RocksDB's default recovery
  // (point in time) stops at the first bad record and opens anyway, silently dropping
  // every later write. Only an incomplete last record (a write cut by the crash, never
  // acknowledged) may be dropped; corruption anywhere else fails the open.
  options.wal_recovery_mode = rocksdb::WALRecoveryMode::kTolerateCorruptedTailRecords;
  // The small meta family (a checkpoint record every few seconds) never fills a memtable,
  // so without a bound it pins every WAL file until RocksDB's default 4 GiB limit: a crash
  // then costs ~20-40 s of WAL replay at start (bench/recovery.sh). 256 MiB forces the
  // flushes that keep recovery near one second.
  options.max_total_wal_size = 256 << 20;
  std::vector<rocksdb::ColumnFamilyDescriptor> families{
    {rocksdb::kDefaultColumnFamilyName, rocksdb::ColumnFamilyOptions{}}};
  for (const char* name : family_names)
    families.emplace_back(name, rocksdb::ColumnFamilyOptions{});
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* raw = nullptr;
  auto st = rocksdb::DB::Open(options, dir, families, &handles, &raw);
  if (!st.ok())
    return failure{500, "cannot open data directory " + dir + ": " + st.ToString()};
  std::unique_ptr<store> s{new store};
  s->dir_ = dir;
  s->db_.reset(raw);
  // Handle 0 is the default family, which Cohort leaves empty.
  s->db_->DestroyColumnFamilyHandle(handles[0]);
  for (std::size_t i = 1; i < handles.size(); ++i)
    s->handles_[i - 1] = handles[i];
  std::string marker;
  st = s->db_->Get(rocksdb::ReadOptions{}, s->handle(family::meta), format_key, &marker);
  if (st.IsNotFound()) {
    st = s->db_->Put(rocksdb::WriteOptions{}, s->handle(family::meta), format_key, format_value);
  } else if (st.ok() && marker != format_value) {
    return failure{500, "data directory " + dir + " has store format '" + marker
                          + "', expected '" + format_value + "'"};
  }
  if (!st.ok())
    return failure{500, "cannot read data directory " + dir + ": " + st.ToString()};
  return s;
}

} // namespace cohort::storage
