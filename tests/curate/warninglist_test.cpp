// Warning lists (B2a, E7): the file format, the three matching rules, and the shipped lists
// against the values the brief names and against real IOCs of the shared data.
#include "curate/warninglist.hpp"

#include <gtest/gtest.h>

#include <arpa/inet.h>

#include <algorithm>
#include <array>
#include <random>
#include <sstream>
#include <string>

#include "common/test_data.hpp"
#include "formats/csv/feed_config.hpp"
#include "formats/csv/feed_import.hpp"

namespace socmesh::curate {
namespace {

using K = model::ObservableKind;

WarningLists Shipped() {
  std::vector<std::string> warnings;
  auto lists = WarningLists::LoadDirectory(DefaultWarningListDir(), &warnings);
  EXPECT_TRUE(lists) << lists.error().message;
  EXPECT_TRUE(warnings.empty()) << warnings.front();
  return lists ? std::move(*lists) : WarningLists{};
}

// Names of the lists an observable is on, joined by ','.
std::string On(const WarningLists& lists, K kind, std::string_view value) {
  auto normal = model::NormalizeObservable(kind, value);
  if (!normal) return "<invalid: " + normal.error().message + ">";
  std::string names;
  for (const WarningList* l : lists.Match({kind, *normal})) {
    if (!names.empty()) names += ',';
    names += l->name;
  }
  return names;
}

TEST(WarningListTest, ShippedListsLoadWithSourceAndLicence) {
  const WarningLists lists = Shipped();
  ASSERT_GE(lists.lists().size(), 6u);
  for (const WarningList& l : lists.lists()) {
    EXPECT_FALSE(l.source.empty()) << l.name;
    EXPECT_FALSE(l.licence.empty()) << l.name;
    EXPECT_GT(l.size(), 0u) << l.name;
  }
}

TEST(WarningListTest, FlagsOrDropsTheBriefsExamples) {
  const WarningLists lists = Shipped();
  EXPECT_EQ(On(lists, K::kIpv4, "10.0.0.1"), "iana-ipv4-special");
  EXPECT_EQ(On(lists, K::kIpv4, "8.8.8.8"), "public-dns-resolvers");
  EXPECT_EQ(On(lists, K::kIpv6, "2001:4860:4860::8888"), "public-dns-resolvers");
  // Documentation ranges (RFC 5737, RFC 3849, RFC 9637).
  EXPECT_EQ(On(lists, K::kIpv4, "192.0.2.1"), "iana-ipv4-special");
  EXPECT_EQ(On(lists, K::kIpv4, "198.51.100.77"), "iana-ipv4-special");
  EXPECT_EQ(On(lists, K::kIpv4, "203.0.113.255"), "iana-ipv4-special");
  EXPECT_EQ(On(lists, K::kIpv6, "2001:db8::1"), "iana-ipv6-special");
  EXPECT_EQ(On(lists, K::kIpv6, "3fff:1::1"), "iana-ipv6-special");
  EXPECT_EQ(On(lists, K::kIpv4, "100.64.3.4"), "iana-ipv4-special");       // CGNAT
  EXPECT_EQ(On(lists, K::kIpv4, "239.255.255.250"), "iana-ipv4-special");  // multicast
  EXPECT_EQ(On(lists, K::kIpv6, "fe80::1"), "iana-ipv6-special");
  // Popular domains and every name below them; not look-alikes.
  EXPECT_EQ(On(lists, K::kDomain, "google.com"), "popular-domains");
  EXPECT_EQ(On(lists, K::kDomain, "Update.Microsoft.COM."), "popular-domains");
  EXPECT_EQ(On(lists, K::kDomain, "google.com.evil.example.net"), "special-use-domains");
  EXPECT_EQ(On(lists, K::kDomain, "notgoogle.com"), "");
  EXPECT_EQ(On(lists, K::kDomain, "www.example.com"), "special-use-domains");
  EXPECT_EQ(
      On(lists, K::kSha256, "E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855"),
      "empty-file-hashes");
}

TEST(WarningListTest, ChecksUrlHostsOnlyWhereTheListSaysSo) {
  const WarningLists lists = Shipped();
  // A URL on a private address or a special-use name names nothing on the Internet...
  EXPECT_EQ(On(lists, K::kUrl, "http://192.168.1.1/login"), "iana-ipv4-special");
  EXPECT_EQ(On(lists, K::kUrl, "http://[::1]:8080/"), "iana-ipv6-special");
  EXPECT_EQ(On(lists, K::kUrl, "https://phish.example.org/x"), "special-use-domains");
  // ...but a URL on a popular domain can be real abuse (hosted content): not flagged.
  EXPECT_EQ(On(lists, K::kUrl, "https://docs.google.com/forms/d/evil"), "");
  EXPECT_EQ(On(lists, K::kEmail, "ceo@example.com"), "special-use-domains");
  EXPECT_EQ(On(lists, K::kEmail, "attacker@gmail.com"), "");
}

TEST(WarningListTest, CidrMatchingIsContainmentNotOverlap) {
  const WarningLists lists = Shipped();
  EXPECT_EQ(On(lists, K::kIpv4, "10.1.0.0/16"), "iana-ipv4-special");
  EXPECT_EQ(On(lists, K::kIpv4, "10.0.0.0/8"), "iana-ipv4-special");
  // Wider than any listed block: it contains public space too, so it is not a "private" value.
  EXPECT_EQ(On(lists, K::kIpv4, "0.0.0.0/0"), "");
  EXPECT_EQ(On(lists, K::kIpv4, "8.0.0.0/8"), "");
  EXPECT_EQ(On(lists, K::kIpv4, "11.0.0.1"), "");
  EXPECT_EQ(On(lists, K::kIpv4, "172.32.0.1"), "");  // just above 172.16.0.0/12
  EXPECT_EQ(On(lists, K::kIpv4, "172.31.255.255"), "iana-ipv4-special");
  // IPv4-mapped IPv6 is left out on purpose (it may name a real IPv4 host).
  EXPECT_EQ(On(lists, K::kIpv6, "::ffff:8.8.8.8"), "");
}

// Real IOCs must pass untouched: every Feodo Tracker C2 address and every IPsum level-8 address.
TEST(WarningListTest, KeepsRealIocsOfTheSharedFeeds) {
  const WarningLists lists = Shipped();
  for (auto [file, preset] :
       {std::pair<const char*, const char*>{"feeds/abuse.ch-feodotracker/ipblocklist.csv", "feodo"},
        {"feeds/stamparm-ipsum/levels_8.txt", "ipsum"},
        {"feeds/eset-hash-lists/turla_samples.sha256", "plain"}}) {
    auto config = formats::csv::FindFeedPreset(preset);
    ASSERT_TRUE(config);
    auto feed = formats::csv::ImportFeed(testing::ReadFile(testing::DataPath(file)), *config);
    ASSERT_TRUE(feed) << feed.error().message;
    size_t checked = 0;
    for (const auto& o : feed->objects) {
      for (const auto& obs : o.observables) {
        EXPECT_TRUE(lists.Match(obs).empty()) << file << ": " << obs.value;
        ++checked;
      }
    }
    EXPECT_GT(checked, 20u) << file;
  }
}

TEST(WarningListParseTest, KeepsValidEntriesAndNamesTheBadOnes) {
  auto parsed = ParseWarningList(R"({"name":"t","kind":"cidr","action":"drop","source":"s",
      "licence":"l","entries":["10.0.0.0/8","10.0.0.0/33",7,"2001:db8::/32","999.1.1.1"]})",
                                 "t.json");
  ASSERT_TRUE(parsed) << parsed.error().message;
  EXPECT_EQ(parsed->list.size(), 2u);
  ASSERT_EQ(parsed->warnings.size(), 3u);
  EXPECT_NE(parsed->warnings[0].find("t.json: $.entries[1]: \"10.0.0.0/33\""), std::string::npos)
      << parsed->warnings[0];
  EXPECT_NE(parsed->warnings[1].find("$.entries[2]: not a string"), std::string::npos);
  EXPECT_EQ(parsed->list.action, WarningAction::kDrop);
}

