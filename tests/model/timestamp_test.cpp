#include "model/timestamp.hpp"

#include <gtest/gtest.h>

namespace socmesh::model {
namespace {

TEST(Timestamp, ParsesEpochAndFraction) {
  auto t = ParseTimestamp("1970-01-01T00:00:01.5Z");
  ASSERT_TRUE(t.has_value()) << t.error().message;
  EXPECT_EQ(t->micros, 1'500'000);
}

TEST(Timestamp, ParsesKnownInstant) {
  // 2016-04-06T20:03:48.000Z is 1459973028 seconds after the epoch.
  auto t = ParseTimestamp("2016-04-06T20:03:48.000Z", TimestampPrecision::kMillisecond);
  ASSERT_TRUE(t.has_value());
  EXPECT_EQ(t->micros, int64_t{1459973028} * 1'000'000);
}

TEST(Timestamp, FormatsRoundTrip) {
  auto t = ParseTimestamp("2024-02-29T23:59:59.123456Z");
  ASSERT_TRUE(t.has_value());
  EXPECT_EQ(FormatTimestamp(*t, true), "2024-02-29T23:59:59.123456Z");
  EXPECT_EQ(FormatTimestamp(*t), "2024-02-29T23:59:59.123Z");
}

TEST(Timestamp, KeepsMicrosecondsAndTruncatesBeyond) {
  auto a = ParseTimestamp("2020-01-01T00:00:00.1234567Z");
  auto b = ParseTimestamp("2020-01-01T00:00:00.123456Z");
  ASSERT_TRUE(a && b);
  EXPECT_EQ(a->micros, b->micros);
}

TEST(Timestamp, FormatsDatesBeforeEpoch) {
  auto t = ParseTimestamp("1969-12-31T23:59:59.999Z");
  ASSERT_TRUE(t.has_value());
  EXPECT_EQ(t->micros, -1000);
  EXPECT_EQ(FormatTimestamp(*t), "1969-12-31T23:59:59.999Z");
}

TEST(Timestamp, RejectsOtherTimeZonesAndLowerCase) {
  EXPECT_FALSE(ParseTimestamp("2016-04-06T20:03:48+01:00").has_value());
  EXPECT_FALSE(ParseTimestamp("2016-04-06t20:03:48Z").has_value());
  EXPECT_FALSE(ParseTimestamp("2016-04-06T20:03:48z").has_value());
  EXPECT_FALSE(ParseTimestamp("2016-04-06T20:03:48").has_value());
  EXPECT_FALSE(ParseTimestamp("2016-04-06 20:03:48Z").has_value());
}

TEST(Timestamp, RejectsImpossibleDates) {
  EXPECT_FALSE(ParseTimestamp("2023-02-29T00:00:00Z").has_value());
  EXPECT_TRUE(ParseTimestamp("2024-02-29T00:00:00Z").has_value());
  EXPECT_FALSE(ParseTimestamp("2023-13-01T00:00:00Z").has_value());
  EXPECT_FALSE(ParseTimestamp("2023-04-31T00:00:00Z").has_value());
  EXPECT_FALSE(ParseTimestamp("2023-04-30T24:00:00Z").has_value());
  EXPECT_FALSE(ParseTimestamp("2023-04-30T23:60:00Z").has_value());
}

TEST(Timestamp, AcceptsLeapSecondAsNextSecond) {
  auto leap = ParseTimestamp("2016-12-31T23:59:60Z");
  auto next = ParseTimestamp("2017-01-01T00:00:00Z");
  ASSERT_TRUE(leap && next);
  EXPECT_EQ(leap->micros, next->micros);
}

TEST(Timestamp, MillisecondPrecisionRequiresThreeDigits) {
  EXPECT_FALSE(ParseTimestamp("2016-04-06T20:03:48Z", TimestampPrecision::kMillisecond));
  EXPECT_FALSE(ParseTimestamp("2016-04-06T20:03:48.1Z", TimestampPrecision::kMillisecond));
  EXPECT_TRUE(ParseTimestamp("2016-04-06T20:03:48.100Z", TimestampPrecision::kMillisecond));
  EXPECT_TRUE(ParseTimestamp("2016-04-06T20:03:48.100001Z", TimestampPrecision::kMillisecond));
}

TEST(Timestamp, ErrorMessageQuotesTheValue) {
  auto t = ParseTimestamp("yesterday");
  ASSERT_FALSE(t.has_value());
  EXPECT_NE(t.error().message.find("\"yesterday\""), std::string::npos);
  EXPECT_EQ(t.error().code, ErrorCode::kInvalidStix);
}

TEST(Timestamp, RejectsEmptyFractionAndTrailingGarbage) {
  EXPECT_FALSE(ParseTimestamp("2016-04-06T20:03:48.Z"));
  EXPECT_FALSE(ParseTimestamp("2016-04-06T20:03:48.000ZZ"));
  EXPECT_FALSE(ParseTimestamp("2016-04-06T20:03:48.0a0Z"));
}

// FormatTimestamp writes years 0..9999 by hand (hot path of every mapper) and falls back to
// snprintf outside: both sides of the boundary keep the zero-padded layout.
TEST(Timestamp, FormatsYearBoundariesZeroPadded) {
  const int64_t kDay = int64_t{86'400} * 1'000'000;
  EXPECT_EQ(FormatTimestamp(Timestamp{0}), "1970-01-01T00:00:00.000Z");
  EXPECT_EQ(FormatTimestamp(Timestamp{-62'167'219'200'000'000}, true),
            "0000-01-01T00:00:00.000000Z");
  EXPECT_EQ(FormatTimestamp(Timestamp{253'402'300'799'000'001}, true),
            "9999-12-31T23:59:59.000001Z");
  EXPECT_EQ(FormatTimestamp(Timestamp{253'402'300'800'000'000}), "10000-01-01T00:00:00.000Z");
  EXPECT_EQ(FormatTimestamp(Timestamp{-62'167'219'200'000'000 - kDay}), "-001-12-31T00:00:00.000Z");
  EXPECT_EQ(FormatTimestamp(Timestamp{1'000'000 + 7'000}), "1970-01-01T00:00:01.007Z");
}

}  // namespace
}  // namespace socmesh::model
