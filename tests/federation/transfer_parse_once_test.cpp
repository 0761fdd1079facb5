// Parse once (issue 6 item 2, performance): ParseTransfer validates each item's object straight
// from the transfer's DOM instead of minifying it out and parsing it again. That is only allowed
// because the result is the same: on the real STIX data of ../shared/data/stix (OASIS examples,
// python-stix2 and validator test cases, MITRE ATT&CK bundles; valid and invalid objects) the
// canonical JSON, digest, header fields, observables, error code and message, and every
// diagnostic are compared with the old path, model::ParseStixObject of the minified object.
#include <gtest/gtest.h>
#include <simdjson.h>

#include <algorithm>
#include <filesystem>
#include <span>
#include <string>
#include <vector>

#include "common/test_data.hpp"
#include "federation/wire.hpp"
#include "model/canonical_json.hpp"
#include "model/detail/stix_validator.hpp"

namespace socmesh::federation {
namespace {

namespace fs = std::filesystem;

// Every object of every JSON file under `dir` (bundles, single objects, arrays), minified as the
// old receiver saw it (ParseItem's simdjson::minify).
std::vector<std::string> ObjectTexts(const fs::path& dir) {
  std::vector<std::string> out;
  std::vector<fs::path> files;
  for (const auto& entry : fs::recursive_directory_iterator(dir)) {
    if (entry.is_regular_file() && entry.path().extension() == ".json") files.push_back(entry);
  }
  std::sort(files.begin(), files.end());
  simdjson::dom::parser parser;
  for (const auto& file : files) {
    simdjson::dom::element root;
    if (parser.load(file.string()).get(root)) continue;  // not JSON: no object to compare
    simdjson::dom::array objects;
    if (root["objects"].get_array().get(objects) == simdjson::SUCCESS) {
      for (auto o : objects) {
        if (o.is_object()) out.push_back(simdjson::minify(o));
      }
    } else if (root.is_object()) {
      out.push_back(simdjson::minify(root));
    } else if (root.get_array().get(objects) == simdjson::SUCCESS) {
      for (auto o : objects) {
        if (o.is_object()) out.push_back(simdjson::minify(o));
      }
    }
  }
  return out;
}

std::string TransferText(std::span<const std::string> objects) {
  std::string t =
      R"({"type":"socmesh-transfer","version":1,"transfer_id":"t-parse-once","sender":"CERT-DE",)"
      R"("receiver":"CERT-FR","sent_time":"2026-11-23T10:00:00.000000Z","items":[)";
  for (size_t i = 0; i < objects.size(); ++i) {
    t += (i ? "," : "") + std::string(R"({"object":)") + objects[i] + R"(,"proof":{"p":1}})";
  }
  return t + "]}";
}

TEST(TransferParseOnce, SameObjectsDigestsAndDiagnosticsAsParsingEachObjectAgain) {
  const std::vector<std::string> texts = ObjectTexts(socmesh::testing::DataPath("stix"));
  ASSERT_GT(texts.size(), 1000u);
  size_t valid = 0, invalid = 0;
  simdjson::dom::parser parser;  // the test's own view of the transfer, for the diagnostics
  for (size_t start = 0; start < texts.size(); start += 1000) {
    const auto chunk =
        std::span(texts).subspan(start, std::min<size_t>(1000, texts.size() - start));
    const std::string text = TransferText(chunk);
    auto transfer = ParseTransfer(text);
    ASSERT_TRUE(transfer.has_value()) << transfer.error().message;
    ASSERT_TRUE(transfer->item_errors.empty());
    ASSERT_EQ(transfer->items.size(), chunk.size());
    simdjson::dom::element root;
    ASSERT_EQ(parser.parse(text).get(root), simdjson::SUCCESS);
    simdjson::dom::array items;
    ASSERT_EQ(root["items"].get_array().get(items), simdjson::SUCCESS);
    size_t i = 0;
    for (auto element : items) {
      const TransferItem& item = transfer->items[i];
      SCOPED_TRACE(chunk[i].substr(0, 120));
      ASSERT_TRUE(item.validated != nullptr);
      std::vector<model::Diagnostic> old_diagnostics;
      const auto old_path = model::ParseStixObject(chunk[i], &old_diagnostics);
      const auto new_path = ObjectOf(item);
      ASSERT_EQ(new_path.has_value(), old_path.has_value());
      if (old_path) {
        ++valid;
        EXPECT_EQ(new_path->canonical_json, old_path->canonical_json);
        EXPECT_EQ(new_path->digest, old_path->digest);
        EXPECT_EQ(new_path->id, old_path->id);
        EXPECT_EQ(new_path->type, old_path->type);
        EXPECT_EQ(new_path->version().micros, old_path->version().micros);
        EXPECT_EQ(new_path->tlp, old_path->tlp);
        EXPECT_EQ(new_path->created_by_ref, old_path->created_by_ref);
        EXPECT_EQ(new_path->observables, old_path->observables);
        EXPECT_EQ(item.object_json, old_path->canonical_json);
      } else {
        ++invalid;
        EXPECT_EQ(new_path.error().code, old_path.error().code);
        EXPECT_EQ(new_path.error().message, old_path.error().message);
        EXPECT_EQ(item.object_json, chunk[i]);  // kept as sent
      }
      // Every diagnostic (warnings too) of the validation on the transfer's own element, as
      // ValidateStix in wire.cpp runs it.
      simdjson::dom::element object;
      ASSERT_EQ(element["object"].get(object), simdjson::SUCCESS);
      std::vector<model::Diagnostic> new_diagnostics;
      (void)model::detail::ValidateObject(object, "$", model::CanonicalizeOptions{}.max_depth, "",
                                          new_diagnostics);
      ASSERT_EQ(new_diagnostics.size(), old_diagnostics.size());
      for (size_t d = 0; d < old_diagnostics.size(); ++d) {
        EXPECT_EQ(new_diagnostics[d].severity, old_diagnostics[d].severity);
        EXPECT_EQ(new_diagnostics[d].path, old_diagnostics[d].path);
        EXPECT_EQ(new_diagnostics[d].message, old_diagnostics[d].message);
      }
      ++i;
    }
  }
  EXPECT_GT(valid, 1000u);
  EXPECT_GT(invalid, 0u);  // the validator's invalid examples are among them
}

// An item edited after reading (tests tamper with objects this way) is parsed again from its
// text: the remembered validation never stands in for other bytes.
TEST(TransferParseOnce, AnEditedItemIsParsedFromItsText) {
  const std::string a =
      R"({"type":"indicator","spec_version":"2.1","id":"indicator--00000001-0000-4000-8000-0000000000d1",)"
      R"("created":"2024-01-01T00:00:00.000Z","modified":"2024-01-01T00:00:00.000Z",)"
      R"("pattern":"[ipv4-addr:value = '198.51.100.7']","pattern_type":"stix","valid_from":"2024-01-01T00:00:00Z"})";
  const std::string texts[] = {a};
  auto transfer = ParseTransfer(TransferText(texts));
  ASSERT_TRUE(transfer.has_value()) << transfer.error().message;
  TransferItem item = transfer->items[0];
  auto read = ObjectOf(item);
  ASSERT_TRUE(read.has_value()) << read.error().message;
  const size_t at = item.object_json.find("198.51.100.7");
  ASSERT_NE(at, std::string::npos);
  item.object_json.replace(at, 12, "198.51.100.9");
  auto edited = ObjectOf(item);
  ASSERT_TRUE(edited.has_value()) << edited.error().message;
  EXPECT_NE(edited->digest, read->digest);
  EXPECT_NE(edited->canonical_json.find("198.51.100.9"), std::string::npos);
  item.object_json = R"({"type":"indicator"})";
  EXPECT_FALSE(ObjectOf(item).has_value());
}

}  // namespace
}  // namespace socmesh::federation
