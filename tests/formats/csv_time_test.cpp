// Time columns of feeds (issue 3 item 3; B2b). Expected instants computed with date(1) where the
// arithmetic is not obvious.
#include "formats/csv/feed_time.hpp"

#include <gtest/gtest.h>

#include <string>

namespace socmesh::formats::csv {
namespace {

std::string Parse(std::string_view text, std::string_view format) {
  auto t = ParseFeedTime(text, format);
  if (!t) return "error: " + t.error().message;
  return model::FormatTimestamp(*t);
}

TEST(CsvTime, Patterns) {
  EXPECT_EQ(Parse("2024-02-08 19:20:49", "%Y-%m-%d %H:%M:%S"), "2024-02-08T19:20:49.000Z");
  EXPECT_EQ(Parse("01/Aug/2018:09:49:41 +0200", "%d/%b/%Y:%H:%M:%S %z"),
            "2018-08-01T07:49:41.000Z");
  EXPECT_EQ(Parse("2024-02-29", "%Y-%m-%d"), "2024-02-29T00:00:00.000Z");
  EXPECT_EQ(Parse("100%", "100%%"), "1970-01-01T00:00:00.000Z");
}

TEST(CsvTime, AutoRecognisesCommonForms) {
  EXPECT_EQ(Parse("2019-04-01 03:13:20Z", "auto"), "2019-04-01T03:13:20.000Z");
  EXPECT_EQ(Parse("2018-02-06T09:37:02", ""), "2018-02-06T09:37:02.000Z");
  EXPECT_EQ(Parse("2018-02-08T09:38:56.6512034Z", "auto"), "2018-02-08T09:38:56.651Z");
  EXPECT_EQ(Parse("2018-02-08T11:38:56+02:00", "auto"), "2018-02-08T09:38:56.000Z");
  EXPECT_EQ(Parse("2018-02-08 09:38:56 UTC", "auto"), "2018-02-08T09:38:56.000Z");
  EXPECT_EQ(Parse("2018-02-08", "auto"), "2018-02-08T00:00:00.000Z");
}

TEST(CsvTime, Counts) {
  EXPECT_EQ(Parse("1700000000", "epoch"), "2023-11-14T22:13:20.000Z");
  EXPECT_EQ(Parse("1700000000.25", "epoch"), "2023-11-14T22:13:20.250Z");
  EXPECT_EQ(Parse("1700000000123", "epoch-ms"), "2023-11-14T22:13:20.123Z");
  // date -u -d @1490486383 (= 131349599830000000 / 10^7 - 11644473600)
  EXPECT_EQ(Parse("131349599830000000", "filetime"), "2017-03-25T23:59:43.000Z");
}

TEST(CsvTime, RejectsImpossibleAndTrailingText) {
  for (auto [text, format] : std::initializer_list<std::pair<const char*, const char*>>{
           {"2024-13-01", "%Y-%m-%d"},
           {"2023-02-29", "%Y-%m-%d"},
           {"2024-01-01 24:00:00", "%Y-%m-%d %H:%M:%S"},
           {"2024-01-01x", "%Y-%m-%d"},
           {"1969-12-31", "%Y-%m-%d"},
           {"yesterday", "auto"},
           {"-5", "epoch"},
           {"", "epoch"},
           {"01/Foo/2018:09:49:41 +0200", "%d/%b/%Y:%H:%M:%S %z"},
           {"2024-01-01", "%Q"}}) {
    auto t = ParseFeedTime(text, format);
    EXPECT_FALSE(t.has_value()) << text << " with " << format;
    if (!t) {
      EXPECT_EQ(t.error().code, ErrorCode::kInvalidArgument);
    }
  }
}

}  // namespace
}  // namespace socmesh::formats::csv
