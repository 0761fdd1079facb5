// Lookups of the indicator matcher index (requirement B2c): exact values of every kind, IPv4/IPv6
// networks, domain suffixes, normalised URLs, shared values, versions, forced hash collisions and
// memory accounting.
#include "detect/matcher.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <string>
#include <utility>
#include <vector>

#include "detect/detail/tables.hpp"

namespace socmesh::detect {
namespace {

using K = model::ObservableKind;

std::string Id(int n) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "indicator--00000000-0000-4000-8000-%012d", n);
  return buf;
}

IndicatorEntry Entry(int n, std::vector<model::Observable> observables, int64_t version = 1000) {
  return IndicatorEntry{Id(n), model::Timestamp{version}, std::nullopt, std::move(observables)};
}

std::unique_ptr<IndicatorIndex> Build(const std::vector<IndicatorEntry>& entries,
                                      MatcherOptions options = {}, BuildStats* stats = nullptr) {
  options.background_compaction = false;
  auto index = IndicatorIndex::Create(entries, options, stats);
  EXPECT_TRUE(index.has_value()) << (index ? "" : index.error().message);
  return index ? std::move(*index) : nullptr;
}

// The matches of one lookup as "id-number/specificity", in reported order.
std::vector<std::string> Find(const Snapshot& snapshot, K kind, std::string_view value) {
  std::vector<Match> out;
  const size_t n = snapshot.Lookup(kind, value, out);
  EXPECT_EQ(n, out.size());
  std::vector<std::string> result;
  for (const Match& m : out) {
    EXPECT_EQ(m.kind == kind || (kind == K::kIpv6 && m.kind == K::kIpv4), true);
    const std::string id = m.indicator->Id();
    result.push_back(std::to_string(std::stoi(id.substr(id.size() - 12))) + "/" +
                     std::to_string(m.specificity));
  }
  return result;
}

using Ids = std::vector<std::string>;

const std::string kSha256 = "ef537f25c895bfa782526529a9b63d97aa631564d5d789c2b765448c8635fb6c";

TEST(MatcherTest, FindsExactValuesOfEveryKind) {
  const std::vector<std::pair<K, std::string>> values = {
      {K::kIpv4, "198.51.100.7"},
      {K::kIpv6, "2001:db8::7"},
      {K::kDomain, "evil.example"},
      {K::kUrl, "http://evil.example/a?b=c"},
      {K::kEmail, "Boss@evil.example"},
      {K::kMac, "aa:bb:cc:dd:ee:ff"},
      {K::kAsn, "64496"},
      {K::kMd5, std::string(32, 'a')},
      {K::kSha1, std::string(40, 'b')},
      {K::kSha256, kSha256},
      {K::kSha512, std::string(128, 'c')},
      {K::kSha3_256, std::string(64, 'd')},
      {K::kSha3_512, std::string(128, 'e')},
      {K::kSsdeep, "3:AXGBicFlgVNhBGcL6wCrFQEv:AXGHsNhxLsr2C"},
      {K::kTlsh, "t1a0b1c2"},  // not even-length hex: kept as text
      {K::kFileName, "Invoice.PDF.exe"},
      {K::kMutex, "Global\\m1"},
      {K::kRegistryKey, "hkey_local_machine\\run"},
      {K::kUserAgent, "Evil/1.0"},
  };
  std::vector<IndicatorEntry> entries;
  for (size_t i = 0; i < values.size(); ++i) {
    entries.push_back(Entry(static_cast<int>(i + 1), {{values[i].first, values[i].second}}));
  }
  BuildStats stats;
  auto index = Build(entries, {}, &stats);
  EXPECT_EQ(stats.indicators, values.size());
  EXPECT_EQ(stats.keys, values.size());
  auto snapshot = index->Current();
  EXPECT_EQ(snapshot->indicator_count(), values.size());
  for (size_t i = 0; i < values.size(); ++i) {
    const auto& [kind, value] = values[i];
    const uint16_t specificity = kind == K::kIpv4     ? 32
                                 : kind == K::kIpv6   ? 128
                                 : kind == K::kDomain ? 2
                                                      : 0;
    EXPECT_EQ(Find(*snapshot, kind, value),
              Ids{std::to_string(i + 1) + "/" + std::to_string(specificity)})
        << model::ObservableKindName(kind) << " " << value;
  }
  // The same text under another kind is another observable.
  EXPECT_TRUE(Find(*snapshot, K::kFileName, "evil.example").empty());
  EXPECT_TRUE(Find(*snapshot, K::kSha3_256, kSha256).empty());
  EXPECT_TRUE(Find(*snapshot, K::kMutex, "Invoice.PDF.exe").empty());
  // Hash hex is compared case-insensitively (stored in binary); other text exactly.
  std::string upper = kSha256;
  std::transform(upper.begin(), upper.end(), upper.begin(), ::toupper);
  EXPECT_EQ(Find(*snapshot, K::kSha256, upper), Ids{"10/0"});
  EXPECT_TRUE(Find(*snapshot, K::kFileName, "invoice.pdf.exe").empty());
  EXPECT_TRUE(Find(*snapshot, K::kSha256, kSha256.substr(0, 62) + "00").empty());
  EXPECT_TRUE(Find(*snapshot, K::kSha256, kSha256.substr(0, 63)).empty());
}

