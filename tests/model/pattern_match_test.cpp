// Evaluating STIX patterns on one observation (issue 7 item 4, requirement B2c): every comparison
// operator, the case and type rules, object binding, list and reference paths, and index hints.
#include <gtest/gtest.h>

#include <string>
#include <string_view>

#include "common/test_data.hpp"
#include "model/pattern.hpp"
#include "model/pattern_match.hpp"

namespace socmesh::model {
namespace {

using V = ObservedValue;

Timestamp T(std::string_view text) { return ParseTimestamp(text).value(); }

Observation Single(ObservedObject object) {
  Observation o;
  o.first_observed = o.last_observed = T("2024-05-01T12:00:00Z");
  o.objects.push_back(std::move(object));
  return o;
}

ObservedObject Obj(std::string type) {
  ObservedObject o;
  o.type = std::move(type);
  return o;
}

// Parses (failing the test on error) and evaluates.
bool Eval(std::string_view text, const Observation& o) {
  Result<Pattern> p = ParsePattern(text);
  EXPECT_TRUE(p.has_value()) << text << ": " << (p ? "" : p.error().message);
  return p && Matches(*p, o);
}

const Observation& File() {
  static const Observation o =
      Single(Obj("file")
                 .Add("name", V::String("Final Report.exe"))
                 .Add("size", V::Int(77312))
                 .Add("hashes.sha256",
                      V::String("AEC070645FE53EE3B3763059376134F058CC337247C978ADD178B6CCDFB0019F"))
                 .Add("magic_number_hex", V::String("FFD8FFE0"))
                 .Add("created", V::String("2014-01-13T07:03:17Z"))
                 .Add("extensions.windows-pebinary-ext.sections[0].entropy", V::Float(7.5))
                 .Add("extensions.windows-pebinary-ext.sections[1].entropy", V::Float(2.0))
                 .Add("is_encrypted", V::Bool(false)));
  return o;
}

// --- Operators (STIX 2.1 section 9.3, comparison operators) ---

TEST(PatternMatchTest, EqualityAndInequality) {
  EXPECT_TRUE(Eval("[file:name = 'Final Report.exe']", File()));
  EXPECT_FALSE(Eval("[file:name = 'final report.exe']", File()));  // strings are case-sensitive
  EXPECT_TRUE(Eval("[file:name != 'other.exe']", File()));
  EXPECT_FALSE(Eval("[file:name != 'Final Report.exe']", File()));
  EXPECT_TRUE(Eval("[file:size = 77312]", File()));
  EXPECT_TRUE(Eval("[file:size = 77312.0]", File()));  // numbers compare by value
  EXPECT_TRUE(Eval("[file:is_encrypted = false]", File()));
  EXPECT_FALSE(Eval("[file:is_encrypted = true]", File()));
}

TEST(PatternMatchTest, Ordering) {
  EXPECT_TRUE(Eval("[file:size > 1024]", File()));
  EXPECT_TRUE(Eval("[file:size >= 77312]", File()));
  EXPECT_FALSE(Eval("[file:size > 77312]", File()));
  EXPECT_TRUE(Eval("[file:size < 77313]", File()));
  EXPECT_TRUE(Eval("[file:size <= 77312]", File()));
  EXPECT_FALSE(Eval("[file:size < 100]", File()));
  // Strings order by code point (UTF-8 bytes).
  EXPECT_TRUE(Eval("[file:name > 'A']", File()));
  EXPECT_TRUE(Eval("[file:name < 'G']", File()));
  // Timestamps order as instants, whatever the fraction digits.
  EXPECT_TRUE(Eval("[file:created = t'2014-01-13T07:03:17.000Z']", File()));
  EXPECT_TRUE(Eval("[file:created < t'2014-01-13T07:03:17.001Z']", File()));
  EXPECT_FALSE(Eval("[file:created > t'2015-01-01T00:00:00Z']", File()));
}

TEST(PatternMatchTest, InSet) {
  EXPECT_TRUE(Eval("[file:size IN (1024, 77312, 4096)]", File()));
  EXPECT_FALSE(Eval("[file:size IN (1024, 4096)]", File()));
  EXPECT_TRUE(Eval("[file:size NOT IN (1024, 4096)]", File()));
  EXPECT_FALSE(Eval("[file:size IN ()]", File()));
  EXPECT_TRUE(Eval("[file:name IN ('a.exe', 'Final Report.exe')]", File()));
}

TEST(PatternMatchTest, LikeUsesSqlWildcards) {
  EXPECT_TRUE(Eval("[file:name LIKE 'Final%']", File()));
  EXPECT_TRUE(Eval("[file:name LIKE '%.exe']", File()));
  EXPECT_TRUE(Eval("[file:name LIKE 'Final_Report.___']", File()));
  EXPECT_TRUE(Eval("[file:name LIKE '%Rep%t%']", File()));
  EXPECT_FALSE(Eval("[file:name LIKE 'final%']", File()));
  EXPECT_FALSE(Eval("[file:name LIKE 'Final_Report.__']", File()));
  EXPECT_TRUE(Eval("[file:name NOT LIKE '%.dll']", File()));
  // '_' is one character, not one byte.
  const Observation utf8 = Single(Obj("file").Add("name", V::String("qu\xC3\xAA"
                                                                    "ry.dll")));
  EXPECT_TRUE(Eval("[file:name LIKE 'qu_ry.dll']", utf8));
  EXPECT_FALSE(Eval("[file:name LIKE 'qu__ry.dll']", utf8));
}

TEST(PatternMatchTest, MatchesUsesRegularExpressionsAnywhereInTheValue) {
  EXPECT_TRUE(Eval(R"([file:name MATCHES '^Final Report.*\\.exe$'])", File()));
  EXPECT_FALSE(Eval(R"([file:name MATCHES '^Final Report.+\\.exe$'])", File()));
  EXPECT_TRUE(Eval("[file:name MATCHES 'Report']", File()));  // unanchored: search semantics
  EXPECT_FALSE(Eval("[file:name MATCHES '^Report']", File()));
  EXPECT_TRUE(Eval("[file:name MATCHES '(?i)^final report']", File()));
  EXPECT_TRUE(Eval("[file:name NOT MATCHES '\\\\.dll$']", File()));
}

TEST(PatternMatchTest, MatchesOnBinaryPropertiesSeesTheDecodedBytes) {
  // The specification's pcap example: payload_bin is base64 in JSON, the expression names bytes.
  const Observation pcap = Single(Obj("artifact")
                                      .Add("mime_type", V::String("application/vnd.tcpdump.pcap"))
                                      .Add("payload_bin", V::String("1MOyoQIABAA=")));
  EXPECT_TRUE(Eval(
      R"([artifact:mime_type = 'application/vnd.tcpdump.pcap' AND artifact:payload_bin MATCHES '\\xd4\\xc3\\xb2\\xa1\\x02\\x00\\x04\\x00'])",
      pcap));
  EXPECT_FALSE(Eval(R"([artifact:payload_bin MATCHES '^\\xd5'])", pcap));
  EXPECT_TRUE(Eval("[artifact:payload_bin = b'1MOyoQIABAA=']", pcap));
  // Hex properties against h'' literals: bytes, so the case of the digits does not matter.
  EXPECT_TRUE(Eval("[file:magic_number_hex = h'ffd8ffe0']", File()));
  EXPECT_FALSE(Eval("[file:magic_number_hex = h'ffd8']", File()));
}

TEST(PatternMatchTest, IsSubsetAndIsSupersetCompareNetworks) {
  const Observation v4 = Single(Obj("ipv4-addr").Add("value", V::String("198.51.100.7")));
  EXPECT_TRUE(Eval("[ipv4-addr:value ISSUBSET '198.51.100.0/24']", v4));
  EXPECT_TRUE(Eval("[ipv4-addr:value ISSUBSET '198.51.100.7']", v4));
  EXPECT_FALSE(Eval("[ipv4-addr:value ISSUBSET '198.51.101.0/24']", v4));
  EXPECT_TRUE(Eval("[ipv4-addr:value NOT ISSUBSET '10.0.0.0/8']", v4));
  EXPECT_TRUE(Eval("[ipv4-addr:value ISSUBSET '0.0.0.0/0']", v4));
  // The validator's example writes host bits ('192.168.0.1/24'): they are ignored.
  EXPECT_TRUE(Eval("[ipv4-addr:value ISSUBSET '198.51.100.200/24']", v4));

  const Observation net = Single(Obj("ipv4-addr").Add("value", V::String("198.51.100.0/24")));
  EXPECT_TRUE(Eval("[ipv4-addr:value ISSUPERSET '198.51.100.77']", net));
  EXPECT_TRUE(Eval("[ipv4-addr:value ISSUPERSET '198.51.100.128/25']", net));
  EXPECT_FALSE(Eval("[ipv4-addr:value ISSUPERSET '198.51.0.0/16']", net));
  EXPECT_FALSE(Eval("[ipv4-addr:value ISSUBSET '198.51.100.0/25']", net));

  const Observation v6 =
      Single(Obj("ipv6-addr").Add("value", V::String("2001:0db8:dead:beef:0000:0000:0000:0001")));
  EXPECT_TRUE(Eval("[ipv6-addr:value ISSUBSET '2001:0db8:dead:beef:0000:0000:0000:0000/64']", v6));
  EXPECT_TRUE(Eval("[ipv6-addr:value ISSUBSET '2001:db8::/32']", v6));
  EXPECT_FALSE(Eval("[ipv6-addr:value ISSUBSET '2001:db9::/32']", v6));
  EXPECT_FALSE(Eval("[ipv6-addr:value ISSUBSET '0.0.0.0/0']", v6));  // families never mix
  // A value that is no address is not comparable: false, with or without NOT.
  const Observation junk = Single(Obj("ipv4-addr").Add("value", V::String("not-an-ip")));
  EXPECT_FALSE(Eval("[ipv4-addr:value ISSUBSET '0.0.0.0/0']", junk));
  EXPECT_FALSE(Eval("[ipv4-addr:value NOT ISSUBSET '0.0.0.0/0']", junk));
}

TEST(PatternMatchTest, IpEqualityComparesAddressesNotText) {
  // The spec's examples compare with '/32'; an observed address equals its /32 network, and
  // IPv6 text forms are equal when the addresses are.
  const Observation v4 = Single(Obj("ipv4-addr").Add("value", V::String("203.0.113.33")));
  EXPECT_TRUE(Eval("[ipv4-addr:value = '203.0.113.33/32']", v4));
  EXPECT_FALSE(Eval("[ipv4-addr:value = '203.0.113.0/24']", v4));
  const Observation v6 = Single(Obj("ipv6-addr").Add("value", V::String("2001:db8::1")));
  EXPECT_TRUE(Eval("[ipv6-addr:value = '2001:0DB8:0000:0000:0000:0000:0000:0001']", v6));
}

TEST(PatternMatchTest, ExistsAndNotExists) {
  EXPECT_TRUE(Eval("[EXISTS file:name]", File()));
  EXPECT_TRUE(Eval("[EXISTS file:hashes]", File()));  // a dictionary with entries
  EXPECT_TRUE(Eval("[EXISTS file:extensions.windows-pebinary-ext.sections]", File()));
  EXPECT_FALSE(Eval("[EXISTS file:mime_type]", File()));
  EXPECT_TRUE(Eval("[NOT EXISTS file:mime_type]", File()));
  EXPECT_FALSE(Eval("[NOT EXISTS file:size]", File()));
  EXPECT_FALSE(Eval("[EXISTS file:nam]", File()));  // a prefix of a key is not the key
  // No object of the type at all: NOT EXISTS holds.
  EXPECT_TRUE(Eval("[NOT EXISTS process:pid]", File()));
}

TEST(PatternMatchTest, AMissingPropertyIsFalseWithOrWithoutNot) {
  EXPECT_FALSE(Eval("[file:mime_type = 'x']", File()));
  EXPECT_FALSE(Eval("[file:mime_type != 'x']", File()));
  EXPECT_FALSE(Eval("[file:mime_type NOT = 'x']", File()));
  EXPECT_FALSE(Eval("[process:name = 'x']", File()));
}

TEST(PatternMatchTest, TypesThatNoRuleRelatesAreNotComparable) {
  EXPECT_FALSE(Eval("[file:name = 5]", File()));
  EXPECT_FALSE(Eval("[file:name != 5]", File()));
  EXPECT_FALSE(Eval("[file:is_encrypted = 'false']", File()));
  EXPECT_FALSE(Eval("[file:size = t'2014-01-13T07:03:17Z']", File()));
  // Numbers written as strings (common in MISP exports: src_port = '1234') compare as numbers.
  EXPECT_TRUE(Eval("[file:size = '77312']", File()));
  EXPECT_FALSE(Eval("[file:size = '77312x']", File()));
}

TEST(PatternMatchTest, HashValuesAndAlgorithmNamesIgnoreCase) {
  // Observed upper-case hex under key "sha256"; the pattern writes lower-case under 'SHA-256'.
  EXPECT_TRUE(
      Eval("[file:hashes.'SHA-256' = "
           "'aec070645fe53ee3b3763059376134f058cc337247c978add178b6ccdfb0019f']",
           File()));
  EXPECT_TRUE(Eval(
      "[file:hashes.SHA256 = 'aec070645fe53ee3b3763059376134f058cc337247c978add178b6ccdfb0019f']",
      File()));
  EXPECT_FALSE(
      Eval("[file:hashes.'SHA-256' = "
           "'bf07a7fbb825fc0aae7bf4a1177b2b31fcf8a3feeaf7092761e18c859ee52a9c']",
           File()));
  EXPECT_FALSE(Eval("[file:hashes.MD5 = 'cead3f77f6cda6ec00f57d76c9a6879f']", File()));
}

TEST(PatternMatchTest, ListIndexesAndWildcards) {
  EXPECT_TRUE(Eval("[file:extensions.'windows-pebinary-ext'.sections[*].entropy > 7.0]", File()));
  EXPECT_TRUE(Eval("[file:extensions.'windows-pebinary-ext'.sections[0].entropy > 7.0]", File()));
  EXPECT_FALSE(Eval("[file:extensions.'windows-pebinary-ext'.sections[1].entropy > 7.0]", File()));
  EXPECT_FALSE(Eval("[file:extensions.'windows-pebinary-ext'.sections[*].entropy > 8.0]", File()));
  // Negative indexes parse (the grammar allows them) but select nothing.
  EXPECT_FALSE(Eval("[file:extensions.'windows-pebinary-ext'.sections[-1].entropy > 0]", File()));
}

// --- Comparison expressions: AND / OR and object binding ---

TEST(PatternMatchTest, AndOrAndParentheses) {
  EXPECT_TRUE(Eval("[file:name = 'Final Report.exe' AND file:size = 77312]", File()));
  EXPECT_FALSE(Eval("[file:name = 'Final Report.exe' AND file:size = 1]", File()));
  EXPECT_TRUE(Eval("[file:name = 'x' OR file:size = 77312]", File()));
  EXPECT_FALSE(Eval("[file:name = 'x' OR file:size = 1]", File()));
  EXPECT_TRUE(
      Eval("[(file:name = 'pdf.exe' OR file:size = '77312') AND "
           "file:created = t'2014-01-13T07:03:17Z']",
           File()));
  EXPECT_FALSE(Eval("[(file:name = 'pdf.exe' OR file:size = 1) AND file:size = 77312]", File()));
}

TEST(PatternMatchTest, ComparisonsOnOneTypeBindToOneObject) {
  Observation two;
  two.objects.push_back(Obj("file").Add("name", V::String("a.exe")).Add("size", V::Int(1)));
  two.objects.push_back(Obj("file").Add("name", V::String("b.exe")).Add("size", V::Int(2)));
  EXPECT_TRUE(Eval("[file:name = 'a.exe' AND file:size = 1]", two));
  EXPECT_TRUE(Eval("[file:name = 'b.exe' AND file:size = 2]", two));
  // True for different files only: not a match.
  EXPECT_FALSE(Eval("[file:name = 'a.exe' AND file:size = 2]", two));
  // Different types bind independently; an OR branch may bind another object than its sibling.
  two.objects.push_back(Obj("ipv4-addr").Add("value", V::String("192.0.2.1")));
  EXPECT_TRUE(Eval("[file:name = 'b.exe' AND ipv4-addr:value = '192.0.2.1']", two));
  EXPECT_TRUE(
      Eval("[(file:name = 'a.exe' OR ipv4-addr:value = '192.0.2.1') AND file:size = 2]", two));
}

// --- Observation operators on a single observation ---

TEST(PatternMatchTest, ObservationOperatorsOnOneObservation) {
  EXPECT_TRUE(Eval("[file:name = 'x'] OR [file:size = 77312]", File()));
  // AND and FOLLOWEDBY need two distinct observations (see PatternStream).
  EXPECT_FALSE(Eval("[file:name = 'Final Report.exe'] AND [file:size = 77312]", File()));
  EXPECT_FALSE(Eval("[file:size = 77312] FOLLOWEDBY [file:size = 77312]", File()));
  EXPECT_TRUE(Eval("[file:size = 77312] WITHIN 5 SECONDS", File()));
  EXPECT_TRUE(Eval("[file:size = 77312] REPEATS 1 TIMES", File()));
  EXPECT_FALSE(Eval("[file:size = 77312] REPEATS 2 TIMES", File()));
  EXPECT_TRUE(Eval("[file:size = 77312] START t'2024-05-01T00:00:00Z' STOP t'2024-05-02T00:00:00Z'",
                   File()));
  EXPECT_FALSE(Eval(
      "[file:size = 77312] START t'2024-05-01T12:00:01Z' STOP t'2024-05-02T00:00:00Z'", File()));
  // STOP is exclusive.
  EXPECT_FALSE(Eval(
      "[file:size = 77312] START t'2024-05-01T00:00:00Z' STOP t'2024-05-01T12:00:00Z'", File()));
}

// --- Real data: the OASIS python-stix2 SCO examples as one observation ---

class ScoExamplesTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    const std::string json = socmesh::testing::ReadFile(
        socmesh::testing::DataPath("stix/oasis-cti-python-stix2/sco-examples-bundle.json"));
    Result<Observation> o =
        ObservationFromJson(json, T("2024-05-01T12:00:00Z"), T("2024-05-01T12:00:00Z"));
    ASSERT_TRUE(o.has_value()) << o.error().message;
    observation_ = new Observation(std::move(*o));
  }
  static void TearDownTestSuite() { delete observation_; }
  static Observation* observation_;
};
Observation* ScoExamplesTest::observation_ = nullptr;

