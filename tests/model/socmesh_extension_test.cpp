// socmesh's STIX property extension (ARCHITECTURE.md §2; B7, E17 scope; B2b provenance).
#include "model/socmesh_extension.hpp"

#include <gtest/gtest.h>

#include "model/stix_object.hpp"

namespace socmesh::model {
namespace {

constexpr std::string_view kIndicator =
    R"({"type":"indicator","spec_version":"2.1","id":"indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f",)"
    R"("created":"2026-01-01T00:00:00.000Z","modified":"2026-01-01T00:00:00.000Z",)"
    R"("pattern":"[ipv4-addr:value = '198.51.100.7']","pattern_type":"stix","valid_from":"2026-01-01T00:00:00Z",)"
    R"("extensions":{"x-other-ext":{"keep":[1,2]}}})";

SocmeshMetadata Sample() {
  SocmeshMetadata m;
  m.origin_organisation = "CERT-FR";
  m.origin_country = "FR";
  m.scope = DistributionScope::kSharingGroup;
  m.recipients = {"CERT-DE", "NCSC-NL"};
  m.sharing_groups = {"energy-isac"};
  m.provenance.push_back({"feodotracker", "https://feodotracker.abuse.ch/browse/host/198.51.100.7/",
                          Timestamp{1'700'000'000'000'000}, Timestamp{1'700'000'360'000'000}, 75});
  m.provenance.push_back({"analyst", "", std::nullopt, std::nullopt, std::nullopt});
  return m;
}

TEST(SocmeshExtension, ObjectWithoutExtensionHasNoMetadata) {
  auto m = ReadSocmeshMetadata(kIndicator);
  ASSERT_TRUE(m.has_value()) << m.error().message;
  EXPECT_FALSE(m->has_value());
}

TEST(SocmeshExtension, WrittenMetadataReadsBackAndKeepsOtherExtensions) {
  auto written = WithSocmeshMetadata(kIndicator, Sample());
  ASSERT_TRUE(written.has_value()) << written.error().message;
  EXPECT_NE(written->find(R"("x-other-ext":{"keep":[1,2]})"), std::string::npos) << *written;
  auto back = ReadSocmeshMetadata(*written);
  ASSERT_TRUE(back.has_value()) << back.error().message;
  ASSERT_TRUE(back->has_value());
  EXPECT_EQ(**back, Sample());
  // Still a valid STIX object, and already canonical.
  auto parsed = ParseStixObject(*written);
  ASSERT_TRUE(parsed.has_value()) << parsed.error().message;
  EXPECT_EQ(parsed->canonical_json, *written);
}

TEST(SocmeshExtension, RewritingReplacesRatherThanDuplicates) {
  auto first = WithSocmeshMetadata(kIndicator, Sample());
  ASSERT_TRUE(first.has_value());
  SocmeshMetadata narrower;
  narrower.scope = DistributionScope::kOrganisation;
  auto second = WithSocmeshMetadata(*first, narrower);
  ASSERT_TRUE(second.has_value()) << second.error().message;
  auto back = ReadSocmeshMetadata(*second);
  ASSERT_TRUE(back.has_value() && back->has_value());
  EXPECT_EQ(**back, narrower);
  EXPECT_EQ(second->find("CERT-DE"), std::string::npos);
}

TEST(SocmeshExtension, MalformedPropertiesAreNamedByPath) {
  const std::string id(kSocmeshExtensionId);
  auto with = [&](std::string_view ext) {
    return R"({"type":"indicator","id":"indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f","extensions":{")" +
           id + R"(":)" + std::string(ext) + "}}";
  };
  struct Case {
    std::string_view ext;
    std::string_view expect;
  } cases[] = {
      {R"({"scope":"planet"})", "unknown scope \"planet\""},
      {R"({"recipients":"CERT-DE"})", ".recipients: not a list"},
      {R"({"recipients":["CERT-DE",""]})", "empty name"},
      {R"({"provenance":[{"reference":"x"}]})", ".provenance[0]: source missing"},
      {R"({"provenance":[{"source":"a","confidence":101}]})", ".provenance[0].confidence"},
      {R"({"provenance":[{"source":"a","first_seen":"yesterday"}]})", ".provenance[0].first_seen"},
      {R"({"origin_country":"FRA"})", ".origin_country"},
      {R"("not an object")", "not an object"},
  };
  for (const auto& c : cases) {
    auto m = ReadSocmeshMetadata(with(c.ext));
    ASSERT_FALSE(m.has_value()) << c.ext;
    EXPECT_EQ(m.error().code, ErrorCode::kInvalidStix) << c.ext;
    EXPECT_NE(m.error().message.find(c.expect), std::string::npos) << m.error().message;
    EXPECT_NE(m.error().message.find(id), std::string::npos) << m.error().message;
  }
  EXPECT_EQ(ReadSocmeshMetadata("{not json").error().code, ErrorCode::kParse);
}

TEST(SocmeshExtension, UnwritableMetadataIsRefused) {
  SocmeshMetadata bad;
  bad.provenance.push_back({"", "", std::nullopt, std::nullopt, std::nullopt});
  EXPECT_EQ(WithSocmeshMetadata(kIndicator, bad).error().code, ErrorCode::kInvalidArgument);
  bad.provenance[0].source = "feed";
  bad.provenance[0].confidence = -1;
  EXPECT_EQ(WithSocmeshMetadata(kIndicator, bad).error().code, ErrorCode::kInvalidArgument);
}

TEST(SocmeshExtension, ScopeNamesRoundTrip) {
  for (auto s : {DistributionScope::kOrganisation, DistributionScope::kNational,
                 DistributionScope::kConsortium, DistributionScope::kNetwork,
                 DistributionScope::kSharingGroup}) {
    EXPECT_EQ(ParseDistributionScope(DistributionScopeName(s)), s);
  }
  EXPECT_FALSE(ParseDistributionScope("Network").has_value());
}

TEST(SocmeshExtension, DefinitionIsAValidStixExtensionDefinition) {
  auto def = ParseStixObject(SocmeshExtensionDefinitionJson());
  ASSERT_TRUE(def.has_value()) << def.error().message;
  EXPECT_EQ(def->id, kSocmeshExtensionId);
  EXPECT_EQ(def->category, ObjectCategory::kExtensionDefinition);
}

}  // namespace
}  // namespace socmesh::model
