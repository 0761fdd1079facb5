// The fast paths of the JSON event parser (issue 7 performance; B2c behaviour unchanged): key
// lookup by hashed head/tail words for every key length, string values read in place unless
// escaped, the one-pass EVE/Zeek detection, and the byte-class validators and time reader that
// replaced per-character branches. Each test pins behaviour the slow paths had, so a faster
// variant that drifts fails here.
#include <gtest/gtest.h>

#include <cstring>
#include <string>

#include "event_test_util.hpp"
#include "events/detail/event_time.hpp"
#include "events/detail/fast_normalize.hpp"
#include "events/json_event.hpp"
#include "model/observable.hpp"
#include "model/timestamp.hpp"

namespace socmesh::events {
namespace {

using model::ObservableKind;
using testing::Has;

// Keys around the 8- and 16-byte boundaries of the key words, nested and flat.
constexpr std::string_view kKeyMap =
    "a=ip, abcdefg=ip, abcdefgh=ip, abcdefghi=ip, k15_xxxxxxxxxxx=ip, k16_xxxxxxxxxxxx=ip, "
    "k17_xxxxxxxxxxxxx=ip, a_key_of_forty_bytes_for_the_memcmp_tail=ip, "
    "n.abcdefghijklmnopq=ip, event_type=type";

std::unique_ptr<JsonEventParser> KeyParser() {
  return *JsonEventParser::Create(*ParseFieldMap(kKeyMap));
}

TEST(JsonFastPath, KeysOfEveryLengthAreFoundAndNearMissesAreNot) {
  auto parser = KeyParser();
  Event event;
  auto parsed = parser->Parse(
      R"({"a":"10.0.0.1","abcdefg":"10.0.0.7","abcdefgh":"10.0.0.8","abcdefghi":"10.0.0.9",)"
      R"("k15_xxxxxxxxxxx":"10.0.0.15","k16_xxxxxxxxxxxx":"10.0.0.16",)"
      R"("k17_xxxxxxxxxxxxx":"10.0.0.17","a_key_of_forty_bytes_for_the_memcmp_tail":"10.0.0.40",)"
      R"("n":{"abcdefghijklmnopq":"10.0.1.17"},"n.abcdefghijklmnopq":"10.0.2.17",)"
      // Near misses: one byte off at the start, the end, in the middle past 16 bytes, or one
      // byte longer or shorter; and a named key inside an object no rule descends into.
      R"("b":"10.9.0.1","abcdefX":"10.9.0.7","abcdefgX":"10.9.0.8","abcdefgh_":"10.9.0.9",)"
      R"("k17_xxxxXxxxxxxxx":"10.9.0.17","a_key_of_forty_bytes_for_the_memcmp_taiL":"10.9.0.40",)"
      R"("k16_xxxxxxxxxxx":"10.9.0.15","a_key_of_forty_bytesXfor_the_memcmp_tail":"10.9.1.40",)"
      R"("x":{"a":"10.9.9.9"},"event_type":"t"})",
      event);
  ASSERT_TRUE(parsed.has_value()) << parsed.error().message;
  EXPECT_EQ(event.type, "t");
  for (const char* ip : {"10.0.0.1", "10.0.0.7", "10.0.0.8", "10.0.0.9", "10.0.0.15", "10.0.0.16",
                         "10.0.0.17", "10.0.0.40", "10.0.1.17", "10.0.2.17"}) {
    EXPECT_TRUE(Has(event, "ipv4", ip)) << ip;
  }
  EXPECT_EQ(event.observables.size(), 10u);
}

TEST(JsonFastPath, EscapedKeysAreUnescapedAndChecked) {
  auto parser = KeyParser();
  Event event;
  // "\u0061" is "a"; an escape past the first bytes of a long key too.
  ASSERT_TRUE(parser
                  ->Parse(R"({"\u0061":"10.0.0.1","abcdefg\u0068":"10.0.0.8",)"
                          R"("k17_xxxxxxxxxxxx\u0078":"10.0.0.17","a\"b":"10.9.9.9"})",
                          event)
                  .has_value());
  EXPECT_TRUE(Has(event, "ipv4", "10.0.0.1"));
  EXPECT_TRUE(Has(event, "ipv4", "10.0.0.8"));
  EXPECT_TRUE(Has(event, "ipv4", "10.0.0.17"));
  EXPECT_EQ(event.observables.size(), 3u);
  // An invalid escape in a key no rule names is still an error (simdjson reads every key that
  // has an escape), with its offset.
  auto bad = parser->Parse(R"({"event_type":"x","unrelated\q":1})", event);
  ASSERT_FALSE(bad.has_value());
  EXPECT_EQ(bad.error().code, ErrorCode::kParse);
  EXPECT_EQ(bad.error().message, "offset 32: JSON: Problem while parsing a string");
}

