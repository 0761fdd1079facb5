// Syslog parsing (issue 7 item 2; B2c): the examples of RFC 5424 section 6.5 and RFC 3164
// section 5.4 byte for byte, the header variants real senders write, and hostile input.
#include "events/syslog.hpp"

#include <gtest/gtest.h>

#include <string>

#include "event_test_util.hpp"
#include "events/detail/event_time.hpp"
#include "model/timestamp.hpp"

namespace socmesh::events {
namespace {

using testing::Has;
using testing::Observables;
using testing::Triple;

const std::string kBom = "\xEF\xBB\xBF";

model::Timestamp At(std::string_view text) { return *model::ParseTimestamp(text); }

// 2003-11-01: the RFC examples are from October 2003.
const model::Timestamp kReference = At("2003-11-01T00:00:00Z");

SyslogMessage Parse(std::string_view text) {
  auto parsed = ParseSyslogMessage(text, kReference);
  EXPECT_TRUE(parsed.has_value()) << text << ": " << (parsed ? "" : parsed.error().message);
  return parsed ? std::move(*parsed) : SyslogMessage{};
}

// RFC 5424 6.5, example 1: no structured data, BOM before MSG.
TEST(Syslog5424, Example1WithBomAndNoStructuredData) {
  const std::string text = "<34>1 2003-10-11T22:14:15.003Z mymachine.example.com su - ID47 - " +
                           kBom + "'su root' failed for lonvick on /dev/pts/8";
  SyslogMessage m = Parse(text);
  EXPECT_EQ(m.format, EventFormat::kSyslog5424);
  EXPECT_EQ(m.facility, 4);  // auth
  EXPECT_EQ(m.severity, 2);  // critical
  EXPECT_EQ(m.version, 1);
  EXPECT_EQ(m.time, At("2003-10-11T22:14:15.003Z"));
  EXPECT_EQ(m.hostname, "mymachine.example.com");
  EXPECT_EQ(m.app_name, "su");
  EXPECT_EQ(m.procid, "");  // NILVALUE
  EXPECT_EQ(m.msgid, "ID47");
  EXPECT_TRUE(m.structured_data.empty());
  EXPECT_TRUE(m.msg_has_bom);
  EXPECT_EQ(m.msg, "'su root' failed for lonvick on /dev/pts/8");
}

// Example 2: a time offset, an IP address as HOSTNAME, no MSGID, no BOM.
TEST(Syslog5424, Example2WithTimeOffset) {
  SyslogMessage m = Parse(
      "<165>1 2003-08-24T05:14:15.000003-07:00 192.0.2.1 myproc 8710 - - %% It's time to make "
      "the do-nuts.");
  EXPECT_EQ(m.facility, 20);  // local4
  EXPECT_EQ(m.severity, 5);
  EXPECT_EQ(m.time, At("2003-08-24T12:14:15.000003Z"));
  EXPECT_EQ(m.hostname, "192.0.2.1");
  EXPECT_EQ(m.procid, "8710");
  EXPECT_EQ(m.msgid, "");
  EXPECT_FALSE(m.msg_has_bom);
  EXPECT_EQ(m.msg, "%% It's time to make the do-nuts.");
}

// Examples 3 and 4: structured data, one element then two, with and without MSG.
TEST(Syslog5424, Examples3And4StructuredData) {
  // The message's views point into its input: keep the input alive while they are checked.
  const std::string text3 =
      "<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog - ID47 [exampleSDID@32473 "
      "iut=\"3\" eventSource=\"Application\" eventID=\"1011\"] " +
      kBom + "An application event log entry...";
  SyslogMessage m3 = Parse(text3);
  ASSERT_EQ(m3.structured_data.size(), 1u);
  EXPECT_EQ(m3.structured_data[0].id, "exampleSDID@32473");
  ASSERT_EQ(m3.structured_data[0].params.size(), 3u);
  EXPECT_EQ(m3.structured_data[0].params[1].name, "eventSource");
  EXPECT_EQ(m3.structured_data[0].params[1].value, "Application");
  EXPECT_EQ(m3.msg, "An application event log entry...");

  SyslogMessage m4 = Parse(
      "<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog - ID47 [exampleSDID@32473 "
      "iut=\"3\" eventSource=\"Application\" eventID=\"1011\"][examplePriority@32473 "
      "class=\"high\"]");
  ASSERT_EQ(m4.structured_data.size(), 2u);
  EXPECT_EQ(m4.structured_data[1].id, "examplePriority@32473");
  EXPECT_EQ(m4.structured_data[1].params[0].value, "high");
  EXPECT_TRUE(m4.msg.empty());
}

// RFC 5424 6.3.3: '"', '\' and ']' are escaped in PARAM-VALUE.
TEST(Syslog5424, EscapedParamValues) {
  SyslogMessage m = Parse(R"(<14>1 - - - - - [x@1 a="say \"hi\" [1\]" b="c:\\temp"] body)");
  ASSERT_EQ(m.structured_data.size(), 1u);
  EXPECT_EQ(UnescapeSdValue(m.structured_data[0].params[0].value), "say \"hi\" [1]");
  EXPECT_EQ(UnescapeSdValue(m.structured_data[0].params[1].value), "c:\\temp");
  EXPECT_FALSE(m.time.has_value());  // NILVALUE time
  EXPECT_EQ(m.msg, "body");
}

TEST(Syslog5424, ErrorsNameFieldAndOffset) {
  struct Case {
    std::string text, expected;
  };
  const Case cases[] = {
      {"<34>1 2003-10-11T22:14:15.003 host su - ID47 - x", "offset 6: TIMESTAMP"},  // no offset
      {"<34>1 2003-13-11T22:14:15Z host su - ID47 - x", "offset 6: TIMESTAMP"},
      {"<34>1 2003-10-11T22:14:15Z host su - ID47", "MSGID"},  // truncated header
      {"<34>1 - host su - ID47 [a b=\"1\"", "offset 31: structured data truncated"},
      {"<34>1 - host su - ID47 [a b=1]", "expected =\""},
      {"<34>1 - host su - ID47 x", "STRUCTURED-DATA: expected '[' or '-'"},
      {"<34>1 - host " + std::string(49, 'a') + " - ID47 - x", "APP-NAME longer than 48"},
      {"<34>1 - host su - ID47 [" + std::string(33, 'n') + "] x", "SD-ID longer than 32"},
      {"<192>1 - - - - - -", "PRI: 192 is above 191"},
      {"<034>1 - - - - - -", "PRI: leading zero"},
      {"<>1 - - - - - -", "PRI: expected 1 to 3 digits"},
      {"<34", "PRI: expected '>'"},
      {"<34>12 - - - - - -", "VERSION 12 is not supported"},
  };
  for (const Case& c : cases) {
    auto parsed = ParseSyslogMessage(c.text, kReference);
    ASSERT_FALSE(parsed.has_value()) << c.text;
    EXPECT_EQ(parsed.error().code, ErrorCode::kParse);
    EXPECT_NE(parsed.error().message.find(c.expected), std::string::npos)
        << c.text << " -> " << parsed.error().message;
  }
}

// RFC 3164 5.4, the first example.
TEST(Syslog3164, Example1) {
  SyslogMessage m =
      Parse("<34>Oct 11 22:14:15 mymachine su: 'su root' failed for lonvick on /dev/pts/8");
  EXPECT_EQ(m.format, EventFormat::kSyslog3164);
  EXPECT_EQ(m.facility, 4);
  EXPECT_EQ(m.severity, 2);
  EXPECT_EQ(m.time, At("2003-10-11T22:14:15Z"));  // year from the reference
  EXPECT_EQ(m.hostname, "mymachine");
  EXPECT_EQ(m.app_name, "su");
  EXPECT_EQ(m.msg, "'su root' failed for lonvick on /dev/pts/8");
}

// "Use the BFG!": no PRI at all (RFC 3164 4.3.3 reads it as <13>, all CONTENT); with PRI, time
// and an IP address as HOSTNAME, and a content without TAG.
TEST(Syslog3164, Example2WithAndWithoutHeader) {
  SyslogMessage bare = Parse("Use the BFG!");
  EXPECT_FALSE(bare.has_pri);
  EXPECT_EQ(bare.facility, 1);
  EXPECT_EQ(bare.severity, 5);
  EXPECT_FALSE(bare.time.has_value());
  EXPECT_EQ(bare.msg, "Use the BFG!");

  SyslogMessage relayed = Parse("<13>Feb  5 17:32:18 10.0.0.99 Use the BFG!");
  EXPECT_EQ(relayed.time, At("2003-02-05T17:32:18Z"));
  EXPECT_EQ(relayed.hostname, "10.0.0.99");
  EXPECT_EQ(relayed.app_name, "");
  EXPECT_EQ(relayed.msg, "Use the BFG!");
}

// "CST" follows the time stamp: a relay takes it as the HOSTNAME (RFC 3164 5.4, third example).
TEST(Syslog3164, Example3TimeZoneWordIsHostname) {
  SyslogMessage m = Parse(
      "<165>Aug 24 05:34:00 CST 1987 mymachine myproc[10]: %% It's time to make the do-nuts.  "
      "%%  Ingredients: Mix=OK, Jar=OK, Curdled=OK, Clock=OK Bo");
  EXPECT_EQ(m.time, At("2003-08-24T05:34:00Z"));
  EXPECT_EQ(m.hostname, "CST");
  EXPECT_EQ(m.msg.substr(0, 14), "1987 mymachine");
}

// The fourth example's time stamp is not valid: everything after PRI is CONTENT.
TEST(Syslog3164, Example4InvalidTimestampKeepsAllAsContent) {
  SyslogMessage m = Parse(
      "<0>1990 Oct 22 10:52:01 TZ-6 scapegoat.dmz.example.org 10.1.2.3 sched[0]: That's All "
      "Folks!");
  EXPECT_EQ(m.facility, 0);
  EXPECT_EQ(m.severity, 0);
  EXPECT_FALSE(m.time.has_value());
  EXPECT_EQ(m.hostname, "");
  EXPECT_EQ(m.msg.substr(0, 11), "1990 Oct 22");
}

TEST(Syslog3164, HeaderVariants) {
  // Fraction of a second, pid, slashes in TAG.
  SyslogMessage a = Parse("<22>Oct  3 01:02:03.456 mx1 postfix/smtpd[1234]: connect from x");
  EXPECT_EQ(a.time, At("2003-10-03T01:02:03.456Z"));
  EXPECT_EQ(a.app_name, "postfix/smtpd");
  EXPECT_EQ(a.procid, "1234");
  EXPECT_EQ(a.msg, "connect from x");
  // Cisco-style year, RFC 3339 time (rsyslog), no hostname before the TAG.
  SyslogMessage b = Parse("<189>Oct 11 2022 22:14:15 fw1 kernel: up");
  EXPECT_EQ(b.time, At("2022-10-11T22:14:15Z"));
  EXPECT_EQ(b.hostname, "fw1");
  SyslogMessage c = Parse("<30>2023-05-06T07:08:09.5+02:00 web3 nginx: GET /");
  EXPECT_EQ(c.time, At("2023-05-06T05:08:09.5Z"));
  EXPECT_EQ(c.hostname, "web3");
  EXPECT_EQ(c.app_name, "nginx");
  SyslogMessage d = Parse("<38>Oct 11 22:14:15 sshd[42]: Accepted publickey");
  EXPECT_EQ(d.hostname, "");
  EXPECT_EQ(d.app_name, "sshd");
  EXPECT_EQ(d.procid, "42");
}

// A December time stamp read in early January belongs to the year before.
TEST(Syslog3164, YearRollsBackAcrossNewYear) {
  auto m = ParseSyslogMessage("<13>Dec 31 23:59:59 h t: x", At("2024-01-01T00:00:05Z"));
  ASSERT_TRUE(m.has_value());
  EXPECT_EQ(m->time, At("2023-12-31T23:59:59Z"));
}

TEST(SyslogEvent, MessageIndicatorsBecomeObservables) {
  Event event;
  event.source = "udp-514";
  SyslogOptions options;
  options.reference_time = kReference;
  auto parsed = ParseSyslog(
      "<38>Oct 11 22:14:15 gw sshd[42]: Failed password for root from 203.0.113.7 port 22; "
      "payload from hxxp://evil-cdn[.]net/x.sh md5 d41d8cd98f00b204e9800998ecf8427e\n",
      event, options);
  ASSERT_TRUE(parsed.has_value()) << parsed.error().message;
  EXPECT_EQ(event.source, "udp-514");  // kept across Clear()
  EXPECT_EQ(event.format, EventFormat::kSyslog3164);
  EXPECT_EQ(event.sensor, "gw");
  EXPECT_EQ(event.type, "sshd");
  const std::vector<Triple> expected = {
      {"ipv4", "203.0.113.7", "msg"},
      {"url", "http://evil-cdn.net/x.sh", "msg"},
      {"md5", "d41d8cd98f00b204e9800998ecf8427e", "msg"},
  };
  EXPECT_EQ(Observables(event), expected);
}

// RFC 5424 7.2: the "origin" element's ip parameter is the originator's address.
TEST(SyslogEvent, StructuredDataValues) {
  Event event;
  auto parsed = ParseSyslog(
      "<165>1 2003-10-11T22:14:15.003Z relay app - - [origin ip=\"192.0.2.44\"][x@1 "
      "u=\"see http://bad-site.top/a\"] done",
      event);
  ASSERT_TRUE(parsed.has_value()) << parsed.error().message;
  const std::vector<Triple> expected = {
      {"ipv4", "192.0.2.44", "sd.origin.ip"},
      {"url", "http://bad-site.top/a", "sd.x@1.u"},
  };
  EXPECT_EQ(Observables(event), expected);
  EXPECT_EQ(event.time, At("2003-10-11T22:14:15.003Z"));
}

TEST(SyslogEvent, HostileInputIsRefusedOrReadSafely) {
  Event event;
  SyslogOptions options;
  options.max_message_bytes = 1000;
  auto too_large = ParseSyslog("<13>" + std::string(2000, 'a'), event, options);
  ASSERT_FALSE(too_large.has_value());
  EXPECT_EQ(too_large.error().code, ErrorCode::kTooLarge);
  // Invalid UTF-8 and control bytes in MSG: read, no crash, no bogus observable.
  auto binary =
      ParseSyslog(std::string("<13>Oct 11 22:14:15 h t: \xff\xfe\x01 10.0.0.1\x80", 39), event);
  ASSERT_TRUE(binary.has_value());
  EXPECT_TRUE(Has(event, "ipv4", "10.0.0.1"));
  auto empty = ParseSyslog("\r\n", event);
  ASSERT_FALSE(empty.has_value());
  EXPECT_NE(empty.error().message.find("empty message"), std::string::npos);
}

}  // namespace
}  // namespace socmesh::events