TEST(MatcherTest, MissesAndInvalidValuesMatchNothing) {
  auto index = Build({Entry(1, {{K::kIpv4, "192.0.2.1"}, {K::kDomain, "evil.example"}})});
  auto snapshot = index->Current();
  std::vector<Match> out;
  for (std::string_view v : {"192.0.2.2", "192.0.2.1/33", "192.0.2", "", "999.0.2.1", "::1"}) {
    EXPECT_EQ(snapshot->Lookup(K::kIpv4, v, out), 0u) << v;
  }
  EXPECT_EQ(snapshot->Lookup(K::kIpv6, "192.0.2.1", out), 0u);
  EXPECT_EQ(snapshot->Lookup(K::kDomain, "", out), 0u);
  EXPECT_EQ(snapshot->Lookup(K::kUrl, "", out), 0u);
  EXPECT_TRUE(out.empty());
}

// Overlapping networks: every containing network is reported (each is a sighted indicator), the
// longest prefix first; the event's own prefix bounds which networks contain it.
TEST(MatcherTest, Ipv4NetworksReportAllContainingPrefixesLongestFirst) {
  auto index =
      Build({Entry(1, {{K::kIpv4, "10.0.0.0/8"}}), Entry(2, {{K::kIpv4, "10.1.0.0/16"}}),
             Entry(3, {{K::kIpv4, "10.1.2.0/24"}}), Entry(4, {{K::kIpv4, "10.1.2.3"}}),
             Entry(5, {{K::kIpv4, "10.1.2.0/31"}}), Entry(6, {{K::kIpv4, "10.1.2.128/25"}})});
  auto s = index->Current();
  EXPECT_EQ(Find(*s, K::kIpv4, "10.1.2.3"), (Ids{"4/32", "3/24", "2/16", "1/8"}));
  EXPECT_EQ(Find(*s, K::kIpv4, "10.1.2.1"), (Ids{"5/31", "3/24", "2/16", "1/8"}));
  EXPECT_EQ(Find(*s, K::kIpv4, "10.1.2.200"), (Ids{"6/25", "3/24", "2/16", "1/8"}));
  EXPECT_EQ(Find(*s, K::kIpv4, "10.1.3.1"), (Ids{"2/16", "1/8"}));
  EXPECT_EQ(Find(*s, K::kIpv4, "10.255.255.255"), (Ids{"1/8"}));
  EXPECT_EQ(Find(*s, K::kIpv4, "10.0.0.0"), (Ids{"1/8"}));
  EXPECT_TRUE(Find(*s, K::kIpv4, "9.255.255.255").empty());
  EXPECT_TRUE(Find(*s, K::kIpv4, "11.0.0.0").empty());
  // A network as the looked-up value: the indicators on it and on every network containing it.
  EXPECT_EQ(Find(*s, K::kIpv4, "10.1.2.0/24"), (Ids{"3/24", "2/16", "1/8"}));
  EXPECT_EQ(Find(*s, K::kIpv4, "10.1.0.0/15"), (Ids{"1/8"}));
}

