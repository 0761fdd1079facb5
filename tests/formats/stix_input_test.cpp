#include "formats/stix_input.hpp"

#include <gtest/gtest.h>

#include <fstream>

#include "common/test_data.hpp"

namespace socmesh::formats {
namespace {

using socmesh::testing::DataPath;
using socmesh::testing::TempDir;

TEST(StixInput, ExpandsDirectoriesToSortedJsonFiles) {
  auto files = ExpandInputs({DataPath("stix/oasis-cti-documentation-examples").string()});
  ASSERT_TRUE(files.has_value()) << files.error().message;
  EXPECT_EQ(files->size(), 9u);
  EXPECT_TRUE(std::is_sorted(files->begin(), files->end()));
  for (const auto& f : *files) EXPECT_TRUE(f.ends_with(".json")) << f;
}

TEST(StixInput, MissingPathIsAnIoErrorNamingIt) {
  auto files = ExpandInputs({"/nonexistent/socmesh/input.json"});
  ASSERT_FALSE(files.has_value());
  EXPECT_EQ(files.error().code, ErrorCode::kIo);
  EXPECT_NE(files.error().message.find("/nonexistent/socmesh/input.json"), std::string::npos);
}

TEST(StixInput, RefusesOversizedFilesBeforeReading) {
  TempDir dir;
  auto path = (dir.path() / "big.json").string();
  std::ofstream(path) << std::string(2048, ' ') << "{}";
  auto data = ReadInput(path, 1024);
  ASSERT_FALSE(data.has_value());
  EXPECT_EQ(data.error().code, ErrorCode::kTooLarge);
}

TEST(StixInput, ParseErrorsNameTheFile) {
  auto parsed =
      ReadStixFile(DataPath("stix/oasis-stix-validator-test-examples/invalid_comma.json").string(),
                   model::BundleOptions{});
  ASSERT_FALSE(parsed.has_value());
  EXPECT_NE(parsed.error().message.find("invalid_comma.json"), std::string::npos);
  EXPECT_EQ(parsed.error().code, ErrorCode::kParse);
}

TEST(StixInput, ReadsRealBundle) {
  auto parsed = ReadStixFile(
      DataPath("stix/oasis-stix2-json-schemas-examples/indicator-for-c2-ip-address.json").string(),
      model::BundleOptions{});
  ASSERT_TRUE(parsed.has_value()) << parsed.error().message;
  EXPECT_GT(parsed->objects.size(), 0u);
  EXPECT_EQ(parsed->rejected, 0u);
}

}  // namespace
}  // namespace socmesh::formats
