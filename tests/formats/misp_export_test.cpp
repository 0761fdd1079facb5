// MISP export (requirement B2b): exported events pass PyMISP's schema-lax.json (validated by the
// python3-jsonschema module, an independent implementation), and MISP -> STIX -> MISP keeps every
// attribute's type, category and value.
#include "formats/misp/misp_export.hpp"

#include <gtest/gtest.h>
#include <simdjson.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <tuple>

#include "common/test_data.hpp"
#include "formats/misp/misp_import.hpp"
#include "model/bundle.hpp"

namespace socmesh::formats::misp {
namespace {

using socmesh::testing::DataPath;
using socmesh::testing::ReadFile;
using socmesh::testing::TempDir;

using Triple = std::tuple<std::string, std::string, std::string>;  // type, category, value

// (type, category, value) of every attribute, top-level and in objects, of every event.
std::multiset<Triple> Attributes(std::string_view json) {
  std::multiset<Triple> out;
  simdjson::dom::parser parser;
  simdjson::dom::element root = parser.parse(json.data(), json.size());
  std::vector<simdjson::dom::object> events;
  simdjson::dom::array response;
  if (root["response"].get(response) == simdjson::SUCCESS) {
    for (auto e : response) events.push_back(e["Event"].get_object());
  } else {
    events.push_back(root["Event"].get_object());
  }
  auto add = [&](simdjson::dom::array attributes) {
    for (auto a : attributes) {
      out.emplace(std::string(a["type"].get_string().value()),
                  std::string(a["category"].get_string().value()),
                  std::string(a["value"].get_string().value()));
    }
  };
  for (auto e : events) {
    simdjson::dom::array list;
    if (e["Attribute"].get(list) == simdjson::SUCCESS) add(list);
    if (e["Object"].get(list) == simdjson::SUCCESS) {
      for (auto o : list) {
        simdjson::dom::array attributes;
        if (o["Attribute"].get(attributes) == simdjson::SUCCESS) add(attributes);
      }
    }
  }
  return out;
}

// Runs python3 jsonschema against schema-lax.json on `files`; returns the exit status and fills
// `output` with the validator's messages.
int ValidateSchemaLax(const std::vector<std::filesystem::path>& files, std::string* output) {
  std::string cmd =
      "python3 -c 'import json,sys,jsonschema\n"
      "s=json.load(open(sys.argv[1]))\n"
      "bad=0\n"
      "for f in sys.argv[2:]:\n"
      "  errs=list(jsonschema.Draft4Validator(s).iter_errors(json.load(open(f))))\n"
      "  for e in errs[:3]: print(f, list(e.path), e.message[:200])\n"
      "  bad+=bool(errs)\n"
      "print(\"checked\", len(sys.argv)-2)\n"
      "sys.exit(1 if bad else 0)' '" +
      DataPath("misp/pymisp-data/schema-lax.json").string() + "'";
  for (const auto& f : files) cmd += " '" + f.string() + "'";
  cmd += " 2>&1";
  FILE* p = popen(cmd.c_str(), "r");
  if (p == nullptr) return -1;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) output->append(buf, n);
  int status = pclose(p);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

bool HaveJsonschema() { return std::system("python3 -c 'import jsonschema' 2>/dev/null") == 0; }

std::vector<std::filesystem::path> RoundTripFiles() {
  std::vector<std::filesystem::path> files;
  for (const auto& e : std::filesystem::directory_iterator(DataPath("misp/eset-malware-ioc"))) {
    if (e.path().extension() == ".json") files.push_back(e.path());
  }
  for (const char* f : {"misp/pymisp-tests/reportlab_testfiles/galaxy_1.json",
                        "misp/pymisp-tests/reportlab_testfiles/long_event.json",
                        "misp/pymisp-tests/reportlab_testfiles/mainly_objects_1.json",
                        "misp/pymisp-tests/reportlab_testfiles/sighting_1.json",
                        "misp/misp-core-tests/event.json"}) {
    files.push_back(DataPath(f));
  }
  std::sort(files.begin(), files.end());
  return files;
}

// Import one event file, export each of its events.
std::vector<std::string> RoundTrip(const std::filesystem::path& file) {
  auto parsed = ImportMispJson(ReadFile(file));
  EXPECT_TRUE(parsed.has_value()) << file;
  if (!parsed) return {};
  // Split by container: each report/grouping and the objects before it (import order).
  std::vector<std::string> out;
  std::vector<model::StixObject> batch;
  for (auto& o : parsed->objects) {
    bool container = o.type == "report" || o.type == "grouping";
    batch.push_back(o);
    if (container) {
      auto exported = ExportMispEvent(batch);
      EXPECT_TRUE(exported.has_value()) << file;
      if (exported) {
        EXPECT_TRUE(exported->skipped.empty()) << file << ": " << exported->skipped.size()
                                               << " skipped, first " << exported->skipped.front();
        out.push_back(exported->json);
      }
      batch.clear();
    }
  }
  return out;
}

TEST(MispExport, RoundTripKeepsTypesCategoriesAndValues) {
  // B2b: MISP -> STIX -> MISP keeps attribute values, types and categories, for the real events.
  for (const auto& file : RoundTripFiles()) {
    auto before = Attributes(ReadFile(file));
    std::multiset<Triple> after;
    for (const auto& json : RoundTrip(file)) {
      auto part = Attributes(json);
      after.insert(part.begin(), part.end());
    }
    EXPECT_EQ(after.size(), before.size()) << file;
    EXPECT_TRUE(after == before) << file;
    if (after != before) {
      for (const auto& t : before) {
        if (!after.contains(t)) {
          ADD_FAILURE() << file << " lost " << std::get<0>(t) << " / " << std::get<1>(t) << " / "
                        << std::get<2>(t);
          break;
        }
      }
    }
  }
}

TEST(MispExport, ExportsPassPyMispSchemaLax) {
  // B2b: exported JSON passes PyMISP's schema-lax.json (python3-jsonschema, Draft 4).
  if (!HaveJsonschema()) {
    FAIL() << "python3 module jsonschema missing: run scripts/install-deps.sh";
  }
  TempDir dir;
  std::vector<std::filesystem::path> written;
  for (const auto& file : RoundTripFiles()) {
    size_t k = 0;
    for (const auto& json : RoundTrip(file)) {
      auto path = dir.path() / (file.stem().string() + "." + std::to_string(k++) + ".json");
      std::ofstream(path) << json;
      written.push_back(path);
    }
  }
  ASSERT_GE(written.size(), 14u);
  std::string output;
  EXPECT_EQ(ValidateSchemaLax(written, &output), 0) << output;
  EXPECT_NE(output.find("checked " + std::to_string(written.size())), std::string::npos) << output;

  // The validator does reject what the schema forbids (so a pass means something).
  auto bad = dir.path() / "bad.json";
  std::ofstream(bad)
      << R"({"Event": {"info": "x", "Attribute": [{"type": "ip-dst", "to_ids": "yes"}]}})";
  std::string bad_output;
  EXPECT_EQ(ValidateSchemaLax({bad}, &bad_output), 1) << bad_output;
}

TEST(MispExport, ForeignStixIndicatorsAndObservablesBecomeAttributes) {
  // STIX that did not come from MISP: the OASIS example bundle of a C2 IP indicator.
  auto bundle = model::ParseBundle(ReadFile(
      DataPath("stix/oasis-stix2-json-schemas-examples/indicator-for-c2-ip-address.json")));
  ASSERT_TRUE(bundle.has_value());
  auto exported = ExportMispEvent(bundle->objects);
  ASSERT_TRUE(exported.has_value()) << exported.error().message;
  EXPECT_GE(exported->attributes, 1u);
  auto attributes = Attributes(exported->json);
  bool found_ip = false;
  for (const auto& [type, category, value] : attributes) {
    found_ip = found_ip || (type == "ip-dst" && category == "Network activity");
  }
  EXPECT_TRUE(found_ip) << exported->json;
  ASSERT_TRUE(HaveJsonschema());
  TempDir dir;
  auto path = dir.path() / "foreign.json";
  std::ofstream(path) << exported->json;
  std::string output;
  EXPECT_EQ(ValidateSchemaLax({path}, &output), 0) << output;
}

TEST(MispExport, TlpBecomesTagAndDistribution) {
  auto parsed = ImportMispJson(ReadFile(
      DataPath("misp/misp-core-tests/feeds/misp/56bf399d-c46c-4fdb-a9cf-d9bb02de0b81.json")));
  ASSERT_TRUE(parsed.has_value());
  auto exported = ExportMispEvent(parsed->objects);
  ASSERT_TRUE(exported.has_value());
  simdjson::dom::parser parser;
  simdjson::dom::element event = parser.parse(exported->json)["Event"];
  EXPECT_EQ(event["uuid"].get_string().value(), "56bf399d-c46c-4fdb-a9cf-d9bb02de0b81");
  EXPECT_EQ(event["info"].get_string().value(),
            "OSINT - Hunting for Malware with Machine Learning");
  EXPECT_EQ(event["distribution"].get_string().value(), "3");  // TLP:CLEAR -> all communities
  EXPECT_TRUE(event["published"].get_bool().value());
  EXPECT_EQ(event["threat_level_id"].get_string().value(), "3");
  std::set<std::string> tags;
  for (auto t : event["Tag"].get_array()) tags.emplace(t["name"].get_string().value());
  EXPECT_TRUE(tags.contains("tlp:clear"));
  EXPECT_TRUE(tags.contains("type:OSINT"));
}

TEST(MispExport, NothingToExportIsAnError) {
  auto exported = ExportMispEvent({});
  ASSERT_FALSE(exported.has_value());
  EXPECT_EQ(exported.error().code, ErrorCode::kInvalidArgument);
}

}  // namespace
}  // namespace socmesh::formats::misp