TEST(MatcherTest, Ipv6NetworksIncludingPrefixesOffByteBoundaries) {
  auto index =
      Build({Entry(1, {{K::kIpv6, "2001:db8::/32"}}), Entry(2, {{K::kIpv6, "2001:db8:8000::/33"}}),
             Entry(3, {{K::kIpv6, "2001:db8:1::/48"}}), Entry(4, {{K::kIpv6, "2001:db8:1::1"}}),
             Entry(5, {{K::kIpv6, "2001:db8:1::/127"}}),
             Entry(6, {{K::kIpv6, "2001:db8:1:2:3:4:5:0/113"}})});
  auto s = index->Current();
  EXPECT_EQ(Find(*s, K::kIpv6, "2001:db8:1::1"), (Ids{"4/128", "5/127", "3/48", "1/32"}));
  EXPECT_EQ(Find(*s, K::kIpv6, "2001:db8:1::2"), (Ids{"3/48", "1/32"}));
  EXPECT_EQ(Find(*s, K::kIpv6, "2001:db8:ffff::1"), (Ids{"2/33", "1/32"}));
  EXPECT_EQ(Find(*s, K::kIpv6, "2001:db8:7fff::1"), (Ids{"1/32"}));
  EXPECT_EQ(Find(*s, K::kIpv6, "2001:db8:1:2:3:4:5:7fff"), (Ids{"6/113", "3/48", "1/32"}));
  EXPECT_EQ(Find(*s, K::kIpv6, "2001:db8:1:2:3:4:5:8000"), (Ids{"3/48", "1/32"}));
  EXPECT_TRUE(Find(*s, K::kIpv6, "2001:db9::1").empty());
  EXPECT_TRUE(Find(*s, K::kIpv6, "::1").empty());
  EXPECT_EQ(Find(*s, K::kIpv6, "2001:db8:1::/64"), (Ids{"3/48", "1/32"}));
}

TEST(MatcherTest, Ipv4MappedIpv6AddressesMatchIpv4Indicators) {
  auto index = Build({Entry(1, {{K::kIpv4, "192.0.2.0/24"}}), Entry(2, {{K::kIpv4, "192.0.2.9"}})});
  auto s = index->Current();
  EXPECT_EQ(Find(*s, K::kIpv6, "::ffff:192.0.2.9"), (Ids{"2/32", "1/24"}));
  EXPECT_TRUE(Find(*s, K::kIpv6, "::192.0.2.9").empty());  // IPv4-compatible: not the same
}

