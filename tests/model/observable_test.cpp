#include "model/observable.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <filesystem>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "common/test_data.hpp"

namespace socmesh::model {
namespace {

using K = ObservableKind;

constexpr std::array<ObservableKind, 19> kAllKinds = {
    K::kIpv4, K::kIpv6,     K::kDomain, K::kUrl,         K::kEmail,     K::kMac,      K::kAsn,
    K::kMd5,  K::kSha1,     K::kSha256, K::kSha512,      K::kSha3_256,  K::kSha3_512, K::kSsdeep,
    K::kTlsh, K::kFileName, K::kMutex,  K::kRegistryKey, K::kUserAgent,
};

const std::string kSha256 = "ef537f25c895bfa782526529a9b63d97aa631564d5d789c2b765448c8635fb6c";

// The normalised value, or "<error: message>" so failures show what went wrong.
std::string Norm(ObservableKind kind, std::string_view value) {
  Result<std::string> r = NormalizeObservable(kind, value);
  return r ? *r : "<error: " + r.error().message + ">";
}

void ExpectRejected(ObservableKind kind, std::string_view value) {
  Result<std::string> r = NormalizeObservable(kind, value);
  EXPECT_FALSE(r.has_value()) << ObservableKindName(kind) << " accepted \"" << value << "\" as \""
                              << r.value_or("") << "\"";
  if (!r) {
    EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument);
  }
}

std::vector<Observable> Extract(std::string_view pattern) {
  return ExtractPatternObservables(pattern);
}

// --- Kind names ---

TEST(ObservableKindTest, NamesRoundTripForEveryKind) {
  std::set<std::string_view> names;
  for (ObservableKind kind : kAllKinds) {
    std::string_view name = ObservableKindName(kind);
    EXPECT_TRUE(names.insert(name).second) << name;
    EXPECT_EQ(ParseObservableKindName(name), kind) << name;
  }
  EXPECT_EQ(ObservableKindName(K::kSha3_256), "sha3-256");
  EXPECT_EQ(ObservableKindName(K::kRegistryKey), "registry-key");
  EXPECT_EQ(ParseObservableKindName("IPV4"), std::nullopt);
  EXPECT_EQ(ParseObservableKindName(""), std::nullopt);
  EXPECT_EQ(ObservableKindName(static_cast<ObservableKind>(200)), "unknown");
}

// --- IPv4 ---

TEST(NormalizeObservableTest, KeepsCanonicalIpv4Addresses) {
  EXPECT_EQ(Norm(K::kIpv4, "192.0.2.1"), "192.0.2.1");
  EXPECT_EQ(Norm(K::kIpv4, "0.0.0.0"), "0.0.0.0");
  EXPECT_EQ(Norm(K::kIpv4, "255.255.255.255"), "255.255.255.255");
}

TEST(NormalizeObservableTest, RejectsMalformedIpv4Addresses) {
  for (std::string_view v : {"999.1.1.1", "256.0.0.1", "1.2.3", "1.2.3.4.5", "1.2.3.4.", ".1.2.3.4",
                             " 1.2.3.4", "1.2.3.4 ", "a.b.c.d", "1..2.3", "::1", "1.2.3.1234",
                             "0x7f.0.0.1", "+1.2.3.4", "1.2.3.-4"}) {
    ExpectRejected(K::kIpv4, v);
  }
}

TEST(NormalizeObservableTest, RejectsIpv4LeadingZerosAsAmbiguous) {
  ExpectRejected(K::kIpv4, "01.2.3.4");
  ExpectRejected(K::kIpv4, "1.2.3.04");
  ExpectRejected(K::kIpv4, "010.0.0.1/8");
  Result<std::string> r = NormalizeObservable(K::kIpv4, "01.2.3.4");
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("leading zero"), std::string::npos) << r.error().message;
}

TEST(NormalizeObservableTest, ClearsHostBitsOfCidr) {
  EXPECT_EQ(Norm(K::kIpv4, "192.0.2.77/24"), "192.0.2.0/24");
  EXPECT_EQ(Norm(K::kIpv4, "192.0.2.255/25"), "192.0.2.128/25");
  EXPECT_EQ(Norm(K::kIpv4, "10.1.2.3/8"), "10.0.0.0/8");
  EXPECT_EQ(Norm(K::kIpv4, "113.65.1.1/15"), "113.64.0.0/15");
  EXPECT_EQ(Norm(K::kIpv4, "1.2.3.4/0"), "0.0.0.0/0");
  EXPECT_EQ(Norm(K::kIpv4, "112.64.0.0/15"), "112.64.0.0/15");
  EXPECT_EQ(Norm(K::kIpv4, "192.0.2.1/08"), "192.0.0.0/8");
}

TEST(NormalizeObservableTest, DropsSlash32FromIpv4Cidr) {
  EXPECT_EQ(Norm(K::kIpv4, "192.0.2.1/32"), "192.0.2.1");
}

TEST(NormalizeObservableTest, RejectsOutOfRangeCidrPrefixes) {
  for (std::string_view v : {"1.2.3.4/33", "1.2.3.4/", "1.2.3.4/-1", "1.2.3.4/1a", "1.2.3.4/24/1",
                             "1.2.3.4/0032", "/24", "1.2.3.4/ 24"}) {
    ExpectRejected(K::kIpv4, v);
  }
}

// --- IPv6 ---

TEST(NormalizeObservableTest, NormalizesIpv6ToRfc5952) {
  EXPECT_EQ(Norm(K::kIpv6, "2001:DB8:0:0:0:0:0:1"), "2001:db8::1");
  EXPECT_EQ(Norm(K::kIpv6, "2001:0db8::0001"), "2001:db8::1");
  EXPECT_EQ(Norm(K::kIpv6, "2001:db8:0:0:1:0:0:1"), "2001:db8::1:0:0:1");     // first of equal runs
  EXPECT_EQ(Norm(K::kIpv6, "1:0:0:2:0:0:0:3"), "1:0:0:2::3");                 // longest run
  EXPECT_EQ(Norm(K::kIpv6, "2001:db8:0:1:1:1:1:1"), "2001:db8:0:1:1:1:1:1");  // one zero stays
  EXPECT_EQ(Norm(K::kIpv6, "0:0:0:0:0:0:0:0"), "::");
  EXPECT_EQ(Norm(K::kIpv6, "0:0:0:0:0:0:0:1"), "::1");
  EXPECT_EQ(Norm(K::kIpv6, "FE80:0:0:0:0:0:0:0"), "fe80::");
  // glibc's inet_ntop would print "::0.2.0.3" (deprecated IPv4-compatible form).
  EXPECT_EQ(Norm(K::kIpv6, "::2:3"), "::2:3");
  EXPECT_EQ(Norm(K::kIpv6, "::192.0.2.1"), "::c000:201");
}

TEST(NormalizeObservableTest, WritesIpv4MappedIpv6InMixedNotation) {
  EXPECT_EQ(Norm(K::kIpv6, "::FFFF:192.0.2.1"), "::ffff:192.0.2.1");
  EXPECT_EQ(Norm(K::kIpv6, "0:0:0:0:0:ffff:c000:0201"), "::ffff:192.0.2.1");
  EXPECT_EQ(Norm(K::kIpv6, "::ffff:0.0.0.0"), "::ffff:0.0.0.0");
  EXPECT_EQ(Norm(K::kIpv6, "::ffff:192.0.2.77/120"), "::ffff:192.0.2.0/120");
}

TEST(NormalizeObservableTest, ClearsHostBitsOfIpv6Cidr) {
  EXPECT_EQ(Norm(K::kIpv6, "2001:db8::1/64"), "2001:db8::/64");
  EXPECT_EQ(Norm(K::kIpv6, "2001:db8:ffff:ffff::/33"), "2001:db8:8000::/33");
  EXPECT_EQ(Norm(K::kIpv6, "2001:DB8::1/128"), "2001:db8::1");
  EXPECT_EQ(Norm(K::kIpv6, "::1/0"), "::/0");
  ExpectRejected(K::kIpv6, "2001:db8::/129");
  ExpectRejected(K::kIpv6, "2001:db8::/");
}

