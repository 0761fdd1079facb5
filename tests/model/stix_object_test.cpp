#include "model/stix_object.hpp"

#include <gtest/gtest.h>

#include <string>

namespace socmesh::model {
namespace {

constexpr const char* kIndicator = R"({
  "type": "indicator", "spec_version": "2.1",
  "id": "indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f",
  "created": "2016-04-06T20:03:48.000Z", "modified": "2016-04-06T20:03:48.000Z",
  "created_by_ref": "identity--f431f809-377b-45e0-aa1c-6a4751cae5ff",
  "indicator_types": ["malicious-activity"], "name": "C2",
  "pattern": "[ipv4-addr:value = '198.51.100.1'] OR [domain-name:value = 'EVIL.example.com']",
  "pattern_type": "stix", "valid_from": "2016-01-01T00:00:00Z",
  "object_marking_refs": ["marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da",
                          "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421"],
  "confidence": 80, "x_acme_score": 1.50
})";

// Replaces the first occurrence of `from` in `text` by `to`.
std::string With(std::string text, const std::string& from, const std::string& to) {
  size_t pos = text.find(from);
  EXPECT_NE(pos, std::string::npos) << from;
  if (pos != std::string::npos) text.replace(pos, from.size(), to);
  return text;
}

std::string ErrorOf(const std::string& json) {
  auto r = ParseStixObject(json);
  EXPECT_FALSE(r.has_value()) << "accepted: " << json;
  return r ? "" : r.error().message;
}

TEST(StixObject, ExtractsHeaderFields) {
  auto o = ParseStixObject(kIndicator);
  ASSERT_TRUE(o.has_value()) << o.error().message;
  EXPECT_EQ(o->type, "indicator");
  EXPECT_EQ(o->category, ObjectCategory::kDomainObject);
  EXPECT_EQ(o->created_by_ref, "identity--f431f809-377b-45e0-aa1c-6a4751cae5ff");
  EXPECT_EQ(o->confidence, 80);
  ASSERT_TRUE(o->modified.has_value());
  EXPECT_EQ(FormatTimestamp(*o->modified), "2016-04-06T20:03:48.000Z");
  // Strictest of GREEN (TLP 1.0 id) and AMBER (TLP 2.0 id).
  EXPECT_EQ(o->tlp, Tlp::kAmber);
}

TEST(StixObject, IndexesPatternObservablesNormalised) {
  auto o = ParseStixObject(kIndicator);
  ASSERT_TRUE(o.has_value());
  ASSERT_EQ(o->observables.size(), 2u);
  EXPECT_EQ(o->observables[0], (Observable{ObservableKind::kIpv4, "198.51.100.1"}));
  EXPECT_EQ(o->observables[1], (Observable{ObservableKind::kDomain, "evil.example.com"}));
}

TEST(StixObject, CanonicalJsonKeepsCustomPropertiesAndSortsKeys) {
  auto o = ParseStixObject(kIndicator);
  ASSERT_TRUE(o.has_value());
  EXPECT_TRUE(o->canonical_json.starts_with("{\"confidence\":80,\"created\":"));
  EXPECT_NE(o->canonical_json.find("\"x_acme_score\":1.5}"), std::string::npos);
}

TEST(StixObject, FormattingDoesNotChangeCanonicalFormOrDigest) {
  auto a = ParseStixObject(kIndicator);
  std::string compact = kIndicator;
  std::erase(compact, '\n');
  auto b = ParseStixObject(compact);
  ASSERT_TRUE(a && b);
  EXPECT_EQ(a->canonical_json, b->canonical_json);
  EXPECT_EQ(a->digest, b->digest);
}

TEST(StixObject, RejectsMissingRequiredProperties) {
  EXPECT_NE(ErrorOf(With(kIndicator, R"("pattern_type": "stix",)", "")).find("pattern_type"),
            std::string::npos);
  EXPECT_NE(ErrorOf(With(kIndicator, R"("spec_version": "2.1",)", "")).find("spec_version"),
            std::string::npos);
  EXPECT_NE(
      ErrorOf(With(kIndicator, R"("modified": "2016-04-06T20:03:48.000Z",)", "")).find("modified"),
      std::string::npos);
}

