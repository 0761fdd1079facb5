// JSON-lines events (issue 7 item 2; B2c): Suricata EVE and Zeek lines as the products write them
// (field order, nesting and escapes of Suricata 7 / Zeek 6 JSON output), custom field maps, the
// no-allocation promise of a reused Event, and hostile input.
#include "events/json_event.hpp"

#include <gtest/gtest.h>

#include <cstring>
#include <string>

#include "event_test_util.hpp"
#include "events/detail/fast_normalize.hpp"
#include "model/timestamp.hpp"

namespace socmesh::events {
namespace {

using testing::Has;
using testing::Observables;
using testing::Triple;

model::Timestamp At(std::string_view text) { return *model::ParseTimestamp(text); }

const char kEveAlert[] =
    R"({"timestamp":"2024-03-05T10:22:33.123456+0100","flow_id":1234567890123456,)"
    R"("in_iface":"eth0","event_type":"alert","src_ip":"10.0.0.5","src_port":49822,)"
    R"("dest_ip":"198.51.100.23","dest_port":80,"proto":"TCP","tx_id":0,"alert":{"action":)"
    R"("allowed","gid":1,"signature_id":2024897,"rev":3,"signature":"ET MALWARE Win32/Emotet )"
    R"(CnC Activity","category":"A Network Trojan was detected","severity":1},"http":)"
    R"({"hostname":"Evil.Example","url":"\/wp-content\/x.php?id=1","http_user_agent":)"
    R"j("Mozilla\/4.0 (compatible; MSIE 7.0)","http_method":"POST","protocol":"HTTP\/1.1",)j"
    R"("status":200,"length":312},"app_proto":"http","host":"sensor-ams-1"})";

const char kEveDnsV2[] =
    R"({"timestamp":"2024-03-05T10:22:34.000001+0000","flow_id":99,"event_type":"dns",)"
    R"("src_ip":"10.0.0.53","src_port":53,"dest_ip":"10.0.0.5","dest_port":51515,"proto":"UDP",)"
    R"("dns":{"version":2,"type":"answer","id":1234,"flags":"8180","qr":true,"rd":true,"ra":true,)"
    R"("rrname":"www.evil.example","rrtype":"A","rcode":"NOERROR","answers":[{"rrname":)"
    R"("www.evil.example","rrtype":"CNAME","ttl":300,"rdata":"cdn.evil.example"},{"rrname":)"
    R"("cdn.evil.example","rrtype":"A","ttl":300,"rdata":"203.0.113.80"},{"rrname":)"
    R"("evil.example","rrtype":"TXT","ttl":300,"rdata":"v=spf1 -all"}],"grouped":{"A":)"
    R"(["203.0.113.80"],"CNAME":["cdn.evil.example"]}}})";

const char kEveDnsV3[] =
    R"({"timestamp":"2024-03-05T10:22:35.5+0000","event_type":"dns","src_ip":"10.0.0.5",)"
    R"("dest_ip":"10.0.0.53","dns":{"version":3,"type":"request","id":7,"queries":[{"rrname":)"
    R"("Login.Phish.Example.","rrtype":"AAAA"}]}})";

const char kEveTlsFileSmtp[] =
    R"({"timestamp":"2024-03-05T10:22:36+0000","event_type":"fileinfo","src_ip":"2001:db8::5",)"
    R"("dest_ip":"2001:DB8:0:0::80","tls":{"sni":"files.evil.example","version":"TLS 1.3"},)"
    R"("fileinfo":{"filename":"\/invoice.pdf.exe","magic":"PE32","sha256":)"
    R"("E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855","md5":)"
    R"("d41d8cd98f00b204e9800998ecf8427e","size":0,"stored":false},"smtp":{"helo":"mx.example",)"
    R"("mail_from":"<bounce@evil.example>","rcpt_to":["<ceo@victim.example>",)"
    R"("<cfo@victim.example>"]},"email":{"from":"\"CEO\" <ceo@evil.example>",)"
    R"("to":["ap@victim.example"],"attachment":["invoice.pdf.exe"]}})";

Event ParseWith(JsonEventParser& parser, std::string_view line) {
  Event event;
  auto parsed = parser.Parse(line, event);
  EXPECT_TRUE(parsed.has_value()) << line << ": " << (parsed ? "" : parsed.error().message);
  // Values must not point into the caller's line for Parse (it copies); check by copying event
  // data out while the parser is alive.
  return event;
}

std::unique_ptr<JsonEventParser> Eve() { return *JsonEventParser::Create(SuricataEveFieldMap()); }
std::unique_ptr<JsonEventParser> Zeek() { return *JsonEventParser::Create(ZeekFieldMap()); }