TEST(NormalizeObservableTest, RejectsMalformedIpv6Addresses) {
  for (std::string_view v : {"2001:db8::g", "1:2:3:4:5:6:7:8:9", "1:2:3:4:5:6:7", ":::", "1::2::3",
                             "192.0.2.1", "12345::1", "::ffff:01.2.3.4", " ::1"}) {
    ExpectRejected(K::kIpv6, v);
  }
}

TEST(NormalizeObservableTest, RejectsIpv6ZoneIndexes) {
  Result<std::string> r = NormalizeObservable(K::kIpv6, "fe80::1%eth0");
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("zone"), std::string::npos) << r.error().message;
}

// --- Domains ---

TEST(NormalizeObservableTest, LowercasesDomainsAndStripsOneTrailingDot) {
  EXPECT_EQ(Norm(K::kDomain, "WWW.Example.COM."), "www.example.com");
  EXPECT_EQ(Norm(K::kDomain, "3q.wubangtu.info"), "3q.wubangtu.info");
  EXPECT_EQ(Norm(K::kDomain, "localhost"), "localhost");
  ExpectRejected(K::kDomain, "example.com..");
}

// B2a: one observable per internationalised name, whatever form a source writes it in.
TEST(NormalizeObservableTest, ConvertsInternationalisedNamesToALabels) {
  EXPECT_EQ(Norm(K::kDomain, "XN--Bcher-KVA.Example"), "xn--bcher-kva.example");
  EXPECT_EQ(Norm(K::kDomain, "B\xC3\xBC\x63her.Example"), "xn--bcher-kva.example");
  EXPECT_EQ(Norm(K::kDomain, "b\xC3\x9C\x63HER.example"), "xn--bcher-kva.example");  // "Ü"
  EXPECT_EQ(Norm(K::kDomain,
                 "\xC3\x9C"
                 "ber.example"),
            "xn--ber-goa.example");
  EXPECT_EQ(Norm(K::kDomain, "\xD0\xBF\xD1\x80\xD0\xB8\xD0\xBC\xD0\xB5\xD1\x80.\xD1\x80\xD1\x84"),
            "xn--e1afmkfd.xn--p1ai");
  // Full-width and ideographic full stops separate labels; full-width letters map to ASCII.
  EXPECT_EQ(Norm(K::kDomain, "b\xC3\xBC\x63her\xEF\xBC\x8E\x65xample"), "xn--bcher-kva.example");
  EXPECT_EQ(Norm(K::kDomain, "\xEF\xBC\xA1\xEF\xBC\xA2.example"), "ab.example");
  // Non-transitional processing (IDNA2008, current browsers): "ß" is not "ss".
  EXPECT_EQ(Norm(K::kDomain, "fa\xC3\x9F.de"), "xn--fa-hia.de");
  // A homograph stays distinct from the Latin name it imitates (Cyrillic "аррӏе").
  EXPECT_EQ(Norm(K::kDomain, "\xD0\xB0\xD1\x80\xD1\x80\xD3\x8F\xD0\xB5.com"), "xn--80ak6aa92e.com");
  // ASCII labels next to IDN labels keep socmesh's host-name rules.
  EXPECT_EQ(Norm(K::kDomain, "_dmarc.B\xC3\xBC\x63her.example"), "_dmarc.xn--bcher-kva.example");
  EXPECT_EQ(Norm(K::kEmail, "Info@B\xC3\xBC\x63her.example"), "Info@xn--bcher-kva.example");
}

TEST(NormalizeObservableTest, RejectsInvalidIdnaWithTheReason) {
  for (std::string_view v :
       {"xn--zz.example", "xn--.example", "xn--a.example",
        "\xE2\x98\x83.net" /* snowman: disallowed in IDNA2008 */, "xn--n3h.net"}) {
    Result<std::string> r = NormalizeObservable(K::kDomain, v);
    ASSERT_FALSE(r) << v << " -> " << *r;
    EXPECT_NE(r.error().message.find("not a valid IDNA label"), std::string::npos)
        << r.error().message;
  }
  Result<std::string> url = NormalizeObservable(K::kUrl, "http://xn--zz.example/");
  ASSERT_FALSE(url);
  EXPECT_NE(url.error().message.find("host: label \"xn--zz\""), std::string::npos)
      << url.error().message;
  // Pure ASCII names are not IDNA-checked: "--" in the third and fourth positions exists in DNS.
  EXPECT_EQ(Norm(K::kDomain, "ab--cd.example"), "ab--cd.example");
}

TEST(NormalizeObservableTest, AcceptsUnderscoresAndDigitsInLabels) {
  EXPECT_EQ(Norm(K::kDomain, "_dmarc.Example.com"), "_dmarc.example.com");
  EXPECT_EQ(Norm(K::kDomain, "js001.3322.org"), "js001.3322.org");
  EXPECT_EQ(Norm(K::kDomain, "a-b.c--d.example"), "a-b.c--d.example");
}

TEST(NormalizeObservableTest, EnforcesDomainLengthLimits) {
  const std::string label63(63, 'a');
  EXPECT_EQ(Norm(K::kDomain, label63 + ".example"), label63 + ".example");
  ExpectRejected(K::kDomain, std::string(64, 'a') + ".example");
  // 4 x 63 + 3 dots = 255 bytes; trimmed to exactly 253 it is accepted.
  std::string name = label63 + "." + label63 + "." + label63 + "." + std::string(61, 'b');
  ASSERT_EQ(name.size(), 253u);
  EXPECT_EQ(Norm(K::kDomain, name), name);
  EXPECT_EQ(Norm(K::kDomain, name + "."), name);
  ExpectRejected(K::kDomain, name + "b");
}

TEST(NormalizeObservableTest, RejectsMalformedDomains) {
  for (std::string_view v : {".", "..", ".example.com", "a..b", "-a.example", "a-.example",
                             "exa mple.com", "domain autuo.xicp.net", "a/b.example", "a:b.example",
                             "a@b.example", "*.example.com", "\xFF.example", "\xC3.example"}) {
    ExpectRejected(K::kDomain, v);
  }
}

// --- URLs ---

TEST(NormalizeObservableTest, LowercasesUrlSchemeAndHostOnly) {
  // RFC 3986 6.2.2.1; the fragment is dropped (never sent to a server).
  EXPECT_EQ(Norm(K::kUrl, "HTTP://Example.COM/Path/File.PHP?Q=A&b=C#Frag"),
            "http://example.com/Path/File.PHP?Q=A&b=C");
  EXPECT_EQ(Norm(K::kUrl, "hxxp://Evil.Example/"), "http://evil.example/");
  EXPECT_EQ(Norm(K::kUrl, "http://x4z9arb.cn/4712/"), "http://x4z9arb.cn/4712/");
}

TEST(NormalizeObservableTest, DropsDefaultUrlPorts) {
  EXPECT_EQ(Norm(K::kUrl, "http://a.example:80/x"), "http://a.example/x");
  EXPECT_EQ(Norm(K::kUrl, "HTTPS://A.example:443"), "https://a.example/");
  EXPECT_EQ(Norm(K::kUrl, "http://a.example:0080/"), "http://a.example/");
  EXPECT_EQ(Norm(K::kUrl, "http://a.example:/"), "http://a.example/");
  EXPECT_EQ(Norm(K::kUrl, "https://a.example:80/"), "https://a.example:80/");
  EXPECT_EQ(Norm(K::kUrl, "http://a.example:443/"), "http://a.example:443/");
  EXPECT_EQ(Norm(K::kUrl, "http://a.example:8080?x"), "http://a.example:8080/?x");
  EXPECT_EQ(Norm(K::kUrl, "ftp://a.example:21/"), "ftp://a.example/");
  EXPECT_EQ(Norm(K::kUrl, "wss://a.example:443/s"), "wss://a.example/s");
  EXPECT_EQ(Norm(K::kUrl, "ws://a.example:80"), "ws://a.example/");
}

TEST(NormalizeObservableTest, KeepsUrlUserInfoPathAndQueryCase) {
  // Reserved escapes stay escaped (with upper-case hex): "%2F" is not a path separator.
  EXPECT_EQ(Norm(K::kUrl, "http://User:PW@Host.Example:80/A%2Fb%2f?X=Y;Z#Top"),
            "http://User:PW@host.example/A%2Fb%2F?X=Y;Z");
  EXPECT_EQ(Norm(K::kUrl, "http://paypa1.banking.com"), "http://paypa1.banking.com/");
  // Spaces are sent as %20; a '%' without two hex digits is kept (servers disagree on it).
  EXPECT_EQ(Norm(K::kUrl, "http://a.example/with space/%zz"), "http://a.example/with%20space/%zz");
  // '@' and ':' after the authority belong to the path.
  EXPECT_EQ(Norm(K::kUrl, "HTTP://A.example/p@Q:80"), "http://a.example/p@Q:80");
}

