// Process contract: the listening line, clean signals, exit code 2 for bad flags/config
// before anything is written to the data directory.
#include <signal.h>

#include <boost/test/unit_test.hpp>
#include <algorithm>
#include <regex>

#include "test_support.hpp"

using namespace cohort::it;

namespace {

/// A temp dir with a config file, for runs that are expected to fail.
struct failed_start {
  temp_dir dir{"cohort-it-start"};
  std::string config = dir.path() + "/cohort.yaml";
  std::string data = dir.path() + "/data";

  run_result run(const std::string& yaml, std::vector<std::string> extra = {}) {
    write_file(config, yaml);
    std::vector<std::string> args = {"--config", config, "--listen", "127.0.0.1:0", "--data", data};
    args.insert(args.end(), extra.begin(), extra.end());
    // A server that wrongly starts would run until the timeout and be killed.
    return run_cohortd(args, std::chrono::seconds(10));
  }
};

void check_exit_2(const run_result& r, const failed_start& f, const std::string& what) {
  BOOST_TEST(!r.timed_out, what << ": cohortd kept running (it should have refused to start)");
  BOOST_TEST(r.exit_code == 2, what << ": exit code " << r.exit_code << ", stderr: " << r.err);
  BOOST_TEST(!r.err.empty(), what << ": no message on stderr");
  BOOST_TEST(!path_exists(f.data), what << ": data directory was created");
}

} // namespace

BOOST_AUTO_TEST_SUITE(startup, *boost::unit_test::label("processes"))

BOOST_AUTO_TEST_CASE(prints_listening_line_and_serves_health) {
  cohortd_process server;
  BOOST_TEST(server.port() > 0);
  BOOST_TEST(server.stdout_text().find("cohortd listening on http://127.0.0.1:" +
                                       std::to_string(server.port()) + "\n") != std::string::npos,
             server.stdout_text());
  http_client client("127.0.0.1", server.port());
  auto res = client.get("/healthz");
  BOOST_TEST(res.status == 200, res.body);
  BOOST_TEST(path_exists(server.data_dir()), "data dir not created by a running server");
}

BOOST_AUTO_TEST_CASE(sigterm_and_sigint_stop_cleanly) {
  for (int sig : {SIGTERM, SIGINT}) {
    cohortd_process server;
    http_client client("127.0.0.1", server.port());
    BOOST_TEST_REQUIRE(client.get("/healthz").status == 200);
    int code = server.stop(sig, std::chrono::seconds(15));
    BOOST_TEST(code == 0, "signal " << sig << ": exit code " << code << "\nstderr:\n"
                                    << server.stderr_text());
  }
}

BOOST_AUTO_TEST_CASE(bad_config_value_names_key_and_line) {
  failed_start f;
  auto r = f.run("# test config\n"
                 "ingest:\n"
                 "  dedup_window: banana\n"
                 "  write_keys: [k]\n");
  check_exit_2(r, f, "dedup_window: banana");
  BOOST_TEST(r.err.find("dedup_window") != std::string::npos, "key not named: " << r.err);
  static const std::regex line3(R"((line[ :]*3\b)|(:3(:|\b)))", std::regex::icase);
  BOOST_TEST(std::regex_search(r.err, line3), "line 3 not named: " << r.err);
}

BOOST_AUTO_TEST_CASE(yaml_syntax_error_is_exit_2) {
  failed_start f;
  auto r = f.run("ingest:\n  write_keys: [a, b\n  dedup_window: 24h\n");
  check_exit_2(r, f, "unterminated flow sequence");
  static const std::regex any_line(R"((line[ :]*\d+)|(:\d+(:|\b)))", std::regex::icase);
  BOOST_TEST(std::regex_search(r.err, any_line), "no line number: " << r.err);
}

BOOST_AUTO_TEST_CASE(wrong_type_for_section_is_exit_2) {
  failed_start f;
  auto r = f.run("ingest:\n  max_body_bytes: [1, 2]\n");
  check_exit_2(r, f, "max_body_bytes as a list");
  BOOST_TEST(r.err.find("max_body_bytes") != std::string::npos, r.err);
}

