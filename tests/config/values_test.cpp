// Durations and host:port addresses, the two scalar syntaxes of the config file.
#include <boost/test/unit_test.hpp>

#include "config/loader.hpp"
#include "config/values.hpp"

using namespace cohort::config;
using namespace std::chrono_literals;

BOOST_AUTO_TEST_SUITE(durations)

BOOST_AUTO_TEST_CASE(every_unit) {
  duration d{};
  BOOST_TEST(parse_duration("500ms", d));
  BOOST_TEST(d.count() == 500);
  BOOST_TEST(parse_duration("10s", d));
  BOOST_TEST((d == 10s));
  BOOST_TEST(parse_duration("30m", d));
  BOOST_TEST((d == 30min));
  BOOST_TEST(parse_duration("24h", d));
  BOOST_TEST((d == 24h));
  BOOST_TEST(parse_duration("7d", d));
  BOOST_TEST((d == 168h));
}

BOOST_AUTO_TEST_CASE(zero_and_leading_zeros) {
  duration d{5};
  BOOST_TEST(parse_duration("0s", d));
  BOOST_TEST(d.count() == 0);
  BOOST_TEST(parse_duration("007m", d));
  BOOST_TEST((d == 7min));
}

BOOST_AUTO_TEST_CASE(rejects_malformed) {
  duration d{42};
  for (const char* bad : {"", "30", "m", "ms", "-5m", "+5m", "1.5h", "5 m", " 5m", "5m ",
                          "30M", "5H", "1h30m", "10sec", "5w", "5us", "0x10s"}) {
    BOOST_TEST(!parse_duration(bad, d), "accepted '" << bad << "'");
  }
  BOOST_TEST(d.count() == 42);  // untouched on failure
}

BOOST_AUTO_TEST_CASE(rejects_overflow) {
  duration d{};
  BOOST_TEST(parse_duration("9223372036854775807ms", d));
  BOOST_TEST(!parse_duration("9223372036854775808ms", d));
  BOOST_TEST(!parse_duration("106751991167301d", d));  // * 86400000 overflows int64
  BOOST_TEST(parse_duration("106751991167d", d));
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(host_port)

BOOST_AUTO_TEST_CASE(ipv4_and_names) {
  std::string host;
  unsigned short port = 0;
  BOOST_TEST(parse_host_port("127.0.0.1:8080", host, port));
  BOOST_TEST(host == "127.0.0.1");
  BOOST_TEST(port == 8080);
  BOOST_TEST(parse_host_port("cohort-1.internal:7400", host, port));
  BOOST_TEST(host == "cohort-1.internal");
  BOOST_TEST(port == 7400);
  BOOST_TEST(parse_host_port("localhost:65535", host, port));
  BOOST_TEST(port == 65535);
  BOOST_TEST(parse_host_port("0.0.0.0:0", host, port));  // port 0: any free port
  BOOST_TEST(port == 0);
}

BOOST_AUTO_TEST_CASE(bracketed_ipv6) {
  std::string host;
  unsigned short port = 0;
  BOOST_TEST(parse_host_port("[::1]:80", host, port));
  BOOST_TEST(host == "::1");
  BOOST_TEST(port == 80);
  BOOST_TEST(parse_host_port("[fe80::1%eth0]:9000", host, port));
  BOOST_TEST(host == "fe80::1%eth0");
  BOOST_TEST(port == 9000);
}

BOOST_AUTO_TEST_CASE(rejects_bad_addresses) {
  std::string host = "kept";
  unsigned short port = 7;
  for (const char* bad : {"", "localhost", "localhost:", ":8080", "host:65536", "host:99999999",
                          "host:-1", "host:80a", "host: 80", "::1:80", "[::1]", "[::1]80",
                          "[::1:80", "[]:80", "[abc]:80", "ho st:80", "http://host:80",
                          "host:80/path"}) {
    BOOST_TEST(!parse_host_port(bad, host, port), "accepted '" << bad << "'");
  }
  BOOST_TEST(host == "kept");
  BOOST_TEST(port == 7);
}

BOOST_AUTO_TEST_CASE(reasons_are_specific) {
  std::string host;
  unsigned short port = 0;
  BOOST_TEST(check_host_port("localhost", host, port) == "missing port");
  BOOST_TEST(check_host_port(":80", host, port) == "missing host");
  BOOST_TEST(check_host_port("h:70000", host, port).find("out of range") != std::string::npos);
  BOOST_TEST(check_host_port("::1:80", host, port).find("bracketed") != std::string::npos);
  BOOST_TEST(check_host_port("h:x", host, port).find("not a number") != std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()
