// The allocation-free extraction path (VisitIndicators / ForEachIndicator) and the fast
// validators behind it: the same hits as ExtractIndicators, and values that are exactly what
// model::NormalizeObservable makes of the raw text. Requirement B2b, issue 3 item 4 (speed
// without losing accuracy).
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "common/test_data.hpp"
#include "formats/text/text_extractor.hpp"
#include "model/observable.hpp"

namespace socmesh::formats::text {
namespace {

using model::ObservableKind;

// Every text of the real corpus (ESET reports, iocextract's input) and the CSV feeds: IOC-dense
// text with every kind, defanged forms, hostile lines (iocextract) and thousands of addresses.
std::vector<std::string> RealTexts() {
  std::vector<std::filesystem::path> files;
  for (const char* dir : {"text", "feeds"}) {
    for (const auto& e :
         std::filesystem::recursive_directory_iterator(socmesh::testing::DataPath(dir))) {
      if (e.is_regular_file()) files.push_back(e.path());
    }
  }
  std::sort(files.begin(), files.end());
  std::vector<std::string> texts;
  for (const auto& f : files) texts.push_back(socmesh::testing::ReadFile(f));
  return texts;
}

std::vector<TextHit> Visit(std::string_view text) {
  std::vector<TextHit> out;
  Result<size_t> count = ForEachIndicator(text, [&out](const HitView& hit) {
    out.push_back(TextHit{hit.kind, std::string(hit.value), hit.offset, hit.length, hit.defanged});
  });
  EXPECT_TRUE(count.has_value()) << count.error().message;
  if (count) {
    EXPECT_EQ(*count, out.size());
  }
  return out;
}

// B2b: the visitor reports exactly the hits ExtractIndicators returns (which the accuracy test
// scores), in the same order, on all real text.
TEST(TextVisitorTest, SameHitsAsExtractIndicators) {
  const std::vector<std::string> texts = RealTexts();
  ASSERT_GE(texts.size(), 10u);
  size_t total = 0;
  for (const std::string& text : texts) {
    Result<std::vector<TextHit>> hits = ExtractIndicators(text);
    ASSERT_TRUE(hits.has_value()) << hits.error().message;
    EXPECT_EQ(Visit(text), *hits);
    total += hits->size();
  }
  EXPECT_GT(total, 1000u);  // the comparison covered real hits, not empty results
}

// The fast checks of hashes, IPv4 addresses and domains replace model::NormalizeObservable for
// them: on all real text, the value must be what NormalizeObservable makes of the raw (possibly
// defanged, upper-case) text the hit covers, and a fixed point of it.
TEST(TextVisitorTest, FastValuesAreTheModelsNormalForms) {
  size_t checked = 0;
  for (const std::string& text : RealTexts()) {
    Result<size_t> count = ForEachIndicator(text, [&](const HitView& hit) {
      const auto* kind = std::get_if<ObservableKind>(&hit.kind);
      if (kind == nullptr) return;
      Result<std::string> again = model::NormalizeObservable(*kind, hit.value);
      ASSERT_TRUE(again.has_value()) << hit.value;
      EXPECT_EQ(*again, hit.value);
      const std::string_view raw = std::string_view(text).substr(hit.offset, hit.length);
      const bool fast_kind = *kind == ObservableKind::kDomain || *kind == ObservableKind::kMd5 ||
                             *kind == ObservableKind::kSha1 || *kind == ObservableKind::kSha256 ||
                             *kind == ObservableKind::kSha512 ||
                             (*kind == ObservableKind::kIpv4 && raw.find('/') == raw.npos);
      if (!fast_kind) return;
      Result<std::string> from_raw = model::NormalizeObservable(*kind, raw);
      ASSERT_TRUE(from_raw.has_value()) << raw;
      EXPECT_EQ(*from_raw, hit.value) << raw;
      ++checked;
    });
    ASSERT_TRUE(count.has_value());
  }
  EXPECT_GT(checked, 1000u);
}

std::vector<std::pair<std::string, std::string>> Pairs(std::string_view text) {
  std::vector<std::pair<std::string, std::string>> out;
  for (const TextHit& hit : Visit(text)) out.emplace_back(HitKindName(hit.kind), hit.value);
  return out;
}

using PairList = std::vector<std::pair<std::string, std::string>>;

// The rules the fast checks must keep (model's Ipv4Problem and DomainProblem), at their edges.
TEST(TextVisitorTest, FastChecksKeepTheModelsRules) {
  // Octets: at most 255, no leading zero; 0 itself is fine.
  EXPECT_EQ(Pairs("0.0.0.0 255.255.255.255 256.1.1.1 01.2.3.4 1.2.3.04"),
            (PairList{{"ipv4", "0.0.0.0"}, {"ipv4", "255.255.255.255"}}));
  // Labels of at most 63 bytes, not starting or ending with '-'.
  const std::string label63(63, 'q');  // not hex: 64 hex digits would be a SHA-256
  const std::string label64(64, 'q');
  EXPECT_EQ(Pairs(label63 + ".com " + label64 + ".com a-.com"),
            (PairList{{"domain", label63 + ".com"}}));
  // "xn--" labels still get IDNA validation: a valid A-label is kept, bad punycode refused.
  EXPECT_EQ(Pairs("xn--bcher-kva.de and xn--zz.com"), (PairList{{"domain", "xn--bcher-kva.de"}}));
  // Upper case is folded for hashes and domains, kept upper for CVE ids.
  EXPECT_EQ(Pairs("EVIL.Example.COM D41D8CD98F00B204E9800998ECF8427E cve-2021-44228"),
            (PairList{{"domain", "evil.example.com"},
                      {"md5", "d41d8cd98f00b204e9800998ecf8427e"},
                      {"cve", "CVE-2021-44228"}}));
  // ICANN suffixes alone are refused under TLDs with deep rules ("kawasaki.jp" has "*."), and a
  // name under a TLD without them is accepted without the whole-name look-up.
  EXPECT_EQ(Pairs("co.uk x.kawasaki.jp city.kawasaki.jp evil.com"),
            (PairList{{"domain", "city.kawasaki.jp"}, {"domain", "evil.com"}}));
}

// Values point into a reused buffer: each call sees its own hit's value.
TEST(TextVisitorTest, ValueIsValidDuringTheCall) {
  std::vector<std::string> values;
  Result<size_t> count =
      ForEachIndicator("a.example.org then 10.0.0.1 then b.example.net",
                       [&](const HitView& hit) { values.emplace_back(hit.value); });
  ASSERT_TRUE(count.has_value());
  EXPECT_EQ(*count, 3u);
  EXPECT_EQ(values, (std::vector<std::string>{"a.example.org", "10.0.0.1", "b.example.net"}));
}

// A visitor may extract again on the same thread (the nested call must not disturb the outer
// one's candidates): each domain found is re-extracted from its own value.
TEST(TextVisitorTest, NestedExtractionFromAVisitor) {
  std::vector<std::string> outer;
  size_t inner_hits = 0;
  Result<size_t> count = ForEachIndicator(
      "a.example.org, 10.0.0.1, b.example.net and c.example.com", [&](const HitView& hit) {
        outer.emplace_back(hit.value);
        Result<size_t> inner =
            ForEachIndicator(std::string(hit.value), [&](const HitView&) { ++inner_hits; });
        ASSERT_TRUE(inner.has_value());
      });
  ASSERT_TRUE(count.has_value());
  EXPECT_EQ(outer, (std::vector<std::string>{"a.example.org", "10.0.0.1", "b.example.net",
                                             "c.example.com"}));
  EXPECT_EQ(inner_hits, 4u);
}

TEST(TextVisitorTest, ErrorsAsExtractIndicators) {
  size_t calls = 0;
  Result<size_t> count =
      ForEachIndicator("1.2.3.4 evil.com", [&](const HitView&) { ++calls; }, {.max_bytes = 8});
  ASSERT_FALSE(count.has_value());
  EXPECT_EQ(count.error().code, ErrorCode::kTooLarge);
  EXPECT_EQ(calls, 0u);
  Result<size_t> empty = ForEachIndicator("", [&](const HitView&) { ++calls; });
  ASSERT_TRUE(empty.has_value());
  EXPECT_EQ(*empty, 0u);
}

}  // namespace
}  // namespace socmesh::formats::text