TEST(JsonFastPath, StringValuesInPlaceUnlessEscaped) {
  auto parser = *JsonEventParser::Create(SuricataEveFieldMap());
  const std::string line =
      R"({"event_type":"alert","src_ip":"10.0.0.5","host":"sensor\/1",)"
      R"("alert":{"signature":"ET \"quoted\" rule"},"http":{"hostname":"a.example",)"
      R"("url":"\/x.php"}})";
  std::string buffer = line + std::string(kJsonPadding, ' ');
  Event event;
  ASSERT_TRUE(parser->ParsePadded(std::string_view(buffer.data(), line.size()), event).has_value());
  auto in_buffer = [&buffer](std::string_view v) {
    return v.data() >= buffer.data() && v.data() + v.size() <= buffer.data() + buffer.size();
  };
  EXPECT_EQ(event.type, "alert");
  EXPECT_TRUE(in_buffer(event.type));
  EXPECT_EQ(event.sensor, "sensor/1");  // unescaped by simdjson
  EXPECT_FALSE(in_buffer(event.sensor));
  EXPECT_EQ(event.message, "ET \"quoted\" rule");
  EXPECT_TRUE(Has(event, "url", "http://a.example/x.php"));
  ASSERT_FALSE(event.observables.empty());
  EXPECT_EQ(event.observables[0].value, "10.0.0.5");
  EXPECT_TRUE(in_buffer(event.observables[0].value));
}

// A string value is consumed as get_string would: what follows it is checked at the same point,
// so errors name the same offset as before the in-place read.
TEST(JsonFastPath, ErrorsAfterAStringValueKeepTheirOffset) {
  auto parser = *JsonEventParser::Create(SuricataEveFieldMap());
  Event event;
  const std::pair<std::string, std::string> cases[] = {
      {R"({"event_type":"x","src_ip":"10.0.0.1":1})", "offset 37: "},
      {R"({"event_type":"x","src_ip":"10.0.0.1" "dest_ip":"10.0.0.2"})", "offset 38: "},
      {R"({"event_type":"x","http":{"hostname":"a.example","url":"/x" "z":1}})", "offset 60: "},
  };
  for (const auto& [line, offset] : cases) {
    auto parsed = parser->Parse(line, event);
    ASSERT_FALSE(parsed.has_value()) << line;
    EXPECT_TRUE(parsed.error().message.starts_with(offset)) << parsed.error().message;
  }
}

