// STIX 2.1 parsing on the real third-party data in ../shared/data/stix, with the verdicts of the
// OASIS validator (../shared/data/VALIDATION.md) as the oracle.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "common/test_data.hpp"
#include "model/bundle.hpp"
#include "model/canonical_json.hpp"

namespace socmesh::model {
namespace {

using socmesh::testing::DataPath;
using socmesh::testing::ReadFile;
namespace fs = std::filesystem;

std::string FirstError(const ParsedBundle& b) {
  for (const auto& f : b.findings) {
    if (f.diagnostic.severity == Severity::kError) {
      return f.diagnostic.path + ": " + f.diagnostic.message;
    }
  }
  return "";
}

ParsedBundle MustParse(const fs::path& path) {
  auto parsed = ParseBundle(ReadFile(path));
  EXPECT_TRUE(parsed.has_value()) << path << ": " << (parsed ? "" : parsed.error().message);
  return parsed ? std::move(*parsed) : ParsedBundle{};
}

void ExpectAllValid(const fs::path& path) {
  ParsedBundle b = MustParse(path);
  EXPECT_GT(b.input_objects, 0u) << path;
  EXPECT_EQ(b.rejected, 0u) << path << " first error: " << FirstError(b);
  EXPECT_EQ(b.objects.size(), b.input_objects) << path;
}

TEST(StixData, AttackIcsBundleIsValidWithAllObjects) {
  ParsedBundle b = MustParse(DataPath("stix/mitre-attack-stix-data/ics-attack-18.1.json"));
  EXPECT_EQ(b.input_objects, 1826u);
  EXPECT_EQ(b.rejected, 0u) << FirstError(b);
  EXPECT_EQ(b.objects.size(), 1826u);
  EXPECT_FALSE(b.bundle_id.empty());
}

TEST(StixData, AttackMobileBundleIsValidWithAllObjects) {
  ParsedBundle b = MustParse(DataPath("stix/mitre-attack-stix-data/mobile-attack-17.1.json"));
  EXPECT_EQ(b.input_objects, 2148u);
  EXPECT_EQ(b.rejected, 0u) << FirstError(b);
  EXPECT_EQ(b.objects.size(), 2148u);
}

TEST(StixData, AttackCustomObjectsAndPropertiesArePreserved) {
  ParsedBundle b = MustParse(DataPath("stix/mitre-attack-stix-data/ics-attack-18.1.json"));
  size_t custom_objects = 0;
  size_t with_x_mitre = 0;
  for (const auto& o : b.objects) {
    if (o.type.starts_with("x-mitre-")) {
      ++custom_objects;
      EXPECT_EQ(o.category, ObjectCategory::kCustomObject);
    }
    if (o.canonical_json.find("\"x_mitre_") != std::string::npos) ++with_x_mitre;
  }
  EXPECT_GT(custom_objects, 10u);
  EXPECT_GT(with_x_mitre, 1000u);
}

TEST(StixData, OasisSchemaExamplesAreValid) {
  size_t files = 0;
  for (const auto& entry :
       fs::recursive_directory_iterator(DataPath("stix/oasis-stix2-json-schemas-examples"))) {
    if (entry.path().extension() != ".json") continue;
    ExpectAllValid(entry.path());
    ++files;
  }
  EXPECT_EQ(files, 8u);
}

TEST(StixData, OasisDocumentationExamplesAreValid) {
  size_t files = 0;
  for (const auto& entry :
       fs::directory_iterator(DataPath("stix/oasis-cti-documentation-examples"))) {
    if (entry.path().extension() != ".json") continue;
    ExpectAllValid(entry.path());
    ++files;
  }
  EXPECT_EQ(files, 9u);
}

TEST(StixData, PythonStix2FileSystemStoreObjectsAreValid) {
  size_t files = 0;
  for (const auto& entry :
       fs::recursive_directory_iterator(DataPath("stix/oasis-cti-python-stix2/stix2_data_v21"))) {
    if (entry.path().extension() != ".json") continue;
    ExpectAllValid(entry.path());
    ++files;
  }
  EXPECT_EQ(files, 31u);
}

TEST(StixData, ScoExamplesAreRejectedForBase64AndHeaderLists) {
  // VALIDATION.md: INVALID under the OASIS validator — artifact payload_bin "must be base64",
  // http-request-ext request_header values are lists. The valid rest is kept.
  ParsedBundle b = MustParse(DataPath("stix/oasis-cti-python-stix2/sco-examples-bundle.json"));
  EXPECT_EQ(b.input_objects, 82u);
  bool base64 = false;
  bool header = false;
  for (const auto& f : b.findings) {
    if (f.diagnostic.severity != Severity::kError) continue;
    base64 = base64 || f.diagnostic.message.find("base64") != std::string::npos;
    header = header || f.diagnostic.path.find("request_header") != std::string::npos;
  }
  EXPECT_TRUE(base64);
  EXPECT_TRUE(header);
  EXPECT_GE(b.rejected, 4u);
  // The file repeats some SCOs verbatim: identical copies are kept once, with a warning each.
  size_t duplicates = 0;
  for (const auto& f : b.findings) {
    duplicates += f.diagnostic.message.find("duplicate of an earlier object") != std::string::npos;
  }
  EXPECT_EQ(b.objects.size() + b.rejected + duplicates, 82u);
  EXPECT_GT(b.objects.size(), 60u);
}

TEST(StixData, ValidatorExamplesMatchTheirVerdicts) {
  const fs::path dir = DataPath("stix/oasis-stix-validator-test-examples");
  for (const char* name : {"invalid_braces.json", "invalid_comma.json"}) {
    auto parsed = ParseBundle(ReadFile(dir / name));
    ASSERT_FALSE(parsed.has_value()) << name;
    EXPECT_EQ(parsed.error().code, ErrorCode::kParse) << name;
  }
  for (const char* name : {"invalid_identity.json", "invalid_timestamp.json"}) {
    ParsedBundle b = MustParse(dir / name);
    EXPECT_EQ(b.rejected, 1u) << name;
    EXPECT_TRUE(b.objects.empty()) << name;
  }
  EXPECT_NE(FirstError(MustParse(dir / "invalid_timestamp.json")).find("earlier than created"),
            std::string::npos);
  EXPECT_NE(FirstError(MustParse(dir / "invalid_identity.json")).find("\"modified\""),
            std::string::npos);
  size_t valid = 0;
  for (const auto& entry : fs::directory_iterator(dir)) {
    std::string name = entry.path().filename().string();
    if (entry.path().extension() != ".json" || name.starts_with("invalid_")) continue;
    ExpectAllValid(entry.path());
    ++valid;
  }
  EXPECT_EQ(valid, 6u);
}

TEST(StixData, DetectionStrategySampleIsRejected) {
  // A bare array without spec_version and with second-precision `modified` (VALIDATION.md).
  ParsedBundle b =
      MustParse(DataPath("stix/mitre-attack-stix-data/sample_3.3.0_stix-detection-strategy.json"));
  EXPECT_GT(b.input_objects, 0u);
  EXPECT_EQ(b.rejected, b.input_objects);
  std::string first = FirstError(b);
  EXPECT_TRUE(first.find("spec_version") != std::string::npos ||
              first.find("millisecond") != std::string::npos)
      << first;
}

TEST(StixData, MispStixConversionsFollowTheirVersion) {
  size_t v21 = 0, v20 = 0;
  for (const auto& entry : fs::directory_iterator(DataPath("misp/misp-stix/tests"))) {
    std::string name = entry.path().filename().string();
    if (name.ends_with("_stix21.json")) {
      ExpectAllValid(entry.path());
      ++v21;
    } else if (name.ends_with("_stix20.json")) {
      ParsedBundle b = MustParse(entry.path());
      EXPECT_GT(b.rejected, 0u) << name << ": STIX 2.0 content must not pass as 2.1";
      ++v20;
    }
  }
  EXPECT_EQ(v21, 5u);
  EXPECT_EQ(v20, 5u);
}

TEST(StixData, TaxiiServerStoreIsNotStix) {
  auto parsed = ParseBundle(ReadFile(DataPath("taxii/medallion/default_data.json")));
  ASSERT_TRUE(parsed.has_value());
  EXPECT_TRUE(parsed->objects.empty());
  EXPECT_EQ(parsed->rejected, 1u);
}

TEST(StixData, CanonicalFormIsStableUnderReparse) {
  // Round trip: parsing the canonical JSON of every object gives the same canonical JSON and
  // digest.
  ParsedBundle b = MustParse(DataPath("stix/mitre-attack-stix-data/mobile-attack-17.1.json"));
  ASSERT_FALSE(b.objects.empty());
  for (const auto& o : b.objects) {
    auto again = ParseStixObject(o.canonical_json);
    ASSERT_TRUE(again.has_value()) << o.id << ": " << again.error().message;
    EXPECT_EQ(again->canonical_json, o.canonical_json);
    EXPECT_EQ(again->digest, o.digest);
    EXPECT_EQ(again->version_key(), o.version_key());
  }
}

}  // namespace
}  // namespace socmesh::model
