// Hostile MISP attribute values (E7/E8): values taken from the input end up in STIX JSON and in
// STIX patterns, so they must be escaped there or, when they do not fit their type, be kept
// verbatim as x-misp-attribute with a warning — never change the structure of what is produced.
// The import writes JSON and validates every object it made; these tests pin that the fast path
// still validates and escapes input-derived values.
#include <gtest/gtest.h>
#include <simdjson.h>

#include <string>
#include <string_view>

#include "formats/misp/misp_import.hpp"
#include "model/canonical_json.hpp"

namespace socmesh::formats::misp {
namespace {

// One event holding the given attributes (JSON text of the Attribute list).
std::string Event(std::string_view attributes) {
  return R"({"Event":{"uuid":"5a4b0c1d-0000-4000-8000-000000000001","info":"hostile",)"
         R"("timestamp":"1600000000","Orgc":{"name":"ACME","uuid":"5a4b0c1d-0000-4000-8000-)"
         R"(0000000000aa"},"Attribute":[)" +
         std::string(attributes) + "]}}";
}

const model::StixObject* FindId(const model::ParsedBundle& b, std::string_view id) {
  for (const auto& o : b.objects) {
    if (o.id == id) return &o;
  }
  return nullptr;
}

// A string property of an object's canonical JSON, read back by an independent parser.
std::string Property(const model::StixObject& o, const char* name) {
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  EXPECT_EQ(parser.parse(o.canonical_json).get(root), simdjson::SUCCESS) << o.canonical_json;
  std::string_view value;
  if (root[name].get(value) != simdjson::SUCCESS) return "<missing>";
  return std::string(value);
}

TEST(MispHostileValues, PatternInjectionIsKeptVerbatimNotTurnedIntoAPattern) {
  // A domain value that tries to close the pattern's string and observation: not a domain name,
  // so no indicator may be made of it; the value survives byte for byte as a custom object.
  const std::string value = R"(evil.example'] OR [domain-name:value = 'x)";
  auto parsed = ImportMispJson(
      Event(R"({"type":"domain","value":"evil.example'] OR [domain-name:value = 'x","to_ids":true,)"
            R"("uuid":"6a4b0c1d-0000-4000-8000-000000000001","timestamp":"1600000000"})"));
  ASSERT_TRUE(parsed.has_value()) << parsed.error().message;
  EXPECT_EQ(FindId(*parsed, "indicator--6a4b0c1d-0000-4000-8000-000000000001"), nullptr);
  const auto* kept = FindId(*parsed, "x-misp-attribute--6a4b0c1d-0000-4000-8000-000000000001");
  ASSERT_NE(kept, nullptr);
  EXPECT_EQ(Property(*kept, "x_misp_value"), value);
  bool warned = false;
  for (const auto& f : parsed->findings) {
    warned = warned || (f.diagnostic.severity == model::Severity::kWarning &&
                        f.diagnostic.message.find("kept as x-misp-attribute") != std::string::npos);
  }
  EXPECT_TRUE(warned);
}

TEST(MispHostileValues, QuotesInAValidUrlAreEscapedInThePatternAndTheJson) {
  // A valid URL with an apostrophe and a double quote (percent-encoded in real URLs, but MISP
  // stores what it is given): the pattern literal escapes the apostrophe, JSON the quote.
  auto parsed = ImportMispJson(
      Event(R"({"type":"url","value":"http://x.example/a'b?q=\"1\"","to_ids":true,)"
            R"("uuid":"6a4b0c1d-0000-4000-8000-000000000002","timestamp":"1600000000"})"));
  ASSERT_TRUE(parsed.has_value()) << parsed.error().message;
  const auto* indicator = FindId(*parsed, "indicator--6a4b0c1d-0000-4000-8000-000000000002");
  ASSERT_NE(indicator, nullptr);
  const std::string pattern = Property(*indicator, "pattern");
  EXPECT_NE(pattern.find(R"(a\'b)"), std::string::npos) << pattern;
  EXPECT_EQ(pattern.find("] OR ["), std::string::npos) << pattern;
  EXPECT_NE(indicator->canonical_json.find(R"(q=\"1\")"), std::string::npos);
}

TEST(MispHostileValues, ControlCharactersAreEscapedAndTheOutputIsCanonical) {
  // JSON escapes in the input become raw control characters in the DOM; the STIX JSON written
  // back must escape them the RFC 8785 way, and what is stored must be its own canonical form.
  auto parsed = ImportMispJson(Event(
      R"({"type":"text","value":"a\u0000b\u001fc\u2028d\"e\\f","comment":"x\ty\nz\b",)"
      R"("to_ids":false,"uuid":"6a4b0c1d-0000-4000-8000-000000000003","timestamp":"1600000000"})"));
  ASSERT_TRUE(parsed.has_value()) << parsed.error().message;
  const auto* kept = FindId(*parsed, "x-misp-attribute--6a4b0c1d-0000-4000-8000-000000000003");
  ASSERT_NE(kept, nullptr);
  EXPECT_NE(kept->canonical_json.find(R"("a\u0000b\u001fc)"
                                      "\xE2\x80\xA8"
                                      R"(d\"e\\f")"),
            std::string::npos)
      << kept->canonical_json;
  EXPECT_NE(kept->canonical_json.find(R"("x\ty\nz\b")"), std::string::npos);
  auto again = model::CanonicalizeJson(kept->canonical_json);
  ASSERT_TRUE(again.has_value());
  EXPECT_EQ(*again, kept->canonical_json);
}

TEST(MispHostileValues, AnInvalidHashInAnObjectIsStillRefusedByValidation) {
  // Attributes of a MISP object go into the SCOs unchecked by the mapper; the validation of every
  // mapped object is what refuses a malformed hash, rejecting the record and naming it.
  std::string json = Event("");
  const std::string object =
      R"("Object":[{"name":"file","uuid":"7a4b0c1d-0000-4000-8000-000000000005",)"
      R"("timestamp":"1600000000","Attribute":[{"type":"md5","object_relation":"md5",)"
      R"("value":"not-a-hash\"}","to_ids":false,"uuid":"6a4b0c1d-0000-4000-8000-000000000005"}]}])";
  json.insert(json.rfind("]}}") + 1, "," + object);
  ImportStats stats;
  auto parsed = ImportMispJson(json, {}, &stats);
  ASSERT_TRUE(parsed.has_value()) << parsed.error().message;
  EXPECT_EQ(FindId(*parsed, "observed-data--7a4b0c1d-0000-4000-8000-000000000005"), nullptr);
  bool refused = false;
  for (const auto& f : parsed->findings) {
    refused = refused || (f.diagnostic.severity == model::Severity::kError &&
                          f.diagnostic.path == "Event.Object[0]" &&
                          f.diagnostic.message.find("MD5") != std::string::npos);
  }
  EXPECT_TRUE(refused);
  EXPECT_EQ(stats.attributes_rejected, 1u);
  for (const auto& o : parsed->objects) {
    EXPECT_EQ(o.canonical_json.find("not-a-hash"), std::string::npos) << o.canonical_json;
  }
}

}  // namespace
}  // namespace socmesh::formats::misp