// Decision: networks broader than /8 (IPv4) and /16 (IPv6) are not indexed by default; a /0 would
// turn every event into a sighting. The bound is an option.
TEST(MatcherTest, SkipsBroadNetworksUnlessAllowed) {
  const std::vector<IndicatorEntry> entries = {
      Entry(1, {{K::kIpv4, "0.0.0.0/0"}}), Entry(2, {{K::kIpv4, "10.0.0.0/7"}}),
      Entry(3, {{K::kIpv6, "::/0"}}), Entry(4, {{K::kIpv6, "2000::/3"}}),
      Entry(5, {{K::kIpv4, "10.0.0.0/8"}})};
  BuildStats stats;
  auto index = Build(entries, {}, &stats);
  EXPECT_EQ(stats.broad_prefixes, 4u);
  EXPECT_EQ(Find(*index->Current(), K::kIpv4, "10.9.9.9"), (Ids{"5/8"}));
  EXPECT_TRUE(Find(*index->Current(), K::kIpv6, "2001:db8::1").empty());

  MatcherOptions all;
  all.min_ipv4_prefix = 0;
  all.min_ipv6_prefix = 0;
  index = Build(entries, all, &stats);
  EXPECT_EQ(stats.broad_prefixes, 0u);
  EXPECT_EQ(Find(*index->Current(), K::kIpv4, "10.9.9.9"), (Ids{"5/8", "2/7", "1/0"}));
  EXPECT_EQ(Find(*index->Current(), K::kIpv4, "203.0.113.1"), (Ids{"1/0"}));
  EXPECT_EQ(Find(*index->Current(), K::kIpv6, "2001:db8::1"), (Ids{"4/3", "3/0"}));

  MatcherOptions bad;
  bad.min_ipv4_prefix = 33;
  EXPECT_FALSE(IndicatorIndex::Create(entries, bad).has_value());
}

TEST(MatcherTest, DomainIndicatorsMatchWholeLabelSuffixesLongestFirst) {
  auto index = Build({Entry(1, {{K::kDomain, "evil.example"}}),
                      Entry(2, {{K::kDomain, "b.evil.example"}}), Entry(3, {{K::kDomain, "com"}})});
  auto s = index->Current();
  EXPECT_EQ(Find(*s, K::kDomain, "evil.example"), (Ids{"1/2"}));
  EXPECT_EQ(Find(*s, K::kDomain, "a.evil.example"), (Ids{"1/2"}));
  EXPECT_EQ(Find(*s, K::kDomain, "a.b.evil.example"), (Ids{"2/3", "1/2"}));
  EXPECT_EQ(Find(*s, K::kDomain, "b.evil.example"), (Ids{"2/3", "1/2"}));
  EXPECT_EQ(Find(*s, K::kDomain, "x.y.z.w.v.u.evil.example"), (Ids{"1/2"}));
  EXPECT_EQ(Find(*s, K::kDomain, "evil.example.com"), (Ids{"3/1"}));
  for (std::string_view miss : {"notevil.example", "example", "evil.examples", "evil.exampl",
                                "vil.example", "b.evil.example.org", "evil-example", "."}) {
    EXPECT_TRUE(Find(*s, K::kDomain, miss).empty()) << miss;
  }
  // Domain indicators do not match other kinds that contain them.
  EXPECT_TRUE(Find(*s, K::kUrl, "http://evil.example/").empty());
  EXPECT_TRUE(Find(*s, K::kEmail, "a@evil.example").empty());
}

TEST(MatcherTest, UrlsMatchInNormalisedForm) {
  auto indicator = model::NormalizeObservable(K::kUrl, "HTTP://Evil.Example:80/Path/x.php?q=1");
  ASSERT_TRUE(indicator.has_value());
  auto index = Build({Entry(1, {{K::kUrl, *indicator}})});
  auto s = index->Current();
  for (std::string_view seen :
       {"http://evil.example/Path/x.php?q=1", "http://EVIL.example:80/Path/x.php?q=1",
        "HTTP://evil.EXAMPLE/Path/x.php?q=1"}) {
    auto event = model::NormalizeObservable(K::kUrl, seen);
    ASSERT_TRUE(event.has_value()) << seen;
    EXPECT_EQ(Find(*s, K::kUrl, *event), (Ids{"1/0"})) << seen;
  }
  for (std::string_view other :
       {"http://evil.example/path/x.php?q=1", "http://evil.example/Path/x.php?q=2",
        "https://evil.example/Path/x.php?q=1", "http://evil.example:8080/Path/x.php?q=1"}) {
    auto event = model::NormalizeObservable(K::kUrl, other);
    ASSERT_TRUE(event.has_value()) << other;
    EXPECT_TRUE(Find(*s, K::kUrl, *event).empty()) << other;
  }
}

