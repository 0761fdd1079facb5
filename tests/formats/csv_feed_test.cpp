// The real feeds in ../shared/data/feeds imported with their presets (issue 3 item 3; B2b).
// Expected counts come from grep/awk/sort run over the same files in the test, never from the
// reader under test.
#include <gtest/gtest.h>

#include <cstdio>
#include <set>
#include <sstream>
#include <string>

#include "common/test_data.hpp"
#include "formats/csv/feed_import.hpp"
#include "model/tlp.hpp"

namespace socmesh::formats::csv {
namespace {

using model::ObservableKind;
using model::Severity;
using socmesh::testing::DataPath;
using socmesh::testing::ReadFile;

// Runs a shell pipeline over a shared data file and returns its output lines.
std::vector<std::string> ShellLines(const std::string& command) {
  std::vector<std::string> lines;
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) {
    ADD_FAILURE() << "cannot run " << command;
    return lines;
  }
  std::string out;
  char buffer[65536];
  size_t n;
  while ((n = fread(buffer, 1, sizeof buffer, pipe)) > 0) out.append(buffer, n);
  EXPECT_EQ(pclose(pipe), 0) << command;
  std::istringstream in(out);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

size_t ShellCount(const std::string& command) {
  auto lines = ShellLines(command);
  return lines.empty() ? 0 : std::stoul(lines.front());
}

std::string Feed(const std::string& relative) { return DataPath("feeds/" + relative).string(); }

model::ParsedBundle Import(const std::string& relative, const std::string& preset) {
  auto config = FindFeedPreset(preset);
  EXPECT_TRUE(config.has_value()) << preset;
  FeedImportOptions options;
  options.fallback_time = model::Timestamp{1'700'000'000'000'000};
  auto parsed = ImportFeed(ReadFile(Feed(relative)), *config, options);
  EXPECT_TRUE(parsed.has_value()) << relative << ": " << parsed.error().message;
  return parsed ? std::move(*parsed) : model::ParsedBundle{};
}

size_t Errors(const model::ParsedBundle& b) {
  size_t n = 0;
  for (const auto& f : b.findings) n += f.diagnostic.severity == Severity::kError;
  return n;
}

// The normalised values of the indicators (objects[0] is the feed identity).
std::set<std::string> Values(const model::ParsedBundle& b) {
  std::set<std::string> values;
  for (const auto& o : b.objects) {
    if (o.type != "indicator") continue;
    EXPECT_EQ(o.observables.size(), 1u) << o.canonical_json;
    if (!o.observables.empty()) values.insert(o.observables[0].value);
  }
  return values;
}

const model::StixObject* FindValue(const model::ParsedBundle& b, std::string_view value) {
  for (const auto& o : b.objects) {
    if (!o.observables.empty() && o.observables[0].value == value) return &o;
  }
  return nullptr;
}

bool Has(const std::string& json, const std::string& needle) {
  return json.find(needle) != std::string::npos;
}

TEST(CsvFeeds, FeodoTrackerImportsEveryRow) {
  const std::string file = Feed("abuse.ch-feodotracker/ipblocklist.csv");
  auto b = Import("abuse.ch-feodotracker/ipblocklist.csv", "feodo");
  // Oracle: the rows that start with a quoted date, and their distinct dst_ip column.
  EXPECT_EQ(ShellCount("grep -c '^\"[0-9]' " + file), 28u);
  auto ips = ShellLines("awk -F'\",\"' '/^\"[0-9]/{print $2}' " + file + " | sort -u");
  const std::set<std::string> expected(ips.begin(), ips.end());
  EXPECT_EQ(Values(b), expected);
  EXPECT_EQ(b.objects.size(), 1 + expected.size());
  EXPECT_EQ(Errors(b), 0u);
  EXPECT_EQ(b.rejected, 0u);
  EXPECT_EQ(b.input_objects, 28u);

  ASSERT_FALSE(b.objects.empty());
  EXPECT_EQ(b.objects[0].type, "identity");
  EXPECT_EQ(b.objects[0].id, FeedIdentityId("abuse.ch-feodotracker"));
  // "2023-05-23 17:51:44","192.9.135.73","1194","online","2024-04-01","Pikabot"
  const auto* first = FindValue(b, "192.9.135.73");
  ASSERT_NE(first, nullptr);
  EXPECT_EQ(first->id,
            FeedIndicatorId("abuse.ch-feodotracker", {ObservableKind::kIpv4, "192.9.135.73"}));
  EXPECT_EQ(first->created_by_ref, b.objects[0].id);
  EXPECT_EQ(first->tlp, model::Tlp::kClear);
  const std::string& json = first->canonical_json;
  EXPECT_TRUE(Has(json, R"("pattern":"[ipv4-addr:value = '192.9.135.73']")")) << json;
  EXPECT_TRUE(Has(json, R"("valid_from":"2023-05-23T17:51:44.000Z")")) << json;
  EXPECT_TRUE(Has(json, R"("modified":"2024-04-01T00:00:00.000Z")")) << json;
  EXPECT_TRUE(Has(json, R"("labels":["botnet-c2","Pikabot"])")) << json;
  EXPECT_TRUE(Has(json, R"("description":"port 1194; status: online")")) << json;
}

TEST(CsvFeeds, UrlhausCsvMapsTagsReferencesAndIds) {
  const std::string file = Feed("abuse.ch-urlhaus/urlhaus_csv_sample_500rows.csv");
  auto b = Import("abuse.ch-urlhaus/urlhaus_csv_sample_500rows.csv", "urlhaus");
  const size_t rows = ShellCount("grep -c '^\"[0-9]' " + file);
  const size_t distinct =
      ShellCount("awk -F'\",\"' '/^\"[0-9]/{print $3}' " + file + " | sort -u | wc -l");
  EXPECT_EQ(rows, 500u);
  EXPECT_EQ(b.input_objects, rows);
  EXPECT_EQ(Errors(b), 0u);
  EXPECT_EQ(b.objects.size(), 1 + distinct);
  // "3520667","2025-04-21 12:35:06","http://117.209.87.242:60905/bin.sh","online",…,
  // "malware_download","32-bit,elf,mips,Mozi","https://urlhaus.abuse.ch/url/3520667/","geenensp"
  const auto* o = FindValue(b, "http://117.209.87.242:60905/bin.sh");
  ASSERT_NE(o, nullptr);
  EXPECT_EQ(o->observables[0].kind, ObservableKind::kUrl);
  EXPECT_TRUE(
      Has(o->canonical_json, R"("labels":["malware_download","32-bit","elf","mips","Mozi"])"))
      << o->canonical_json;
  EXPECT_TRUE(Has(o->canonical_json, R"("external_id":"3520667")"));
  EXPECT_TRUE(Has(o->canonical_json, R"("url":"https://urlhaus.abuse.ch/url/3520667/")"));
}

TEST(CsvFeeds, UrlhausHeaderInTheBannerIsFound) {
  // The live URLhaus dump writes its header as a comment ("# id,dateadded,url,…"); the sample
  // lost the '#'. Both shapes must import the same.
  std::string data = ReadFile(Feed("abuse.ch-urlhaus/urlhaus_csv_sample_500rows.csv"));
  data = "################\n# abuse.ch URLhaus Database Dump (CSV)\n#\n# " + data;
  auto config = FindFeedPreset("urlhaus");
  ASSERT_TRUE(config.has_value());
  auto b = ImportFeed(data, *config);
  ASSERT_TRUE(b.has_value()) << b.error().message;
  EXPECT_EQ(b->input_objects, 500u);
  EXPECT_EQ(Errors(*b), 0u);
}

TEST(CsvFeeds, UrlhausPlainTextList) {
  const std::string file = Feed("abuse.ch-urlhaus/urlhaus_text_urls_sample_1000.txt");
  auto b = Import("abuse.ch-urlhaus/urlhaus_text_urls_sample_1000.txt", "urlhaus-text");
  EXPECT_EQ(b.input_objects, ShellCount("grep -c . " + file));
  EXPECT_EQ(Errors(b), 0u);
  EXPECT_EQ(b.objects.size(), 1 + ShellCount("sort -u " + file + " | wc -l"));
}

TEST(CsvFeeds, IpsumFullListWithCounts) {
  const std::string file = Feed("stamparm-ipsum/ipsum.txt");
  auto b = Import("stamparm-ipsum/ipsum.txt", "ipsum");
  auto ips = ShellLines("grep -v '^#' " + file + " | cut -f1 | sort -u");
  EXPECT_EQ(b.input_objects, ShellCount("grep -vc '^#' " + file));
  EXPECT_EQ(Errors(b), 0u);
  EXPECT_EQ(Values(b), std::set<std::string>(ips.begin(), ips.end()));
  // "77.90.185.20<TAB>10": listed by 10 blocklists.
  const auto* o = FindValue(b, "77.90.185.20");
  ASSERT_NE(o, nullptr);
  EXPECT_TRUE(Has(o->canonical_json, R"("labels":["blocklists:10"])")) << o->canonical_json;
}

TEST(CsvFeeds, IpsumLevelLists) {
  for (const char* level : {"stamparm-ipsum/levels_4.txt", "stamparm-ipsum/levels_8.txt"}) {
    auto b = Import(level, "plain");
    EXPECT_EQ(b.input_objects, ShellCount("grep -c . " + Feed(level))) << level;
    EXPECT_EQ(Errors(b), 0u) << level;
  }
}

TEST(CsvFeeds, SpamhausDropTrailingCommentIsTheSblReference) {
  const std::string file = Feed("intelmq-test-fixtures/spamhaus/drop.txt");
  auto b = Import("intelmq-test-fixtures/spamhaus/drop.txt", "spamhaus-drop");
  EXPECT_EQ(b.input_objects, ShellCount("grep -vc '^;' " + file));
  EXPECT_EQ(Errors(b), 0u);
  // "1.4.0.0/17 ; SBL256893" and "2a06:e480::/29 ; SBL301771"
  const auto* v4 = FindValue(b, "1.4.0.0/17");
  ASSERT_NE(v4, nullptr);
  EXPECT_EQ(v4->observables[0].kind, ObservableKind::kIpv4);
  EXPECT_TRUE(Has(v4->canonical_json, R"("external_id":"SBL256893")")) << v4->canonical_json;
  const auto* v6 = FindValue(b, "2a06:e480::/29");
  ASSERT_NE(v6, nullptr);
  EXPECT_EQ(v6->observables[0].kind, ObservableKind::kIpv6);
  EXPECT_TRUE(Has(v6->canonical_json, R"("external_id":"SBL301771")"));
}

TEST(CsvFeeds, SpamhausAsnDropPatternsCompareNumbers) {
  auto b = Import("intelmq-test-fixtures/spamhaus/asndrop.txt", "spamhaus-asndrop");
  EXPECT_EQ(b.input_objects, 2u);
  EXPECT_EQ(Errors(b), 0u);
  ASSERT_EQ(b.objects.size(), 3u);
  // "AS260 ; AE | XCONNECT24 - Xconnect24 Inc., US"
  const std::string& json = b.objects[1].canonical_json;
  EXPECT_TRUE(Has(json, R"("pattern":"[autonomous-system:number = 260]")")) << json;
  EXPECT_TRUE(Has(json, R"("description":"AE | XCONNECT24 - Xconnect24 Inc., US")")) << json;
}

TEST(CsvFeeds, IntelmqGenericSkipsIndentedCommentsAndBlankLines) {
  // sample_report.csv: comments after blanks/tabs, whitespace-only lines, two tab-separated rows
  // (lines 11 and 12) whose URL lacks a scheme.
  const std::string file = Feed("intelmq-test-fixtures/generic/sample_report.csv");
  auto b = Import("intelmq-test-fixtures/generic/sample_report.csv", "intelmq-generic");
  EXPECT_EQ(ShellCount("grep -c '^[0-9]' " + file), 2u);
  EXPECT_EQ(Errors(b), 0u);
  EXPECT_EQ(b.input_objects, 6u);  // url, ip, domain per row
  EXPECT_EQ(Values(b),
            (std::set<std::string>{
                "http://www.cennoworld.com/Payment_Confirmation/Payment_Confirmation.zip",
                "198.105.221.5", "198.105.221.161", "mail5.bulls.unisonplatform.com"}));
  // The URL and domain of line 12 repeat line 11: warnings naming both lines.
  size_t duplicates = 0;
  for (const auto& f : b.findings) {
    if (f.diagnostic.severity == Severity::kWarning && f.index == 12 &&
        Has(f.diagnostic.message, "line 11")) {
      ++duplicates;
    }
  }
  EXPECT_EQ(duplicates, 2u);
  const auto* ip = FindValue(b, "198.105.221.161");
  ASSERT_NE(ip, nullptr);
  EXPECT_TRUE(Has(ip->canonical_json, R"("valid_from":"2016-12-14T04:19:00.000Z")"));
  EXPECT_TRUE(Has(ip->canonical_json, R"("description":"Really bad actor site comment")"));
}

TEST(CsvFeeds, IntelmqInvalidValuesAreRowErrorsAndTheRestIsKept) {
  // invalid_sample_report.csv (IntelMQ test_parser_csv_invalid_values): "-" and "." are not
  // an IP / a domain; each row keeps its other valid value.
  auto b = Import("intelmq-test-fixtures/generic/invalid_sample_report.csv", "intelmq-invalid");
  std::set<std::string> errors;
  for (const auto& f : b.findings) {
    if (f.diagnostic.severity == Severity::kError) errors.insert(f.diagnostic.path);
  }
  EXPECT_EQ(errors,
            (std::set<std::string>{"line 1, column 3", "line 3, column 2", "line 4, column 3"}));
  EXPECT_EQ(b.rejected, 3u);
  EXPECT_EQ(b.input_objects, 8u);
  EXPECT_EQ(Values(b), (std::set<std::string>{"127.0.0.1", "example.com"}));
  // 01/Aug/2018:09:49:41 +0200 is 07:49:41 UTC (as IntelMQ's own test expects).
  const auto* ip = FindValue(b, "127.0.0.1");
  ASSERT_NE(ip, nullptr);
  EXPECT_TRUE(Has(ip->canonical_json, R"("valid_from":"2018-08-01T07:49:41.000Z")"));
}

TEST(CsvFeeds, IntelmqMultivalueColumnsAndHashComment) {
  auto b = Import("intelmq-test-fixtures/generic/multivalue_columns.csv", "intelmq-multivalue");
  EXPECT_EQ(Errors(b), 0u);
  EXPECT_EQ(Values(b), (std::set<std::string>{"11.11.11.11", "11.11.11.0/24", "http://test.com/"}));
}

TEST(CsvFeeds, CertEuRowTlpAndConfidence) {
  auto b = Import("intelmq-test-fixtures/cert_eu/example.csv", "cert-eu");
  EXPECT_EQ(Errors(b), 0u);
  const auto* amber = FindValue(b, "109.125.93.10");
  ASSERT_NE(amber, nullptr);
  EXPECT_EQ(amber->tlp, model::Tlp::kAmber);
  EXPECT_EQ(amber->confidence, 51);
  const auto* green = FindValue(b, "144.76.221.34");
  ASSERT_NE(green, nullptr);
  EXPECT_EQ(green->tlp, model::Tlp::kGreen);
  EXPECT_EQ(green->confidence, 50);
  EXPECT_NE(FindValue(b, "example.com"), nullptr);
}

TEST(CsvFeeds, MicrosoftDcuFiletimeAndShortRow) {
  // extra_regex.csv: ", "-separated header, FILETIME times, a first row shorter than the header.
  // Oracle for the time: date(1) on (131349599830000000 / 10^7 - 11644473600) seconds.
  const auto expected = ShellLines("date -u -d @1490486383 +%Y-%m-%dT%H:%M:%S.000Z");
  ASSERT_EQ(expected.size(), 1u);
  auto b = Import("intelmq-test-fixtures/generic/extra_regex.csv", "microsoft-dcu");
  EXPECT_EQ(Errors(b), 0u);
  const auto* o = FindValue(b, "198.51.100.1");
  ASSERT_NE(o, nullptr);
  EXPECT_TRUE(Has(o->canonical_json, "\"valid_from\":\"" + expected[0] + "\""))
      << o->canonical_json;
  EXPECT_TRUE(Has(o->canonical_json, R"("labels":["B106-CeeInject"])"));
  EXPECT_NE(FindValue(b, "198.51.100.2"), nullptr);
}

TEST(CsvFeeds, OpenphishBadHostnamesAreRejectedWithLineNumbers) {
  // feed.txt: "http://www..example.com/phishing" and ".invalid" variant, both empty labels.
  auto b = Import("intelmq-test-fixtures/openphish/feed.txt", "plain");
  EXPECT_EQ(b.rejected, 2u);
  std::set<size_t> lines;
  for (const auto& f : b.findings) lines.insert(f.index);
  EXPECT_EQ(lines, (std::set<size_t>{1, 2}));
  EXPECT_EQ(b.objects.size(), 1u);  // only the identity
}

TEST(CsvFeeds, BlocklistDeAndEsetHashLists) {
  auto b = Import("intelmq-test-fixtures/blocklistde/imap.txt", "plain");
  EXPECT_EQ(b.objects.size(),
            1 + ShellCount("grep -c . " + Feed("intelmq-test-fixtures/blocklistde/imap.txt")));
  struct {
    const char* file;
    ObservableKind kind;
  } lists[] = {{"eset-hash-lists/turla_samples.md5", ObservableKind::kMd5},
               {"eset-hash-lists/turla_samples.sha1", ObservableKind::kSha1},
               {"eset-hash-lists/turla_samples.sha256", ObservableKind::kSha256}};
  for (const auto& list : lists) {
    auto h = Import(list.file, "plain");
    EXPECT_EQ(Errors(h), 0u) << list.file;
    EXPECT_EQ(h.objects.size(), 1 + ShellCount("grep -v '^#' " + Feed(list.file) +
                                               " | grep . | tr A-F a-f | sort -u | wc -l"))
        << list.file;
    for (size_t i = 1; i < h.objects.size(); ++i) {
      ASSERT_EQ(h.objects[i].observables.size(), 1u);
      EXPECT_EQ(h.objects[i].observables[0].kind, list.kind);
    }
  }
}

TEST(CsvFeeds, ReimportIsIdempotent) {
  // Same bytes, same fallback time: byte-identical objects. Ids never depend on the time.
  auto config = FindFeedPreset("ipsum");
  ASSERT_TRUE(config.has_value());
  const std::string data = ReadFile(Feed("stamparm-ipsum/levels_8.txt"));
  FeedImportOptions a, c;
  a.fallback_time = model::Timestamp{1'700'000'000'000'000};
  c.fallback_time = model::Timestamp{1'800'000'000'000'000};
  auto first = ImportFeed(data, *config, a);
  auto again = ImportFeed(data, *config, a);
  auto later = ImportFeed(data, *config, c);
  ASSERT_TRUE(first && again && later);
  ASSERT_EQ(first->objects.size(), again->objects.size());
  ASSERT_EQ(first->objects.size(), later->objects.size());
  for (size_t i = 0; i < first->objects.size(); ++i) {
    EXPECT_EQ(first->objects[i].canonical_json, again->objects[i].canonical_json);
    EXPECT_EQ(first->objects[i].id, later->objects[i].id);
  }
}

}  // namespace
}  // namespace socmesh::formats::csv