TEST_F(ScoExamplesTest, EverySightedObjectIsAnSco) {
  // 82 entries in the file, all SCOs (checked with python3 -c 'json.load(...)').
  EXPECT_EQ(observation_->objects.size(), 82u);
}

TEST_F(ScoExamplesTest, FollowsReferences) {
  // network-traffic--2568d22a: src 198.51.100.2, dst 198.51.100.3 (resolved with python3 from
  // the same file).
  EXPECT_TRUE(Eval("[network-traffic:dst_ref.value = '198.51.100.3']", *observation_));
  EXPECT_TRUE(
      Eval("[network-traffic:src_ref.value = '198.51.100.2' AND "
           "network-traffic:dst_ref.value = '198.51.100.3']",
           *observation_));
  // 203.0.113.1 is a source and 198.51.100.3 a destination, but never in the same flow.
  EXPECT_FALSE(
      Eval("[network-traffic:src_ref.value = '203.0.113.1' AND "
           "network-traffic:dst_ref.value = '198.51.100.3']",
           *observation_));
  EXPECT_TRUE(
      Eval("[network-traffic:dst_ref.type = 'domain-name' AND "
           "network-traffic:dst_ref.value = 'example.com']",
           *observation_));
  EXPECT_TRUE(Eval("[network-traffic:dst_port = 443 AND network-traffic:protocols[*] = 'ssl']",
                   *observation_));
  EXPECT_TRUE(
      Eval("[email-message:to_refs[*].value = 'mary@example.com' AND "
           "email-message:from_ref.value = 'jdoe@example.com']",
           *observation_));
  EXPECT_TRUE(Eval("[domain-name:resolves_to_refs[*].value = '198.51.100.3']", *observation_));
  EXPECT_TRUE(Eval(R"([file:parent_directory_ref.path = 'C:\\Windows\\System32'])", *observation_));
}

