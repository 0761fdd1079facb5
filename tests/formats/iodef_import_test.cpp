// IODEF v2 import (requirements B2b, E7): the real examples in ../shared/data/iodef, with the
// xmllint verdicts of ../shared/data/VALIDATION.md as the oracle.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <set>
#include <string>

#include "common/test_data.hpp"
#include "formats/iodef/iodef.hpp"
#include "model/observable.hpp"
#include "model/tlp.hpp"

namespace socmesh::formats::iodef {
namespace {

using socmesh::testing::DataPath;
using socmesh::testing::ReadFile;

std::string Example(const std::string& name) {
  return ReadFile(DataPath("iodef/examples/" + name));
}

ImportOptions Options() {
  ImportOptions o;
  o.schema_dir = DataPath("iodef/schemas");
  return o;
}

std::vector<const model::StixObject*> OfType(const model::ParsedBundle& b, std::string_view type) {
  std::vector<const model::StixObject*> out;
  for (const auto& o : b.objects) {
    if (o.type == type) out.push_back(&o);
  }
  return out;
}

bool AnyJsonHas(const model::ParsedBundle& b, std::string_view type, std::string_view text) {
  for (const auto& o : b.objects) {
    if (o.type == type && o.canonical_json.find(text) != std::string::npos) return true;
  }
  return false;
}

std::string Findings(const model::ParsedBundle& b) {
  std::string out;
  for (const auto& f : b.findings) {
    out += (f.diagnostic.severity == model::Severity::kError ? "E " : "W ") + f.diagnostic.path +
           ": " + f.diagnostic.message + "\n";
  }
  return out;
}

// VALIDATION.md, "IODEF v2": verdicts of xmllint for both forms of the schema.
struct Verdict {
  const char* file;
  bool as_published_valid;
  bool errata_valid;
  const char* reason;  // a phrase of the schema's reason when some form rejects it
};
const Verdict kVerdicts[] = {
    {"rfc7970/RFC7970_MinimalIODEF.xml", true, true, ""},
    {"rfc7970/RFC7970_CampaignIndicator.xml", false, true, "'ext-value' is not an element"},
    {"iodef-guidance/GuidanceDraft_DDoS.xml", true, false,
     "'' is not a valid value of the atomic "
     "type 'xs:float'"},
    {"iodef-guidance/GuidanceDraft_Malware.xml", true, false,
     "Expected is ( {urn:ietf:params:xml:"
     "ns:iodef-2.0}KeyValue )"},
    {"iodef-guidance/GuidanceDraft_IoTMalware.xml", true, true, ""},
    {"iodef-guidance/GuidanceDraft_MalwareDeliverURL.xml", true, true, ""},
    {"iodef-guidance/GuidanceDraft_SpearPhishing.xml", true, true, ""},
    {"iodef-converter/iodef-2.0-minimal.xml", true, true, ""},
    {"iodef-converter/iot_malware.xml", true, true, ""},
    {"iodef-converter/malware2.xml", true, true, ""},
    {"iodef-converter/malware1.xml", true, false, "KeyValue"},
    {"iodef-converter/iodef-2.0.xml", false, false,
     "The value 'fqdn' is not an element of the set"},
    {"iodef-converter/LongExample_forVerification.xml", false, true, "not expected"},
    {"iodef-converter/ExampleRecursive-xml2xml.xml", false, true, "not expected"},
    {"iodef-converter/LongLongExample.xml", false, true, "Character content is not allowed"},
};

class IodefVerdict : public ::testing::TestWithParam<Verdict> {};

// E7: the schema check agrees with xmllint on every example, for both forms of the XSD, and an
// invalid verdict carries the schema's own reason with a line number.
TEST_P(IodefVerdict, SchemaCheckMatchesXmllint) {
  const Verdict& v = GetParam();
  std::string xml = Example(v.file);
  for (SchemaVariant variant : {SchemaVariant::kAsPublished, SchemaVariant::kErrataApplied}) {
    bool want_valid =
        variant == SchemaVariant::kAsPublished ? v.as_published_valid : v.errata_valid;
    auto findings = ValidateIodef(xml, variant, DataPath("iodef/schemas"));
    ASSERT_TRUE(findings.has_value()) << findings.error().message;
    EXPECT_EQ(findings->empty(), want_valid) << v.file;
    if (!want_valid && !findings->empty()) {
      EXPECT_GT(findings->front().line, 0);
      EXPECT_FALSE(findings->front().path.empty());
    }
  }
  if (!v.as_published_valid || !v.errata_valid) {
    SchemaVariant failing =
        v.errata_valid ? SchemaVariant::kAsPublished : SchemaVariant::kErrataApplied;
    auto findings = ValidateIodef(xml, failing, DataPath("iodef/schemas"));
    ASSERT_TRUE(findings.has_value());
    bool found = false;
    for (const auto& f : *findings) found = found || f.message.find(v.reason) != std::string::npos;
    EXPECT_TRUE(found) << v.file << " lacks reason: " << v.reason;
  }
}

// B2b: every example that either form of the schema accepts imports without a rejection; the
// one both reject is rejected with the schema's reason, its line and its XPath.
TEST_P(IodefVerdict, ImportAcceptsExactlyTheValidExamples) {
  const Verdict& v = GetParam();
  auto parsed = ImportIodef(Example(v.file), Options());
  ASSERT_TRUE(parsed.has_value()) << parsed.error().message;
  if (v.as_published_valid || v.errata_valid) {
    EXPECT_EQ(parsed->rejected, 0u) << Findings(*parsed);
    EXPECT_EQ(OfType(*parsed, "incident").size(), parsed->input_objects);
    EXPECT_EQ(OfType(*parsed, "report").size(), parsed->input_objects);
    EXPECT_GE(OfType(*parsed, "identity").size(), 1u);
  } else {
    EXPECT_EQ(parsed->rejected, 1u);
    EXPECT_TRUE(parsed->objects.empty());
    ASSERT_FALSE(parsed->findings.empty());
    bool found = false;
    for (const auto& f : parsed->findings) {
      if (f.diagnostic.severity != model::Severity::kError) continue;
      if (f.diagnostic.message.find(v.reason) == std::string::npos) continue;
      found = true;
      EXPECT_TRUE(f.diagnostic.message.starts_with("line 37: ")) << f.diagnostic.message;
      EXPECT_NE(f.diagnostic.path.find("BulkObservable"), std::string::npos) << f.diagnostic.path;
    }
    EXPECT_TRUE(found) << Findings(*parsed);
  }
}

INSTANTIATE_TEST_SUITE_P(ValidationMd, IodefVerdict, ::testing::ValuesIn(kVerdicts));

// A document valid only under the RFC as published is accepted, and the errata's objection is
// kept as a warning (B2b: keep the data, say what is wrong).
TEST(IodefImport, WarnsWhenOnlyTheAsPublishedSchemaAccepts) {
  auto parsed = ImportIodef(Example("iodef-guidance/GuidanceDraft_DDoS.xml"), Options());
  ASSERT_TRUE(parsed.has_value());
  EXPECT_EQ(parsed->rejected, 0u);
  bool warned = false;
  for (const auto& f : parsed->findings) {
    warned = warned || (f.diagnostic.severity == model::Severity::kWarning &&
                        f.diagnostic.message.find("xs:float") != std::string::npos);
  }
  EXPECT_TRUE(warned) << Findings(*parsed);
  // Service ports of a target System become network traffic towards its address.
  bool traffic = false;
  for (const auto& o : parsed->objects) {
    traffic =
        traffic || (o.type == "network-traffic" &&
                    o.canonical_json.find(R"("dst_port":80)") != std::string::npos &&
                    o.canonical_json.find(R"("protocols":["ipv4","tcp"])") != std::string::npos);
  }
  EXPECT_TRUE(traffic);
  // With only the errata schema the same document is refused.
  ImportOptions strict_schema = Options();
  strict_schema.schema = SchemaVariant::kErrataApplied;
  auto refused = ImportIodef(Example("iodef-guidance/GuidanceDraft_DDoS.xml"), strict_schema);
  ASSERT_TRUE(refused.has_value());
  EXPECT_EQ(refused->rejected, 1u);
  EXPECT_TRUE(refused->objects.empty());
}

TEST(IodefImport, MapsSpearPhishingIncident) {
  auto parsed = ImportIodef(Example("iodef-guidance/GuidanceDraft_SpearPhishing.xml"), Options());
  ASSERT_TRUE(parsed.has_value()) << parsed.error().message;
  auto incidents = OfType(*parsed, "incident");
  ASSERT_EQ(incidents.size(), 1u);
  const std::string& incident = incidents[0]->canonical_json;
  EXPECT_NE(incident.find(R"j("name":"189601 (csirt.example.com)")j"), std::string::npos);
  // Times are converted to UTC STIX timestamps.
  EXPECT_NE(incident.find(R"("x_iodef_detect_time":"2013-01-04T08:06:12.000Z")"),
            std::string::npos);
  EXPECT_NE(incident.find(R"("x_iodef_purpose":"reporting")"), std::string::npos);
  EXPECT_NE(incident.find("takeover-system"), std::string::npos);
  EXPECT_EQ(incidents[0]->modified->micros, incidents[0]->created->micros);
  // The creator Contact becomes the identity that created every SDO.
  auto identities = OfType(*parsed, "identity");
  ASSERT_EQ(identities.size(), 1u);
  EXPECT_NE(identities[0]->canonical_json.find("contact@csirt.example.com"), std::string::npos);
  EXPECT_EQ(incidents[0]->created_by_ref, identities[0]->id);
  // Flow/System/Node and Record/RecordData become SCOs of an observed-data.
  EXPECT_TRUE(AnyJsonHas(*parsed, "ipv4-addr", R"("value":"192.0.2.166")"));
  EXPECT_TRUE(AnyJsonHas(*parsed, "ipv4-addr", R"("value":"192.0.2.0/24")"));
  EXPECT_TRUE(AnyJsonHas(*parsed, "url", R"("value":"http://www.zeusevil.example.com/")"));
  EXPECT_TRUE(AnyJsonHas(*parsed, "domain-name", R"("value":"mail1.evildave.example.com")"));
  EXPECT_TRUE(AnyJsonHas(*parsed, "autonomous-system", R"("number":65535)"));
  EXPECT_TRUE(AnyJsonHas(*parsed, "email-addr", R"("value":"emaildave@evildave.example.com")"));
  EXPECT_TRUE(AnyJsonHas(*parsed, "email-message", R"("subject":"Join us at Dummy Con")"));
  // The SHA-256 digest was wrapped over two lines in the document.
  EXPECT_TRUE(AnyJsonHas(
      *parsed, "file",
      R"("SHA-256":"141accec23e7e5157de60853cb1e01bc38042d08f9086040815300b7fe75c184")"));
  EXPECT_TRUE(AnyJsonHas(*parsed, "file", R"("name":"Dummy Con Sign Up Sheet.txt")"));
  EXPECT_TRUE(AnyJsonHas(*parsed, "x509-certificate", R"("serial_number":"57482937101")"));
  EXPECT_TRUE(AnyJsonHas(*parsed, "attack-pattern", R"("name":"Zeus")"));
  ASSERT_EQ(OfType(*parsed, "observed-data").size(), 1u);
}

TEST(IodefImport, BuildsIndicatorPatternsFromExpressionsAndReferences) {
  auto parsed = ImportIodef(Example("iodef-guidance/GuidanceDraft_Malware.xml"), Options());
  ASSERT_TRUE(parsed.has_value()) << parsed.error().message;
  auto indicators = OfType(*parsed, "indicator");
  ASSERT_EQ(indicators.size(), 1u) << Findings(*parsed);
  const std::string& json = indicators[0]->canonical_json;
  // Observables inline and through ObservableReference (addr-c2-91011-001 is in EventData).
  EXPECT_NE(json.find("[ipv4-addr:value = '192.0.2.1']"), std::string::npos) << json;
  EXPECT_NE(json.find("[ipv4-addr:value = '203.0.113.200']"), std::string::npos) << json;
  EXPECT_NE(json.find("[ipv6-addr:value = '2001:db8:dead:beef::1']"), std::string::npos);
  EXPECT_NE(json.find(R"(windows-registry-key:key = 'HKLM\\\\SYSTEM)"), std::string::npos) << json;
  EXPECT_NE(json.find(" AND "), std::string::npos);
  // The pattern feeds the observable index (model::ExtractPatternObservables).
  std::set<std::string> values;
  for (const auto& o : indicators[0]->observables) values.insert(o.value);
  EXPECT_TRUE(values.contains("198.51.100.1"));
  EXPECT_TRUE(values.contains("141accec23e7e5157de60853cb1e01bc38042d08f9086040815300b7fe75c184"));
  // DigestValue holding base64 of the text "0x6751A2…" is read as that SHA-1.
  EXPECT_TRUE(AnyJsonHas(*parsed, "file", R"("SHA-1":"6751a253483a67d86e0f84760f61f10bbcc2edff")"));
  // ReportTime 16:14:56.757+05:30 is 10:44:56.757Z.
  EXPECT_NE(OfType(*parsed, "incident")[0]->canonical_json.find(
                R"("x_iodef_report_time":"2013-03-07T10:44:56.757Z")"),
            std::string::npos);
  EXPECT_EQ(OfType(*parsed, "attack-pattern").size(), 2u);
}

TEST(IodefImport, MapsCampaignThreatActorAndTlp) {
  auto parsed = ImportIodef(Example("rfc7970/RFC7970_CampaignIndicator.xml"), Options());
  ASSERT_TRUE(parsed.has_value()) << parsed.error().message;
  EXPECT_EQ(parsed->rejected, 0u);
  auto actors = OfType(*parsed, "threat-actor");
  auto campaigns = OfType(*parsed, "campaign");
  ASSERT_EQ(actors.size(), 1u);
  ASSERT_EQ(campaigns.size(), 1u);
  EXPECT_NE(actors[0]->canonical_json.find(R"("name":"Aggressive Butterfly")"), std::string::npos);
  EXPECT_NE(actors[0]->canonical_json.find("TA-12-AGGRESSIVE-BUTTERFLY"), std::string::npos);
  EXPECT_TRUE(AnyJsonHas(*parsed, "relationship", R"("relationship_type":"attributed-to")"));
  auto indicators = OfType(*parsed, "indicator");
  ASSERT_EQ(indicators.size(), 1u);
  EXPECT_NE(indicators[0]->canonical_json.find(
                "[domain-name:value = 'kj290023j09r34.example.com' OR domain-name:value = "
                "'09ijk23jfj0k8.example.net' OR"),
            std::string::npos)
      << indicators[0]->canonical_json;
  // valid_from is the Indicator's StartTime in UTC.
  EXPECT_NE(indicators[0]->canonical_json.find(R"("valid_from":"2014-12-02T16:18:00.000Z")"),
            std::string::npos);
  // restriction="green" on the Incident marks every object TLP:GREEN (TLP 2.0).
  for (const auto& o : parsed->objects) {
    ASSERT_TRUE(o.tlp.has_value()) << o.id;
    EXPECT_EQ(*o.tlp, model::Tlp::kGreen) << o.id;
  }
}

TEST(IodefImport, PrivateRestrictionIsTlpRed) {
  auto parsed = ImportIodef(Example("rfc7970/RFC7970_MinimalIODEF.xml"), Options());
  ASSERT_TRUE(parsed.has_value());
  auto incidents = OfType(*parsed, "incident");
  ASSERT_EQ(incidents.size(), 1u);
  EXPECT_EQ(incidents[0]->tlp, model::Tlp::kRed);
  // A Contact with only an e-mail address is named by it.
  EXPECT_TRUE(AnyJsonHas(*parsed, "identity", R"("name":"contact@csirt.example.com")"));
}

std::string MinimalWithRestriction(const std::string& restriction) {
  std::string xml = Example("rfc7970/RFC7970_MinimalIODEF.xml");
  std::string from = R"(restriction="private")";
  xml.replace(xml.find(from), from.size(), restriction);
  return xml;
}

// The IODEF restriction values and the TLP names carried in ext-restriction map onto TLP 2.0.
TEST(IodefImport, RestrictionValuesMapToTlp2) {
  struct Case {
    std::string attributes;
    std::optional<model::Tlp> tlp;
  };
  const Case cases[] = {
      {R"(restriction="public")", model::Tlp::kClear},
      {R"(restriction="white")", model::Tlp::kClear},
      {R"(restriction="partner")", model::Tlp::kGreen},
      {R"(restriction="green")", model::Tlp::kGreen},
      {R"(restriction="amber")", model::Tlp::kAmber},
      {R"(restriction="need-to-know")", model::Tlp::kAmberStrict},
      {R"(restriction="red")", model::Tlp::kRed},
      {R"(restriction="ext-value" ext-restriction="clear")", model::Tlp::kClear},
      {R"(restriction="ext-value" ext-restriction="amber-strict")", model::Tlp::kAmberStrict},
      {R"(restriction="ext-value" ext-restriction="TLP:AMBER+STRICT")", model::Tlp::kAmberStrict},
      {R"(restriction="default")", std::nullopt},
  };
  for (const auto& c : cases) {
    auto parsed = ImportIodef(MinimalWithRestriction(c.attributes), Options());
    ASSERT_TRUE(parsed.has_value()) << c.attributes << ": " << parsed.error().message;
    auto incidents = OfType(*parsed, "incident");
    ASSERT_EQ(incidents.size(), 1u) << c.attributes << "\n" << Findings(*parsed);
    EXPECT_EQ(incidents[0]->tlp, c.tlp) << c.attributes;
  }
  // An ext-restriction socmesh does not know: unmarked, with a warning naming it.
  auto parsed = ImportIodef(
      MinimalWithRestriction(R"(restriction="ext-value" ext-restriction="secret-club")"),
      Options());
  ASSERT_TRUE(parsed.has_value());
  EXPECT_FALSE(OfType(*parsed, "incident")[0]->tlp.has_value());
  EXPECT_NE(Findings(*parsed).find("ext-value"), std::string::npos);
}

// Re-importing the same document gives byte-identical objects (ids from the IncidentID), so the
// store sees "already stored" instead of duplicates.
TEST(IodefImport, ReimportIsIdempotent) {
  std::string xml = Example("iodef-converter/LongLongExample.xml");
  auto first = ImportIodef(xml, Options());
  auto second = ImportIodef(xml, Options());
  ASSERT_TRUE(first.has_value() && second.has_value());
  ASSERT_EQ(first->objects.size(), second->objects.size());
  EXPECT_EQ(first->input_objects, 4u);  // four Incidents
  EXPECT_EQ(first->rejected, 0u) << Findings(*first);
  for (size_t i = 0; i < first->objects.size(); ++i) {
    EXPECT_EQ(first->objects[i].canonical_json, second->objects[i].canonical_json);
  }
  std::set<std::string> ids;
  for (const auto& o : first->objects) EXPECT_TRUE(ids.insert(o.id).second) << "duplicate " << o.id;
}

// One invalid Incident is rejected with its line; the valid Incident beside it is kept.
TEST(IodefImport, KeepsTheValidIncidentsOfADocument) {
  std::string xml = Example("rfc7970/RFC7970_MinimalIODEF.xml");
  size_t start = xml.find("<Incident ");
  size_t end = xml.find("</Incident>") + std::string("</Incident>").size();
  std::string incident = xml.substr(start, end - start);
  std::string broken = incident;
  broken.replace(broken.find("492382"), 6, "492383");
  broken.replace(broken.find("<GenerationTime>"), 16, "<GenerationTime>not-a-time");
  xml.insert(end, "\n" + broken);
  auto parsed = ImportIodef(xml, Options());
  ASSERT_TRUE(parsed.has_value()) << parsed.error().message;
  EXPECT_EQ(parsed->input_objects, 2u);
  EXPECT_EQ(parsed->rejected, 1u);
  ASSERT_EQ(OfType(*parsed, "incident").size(), 1u);
  EXPECT_NE(OfType(*parsed, "incident")[0]->canonical_json.find("492382"), std::string::npos);
  bool located = false;
  for (const auto& f : parsed->findings) {
    if (f.diagnostic.severity != model::Severity::kError) continue;
    EXPECT_EQ(f.index, 1u);
    EXPECT_TRUE(f.diagnostic.message.starts_with("line 1")) << f.diagnostic.message;
    located = located || f.diagnostic.path.find("Incident[2]/GenerationTime") != std::string::npos;
  }
  EXPECT_TRUE(located) << Findings(*parsed);
  ImportOptions strict = Options();
  strict.strict = true;
  auto refused = ImportIodef(xml, strict);
  ASSERT_TRUE(refused.has_value());
  EXPECT_TRUE(refused->objects.empty());
}

TEST(IodefImport, UnresolvableReferenceIsAWarningNotACrash) {
  std::string xml = Example("iodef-guidance/GuidanceDraft_Malware.xml");
  xml.replace(xml.find(R"(uid-ref="addr-c2-91011-001")"), 27, R"(uid-ref="nowhere-0000000")");
  ImportOptions o = Options();
  o.validate = false;  // xs:IDREF would reject it first
  auto parsed = ImportIodef(xml, o);
  ASSERT_TRUE(parsed.has_value());
  EXPECT_EQ(parsed->rejected, 0u);
  EXPECT_NE(Findings(*parsed).find("nowhere-0000000"), std::string::npos);
  EXPECT_EQ(OfType(*parsed, "indicator").size(), 1u);  // an "or": the rest still forms a pattern
}

// The schemas socmesh ships (data/iodef/schemas) are byte for byte the ones VALIDATION.md was
// established with, and the build's default directory is the shipped one.
TEST(IodefImport, ShippedSchemasAreTheValidatedOnesAndTheDefault) {
  const std::filesystem::path shipped =
      std::filesystem::path(SOCMESH_SOURCE_DIR) / "data/iodef/schemas";
  size_t compared = 0;
  for (const auto& entry : std::filesystem::directory_iterator(shipped)) {
    const std::string name = entry.path().filename().string();
    if (name == "NOTICE.md") continue;
    EXPECT_EQ(ReadFile(entry.path()), ReadFile(DataPath("iodef/schemas/" + name))) << name;
    ++compared;
  }
  EXPECT_EQ(compared, 8u);
  if (std::getenv("SOCMESH_IODEF_SCHEMAS") == nullptr) {
    EXPECT_EQ(std::filesystem::canonical(DefaultSchemaDir()), std::filesystem::canonical(shipped));
  }
  const ImportOptions o;  // schema_dir = DefaultSchemaDir()
  auto ok = ImportIodef(Example("rfc7970/RFC7970_MinimalIODEF.xml"), o);
  EXPECT_TRUE(ok.has_value()) << ok.error().message;
}

TEST(IodefImport, MissingSchemaDirectoryIsAnIoError) {
  ImportOptions o = Options();
  o.schema_dir = "/nonexistent/iodef-schemas";
  auto parsed = ImportIodef(Example("rfc7970/RFC7970_MinimalIODEF.xml"), o);
  ASSERT_FALSE(parsed.has_value());
  EXPECT_EQ(parsed.error().code, ErrorCode::kIo);
  EXPECT_NE(parsed.error().message.find("/nonexistent/iodef-schemas"), std::string::npos);
}

}  // namespace
}  // namespace socmesh::formats::iodef

namespace socmesh::formats::iodef {
namespace {

// A Method naming a CVE is a vulnerability (with the CVE as external id), not an attack pattern;
// it survives export and re-import as one.
TEST(IodefImport, CveMethodBecomesVulnerability) {
  std::string xml = Example("iodef-guidance/GuidanceDraft_SpearPhishing.xml");
  xml.replace(xml.find("<iodef:Description>Zeus</iodef:Description>"), 44,
              "<iodef:Description>CVE-2021-44228</iodef:Description>");
  auto parsed = ImportIodef(xml, Options());
  ASSERT_TRUE(parsed.has_value()) << parsed.error().message;
  auto vulnerabilities = OfType(*parsed, "vulnerability");
  ASSERT_EQ(vulnerabilities.size(), 1u) << Findings(*parsed);
  EXPECT_NE(vulnerabilities[0]->canonical_json.find(
                R"({"external_id":"CVE-2021-44228","source_name":"cve"})"),
            std::string::npos)
      << vulnerabilities[0]->canonical_json;
  EXPECT_TRUE(OfType(*parsed, "attack-pattern").empty());
  auto exported = ExportIodef(parsed->objects);
  ASSERT_TRUE(exported.has_value());
  auto again = ImportIodef(exported->xml, Options());
  ASSERT_TRUE(again.has_value());
  EXPECT_EQ(OfType(*again, "vulnerability").size(), 1u);
}

}  // namespace
}  // namespace socmesh::formats::iodef