// RFC 3986 section 6.2.2.2: escapes of unreserved characters are the characters themselves.
TEST(NormalizeObservableTest, DecodesUnreservedPercentEscapesInUrls) {
  EXPECT_EQ(Norm(K::kUrl, "http://a.example/%7Euser/%41%62c%2d%2E%5f?q=%7e%3d"),
            "http://a.example/~user/Abc-._?q=~%3D");
  EXPECT_EQ(Norm(K::kUrl, "http://a.example/caf\xC3\xA9"), "http://a.example/caf%C3%A9");
  EXPECT_EQ(Norm(K::kUrl, "http://a.example/caf%c3%a9"), "http://a.example/caf%C3%A9");
  EXPECT_EQ(Norm(K::kUrl, "http://us%65r@a.example/"), "http://user@a.example/");
}

// RFC 3986 section 6.2.2.3 (remove_dot_segments of section 5.2.4).
TEST(NormalizeObservableTest, RemovesDotSegmentsFromUrlPaths) {
  EXPECT_EQ(Norm(K::kUrl, "http://a.example/a/b/c/./../../g"), "http://a.example/a/g");
  EXPECT_EQ(Norm(K::kUrl, "http://a.example/mid/content=5/../6"), "http://a.example/mid/6");
  EXPECT_EQ(Norm(K::kUrl, "http://a.example/../../x"), "http://a.example/x");
  EXPECT_EQ(Norm(K::kUrl, "http://a.example/a/%2E%2E/b"), "http://a.example/b");
  EXPECT_EQ(Norm(K::kUrl, "http://a.example/a/.."), "http://a.example/");
  EXPECT_EQ(Norm(K::kUrl, "http://a.example/a/./b/."), "http://a.example/a/b/");
  // Only the path: dots in the query are data.
  EXPECT_EQ(Norm(K::kUrl, "http://a.example/x?p=../../etc"), "http://a.example/x?p=../../etc");
}

TEST(NormalizeObservableTest, RefangsNetworkIndicators) {
  EXPECT_EQ(Norm(K::kUrl, "hxxps[:]//Evil[.]Example/a[.]php"), "https://evil.example/a.php");
  EXPECT_EQ(Norm(K::kUrl, "hXXp://1.2.3[.]4:8080/x"), "http://1.2.3.4:8080/x");
  EXPECT_EQ(Norm(K::kUrl, "fxp://files(.)example/"), "ftp://files.example/");
  EXPECT_EQ(Norm(K::kIpv4, "192.0.2[.]1"), "192.0.2.1");
  EXPECT_EQ(Norm(K::kIpv4, "192(.)0(.)2(.)1"), "192.0.2.1");
  EXPECT_EQ(Norm(K::kDomain, "evil[dot]example{.}com"), "evil.example.com");
  EXPECT_EQ(Norm(K::kEmail, "Bad.Guy[at]Evil[.]Example"), "Bad.Guy@evil.example");
  EXPECT_EQ(Norm(K::kEmail, "bad(@)evil.example"), "bad@evil.example");
  EXPECT_EQ(Norm(K::kIpv6, "2001:db8[:]:1"), "2001:db8::1");
  // Hashes and names are not refanged: brackets can be part of a file name.
  EXPECT_EQ(Norm(K::kFileName, "report[.]pdf"), "report[.]pdf");
  // A lone bracket is not a marker.
  EXPECT_EQ(Norm(K::kUrl, "http://a.example/?a[]=1"), "http://a.example/?a[]=1");
}

TEST(NormalizeObservableTest, LowercasesBracketedIpv6UrlHosts) {
  EXPECT_EQ(Norm(K::kUrl, "http://[2001:DB8::1]:8080/"), "http://[2001:db8::1]:8080/");
  EXPECT_EQ(Norm(K::kUrl, "https://[::1]:443/x"), "https://[::1]/x");
  ExpectRejected(K::kUrl, "http://[::1/");
  ExpectRejected(K::kUrl, "http://[::1]x/");
  ExpectRejected(K::kUrl, "http://[fe80::1%25eth0]/");
}

TEST(NormalizeObservableTest, AcceptsUrlsOfOtherSchemes) {
  EXPECT_EQ(Norm(K::kUrl, "file:///etc/passwd"), "file:///etc/passwd");
  EXPECT_EQ(Norm(K::kUrl, "FTP://Files.Example/Pub"), "ftp://files.example/Pub");
  // No default port and no "empty path is /" rule for schemes this code does not know.
  EXPECT_EQ(Norm(K::kUrl, "irc://irc.example:6667"), "irc://irc.example:6667");
  EXPECT_EQ(Norm(K::kUrl, "http://B\xC3\xBC\x63her.example/x"), "http://xn--bcher-kva.example/x");
  EXPECT_EQ(Norm(K::kUrl, "svn+SSH://Host.example/r"), "svn+ssh://host.example/r");
}

TEST(NormalizeObservableTest, RejectsUrlsWithoutSchemeOrWithBadAuthority) {
  for (std::string_view v :
       {"example.com/path", "://example.com", "1http://example.com", "ht tp://example.com",
        "mailto:user@example.com", "http:/example.com", "http://", "http:///path", "https://?q",
        "http://a b.example/", "http://a.example:99999/", "http://a.example:8o/",
        "http://a.example:-1/", "http://a|b.example/", "http://a.example\\x/"}) {
    ExpectRejected(K::kUrl, v);
  }
}

// --- E-mail ---

TEST(NormalizeObservableTest, NormalizesOnlyTheDomainOfEmailAddresses) {
  EXPECT_EQ(Norm(K::kEmail, "John.Doe@Example.COM"), "John.Doe@example.com");
  EXPECT_EQ(Norm(K::kEmail, "a+tag@B.Example."), "a+tag@b.example");
  EXPECT_EQ(Norm(K::kEmail, "donald.duck@disney.com"), "donald.duck@disney.com");
}

TEST(NormalizeObservableTest, RejectsMalformedEmailAddresses) {
  for (std::string_view v :
       {"no-at.example", "a@b@c.example", "@example.com", "user@", "user@-x.example",
        "user@a..example", "first last@example.com", "user@[192.0.2.1]", "user@exa mple.com"}) {
    ExpectRejected(K::kEmail, v);
  }
  Result<std::string> r = NormalizeObservable(K::kEmail, "user@a..example");
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("domain part"), std::string::npos) << r.error().message;
}

// --- MAC, ASN ---

TEST(NormalizeObservableTest, AcceptsThreeMacAddressForms) {
  EXPECT_EQ(Norm(K::kMac, "AA:BB:CC:DD:EE:FF"), "aa:bb:cc:dd:ee:ff");
  EXPECT_EQ(Norm(K::kMac, "aa-bb-cc-dd-ee-0F"), "aa:bb:cc:dd:ee:0f");
  EXPECT_EQ(Norm(K::kMac, "AABB.CCDD.EEFF"), "aa:bb:cc:dd:ee:ff");
  EXPECT_EQ(Norm(K::kMac, "00:00:5e:00:53:01"), "00:00:5e:00:53:01");
}

TEST(NormalizeObservableTest, RejectsMalformedMacAddresses) {
  for (std::string_view v :
       {"aa:bb:cc:dd:ee", "aa:bb:cc:dd:ee:ff:00", "aa:bb-cc:dd:ee:ff", "gg:bb:cc:dd:ee:ff",
        "aabbccddeeff", "a:b:c:d:e:f", "aabb.ccdd-eeff", "aa.bb.cc.dd.ee.ff", "aabb:ccdd:eeff"}) {
    ExpectRejected(K::kMac, v);
  }
}

