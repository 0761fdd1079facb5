#include "model/bundle.hpp"

#include <gtest/gtest.h>

#include <cstdio>
#include <string>

namespace socmesh::model {
namespace {

std::string Identity(const std::string& uuid_tail, const std::string& modified,
                     const std::string& name = "ACME") {
  return R"({"type":"identity","spec_version":"2.1","id":"identity--8c6af861-7b20-41ef-9b59-)" +
         uuid_tail + R"(","created":"2016-08-08T15:50:10.983Z","modified":")" + modified +
         R"(","name":")" + name + R"("})";
}

std::string Bundle(const std::string& objects) {
  return R"({"type":"bundle","id":"bundle--63ab8e67-acac-4817-845a-d09f0e86954c","objects":[)" +
         objects + "]}";
}

TEST(Bundle, KeepsValidObjectsAndReportsInvalidOnesWithIndexAndId) {
  std::string bad = Identity("000000000002", "2015-01-01T00:00:00.000Z");  // modified < created
  auto b = ParseBundle(Bundle(Identity("000000000001", "2016-08-08T15:50:10.983Z") + "," + bad +
                              "," + Identity("000000000003", "2017-01-01T00:00:00.000Z")));
  ASSERT_TRUE(b.has_value()) << b.error().message;
  EXPECT_EQ(b->input_objects, 3u);
  EXPECT_EQ(b->rejected, 1u);
  ASSERT_EQ(b->objects.size(), 2u);
  EXPECT_EQ(b->bundle_id, "bundle--63ab8e67-acac-4817-845a-d09f0e86954c");
  bool found = false;
  for (const auto& f : b->findings) {
    if (f.diagnostic.severity != Severity::kError) continue;
    found = true;
    EXPECT_EQ(f.index, 1u);
    EXPECT_EQ(f.id, "identity--8c6af861-7b20-41ef-9b59-000000000002");
    EXPECT_EQ(f.diagnostic.path, "$.objects[1].modified");
  }
  EXPECT_TRUE(found);
}

TEST(Bundle, StrictModeKeepsNothingButReportsEverything) {
  BundleOptions strict;
  strict.strict = true;
  auto b = ParseBundle(Bundle(Identity("000000000001", "2016-08-08T15:50:10.983Z") + "," +
                              Identity("000000000002", "2015-01-01T00:00:00.000Z")),
                       strict);
  ASSERT_TRUE(b.has_value());
  EXPECT_TRUE(b->objects.empty());
  EXPECT_EQ(b->rejected, 1u);
  EXPECT_FALSE(b->findings.empty());
}

TEST(Bundle, IdenticalDuplicateKeptOnceDifferentDuplicateRejected) {
  std::string a = Identity("000000000001", "2016-08-08T15:50:10.983Z");
  std::string other = Identity("000000000001", "2016-08-08T15:50:10.983Z", "Other");
  auto b = ParseBundle(Bundle(a + "," + a + "," + other));
  ASSERT_TRUE(b.has_value());
  EXPECT_EQ(b->objects.size(), 1u);
  EXPECT_EQ(b->rejected, 1u);
}

TEST(Bundle, TwoVersionsOfOneObjectAreBothKept) {
  auto b = ParseBundle(Bundle(Identity("000000000001", "2016-08-08T15:50:10.983Z") + "," +
                              Identity("000000000001", "2018-01-01T00:00:00.000Z", "ACME v2")));
  ASSERT_TRUE(b.has_value());
  EXPECT_EQ(b->objects.size(), 2u);
  EXPECT_EQ(b->rejected, 0u);
}

TEST(Bundle, AcceptsLoneObjectAndBareArray) {
  auto lone = ParseBundle(Identity("000000000001", "2016-08-08T15:50:10.983Z"));
  ASSERT_TRUE(lone.has_value());
  EXPECT_EQ(lone->objects.size(), 1u);
  auto array = ParseBundle("[" + Identity("000000000001", "2016-08-08T15:50:10.983Z") + "]");
  ASSERT_TRUE(array.has_value());
  EXPECT_EQ(array->objects.size(), 1u);
  ASSERT_FALSE(array->findings.empty());
  EXPECT_EQ(array->findings[0].diagnostic.severity, Severity::kWarning);
}

