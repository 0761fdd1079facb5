// Every STIX indicator pattern in the shared real data parses (issue 7 item 4, requirement B2c),
// and the index hints agree with the independent pattern scanner of model/observable.cpp.
//
// Oracle for the corpus size: a python3 scan of the same directory (every JSON value that is an
// object with "type": "indicator", a string "pattern" and pattern_type "stix" or none):
//   python3 - <<'EOF'  (walk ../shared/data, json.load each *.json, recurse)  -> 207 patterns
// The OASIS validator's verdict on the bundles that hold them (VALIDATION.md): valid, so every
// pattern must parse.
#include <gtest/gtest.h>
#include <simdjson.h>

#include <algorithm>
#include <filesystem>
#include <iostream>
#include <string>
#include <vector>

#include "common/test_data.hpp"
#include "model/observable.hpp"
#include "model/pattern.hpp"
#include "model/pattern_match.hpp"

namespace socmesh::model {
namespace {

struct CorpusPattern {
  std::string file;
  std::string text;
};

void Collect(simdjson::dom::element e, const std::string& file, std::vector<CorpusPattern>& out,
             int depth) {
  if (depth > 64) return;
  simdjson::dom::object object;
  simdjson::dom::array array;
  if (e.get_object().get(object) == simdjson::SUCCESS) {
    std::string_view type, pattern, pattern_type = "stix";
    if (object["type"].get_string().get(type) == simdjson::SUCCESS && type == "indicator" &&
        object["pattern"].get_string().get(pattern) == simdjson::SUCCESS) {
      if (object["pattern_type"].get_string().get(pattern_type) != simdjson::SUCCESS) {
        pattern_type = "stix";
      }
      if (pattern_type == "stix") out.push_back({file, std::string(pattern)});
    }
    for (auto field : object) Collect(field.value, file, out, depth + 1);
  } else if (e.get_array().get(array) == simdjson::SUCCESS) {
    for (simdjson::dom::element item : array) Collect(item, file, out, depth + 1);
  }
}

const std::vector<CorpusPattern>& Corpus() {
  static const std::vector<CorpusPattern> corpus = [] {
    std::vector<CorpusPattern> out;
    std::vector<std::filesystem::path> files;
    for (const auto& entry :
         std::filesystem::recursive_directory_iterator(socmesh::testing::DataDir())) {
      if (entry.is_regular_file() && entry.path().extension() == ".json") {
        files.push_back(entry.path());
      }
    }
    std::sort(files.begin(), files.end());
    simdjson::dom::parser parser;
    for (const auto& path : files) {
      simdjson::padded_string json;
      if (simdjson::padded_string::load(path.string()).get(json) != simdjson::SUCCESS) continue;
      simdjson::dom::element root;
      if (parser.parse(json).get(root) != simdjson::SUCCESS) continue;  // deliberately broken
      Collect(root, path.lexically_relative(socmesh::testing::DataDir()).string(), out, 0);
    }
    return out;
  }();
  return corpus;
}

TEST(PatternDataTest, EveryIndicatorPatternInTheSharedDataParses) {
  const auto& corpus = Corpus();
  EXPECT_EQ(corpus.size(), 207u);
  size_t parsed = 0;
  for (const CorpusPattern& c : corpus) {
    Result<Pattern> p = ParsePattern(c.text);
    EXPECT_TRUE(p.has_value()) << c.file << ": " << c.text << "\n  " << p.error().message;
    if (!p) continue;
    ++parsed;
    // Printing and parsing again gives the same tree.
    const std::string once = FormatPattern(*p);
    Result<Pattern> again = ParsePattern(once);
    ASSERT_TRUE(again.has_value()) << once << ": " << again.error().message;
    EXPECT_EQ(FormatPattern(*again), once);
  }
  EXPECT_EQ(parsed, corpus.size());
}

// Two independent readings of the same text: the index hints of the full parser, and
// ExtractPatternObservables' token scanner. Every hint must be one of the scanner's equality
// observables (the scanner takes every equality; the hints only the necessary ones).
TEST(PatternDataTest, IndexHintsAreAmongTheEqualityObservablesTheScannerFinds) {
  size_t indexable = 0, keys = 0;
  for (const CorpusPattern& c : Corpus()) {
    Result<Pattern> p = ParsePattern(c.text);
    if (!p) continue;  // reported by the test above
    const std::vector<Observable> scanned = ExtractPatternObservables(c.text);
    for (const PatternIndexHint& hint : IndexHints(*p)) {
      if (!hint.indexable) continue;
      ++indexable;
      for (const PatternIndexKey& key : hint.any_of) {
        ++keys;
        EXPECT_NE(std::find(scanned.begin(), scanned.end(), key.observable), scanned.end())
            << c.file << ": " << c.text << "\n  hint " << ObservableKindName(key.observable.kind)
            << " " << key.observable.value;
      }
    }
  }
  // Most real indicators are IOC lists: most expressions must be indexable.
  std::cout << "indexable observation expressions: " << indexable << ", keys: " << keys << "\n";
  EXPECT_GT(indexable, 140u);
  EXPECT_GE(keys, indexable);
}

// A single-comparison equality pattern needs exactly what the scanner extracts.
TEST(PatternDataTest, SimpleEqualityPatternsGiveExactlyTheScannedObservable) {
  size_t checked = 0;
  for (const CorpusPattern& c : Corpus()) {
    Result<Pattern> p = ParsePattern(c.text);
    if (!p || p->comparisons.size() != 1 || p->comparisons[0].op != PatternOperator::kEqual) {
      continue;
    }
    const std::vector<PatternIndexHint> hints = IndexHints(*p);
    const std::vector<Observable> scanned = ExtractPatternObservables(c.text);
    ASSERT_EQ(hints.size(), 1u);
    std::vector<Observable> hinted;
    for (const PatternIndexKey& k : hints[0].any_of) hinted.push_back(k.observable);
    EXPECT_EQ(hinted, scanned) << c.text;
    ++checked;
  }
  EXPECT_GT(checked, 50u);
}

}  // namespace
}  // namespace socmesh::model
