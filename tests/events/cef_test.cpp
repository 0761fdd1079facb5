// CEF parsing (issue 7 item 2; B2c): the examples of the ArcSight "Implementing ArcSight CEF"
// specification (header escapes, extension escapes, a syslog prefix), the extension keys that carry
// observables, custom strings with labels, and hostile input.
#include "events/cef.hpp"

#include <gtest/gtest.h>

#include <string>

#include "event_test_util.hpp"
#include "model/timestamp.hpp"

namespace socmesh::events {
namespace {

using testing::Has;
using testing::Observables;
using testing::Triple;

const model::Timestamp kReference = *model::ParseTimestamp("2023-09-30T00:00:00Z");

CefRecord Record(std::string_view text, ScratchArena& arena) {
  CefRecord record;
  auto parsed = ParseCefRecord(text, arena, record);
  EXPECT_TRUE(parsed.has_value()) << text << ": " << (parsed ? "" : parsed.error().message);
  return record;
}

// The specification's first example, behind its syslog prefix.
TEST(Cef, SpecExampleWithSyslogPrefix) {
  Event event;
  CefOptions options;
  options.reference_time = kReference;
  auto parsed = ParseCef(
      "Sep 19 08:26:10 host CEF:0|Security|threatmanager|1.0|100|worm successfully "
      "stopped|10|src=10.0.0.1 dst=2.1.2.2 spt=1232",
      event, options);
  ASSERT_TRUE(parsed.has_value()) << parsed.error().message;
  EXPECT_EQ(event.format, EventFormat::kCef);
  EXPECT_EQ(event.type, "100");
  EXPECT_EQ(event.message, "worm successfully stopped");
  EXPECT_EQ(event.sensor, "host");  // the syslog HOSTNAME, no dvchost
  EXPECT_EQ(event.time, *model::ParseTimestamp("2023-09-19T08:26:10Z"));
  const std::vector<Triple> expected = {{"ipv4", "10.0.0.1", "src"}, {"ipv4", "2.1.2.2", "dst"}};
  EXPECT_EQ(Observables(event), expected);
}

// "detected a \| in message": an escaped pipe in the header, a bare pipe in the extension.
TEST(Cef, SpecExamplesOfEscapes) {
  ScratchArena arena;
  CefRecord pipe = Record(
      "CEF:0|security|threatmanager|1.0|100|detected a \\| in message|10|src=10.0.0.1 "
      "act=blocked a | dst=1.1.1.1",
      arena);
  EXPECT_EQ(pipe.name, "detected a | in message");
  EXPECT_EQ(CefValue(pipe, "act"), "blocked a |");
  EXPECT_EQ(CefValue(pipe, "dst"), "1.1.1.1");
  EXPECT_EQ(pipe.warnings, 0u);

  CefRecord backslash = Record(
      "CEF:0|security|threatmanager|1.0|100|detected a \\\\ in packet|10|src=10.0.0.1 "
      "act=blocked a \\\\ dst=1.1.1.1",
      arena);
  EXPECT_EQ(backslash.name, "detected a \\ in packet");
  EXPECT_EQ(CefValue(backslash, "act"), "blocked a \\");

  CefRecord equals = Record(
      "CEF:0|security|threatmanager|1.0|100|detected a = in message|10|src=10.0.0.1 "
      "act=blocked a \\= dst=1.1.1.1",
      arena);
  EXPECT_EQ(CefValue(equals, "act"), "blocked a =");
  EXPECT_EQ(CefValue(equals, "dst"), "1.1.1.1");

  CefRecord newline = Record(
      "CEF:0|Security|threatmanager|1.0|100|Detected a threat. No action needed.|10|"
      "src=10.0.0.1 msg=Detected a threat.\\n No action needed.",
      arena);
  EXPECT_EQ(CefValue(newline, "msg"), "Detected a threat.\n No action needed.");
  EXPECT_EQ(newline.version, 0);
  EXPECT_EQ(newline.vendor, "Security");
  EXPECT_EQ(newline.product, "threatmanager");
  EXPECT_EQ(newline.device_version, "1.0");
  EXPECT_EQ(newline.severity, "10");
}

// Values with spaces end where " key=" starts; an empty extension is allowed.
TEST(Cef, ExtensionValuesWithSpaces) {
  ScratchArena arena;
  CefRecord r = Record(
      "CEF:1|Vendor|Product|2.0|sig-7|Name|High|suser=Jane Doe fname=Quarterly report 2023.xlsx "
      "cs1=a b c cs1Label=Free text",
      arena);
  EXPECT_EQ(r.version, 1);
  EXPECT_EQ(CefValue(r, "suser"), "Jane Doe");
  EXPECT_EQ(CefValue(r, "fname"), "Quarterly report 2023.xlsx");
  EXPECT_EQ(CefValue(r, "cs1"), "a b c");
  EXPECT_EQ(CefValue(r, "cs1Label"), "Free text");
  CefRecord empty = Record("CEF:0|V|P|1|2|N|3|", arena);
  EXPECT_TRUE(empty.extensions.empty());
}

TEST(Cef, ObservablesFromStandardAndCustomKeys) {
  Event event;
  CefOptions options;
  options.reference_time = kReference;
  auto parsed = ParseCef(
      "CEF:0|Zscaler|NSSWeblog|5.7|Malware|Blocked download|9|rt=1695975970123 "
      "src=192.0.2.10 dst=2001:DB8::7 shost=ws-17.corp.example dhost=Download.Evil.Example "
      "request=HTTP://Download.Evil.Example:80/payload.exe requestClientApplication=Mozilla/5.0 "
      "(Windows NT 10.0) fileHash=E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855 "
      "fname=payload.exe suser=jdoe duser=victim@Corp.Example smac=00-1A-2B-3C-4D-5E "
      "cs1=http://c2.example/beacon cs1Label=C2 URL cs2=ignored value cs2Label=Policy "
      "cs3=198.51.100.4 cs3Label=Proxy IP c6a1=2001:db8::1 c6a1Label=Device IPv6 "
      "dvchost=proxy-03 msg=also contacted 203.0.113.99",
      event, options);
  ASSERT_TRUE(parsed.has_value()) << parsed.error().message;
  EXPECT_EQ(event.time, model::Timestamp{1695975970123000});
  EXPECT_EQ(event.sensor, "proxy-03");  // a host name without a dot is no observable
  const std::vector<Triple> expected = {
      {"ipv4", "192.0.2.10", "src"},
      {"ipv6", "2001:db8::7", "dst"},
      {"domain", "ws-17.corp.example", "shost"},
      {"domain", "download.evil.example", "dhost"},
      {"url", "http://download.evil.example/payload.exe", "request"},
      {"user-agent", "Mozilla/5.0 (Windows NT 10.0)", "requestClientApplication"},
      {"sha256", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", "fileHash"},
      {"file-name", "payload.exe", "fname"},
      {"email", "victim@corp.example", "duser"},  // suser "jdoe" is a name, not an observable
      {"mac", "00:1a:2b:3c:4d:5e", "smac"},
      {"url", "http://c2.example/beacon", "C2 URL"},
      {"ipv4", "198.51.100.4", "Proxy IP"},
      {"ipv6", "2001:db8::1", "Device IPv6"},
      {"ipv4", "203.0.113.99", "msg"},
  };
  EXPECT_EQ(Observables(event), expected);
}

TEST(Cef, InsideRfc5424Syslog) {
  Event event;
  auto parsed = ParseCef(
      "<134>1 2023-09-29T08:26:10.5Z fw01 cef - - - CEF:0|Fortinet|FortiGate|7.2|13|traffic|5|"
      "src=10.1.1.1 dst=198.51.100.20 rt=Sep 29 2023 08:26:11.250 UTC",
      event);
  ASSERT_TRUE(parsed.has_value()) << parsed.error().message;
  EXPECT_EQ(event.format, EventFormat::kCef);
  EXPECT_EQ(event.sensor, "fw01");
  EXPECT_EQ(event.time, *model::ParseTimestamp("2023-09-29T08:26:11.250Z"));  // rt wins
  EXPECT_TRUE(Has(event, "ipv4", "198.51.100.20"));
}

TEST(Cef, BadEscapesAreKeptWithAWarning) {
  ScratchArena arena;
  CefRecord r = Record("CEF:0|V|P|1|2|bad \\q escape|3|act=x\\y dst=10.0.0.1 tail=end\\", arena);
  EXPECT_EQ(r.name, "bad \\q escape");
  EXPECT_EQ(CefValue(r, "act"), "x\\y");
  EXPECT_EQ(CefValue(r, "dst"), "10.0.0.1");
  EXPECT_EQ(r.warnings, 3u);
  EXPECT_EQ(r.first_warning, "offset 18: unknown escape \\q in Name");
}

TEST(Cef, StructuralErrorsAreRefused) {
  struct Case {
    std::string text, expected;
  };
  const Case cases[] = {
      {"CEF:0|Vendor|Product|1.0",
       "offset 24: truncated CEF header: field 4 of 7 (Device Version)"},
      {"CEF:0|V|P|1|2|N", "truncated CEF header: field 6 of 7 (Name)"},
      {"CEF:x|V|P|1|2|N|3|", "offset 4: CEF version"},
      {"LEEF:1.0|V|P|1|2|", "offset 0: expected \"CEF:\""},
      {"CEF:0|V|P|1|2|N|3\\|", "truncated CEF header"},  // the last '|' is escaped
  };
  ScratchArena arena;
  CefRecord record;
  for (const Case& c : cases) {
    auto parsed = ParseCefRecord(c.text, arena, record);
    ASSERT_FALSE(parsed.has_value()) << c.text;
    EXPECT_NE(parsed.error().message.find(c.expected), std::string::npos)
        << c.text << " -> " << parsed.error().message;
  }
  Event event;
  auto not_cef = ParseCef("<13>Oct 11 22:14:15 host app: plain text", event);
  ASSERT_FALSE(not_cef.has_value());
  EXPECT_NE(not_cef.error().message.find("no CEF record"), std::string::npos);
}

TEST(Cef, HugeFieldsAndGarbage) {
  ScratchArena arena;
  CefRecord record;
  const std::string huge = "CEF:0|V|P|1|2|N|3|msg=" + std::string(100000, 'x');
  auto refused = ParseCefRecord(huge, arena, record, 64 * 1024);
  ASSERT_FALSE(refused.has_value());
  EXPECT_EQ(refused.error().code, ErrorCode::kTooLarge);
  auto ok = ParseCefRecord(huge, arena, record, 1 << 20);
  ASSERT_TRUE(ok.has_value());
  EXPECT_EQ(CefValue(record, "msg").size(), 100000u);
  // Text before the first key, '=' without a key, invalid UTF-8: warnings, no crash.
  auto garbage =
      ParseCefRecord("CEF:0|V|P|1|2|N|3|  junk =x \xff\xfe=1 src=10.0.0.1", arena, record);
  ASSERT_TRUE(garbage.has_value());
  EXPECT_GE(record.warnings, 1u);
  EXPECT_EQ(CefValue(record, "src"), "10.0.0.1");
}

}  // namespace
}  // namespace socmesh::events
