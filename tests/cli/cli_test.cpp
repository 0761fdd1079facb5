// End-to-end tests of the socmesh binary: run it as a user would, check exit codes, output and the
// resulting store (Zeek btest style, with expectations written inline).
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <set>
#include <string>
#include <vector>

#include "common/run_socmesh.hpp"
#include "common/test_data.hpp"
#include "model/bundle.hpp"

namespace socmesh::cli {
namespace {

using socmesh::testing::DataPath;
using socmesh::testing::ReadFile;
using socmesh::testing::RunResult;
using socmesh::testing::RunSocmesh;
using socmesh::testing::ShellQuote;
using socmesh::testing::TempDir;

class CliTest : public ::testing::Test {
 protected:
  RunResult Run(const std::vector<std::string>& args, const std::string& stdin_file = "/dev/null") {
    std::vector<std::string> all = {"--store", store_};
    all.insert(all.end(), args.begin(), args.end());
    return RunSocmesh(all, dir_.path(), stdin_file);
  }

  int64_t StoredVersions() {
    RunResult r = Run({"stats", "--json"});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    auto pos = r.out.find("\"object_versions\":");
    if (pos == std::string::npos) return -1;
    return std::stoll(r.out.substr(pos + 18));
  }

  TempDir dir_;
  std::string store_ = (dir_.path() / "store.db").string();
};

// The set of canonical objects in a bundle file, as the parser sees them.
std::multiset<std::string> CanonicalObjects(const std::string& json) {
  auto parsed = model::ParseBundle(json);
  EXPECT_TRUE(parsed.has_value());
  std::multiset<std::string> out;
  if (parsed) {
    for (const auto& o : parsed->objects) out.insert(o.canonical_json);
  }
  return out;
}

TEST_F(CliTest, IngestsRealDirectoryAndCountsVersions) {
  RunResult r = Run({"ingest", DataPath("stix/oasis-cti-documentation-examples").string()});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("total: 9 file(s)"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("0 rejected"), std::string::npos) << r.out;
  EXPECT_GT(StoredVersions(), 30);
}

TEST_F(CliTest, IngestingTwiceChangesNothing) {
  const std::string input = DataPath("stix/mitre-attack-stix-data/ics-attack-18.1.json").string();
  RunResult first = Run({"ingest", input});
  ASSERT_EQ(first.exit_code, 0) << first.err;
  EXPECT_NE(first.out.find("1826 stored"), std::string::npos) << first.out;
  const int64_t versions = StoredVersions();
  EXPECT_EQ(versions, 1826);
  RunResult second = Run({"ingest", input});
  EXPECT_EQ(second.exit_code, 0) << second.err;
  EXPECT_NE(second.out.find("0 stored, 1826 already present"), std::string::npos) << second.out;
  EXPECT_EQ(StoredVersions(), versions);
}

TEST_F(CliTest, ExportRoundTripIsJcsIdentical) {
  const std::string input = DataPath("stix/mitre-attack-stix-data/ics-attack-18.1.json").string();
  ASSERT_EQ(Run({"ingest", input}).exit_code, 0);
  const std::string exported = (dir_.path() / "export.json").string();
  RunResult r = Run({"export", "--all-versions", "-o", exported});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  // The exported bundle itself is valid STIX and holds exactly the ingested objects, byte for byte
  // in canonical form.
  EXPECT_EQ(CanonicalObjects(ReadFile(exported)), CanonicalObjects(ReadFile(input)));
  auto objects = CanonicalObjects(ReadFile(exported));
  for (const auto& o : objects) {
    EXPECT_NE(ReadFile(exported).find(o), std::string::npos);
    break;  // the exported text contains the canonical form verbatim (checked on one)
  }
}

TEST_F(CliTest, RejectedObjectIsReportedWithFileIndexIdAndReason) {
  const std::string input =
      DataPath("stix/oasis-stix-validator-test-examples/invalid_timestamp.json").string();
  RunResult r = Run({"ingest", input});
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_NE(r.err.find("invalid_timestamp.json: rejected object 0 "
                       "(identity--8c6af861-7b20-41ef-9b59-6344fd872a8f): $.modified"),
            std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find("earlier than created"), std::string::npos) << r.err;
  EXPECT_EQ(StoredVersions(), 0);
}

TEST_F(CliTest, InvalidJsonFileIsNamedAndOthersStillIngested) {
  RunResult r = Run(
      {"ingest", DataPath("stix/oasis-stix-validator-test-examples/invalid_comma.json").string(),
       DataPath("stix/oasis-stix-validator-test-examples/identity.json").string()});
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_NE(r.err.find("invalid_comma.json"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("not valid JSON"), std::string::npos) << r.err;
  EXPECT_EQ(StoredVersions(), 1);
}

TEST_F(CliTest, ValidRestIsStoredUnlessStrict) {
  const std::string input =
      DataPath("stix/oasis-cti-python-stix2/sco-examples-bundle.json").string();
  RunResult strict = Run({"ingest", "--strict", input});
  EXPECT_EQ(strict.exit_code, 3);
  EXPECT_EQ(StoredVersions(), 0);
  RunResult lenient = Run({"ingest", input});
  EXPECT_EQ(lenient.exit_code, 3);
  EXPECT_GT(StoredVersions(), 60);
}

TEST_F(CliTest, ReportFileListsEveryFinding) {
  const std::string report = (dir_.path() / "report.json").string();
  RunResult r = Run({"ingest", "--report", report,
                     DataPath("stix/oasis-cti-python-stix2/sco-examples-bundle.json").string()});
  EXPECT_EQ(r.exit_code, 3);
  std::string text = ReadFile(report);
  EXPECT_NE(text.find("\"severity\":\"error\""), std::string::npos);
  EXPECT_NE(text.find("base64"), std::string::npos);
  EXPECT_NE(text.find("\"rejected\":"), std::string::npos);
}

TEST_F(CliTest, ReadsStandardInput) {
  RunResult r = Run({"ingest", "-"},
                    DataPath("stix/oasis-stix-validator-test-examples/identity.json").string());
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(StoredVersions(), 1);
}

TEST_F(CliTest, GetSearchAndExitCodes) {
  ASSERT_EQ(Run({"ingest", DataPath("stix/oasis-stix2-json-schemas-examples").string()}).exit_code,
            0);
  RunResult search = Run({"search", "--value", "HUGESOFT.org"});
  EXPECT_EQ(search.exit_code, 0) << search.err;
  ASSERT_NE(search.out.find("indicator--"), std::string::npos) << search.out;
  const std::string id = search.out.substr(search.out.find("indicator--"), 47);

  RunResult get = Run({"get", id});
  EXPECT_EQ(get.exit_code, 0) << get.err;
  EXPECT_NE(get.out.find("hugesoft.org"), std::string::npos);

  EXPECT_EQ(Run({"get", "indicator--00000000-0000-4000-8000-000000000000"}).exit_code, 4);
  EXPECT_EQ(Run({"get", "not-an-id"}).exit_code, 2);
  EXPECT_EQ(Run({"search", "--since", "last tuesday"}).exit_code, 2);
  EXPECT_EQ(Run({"frobnicate"}).exit_code, 2);
  EXPECT_EQ(Run({"ingest", "/nonexistent/file.json"}).exit_code, 1);

  RunResult by_type = Run({"search", "--type", "threat-actor", "--json"});
  EXPECT_EQ(by_type.exit_code, 0);
  EXPECT_NE(by_type.out.find("\"type\":\"threat-actor\""), std::string::npos);
  EXPECT_EQ(by_type.out.find("\"type\":\"indicator\""), std::string::npos);
}

}  // namespace
}  // namespace socmesh::cli

namespace socmesh::cli {
namespace {

// `ingest --format auto` (B2a) on one real file of every format: each is recognised, mapped and
// stored, and a second ingest of the same file stores nothing new (deterministic ids).
TEST_F(CliTest, IngestsEveryFormatAutoDetectedAndIdempotently) {
  const std::vector<std::pair<std::string, std::string>> inputs = {
      {"misp", DataPath("misp/eset-malware-ioc/turla_misp-turla-outlook-event.json").string()},
      {"iodef", DataPath("iodef/examples/rfc7970/RFC7970_CampaignIndicator.xml").string()},
      {"csv", DataPath("feeds/abuse.ch-feodotracker/ipblocklist.csv").string()},
  };
  int64_t before = 0;  // no store yet
  for (const auto& [format, path] : inputs) {
    std::vector<std::string> args = {"ingest", path};
    if (format == "csv") args = {"ingest", "--preset", "feodo", path};
    RunResult r = Run(args);
    EXPECT_EQ(r.exit_code, 0) << format << ": " << r.err << r.out;
    const int64_t after = StoredVersions();
    EXPECT_GT(after, before) << format << " stored nothing";
    r = Run(args);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(StoredVersions(), after) << format << ": re-ingest changed the store";
    before = after;
  }
  // Feodo Tracker lists 28 C2 addresses; each became an indicator findable by value.
  RunResult r = Run({"search", "--type", "indicator", "--value", "192.9.135.73"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("indicator--"), std::string::npos) << r.out;
}

TEST_F(CliTest, FreeTextAndAWrongFormatChoice) {
  const auto text = dir_.path() / "report.txt";
  {
    std::ofstream f(text);
    f << "The implant beacons to hxxps://update-check[.]example-bad[.]com/gate.php and "
         "203.0.113[.]77; it exploits CVE-2023-23397 (T1566.001). Dropper: report.pdf\n";
  }
  RunResult r = Run({"ingest", text.string()});
  EXPECT_EQ(r.exit_code, 0) << r.err << r.out;
  r = Run({"search", "--value", "203.0.113.77"});
  EXPECT_NE(r.out.find("indicator--"), std::string::npos) << r.out;
  r = Run({"search", "--type", "vulnerability", "--json"});
  EXPECT_NE(r.out.find("CVE-2023-23397"), std::string::npos) << r.out;
  // The PDF is a file name, not a domain.
  r = Run({"search", "--value", "report.pdf"});
  EXPECT_EQ(r.out.find("indicator--"), std::string::npos) << r.out;
  // Forcing a format that does not fit is a clear rejection of that file (exit 3).
  r = Run({"ingest", "--format", "iodef", text.string()});
  EXPECT_EQ(r.exit_code, 3) << r.err;
  EXPECT_NE(r.err.find("report.txt"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace socmesh::cli

namespace socmesh::cli {
namespace {

// `export --format` (B2b): what was ingested from MISP, IODEF and a feed leaves as a MISP event,
// an IODEF document that the independent xmllint accepts against the RFC 7970 schema, and CSV.
TEST_F(CliTest, ExportsMispIodefAndCsv) {
  ASSERT_EQ(
      Run({"ingest", DataPath("iodef/examples/rfc7970/RFC7970_CampaignIndicator.xml").string()})
          .exit_code,
      0);
  ASSERT_EQ(Run({"ingest", "--preset", "feodo",
                 DataPath("feeds/abuse.ch-feodotracker/ipblocklist.csv").string()})
                .exit_code,
            0);
  const auto xml = (dir_.path() / "out.xml").string();
  RunResult r = Run({"export", "--format", "iodef", "-o", xml});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto schemas = DataPath("iodef/schemas");
  const std::string check = "XML_CATALOG_FILES=" + ShellQuote((schemas / "catalog.xml").string()) +
                            " xmllint --nonet --noout --schema " +
                            ShellQuote((schemas / "iodef-2.0.errata-applied.xsd").string()) + " " +
                            ShellQuote(xml) + " >/dev/null 2>&1";
  EXPECT_EQ(std::system(check.c_str()), 0) << "xmllint refused the export";
  EXPECT_NE(ReadFile(xml).find("192.9.135.73"), std::string::npos);

  r = Run({"export", "--format", "csv", "--type", "indicator"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out.rfind("value,kind,first_seen,labels,tlp", 0), 0u) << r.out.substr(0, 80);
  EXPECT_NE(r.out.find("192.9.135.73,ipv4"), std::string::npos);

  r = Run({"export", "--format", "misp", "--type", "indicator"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out.rfind("{\"Event\"", 0), 0u) << r.out.substr(0, 80);
  EXPECT_NE(r.out.find("192.9.135.73"), std::string::npos);

  r = Run({"export", "--format", "yaml"});
  EXPECT_EQ(r.exit_code, 2);
}

}  // namespace
}  // namespace socmesh::cli