TEST(Bundle, EmptyBundleIsValid) {
  auto b = ParseBundle(R"({"type":"bundle","id":"bundle--63ab8e67-acac-4817-845a-d09f0e86954c"})");
  ASSERT_TRUE(b.has_value());
  EXPECT_EQ(b->input_objects, 0u);
}

TEST(Bundle, RejectsWholeInputThatIsNotStix) {
  EXPECT_EQ(ParseBundle("{\"type\":\"bundle\",\"objects\":{}}").error().code,
            ErrorCode::kInvalidStix);
  EXPECT_EQ(ParseBundle("42").error().code, ErrorCode::kInvalidStix);
  EXPECT_EQ(ParseBundle("{\"objects\": [").error().code, ErrorCode::kParse);
  EXPECT_EQ(ParseBundle("\xff\xfe{}").error().code, ErrorCode::kParse);
}

TEST(Bundle, EnforcesSizeDepthAndCountLimits) {
  BundleOptions small;
  small.max_bytes = 10;
  EXPECT_EQ(ParseBundle(Bundle(""), small).error().code, ErrorCode::kTooLarge);

  std::string deep =
      R"({"type":"x-deep","x_deep":)" + std::string(200, '[') + std::string(200, ']') + "}";
  auto d = ParseBundle(Bundle(deep));
  ASSERT_FALSE(d.has_value());
  EXPECT_EQ(d.error().code, ErrorCode::kTooLarge);

  BundleOptions few;
  few.max_objects = 1;
  std::string two = Identity("000000000001", "2016-08-08T15:50:10.983Z") + "," +
                    Identity("000000000002", "2016-08-08T15:50:10.983Z");
  EXPECT_EQ(ParseBundle(Bundle(two), few).error().code, ErrorCode::kTooLarge);
}

TEST(Bundle, NonObjectEntriesAreRejectedIndividually) {
  auto b = ParseBundle(
      Bundle("1, \"x\", null, " + Identity("000000000001", "2016-08-08T15:50:10.983Z")));
  ASSERT_TRUE(b.has_value());
  EXPECT_EQ(b->rejected, 3u);
  EXPECT_EQ(b->objects.size(), 1u);
}

}  // namespace
}  // namespace socmesh::model

namespace socmesh::model {
namespace {

TEST(Bundle, LargeInputsValidatedInParallelKeepInputOrderAndFindings) {
  // Enough objects to take the multi-threaded path; every 1000th object is invalid.
  constexpr size_t kCount = 9000;
  std::string objects;
  for (size_t i = 0; i < kCount; ++i) {
    char tail[13];
    std::snprintf(tail, sizeof tail, "%012zu", i);
    if (i > 0) objects += ",";
    objects +=
        Identity(tail, i % 1000 == 999 ? "2015-01-01T00:00:00.000Z" : "2016-08-08T15:50:10.983Z");
  }
  auto b = ParseBundle(Bundle(objects));
  ASSERT_TRUE(b.has_value());
  EXPECT_EQ(b->input_objects, kCount);
  EXPECT_EQ(b->rejected, kCount / 1000);
  ASSERT_EQ(b->objects.size(), kCount - kCount / 1000);
  for (size_t i = 1; i < b->objects.size(); ++i) {
    ASSERT_LT(b->objects[i - 1].id, b->objects[i].id) << "input order lost at " << i;
  }
  size_t expected_index = 999;
  for (const auto& f : b->findings) {
    if (f.diagnostic.severity != Severity::kError) continue;
    EXPECT_EQ(f.index, expected_index);
    EXPECT_EQ(f.diagnostic.path, "$.objects[" + std::to_string(expected_index) + "].modified");
    expected_index += 1000;
  }
  EXPECT_EQ(expected_index, 999u + kCount);
}

}  // namespace
}  // namespace socmesh::model