TEST(SuricataEve, AlertWithHttp) {
  auto parser = Eve();
  Event event;
  ASSERT_TRUE(parser->Parse(kEveAlert, event).has_value());
  EXPECT_EQ(event.format, EventFormat::kSuricataEve);
  EXPECT_EQ(event.time, At("2024-03-05T09:22:33.123456Z"));
  EXPECT_EQ(event.type, "alert");
  EXPECT_EQ(event.sensor, "sensor-ams-1");
  EXPECT_EQ(event.message, "ET MALWARE Win32/Emotet CnC Activity");
  const std::vector<Triple> expected = {
      {"ipv4", "10.0.0.5", "src_ip"},
      {"ipv4", "198.51.100.23", "dest_ip"},
      {"domain", "evil.example", "http.hostname"},
      {"user-agent", "Mozilla/4.0 (compatible; MSIE 7.0)", "http.http_user_agent"},
      {"url", "http://evil.example/wp-content/x.php?id=1", "http.url"},  // hostname + url
  };
  EXPECT_EQ(Observables(event), expected);
  EXPECT_EQ(event.skipped_values, 0u);
}

TEST(SuricataEve, DnsVersion2AnswersAndGrouped) {
  auto parser = Eve();
  Event event;
  ASSERT_TRUE(parser->Parse(kEveDnsV2, event).has_value());
  const std::vector<Triple> expected = {
      {"ipv4", "10.0.0.53", "src_ip"},
      {"ipv4", "10.0.0.5", "dest_ip"},
      {"domain", "www.evil.example", "dns.rrname"},
      {"domain", "www.evil.example", "dns.answers.rrname"},
      {"domain", "cdn.evil.example", "dns.answers.rdata"},
      {"domain", "cdn.evil.example", "dns.answers.rrname"},
      {"ipv4", "203.0.113.80", "dns.answers.rdata"},
      {"domain", "evil.example", "dns.answers.rrname"},
      {"ipv4", "203.0.113.80", "dns.grouped.A"},
      {"domain", "cdn.evil.example", "dns.grouped.CNAME"},
  };
  EXPECT_EQ(Observables(event), expected);
  EXPECT_EQ(event.skipped_values, 1u);  // the TXT record's rdata
  EXPECT_EQ(event.first_skipped_field, "dns.answers.rdata");
}

TEST(SuricataEve, DnsVersion3Queries) {
  auto parser = Eve();
  Event event;
  ASSERT_TRUE(parser->Parse(kEveDnsV3, event).has_value());
  EXPECT_TRUE(Has(event, "domain", "login.phish.example"));  // lower-cased, root dot dropped
  EXPECT_EQ(event.time, At("2024-03-05T10:22:35.5Z"));
}

TEST(SuricataEve, TlsFileinfoSmtpEmail) {
  auto parser = Eve();
  Event event;
  ASSERT_TRUE(parser->Parse(kEveTlsFileSmtp, event).has_value());
  const std::vector<Triple> expected = {
      {"ipv6", "2001:db8::5", "src_ip"},
      {"ipv6", "2001:db8::80", "dest_ip"},
      {"domain", "files.evil.example", "tls.sni"},
      {"file-name", "/invoice.pdf.exe", "fileinfo.filename"},
      {"sha256", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
       "fileinfo.sha256"},
      {"md5", "d41d8cd98f00b204e9800998ecf8427e", "fileinfo.md5"},
      {"email", "bounce@evil.example", "smtp.mail_from"},
      {"email", "ceo@victim.example", "smtp.rcpt_to"},
      {"email", "cfo@victim.example", "smtp.rcpt_to"},
      {"email", "ceo@evil.example", "email.from"},
      {"email", "ap@victim.example", "email.to"},
      {"file-name", "invoice.pdf.exe", "email.attachment"},
  };
  EXPECT_EQ(Observables(event), expected);
}