TEST_F(ScoExamplesTest, ValuesOfManyKinds) {
  EXPECT_TRUE(Eval("[ipv6-addr:value ISSUBSET '2001:db8::/32']", *observation_));
  EXPECT_TRUE(Eval("[ipv4-addr:value ISSUPERSET '198.51.100.77']", *observation_));  // the /24
  EXPECT_TRUE(
      Eval("[file:hashes.'SHA-256' = "
           "'FE90A7E910CB3A4739BED9180E807E93FA70C90F25A8915476F5E4BFBAC681DB']",
           *observation_));
  EXPECT_TRUE(Eval("[file:magic_number_hex = h'504b0304']", *observation_));
  EXPECT_TRUE(
      Eval("[file:name = 'qu\xC3\xAA"
           "ry.dll']",
           *observation_));  // "qu\u00eary.dll"
  EXPECT_TRUE(Eval("[autonomous-system:number = 15139]", *observation_));
  EXPECT_TRUE(
      Eval("[user-account:is_service_account = false AND "
           "user-account:account_created < t'2016-01-21T00:00:00Z']",
           *observation_));
  EXPECT_TRUE(
      Eval("[windows-registry-key:values[*].name = 'Foo' AND "
           "windows-registry-key:values[*].data_type = 'REG_DWORD']",
           *observation_));
  EXPECT_TRUE(Eval("[process:command_line LIKE '%sirvizio.exe%']", *observation_));
  EXPECT_FALSE(Eval("[mutex:name = '__CLEANSWEEP']", *observation_));
  EXPECT_TRUE(Eval("[mutex:name MATCHES '^__CLEAN']", *observation_));
}

