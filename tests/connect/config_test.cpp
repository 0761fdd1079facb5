// Connector configuration (TOML), the URL / Retry-After readers and the state file.
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>

#include "common/test_data.hpp"
#include "connect/config.hpp"
#include "connect/state.hpp"
#include "connect/url.hpp"

namespace socmesh::connect {
namespace {

using namespace std::chrono_literals;

constexpr char kExample[] = R"(
state_file = "state/connect.json"

[[connector]]
name = "feodo"
type = "http"
url = "https://feodotracker.abuse.ch/downloads/ipblocklist.csv"
interval = "1h"
jitter = "5m"
format = "csv"
preset = "feodo"
max_bytes = 10_000_000
tls_min_version = "1.2"
retries = 2
backoff = "2s"
[connector.headers]
"Auth-Key" = "k"

[[connector]]
name = "peer-fr"
type = "taxii"
url = "https://taxii.soc.fr/api1/collections/91a7b528-80eb-42ed-a74d-c6fbd5a26116/"
ca_file = "pki/eu-root.pem"
certificate = "pki/node.pem"
private_key = "pki/node.key"
page_size = 500
interval = 300

[[connector]]
name = "inbox"
type = "directory"
path = "/var/spool/socmesh/in"
)";

TEST(ConnectConfig, ReadsEveryConnectorTypeWithDefaultsAndRelativePaths) {
  auto config = ParseConfig(kExample, "connect.toml", "/etc/socmesh");
  ASSERT_TRUE(config.has_value()) << config.error().message;
  EXPECT_EQ(config->state_file, "/etc/socmesh/state/connect.json");
  ASSERT_EQ(config->connectors.size(), 3u);
  const ConnectorConfig& feodo = config->connectors[0];
  EXPECT_EQ(feodo.type, ConnectorType::kHttp);
  EXPECT_EQ(feodo.schedule.interval, 1h);
  EXPECT_EQ(feodo.schedule.jitter, 5min);
  EXPECT_EQ(feodo.input.format, formats::Format::kCsv);
  EXPECT_EQ(feodo.input.preset, "feodo");
  EXPECT_EQ(feodo.input.max_bytes, 10'000'000u);
  EXPECT_TRUE(feodo.http.tls.allow_tls12);
  EXPECT_TRUE(feodo.http.tls.ca_file.empty());  // system store
  EXPECT_EQ(feodo.http.retry.max_attempts, 3u);
  EXPECT_EQ(feodo.http.retry.initial_backoff, 2s);
  ASSERT_EQ(feodo.http.headers.size(), 1u);
  EXPECT_EQ(feodo.http.headers[0].first, "Auth-Key");

  const ConnectorConfig& peer = config->connectors[1];
  EXPECT_EQ(peer.type, ConnectorType::kTaxii);
  EXPECT_EQ(peer.schedule.interval, 300s);
  EXPECT_EQ(peer.taxii.tls.ca_file, "/etc/socmesh/pki/eu-root.pem");
  EXPECT_EQ(peer.taxii.page_size, 500u);
  EXPECT_EQ(peer.input.format, formats::Format::kStix);

  const ConnectorConfig& inbox = config->connectors[2];
  EXPECT_EQ(inbox.directory.done_dir, "/var/spool/socmesh/in/done");
  EXPECT_EQ(inbox.directory.failed_dir, "/var/spool/socmesh/in/failed");
  EXPECT_FALSE(inbox.input.format.has_value());  // auto
}

Error ErrorOf(const std::string& toml) {
  auto config = ParseConfig(toml, "c.toml", "/");
  EXPECT_FALSE(config.has_value());
  return config ? Error{} : config.error();
}

// The example configuration of docs/cli.md is valid as written.
TEST(ConnectConfig, TheDocumentedExampleParses) {
  const std::string doc =
      socmesh::testing::ReadFile(std::filesystem::path(SOCMESH_SOURCE_DIR) / "docs" / "cli.md");
  const size_t marker = doc.find("<!-- connect-config -->");
  ASSERT_NE(marker, std::string::npos);
  const size_t begin = doc.find("```toml\n", marker);
  ASSERT_NE(begin, std::string::npos);
  const size_t end = doc.find("```", begin + 8);
  ASSERT_NE(end, std::string::npos);
  auto config = ParseConfig(doc.substr(begin + 8, end - begin - 8), "docs/cli.md", "/etc/socmesh");
  ASSERT_TRUE(config.has_value()) << config.error().message;
  ASSERT_EQ(config->connectors.size(), 3u);
  EXPECT_EQ(config->connectors[0].http.retry.max_attempts, 4u);
  EXPECT_EQ(config->connectors[1].taxii.types.size(), 2u);
  EXPECT_EQ(config->connectors[2].schedule.interval, 10min);
  EXPECT_TRUE(config->curate);
  EXPECT_EQ(config->curation.warninglists, "flag");
  EXPECT_EQ(config->curation.list_overrides, std::vector<std::string>{"public-dns-resolvers=drop"});
}

TEST(ConnectConfig, RefusesMistakesWithTheConnectorAndKeyNamed) {
  const std::string head = "[[connector]]\nname = \"f\"\ntype = \"http\"\n";
  EXPECT_NE(ErrorOf(head + "url = \"http://x/feed\"\n").message.find("allow_plain_http"),
            std::string::npos);
  EXPECT_EQ(
      ParseConfig(head + "url = \"http://x/\"\nallow_plain_http = true\n", "c", "/").has_value(),
      true);
  const Error typo = ErrorOf(head + "url = \"https://x/\"\nintervall = \"1h\"\n");
  EXPECT_NE(typo.message.find("connector \"f\": unknown key \"intervall\" (line 5)"),
            std::string::npos)
      << typo.message;
  EXPECT_NE(
      ErrorOf(head + "url = \"https://x/\"\ninterval = \"1 hour\"\n").message.find("interval"),
      std::string::npos);
  EXPECT_NE(ErrorOf(head + "url = \"https://x/\"\nformat = \"pdf\"\n").message.find("format"),
            std::string::npos);
  EXPECT_NE(ErrorOf("[[connector]]\nname = \"a b\"\ntype = \"http\"\n").message.find("name"),
            std::string::npos);
  EXPECT_NE(ErrorOf(head + "url = \"https://x/\"\n" + head + "url = \"https://y/\"\n")
                .message.find("used twice"),
            std::string::npos);
  EXPECT_NE(ErrorOf("[[connector]]\nname = \"t\"\ntype = \"taxii\"\nurl = \"https://x/\"\n")
                .message.find("ca_file"),
            std::string::npos);
  const Error syntax = ErrorOf("[[connector]\n");
  EXPECT_EQ(syntax.code, ErrorCode::kParse);
  EXPECT_NE(syntax.message.find("c.toml:1:"), std::string::npos) << syntax.message;
}

TEST(ConnectConfig, ParsesDurations) {
  EXPECT_EQ(*ParseDuration("250ms"), 250ms);
  EXPECT_EQ(*ParseDuration("90s"), 90s);
  EXPECT_EQ(*ParseDuration("90"), 90s);
  EXPECT_EQ(*ParseDuration("2d"), 48h);
  EXPECT_FALSE(ParseDuration("").has_value());
  EXPECT_FALSE(ParseDuration("5 m").has_value());
  EXPECT_FALSE(ParseDuration("-5s").has_value());
  EXPECT_FALSE(ParseDuration("99999999999999999999s").has_value());
}

TEST(ConnectUrl, ParsesAndResolvesRedirects) {
  auto u = ParseUrl("https://feodotracker.abuse.ch/downloads/ipblocklist.csv?x=1#frag");
  ASSERT_TRUE(u.has_value());
  EXPECT_EQ(u->host, "feodotracker.abuse.ch");
  EXPECT_EQ(u->port, 443);
  EXPECT_EQ(u->target, "/downloads/ipblocklist.csv?x=1");
  EXPECT_EQ(u->Redacted(), "https://feodotracker.abuse.ch/downloads/ipblocklist.csv?…");
  auto v6 = ParseUrl("http://[::1]:8080");
  ASSERT_TRUE(v6.has_value());
  EXPECT_EQ(v6->host, "::1");
  EXPECT_EQ(v6->port, 8080);
  EXPECT_EQ(v6->target, "/");
  EXPECT_EQ(v6->ToString(), "http://[::1]:8080/");
  EXPECT_FALSE(ParseUrl("https://user:pw@host/").has_value());
  EXPECT_FALSE(ParseUrl("ftp://host/").has_value());
  EXPECT_FALSE(ParseUrl("https://host:99999/").has_value());
  EXPECT_FALSE(ParseUrl("https:///path").has_value());
  EXPECT_FALSE(ParseUrl("https://host/a b").has_value());

  EXPECT_EQ(ResolveLocation(*u, "/v2/list.csv")->target, "/v2/list.csv");
  EXPECT_EQ(ResolveLocation(*u, "other.csv")->target, "/downloads/other.csv");
  EXPECT_EQ(ResolveLocation(*u, "//mirror.example/f")->host, "mirror.example");
  EXPECT_EQ(ResolveLocation(*u, "http://plain.example/f")->scheme, "http");
  EXPECT_FALSE(ResolveLocation(*u, "").has_value());
}

TEST(ConnectUrl, RefusesHostsThatWouldPrintAsAnotherUrl) {
  // Found by fuzz/connect_url_fuzz: "[[…5]" was taken as a host and printed back differently.
  EXPECT_FALSE(ParseUrl("http://[[\xd3\xd3"
                        "5]#/")
                   .has_value());
  EXPECT_FALSE(ParseUrl("http://[not-v6]/").has_value());
  EXPECT_FALSE(ParseUrl("http://b\xc3\xbc"
                        "cher.example/")
                   .has_value());
  EXPECT_FALSE(ParseUrl("http://a[b]/").has_value());
  auto v6 = ParseUrl("https://[2001:db8::1]:8443/x");
  ASSERT_TRUE(v6.has_value());
  EXPECT_EQ(v6->host, "2001:db8::1");
  EXPECT_EQ(v6->ToString(), "https://[2001:db8::1]:8443/x");
  EXPECT_TRUE(ParseUrl("https://xn--bcher-kva.example/").has_value());
}

TEST(ConnectUrl, ReadsRetryAfterAsSecondsOrHttpDate) {
  const auto now = std::chrono::system_clock::from_time_t(784111777);  // 1994-11-06 08:49:37
  EXPECT_EQ(ParseRetryAfter("120", now), 120s);
  EXPECT_EQ(ParseRetryAfter(" 5 ", now), 5s);
  EXPECT_EQ(ParseRetryAfter("Sun, 06 Nov 1994 08:49:47 GMT", now), 10s);
  EXPECT_EQ(ParseRetryAfter("Sun, 06 Nov 1994 08:00:00 GMT", now), 0ms);
  EXPECT_FALSE(ParseRetryAfter("soon", now).has_value());
  EXPECT_FALSE(ParseRetryAfter("-1", now).has_value());
  EXPECT_FALSE(ParseRetryAfter("", now).has_value());
  // A date far in the future (found by fuzz/connect_url_fuzz) waits at most a year, like the
  // delta-seconds form, instead of overflowing the clock.
  EXPECT_EQ(ParseRetryAfter("Sun, 06 Nov 3994 08:49:47 GMT", now),
            std::chrono::seconds{86'400 * 365});
  EXPECT_EQ(ParseRetryAfter("99999999999", now), std::chrono::seconds{86'400 * 365});
}

TEST(ConnectState, RoundTripsAtomicallyAndRefusesForeignFiles) {
  socmesh::testing::TempDir dir;
  const std::string path = (dir.path() / "state.json").string();
  {
    auto file = StateFile::Open(path);
    ASSERT_TRUE(file.has_value()) << file.error().message;
    ConnectorState s;
    s.etag = "\"abc\"";
    s.last_modified = "Thu, 04 Apr 2024 07:03:03 GMT";
    s.taxii_added_after = "2024-04-04T07:03:03.123456Z";
    s.runs = 3;
    s.total.inserted = 42;
    s.last_error = "quote \" and newline \n kept";
    ASSERT_TRUE((*file)->Put("feodo", s).has_value());
  }
  EXPECT_FALSE(std::filesystem::exists(path + ".tmp"));
  auto reopened = StateFile::Open(path);
  ASSERT_TRUE(reopened.has_value()) << reopened.error().message;
  ConnectorState s = (*reopened)->Get("feodo");
  EXPECT_EQ(s.etag, "\"abc\"");
  EXPECT_EQ(s.last_modified, "Thu, 04 Apr 2024 07:03:03 GMT");
  EXPECT_EQ(s.taxii_added_after, "2024-04-04T07:03:03.123456Z");
  EXPECT_EQ(s.runs, 3);
  EXPECT_EQ(s.total.inserted, 42);
  EXPECT_EQ(s.last_error, "quote \" and newline \n kept");
  EXPECT_EQ((*reopened)->Get("unknown").runs, 0);

  std::ofstream(dir.path() / "foreign.json") << "{\"something\": \"else\"}";
  auto foreign = StateFile::Open((dir.path() / "foreign.json").string());
  ASSERT_FALSE(foreign.has_value());
  EXPECT_EQ(foreign.error().code, ErrorCode::kParse);
}

}  // namespace
}  // namespace socmesh::connect