TEST(Zeek, LogsOfSeveralKinds) {
  auto parser = Zeek();
  Event conn = ParseWith(
      *parser,
      R"({"_path":"conn","ts":1709630553.305988,"uid":"CHhAvVGS1DHFjwGM9","id.orig_h":)"
      R"("10.0.0.5","id.orig_p":49822,"id.resp_h":"203.0.113.80","id.resp_p":443,"proto":"tcp",)"
      R"("service":"ssl","duration":1.2,"conn_state":"SF"})");
  EXPECT_EQ(conn.format, EventFormat::kZeek);
  EXPECT_EQ(conn.type, "conn");
  EXPECT_EQ(conn.time, model::Timestamp{1709630553305988});
  EXPECT_EQ(Observables(conn), (std::vector<Triple>{{"ipv4", "10.0.0.5", "id.orig_h"},
                                                    {"ipv4", "203.0.113.80", "id.resp_h"}}));

  Event dns = ParseWith(
      *parser,
      R"({"ts":"2024-03-05T09:22:33.305988Z","uid":"C1","id.orig_h":"10.0.0.5","id.resp_h":)"
      R"("10.0.0.53","query":"www.evil.example","qtype_name":"A","answers":["cdn.evil.example",)"
      R"("203.0.113.80"],"TTLs":[300.0,300.0]})");
  EXPECT_EQ(dns.time, At("2024-03-05T09:22:33.305988Z"));
  EXPECT_TRUE(Has(dns, "domain", "www.evil.example"));
  EXPECT_TRUE(Has(dns, "domain", "cdn.evil.example"));
  EXPECT_TRUE(Has(dns, "ipv4", "203.0.113.80"));

  Event http = ParseWith(
      *parser, R"({"_path":"http","ts":1709630553.0,"uid":"C2","id.orig_h":"10.0.0.5","id.resp_h":)"
               R"("198.51.100.23","method":"GET","host":"evil.example:8080","uri":"/a/b?c=d",)"
               R"("referrer":"http://ref.example/","user_agent":"curl/8.5.0","status_code":200})");
  EXPECT_TRUE(Has(http, "domain", "evil.example"));
  EXPECT_TRUE(Has(http, "url", "http://evil.example:8080/a/b?c=d"));
  EXPECT_TRUE(Has(http, "url", "http://ref.example/"));
  EXPECT_TRUE(Has(http, "user-agent", "curl/8.5.0"));

  // Nested "id" objects (Zeek with JSON::use_json nesting) match the same rules.
  Event nested =
      ParseWith(*parser, R"({"ts":1.0,"uid":"C3","id":{"orig_h":"192.0.2.1","resp_h":"192.0.2.2"},)"
                         R"("server_name":"sni.evil.example","_path":"ssl"})");
  EXPECT_EQ(Observables(nested),
            (std::vector<Triple>{{"ipv4", "192.0.2.1", "id.orig_h"},
                                 {"ipv4", "192.0.2.2", "id.resp_h"},
                                 {"domain", "sni.evil.example", "server_name"}}));

  Event files = ParseWith(
      *parser,
      R"({"_path":"files","ts":2.0,"fuid":"F1","tx_hosts":["198.51.100.23"],"rx_hosts":)"
      R"(["10.0.0.5"],"mime_type":"application/x-dosexec","filename":"setup.exe","md5":)"
      R"("d41d8cd98f00b204e9800998ecf8427e","sha1":"da39a3ee5e6b4b0d3255bfef95601890afd80709"})");
  EXPECT_TRUE(Has(files, "sha1", "da39a3ee5e6b4b0d3255bfef95601890afd80709"));
  EXPECT_TRUE(Has(files, "ipv4", "198.51.100.23"));
  EXPECT_TRUE(Has(files, "file-name", "setup.exe"));

  Event x509 = ParseWith(
      *parser, R"({"_path":"x509","ts":3.0,"id":"FX1","certificate.subject":"CN=evil.example",)"
               R"("san.dns":["evil.example","*.evil.example"],"san.ip":["203.0.113.9"]})");
  EXPECT_TRUE(Has(x509, "domain", "evil.example"));
  EXPECT_TRUE(Has(x509, "ipv4", "203.0.113.9"));
  EXPECT_EQ(x509.skipped_values, 1u);  // "*.evil.example" is a pattern, not a domain

  Event smtp = ParseWith(
      *parser, R"({"_path":"smtp","ts":4.0,"uid":"C4","mailfrom":"<a@evil.example>","rcptto":)"
               R"(["b@victim.example"],"from":"Bad Actor <a@evil.example>","path":["203.0.113.25",)"
               R"("10.0.0.25"]})");
  EXPECT_TRUE(Has(smtp, "email", "a@evil.example"));
  EXPECT_TRUE(Has(smtp, "email", "b@victim.example"));
  EXPECT_TRUE(Has(smtp, "ipv4", "203.0.113.25"));
}

TEST(JsonAuto, TellsEveFromZeek) {
  auto parser = *JsonEventParser::CreateAuto();
  Event event;
  ASSERT_TRUE(parser->Parse(kEveAlert, event).has_value());
  EXPECT_EQ(event.format, EventFormat::kSuricataEve);
  ASSERT_TRUE(parser->Parse(R"({"ts":1.5,"uid":"C","id.orig_h":"10.1.1.1"})", event).has_value());
  EXPECT_EQ(event.format, EventFormat::kZeek);
  auto neither = parser->Parse(R"({"a":1})", event);
  ASSERT_FALSE(neither.has_value());
  EXPECT_NE(neither.error().message.find("neither Suricata EVE"), std::string::npos);
}

TEST(JsonCustomMap, SpecAndErrors) {
  auto map = ParseFieldMap(
      "@timestamp=time; observer.name=sensor\nsource.ip=ip, url.full=url, file.hash.sha256=sha256, "
      "user.email=email-header, event.action=type, message=text");
  ASSERT_TRUE(map.has_value()) << map.error().message;
  auto parser = *JsonEventParser::Create(*map);
  Event event;
  auto parsed = parser->Parse(
      R"({"@timestamp":"2024-03-05T10:00:00Z","event":{"action":"download"},"source":{"ip":)"
      R"("10.2.3.4"},"url":{"full":"https://Dl.Example/x"},"file":{"hash":{"sha256":)"
      R"("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"}},"observer":)"
      R"({"name":"edr-7"},"user":{"email":"Jo <jo@corp.example>"},"message":"hi"})",
      event);
  ASSERT_TRUE(parsed.has_value()) << parsed.error().message;
  EXPECT_EQ(event.format, EventFormat::kJson);
  EXPECT_EQ(event.type, "download");
  EXPECT_EQ(event.sensor, "edr-7");
  EXPECT_EQ(event.message, "hi");
  EXPECT_EQ(event.time, At("2024-03-05T10:00:00Z"));
  EXPECT_TRUE(Has(event, "url", "https://dl.example/x"));
  EXPECT_TRUE(Has(event, "email", "jo@corp.example"));
  EXPECT_EQ(event.observables.size(), 4u);

  auto bad_role = ParseFieldMap("a=ip, b=ipaddr");
  ASSERT_FALSE(bad_role.has_value());
  EXPECT_EQ(bad_role.error().message, "entry 2 (\"b=ipaddr\"): unknown role \"ipaddr\"");
  EXPECT_FALSE(ParseFieldMap("a..b=ip").has_value());
  EXPECT_FALSE(ParseFieldMap("novalue").has_value());
  EXPECT_FALSE(ParseFieldMap(" , ").has_value());
}

TEST(JsonHostile, ErrorsNameTheOffset) {
  auto parser = Eve();
  Event event;
  struct Case {
    std::string line, expected;
  };
  const Case cases[] = {
      {R"({"event_type":"alert","src_ip":"10.0.0.1")", "JSON"},  // truncated
      {R"(["event_type"])", "offset 0: JSON"},                   // not an object
      {"{\"event_type\":\"a\xff\"}", "JSON"},                    // invalid UTF-8
      {R"({"event_type":"dns"} {"x":1})", "content after the object"},
      {R"({"event_type":"dns","src_ip":"10.0.0.1",})", "JSON"},
      {"", "JSON"},
  };
  for (const Case& c : cases) {
    auto parsed = parser->Parse(c.line, event);
    ASSERT_FALSE(parsed.has_value()) << c.line;
    EXPECT_EQ(parsed.error().code, ErrorCode::kParse);
    EXPECT_NE(parsed.error().message.find(c.expected), std::string::npos)
        << c.line << " -> " << parsed.error().message;
  }
  JsonEventOptions small;
  small.max_line_bytes = 100;
  auto limited = *JsonEventParser::Create(SuricataEveFieldMap(), small);
  auto too_large = limited->Parse(kEveAlert, event);
  ASSERT_FALSE(too_large.has_value());
  EXPECT_EQ(too_large.error().code, ErrorCode::kTooLarge);

  // Wrong types and unnormalisable values are skipped, not fatal; deep nesting is bounded.
  ASSERT_TRUE(parser
                  ->Parse(R"({"event_type":"x","src_ip":42,"dest_ip":"999.1.1.1",)"
                          R"("timestamp":"yesterday","dns":{"answers":[[["1.2.3.4"]]]}})",
                          event)
                  .has_value());
  EXPECT_TRUE(event.observables.empty());
  EXPECT_EQ(event.skipped_values, 1u);
  EXPECT_EQ(event.first_skipped_field, "dest_ip");
  EXPECT_EQ(event.warnings, 1u);
  EXPECT_FALSE(event.time.has_value());
  const std::string deep =
      R"({"event_type":"x","alert":)" + std::string(5000, '[') + std::string(5000, ']') + "}";
  // Arrays of arrays are not looked into; skipping them costs no recursion of ours.
  if (parser->Parse(deep, event).has_value()) {
    EXPECT_TRUE(event.observables.empty());
  }
  const std::string huge_value =
      R"({"event_type":"x","src_ip":")" + std::string(500000, 'a') + R"(","dest_ip":"10.9.9.9"})";
  ASSERT_TRUE(parser->Parse(huge_value, event).has_value());
  EXPECT_TRUE(Has(event, "ipv4", "10.9.9.9"));
}

// A reused Event and parser stop allocating: arena and vector capacity stay put over a stream.
TEST(JsonPerformanceContract, ReusedEventDoesNotGrow) {
  auto parser = Eve();
  Event event;
  const char* lines[] = {kEveAlert, kEveDnsV2, kEveDnsV3, kEveTlsFileSmtp};
  for (const char* line : lines) ASSERT_TRUE(parser->Parse(line, event).has_value());
  const size_t arena = event.arena.capacity();
  const size_t vector = event.observables.capacity();
  for (int i = 0; i < 1000; ++i) {
    ASSERT_TRUE(parser->Parse(lines[i % 4], event).has_value());
  }
  EXPECT_EQ(event.arena.capacity(), arena);
  EXPECT_EQ(event.observables.capacity(), vector);
}

// ParsePadded reads in place: IPs in normal form are views into the caller's buffer.
TEST(JsonPerformanceContract, ParsePaddedRefersToTheInput) {
  auto parser = Eve();
  std::string buffer = std::string(kEveAlert) + std::string(kJsonPadding, ' ');
  const std::string_view line(buffer.data(), std::strlen(kEveAlert));
  Event event;
  ASSERT_TRUE(parser->ParsePadded(line, event).has_value());
  ASSERT_FALSE(event.observables.empty());
  EXPECT_EQ(event.observables[0].value, "10.0.0.5");
  EXPECT_EQ(event.type, "alert");
}

// The fast path's promise: what it calls normal, NormalizeObservable leaves unchanged.
TEST(FastNormalize, AgreesWithNormalizeObservable) {
  using model::ObservableKind;
  const std::pair<ObservableKind, std::string> values[] = {
      {ObservableKind::kIpv4, "10.0.0.1"},
      {ObservableKind::kIpv4, "010.0.0.1"},
      {ObservableKind::kIpv4, "256.0.0.1"},
      {ObservableKind::kIpv4, "1.2.3.4/32"},
      {ObservableKind::kIpv4, "1.2.3"},
      {ObservableKind::kIpv4, "1.2.3.4.5"},
      {ObservableKind::kDomain, "evil.example"},
      {ObservableKind::kDomain, "Evil.example"},
      {ObservableKind::kDomain, "evil.example."},
      {ObservableKind::kDomain, "-a.example"},
      {ObservableKind::kDomain, "a..example"},
      {ObservableKind::kDomain, std::string(64, 'a')},
      {ObservableKind::kUrl, "http://a.example/x"},
      {ObservableKind::kUrl, "http://A.example/x"},
      {ObservableKind::kUrl, "http://a.example:80/"},
      {ObservableKind::kUrl, "https://a/b c"},
      {ObservableKind::kUrl, "http://a.example/%7e"},
      {ObservableKind::kUrl, "http://a.example"},
      {ObservableKind::kUrl, "http://a.example/a/../b"},
      {ObservableKind::kUrl, "http://a.b/x#f"},
      {ObservableKind::kUrl, "http://a.example/p?q=1&r=/./"},
      {ObservableKind::kDomain, "xn--bcher-kva.example"},
      {ObservableKind::kUrl, "http:///x"},
      {ObservableKind::kMd5, std::string(32, 'a')},
      {ObservableKind::kMd5, std::string(32, 'A')},
      {ObservableKind::kSha1, std::string(39, 'a')},
      {ObservableKind::kUserAgent, "curl/8"},
      {ObservableKind::kUserAgent, "a\tb"},
  };
  for (const auto& [kind, value] : values) {
    if (!detail::IsAlreadyNormal(kind, value)) continue;
    auto normal = model::NormalizeObservable(kind, value);
    ASSERT_TRUE(normal.has_value()) << value;
    EXPECT_EQ(*normal, value);
  }
  EXPECT_TRUE(detail::IsAlreadyNormal(ObservableKind::kIpv4, "10.0.0.1"));
  EXPECT_TRUE(detail::IsAlreadyNormal(ObservableKind::kDomain, "evil.example"));
  EXPECT_FALSE(detail::IsAlreadyNormal(ObservableKind::kDomain, "Evil.example"));
}

}  // namespace
}  // namespace socmesh::events
