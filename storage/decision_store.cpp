#include "storage/decision_store.hpp"

#include "codecs/msgpack_bytes.hpp"

#include <memory>
#include <tuple>

#include <msgpack.hpp>
#include <rocksdb/write_batch.h>

namespace cohort::storage {

namespace {

/// Deletes at most this many decisions per prune write, so one write stays small.
constexpr std::uint64_t prune_chunk = 10000;

template <class T>
T unpacked(const rocksdb::Slice& bytes) {
  auto handle = msgpack::unpack(bytes.data(), bytes.size());
  return handle.get().as<T>();
}

std::string decision_key(const std::string& id) { return "d/" + id; }
std::string expiry_key(std::int64_t at_ms, const std::string& id) {
  return "x/" + sequence_key(static_cast<std::uint64_t>(at_ms)) + id;
}
std::string latest_key(const std::string& user, const std::string& placement) {
  return "l/" + user + '\x1f' + placement;
}
std::string outcomes_key(const std::string& id) { return "o/" + id; }
std::string message_key(const std::string& id) { return "m/" + id; }
std::string arm_key_of(const actors::arm_key& arm) {
  return "a/" + codecs::pack(std::make_tuple(arm.placement, arm.segment, arm.variant, arm.holdout));
}
const std::string version_key = "v";
std::string learned_version_key(std::uint64_t version) { return "s/" + sequence_key(version); }
const std::string learned_head_key = "h";
std::string held_out_key(std::uint64_t seq) { return "r/" + sequence_key(seq); }
const std::string position_key = "f";

failure store_failure(const rocksdb::Status& st) {
  return failure{500, "decision store: " + st.ToString()};
}

} // namespace

result<std::optional<std::string>> decision_store::get(const std::string& key) {
  std::string value;
  auto st = store_.db().Get(rocksdb::ReadOptions{}, store_.handle(family::decisions), key, &value);
  if (st.IsNotFound())
    return std::optional<std::string>{};
  if (!st.ok())
    return store_failure(st);
  return std::optional<std::string>{std::move(value)};
}

result<bool> decision_store::write(rocksdb::WriteBatch& batch, bool sync) {
  rocksdb::WriteOptions options;
  options.sync = sync;
  auto st = store_.db().Write(options, &batch);
  if (!st.ok())
    return store_failure(st);
  return true;
}

result<bool> decision_store::record(const actors::decision_record& decision) {
  auto* cf = store_.handle(family::decisions);
  rocksdb::WriteBatch batch;
  batch.Put(cf, decision_key(decision.id), codecs::pack(decision));
  batch.Put(cf, expiry_key(decision.at_ms, decision.id), "");
  batch.Put(cf, latest_key(decision.user_id, decision.placement), decision.id);
  std::lock_guard<std::mutex> guard{latest_mutex_};
  return write(batch, false);
}

result<bool> decision_store::advance(const actors::feedback_position& position) {
  auto st = store_.db().Put(rocksdb::WriteOptions{}, store_.handle(family::decisions),
                            position_key, codecs::pack(position));
  if (!st.ok())
    return store_failure(st);
  return true;
}

result<actors::feedback_position> decision_store::position() {
  auto bytes = get(position_key);
  if (!bytes)
    return bytes.error();
  if (!*bytes)
    return actors::feedback_position{};
  return unpacked<actors::feedback_position>(**bytes);
}

result<actors::posteriors> decision_store::load() {
  actors::posteriors out;
  std::unique_ptr<rocksdb::Iterator> it{
    store_.db().NewIterator(rocksdb::ReadOptions{}, store_.handle(family::decisions))};
  for (it->Seek("a/"); it->Valid() && it->key().starts_with("a/"); it->Next()) {
    auto key = it->key();
    key.remove_prefix(2);
    auto [placement, segment, variant, holdout] =
      unpacked<std::tuple<std::string, std::string, std::string, bool>>(key);
    out.arms[actors::arm_key{placement, segment, variant, holdout}] =
      unpacked<actors::arm_counts>(it->value());
  }
  if (!it->status().ok())
    return store_failure(it->status());
  auto version = get(version_key);
  if (!version)
    return version.error();
  if (*version)
    out.version = sequence_of(**version);
  return out;
}

result<actors::learned_saved> decision_store::load_learned() {
  actors::learned_saved saved;
  std::unique_ptr<rocksdb::Iterator> it{
    store_.db().NewIterator(rocksdb::ReadOptions{}, store_.handle(family::decisions))};
  for (it->Seek("s/"); it->Valid() && it->key().starts_with("s/"); it->Next())
    saved.versions.push_back(unpacked<actors::learned_version>(it->value()));
  for (it->Seek("r/"); it->Valid() && it->key().starts_with("r/"); it->Next())
    saved.held_out.push_back(unpacked<actors::held_out_example>(it->value()));
  if (!it->status().ok())
    return store_failure(it->status());
  auto head = get(learned_head_key);
  if (!head)
    return head.error();
  if (*head)
    saved.head = unpacked<actors::learned_head>(**head);
  return saved;
}

result<bool> decision_store::forget_learned() {
  auto* cf = store_.handle(family::decisions);
  rocksdb::WriteBatch batch;
  batch.DeleteRange(cf, "s/", "s0");  // '0' follows '/': every "s/..." key
  batch.DeleteRange(cf, "r/", "r0");
  batch.Delete(cf, learned_head_key);
  return write(batch, true);
}

result<bool> decision_store::commit_learned(const actors::learned_commit& commit, bool sync) {
  auto* cf = store_.handle(family::decisions);
  rocksdb::WriteBatch batch;
  for (const auto& v : commit.versions)
    batch.Put(cf, learned_version_key(v.version), codecs::pack(v));
  batch.DeleteRange(cf, "r/", held_out_key(commit.held_out_from));
  for (const auto& e : commit.held_out)
    batch.Put(cf, held_out_key(e.seq), codecs::pack(e));
  batch.Put(cf, learned_head_key, codecs::pack(commit.head));
  return write(batch, sync);
}

result<std::optional<actors::decision_record>>
decision_store::find(const std::string& id) {
  auto bytes = get(decision_key(id));
  if (!bytes)
    return bytes.error();
  if (!*bytes)
    return std::optional<actors::decision_record>{};
  return std::optional<actors::decision_record>{unpacked<actors::decision_record>(**bytes)};
}

result<std::optional<std::string>> decision_store::latest(const std::string& user_id,
                                                          const std::string& placement) {
  return get(latest_key(user_id, placement));
}

result<actors::decision_outcomes> decision_store::outcomes_of(const std::string& id) {
  auto bytes = get(outcomes_key(id));
  if (!bytes)
    return bytes.error();
  if (!*bytes)
    return actors::decision_outcomes{};
  return unpacked<actors::decision_outcomes>(**bytes);
}

result<std::optional<std::string>> decision_store::message(const std::string& message_id) {
  return get(message_key(message_id));
}

result<bool> decision_store::commit(const actors::outcome_commit& commit) {
  auto* cf = store_.handle(family::decisions);
  rocksdb::WriteBatch batch;
  for (const auto& [id, outcomes] : commit.decisions) {
    batch.Put(cf, outcomes_key(id), codecs::pack(outcomes));
    for (const auto& message_id : outcomes.message_ids)
      batch.Put(cf, message_key(message_id), id);
  }
  for (const auto& [arm, counts] : commit.arms)
    batch.Put(cf, arm_key_of(arm), codecs::pack(counts));
  batch.Put(cf, version_key, sequence_key(commit.version));
  return write(batch, true);
}

result<std::uint64_t> decision_store::prune(std::int64_t before_ms) {
  auto* cf = store_.handle(family::decisions);
  const std::string end = expiry_key(before_ms, "");
  std::uint64_t pruned = 0;
  for (;;) {
    rocksdb::WriteBatch batch;
    std::uint64_t chunk = 0;
    std::unique_ptr<rocksdb::Iterator> it{store_.db().NewIterator(rocksdb::ReadOptions{}, cf)};
    std::lock_guard<std::mutex> guard{latest_mutex_};
    for (it->Seek("x/"); it->Valid() && it->key().starts_with("x/")
                         && it->key().compare(end) < 0 && chunk < prune_chunk;
         it->Next(), ++chunk) {
      const std::string id = it->key().ToString().substr(2 + 8);
      batch.Delete(cf, it->key());
      batch.Delete(cf, decision_key(id));
      auto decision = find(id);
      if (!decision)
        return decision.error();
      if (*decision) {
        const auto pointer = latest_key((*decision)->user_id, (*decision)->placement);
        auto latest = get(pointer);
        if (!latest)
          return latest.error();
        if (*latest == id)
          batch.Delete(cf, pointer);
      }
      auto outcomes = outcomes_of(id);
      if (!outcomes)
        return outcomes.error();
      for (const auto& message_id : outcomes->message_ids)
        batch.Delete(cf, message_key(message_id));
      batch.Delete(cf, outcomes_key(id));
    }
    if (!it->status().ok())
      return store_failure(it->status());
    if (chunk == 0)
      return pruned;
    if (auto written = write(batch, false); !written)
      return written.error();
    pruned += chunk;
    if (chunk < prune_chunk)
      return pruned;
  }
}

} // namespace cohort::storage