TEST(MatcherTest, ReportsEveryIndicatorCarryingAValue) {
  auto index = Build({Entry(3, {{K::kIpv4, "192.0.2.1"}, {K::kDomain, "evil.example"}}),
                      Entry(1, {{K::kIpv4, "192.0.2.1"}}),
                      Entry(2, {{K::kDomain, "evil.example"}, {K::kDomain, "evil.example"}}),
                      Entry(4, {{K::kUrl, "http://evil.example/"}}),
                      Entry(5, {{K::kUrl, "http://evil.example/"}})});
  auto s = index->Current();
  EXPECT_EQ(Find(*s, K::kIpv4, "192.0.2.1"), (Ids{"1/32", "3/32"}));  // in id order
  EXPECT_EQ(Find(*s, K::kDomain, "www.evil.example"), (Ids{"2/2", "3/2"}));
  EXPECT_EQ(Find(*s, K::kUrl, "http://evil.example/"), (Ids{"4/0", "5/0"}));
}

TEST(MatcherTest, KeepsTheNewestVersionOfAnId) {
  BuildStats stats;
  auto index =
      Build({Entry(1, {{K::kIpv4, "192.0.2.1"}}, 2000), Entry(1, {{K::kIpv4, "192.0.2.2"}}, 3000),
             Entry(1, {{K::kIpv4, "192.0.2.3"}}, 1000)},
            {}, &stats);
  EXPECT_EQ(stats.indicators, 1u);
  EXPECT_EQ(stats.superseded, 2u);
  auto s = index->Current();
  EXPECT_TRUE(Find(*s, K::kIpv4, "192.0.2.1").empty());
  EXPECT_TRUE(Find(*s, K::kIpv4, "192.0.2.3").empty());
  std::vector<Match> out;
  ASSERT_EQ(s->Lookup(K::kIpv4, "192.0.2.2", out), 1u);
  EXPECT_EQ(out[0].indicator->Id(), Id(1));
  EXPECT_EQ(out[0].indicator->Version(), model::Timestamp{3000});
  EXPECT_EQ(out[0].indicator->ValidUntil(), std::nullopt);
}

TEST(MatcherTest, SkipsEntriesWithoutIndicatorIdsAndUnindexableValues) {
  BuildStats stats;
  auto index = Build(
      {IndicatorEntry{
           "malware--00000000-0000-4000-8000-000000000001", {}, {}, {{K::kIpv4, "192.0.2.1"}}},
       IndicatorEntry{"indicator--not-a-uuid", {}, {}, {{K::kIpv4, "192.0.2.1"}}},
       Entry(1, {{K::kIpv4, "not an ip"}, {K::kUrl, std::string(70000, 'a')}}),
       Entry(2, {{K::kIpv4, "192.0.2.1"}})},
      {}, &stats);
  EXPECT_EQ(stats.invalid_ids, 2u);
  EXPECT_EQ(stats.invalid, 1u);
  EXPECT_EQ(stats.oversized, 1u);
  EXPECT_EQ(stats.indicators, 2u);
  EXPECT_EQ(Find(*index->Current(), K::kIpv4, "192.0.2.1"), (Ids{"2/32"}));
  // Ids are reported in lower case whatever case they came in.
  index = Build({IndicatorEntry{
      "indicator--ABCDEF00-0000-4000-8000-00000000000A", {}, {}, {{K::kMutex, "m"}}}});
  std::vector<Match> out;
  ASSERT_EQ(index->Current()->Lookup(K::kMutex, "m", out), 1u);
  EXPECT_EQ(out[0].indicator->Id(), "indicator--abcdef00-0000-4000-8000-00000000000a");
}

