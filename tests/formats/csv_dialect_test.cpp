// CSV dialects and bad input (issue 3 item 3, "Bad input"; B2b): RFC 4180 quoting, line ends,
// byte-order marks and encodings, limits, per-row errors that keep the valid rest.
#include <gtest/gtest.h>

#include <string>

#include "common/test_data.hpp"
#include "formats/csv/csv_records.hpp"
#include "formats/csv/feed_import.hpp"

namespace socmesh::formats::csv {
namespace {

using model::Severity;
using socmesh::testing::DataPath;
using socmesh::testing::ReadFile;

std::vector<Record> ReadAll(std::string_view text, const Dialect& dialect = {}) {
  RecordReader reader(text, dialect);
  std::vector<Record> out;
  Record r;
  while (reader.Next(r)) out.push_back(r);
  return out;
}

FeedConfig OneColumn() {
  FeedConfig c;
  c.name = "test";
  ColumnSpec value;
  value.index = 0;
  value.role = Role::kValue;
  c.columns = {value};
  return c;
}

FeedImportOptions Fixed() {
  FeedImportOptions o;
  o.fallback_time = model::Timestamp{1'700'000'000'000'000};
  return o;
}

std::string Feodo() { return ReadFile(DataPath("feeds/abuse.ch-feodotracker/ipblocklist.csv")); }

std::vector<std::string> Ids(const model::ParsedBundle& b) {
  std::vector<std::string> ids;
  for (const auto& o : b.objects) ids.push_back(o.canonical_json);
  return ids;
}

TEST(CsvDialect, Rfc4180QuotesDelimitersAndEmbeddedNewlines) {
  auto records = ReadAll("a,\"b \"\"q\"\", c\",\"l1\r\nl2\",d\r\nnext,row\n");
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(records[0].fields, (std::vector<std::string>{"a", "b \"q\", c", "l1\r\nl2", "d"}));
  EXPECT_EQ(records[1].line, 3u);  // the quoted line break counts
  EXPECT_EQ(records[1].fields, (std::vector<std::string>{"next", "row"}));
}

TEST(CsvDialect, EmptyFieldsAndTrailingDelimiter) {
  auto records = ReadAll("a,,c,\n");
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].fields, (std::vector<std::string>{"a", "", "c", ""}));
}

TEST(CsvDialect, WhitespaceTabAndSemicolonDelimiters) {
  Dialect ws;
  ws.delimiter = kWhitespaceDelimiter;
  auto records = ReadAll("  1.2.3.4 \t 10  \n", ws);
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].fields, (std::vector<std::string>{"1.2.3.4", "10"}));

  Dialect tab;
  tab.delimiter = '\t';
  records = ReadAll("a\t\tc\n", tab);
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].fields, (std::vector<std::string>{"a", "", "c"}));

  Dialect semi;
  semi.delimiter = ';';
  records = ReadAll("x;\"y;z\"\n", semi);
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].fields, (std::vector<std::string>{"x", "y;z"}));
}

TEST(CsvDialect, TrailingCommentAndCommentLines) {
  Dialect d;
  d.delimiter = kWhitespaceDelimiter;
  d.comment_prefixes = ";#";
  d.trailing_comment = ';';
  auto records = ReadAll("; banner\n1.2.3.0/24 ; SBL123\n  # indented\n5.6.7.0/24;SBL9\n", d);
  ASSERT_EQ(records.size(), 4u);
  EXPECT_EQ(records[0].type, RecordType::kComment);
  EXPECT_EQ(records[0].text, "banner");
  EXPECT_EQ(records[1].fields, (std::vector<std::string>{"1.2.3.0/24"}));
  EXPECT_EQ(records[1].trailing_comment, "SBL123");
  EXPECT_EQ(records[2].type, RecordType::kComment);
  // Without a blank before ';' the character belongs to the value (a URL may hold ';').
  EXPECT_EQ(records[3].fields, (std::vector<std::string>{"5.6.7.0/24;SBL9"}));
}

TEST(CsvDialect, UnterminatedQuoteCostsOneRow) {
  auto records = ReadAll("\"1.2.3.4,x\n5.6.7.8\n");
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(records[0].type, RecordType::kError);
  EXPECT_EQ(records[0].line, 1u);
  EXPECT_EQ(records[1].type, RecordType::kData);
  EXPECT_EQ(records[1].line, 2u);
  EXPECT_EQ(records[1].fields, (std::vector<std::string>{"5.6.7.8"}));
}