TEST(ObservationFromJsonTest, RejectsWhatHoldsNoObservable) {
  const Timestamp t{};
  Result<Observation> bad = ObservationFromJson("{\"type\": ", t, t);
  ASSERT_FALSE(bad.has_value());
  EXPECT_EQ(bad.error().code, ErrorCode::kParse);
  Result<Observation> empty = ObservationFromJson(R"({"type": "indicator", "id": "x"})", t, t);
  ASSERT_FALSE(empty.has_value());
  EXPECT_EQ(empty.error().code, ErrorCode::kInvalidArgument);
}

TEST(ObservationFromJsonTest, ReadsStix20ObservedDataAndStopsReferenceCycles) {
  const Timestamp t{};
  Result<Observation> o = ObservationFromJson(
      R"({"type": "observed-data", "objects": {
           "0": {"type": "ipv4-addr", "value": "198.51.100.3"},
           "1": {"type": "network-traffic", "dst_ref": "0", "src_ref": "2"},
           "2": {"type": "x-loop", "next_ref": "2"}}})",
      t, t);
  ASSERT_TRUE(o.has_value()) << o.error().message;
  EXPECT_EQ(o->objects.size(), 3u);
  EXPECT_TRUE(Eval("[network-traffic:dst_ref.value = '198.51.100.3']", *o));
  EXPECT_TRUE(Eval("[x-loop:next_ref.next_ref.next_ref = '2']", *o));
}