// Detection reads quoted names anywhere in the line (also a string value "event_type", as the
// search for "\"event_type\"" always did), and never the padding after the line.
TEST(JsonFastPath, AutoDetectionSeesQuotedNamesInTheLineOnly) {
  auto parser = *JsonEventParser::CreateAuto();
  Event event;
  ASSERT_TRUE(parser->Parse(R"({"ts":1.0,"note":"event_type"})", event).has_value());
  EXPECT_EQ(event.format, EventFormat::kSuricataEve);
  ASSERT_TRUE(parser->Parse(R"({"a":1,"_path":"conn"})", event).has_value());
  EXPECT_EQ(event.format, EventFormat::kZeek);
  ASSERT_TRUE(parser->Parse(R"({"tsx":1,"uid":"C1"})", event).has_value());
  EXPECT_EQ(event.format, EventFormat::kZeek);
  // Names split by the end of the line: `"ts` + padding `"` is not "ts".
  const std::string line = R"({"a":1,"b":"ts)";
  std::string buffer = line + "\"}" + std::string(kJsonPadding, ' ');
  auto parsed = parser->ParsePadded(std::string_view(buffer.data(), line.size()), event);
  ASSERT_FALSE(parsed.has_value());
  EXPECT_NE(parsed.error().message.find("neither Suricata EVE"), std::string::npos);
  // A long line: names past the first 16-byte chunks are seen.
  const std::string long_line = R"({"pad":")" + std::string(100, 'x') + R"(","uid":"C"})";
  ASSERT_TRUE(parser->Parse(long_line, event).has_value());
  EXPECT_EQ(event.format, EventFormat::kZeek);
}

// Printable ASCII is checked eight bytes at a time: a bad byte anywhere, at any length, refuses.
TEST(JsonFastPath, PrintableCheckFindsEveryBadByte) {
  for (size_t length = 1; length <= 24; ++length) {
    const std::string clean(length, 'a');
    EXPECT_TRUE(detail::IsAlreadyNormal(ObservableKind::kUserAgent, clean)) << length;
    for (size_t at = 0; at < length; ++at) {
      for (const char bad : {'\x1f', '\x7f', '\x80', '\xff', '\0', '\t'}) {
        std::string value = clean;
        value[at] = bad;
        EXPECT_FALSE(detail::IsAlreadyNormal(ObservableKind::kUserAgent, value))
            << length << " " << at << " " << static_cast<int>(bad);
      }
    }
  }
  EXPECT_TRUE(detail::IsAlreadyNormal(ObservableKind::kUserAgent, " ~ edge bytes ~ "));
  EXPECT_FALSE(detail::IsAlreadyNormal(ObservableKind::kUserAgent, ""));
}

// Whatever the validators accept, NormalizeObservable leaves unchanged; and they accept the
// common shapes (else the fast path would be lost without any test failing).
TEST(JsonFastPath, ValidatorsAgreeWithNormalizeObservable) {
  const std::pair<ObservableKind, std::string> accepted[] = {
      {ObservableKind::kIpv4, "0.0.0.0"},
      {ObservableKind::kIpv4, "255.255.255.255"},
      {ObservableKind::kIpv4, "10.20.199.9"},
      {ObservableKind::kDomain, "a-b_c.example"},
      {ObservableKind::kDomain, "1.example"},
      {ObservableKind::kUrl, "http://a.example/x.php?id=1&b=/./"},
      {ObservableKind::kUrl, "https://a.example/.well-known/x"},
      {ObservableKind::kUrl, "http://a.example/a..b/"},
      {ObservableKind::kSha256, std::string(64, 'f')},
  };
  for (const auto& [kind, value] : accepted) {
    ASSERT_TRUE(detail::IsAlreadyNormal(kind, value)) << value;
    auto normal = model::NormalizeObservable(kind, value);
    ASSERT_TRUE(normal.has_value()) << value;
    EXPECT_EQ(*normal, value);
  }
  const std::pair<ObservableKind, std::string> refused[] = {
      {ObservableKind::kIpv4, "1.2.3.04"},
      {ObservableKind::kIpv4, "1.2.3.256"},
      {ObservableKind::kIpv4, "1.2.3.1000"},
      {ObservableKind::kIpv4, "1.2.3."},
      {ObservableKind::kIpv4, ".1.2.3.4"},
      {ObservableKind::kIpv4, "1.2.3.4 "},
      {ObservableKind::kDomain, "a-.example"},
      {ObservableKind::kDomain, "a.xn--p1ai"},
      {ObservableKind::kUrl, "http://a.example/./x"},
      {ObservableKind::kUrl, "http://a.example/.."},
      {ObservableKind::kUrl, "http://a.example/.?q"},
      {ObservableKind::kUrl, "http://a.example?x"},
      {ObservableKind::kUrl, "http://a.Example/x"},
      {ObservableKind::kUrl, "http://a.example"},
  };
  for (const auto& [kind, value] : refused) {
    EXPECT_FALSE(detail::IsAlreadyNormal(kind, value)) << value;
  }
  // The host-name shortcut of AddHost: a canonical name with a dot, not all digits and dots.
  EXPECT_TRUE(detail::IsCanonicalHostName("h1.example.com"));
  EXPECT_FALSE(detail::IsCanonicalHostName("1.2.3.4"));
  EXPECT_FALSE(detail::IsCanonicalHostName("localhost"));
  EXPECT_FALSE(detail::IsCanonicalHostName("A.example"));
}