TEST(CsvDialect, GarbageAfterClosingQuoteIsAnError) {
  auto records = ReadAll("\"a\"b,c\nd\n");
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(records[0].type, RecordType::kError);
  EXPECT_EQ(records[0].column, 1u);
  EXPECT_EQ(records[1].fields, (std::vector<std::string>{"d"}));
}

TEST(CsvDialect, OversizedFieldIsARowError) {
  Dialect d;
  d.max_field_bytes = 16;
  auto records = ReadAll(std::string(40, 'a') + ",b\nok\n", d);
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(records[0].type, RecordType::kError);
  EXPECT_NE(records[0].text.find("longer than 16"), std::string::npos);
  EXPECT_EQ(records[1].fields, (std::vector<std::string>{"ok"}));
}

TEST(CsvDialect, CrlfBomAndUtf16GiveTheSameIndicators) {
  auto config = FindFeedPreset("feodo");
  ASSERT_TRUE(config.has_value());
  const std::string lf = Feodo();
  std::string crlf, utf16le = "\xFF\xFE", utf16be = "\xFE\xFF";
  for (char c : lf) {
    if (c == '\n') crlf += '\r';
    crlf += c;
  }
  for (char c : crlf) {  // the file is ASCII
    utf16le += c;
    utf16le += '\0';
    utf16be += '\0';
    utf16be += c;
  }
  auto reference = ImportFeed(lf, *config, Fixed());
  ASSERT_TRUE(reference.has_value());
  EXPECT_EQ(reference->objects.size(), 29u);
  for (const std::string& variant : {crlf, "\xEF\xBB\xBF" + lf, utf16le, utf16be}) {
    auto parsed = ImportFeed(variant, *config, Fixed());
    ASSERT_TRUE(parsed.has_value()) << parsed.error().message;
    EXPECT_EQ(Ids(*parsed), Ids(*reference));
    EXPECT_TRUE(parsed->findings.empty());
  }
}

TEST(CsvDialect, ShortUtf16FeedIsReadFromOwnedText) {
  // Regression (found by csv_feed_fuzz under ASan): a converted text short enough for the small
  // string buffer was read through a view left dangling by a move.
  std::string utf16 = "\xFF\xFE";
  for (char c : std::string("1.2.3.4\n")) {
    utf16 += c;
    utf16 += '\0';
  }
  auto b = ImportFeed(utf16, OneColumn(), Fixed());
  ASSERT_TRUE(b.has_value());
  ASSERT_EQ(b->objects.size(), 2u);
  EXPECT_EQ(b->objects[1].observables.at(0).value, "1.2.3.4");
}

TEST(CsvDialect, Latin1FeedIsTranscoded) {
  FeedConfig config = OneColumn();
  config.encoding = Encoding::kLatin1;
  ColumnSpec description;
  description.index = 1;
  description.role = Role::kDescription;
  config.columns.push_back(description);
  auto b = ImportFeed("192.0.2.1,caf\xE9\n", config, Fixed());
  ASSERT_TRUE(b.has_value());
  ASSERT_EQ(b->objects.size(), 2u);
  EXPECT_NE(b->objects[1].canonical_json.find("\"description\":\"caf\xC3\xA9\""),
            std::string::npos);
}

TEST(CsvDialect, InvalidUtf8IsARowErrorAndTheRestIsKept) {
  FeedConfig config = OneColumn();
  ColumnSpec description;
  description.index = 1;
  description.role = Role::kDescription;
  config.columns.push_back(description);
  auto b = ImportFeed("192.0.2.1,ok\n192.0.2.2,bad \xC3\x28 text\n192.0.2.3,ok\n", config, Fixed());
  ASSERT_TRUE(b.has_value());
  EXPECT_EQ(b->objects.size(), 3u);  // identity + lines 1 and 3
  ASSERT_EQ(b->rejected, 1u);
  bool found = false;
  for (const auto& f : b->findings) {
    if (f.diagnostic.severity != Severity::kError) continue;
    found = true;
    EXPECT_EQ(f.index, 2u);
    EXPECT_EQ(f.diagnostic.path, "line 2, column 2");
    EXPECT_NE(f.diagnostic.message.find("UTF-8"), std::string::npos);
  }
  EXPECT_TRUE(found);
}

TEST(CsvDialect, MalformedUtf16IsAWholeInputError) {
  auto b = ImportFeed(std::string("\xFF\xFE\x31", 3), OneColumn(), Fixed());
  ASSERT_FALSE(b.has_value());
  EXPECT_EQ(b.error().code, ErrorCode::kParse);
}