// --- Index hints (issue 7 item 3) ---

std::vector<PatternIndexHint> Hints(std::string_view text) {
  Result<Pattern> p = ParsePattern(text);
  EXPECT_TRUE(p.has_value()) << text;
  return p ? IndexHints(*p) : std::vector<PatternIndexHint>{};
}

TEST(PatternIndexHintTest, ListsTheNecessaryEqualityValuesNormalised) {
  auto h = Hints(
      "[ipv4-addr:value = '203.0.113.33/32'] FOLLOWEDBY "
      "[domain-name:value = 'Evil.Example.' OR domain-name:value = 'b.example'] AND "
      "[file:name LIKE 'x%']");
  ASSERT_EQ(h.size(), 3u);
  ASSERT_TRUE(h[0].indexable);
  EXPECT_EQ(h[0].any_of,
            (std::vector<PatternIndexKey>{{{ObservableKind::kIpv4, "203.0.113.33"}, false}}));
  ASSERT_TRUE(h[1].indexable);
  EXPECT_EQ(h[1].any_of,
            (std::vector<PatternIndexKey>{{{ObservableKind::kDomain, "evil.example"}, false},
                                          {{ObservableKind::kDomain, "b.example"}, false}}));
  EXPECT_FALSE(h[2].indexable);  // LIKE cannot be looked up
}

