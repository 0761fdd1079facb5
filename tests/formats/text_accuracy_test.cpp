// Accuracy of free-text extraction on real reports (issue 3 item 4: precision and recall >= 0.95).
//
// Ground truth, derived independently of the extractor:
//  - ESET IOC write-ups (../shared/data/text/eset-malware-ioc-reports): the distinct indicators of
//    each report, in tests/formats/text_truth/<report>.tsv, produced by derive_truth.py (token
//    classification in Python with the `ipaddress` module and the public-suffix list file) and
//    reviewed by hand against the reports (decisions in text_truth/README.md).
//  - iocextract's own test corpus (InQuest/iocextract test_data: input.txt with valid.txt, the raw
//    strings its extractor must report, and invalid.txt, those it must not), read in place (GPL).
// Requirement B2b.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "common/test_data.hpp"
#include "formats/text/text_extractor.hpp"

namespace socmesh::formats::text {
namespace {

using Item = std::pair<std::string, std::string>;  // (kind name, normalised value)

constexpr double kPrecisionTarget = 0.95;
constexpr double kRecallTarget = 0.95;

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (!line.empty()) out.push_back(line);
  }
  return out;
}

std::set<Item> ReadTruth(const std::filesystem::path& tsv) {
  std::set<Item> out;
  for (const std::string& line : Lines(socmesh::testing::ReadFile(tsv))) {
    const size_t tab = line.find('\t');
    if (tab != std::string::npos) out.emplace(line.substr(0, tab), line.substr(tab + 1));
  }
  return out;
}

std::set<Item> Extracted(const std::string& text) {
  std::set<Item> out;
  Result<std::vector<TextHit>> hits = ExtractIndicators(text);
  EXPECT_TRUE(hits.has_value()) << hits.error().message;
  if (!hits) return out;
  for (const TextHit& hit : *hits) out.emplace(HitKindName(hit.kind), hit.value);
  return out;
}

TEST(TextAccuracyTest, EsetReportsPrecisionAndRecall) {
  const std::filesystem::path truth_dir =
      std::filesystem::path(SOCMESH_SOURCE_DIR) / "tests/formats/text_truth";
  std::vector<std::filesystem::path> tsvs;
  for (const auto& entry : std::filesystem::directory_iterator(truth_dir)) {
    if (entry.path().extension() == ".tsv") tsvs.push_back(entry.path());
  }
  std::sort(tsvs.begin(), tsvs.end());
  ASSERT_EQ(tsvs.size(), 8u) << "one truth file per ESET report";

  size_t tp = 0;
  size_t fp = 0;
  size_t fn = 0;
  for (const auto& tsv : tsvs) {
    const std::string report = tsv.stem().string();
    const std::set<Item> truth = ReadTruth(tsv);
    const std::set<Item> found = Extracted(socmesh::testing::ReadFile(
        socmesh::testing::DataPath("text/eset-malware-ioc-reports/" + report + ".README.adoc")));
    size_t doc_tp = 0;
    for (const Item& item : found) {
      if (truth.contains(item)) {
        ++doc_tp;
      } else {
        ++fp;
        std::printf("  false positive in %s: %s %s\n", report.c_str(), item.first.c_str(),
                    item.second.c_str());
      }
    }
    for (const Item& item : truth) {
      if (!found.contains(item)) {
        ++fn;
        std::printf("  missed in %s: %s %s\n", report.c_str(), item.first.c_str(),
                    item.second.c_str());
      }
    }
    tp += doc_tp;
    std::printf("%-18s truth %4zu  found %4zu  correct %4zu\n", report.c_str(), truth.size(),
                found.size(), doc_tp);
  }
  const double precision = static_cast<double>(tp) / static_cast<double>(tp + fp);
  const double recall = static_cast<double>(tp) / static_cast<double>(tp + fn);
  std::printf(
      "ESET reports: %zu true, %zu false positives, %zu missed: precision %.4f, recall %.4f\n", tp,
      fp, fn, precision, recall);
  RecordProperty("precision", std::to_string(precision));
  RecordProperty("recall", std::to_string(recall));
  EXPECT_GE(precision, kPrecisionTarget);
  EXPECT_GE(recall, kRecallTarget);
}

// iocextract's corpus is judged on raw strings, as its own test does: every line of valid.txt must
// be the exact text of a hit, no line of invalid.txt may be. Lines of kinds socmesh does not
// extract (telephone numbers) are left out of recall.
TEST(TextAccuracyTest, IocextractCorpus) {
  const std::string input =
      socmesh::testing::ReadFile(socmesh::testing::DataPath("text/iocextract-test-data/input.txt"));
  const std::vector<std::string> valid = Lines(socmesh::testing::ReadFile(
      socmesh::testing::DataPath("text/iocextract-test-data/valid.txt")));
  const std::vector<std::string> invalid = Lines(socmesh::testing::ReadFile(
      socmesh::testing::DataPath("text/iocextract-test-data/invalid.txt")));
  ASSERT_FALSE(valid.empty());

  Result<std::vector<TextHit>> hits = ExtractIndicators(input);
  ASSERT_TRUE(hits.has_value()) << hits.error().message;
  std::set<std::string> raw;
  for (const TextHit& hit : *hits) raw.insert(input.substr(hit.offset, hit.length));

  auto is_phone = [](const std::string& line) {
    return line.find_first_not_of("0123456789-() ") == std::string::npos;
  };
  size_t expected = 0;
  size_t found = 0;
  for (const std::string& line : valid) {
    if (is_phone(line)) continue;
    ++expected;
    if (raw.contains(line)) {
      ++found;
    } else {
      std::printf("  missed: %s\n", line.c_str());
    }
  }
  size_t wrong = 0;
  for (const std::string& line : invalid) {
    if (raw.contains(line)) {
      ++wrong;
      std::printf("  reported although invalid: %s\n", line.c_str());
    }
  }
  size_t judged_correct = 0;
  for (const std::string& r : raw) {
    judged_correct += std::find(valid.begin(), valid.end(), r) != valid.end();
  }
  const double recall = static_cast<double>(found) / static_cast<double>(expected);
  const double precision =
      static_cast<double>(judged_correct) / static_cast<double>(judged_correct + wrong);
  std::printf(
      "iocextract corpus: %zu of %zu valid found (recall %.4f); %zu invalid reported; "
      "precision over judged hits %.4f; %zu distinct hits\n",
      found, expected, recall, wrong, precision, raw.size());
  RecordProperty("recall", std::to_string(recall));
  EXPECT_EQ(wrong, 0u);
  EXPECT_GE(recall, kRecallTarget);
}

}  // namespace
}  // namespace socmesh::formats::text