TEST(CsvDialect, StrictRejectsEverythingButReportsAll) {
  FeedImportOptions strict = Fixed();
  strict.strict = true;
  auto b = ImportFeed("192.0.2.1\nnot-an-ioc\n192.0.2.3\n", OneColumn(), strict);
  ASSERT_TRUE(b.has_value());
  EXPECT_TRUE(b->objects.empty());
  EXPECT_EQ(b->rejected, 1u);
  ASSERT_EQ(b->findings.size(), 1u);
  EXPECT_EQ(b->findings[0].diagnostic.path, "line 2, column 1");
}

TEST(CsvDialect, SizeAndRowLimits) {
  FeedImportOptions small = Fixed();
  small.max_bytes = 10;
  auto b = ImportFeed("192.0.2.1\n192.0.2.2\n", OneColumn(), small);
  ASSERT_FALSE(b.has_value());
  EXPECT_EQ(b.error().code, ErrorCode::kTooLarge);

  FeedImportOptions few = Fixed();
  few.max_rows = 1;
  b = ImportFeed("192.0.2.1\n192.0.2.2\n", OneColumn(), few);
  ASSERT_FALSE(b.has_value());
  EXPECT_EQ(b.error().code, ErrorCode::kTooLarge);
}

TEST(CsvDialect, HeaderWithoutAConfiguredColumnNamesIt) {
  auto config = FindFeedPreset("feodo");
  ASSERT_TRUE(config.has_value());
  auto b = ImportFeed("\"first_seen_utc\",\"ip\"\n\"2024-01-01 00:00:00\",\"192.0.2.1\"\n", *config,
                      Fixed());
  ASSERT_FALSE(b.has_value());
  EXPECT_EQ(b.error().code, ErrorCode::kParse);
  EXPECT_NE(b.error().message.find("dst_ip"), std::string::npos);
  EXPECT_NE(b.error().message.find("line 1"), std::string::npos);
}

TEST(CsvDialect, BadAttributeCellsRejectTheRowWithColumnNames) {
  auto config = FindFeedPreset("feodo");
  ASSERT_TRUE(config.has_value());
  const std::string data =
      "\"first_seen_utc\",\"dst_ip\",\"dst_port\",\"c2_status\",\"last_online\",\"malware\"\n"
      "\"2024-13-01 00:00:00\",\"192.0.2.1\",\"80\",\"online\",\"2024-01-02\",\"X\"\n"
      "\"2024-01-01 00:00:00\",\"192.0.2.2\",\"99999\",\"online\",\"2024-01-02\",\"X\"\n"
      "\"2024-01-01 00:00:00\",\"192.0.2.3\",\"443\",\"online\",\"2024-01-02\",\"X\"\n";
  auto b = ImportFeed(data, *config, Fixed());
  ASSERT_TRUE(b.has_value());
  EXPECT_EQ(b->objects.size(), 2u);
  EXPECT_EQ(b->rejected, 2u);
  std::vector<std::string> paths;
  for (const auto& f : b->findings) paths.push_back(f.diagnostic.path);
  EXPECT_EQ(paths, (std::vector<std::string>{"line 2, column 1 (first_seen_utc)",
                                             "line 3, column 3 (dst_port)"}));
}

TEST(CsvDialect, PatternEscapesQuotesInValues) {
  FeedConfig config = OneColumn();
  config.columns[0].kind = model::ObservableKind::kUrl;
  auto b = ImportFeed("http://a.example/it's\\here\n", config, Fixed());
  ASSERT_TRUE(b.has_value());
  ASSERT_EQ(b->objects.size(), 2u)
      << (b->findings.empty() ? "" : b->findings[0].diagnostic.message);
  EXPECT_NE(b->objects[1].canonical_json.find(R"([url:value = 'http://a.example/it\\'s\\\\here'])"),
            std::string::npos)
      << b->objects[1].canonical_json;
  // The store's observable index reads the value back out of the pattern unchanged.
  ASSERT_EQ(b->objects[1].observables.size(), 1u);
  EXPECT_EQ(b->objects[1].observables[0].value, "http://a.example/it's\\here");
}

TEST(CsvDialect, ConfigErrors) {
  FeedConfig none;
  none.name = "x";
  auto b = ImportFeed("1.2.3.4\n", none, Fixed());
  ASSERT_FALSE(b.has_value());
  EXPECT_EQ(b.error().code, ErrorCode::kInvalidArgument);
  auto missing = FindFeedPreset("no-such-feed");
  ASSERT_FALSE(missing.has_value());
  EXPECT_NE(missing.error().message.find("feodo"), std::string::npos);
}

}  // namespace
}  // namespace socmesh::formats::csv
