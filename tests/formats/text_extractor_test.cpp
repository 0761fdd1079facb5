// Free-text extraction (formats/text): what is found, how it is normalised, where it is, and what
// is refused. Requirement B2b (ingest unstructured reports), issue 3 item 4.
#include "formats/text/text_extractor.hpp"

#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

#include "model/observable.hpp"

namespace socmesh::formats::text {
namespace {

using model::ObservableKind;

// (kind name, value) pairs of all hits, for compact expectations.
std::vector<std::pair<std::string, std::string>> Extract(std::string_view text) {
  Result<std::vector<TextHit>> hits = ExtractIndicators(text);
  EXPECT_TRUE(hits.has_value()) << hits.error().message;
  std::vector<std::pair<std::string, std::string>> out;
  if (!hits) return out;
  for (const TextHit& hit : *hits) out.emplace_back(HitKindName(hit.kind), hit.value);
  return out;
}

using Pairs = std::vector<std::pair<std::string, std::string>>;

// B2b: plain and defanged network indicators are found and refanged to the store's form.
TEST(TextExtractorTest, RefangsNetworkIndicators) {
  EXPECT_EQ(Extract("C2 at 5.252.178[.]140 and nododru[.]ru, also evil(.)com and bad[dot]org."),
            (Pairs{{"ipv4", "5.252.178.140"},
                   {"domain", "nododru.ru"},
                   {"domain", "evil.com"},
                   {"domain", "bad.org"}}));
  EXPECT_EQ(Extract("hxxp://Example[.]COM/Gate.php?id=1, hXXps://a.example.org[:]8443/x"),
            (Pairs{{"url", "http://example.com/Gate.php?id=1"},
                   {"url", "https://a.example.org:8443/x"}}));
  EXPECT_EQ(Extract("mail john.doe[at]evil[.]com or admin@solidloop.org"),
            (Pairs{{"email", "john.doe@evil.com"}, {"email", "admin@solidloop.org"}}));
  EXPECT_EQ(Extract("http[:]//1.2.3[.]4:8080/a and hxxp[://]evil.ru/x"),
            (Pairs{{"url", "http://1.2.3.4:8080/a"}, {"url", "http://evil.ru/x"}}));
}

// The public-suffix list decides what is a domain: file names are not.
TEST(TextExtractorTest, FileNamesAreNotDomains) {
  EXPECT_EQ(Extract("open report.pdf then file.exe, explorer.exe and setup.py"), Pairs{});
  EXPECT_EQ(Extract("Win32/Pterodo.CD and MSIL/Pterodo.ZM are detection names"), Pairs{});
  // A TLD that is also an extension is a domain when defanged or with more labels.
  EXPECT_EQ(Extract("setup[.]py and cdn.setup.py"),
            (Pairs{{"domain", "setup.py"}, {"domain", "cdn.setup.py"}}));
  // "co.uk" alone is a public suffix, not a host.
  EXPECT_EQ(Extract("under co.uk: bbc.co.uk"), (Pairs{{"domain", "bbc.co.uk"}}));
}

TEST(TextExtractorTest, AddressesAndCidr) {
  EXPECT_EQ(Extract("block 10.1.2.3/24; host 2001:DB8:0:0::1 and fe80::1/64."),
            (Pairs{{"ipv4", "10.1.2.0/24"}, {"ipv6", "2001:db8::1"}, {"ipv6", "fe80::/64"}}));
  // Not addresses: versions, OIDs, out-of-range octets, times, MACs, C++ scopes.
  EXPECT_EQ(Extract("v1.2.3.4 1.3.6.1.4.1 300.1.1.1 12:30:45 00:11:22:33:44:55 std::string"),
            Pairs{});
  // A path after a plain address is not a CIDR block, and the address still counts.
  EXPECT_EQ(Extract("see 192.168.0.1/some/url"), (Pairs{{"ipv4", "192.168.0.1"}}));
}

TEST(TextExtractorTest, HashesAndIdentifiers) {
  const std::string md5 = "68B329DA9893E34099C7D8AD5CB9C940";
  const std::string sha1 = "adc83b19e793491b1c6ea0fd8b46cd9f32e592fc";
  EXPECT_EQ(Extract("|`+" + md5 + "+`| " + sha1 + " CVE-2023-23397 uses t1059 and T1059.001"),
            (Pairs{{"md5", "68b329da9893e34099c7d8ad5cb9c940"},
                   {"sha1", sha1},
                   {"cve", "CVE-2023-23397"},
                   {"attack-technique", "T1059.001"}}));
  // Hex of other lengths, and 32 decimal digits, are not hashes.
  EXPECT_EQ(Extract("adc83b191b1c6ea0fd8b46cd9f32e592fc 12345678901234567890123456789012"),
            Pairs{});
}

// Offsets and lengths point at the raw (defanged) text.
TEST(TextExtractorTest, OffsetsCoverTheRawText) {
  const std::string text = "x hxxp://evil[.]com/a[.]php. y";
  Result<std::vector<TextHit>> hits = ExtractIndicators(text);
  ASSERT_TRUE(hits.has_value());
  ASSERT_EQ(hits->size(), 1u);
  const TextHit& hit = hits->front();
  EXPECT_EQ(hit.kind, HitKind(ObservableKind::kUrl));
  EXPECT_EQ(hit.value, "http://evil.com/a.php");
  EXPECT_EQ(text.substr(hit.offset, hit.length), "hxxp://evil[.]com/a[.]php");
  EXPECT_TRUE(hit.defanged);
}

// A URL is one hit: its host is not reported again; trailing sentence punctuation is not part of
// it, balanced parentheses are.
TEST(TextExtractorTest, UrlBoundaries) {
  EXPECT_EQ(Extract("(see https://en.wikipedia.org/wiki/Foo_(bar)), and http://a.example.com."),
            (Pairs{{"url", "https://en.wikipedia.org/wiki/Foo_(bar)"},
                   {"url", "http://a.example.com/"}}));
  // AsciiDoc link text after the URL is not part of it.
  EXPECT_EQ(Extract("https://www.welivesecurity.com/x/[blog post]"),
            (Pairs{{"url", "https://www.welivesecurity.com/x/"}}));
  // A defanged host with a path is a URL without scheme; a plain one stays a host.
  EXPECT_EQ(Extract("example[.]com/x and example.com/y"),
            (Pairs{{"url", "http://example.com/x"}, {"domain", "example.com"}}));
}

// Values are the store's normal forms: NormalizeObservable leaves them unchanged.
TEST(TextExtractorTest, ValuesAreInNormalForm) {
  Result<std::vector<TextHit>> hits = ExtractIndicators(
      "HXXPS://WWW.EVIL.COM:443/A 2001:0db8:0000:0000:0000:0000:0000:0001 EVIL[.]ORG "
      "Bob[@]Example.ORG 01BA4719C80B6FE911B091A7C05124B64EEECE964E09C058EF8F9805DACA546B");
  ASSERT_TRUE(hits.has_value());
  ASSERT_EQ(hits->size(), 5u);
  for (const TextHit& hit : *hits) {
    const auto kind = std::get<ObservableKind>(hit.kind);
    Result<std::string> again = model::NormalizeObservable(kind, hit.value);
    ASSERT_TRUE(again.has_value()) << hit.value;
    EXPECT_EQ(*again, hit.value);
  }
  EXPECT_EQ((*hits)[0].value, "https://www.evil.com/A");
  EXPECT_EQ((*hits)[3].value, "Bob@example.org");
}

// Bad input: binary bytes, NULs and truncated markers never crash and never produce hits.
TEST(TextExtractorTest, ArbitraryBytes) {
  std::string junk;
  for (int i = 0; i < 4096; ++i) junk.push_back(static_cast<char>((i * 131) & 0xFF));
  junk += "hxxp[:]/ [.] [at] 1.2.3. http:// :: ::: \xff\xfe evil[.";
  Result<std::vector<TextHit>> hits = ExtractIndicators(junk);
  ASSERT_TRUE(hits.has_value());
  EXPECT_TRUE(hits->empty());
  EXPECT_EQ(Extract(std::string("a\0evil[.]com\0b", 15)), (Pairs{{"domain", "evil.com"}}));
}

TEST(TextExtractorTest, SizeLimit) {
  Result<std::vector<TextHit>> hits = ExtractIndicators("1.2.3.4 evil.com", {.max_bytes = 8});
  ASSERT_FALSE(hits.has_value());
  EXPECT_EQ(hits.error().code, ErrorCode::kTooLarge);
}

}  // namespace
}  // namespace socmesh::formats::text