TEST(NormalizeObservableTest, NormalizesAsNumbersToDecimal) {
  EXPECT_EQ(Norm(K::kAsn, "AS123"), "123");
  EXPECT_EQ(Norm(K::kAsn, "as123"), "123");
  EXPECT_EQ(Norm(K::kAsn, "aS123"), "123");
  EXPECT_EQ(Norm(K::kAsn, "123"), "123");
  EXPECT_EQ(Norm(K::kAsn, "AS000123"), "123");
  EXPECT_EQ(Norm(K::kAsn, "0"), "0");
  EXPECT_EQ(Norm(K::kAsn, "4294967295"), "4294967295");
}

TEST(NormalizeObservableTest, RejectsAsNumbersOutOfRangeOrMalformed) {
  for (std::string_view v : {"4294967296", "99999999999999999999999", "AS", "AS-1", "AS 123",
                             "ASN123", "12a", "-1", "+5", "AS1.10", "1e3"}) {
    ExpectRejected(K::kAsn, v);
  }
}

// --- Hashes ---

TEST(NormalizeObservableTest, LowercasesHashesOfExactLength) {
  const std::pair<ObservableKind, size_t> kLengths[] = {
      {K::kMd5, 32},     {K::kSha1, 40},     {K::kSha256, 64},
      {K::kSha512, 128}, {K::kSha3_256, 64}, {K::kSha3_512, 128},
  };
  for (auto [kind, length] : kLengths) {
    std::string upper;
    for (size_t i = 0; i < length; ++i) upper += "0123456789ABCDEF"[i % 16];
    std::string lower = upper;
    std::transform(lower.begin(), lower.end(), lower.begin(), ::tolower);
    EXPECT_EQ(Norm(kind, upper), lower) << ObservableKindName(kind);
    ExpectRejected(kind, upper.substr(1));
    ExpectRejected(kind, upper + "0");
    ExpectRejected(kind, "g" + upper.substr(1));
    ExpectRejected(kind, " " + upper.substr(1));
  }
  EXPECT_EQ(Norm(K::kSha256, "EF537F25C895BFA782526529A9B63D97AA631564D5D789C2B765448C8635FB6C"),
            kSha256);
}

TEST(NormalizeObservableTest, HashErrorsSayTheExpectedLength) {
  Result<std::string> r = NormalizeObservable(K::kMd5, "abc");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message,
            "\"abc\" is not an MD5 hash: expected 32 hex digits, got 3 hex digits");
}

TEST(NormalizeObservableTest, NormalizesTlshWithOptionalT1Prefix) {
  const std::string body70 =
      "A1B2C3D4E5F60718293A4B5C6D7E8F90A1B2C3D4E5F60718293A4B5C6D7E8F90A1B2C3";
  ASSERT_EQ(body70.size(), 70u);
  std::string lower = body70;
  std::transform(lower.begin(), lower.end(), lower.begin(), ::tolower);
  EXPECT_EQ(Norm(K::kTlsh, "T1" + body70), "t1" + lower);
  EXPECT_EQ(Norm(K::kTlsh, "t1" + lower), "t1" + lower);
  EXPECT_EQ(Norm(K::kTlsh, body70), lower);
  EXPECT_EQ(Norm(K::kTlsh, body70 + body70.substr(0, 64)), lower + lower.substr(0, 64));  // 134
  ExpectRejected(K::kTlsh, body70.substr(1));
  ExpectRejected(K::kTlsh, "T2" + body70);
  ExpectRejected(K::kTlsh, "T1");
  ExpectRejected(K::kTlsh, "T1" + body70.substr(0, 69) + "G");
}

TEST(NormalizeObservableTest, KeepsSsdeepExactly) {
  EXPECT_EQ(Norm(K::kSsdeep, "3:AXGBicFlgVNhBGcL6wCrFQEv:AXGHsNhxLsr2C"),
            "3:AXGBicFlgVNhBGcL6wCrFQEv:AXGHsNhxLsr2C");
  const std::string long_digest =
      "96:s4Ud1Lj96tHHlZDrwciQmA+4uy1I0G4HYuL8N3TzS8QsO/wqWXLcMSx:sF1C6V3LwciQmA+4uy1dHYuE";
  EXPECT_EQ(Norm(K::kSsdeep, long_digest), long_digest);
  // ssdeep's file-name suffix is not part of the digest.
  ExpectRejected(K::kSsdeep, long_digest + ",\"sample.exe\"");
  EXPECT_EQ(Norm(K::kSsdeep, "3::"), "3::");
  for (std::string_view v :
       {"3:abc", "x:abc:def", ":abc:def", "3:ab-c:def", "3:a:b:c", "3:abc:def,\"file.exe\""}) {
    ExpectRejected(K::kSsdeep, v);
  }
}

// --- Free-text kinds ---

TEST(NormalizeObservableTest, KeepsFileNamesMutexesAndUserAgentsAsGiven) {
  EXPECT_EQ(Norm(K::kFileName, "Invoice.PDF.exe"), "Invoice.PDF.exe");
  EXPECT_EQ(Norm(K::kFileName, " spaced name "), " spaced name ");
  EXPECT_EQ(Norm(K::kFileName, "r\xC3\xA9sum\xC3\xA9.doc"), "r\xC3\xA9sum\xC3\xA9.doc");
  EXPECT_EQ(Norm(K::kMutex, "Global\\MyMutex"), "Global\\MyMutex");
  EXPECT_EQ(Norm(K::kUserAgent, "Mozilla/5.0 (Windows NT 10.0; Win64; x64)"),
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64)");
}

TEST(NormalizeObservableTest, LowercasesRegistryKeys) {
  EXPECT_EQ(Norm(K::kRegistryKey, "HKEY_LOCAL_MACHINE\\Software\\Microsoft\\Windows\\Run"),
            "hkey_local_machine\\software\\microsoft\\windows\\run");
}

TEST(NormalizeObservableTest, RejectsEmptyValuesAndControlCharactersForEveryKind) {
  for (ObservableKind kind : kAllKinds) {
    ExpectRejected(kind, "");
    ExpectRejected(kind, "a\tb");
    ExpectRejected(kind, "line\n");
    ExpectRejected(kind, std::string_view("nul\0byte", 8));
    ExpectRejected(kind, "del\x7f");
    ExpectRejected(kind, "bad\xC0\xAFutf8");
  }
}

TEST(NormalizeObservableTest, RejectsUnknownKinds) {
  Result<std::string> r = NormalizeObservable(static_cast<ObservableKind>(0), "x");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument);
}

TEST(NormalizeObservableTest, ErrorMessagesQuoteTheValueAndSayWhy) {
  Result<std::string> r = NormalizeObservable(K::kIpv4, "999.1.1.1");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message,
            "\"999.1.1.1\" is not an IPv4 address: octet 999 is out of range 0-255");

  r = NormalizeObservable(K::kFileName, "evil\x01name");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message,
            "\"evil\\x01name\" is not a file name: control byte \\x01 at offset 4");
}

TEST(NormalizeObservableTest, ErrorMessagesTruncateLongValues) {
  const std::string value(1000, 'x');
  Result<std::string> r = NormalizeObservable(K::kDomain, value);
  ASSERT_FALSE(r);
  EXPECT_LT(r.error().message.size(), 200u) << r.error().message;
  EXPECT_NE(r.error().message.find("(1000 bytes)"), std::string::npos) << r.error().message;

  // Truncation never splits a UTF-8 sequence: the message stays valid UTF-8.
  std::string accented;
  for (int i = 0; i < 100; ++i) accented += "\xC3\xA9";
  r = NormalizeObservable(K::kMd5, accented);
  ASSERT_FALSE(r);
  const std::string& m = r.error().message;
  const size_t quote = m.find('"', 1);
  ASSERT_NE(quote, std::string::npos);
  EXPECT_EQ((quote - 1) % 2, 0u) << m;
}