TEST(WarningListParseTest, RefusesStructuralProblemsWithFileAndPath) {
  const std::pair<std::string_view, std::string_view> kCases[] = {
      {"not json", "invalid JSON"},
      {"[]", "$: not a JSON object"},
      {R"({"kind":"cidr","source":"s","licence":"l","entries":[]})", "$.name: missing"},
      {R"({"name":"Bad Name","kind":"cidr","source":"s","licence":"l","entries":[]})", "$.name"},
      {R"({"name":"a","kind":"regex","source":"s","licence":"l","entries":[]})", "$.kind"},
      {R"({"name":"a","kind":"cidr","action":"block","source":"s","licence":"l","entries":[]})",
       "$.action"},
      {R"({"name":"a","kind":"cidr","source":"s","entries":[]})", "$.licence: missing"},
      {R"({"name":"a","kind":"cidr","source":"s","licence":"l"})", "$.entries"},
      {R"({"name":"a","kind":"cidr","source":"s","licence":"l","entries":[],"applies_to":["x"]})",
       "$.applies_to[0]"},
  };
  for (auto [json, expected] : kCases) {
    auto parsed = ParseWarningList(json, "f.json");
    ASSERT_FALSE(parsed) << json;
    EXPECT_NE(parsed.error().message.find("f.json"), std::string::npos) << parsed.error().message;
    EXPECT_NE(parsed.error().message.find(expected), std::string::npos) << parsed.error().message;
  }
}

