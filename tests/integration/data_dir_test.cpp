// A data directory cohortd cannot trust — someone else's directory, a file, a RocksDB
// store with a damaged CURRENT or MANIFEST — stops the start with a clear message naming
// it and exit code 1: never a crash, never a silent partial start, nothing overwritten.
#include <signal.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <string>
#include <vector>

#include <boost/test/unit_test.hpp>

#include "messages.hpp"
#include "test_support.hpp"

using namespace cohort::it;
namespace fs = std::filesystem;

namespace {

std::set<std::string> listing(const std::string& dir) {
  std::set<std::string> names;
  for (const auto& entry : fs::directory_iterator(dir))
    names.insert(entry.path().filename().string());
  return names;
}

std::string join(const std::set<std::string>& names) {
  std::string out;
  for (const auto& n : names)
    out += (out.empty() ? "" : " ") + n;
  return out;
}

/// Runs cohortd on `data` with the default config; it is expected to refuse to start.
run_result start_on(const temp_dir& scratch, const std::string& data) {
  const std::string config = scratch.path() + "/cohort.yaml";
  write_file(config, default_config());
  // A server that wrongly starts runs until the timeout and is killed.
  return run_cohortd({"--config", config, "--listen", "127.0.0.1:0", "--data", data},
                     std::chrono::seconds(20));
}

void check_refused(const run_result& r, const std::string& data, const std::string& what) {
  BOOST_TEST(!r.timed_out, what << ": cohortd started (it should have refused)\nstdout: " << r.out);
  BOOST_TEST(r.out.find("listening") == std::string::npos, what << ": printed " << r.out);
  BOOST_TEST(r.exit_code == 1, what << ": exit code " << r.exit_code
                                    << (r.exit_code > 128 ? " (killed by a signal: a crash)" : "")
                                    << "\nstderr: " << r.err);
  BOOST_TEST(r.err.find(data) != std::string::npos,
             what << ": the message does not name " << data << ": " << r.err);
  BOOST_TEST_MESSAGE("data dir, " << what << ": exit " << r.exit_code << ": " << r.err);
}

/// A real store written by cohortd (one acknowledged event, clean SIGTERM), kept in
/// `pristine` so that each corruption starts from a copy of it.
struct stored_fixture {
  temp_dir scratch{"cohort-it-datadir"};
  std::string pristine = scratch.path() + "/pristine";
  std::string user = unique_id("dd-user");

  stored_fixture() {
    cohortd_process server;
    http_client client("127.0.0.1", server.port());
    auto res = post_json(client, "/v1/track", track_msg(user, "click", "dd-1"));
    BOOST_TEST_REQUIRE(res.status == 200, res.body);
    auto poll = wait_for_profile(client, user, [](const json_doc& p) { return p.int_at("/events") == 1; });
    BOOST_TEST_REQUIRE(poll.satisfied, poll.body);
    BOOST_TEST_REQUIRE(server.stop() == 0, server.stderr_text());
    fs::copy(server.data_dir(), pristine, fs::copy_options::recursive);
  }

  /// A fresh copy of the store to damage.
  std::string copy(const std::string& name) {
    const std::string dir = scratch.path() + "/" + name;
    fs::copy(pristine, dir, fs::copy_options::recursive);
    return dir;
  }

  std::string manifest_of(const std::string& dir) {
    for (const auto& entry : fs::directory_iterator(dir))
      if (entry.path().filename().string().rfind("MANIFEST-", 0) == 0)
        return entry.path().string();
    BOOST_FAIL("no MANIFEST-* in " << dir << ": " << join(listing(dir)));
    return {};
  }
};

void overwrite(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << bytes;
  BOOST_TEST_REQUIRE(out.good(), "cannot write " << path);
}

} // namespace

BOOST_AUTO_TEST_SUITE(data_dir, *boost::unit_test::label("processes"))

BOOST_AUTO_TEST_CASE(a_foreign_non_empty_directory_is_refused_and_left_alone) {
  temp_dir scratch("cohort-it-foreign");
  const std::string data = scratch.path() + "/photos";
  fs::create_directory(data);
  write_file(data + "/holiday.txt", "not a database\n");
  auto r = start_on(scratch, data);
  check_refused(r, data, "foreign directory");
  BOOST_TEST(r.err.find("not a Cohort store") != std::string::npos, r.err);
  BOOST_TEST(read_file(data + "/holiday.txt") == "not a database\n");
  BOOST_TEST(join(listing(data)) == "holiday.txt", "files were added: " << join(listing(data)));
}

BOOST_AUTO_TEST_CASE(a_regular_file_as_data_directory_is_refused_and_left_alone) {
  temp_dir scratch("cohort-it-foreign");
  const std::string data = scratch.path() + "/notes";
  write_file(data, "my notes\n");
  auto r = start_on(scratch, data);
  check_refused(r, data, "regular file");
  BOOST_TEST(read_file(data) == "my notes\n");
}

BOOST_AUTO_TEST_CASE(an_intact_copy_of_a_store_starts_and_serves_its_users) {
  // The control for the corruption cases below: copying a store is a valid way to
  // make one, so what breaks them is the damage alone.
  stored_fixture store;
  const std::string data = store.copy("intact");
  cohortd_process server(default_config(), {"--data", data});
  http_client client("127.0.0.1", server.port());
  auto poll = wait_for_profile(client, store.user, [](const json_doc& p) { return p.int_at("/events") == 1; });
  BOOST_TEST(poll.satisfied, poll.status << " " << poll.body);
}

