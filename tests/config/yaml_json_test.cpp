// Content payloads: YAML values re-encoded as JSON text for the decision API.
#include <boost/test/unit_test.hpp>

#include <yaml-cpp/yaml.h>

#include "config/yaml_json.hpp"

using namespace cohort::config;

namespace {

std::string json_of(const std::string& yaml) {
  const json_encoding encoded = yaml_to_json(YAML::Load(yaml));
  BOOST_TEST_REQUIRE(encoded.ok(), "error: " << encoded.error);
  return encoded.json;
}

std::string quoted(std::string_view s) {
  std::string out;
  append_json_string(out, s);
  return out;
}

} // namespace

BOOST_AUTO_TEST_SUITE(yaml_json)

BOOST_AUTO_TEST_CASE(structures_keep_order) {
  BOOST_TEST(json_of("{}") == "{}");
  BOOST_TEST(json_of("[]") == "[]");
  BOOST_TEST(json_of("{b: 1, a: [x, {c: d}]}") == R"({"b":1,"a":["x",{"c":"d"}]})");
  BOOST_TEST(json_of("banner: Only 2 left\nitems:\n  - 1\n  - two\n") ==
             R"({"banner":"Only 2 left","items":[1,"two"]})");
}

BOOST_AUTO_TEST_CASE(plain_scalars_resolve_like_yaml_1_2) {
  BOOST_TEST(json_of("[~, null, Null, NULL, true, False, TRUE]") ==
             "[null,null,null,null,true,false,true]");
  BOOST_TEST(json_of("[0, -12, 3.25, 1e3, -0.5E-2]") == "[0,-12,3.25,1e3,-0.5E-2]");
  BOOST_TEST(json_of("[+5, 007, .5, 1., +1.5e2, 0x1F, 0o17]") == "[5,7,0.5,1,150,31,15]");
  BOOST_TEST(json_of("[.inf, -.inf, .nan]") == "[null,null,null]");
  // YAML 1.1 booleans and other near-numbers are strings under 1.2.
  BOOST_TEST(json_of("[yes, no, on, off, 1_000, 1.2.3, 0x, 12abc]") ==
             R"(["yes","no","on","off","1_000","1.2.3","0x","12abc"])");
  BOOST_TEST(json_of("k:") == R"({"k":null})");
}

BOOST_AUTO_TEST_CASE(quoted_and_tagged_scalars_stay_strings) {
  BOOST_TEST(json_of(R"(["1", '2', "true", '~', !!str 3])") == R"(["1","2","true","~","3"])");
  BOOST_TEST(json_of("[!!int 4, !!bool true, !!float 2.5]") == "[4,true,2.5]");
  BOOST_TEST(json_of("t: |\n  line 1\n  line 2\n") == R"({"t":"line 1\nline 2\n"})");
}

BOOST_AUTO_TEST_CASE(keys_are_always_strings) {
  BOOST_TEST(json_of("{1: a, true: b, '~': c}") == R"({"1":"a","true":"b","~":"c"})");
  const json_encoding null_key = yaml_to_json(YAML::Load("{~: c}"));
  BOOST_TEST(null_key.error == "payload keys must be strings");
  const json_encoding list_key = yaml_to_json(YAML::Load("? [a]\n: 1\n"));
  BOOST_TEST(list_key.error == "payload keys must be strings");
}

BOOST_AUTO_TEST_CASE(escaping) {
  BOOST_TEST(quoted("plain") == R"("plain")");
  BOOST_TEST(quoted("say \"hi\"\\") == R"("say \"hi\"\\")");
  BOOST_TEST(quoted("a\nb\tc\r\b\f") == R"("a\nb\tc\r\b\f")");
  BOOST_TEST(quoted(std::string_view("\x01\x1f\x7f\0", 4)) == R"("\u0001\u001f\u007f\u0000")");
  BOOST_TEST(quoted("</script> é €") == "\"</script> é €\"");  // valid UTF-8 kept
  BOOST_TEST(quoted("\xF0\x9F\x98\x80") == "\"\xF0\x9F\x98\x80\"");    // 4-byte sequence
  BOOST_TEST(json_of(R"(m: "tab\there \u00e9 \"q\"")") == R"({"m":"tab\there é \"q\""})");
}

BOOST_AUTO_TEST_CASE(invalid_utf8_is_replaced) {
  const std::string replacement = "\xEF\xBF\xBD";
  BOOST_TEST(quoted("a\xFF" "b") == "\"a" + replacement + "b\"");
  BOOST_TEST(quoted("\xC3") == "\"" + replacement + "\"");               // truncated
  BOOST_TEST(quoted("\xC0\xAF") == "\"" + replacement + replacement + "\"");  // overlong
  BOOST_TEST(quoted("\xED\xA0\x80") ==                                    // surrogate
             "\"" + replacement + replacement + replacement + "\"");
}

BOOST_AUTO_TEST_CASE(duplicate_keys_are_errors) {
  const json_encoding encoded = yaml_to_json(YAML::Load("a: 1\nb:\n  c: 1\n  c: 2\n"));
  BOOST_TEST(!encoded.ok());
  BOOST_TEST(encoded.error == "duplicate key 'c'");
  BOOST_TEST(encoded.mark.line == 3);  // 0-based
}

BOOST_AUTO_TEST_CASE(anchor_cycles_are_cut) {
  const json_encoding encoded = yaml_to_json(YAML::Load("&x [1, *x]"));
  BOOST_TEST(!encoded.ok());
  BOOST_TEST(encoded.error.find("nested deeper") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(shared_anchors_expand) {
  BOOST_TEST(json_of("{a: &v {x: 1}, b: *v}") == R"({"a":{"x":1},"b":{"x":1}})");
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(yaml_json_limits)

BOOST_AUTO_TEST_CASE(anchor_expansion_is_bounded) {
  std::string yaml = "a0: &a0 [xxxxxxxxxxxxxxxx, xxxxxxxxxxxxxxxx, xxxxxxxxxxxxxxxx, xxxxxxxxxxxxxxxx]\n";
  for (int i = 1; i < 12; ++i) {
    const std::string prev = "*a" + std::to_string(i - 1);
    yaml += "a" + std::to_string(i) + ": &a" + std::to_string(i) + " [" + prev + ", " + prev +
            ", " + prev + ", " + prev + "]\n";
  }
  const json_encoding encoded = yaml_to_json(YAML::Load(yaml));  // 4^12 leaves unbounded
  BOOST_TEST(!encoded.ok());
  BOOST_TEST(encoded.error.find("larger than") != std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()
