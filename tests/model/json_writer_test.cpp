#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <string>

#include "model/canonical_json.hpp"

namespace socmesh::model {
namespace {

TEST(JsonWriterTest, PlacesCommasInNestedArraysAndObjects) {
  JsonWriter w;
  w.BeginObject()
      .Key("a")
      .BeginArray()
      .BeginArray()
      .Int(1)
      .Int(2)
      .EndArray()
      .BeginArray()
      .EndArray()
      .BeginObject()
      .EndObject()
      .BeginObject()
      .Key("x")
      .Null()
      .Key("y")
      .BeginArray()
      .Bool(true)
      .EndArray()
      .EndObject()
      .EndArray()
      .Key("b")
      .String("s")
      .Key("c")
      .BeginObject()
      .Key("d")
      .Bool(false)
      .EndObject()
      .EndObject();
  EXPECT_EQ(w.str(), R"({"a":[[1,2],[],{},{"x":null,"y":[true]}],"b":"s","c":{"d":false}})");
}

TEST(JsonWriterTest, WritesEmptyContainers) {
  EXPECT_EQ(JsonWriter().BeginObject().EndObject().str(), "{}");
  EXPECT_EQ(JsonWriter().BeginArray().EndArray().str(), "[]");
  JsonWriter w;
  w.BeginArray().BeginObject().EndObject().BeginArray().EndArray().EndArray();
  EXPECT_EQ(w.str(), "[{},[]]");
}

TEST(JsonWriterTest, EscapesStringsAndKeysLikeJcs) {
  JsonWriter w;
  w.BeginObject().Key("k\"\n").String("tab\there \\ \x01 \xC3\xA9 /").EndObject();
  EXPECT_EQ(w.str(), "{\"k\\\"\\n\":\"tab\\there \\\\ \\u0001 \xC3\xA9 /\"}");
}

TEST(JsonWriterTest, WritesNumbersLikeEcmaScript) {
  JsonWriter w;
  w.BeginArray()
      .Double(4.50)
      .Double(1e21)
      .Double(1e-7)
      .Double(-0.0)
      .Double(0.000001)
      .Int(std::numeric_limits<int64_t>::min())
      .Int(0)
      .EndArray();
  EXPECT_EQ(w.str(), "[4.5,1e+21,1e-7,0,0.000001,-9223372036854775808,0]");
}

TEST(JsonWriterTest, RawInsertsTextVerbatimAsAValue) {
  JsonWriter w;
  w.BeginArray().Raw(R"({"b":1,"a":2})").Int(3).Raw("[]").EndArray();
  EXPECT_EQ(w.str(), R"([{"b":1,"a":2},3,[]])");
  JsonWriter o;
  o.BeginObject().Key("x").Raw("true").Key("y").Raw("null").EndObject();
  EXPECT_EQ(o.str(), R"({"x":true,"y":null})");
}

TEST(JsonWriterTest, ReplacesInvalidUtf8SoTheOutputStaysJson) {
  JsonWriter w;
  // Split literals: a hex escape would otherwise swallow the following 'b'.
  const std::string text = std::string("a\xC0\xAF") + "b\xE2\x82";
  w.BeginObject().Key("n\xFF").String(text).EndObject();
  const std::string replacement = "\xEF\xBF\xBD";
  EXPECT_EQ(w.str(), "{\"n" + replacement + "\":\"a" + replacement + replacement + "b" +
                         replacement + replacement + "\"}");
  EXPECT_TRUE(CanonicalizeJson(w.str()).has_value());
}

TEST(JsonWriterTest, OutputWithSortedKeysIsAlreadyCanonical) {
  JsonWriter w;
  w.BeginObject()
      .Key("created")
      .String("2016-04-06T20:03:00.000Z")
      .Key("id")
      .String("indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f")
      .Key("labels")
      .BeginArray()
      .String("malicious-activity")
      .EndArray()
      .Key("x_score")
      .Double(0.75)
      .EndObject();
  auto canonical = CanonicalizeJson(w.str());
  ASSERT_TRUE(canonical.has_value()) << canonical.error().message;
  EXPECT_EQ(*canonical, w.str());
}

TEST(JsonWriterTest, TakeReturnsTheText) {
  JsonWriter w;
  w.BeginArray().Int(1).EndArray();
  EXPECT_EQ(w.Take(), "[1]");
}

TEST(JsonWriterTest, WritesATopLevelScalar) {
  EXPECT_EQ(JsonWriter().String("x").str(), "\"x\"");
  EXPECT_EQ(JsonWriter().Double(2.5).str(), "2.5");
}

TEST(JsonWriterDeathTest, AssertsOnMisuseInDebugBuilds) {
  // Debug builds stop at the misuse; release builds write what they are told.
  EXPECT_DEBUG_DEATH(JsonWriter().BeginObject().Int(1), "");
  EXPECT_DEBUG_DEATH(JsonWriter().BeginArray().Key("k"), "");
  EXPECT_DEBUG_DEATH(JsonWriter().BeginArray().EndObject(), "");
}

}  // namespace
}  // namespace socmesh::model