TEST(PatternIndexHintTest, AndNeedsOneSideOrNeedsBoth) {
  // AND: the smaller key set of the indexable children suffices.
  auto h = Hints("[file:hashes.MD5 = 'cead3f77f6cda6ec00f57d76c9a6879f' AND file:size > 10]");
  ASSERT_TRUE(h[0].indexable);
  EXPECT_EQ(h[0].any_of.size(), 1u);
  EXPECT_EQ(h[0].any_of[0].observable.kind, ObservableKind::kMd5);
  h = Hints(
      "[url:value IN ('http://a.example/x', 'http://b.example/y') AND "
      "url:value = 'http://A.example/x']");
  ASSERT_TRUE(h[0].indexable);
  EXPECT_EQ(h[0].any_of,
            (std::vector<PatternIndexKey>{{{ObservableKind::kUrl, "http://a.example/x"}, false}}));
  // OR with a side that cannot be indexed: every event must be evaluated.
  EXPECT_FALSE(Hints("[ipv4-addr:value = '192.0.2.1' OR file:size > 10]")[0].indexable);
  // NOT, and paths no index knows.
  EXPECT_FALSE(Hints("[ipv4-addr:value != '192.0.2.1']")[0].indexable);
  EXPECT_FALSE(Hints("[ipv4-addr:value NOT = '192.0.2.1']")[0].indexable);
  EXPECT_FALSE(Hints("[network-traffic:dst_ref.value = '192.0.2.1']")[0].indexable);
}

TEST(PatternIndexHintTest, IsSubsetGivesANetworkKey) {
  auto h = Hints("[ipv4-addr:value ISSUBSET '198.51.100.77/24']");
  ASSERT_TRUE(h[0].indexable);
  EXPECT_EQ(h[0].any_of,
            (std::vector<PatternIndexKey>{{{ObservableKind::kIpv4, "198.51.100.0/24"}, true}}));
}

}  // namespace
}  // namespace socmesh::model