TEST(WarningListParseTest, ExactListsClassifyEntriesAndDisabledListsMatchNothing) {
  auto parsed = ParseWarningList(R"({"name":"e","kind":"exact","source":"s","licence":"l",
      "entries":["D41D8CD98F00B204E9800998ECF8427E","abuse@Example.ORG","not a value"]})",
                                 "e.json");
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->list.size(), 2u);
  EXPECT_EQ(parsed->warnings.size(), 1u);
  WarningList& l = parsed->list;
  EXPECT_TRUE(l.Matches({K::kMd5, "d41d8cd98f00b204e9800998ecf8427e"}));
  EXPECT_TRUE(l.Matches({K::kEmail, "abuse@example.org"}));
  EXPECT_FALSE(l.Matches({K::kEmail, "Abuse@example.org"}));  // local parts are case-sensitive
  l.enabled = false;
  EXPECT_FALSE(l.Matches({K::kMd5, "d41d8cd98f00b204e9800998ecf8427e"}));
}

// CIDR lists answer from a /16 prefilter and per-length hash sets; the reference here is the
// definition: some listed network contains the value (its prefix is not longer than the value's,
// and they agree on its bits). Random networks of every length, values near and inside them.
struct Net {
  std::array<uint8_t, 16> bytes{};
  int prefix = 0;
  bool v6 = false;
};

std::string Text(const Net& n) {
  char text[INET6_ADDRSTRLEN];
  inet_ntop(n.v6 ? AF_INET6 : AF_INET, n.bytes.data(), text, sizeof text);
  return std::string(text) + "/" + std::to_string(n.prefix);
}

Net Masked(Net n) {
  for (int bit = n.prefix; bit < (n.v6 ? 128 : 32); ++bit) {
    n.bytes[bit / 8] = static_cast<uint8_t>(n.bytes[bit / 8] & ~(0x80 >> (bit % 8)));
  }
  return n;
}

bool Contains(const Net& outer, const Net& inner) {
  if (outer.v6 != inner.v6 || outer.prefix > inner.prefix) return false;
  Net cut = inner;
  cut.prefix = outer.prefix;
  return Masked(cut).bytes == outer.bytes;
}

TEST(WarningListTest, CidrLookupAgreesWithContainmentEverywhere) {
  std::mt19937 random(20261124);
  auto random_net = [&](bool v6) {
    Net n;
    n.v6 = v6;
    for (int i = 0; i < (v6 ? 16 : 4); ++i) n.bytes[i] = static_cast<uint8_t>(random());
    // Short prefixes are rare in lists but exercise the prefilter's ranges.
    n.prefix = static_cast<int>(random() % ((v6 ? 128 : 32) + 1));
    return Masked(n);
  };
  WarningList list;
  list.kind = WarningListKind::kCidr;
  list.targets = static_cast<uint8_t>(WarningTarget::kAddress);
  std::vector<Net> listed;
  for (int i = 0; i < 300; ++i) {
    Net n = random_net(i % 2 == 1);
    if (n.prefix < 4) continue;  // a /0../3 would contain most values: keep the test selective
    ASSERT_TRUE(list.AddEntry(Text(n))) << Text(n);
    listed.push_back(n);
  }
  size_t hits = 0;
  for (int i = 0; i < 20000; ++i) {
    Net value;
    if (i % 2 == 0) {
      value = random_net(i % 4 == 0);
    } else {
      // Near or inside a listed network: its bits with random host bits and a random prefix.
      value = listed[random() % listed.size()];
      const int width = value.v6 ? 128 : 32;
      for (int bit = 0; bit < width; ++bit) {
        const bool keep = bit < value.prefix && random() % 64 != 0;
        if (!keep && bit >= value.prefix) {
          if (random() % 2) value.bytes[bit / 8] |= static_cast<uint8_t>(0x80 >> (bit % 8));
        }
      }
      value.prefix = static_cast<int>(random() % (width + 1));
      value = Masked(value);
    }
    const bool expected =
        std::any_of(listed.begin(), listed.end(), [&](const Net& n) { return Contains(n, value); });
    const std::string text = Text(value);
    auto normal = model::NormalizeObservable(value.v6 ? K::kIpv6 : K::kIpv4, text);
    ASSERT_TRUE(normal) << text;
    EXPECT_EQ(list.Matches({value.v6 ? K::kIpv6 : K::kIpv4, *normal}), expected) << text;
    hits += expected;
  }
  EXPECT_GT(hits, 2000u);  // both answers are well represented
  EXPECT_LT(hits, 18000u);
}

}  // namespace
}  // namespace socmesh::curate
