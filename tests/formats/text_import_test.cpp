// Free text as an input format: extracted indicators become valid STIX 2.1 objects (requirement
// B2b; issue 3 items 4 and 7, `socmesh ingest --format text`).
#include "formats/text/text_import.hpp"

#include <gtest/gtest.h>

#include <map>
#include <string>

#include "common/test_data.hpp"
#include "model/observable.hpp"

namespace socmesh::formats::text {
namespace {

using model::Observable;
using model::ObservableKind;

const model::Timestamp kNow{1'700'000'000'000'000};  // 2023-11-14T22:13:20Z

// Options with a fixed clock, so timestamps can be asserted.
TextImportOptions Options(TextImportMode mode = TextImportMode::kIndicators) {
  TextImportOptions options;
  options.mode = mode;
  options.now = kNow;
  return options;
}

TEST(TextImportTest, IndicatorsCarryTheExtractedObservables) {
  Result<model::ParsedBundle> bundle = ImportText(
      "C2: hxxp://evil[.]com/gate.php and 5.39.222[.]150; again 5.39.222.150", Options());
  ASSERT_TRUE(bundle.has_value()) << bundle.error().message;
  EXPECT_EQ(bundle->rejected, 0u);
  ASSERT_EQ(bundle->objects.size(), 2u) << "duplicates are imported once";
  EXPECT_EQ(bundle->objects[0].type, "indicator");
  // The store indexes these: the pattern round-trips to the normalised observable.
  EXPECT_EQ(bundle->objects[0].observables,
            (std::vector<Observable>{{ObservableKind::kUrl, "http://evil.com/gate.php"}}));
  EXPECT_EQ(bundle->objects[1].observables,
            (std::vector<Observable>{{ObservableKind::kIpv4, "5.39.222.150"}}));
  EXPECT_NE(bundle->objects[0].canonical_json.find("\"valid_from\":\"2023-11-14T22:13:20.000Z\""),
            std::string::npos);
}

// Quotes and backslashes in a value are escaped in the pattern literal (STIX 2.1 section 9.3):
// the pattern still yields the exact value. (Running text ends URLs at quotes, so the hit is made
// by hand here.)
TEST(TextImportTest, QuotesInValuesAreEscapedInPatterns) {
  const std::string url = R"(http://evil.com/a'b\c)";
  Result<model::ParsedBundle> bundle =
      HitsToStix({TextHit{ObservableKind::kUrl, url, 0, url.size(), false}}, Options());
  ASSERT_TRUE(bundle.has_value()) << bundle.error().message;
  ASSERT_EQ(bundle->objects.size(), 1u)
      << (bundle->findings.empty() ? std::string() : bundle->findings[0].diagnostic.message);
  EXPECT_EQ(bundle->objects[0].observables, (std::vector<Observable>{{ObservableKind::kUrl, url}}));
}

TEST(TextImportTest, ObservablesModeMakesScosWithDeterministicIds) {
  const std::string sha256 = "01ba4719c80b6fe911b091a7c05124b64eeece964e09c058ef8f9805daca546b";
  const TextImportOptions options = Options(TextImportMode::kObservables);
  Result<model::ParsedBundle> a = ImportText("evil[.]com " + sha256, options);
  Result<model::ParsedBundle> b = ImportText("see EVIL.COM", options);
  ASSERT_TRUE(a.has_value() && b.has_value());
  ASSERT_EQ(a->objects.size(), 2u);
  EXPECT_EQ(a->objects[0].type, "domain-name");
  EXPECT_EQ(a->objects[1].type, "file");
  EXPECT_EQ(a->objects[1].observables,
            (std::vector<Observable>{{ObservableKind::kSha256, sha256}}));
  // Same observable from two texts -> same SCO id (UUIDv5 over the contributing properties).
  EXPECT_EQ(a->objects[0].id, b->objects[0].id);
  EXPECT_EQ(a->findings.size(), 0u) << "no warning: ids match what the validator recomputes";
}

TEST(TextImportTest, CveAndAttackIdsBecomeReferencedObjects) {
  Result<model::ParsedBundle> bundle =
      ImportText("Exploits cve-2023-23397 via T1566.001.", Options());
  ASSERT_TRUE(bundle.has_value()) << bundle.error().message;
  ASSERT_EQ(bundle->objects.size(), 2u);
  EXPECT_EQ(bundle->objects[0].type, "vulnerability");
  EXPECT_NE(bundle->objects[0].canonical_json.find(
                R"({"external_id":"CVE-2023-23397","source_name":"cve"})"),
            std::string::npos)
      << bundle->objects[0].canonical_json;
  EXPECT_EQ(bundle->objects[1].type, "attack-pattern");
  EXPECT_NE(bundle->objects[1].canonical_json.find(
                R"("url":"https://attack.mitre.org/techniques/T1566/001/")"),
            std::string::npos)
      << bundle->objects[1].canonical_json;
}

TEST(TextImportTest, TextWithoutIndicatorsIsAnEmptyBundle) {
  Result<model::ParsedBundle> bundle = ImportText("nothing to see in report.pdf", Options());
  ASSERT_TRUE(bundle.has_value());
  EXPECT_TRUE(bundle->objects.empty());
  EXPECT_EQ(bundle->rejected, 0u);
}

// A whole real report imports without a single rejected object, one indicator per distinct
// observable (the count is the ground truth size of the accuracy test plus the one known false
// positive, document.location.host).
TEST(TextImportTest, RealReportImportsCleanly) {
  const std::string report = socmesh::testing::ReadFile(
      socmesh::testing::DataPath("text/eset-malware-ioc-reports/stantinko.README.adoc"));
  Result<model::ParsedBundle> bundle = ImportText(report, Options());
  ASSERT_TRUE(bundle.has_value()) << bundle.error().message;
  EXPECT_EQ(bundle->rejected, 0u);
  EXPECT_EQ(bundle->objects.size(), 475u);
  std::map<ObservableKind, int> kinds;
  for (const auto& object : bundle->objects) {
    ASSERT_EQ(object.observables.size(), 1u) << object.canonical_json;
    ++kinds[object.observables[0].kind];
  }
  EXPECT_GT(kinds[ObservableKind::kSha1], 0);
  EXPECT_GT(kinds[ObservableKind::kUrl], 0);
  EXPECT_GT(kinds[ObservableKind::kIpv4], 0);
}

}  // namespace
}  // namespace socmesh::formats::text