// Every key collides on its fingerprint (mask 0) and chains are long (load 0.95): only the key
// comparison tells values apart, and the values that differ in one byte must still miss.
TEST(MatcherTest, ResolvesForcedHashCollisionsByComparingKeys) {
  MatcherOptions options;
  options.load_factor = 0.95;
  detail::TablesBuilder builder(options, /*fingerprint_mask=*/0);
  constexpr int kCount = 3000;
  for (int i = 0; i < kCount; ++i) {
    auto n = builder.AddIndicator(Id(i), model::Timestamp{1}, std::nullopt);
    ASSERT_TRUE(n.has_value());
    builder.AddObservable(*n, {K::kDomain, "d" + std::to_string(i) + ".example"});
    builder.AddObservable(*n, {K::kUrl, "http://u.example/" + std::to_string(i)});
    builder.AddObservable(*n, {K::kIpv6, "2001:db8::" + std::to_string(i % 9999) + "/128"});
  }
  BuildStats stats;
  auto tables = builder.Build(&stats);
  ASSERT_TRUE(tables.has_value());
  EXPECT_EQ(stats.keys, 3u * kCount);
  Snapshot s(*tables, std::make_shared<const detail::Tables>(),
             std::make_shared<const std::vector<uint32_t>>());
  for (int i = 0; i < kCount; ++i) {
    const std::string want = std::to_string(i);
    ASSERT_EQ(Find(s, K::kDomain, "d" + want + ".example"), (Ids{want + "/2"}));
    ASSERT_EQ(Find(s, K::kUrl, "http://u.example/" + want), (Ids{want + "/0"}));
    ASSERT_TRUE(Find(s, K::kUrl, "http://u.example/" + want + "x").empty());
    ASSERT_TRUE(Find(s, K::kDomain, "e" + want + ".example").empty());
    ASSERT_EQ(s.base().Find(s.base().indicators()[i].uuid), static_cast<uint32_t>(i));
  }
  EXPECT_EQ(Find(s, K::kIpv6, "2001:db8::17"), (Ids{"17/128"}));  // written from decimal 17
}

// Memory: everything is counted (at least the 28-byte side entry and a slot per indicator), and a
// typical mix stays within the 64 bytes per indicator of the issue (networks left out: their
// 2 MiB /24 bitmap only pays off at millions of indicators; the benchmark measures that case).
TEST(MatcherTest, ReportsMemoryIncludingEveryStructure) {
  std::vector<IndicatorEntry> entries;
  constexpr int kCount = 200'000;
  for (int i = 0; i < kCount; ++i) {
    const std::string n = std::to_string(i);
    // The benchmark's mix: 45 % IPv4 addresses, 25 % domains, 15 % URLs, 15 % SHA-256.
    const int slot = i % 20;
    if (slot < 9) {
      entries.push_back(
          Entry(i, {{K::kIpv4, "10." + std::to_string(i >> 16 & 255) + "." +
                                   std::to_string(i >> 8 & 255) + "." + std::to_string(i & 255)}}));
    } else if (slot < 14) {
      entries.push_back(Entry(i, {{K::kDomain, "host" + n + ".example"}}));
    } else if (slot < 17) {
      entries.push_back(Entry(i, {{K::kUrl, "http://h" + n + ".example/x.php"}}));
    } else {
      entries.push_back(Entry(i, {{K::kSha256, std::string(64 - n.size(), '0') + n}}));
    }
  }
  auto index = Build(entries);
  const size_t bytes = index->Current()->MemoryBytes();
  EXPECT_GE(bytes, size_t{kCount} * (sizeof(IndicatorRef) + 8));
  // Tables of 2 MiB and more are rounded up to whole huge pages (at most 2 MiB for each of the 7
  // tables): nothing at 5 M indicators, a few bytes per indicator here.
  EXPECT_LE(bytes, size_t{kCount} * 64 + 7 * (size_t{2} << 20))
      << bytes / kCount << " bytes per indicator";
  EXPECT_EQ(sizeof(IndicatorRef), 28u);
}

}  // namespace
}  // namespace socmesh::detect
