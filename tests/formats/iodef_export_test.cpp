// IODEF v2 export (requirement E7): output validates against the RFC 7970 XSD — checked with
// libxml2 and with the independent xmllint CLI — and IODEF -> STIX -> IODEF keeps the content.
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <set>
#include <string>

#include "common/test_data.hpp"
#include "formats/iodef/iodef.hpp"
#include "formats/stix_input.hpp"

namespace socmesh::formats::iodef {
namespace {

using socmesh::testing::DataPath;
using socmesh::testing::ReadFile;
using socmesh::testing::TempDir;

ImportOptions Options() {
  ImportOptions o;
  o.schema_dir = DataPath("iodef/schemas");
  return o;
}

// xmllint (libxml2-utils) run as a separate program, offline, through the shared catalog.
int Xmllint(const std::string& xml, SchemaVariant variant, std::string* output) {
  TempDir dir;
  auto doc = dir.path() / "export.xml";
  std::ofstream(doc) << xml;
  auto schemas = DataPath("iodef/schemas");
  std::string xsd =
      (schemas / (variant == SchemaVariant::kAsPublished ? "iodef-2.0.rfc7970-as-published.xsd"
                                                         : "iodef-2.0.errata-applied.xsd"))
          .string();
  auto log = dir.path() / "xmllint.log";
  std::string command = "XML_CATALOG_FILES='" + (schemas / "catalog.xml").string() +
                        "' xmllint --nonet --noout --schema '" + xsd + "' '" + doc.string() +
                        "' > '" + log.string() + "' 2>&1";
  int rc = std::system(command.c_str());
  *output = ReadFile(log);
  return rc;
}

// What must survive IODEF -> STIX -> IODEF -> STIX: the incidents (same ids: they derive from the
// IncidentID), their TLP, the observables of observed-data and indicator patterns, contacts,
// methods and the related threat actors and campaigns.
std::set<std::string> KeyContent(const model::ParsedBundle& b) {
  std::set<std::string> out;
  for (const auto& o : b.objects) {
    if (o.type == "incident") {
      out.insert(o.id + " tlp=" + (o.tlp ? std::string(model::TlpName(*o.tlp)) : "none"));
    }
    if (o.category == model::ObjectCategory::kCyberObservable && o.type != "network-traffic" &&
        o.type != "email-message" && o.type != "x509-certificate") {
      out.insert(o.id);
    }
    for (const auto& obs : o.observables) {
      out.insert(std::string(model::ObservableKindName(obs.kind)) + "=" + obs.value);
    }
    if (o.type == "identity" || o.type == "threat-actor" || o.type == "campaign" ||
        o.type == "attack-pattern") {
      auto at = o.canonical_json.find("\"name\":");
      out.insert(o.type + " " + o.canonical_json.substr(at, o.canonical_json.find(',', at) - at));
    }
  }
  return out;
}

class IodefRoundTrip : public ::testing::TestWithParam<const char*> {};

TEST_P(IodefRoundTrip, ExportValidatesAndKeepsKeyContent) {
  auto first =
      ImportIodef(ReadFile(DataPath(std::string("iodef/examples/") + GetParam())), Options());
  ASSERT_TRUE(first.has_value()) << first.error().message;
  ASSERT_EQ(first->rejected, 0u);
  for (SchemaVariant variant : {SchemaVariant::kErrataApplied, SchemaVariant::kAsPublished}) {
    ExportOptions eo;
    eo.schema = variant;
    auto exported = ExportIodef(first->objects, eo);
    ASSERT_TRUE(exported.has_value()) << exported.error().message;
    auto findings = ValidateIodef(exported->xml, variant, DataPath("iodef/schemas"));
    ASSERT_TRUE(findings.has_value()) << findings.error().message;
    for (const auto& f : *findings) ADD_FAILURE() << "line " << f.line << ": " << f.message;
    std::string log;
    EXPECT_EQ(Xmllint(exported->xml, variant, &log), 0) << log;

    ImportOptions strict_schema = Options();
    strict_schema.schema = variant;
    auto second = ImportIodef(exported->xml, strict_schema);
    ASSERT_TRUE(second.has_value()) << second.error().message;
    EXPECT_EQ(second->rejected, 0u);
    std::set<std::string> before = KeyContent(*first), after = KeyContent(*second);
    if (variant == SchemaVariant::kAsPublished) {
      // Threat actors and campaigns without a URL cannot be written under that schema.
      std::erase_if(before, [](const std::string& k) {
        return k.starts_with("threat-actor ") || k.starts_with("campaign ");
      });
      std::erase_if(after, [](const std::string& k) {
        return k.starts_with("threat-actor ") || k.starts_with("campaign ");
      });
    }
    for (const auto& k : before) EXPECT_TRUE(after.contains(k)) << GetParam() << " lost " << k;
    for (const auto& k : after) EXPECT_TRUE(before.contains(k)) << GetParam() << " gained " << k;
  }
}

INSTANTIATE_TEST_SUITE_P(Examples, IodefRoundTrip,
                         ::testing::Values("rfc7970/RFC7970_MinimalIODEF.xml",
                                           "rfc7970/RFC7970_CampaignIndicator.xml",
                                           "iodef-guidance/GuidanceDraft_DDoS.xml",
                                           "iodef-guidance/GuidanceDraft_Malware.xml",
                                           "iodef-guidance/GuidanceDraft_IoTMalware.xml",
                                           "iodef-guidance/GuidanceDraft_MalwareDeliverURL.xml",
                                           "iodef-guidance/GuidanceDraft_SpearPhishing.xml",
                                           "iodef-converter/iot_malware.xml",
                                           "iodef-converter/malware1.xml",
                                           "iodef-converter/malware2.xml",
                                           "iodef-converter/LongExample_forVerification.xml",
                                           "iodef-converter/ExampleRecursive-xml2xml.xml",
                                           "iodef-converter/LongLongExample.xml"));

// STIX that never was IODEF: indicators and observed-data without an incident go into one
// "watch" Incident; what IODEF cannot say is listed, not silently dropped.
TEST(IodefExport, ExportsPlainStixIntoAWatchIncident) {
  auto bundle = ReadStixFile(
      DataPath("stix/oasis-stix2-json-schemas-examples/indicator-for-c2-ip-address.json").string(),
      model::BundleOptions{});
  ASSERT_TRUE(bundle.has_value());
  ExportOptions eo;
  eo.contact_email = "cert@example.org";
  auto exported = ExportIodef(bundle->objects, eo);
  ASSERT_TRUE(exported.has_value()) << exported.error().message;
  EXPECT_NE(exported->xml.find(R"(purpose="watch")"), std::string::npos);
  EXPECT_NE(exported->xml.find("cert@example.org"), std::string::npos);
  auto findings =
      ValidateIodef(exported->xml, SchemaVariant::kErrataApplied, DataPath("iodef/schemas"));
  ASSERT_TRUE(findings.has_value());
  EXPECT_TRUE(findings->empty()) << findings->front().message;
  std::string log;
  EXPECT_EQ(Xmllint(exported->xml, SchemaVariant::kErrataApplied, &log), 0) << log;
  auto again = ImportIodef(exported->xml, Options());
  ASSERT_TRUE(again.has_value());
  std::set<std::string> before, after;
  for (const auto& o : bundle->objects) {
    for (const auto& obs : o.observables) before.insert(obs.value);
  }
  for (const auto& o : again->objects) {
    for (const auto& obs : o.observables) after.insert(obs.value);
  }
  for (const auto& v : before) EXPECT_TRUE(after.contains(v)) << v;
}

TEST(IodefExport, PatternsOutsideTheSubsetAreReportedAsSkipped) {
  std::string json =
      R"({"type":"indicator","spec_version":"2.1","id":"indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f",)"
      R"("created":"2024-01-01T00:00:00.000Z","modified":"2024-01-01T00:00:00.000Z",)"
      R"("pattern":"[ipv4-addr:value = '198.51.100.1'] REPEATS 5 TIMES WITHIN 60 SECONDS",)"
      R"("pattern_type":"stix","valid_from":"2024-01-01T00:00:00Z"})";
  std::string ok =
      R"({"type":"indicator","spec_version":"2.1","id":"indicator--1e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f",)"
      R"("created":"2024-01-01T00:00:00.000Z","modified":"2024-01-01T00:00:00.000Z",)"
      R"j("pattern":"[ipv4-addr:value = '198.51.100.2'] AND ([domain-name:value = 'a.example'] OR [url:value = 'http://b.example/x'])",)j"
      R"("pattern_type":"stix","valid_from":"2024-01-01T00:00:00Z"})";
  std::vector<model::StixObject> objects;
  for (const auto& text : {json, ok}) {
    auto o = model::ParseStixObject(text);
    ASSERT_TRUE(o.has_value()) << o.error().message;
    objects.push_back(*o);
  }
  auto exported = ExportIodef(objects);
  ASSERT_TRUE(exported.has_value());
  ASSERT_EQ(exported->skipped.size(), 1u);
  EXPECT_NE(exported->skipped[0].find("indicator--8e2e2d2b"), std::string::npos);
  EXPECT_NE(exported->skipped[0].find("no IODEF equivalent"), std::string::npos);
  EXPECT_NE(exported->xml.find(R"(<IndicatorExpression operator="and">)"), std::string::npos);
  EXPECT_NE(exported->xml.find("198.51.100.2"), std::string::npos);
  EXPECT_EQ(exported->xml.find("198.51.100.1"), std::string::npos);
  auto again = ImportIodef(exported->xml, Options());
  ASSERT_TRUE(again.has_value());
  bool found = false;
  for (const auto& o : again->objects) {
    found =
        found || o.canonical_json.find(
                     "([ipv4-addr:value = '198.51.100.2'] AND ([domain-name:value = "
                     "'a.example'] OR [url:value = 'http://b.example/x']))") != std::string::npos;
  }
  EXPECT_TRUE(found);
}

TEST(IodefExport, NothingExportableIsAnError) {
  auto exported = ExportIodef({});
  ASSERT_FALSE(exported.has_value());
  EXPECT_EQ(exported.error().code, ErrorCode::kInvalidArgument);
}

}  // namespace
}  // namespace socmesh::formats::iodef