TEST(NormalizeObservableTest, NormalizationIsIdempotent) {
  const std::pair<ObservableKind, std::string_view> kInputs[] = {
      {K::kIpv4, "192.0.2.77/24"},
      {K::kIpv6, "0:0:0:0:0:FFFF:C000:0201"},
      {K::kIpv6, "2001:DB8:0:0:1:0:0:1/127"},
      {K::kDomain, "Example.COM."},
      {K::kUrl, "HTTP://User@Example.COM:0080/A?b#C"},
      {K::kUrl, "https://[2001:DB8::1]:443"},
      {K::kUrl, "hxxp://B\xC3\xBC\x63her.example/a/../%7e%c3%a9 x?q=%2f#f"},
      {K::kDomain, "B\xC3\xBC\x63her[.]Example"},
      {K::kEmail, "Someone@Example.COM."},
      {K::kMac, "AABB.CCDD.EEFF"},
      {K::kAsn, "AS00065000"},
      {K::kTlsh, "T1A1B2C3D4E5F60718293A4B5C6D7E8F90A1B2C3D4E5F60718293A4B5C6D7E8F90A1B2C3"},
      {K::kRegistryKey, "HKEY_CURRENT_USER\\Run"},
  };
  for (auto [kind, input] : kInputs) {
    const std::string once = Norm(kind, input);
    ASSERT_FALSE(once.starts_with("<error")) << once;
    EXPECT_EQ(Norm(kind, once), once) << ObservableKindName(kind) << " " << input;
  }
}

// --- ClassifyObservable ---

TEST(ClassifyObservableTest, ClassifiesTypedValues) {
  const std::string md5(32, 'A');
  const std::string sha1(40, 'b');
  const std::string sha512(128, 'c');
  const std::pair<std::string, Observable> kCases[] = {
      {"192.0.2.1", {K::kIpv4, "192.0.2.1"}},
      {"192.0.2.9/24", {K::kIpv4, "192.0.2.0/24"}},
      {"2001:DB8::1", {K::kIpv6, "2001:db8::1"}},
      {"::ffff:192.0.2.1", {K::kIpv6, "::ffff:192.0.2.1"}},
      {"2001:db8::1/32", {K::kIpv6, "2001:db8::/32"}},
      {md5, {K::kMd5, std::string(32, 'a')}},
      {sha1, {K::kSha1, sha1}},
      {kSha256, {K::kSha256, kSha256}},
      {sha512, {K::kSha512, sha512}},
      {"User@Example.com", {K::kEmail, "User@example.com"}},
      {"HTTP://X.example:80/a", {K::kUrl, "http://x.example/a"}},
      {"http://user@x.example/", {K::kUrl, "http://user@x.example/"}},
      {"AA-BB-CC-DD-EE-FF", {K::kMac, "aa:bb:cc:dd:ee:ff"}},
      {"aabb.ccdd.eeff", {K::kMac, "aa:bb:cc:dd:ee:ff"}},
      {"AS15169", {K::kAsn, "15169"}},
      {"as0", {K::kAsn, "0"}},
      {"Example.COM", {K::kDomain, "example.com"}},
      {"  example.com \n", {K::kDomain, "example.com"}},
      {"xn--80ak6aa92e.xn--p1ai", {K::kDomain, "xn--80ak6aa92e.xn--p1ai"}},
      {"\xD0\xBF\xD1\x80\xD0\xB8\xD0\xBC\xD0\xB5\xD1\x80.\xD1\x80\xD1\x84",
       {K::kDomain, "xn--e1afmkfd.xn--p1ai"}},
  };
  for (const auto& [input, expected] : kCases) {
    std::optional<Observable> got = ClassifyObservable(input);
    ASSERT_TRUE(got.has_value()) << input;
    EXPECT_EQ(ObservableKindName(got->kind), ObservableKindName(expected.kind)) << input;
    EXPECT_EQ(got->value, expected.value) << input;
  }
}

TEST(ClassifyObservableTest, ReturnsNulloptWhenNothingFits) {
  for (std::string_view v :
       {"", "   ", "hello", "123", "2.0.1", "01.2.3.4", "1.2.3.999", "example.com/path", "abcdef",
        "a b", "user@", "http://", "999.1.1.1/24", "AS", "AS12x", "example.c0m", "example.a",
        "fe80::1%eth0", "aa:bb:cc:dd:ee"}) {
    std::optional<Observable> got = ClassifyObservable(v);
    EXPECT_FALSE(got.has_value()) << "\"" << v << "\" -> " << ObservableKindName(got->kind) << " "
                                  << got->value;
  }
}

// --- Object paths ---

TEST(KindForObjectPathTest, MapsScoValuePaths) {
  EXPECT_EQ(KindForObjectPath("ipv4-addr", "value"), K::kIpv4);
  EXPECT_EQ(KindForObjectPath("ipv6-addr", "value"), K::kIpv6);
  EXPECT_EQ(KindForObjectPath("domain-name", "value"), K::kDomain);
  EXPECT_EQ(KindForObjectPath("url", "value"), K::kUrl);
  EXPECT_EQ(KindForObjectPath("email-addr", "value"), K::kEmail);
  EXPECT_EQ(KindForObjectPath("mac-addr", "value"), K::kMac);
  EXPECT_EQ(KindForObjectPath("autonomous-system", "number"), K::kAsn);
  EXPECT_EQ(KindForObjectPath("file", "name"), K::kFileName);
  EXPECT_EQ(KindForObjectPath("mutex", "name"), K::kMutex);
  EXPECT_EQ(KindForObjectPath("windows-registry-key", "key"), K::kRegistryKey);
  EXPECT_EQ(KindForObjectPath("ipv4-addr", "'value'"), K::kIpv4);  // quoted first component
}

TEST(KindForObjectPathTest, MapsHashPathsWithQuotedOrBareAlgorithms) {
  EXPECT_EQ(KindForObjectPath("file", "hashes.'SHA-256'"), K::kSha256);
  EXPECT_EQ(KindForObjectPath("file", "hashes.SHA256"), K::kSha256);
  EXPECT_EQ(KindForObjectPath("file", "hashes.MD5"), K::kMd5);
  EXPECT_EQ(KindForObjectPath("file", "hashes.md5"), K::kMd5);
  EXPECT_EQ(KindForObjectPath("file", "hashes.'MD5'"), K::kMd5);
  EXPECT_EQ(KindForObjectPath("file", "hashes.'SHA3-256'"), K::kSha3_256);
  EXPECT_EQ(KindForObjectPath("file", "hashes.SSDEEP"), K::kSsdeep);
  EXPECT_EQ(KindForObjectPath("file", "hashes.TLSH"), K::kTlsh);
  EXPECT_EQ(KindForObjectPath("artifact", "hashes.'SHA-1'"), K::kSha1);
  EXPECT_EQ(KindForObjectPath("x509-certificate", "hashes.'SHA-512'"), K::kSha512);
  EXPECT_EQ(KindForObjectPath("file", "hashes.'SHA-384'"), std::nullopt);
  EXPECT_EQ(KindForObjectPath("process", "hashes.MD5"), std::nullopt);
}

TEST(KindForObjectPathTest, MapsHttpUserAgentHeader) {
  EXPECT_EQ(KindForObjectPath("network-traffic",
                              "extensions.'http-request-ext'.request_header.'User-Agent'"),
            K::kUserAgent);
  EXPECT_EQ(KindForObjectPath("network-traffic",
                              "extensions.'http-request-ext'.request_header.'user-agent'"),
            K::kUserAgent);
  EXPECT_EQ(
      KindForObjectPath("network-traffic", "extensions.'http-request-ext'.request_header.'Host'"),
      std::nullopt);
}

TEST(KindForObjectPathTest, IgnoresReferencePathsCustomTypesAndOtherProperties) {
  EXPECT_EQ(KindForObjectPath("network-traffic", "dst_ref.value"), std::nullopt);
  EXPECT_EQ(KindForObjectPath("network-traffic", "src_ref.value"), std::nullopt);
  EXPECT_EQ(KindForObjectPath("email-message", "from_ref.value"), std::nullopt);
  EXPECT_EQ(KindForObjectPath("domain-name", "resolves_to_refs[*].value"), std::nullopt);
  EXPECT_EQ(KindForObjectPath("file", "parent_directory_ref.path"), std::nullopt);
  EXPECT_EQ(KindForObjectPath("x-custom", "value"), std::nullopt);
  EXPECT_EQ(KindForObjectPath("x-acme-file", "hashes.MD5"), std::nullopt);
  EXPECT_EQ(KindForObjectPath("file", "size"), std::nullopt);
  EXPECT_EQ(KindForObjectPath("ipv4-addr", "value.x"), std::nullopt);
  EXPECT_EQ(KindForObjectPath("ipv4-addr", "Value"), std::nullopt);
  EXPECT_EQ(KindForObjectPath("IPV4-ADDR", "value"), std::nullopt);
}