TEST(StixObject, RejectsModifiedBeforeCreated) {
  std::string e = ErrorOf(With(kIndicator, R"("modified": "2016-04-06T20:03:48.000Z")",
                               R"("modified": "2016-04-06T20:03:47.999Z")"));
  EXPECT_NE(e.find("earlier than created"), std::string::npos) << e;
}

TEST(StixObject, RejectsCreatedWithoutMilliseconds) {
  std::string e = ErrorOf(With(kIndicator, R"("created": "2016-04-06T20:03:48.000Z")",
                               R"("created": "2016-04-06T20:03:48Z")"));
  EXPECT_NE(e.find("millisecond"), std::string::npos) << e;
}

TEST(StixObject, RejectsIdOfAnotherType) {
  std::string e = ErrorOf(With(kIndicator, "\"id\": \"indicator--", "\"id\": \"malware--"));
  EXPECT_NE(e.find("does not start with the object's type"), std::string::npos) << e;
}

TEST(StixObject, RejectsReferenceToWrongType) {
  std::string e = ErrorOf(
      With(kIndicator, "\"created_by_ref\": \"identity--", "\"created_by_ref\": \"malware--"));
  EXPECT_NE(e.find("must refer to: identity"), std::string::npos) << e;
}

TEST(StixObject, RejectsStix20SpecVersion) {
  std::string e = ErrorOf(With(kIndicator, R"("spec_version": "2.1")", R"("spec_version": "2.0")"));
  EXPECT_NE(e.find("2.0"), std::string::npos);
}

TEST(StixObject, RejectsTruncatedPattern) {
  // VALIDATION.md: a pattern cut short is INVALID for the OASIS validator.
  std::string e = ErrorOf(With(
      kIndicator, "'198.51.100.1'] OR [domain-name:value = 'EVIL.example.com']", "'1.2.3.4' AND"));
  EXPECT_NE(e.find("pattern"), std::string::npos) << e;
}

TEST(StixObject, RejectsConfidenceOutOfRange) {
  ErrorOf(With(kIndicator, R"("confidence": 80)", R"("confidence": 101)"));
  ErrorOf(With(kIndicator, R"("confidence": 80)", R"("confidence": "high")"));
}

TEST(StixObject, RejectsValidUntilNotAfterValidFrom) {
  ErrorOf(With(kIndicator, R"("valid_from": "2016-01-01T00:00:00Z")",
               R"("valid_from": "2016-01-01T00:00:00Z", "valid_until": "2016-01-01T00:00:00Z")"));
}

TEST(StixObject, RejectsBadPropertyNamesAndDuplicates) {
  ErrorOf(With(kIndicator, R"("x_acme_score")", R"("x-acme score")"));
  ErrorOf(With(kIndicator, R"("x_acme_score")", R"("xy")"));
  std::string e = ErrorOf(With(kIndicator, R"("x_acme_score": 1.50)", R"("name": "again")"));
  EXPECT_NE(e.find("name"), std::string::npos) << e;
}

TEST(StixObject, RejectsIntegersJcsCannotRepresent) {
  ErrorOf(With(kIndicator, R"("x_acme_score": 1.50)", R"("x_acme_big": 9007199254740993)"));
}

TEST(StixObject, RejectsMarkingThatImpersonatesTlp) {
  // The TLP:CLEAR id with a RED definition must never be believed.
  std::string e = ErrorOf(R"({"type":"marking-definition","spec_version":"2.1",
    "id":"marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9",
    "created":"2017-01-20T00:00:00.000Z","definition_type":"tlp","definition":{"tlp":"red"}})");
  EXPECT_NE(e.find("predefined id"), std::string::npos) << e;
}