BOOST_AUTO_TEST_CASE(missing_config_file_is_exit_2) {
  failed_start f;
  const std::string missing = f.dir.path() + "/does-not-exist.yaml";
  auto r = run_cohortd({"--config", missing, "--listen", "127.0.0.1:0", "--data", f.data},
                       std::chrono::seconds(10));
  check_exit_2(r, f, "missing config");
  BOOST_TEST(r.err.find("does-not-exist.yaml") != std::string::npos, "path not named: " << r.err);
}

BOOST_AUTO_TEST_CASE(unknown_flag_is_exit_2) {
  failed_start f;
  auto r = f.run(default_config(), {"--bogus-flag"});
  check_exit_2(r, f, "--bogus-flag");
  BOOST_TEST(r.err.find("bogus-flag") != std::string::npos, "flag not named: " << r.err);
}

BOOST_AUTO_TEST_CASE(bad_listen_address_is_exit_2) {
  failed_start f;
  write_file(f.config, default_config());
  auto r = run_cohortd({"--config", f.config, "--listen", "not-an-address", "--data", f.data},
                       std::chrono::seconds(10));
  check_exit_2(r, f, "--listen not-an-address");
}

BOOST_AUTO_TEST_CASE(bad_cluster_settings_are_exit_2) {
  failed_start f;
  auto no_listen = f.run(default_config(), {"--kafka", "127.0.0.1:9092"});
  check_exit_2(no_listen, f, "--kafka without a cluster address");
  BOOST_TEST(no_listen.err.find("cluster.listen") != std::string::npos, no_listen.err);
  auto bad_broker = f.run(default_config(), {"--kafka", "127.0.0.1", "--cluster-listen",
                                             "127.0.0.1:7400"});
  check_exit_2(bad_broker, f, "--kafka without a port");
  BOOST_TEST(bad_broker.err.find("--kafka") != std::string::npos, bad_broker.err);
  auto bad_file = f.run(default_config() + "cluster: {kafka: {partitions: 0}}\n");
  check_exit_2(bad_file, f, "partitions: 0");
  BOOST_TEST(bad_file.err.find(":2:") != std::string::npos, bad_file.err);
  BOOST_TEST(bad_file.err.find("cluster.kafka.partitions") != std::string::npos, bad_file.err);
  auto seeds = f.run(default_config(), {"--seeds", "127.0.0.1:7401"});
  check_exit_2(seeds, f, "--seeds (gone: Kafka forms the cluster)");
}

// thompson learns from POST /v1/outcomes on a single node: nothing to warn about.
BOOST_AUTO_TEST_CASE(thompson_on_a_single_node_starts_without_warning) {
  cohortd_process server(default_config() +
                         "content:\n"
                         "  placements:\n"
                         "    promo: {strategy: thompson, reward: click, default: {id: none}}\n");
  http_client client("127.0.0.1", server.port());
  BOOST_TEST(client.get("/healthz").status == 200);
  BOOST_TEST(server.stderr_text().find("warning") == std::string::npos, server.stderr_text());
}

BOOST_AUTO_TEST_CASE(help_and_version) {
  auto help = run_cohortd({"--help"}, std::chrono::seconds(10));
  BOOST_TEST(help.exit_code == 0, help.err);
  const std::string help_text = help.out + help.err;
  for (const char* flag : {"--config", "--listen", "--data", "--kafka", "--cluster-listen",
                           "--node-id"})
    BOOST_TEST(help_text.find(flag) != std::string::npos, flag << " not in --help: " << help_text);

  auto version = run_cohortd({"--version"}, std::chrono::seconds(10));
  BOOST_TEST(version.exit_code == 0, version.err);
  static const std::regex semver(R"(\d+\.\d+\.\d+)");
  BOOST_TEST(std::regex_search(version.out + version.err, semver), version.out << version.err);
}

BOOST_AUTO_TEST_SUITE_END()