// The host and IP shortcuts give what the general path gave.
TEST(JsonFastPath, HostAndIpShortcutsMatchTheGeneralPath) {
  Event event;
  EXPECT_TRUE(event.AddHost("10.1.2.3", "f"));
  EXPECT_TRUE(event.AddHost("h.example.com", "f"));
  EXPECT_TRUE(event.AddHost("H.Example.com:8080", "f"));  // general path: lower-cased, no port
  EXPECT_TRUE(event.AddHost("10.1.2.3:53", "f"));
  EXPECT_FALSE(event.AddHost("intranet", "f"));
  EXPECT_TRUE(event.AddIp("10.1.2.4", "g"));
  EXPECT_TRUE(event.AddIp("2001:DB8::1", "g"));
  const std::vector<testing::Triple> expected = {
      {"ipv4", "10.1.2.3", "f"}, {"domain", "h.example.com", "f"}, {"domain", "h.example.com", "f"},
      {"ipv4", "10.1.2.3", "f"}, {"ipv4", "10.1.2.4", "g"},        {"ipv6", "2001:db8::1", "g"},
  };
  EXPECT_EQ(testing::Observables(event), expected);
  EXPECT_EQ(event.skipped_values, 1u);
}

// Fractions: the first six digits count, scaled by how many there are; more are dropped.
TEST(JsonFastPath, IsoTimeFractionsAndOffsets) {
  auto at = [](std::string_view text) { return *model::ParseTimestamp(text); };
  EXPECT_EQ(detail::ParseIsoTime("2024-03-05T10:22:33.5Z"), at("2024-03-05T10:22:33.500000Z"));
  EXPECT_EQ(detail::ParseIsoTime("2024-03-05T10:22:33.000001Z"), at("2024-03-05T10:22:33.000001Z"));
  EXPECT_EQ(detail::ParseIsoTime("2024-03-05T10:22:33.1234567890Z"),
            at("2024-03-05T10:22:33.123456Z"));
  EXPECT_EQ(detail::ParseIsoTime("2024-03-05T10:22:33.123456+0100"),
            at("2024-03-05T09:22:33.123456Z"));
  EXPECT_EQ(detail::ParseIsoTime("2024-03-05 10:22:33-01:30"), at("2024-03-05T11:52:33Z"));
  EXPECT_FALSE(detail::ParseIsoTime("2024-03-05T10:22:3x"));
  EXPECT_FALSE(detail::ParseIsoTime("2024-13-05T10:22:33Z"));
  EXPECT_FALSE(detail::ParseIsoTime("2024-03-05X10:22:33Z"));
  EXPECT_FALSE(detail::ParseIsoTime("2024-03-05T10:22:33.1234567Z", /*strict=*/true));
}

}  // namespace
}  // namespace socmesh::events