TEST(KindForObjectPathTest, RejectsMalformedPaths) {
  for (std::string_view path : {"", ".", "hashes.", "hashes..MD5", "hashes.'MD5", "hashes[",
                                "hashes[x].MD5", "'", "value ", "hashes.'SHA-256'x"}) {
    EXPECT_EQ(KindForObjectPath("file", path), std::nullopt) << path;
  }
}

TEST(KindForHashAlgorithmTest, AcceptsStixNamesInAnyCaseAndSpelling) {
  EXPECT_EQ(KindForHashAlgorithm("MD5"), K::kMd5);
  EXPECT_EQ(KindForHashAlgorithm("SHA-1"), K::kSha1);
  EXPECT_EQ(KindForHashAlgorithm("sha1"), K::kSha1);
  EXPECT_EQ(KindForHashAlgorithm("SHA-256"), K::kSha256);
  EXPECT_EQ(KindForHashAlgorithm("sha256"), K::kSha256);
  EXPECT_EQ(KindForHashAlgorithm("Sha_256"), K::kSha256);
  EXPECT_EQ(KindForHashAlgorithm("SHA-512"), K::kSha512);
  EXPECT_EQ(KindForHashAlgorithm("SHA3-256"), K::kSha3_256);
  EXPECT_EQ(KindForHashAlgorithm("sha3-512"), K::kSha3_512);
  EXPECT_EQ(KindForHashAlgorithm("SSDEEP"), K::kSsdeep);
  EXPECT_EQ(KindForHashAlgorithm("tlsh"), K::kTlsh);
  for (std::string_view name : {"", "SHA-384", "SHA-224", "RIPEMD-160", "WHIRLPOOL", "md"}) {
    EXPECT_EQ(KindForHashAlgorithm(name), std::nullopt) << name;
  }
}

// --- ExtractPatternObservables ---

TEST(ExtractPatternObservablesTest, ExtractsSimpleEquality) {
  EXPECT_EQ(Extract("[ipv4-addr:value = '198.51.100.1']"),
            (std::vector<Observable>{{K::kIpv4, "198.51.100.1"}}));
  EXPECT_EQ(Extract("[file:hashes.'SHA-256' = '" + kSha256 + "']"),
            (std::vector<Observable>{{K::kSha256, kSha256}}));
  EXPECT_EQ(Extract("[file:hashes.MD5 = '001DD76872D80801692FF942308C64E6']"),
            (std::vector<Observable>{{K::kMd5, "001dd76872d80801692ff942308c64e6"}}));
}

TEST(ExtractPatternObservablesTest, NormalizesExtractedValues) {
  EXPECT_EQ(Extract("[url:value = 'HTTP://Evil.Example:80/Path'] AND [ipv4-addr:value = "
                    "'10.1.2.3/8'] AND [domain-name:value = 'EVIL.example.']"),
            (std::vector<Observable>{{K::kUrl, "http://evil.example/Path"},
                                     {K::kIpv4, "10.0.0.0/8"},
                                     {K::kDomain, "evil.example"}}));
}

TEST(ExtractPatternObservablesTest, ExtractsFromNestedObservationsAndQualifiers) {
  const std::string pattern =
      "(([ipv4-addr:value = '198.51.100.1' OR (ipv4-addr:value = '198.51.100.2' AND "
      "domain-name:value = 'a.example')] AND [mutex:name = 'Global\\\\m1']) REPEATS 5 TIMES "
      "FOLLOWEDBY [email-addr:value = 'x@b.example']) WITHIN 600 SECONDS "
      "AND [windows-registry-key:key = 'HKEY_LOCAL_MACHINE\\\\Run'] START "
      "t'2016-06-01T00:00:00Z' STOP t'2016-07-01T00:00:00Z'";
  EXPECT_EQ(Extract(pattern),
            (std::vector<Observable>{{K::kIpv4, "198.51.100.1"},
                                     {K::kIpv4, "198.51.100.2"},
                                     {K::kDomain, "a.example"},
                                     {K::kMutex, "Global\\m1"},
                                     {K::kEmail, "x@b.example"},
                                     {K::kRegistryKey, "hkey_local_machine\\run"}}));
}

TEST(ExtractPatternObservablesTest, ExpandsInSetsIntoSeveralEqualities) {
  EXPECT_EQ(Extract("[ipv4-addr:value IN ('192.0.2.1', '192.0.2.2','192.0.2.3') AND "
                    "file:name IN ('a.exe')]"),
            (std::vector<Observable>{{K::kIpv4, "192.0.2.1"},
                                     {K::kIpv4, "192.0.2.2"},
                                     {K::kIpv4, "192.0.2.3"},
                                     {K::kFileName, "a.exe"}}));
  EXPECT_EQ(Extract("[autonomous-system:number IN (15169, 'AS13335', 1.5, true)]"),
            (std::vector<Observable>{{K::kAsn, "15169"}, {K::kAsn, "13335"}}));
  EXPECT_TRUE(Extract("[ipv4-addr:value IN ()]").empty());
}

TEST(ExtractPatternObservablesTest, SkipsNotEqualComparisons) {
  for (std::string_view p :
       {"[ipv4-addr:value != '192.0.2.1']", "[ipv4-addr:value <> '192.0.2.1']",
        "[ipv4-addr:value > '192.0.2.1']", "[ipv4-addr:value >= '192.0.2.1']",
        "[ipv4-addr:value < '192.0.2.1']", "[ipv4-addr:value <= '192.0.2.1']",
        "[domain-name:value LIKE 'evil.example']", "[domain-name:value MATCHES 'evil.example']",
        "[ipv4-addr:value ISSUBSET '192.0.2.0/24']", "[ipv4-addr:value ISSUPERSET '192.0.2.1']",
        "[ipv4-addr:value NOT = '192.0.2.1']", "[ipv4-addr:value NOT IN ('192.0.2.1')]",
        "[ipv4-addr:value NOT != '192.0.2.1']", "[EXISTS ipv4-addr:value]"}) {
    EXPECT_TRUE(Extract(p).empty()) << p;
  }
  // A skipped comparison does not hide the next one.
  EXPECT_EQ(Extract("[ipv4-addr:value NOT = '192.0.2.1' AND ipv4-addr:value = '192.0.2.2']"),
            (std::vector<Observable>{{K::kIpv4, "192.0.2.2"}}));
}

TEST(ExtractPatternObservablesTest, AcceptsDoubleEqualsAndLooseSpacing) {
  // The STIX grammar lexes "==" as EQ and skips whitespace and comments between tokens.
  EXPECT_EQ(Extract("[ ipv4-addr : value == '10.0.0.1' ]"),
            (std::vector<Observable>{{K::kIpv4, "10.0.0.1"}}));
  EXPECT_EQ(Extract("[file:hashes . 'MD5'='" + std::string(32, 'a') + "']"),
            (std::vector<Observable>{{K::kMd5, std::string(32, 'a')}}));
  EXPECT_EQ(Extract("[/* c2 */ domain-name:value = 'a.example' // trailing\n]"),
            (std::vector<Observable>{{K::kDomain, "a.example"}}));
}

TEST(ExtractPatternObservablesTest, HandlesEscapedQuotesInLiterals) {
  EXPECT_EQ(Extract("[file:name = 'it\\'s \\\\ here.exe']"),
            (std::vector<Observable>{{K::kFileName, "it's \\ here.exe"}}));
  // An escaped quote does not end the literal, so the text after it is not a comparison.
  EXPECT_EQ(Extract("[file:name = 'a\\' OR ipv4-addr:value = \\'192.0.2.1']"),
            (std::vector<Observable>{{K::kFileName, "a' OR ipv4-addr:value = '192.0.2.1"}}));
  // Invalid escapes are kept as written.
  EXPECT_EQ(Extract("[file:name = 'C:\\Temp\\x.exe']"),
            (std::vector<Observable>{{K::kFileName, "C:\\Temp\\x.exe"}}));
}

