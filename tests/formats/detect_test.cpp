// Format auto-detection (`socmesh ingest --format auto`, B2a) on the real files of every format.
#include "formats/detect.hpp"

#include <gtest/gtest.h>

#include <filesystem>

#include "common/test_data.hpp"

namespace socmesh::formats {
namespace {

Format Detect(const std::string& relative) {
  auto bytes = testing::ReadFile(testing::DataPath(relative));
  auto f = DetectFormat(bytes, relative);
  EXPECT_TRUE(f.has_value()) << relative << ": " << f.error().message;
  return f.value_or(Format::kText);
}

// Every file under a shared-data directory with one of the extensions is detected as `expected`.
size_t ExpectAll(const std::string& dir, std::initializer_list<std::string_view> extensions,
                 Format expected) {
  size_t n = 0;
  for (const auto& e : std::filesystem::recursive_directory_iterator(testing::DataPath(dir))) {
    if (!e.is_regular_file()) continue;
    const auto ext = e.path().extension().string();
    if (std::find(extensions.begin(), extensions.end(), ext) == extensions.end()) continue;
    auto bytes = testing::ReadFile(e.path().string());
    auto f = DetectFormat(bytes, e.path().filename().string());
    EXPECT_TRUE(f.has_value()) << e.path() << ": " << f.error().message;
    if (f) {
      EXPECT_EQ(FormatName(*f), FormatName(expected)) << e.path();
    }
    ++n;
  }
  return n;
}

TEST(DetectTest, StixFilesAreStix) {
  EXPECT_GT(ExpectAll("stix/oasis-cti-documentation-examples", {".json"}, Format::kStix), 5u);
  EXPECT_EQ(Detect("stix/mitre-attack-stix-data/ics-attack-18.1.json"), Format::kStix);
}

TEST(DetectTest, MispEventsRestAnswersAndFeedManifestsAreMisp) {
  EXPECT_GT(ExpectAll("misp/eset-malware-ioc", {".json"}, Format::kMisp), 0u);
  EXPECT_EQ(DetectFormat(R"({"response": [{"Event": {"info": "x"}}]})").value(), Format::kMisp);
  EXPECT_EQ(DetectFormat(R"([{"Event": {"info": "x"}}])").value(), Format::kMisp);
  EXPECT_EQ(DetectFormat(R"({"5b0d3e8e-4c1c-4f5b-9d3a-0a5e3c2b1a00": {"info": "phishing",
           "Orgc": {}}})")
                .value(),
            Format::kMisp);
}

TEST(DetectTest, IodefDocumentsAreIodefAndOtherXmlIsRefused) {
  EXPECT_GT(ExpectAll("iodef/examples", {".xml"}, Format::kIodef), 3u);
  auto other = DetectFormat("<?xml version=\"1.0\"?>\n<!-- c -->\n<rss version=\"2.0\"></rss>");
  ASSERT_FALSE(other.has_value());
  EXPECT_EQ(other.error().code, ErrorCode::kUnsupported);
  EXPECT_NE(other.error().message.find("<rss>"), std::string::npos);
}

TEST(DetectTest, FeedsAreCsv) {
  EXPECT_GT(ExpectAll("feeds/abuse.ch-feodotracker", {".csv", ".txt"}, Format::kCsv), 0u);
  EXPECT_GT(ExpectAll("feeds/stamparm-ipsum", {".txt"}, Format::kCsv), 0u);
  EXPECT_EQ(DetectFormat("# banner\n1.2.3.0/24 ; SBL1\n5.6.7.0/24 ; SBL2\n").value(), Format::kCsv);
  EXPECT_EQ(DetectFormat("a;b;c\n1;2;3\n4;5;6\n").value(), Format::kCsv);
}

TEST(DetectTest, ProseIsText) {
  EXPECT_EQ(DetectFormat("The actor used hxxp://evil[.]com/a, then moved laterally.\n"
                         "Hashes: d41d8cd98f00b204e9800998ecf8427e and others, see below.\n")
                .value(),
            Format::kText);
  EXPECT_EQ(DetectFormat("").value(), Format::kText);
  auto binary = DetectFormat(std::string_view("PK\x03\x04\0\0", 6));
  ASSERT_FALSE(binary.has_value());
  EXPECT_EQ(binary.error().code, ErrorCode::kUnsupported);
}

TEST(DetectTest, FormatNamesRoundTrip) {
  for (auto f : {Format::kStix, Format::kMisp, Format::kIodef, Format::kCsv, Format::kText}) {
    EXPECT_EQ(ParseFormatName(FormatName(f)), f);
  }
  EXPECT_FALSE(ParseFormatName("auto").has_value());
}

}  // namespace
}  // namespace socmesh::formats