TEST(StixObject, AcceptsPredefinedTlpMarkings) {
  auto white = ParseStixObject(R"({"type":"marking-definition","spec_version":"2.1",
    "id":"marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9",
    "created":"2017-01-20T00:00:00.000Z","definition_type":"tlp","name":"TLP:WHITE",
    "definition":{"tlp":"white"}})");
  ASSERT_TRUE(white.has_value()) << white.error().message;
  EXPECT_EQ(white->tlp, Tlp::kClear);
  EXPECT_EQ(white->version(), *white->created);
}

TEST(StixObject, ScoNeedsNoTimestampsAndIndexesValue) {
  std::vector<Diagnostic> diagnostics;
  auto o = ParseStixObject(
      R"({"type":"ipv4-addr","spec_version":"2.1",
          "id":"ipv4-addr--ff26c055-6336-5bc5-b98d-13d6226742dd","value":"198.51.100.3"})",
      &diagnostics);
  ASSERT_TRUE(o.has_value()) << o.error().message;
  EXPECT_EQ(o->category, ObjectCategory::kCyberObservable);
  EXPECT_EQ(o->version(), Timestamp{});
  ASSERT_EQ(o->observables.size(), 1u);
  EXPECT_EQ(o->observables[0].value, "198.51.100.3");
}

TEST(StixObject, WarnsOnNonDeterministicScoId) {
  std::vector<Diagnostic> diagnostics;
  auto o = ParseStixObject(
      R"({"type":"domain-name","spec_version":"2.1",
          "id":"domain-name--3c10e93f-798e-4a26-a0c1-08156efab7f5","value":"example.com"})",
      &diagnostics);
  ASSERT_TRUE(o.has_value()) << o.error().message;
  bool warned = false;
  for (const auto& d : diagnostics) {
    warned = warned || (d.severity == Severity::kWarning &&
                        d.message.find("deterministic") != std::string::npos);
  }
  EXPECT_TRUE(warned);
}

TEST(StixObject, ReportsEveryErrorNotJustTheFirst) {
  std::vector<Diagnostic> diagnostics;
  std::string bad = With(With(kIndicator, R"("confidence": 80)", R"("confidence": 900)"),
                         R"("pattern_type": "stix",)", "");
  EXPECT_FALSE(ParseStixObject(bad, &diagnostics).has_value());
  size_t errors = 0;
  for (const auto& d : diagnostics) errors += d.severity == Severity::kError;
  EXPECT_GE(errors, 2u);
  for (const auto& d : diagnostics) EXPECT_TRUE(d.path.starts_with("$")) << d.path;
}

TEST(StixObject, RejectsNonObjectsAndMalformedJson) {
  EXPECT_EQ(ParseStixObject("[1,2]").error().code, ErrorCode::kInvalidStix);
  EXPECT_EQ(ParseStixObject("{\"type\":").error().code, ErrorCode::kParse);
  EXPECT_EQ(ParseStixObject("").error().code, ErrorCode::kParse);
}

TEST(StixObject, CustomObjectNeedsCommonProperties) {
  auto ok = ParseStixObject(R"({"type":"x-acme-widget","spec_version":"2.1",
    "id":"x-acme-widget--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f",
    "created":"2020-01-01T00:00:00.000Z","modified":"2020-01-01T00:00:00.000Z","color":"red"})");
  ASSERT_TRUE(ok.has_value()) << ok.error().message;
  EXPECT_EQ(ok->category, ObjectCategory::kCustomObject);
  ErrorOf(R"({"type":"x-acme-widget","id":"x-acme-widget--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f"})");
}

TEST(StixObject, RevokedFlagIsRead) {
  auto o = ParseStixObject(With(kIndicator, R"("confidence": 80)", R"("revoked": true)"));
  ASSERT_TRUE(o.has_value());
  EXPECT_TRUE(o->revoked);
}

}  // namespace
}  // namespace socmesh::model