TEST(ExtractPatternObservablesTest, ReadsQuotedAndIndexedPathComponents) {
  EXPECT_EQ(Extract("[artifact:hashes.'SHA-1' = '" + std::string(40, 'A') + "']"),
            (std::vector<Observable>{{K::kSha1, std::string(40, 'a')}}));
  EXPECT_EQ(Extract("[network-traffic:extensions.'http-request-ext'.request_header."
                    "'User-Agent' = 'Evil/1.0']"),
            (std::vector<Observable>{{K::kUserAgent, "Evil/1.0"}}));
  // Paths through references or lists are not indexed (network-traffic address refs aside, below).
  EXPECT_TRUE(Extract("[email-message:to_refs[*].value = 'a@b.example' AND "
                      "domain-name:resolves_to_refs[0].value = '192.0.2.1' AND "
                      "network-traffic:dst_ref.type = 'ipv4-addr' AND "
                      "network-traffic:protocols[0] = '192.0.2.1' AND "
                      "x-acme-thing:value = '192.0.2.1' AND file:size = '12']")
                  .empty());
}

// B2c: MISP exports ip-src / ip-dst attributes as network-traffic address refs; their values are
// indexed as IPv4 or IPv6 by their form.
TEST(ExtractPatternObservablesTest, IndexesNetworkTrafficAddressRefsByForm) {
  EXPECT_EQ(Extract("[network-traffic:dst_ref.type = 'ipv4-addr' AND "
                    "network-traffic:dst_ref.value = '1.2.3.4']"),
            (std::vector<Observable>{{K::kIpv4, "1.2.3.4"}}));
  EXPECT_EQ(Extract("[network-traffic:src_ref.type = 'ipv6-addr' AND "
                    "network-traffic:src_ref.value = '2001:DB8:0::1'] OR "
                    "[network-traffic:src_ref.value = '198.51.100.0/24']"),
            (std::vector<Observable>{{K::kIpv6, "2001:db8::1"}, {K::kIpv4, "198.51.100.0/24"}}));
  EXPECT_EQ(Extract("[network-traffic:dst_ref.value IN ('192.0.2.1', '2001:db8::2')]"),
            (std::vector<Observable>{{K::kIpv4, "192.0.2.1"}, {K::kIpv6, "2001:db8::2"}}));
  // Refs to domain names (or anything that is not an address) and other ref paths are skipped.
  for (std::string_view p : {"[network-traffic:dst_ref.value = 'evil.example']",
                             "[network-traffic:dst_ref.value = '999.1.1.1']",
                             "[network-traffic:dst_ref.value != '192.0.2.1']",
                             "[network-traffic:dst_ref.resolves_to_refs[0].value = '192.0.2.1']",
                             "[network-traffic:src_ref.value = 3232235521]",
                             "[x-acme-traffic:dst_ref.value = '192.0.2.1']"}) {
    EXPECT_TRUE(Extract(p).empty()) << p;
  }
}

// The real MISP-to-STIX mappings: every ip-src / ip-dst indicator yields its address.
TEST(ExtractPatternObservablesTest, FindsAddressRefsOfRealMispIndicators) {
  const std::string mapping = socmesh::testing::ReadFile(
      socmesh::testing::DataPath("misp/misp-stix/mapping/misp_attributes_to_stix21.json"));
  size_t patterns = 0;
  for (size_t at = mapping.find("network-traffic:dst_ref.value = '"); at != std::string::npos;
       at = mapping.find("network-traffic:dst_ref.value = '", at + 1)) {
    const size_t start = mapping.find('\'', at) + 1;
    const std::string ip = mapping.substr(start, mapping.find('\'', start) - start);
    const size_t open = mapping.rfind("\"pattern\": \"", at);
    ASSERT_NE(open, std::string::npos);
    const size_t begin = open + 12;
    const std::string pattern = mapping.substr(begin, mapping.find('"', begin) - begin);
    const std::vector<Observable> found = Extract(pattern);
    const auto kind = ip.find(':') == std::string::npos ? K::kIpv4 : K::kIpv6;
    EXPECT_NE(std::find(found.begin(), found.end(), Observable{kind, ip}), found.end()) << pattern;
    ++patterns;
  }
  EXPECT_GE(patterns, 2u);
}

TEST(ExtractPatternObservablesTest, IncludesIntegerAsNumbersOnly) {
  EXPECT_EQ(Extract("[autonomous-system:number = 15169 AND autonomous-system:number = '174']"),
            (std::vector<Observable>{{K::kAsn, "15169"}, {K::kAsn, "174"}}));
  for (std::string_view p :
       {"[autonomous-system:number = -1]", "[autonomous-system:number = 1.5]",
        "[ipv4-addr:value = 3232235521]", "[file:name = h'41']", "[file:name = b'QUJD']",
        "[file:name = t'2016-06-01T00:00:00Z']", "[mutex:name = true]", "[file:name = name]"}) {
    EXPECT_TRUE(Extract(p).empty()) << p;
  }
}

TEST(ExtractPatternObservablesTest, DropsValuesThatDoNotNormalize) {
  EXPECT_EQ(Extract("[ipv4-addr:value = '999.1.1.1' OR domain-name:value = 'domain "
                    "autuo.xicp.net' OR ipv4-addr:value = '60.10.1.115' OR file:name = '']"),
            (std::vector<Observable>{{K::kIpv4, "60.10.1.115"}}));
}

TEST(ExtractPatternObservablesTest, DeduplicatesPreservingFirstSeenOrder) {
  EXPECT_EQ(Extract("[domain-name:value = 'b.example'] OR [domain-name:value = 'A.example'] OR "
                    "[domain-name:value = 'b.example.'] OR [ipv4-addr:value = '192.0.2.1'] OR "
                    "[domain-name:value = 'a.EXAMPLE']"),
            (std::vector<Observable>{
                {K::kDomain, "b.example"}, {K::kDomain, "a.example"}, {K::kIpv4, "192.0.2.1"}}));
  // The same text as two kinds is two observables.
  EXPECT_EQ(Extract("[file:name = 'x.example' AND mutex:name = 'x.example']").size(), 2u);
}

TEST(ExtractPatternObservablesTest, ReturnsCompleteComparisonsOfTruncatedPatterns) {
  EXPECT_EQ(Extract("[ipv4-addr:value = '192.0.2.1'] AND [domain-name:value = 'evil.exa"),
            (std::vector<Observable>{{K::kIpv4, "192.0.2.1"}}));
  EXPECT_EQ(Extract("[ipv4-addr:value IN ('192.0.2.1', '192.0.2.2"),
            (std::vector<Observable>{{K::kIpv4, "192.0.2.1"}}));
  EXPECT_EQ(Extract("[ipv4-addr:value = '192.0.2.1"), std::vector<Observable>{});
  EXPECT_EQ(Extract("[file:name = 'ends with backslash\\"), std::vector<Observable>{});
}

TEST(ExtractPatternObservablesTest, ToleratesGarbage) {
  for (std::string_view p : {"",
                             "[",
                             "]",
                             "'",
                             "''",
                             ":",
                             "a:",
                             "a:b",
                             "a:b.",
                             "a:b[",
                             "a:b[*",
                             "a:b =",
                             "= 'x'",
                             "ipv4-addr:",
                             "ipv4-addr:value",
                             "ipv4-addr:value =",
                             "ipv4-addr:value IN",
                             "ipv4-addr:value IN (",
                             "t'",
                             "h'",
                             "b'",
                             "/*",
                             "//",
                             "-",
                             "+",
                             ".",
                             "-.",
                             "\xFF\xFE",
                             "[[[[]]]] ((( ))) ,,,, ==== !=!= <><> 'a''b''c'",
                             "NOT NOT NOT = = ="}) {
    EXPECT_TRUE(Extract(p).empty()) << p;
  }
  EXPECT_EQ(Extract(std::string_view("[file:name = 'a\0b']", 19)), std::vector<Observable>{});
  EXPECT_EQ(Extract("garbage ][ ipv4-addr:value = '192.0.2.7' ]["),
            (std::vector<Observable>{{K::kIpv4, "192.0.2.7"}}));
}

