#include <boost/test/unit_test.hpp>

#include "api/stream_protocol.hpp"

using namespace cohort;
using actors::subscription;

namespace {

api::stream_op parsed(std::string_view frame) {
  auto out = api::parse_stream_op(frame);
  auto* reason = std::get_if<std::string>(&out);
  BOOST_REQUIRE_MESSAGE(!reason, "refused: " << (reason ? *reason : ""));
  return std::get<api::stream_op>(out);
}

std::string refusal(std::string_view frame) {
  auto out = api::parse_stream_op(frame);
  auto* reason = std::get_if<std::string>(&out);
  BOOST_REQUIRE_MESSAGE(reason, "accepted: " << frame);
  return *reason;
}

} // namespace

BOOST_AUTO_TEST_SUITE(stream_protocol_suite)

BOOST_AUTO_TEST_CASE(ops_name_a_user_or_a_segment) {
  auto user = parsed(R"({"op":"subscribe","userId":"u-1"})");
  BOOST_TEST(user.subscribe);
  BOOST_TEST((user.target.type == subscription::kind::user));
  BOOST_TEST(user.target.key == "u-1");
  auto segment = parsed(R"({"segment":"High Intent","op":"unsubscribe","extra":1})");
  BOOST_TEST(!segment.subscribe);
  BOOST_TEST((segment.target.type == subscription::kind::segment));
  BOOST_TEST(segment.target.key == "High Intent");
}

BOOST_AUTO_TEST_CASE(acks_echo_the_op_and_its_target) {
  BOOST_TEST(api::ack_json(parsed(R"({"op":"unsubscribe","segment":"a\"b"})"))
             == R"({"type":"ack","op":"unsubscribe","segment":"a\"b"})");
  BOOST_TEST(api::error_json("no") == R"({"type":"error","reason":"no"})");
}

BOOST_AUTO_TEST_CASE(bad_ops_are_refused_with_a_reason) {
  BOOST_TEST(refusal("[1]") == "expected a JSON object");
  BOOST_TEST(refusal(R"({"userId":"u"})") == "missing op");
  BOOST_TEST(refusal(R"({"op":1,"userId":"u"})") == "missing op");
  BOOST_TEST(refusal(R"({"op":"SUBSCRIBE","userId":"u"})") == "unknown op: SUBSCRIBE");
  BOOST_TEST(refusal(R"({"op":"subscribe","userId":""})") == "userId must be a non-empty string");
  BOOST_TEST(refusal(R"({"op":"subscribe","segment":7})") == "segment must be a non-empty string");
  BOOST_TEST(refusal("").rfind("malformed JSON", 0) == 0);
}

BOOST_AUTO_TEST_SUITE_END()
