// MISP attribute types: the table against PyMISP's describeTypes.json, and the STIX patterns
// against the misp-stix mapping pairs (requirement B2b: MISP import following misp-stix).
#include <gtest/gtest.h>
#include <simdjson.h>

#include <map>
#include <set>
#include <string>

#include "common/test_data.hpp"
#include "formats/misp/attribute_types.hpp"
#include "formats/misp/misp_import.hpp"
#include "model/canonical_json.hpp"

namespace socmesh::formats::misp {
namespace {

using socmesh::testing::DataPath;
using socmesh::testing::ReadFile;

// One event holding one attribute.
std::string EventWith(std::string_view type, std::string_view value, bool to_ids,
                      std::string_view category = "Other") {
  model::JsonWriter w;
  w.BeginObject().Key("Event").BeginObject();
  w.Key("uuid").String("5f3b1c1e-8d9a-4a52-9c4e-0a1b2c3d4e5f").Key("info").String("one attribute");
  w.Key("date").String("2020-10-25").Key("timestamp").String("1603642920");
  w.Key("Orgc").BeginObject().Key("name").String("CIRCL");
  w.Key("uuid").String("55f6ea5e-2c60-40e5-964f-47a8950d210f").EndObject();
  w.Key("Attribute").BeginArray().BeginObject();
  w.Key("uuid").String("91ae0a21-c7ae-4c7f-b84b-b84a7ce53d1f").Key("type").String(type);
  w.Key("category").String(category).Key("value").String(value).Key("to_ids").Bool(to_ids);
  w.Key("timestamp").String("1603642920");
  w.EndObject().EndArray().EndObject().EndObject();
  return w.Take();
}

std::string_view PatternOf(const model::ParsedBundle& b, simdjson::dom::parser& parser) {
  for (const auto& o : b.objects) {
    if (o.type != "indicator") continue;
    simdjson::dom::element e = parser.parse(o.canonical_json);
    return e["pattern"].get_string().value();
  }
  return "";
}

TEST(MispTypes, TableListsExactlyTheTypesOfDescribeTypes) {
  // B2b: "every type in describeTypes.json".
  simdjson::dom::parser parser;
  std::string text = ReadFile(DataPath("misp/pymisp-data/describeTypes.json"));
  simdjson::dom::array types = parser.parse(text)["result"]["types"].get_array();
  std::vector<std::string> expected;
  for (auto t : types) expected.emplace_back(t.get_string().value());
  std::vector<std::string> ours;
  for (const auto& t : AllAttributeTypes()) ours.emplace_back(t.name);
  EXPECT_EQ(ours, expected);
  EXPECT_EQ(ours.size(), 194u);
  simdjson::dom::object defaults = parser.parse(text)["result"]["sane_defaults"].get_object();
  for (auto [type, d] : defaults) {
    EXPECT_EQ(DefaultCategory(type), d["default_category"].get_string().value()) << type;
    EXPECT_TRUE(IsCategory(DefaultCategory(type))) << type;
  }
}

TEST(MispTypes, EveryTypeImportsOrIsRejectedWithItsPath) {
  // B2b, bad input: each of the 194 types, IDS and not, with a value that is only sometimes valid
  // for the type ("test-value" is not a hash): imported, or rejected with a finding at its path.
  for (const auto& t : AllAttributeTypes()) {
    std::string value = t.components() == 2 ? "test-value|80" : "test-value";
    for (bool ids : {false, true}) {
      ImportStats stats;
      auto parsed = ImportMispJson(EventWith(t.name, value, ids), {}, &stats);
      ASSERT_TRUE(parsed.has_value()) << t.name << ": " << parsed.error().message;
      EXPECT_EQ(stats.attributes, 1u) << t.name;
      EXPECT_EQ(stats.attributes_imported + stats.attributes_rejected, 1u) << t.name;
      if (stats.attributes_rejected == 1) {
        bool named = false;
        for (const auto& f : parsed->findings) {
          named = named || (f.diagnostic.severity == model::Severity::kError &&
                            f.diagnostic.path == "Event.Attribute[0]" &&
                            f.diagnostic.message.find(t.name) != std::string::npos);
        }
        EXPECT_TRUE(named) << t.name << " rejected without a finding naming it";
      }
      // The event itself always survives as a report or grouping.
      bool container = false;
      for (const auto& o : parsed->objects) container = container || o.type == "grouping";
      EXPECT_TRUE(container) << t.name;
    }
  }
}

// Where socmesh's pattern deliberately differs from misp-stix's (docs/formats.md, "MISP").
const std::map<std::string, std::string>& Deviations() {
  static const std::map<std::string, std::string> d = {
      // Integers are written as integers, not strings.
      {"AS", "[autonomous-system:number = 174]"},
      {"port", "[network-traffic:dst_port = 8443]"},
      {"size-in-bytes", "[file:size = 1234]"},
      {"ip-src|port",
       "[network-traffic:src_ref.type = 'ipv4-addr' AND network-traffic:src_ref.value = "
       "'1.2.3.4' AND network-traffic:src_port = 1234]"},
      {"ip-dst|port",
       "[network-traffic:dst_ref.type = 'ipv4-addr' AND network-traffic:dst_ref.value = "
       "'5.6.7.8' AND network-traffic:dst_port = 5678]"},
      // Comparisons on different SCO types get their own observation expressions.
      {"hostname|port", "[domain-name:value = 'circl.lu'] AND [network-traffic:dst_port = 8443]"},
      // Header names as in the SCO (additional_header_fields keys), list paths with [*].
      {"email-reply-to",
       "[email-message:additional_header_fields.'Reply-To' = 'reply-to@email.test']"},
      {"email-x-mailer",
       "[email-message:additional_header_fields.'X-Mailer' = 'Email X-Mailer test']"},
      {"email-header",
       "[email-message:received_lines[*] = 'from mail.example.com ([198.51.100.3]) by "
       "smtp.gmail.com']"},
      {"regkey|value",
       "[windows-registry-key:key = 'HKLM\\\\Software\\\\mthjk' AND "
       "windows-registry-key:values[*].data = '%DATA%\\\\1234567890']"},
      // The payload is not put in the pattern: it can be megabytes.
      {"malware-sample",
       "[file:name = 'oui' AND file:hashes.MD5 = '8764605c6f388c89096b534d33565802']"},
      {"attachment", "[file:name = 'attachment.test']"},
      // SHA-512/t is not SHA-224/SHA-256: say which algorithm it is.
      {"sha512/224",
       "[file:hashes.'SHA-512/224' = '5d6dc524ce96b1bb5e96d8dc116ff53b457ffb7f16afd9019a0dd8e9']"},
      {"sha512/256",
       "[file:hashes.'SHA-512/256' = "
       "'82333533f7f7cb4123bceee76358b36d4110e03c2219b80dced5a4d63424cc93']"},
      {"filename|sha512/224",
       "[file:name = 'filename11' AND file:hashes.'SHA-512/224' = "
       "'5d6dc524ce96b1bb5e96d8dc116ff53b457ffb7f16afd9019a0dd8e9']"},
      {"filename|sha512/256",
       "[file:name = 'filename12' AND file:hashes.'SHA-512/256' = "
       "'82333533f7f7cb4123bceee76358b36d4110e03c2219b80dced5a4d63424cc93']"},
  };
  return d;
}

TEST(MispTypes, IndicatorPatternsFollowTheMispStixPairs) {
  // B2b: the mapping follows misp-stix's documented pairs (misp_attributes_to_stix21.json); the
  // rule languages (yara, sigma, snort, suricata) get their own pattern_type instead of a
  // bracketed STIX pattern, which is not valid STIX.
  simdjson::dom::parser parser;
  simdjson::dom::parser pattern_parser;
  std::string text = ReadFile(DataPath("misp/misp-stix/mapping/misp_attributes_to_stix21.json"));
  simdjson::dom::object pairs = parser.parse(text).get_object();
  size_t compared = 0;
  for (auto [type, pair] : pairs) {
    simdjson::dom::element stix = pair["STIX"];
    std::string_view expected;
    simdjson::dom::array list;
    if (stix.get(list) == simdjson::SUCCESS) {
      for (auto o : list) {
        if (o["type"].get_string().value() == "indicator") expected = o["pattern"].get_string();
      }
    }
    if (expected.empty()) continue;
    std::string_view value = pair["MISP"]["value"].get_string().value();
    std::string_view category = pair["MISP"]["category"].get_string().value();
    auto parsed = ImportMispJson(EventWith(type, value, true, category));
    ASSERT_TRUE(parsed.has_value()) << parsed.error().message;
    std::string_view ours = PatternOf(*parsed, pattern_parser);
    AttributeType info = FindAttributeType(type);
    if (info.mapping == AttributeMapping::kNativePattern) {
      EXPECT_EQ(ours, value) << type;  // the rule itself, with its own pattern_type
    } else if (auto d = Deviations().find(std::string(type)); d != Deviations().end()) {
      EXPECT_EQ(ours, d->second) << type;
    } else {
      EXPECT_EQ(ours, expected) << type;
    }
    ++compared;
  }
  EXPECT_EQ(compared, 70u);  // the pairs that show an indicator
}

}  // namespace
}  // namespace socmesh::formats::misp