TEST(ExtractPatternObservablesTest, ScansHugeInputsWithoutRecursion) {
  constexpr size_t kMegabyte = 1 << 20;
  EXPECT_TRUE(Extract(std::string(kMegabyte, '[')).empty());
  EXPECT_TRUE(Extract(std::string(kMegabyte, '(')).empty());
  EXPECT_TRUE(Extract(std::string(kMegabyte, '\'')).empty());

  // Deep nesting around a comparison still finds it.
  std::string nested =
      std::string(kMegabyte, '(') + "[ipv4-addr:value = '192.0.2.1']" + std::string(kMegabyte, ')');
  EXPECT_EQ(Extract(nested), (std::vector<Observable>{{K::kIpv4, "192.0.2.1"}}));

  // Inputs that keep a naive scanner backtracking: endless paths, half comparisons, sets.
  std::string path = "file:hashes";
  while (path.size() < kMegabyte) path += ".'MD5'[*]";
  path += " = '" + std::string(32, 'a') + "'";
  EXPECT_TRUE(Extract(path).empty());

  std::string halves;
  while (halves.size() < kMegabyte) halves += "ipv4-addr:value ipv4-addr: a:b. ";
  EXPECT_TRUE(Extract(halves).empty());

  std::string set = "[ipv4-addr:value IN (";
  for (int i = 0; set.size() < kMegabyte; ++i) {
    set += "'10." + std::to_string(i / 65536 % 256) + "." + std::to_string(i / 256 % 256) + "." +
           std::to_string(i % 256) + "',";
  }
  EXPECT_GT(Extract(set).size(), 50000u);
}

// --- Patterns from real data ---

// Unescapes a JSON string body (no surrounding quotes); enough for test data.
std::string JsonUnescape(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '\\' || i + 1 >= s.size()) {
      out += s[i];
      continue;
    }
    const char c = s[++i];
    switch (c) {
      case 'n':
        out += '\n';
        break;
      case 't':
        out += '\t';
        break;
      case 'r':
        out += '\r';
        break;
      case 'b':
        out += '\b';
        break;
      case 'f':
        out += '\f';
        break;
      case 'u': {
        if (i + 4 >= s.size()) return out;
        const unsigned cp = std::stoul(std::string(s.substr(i + 1, 4)), nullptr, 16);
        i += 4;
        // Surrogate pairs are left as '?': no pattern in the data needs them.
        if (cp < 0x80) {
          out += static_cast<char>(cp);
        } else if (cp < 0x800) {
          out += static_cast<char>(0xC0 | (cp >> 6));
          out += static_cast<char>(0x80 | (cp & 0x3F));
        } else if (cp >= 0xD800 && cp <= 0xDFFF) {
          out += '?';
        } else {
          out += static_cast<char>(0xE0 | (cp >> 12));
          out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
          out += static_cast<char>(0x80 | (cp & 0x3F));
        }
        break;
      }
      default:  // \" \\ \/
        out += c;
    }
  }
  return out;
}

// Every `"pattern": "…"` string value in a JSON text, unescaped.
std::vector<std::string> PatternsIn(std::string_view json) {
  constexpr std::string_view kKey = "\"pattern\":";
  std::vector<std::string> patterns;
  size_t pos = 0;
  while ((pos = json.find(kKey, pos)) != std::string_view::npos) {
    pos += kKey.size();
    while (pos < json.size() && (json[pos] == ' ' || json[pos] == '\n')) ++pos;
    if (pos >= json.size() || json[pos] != '"') continue;
    const size_t start = ++pos;
    while (pos < json.size() && json[pos] != '"') pos += json[pos] == '\\' ? 2 : 1;
    if (pos > json.size()) break;
    patterns.push_back(JsonUnescape(json.substr(start, pos - start)));
  }
  return patterns;
}

std::vector<Observable> ExtractFromDataFile(const std::string& relative) {
  std::vector<Observable> all;
  for (const std::string& pattern : PatternsIn(testing::ReadFile(testing::DataPath(relative)))) {
    for (Observable& o : ExtractPatternObservables(pattern)) all.push_back(std::move(o));
  }
  return all;
}

TEST(ExtractPatternObservablesTest, FindsKnownObservablesInOasisExamples) {
  EXPECT_EQ(ExtractFromDataFile(
                "stix/oasis-stix2-json-schemas-examples/indicator-for-c2-ip-address.json"),
            (std::vector<Observable>{{K::kIpv4, "10.0.0.0"}}));
  EXPECT_EQ(ExtractFromDataFile(
                "stix/oasis-cti-documentation-examples/malware-indicator-for-file-hash.json"),
            (std::vector<Observable>{{K::kSha256, kSha256}}));
  EXPECT_EQ(
      ExtractFromDataFile("stix/oasis-cti-documentation-examples/indicator-for-malicious-url.json"),
      (std::vector<Observable>{{K::kUrl, "http://x4z9arb.cn/4712/"}}));
  EXPECT_EQ(
      ExtractFromDataFile("stix/oasis-cti-documentation-examples/sighting-of-an-indicator.json"),
      (std::vector<Observable>{{K::kUrl, "http://paypa1.banking.com/"}}));
  EXPECT_EQ(
      ExtractFromDataFile("stix/oasis-stix2-json-schemas-examples/indicators-for-C2-with-COA.json"),
      (std::vector<Observable>{{K::kIpv4, "10.0.0.0"}, {K::kSha256, kSha256}}));
  // Only MATCHES comparisons: nothing to index.
  EXPECT_TRUE(
      ExtractFromDataFile(
          "stix/oasis-stix2-json-schemas-examples/malicious-email-indicator-with-attachment.json")
          .empty());
}

TEST(ExtractPatternObservablesTest, FindsKnownObservablesInThreatReports) {
  const std::vector<Observable> apt1 =
      ExtractFromDataFile("stix/oasis-stix2-json-schemas-examples/threat-reports/apt1.json");
  for (const Observable& expected :
       std::vector<Observable>{{K::kIpv4, "223.166.0.0/15"},
                               {K::kIpv4, "58.246.0.0/15"},
                               {K::kIpv4, "112.64.0.0/15"},
                               {K::kMd5, "002325a0a67fded0381b5648d7fe9b8e"}}) {
    EXPECT_NE(std::find(apt1.begin(), apt1.end(), expected), apt1.end()) << expected.value;
  }

  const std::vector<Observable> poison_ivy =
      ExtractFromDataFile("stix/oasis-stix2-json-schemas-examples/threat-reports/poisonivy.json");
  for (const Observable& expected :
       std::vector<Observable>{{K::kIpv4, "219.76.208.163"},
                               {K::kDomain, "www.webserver.dynssl.com"},
                               {K::kDomain, "microsofte.byinter.net"},
                               {K::kIpv4, "98.126.148.114"},
                               {K::kFileName, "CBricksDoc"}}) {
    EXPECT_NE(std::find(poison_ivy.begin(), poison_ivy.end(), expected), poison_ivy.end())
        << expected.value;
  }
  // "domain autuo.xicp.net" in that report is not a domain name and is dropped.
  for (const Observable& o : poison_ivy) EXPECT_EQ(o.value.find(' '), std::string::npos);
}

// Every pattern in the STIX data (and MISP's STIX 2.1 conversions, which use many more object
// types) is scanned; whatever comes out re-normalises to itself.
TEST(ExtractPatternObservablesTest, ScansEveryPatternInTheSharedData) {
  size_t patterns = 0;
  size_t observables = 0;
  std::set<ObservableKind> kinds;
  for (const char* root : {"stix", "misp/misp-stix"}) {
    const std::filesystem::path dir = testing::DataPath(root);
    ASSERT_TRUE(std::filesystem::is_directory(dir)) << dir;
    for (const auto& entry : std::filesystem::recursive_directory_iterator(dir)) {
      if (!entry.is_regular_file() || entry.path().extension() != ".json") continue;
      for (const std::string& pattern : PatternsIn(testing::ReadFile(entry.path()))) {
        ++patterns;
        for (const Observable& o : ExtractPatternObservables(pattern)) {
          ++observables;
          kinds.insert(o.kind);
          Result<std::string> again = NormalizeObservable(o.kind, o.value);
          ASSERT_TRUE(again.has_value()) << entry.path() << ": " << again.error().message;
          EXPECT_EQ(*again, o.value) << entry.path();
        }
      }
    }
  }
  EXPECT_GE(patterns, 40u);
  EXPECT_GE(observables, 60u);
  for (ObservableKind kind : {K::kIpv4, K::kDomain, K::kUrl, K::kMd5, K::kSha256, K::kFileName}) {
    EXPECT_TRUE(kinds.contains(kind)) << ObservableKindName(kind);
  }
}

}  // namespace
}  // namespace socmesh::model