BOOST_AUTO_TEST_CASE(a_store_with_a_damaged_current_or_manifest_is_refused) {
  stored_fixture store;
  struct damage {
    const char* name;
    void (*apply)(stored_fixture&, const std::string& dir);
  };
  const damage damages[] = {
      {"CURRENT emptied", [](stored_fixture&, const std::string& dir) { overwrite(dir + "/CURRENT", ""); }},
      {"CURRENT without newline",
       [](stored_fixture&, const std::string& dir) { overwrite(dir + "/CURRENT", "garbage"); }},
      {"CURRENT naming a missing manifest",
       [](stored_fixture&, const std::string& dir) { overwrite(dir + "/CURRENT", "MANIFEST-999999\n"); }},
      {"MANIFEST overwritten with garbage",
       [](stored_fixture& s, const std::string& dir) {
         const auto manifest = s.manifest_of(dir);
         overwrite(manifest, std::string(fs::file_size(manifest), '\x5a'));
       }},
      {"MANIFEST truncated to 0 bytes",
       [](stored_fixture& s, const std::string& dir) { overwrite(s.manifest_of(dir), ""); }},
      {"CURRENT deleted", [](stored_fixture&, const std::string& dir) { fs::remove(dir + "/CURRENT"); }},
  };
  int n = 0;
  for (const auto& d : damages) {
    const std::string dir = store.copy("damaged-" + std::to_string(n++));
    d.apply(store, dir);
    auto r = start_on(store.scratch, dir);
    check_refused(r, dir, d.name);
    // Refusing is stable: nothing was "repaired" into a store that starts next time.
    auto again = start_on(store.scratch, dir);
    BOOST_TEST(again.exit_code == 1, d.name << ": second start exit code " << again.exit_code
                                            << "\nstderr: " << again.err);
    BOOST_TEST(again.out.find("listening") == std::string::npos, d.name << ": second start printed " << again.out);
  }
}

/// A store whose WAL holds `n` acknowledged events (one user each) that no SST has yet:
/// written by a cohortd killed with SIGKILL right after the last acknowledgement.
struct wal_fixture {
  temp_dir scratch{"cohort-it-wal"};
  std::string run = unique_id("wal");
  std::string data;
  int n = 20;

  wal_fixture() {
    cohortd_process server;
    http_client client("127.0.0.1", server.port());
    for (int i = 0; i < n; ++i) {
      auto res = post_json(client, "/v1/track", track_msg(user(i), "click", run + "-" + std::to_string(i)));
      BOOST_TEST_REQUIRE(res.status == 200, res.body);
    }
    BOOST_TEST_REQUIRE(server.stop(SIGKILL) == 128 + SIGKILL);
    data = scratch.path() + "/data";
    fs::copy(server.data_dir(), data, fs::copy_options::recursive);
  }

  std::string user(int i) const { return run + "-u" + std::to_string(i); }

  /// The largest write-ahead log file (*.log), where the events are.
  std::string wal() const {
    std::string best;
    for (const auto& entry : fs::directory_iterator(data))
      if (entry.path().extension() == ".log" &&
          (best.empty() || fs::file_size(entry.path()) > fs::file_size(best)))
        best = entry.path().string();
    BOOST_TEST_REQUIRE(!best.empty(), "no *.log in " << data << ": " << join(listing(data)));
    return best;
  }
};

BOOST_AUTO_TEST_CASE(a_corrupted_record_inside_the_event_log_is_refused_not_skipped) {
  // RocksDB's default WAL recovery stops at the first bad record and opens anyway: every
  // acknowledged event after it would be gone without a word.
  wal_fixture store;
  const auto wal = store.wal();
  std::string bytes = read_file(wal);
  BOOST_TEST_REQUIRE(bytes.size() > 256u, wal << " has only " << bytes.size() << " bytes");
  for (std::size_t i = bytes.size() / 2; i < bytes.size() / 2 + 64; ++i)
    bytes[i] = static_cast<char>(bytes[i] ^ 0xff);
  overwrite(wal, bytes);
  auto r = start_on(store.scratch, store.data);
  check_refused(r, store.data, "corrupted WAL record");
  BOOST_TEST(r.err.find("Corruption") != std::string::npos, r.err);
}

BOOST_AUTO_TEST_CASE(an_incomplete_last_log_record_as_a_crash_leaves_it_still_starts) {
  // A write cut short by a crash was never acknowledged: dropping it is right, refusing
  // to start would not be.
  wal_fixture store;
  const auto wal = store.wal();
  const std::string bytes = read_file(wal);
  overwrite(wal, bytes.substr(0, bytes.size() - 5));
  cohortd_process server(default_config(), {"--data", store.data});
  http_client client("127.0.0.1", server.port());
  int present = 0;
  for (int i = 0; i < store.n; ++i) {
    auto res = client.get("/v1/profiles/" + store.user(i));
    BOOST_TEST((res.status == 200 || res.status == 404), res.status << " " << res.body);
    present += res.status == 200 ? 1 : 0;
  }
  // Only the torn record (the last write: the last event) may be missing.
  BOOST_TEST(present >= store.n - 1, present << " of " << store.n << " users survived");
  BOOST_TEST(server.stop() == 0, server.stderr_text());
}

BOOST_AUTO_TEST_SUITE_END()
