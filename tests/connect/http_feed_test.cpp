// HTTP(S) feed connector (B2a) against a feed server the test starts on loopback, serving the
// real abuse.ch feeds of ../shared/data/feeds: conditional GET (ETag / Last-Modified → 304),
// retries with backoff and Retry-After, redirects, limits, malformed feeds, TLS trust (public CA
// store vs the test CA, mTLS) and secrets kept out of messages.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <memory>
#include <string>
#include <thread>

#include "common/test_data.hpp"
#include "connect/feed_server.hpp"
#include "connect/http_feed.hpp"
#include "formats/import.hpp"
#include "net/test_certs.hpp"
#include "store/store.hpp"

namespace socmesh::connect {
namespace {

using socmesh::testing::DataPath;
using socmesh::testing::Issued;
using socmesh::testing::ReadFile;
using socmesh::testing::TempDir;
using socmesh::testing::TestCa;
using testing::FeedServer;

constexpr char kEtag1[] = "\"feodo-v1\"";
constexpr char kDate1[] = "Thu, 04 Apr 2024 07:03:03 GMT";

struct Fixture {
  TempDir dir;
  TestCa ca{dir.path().string(), "feed-root"};
  Issued server_cert = ca.Issue("feed", "abuse.ch", "CH", "localhost");
  Issued client_cert = ca.Issue("client", "ANSSI", "FR", "soc.fr");
  std::unique_ptr<store::Store> store;
  std::unique_ptr<StoreSink> sink;

  Fixture() {
    auto opened = store::OpenStore({(dir.path() / "store.db").string()});
    EXPECT_TRUE(opened.has_value()) << opened.error().message;
    store = std::move(*opened);
    sink = std::make_unique<StoreSink>(*store);
  }

  ConnectorConfig Feed(const std::string& url) const {
    ConnectorConfig c;
    c.name = "feodo";
    c.type = ConnectorType::kHttp;
    c.input.format = formats::Format::kCsv;
    c.input.preset = "feodo";
    c.http.url = url;
    c.http.tls.ca_file = ca.ca_file();
    c.http.timeout = std::chrono::milliseconds{10'000};
    c.http.retry.initial_backoff = std::chrono::milliseconds{10};
    c.http.retry.max_backoff = std::chrono::milliseconds{2000};
    c.http.retry.max_attempts = 3;
    return c;
  }

  int64_t StoredVersions() {
    auto stats = store->Stats();
    EXPECT_TRUE(stats.has_value());
    return stats ? stats->object_versions : -1;
  }

  RunReport Poll(Connector& c, ConnectorState& state) {
    StopSignal stop;
    RunContext ctx{state, stop, [] { return Result<void>{}; }};
    return c.Run(ctx);
  }

  std::unique_ptr<Connector> Make(const ConnectorConfig& config) {
    auto c = MakeConnector(config, *sink);
    EXPECT_TRUE(c.has_value()) << c.error().message;
    return c ? std::move(*c) : nullptr;
  }
};

// The objects the feed importer makes of `bytes` (the expectation for a first import).
size_t ObjectsOf(const std::string& bytes, const std::string& preset) {
  formats::ImportRequest r;
  r.format = formats::Format::kCsv;
  r.csv_preset = preset;
  auto imported = formats::Import(bytes, r);
  EXPECT_TRUE(imported.has_value());
  return imported ? imported->bundle.objects.size() : 0;
}

std::string Feodo() { return ReadFile(DataPath("feeds/abuse.ch-feodotracker/ipblocklist.csv")); }

TEST(HttpFeed, FirstPollImportsThenValidatorsGive304ThenChangedContentImports) {
  Fixture f;
  FeedServer server(f.ca, f.server_cert);
  const std::string feodo = Feodo();
  server.Serve("/downloads/ipblocklist.csv", feodo, kEtag1, kDate1);
  auto c = f.Make(f.Feed(server.Url("/downloads/ipblocklist.csv")));
  ASSERT_NE(c, nullptr);
  ConnectorState state;

  // First poll: no validators sent, the whole feed stored, validators remembered.
  RunReport first = f.Poll(*c, state);
  ASSERT_EQ(first.result, RunResult::kOk) << FormatRunLine(first);
  const size_t expected = ObjectsOf(feodo, "feodo");
  ASSERT_GT(expected, 10u);
  EXPECT_EQ(first.counts.inserted, static_cast<int64_t>(expected));
  EXPECT_EQ(first.counts.bytes, static_cast<int64_t>(feodo.size()));
  EXPECT_EQ(f.StoredVersions(), static_cast<int64_t>(expected));
  EXPECT_EQ(state.etag, kEtag1);
  EXPECT_EQ(state.last_modified, kDate1);

  // Second poll: the server sees both validators and answers 304; nothing imported.
  RunReport second = f.Poll(*c, state);
  EXPECT_EQ(second.result, RunResult::kNotModified) << FormatRunLine(second);
  EXPECT_EQ(second.counts.objects, 0);
  auto seen = server.requests();
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(seen[0].if_none_match, "");
  EXPECT_EQ(seen[0].if_modified_since, "");
  EXPECT_EQ(seen[1].if_none_match, kEtag1);
  EXPECT_EQ(seen[1].if_modified_since, kDate1);
  EXPECT_FALSE(seen[1].user_agent.empty());
  EXPECT_FALSE(seen[1].client_certificate);  // a public feed: no client certificate needed
  EXPECT_EQ(f.StoredVersions(), static_cast<int64_t>(expected));

  // The feed changes: imported again, the known rows are no-ops.
  // (one more C2, before the closing "# END" comment line)
  std::string changed = feodo;
  changed.insert(changed.rfind("# END"),
                 "\"2024-04-04 06:00:00\",\"203.0.113.77\",\"443\",\"online\",\"2024-04-04\","
                 "\"QakBot\"\n");
  server.Serve("/downloads/ipblocklist.csv", changed, "\"feodo-v2\"",
               "Thu, 04 Apr 2024 08:00:00 GMT");
  RunReport third = f.Poll(*c, state);
  ASSERT_EQ(third.result, RunResult::kOk) << FormatRunLine(third);
  EXPECT_GT(third.counts.inserted, 0);
  EXPECT_EQ(third.counts.inserted + third.counts.unchanged,
            static_cast<int64_t>(ObjectsOf(changed, "feodo")));
  EXPECT_EQ(f.StoredVersions(), static_cast<int64_t>(expected) + third.counts.inserted);
  EXPECT_EQ(server.requests()[2].if_none_match, kEtag1);
  EXPECT_EQ(state.etag, "\"feodo-v2\"");
}

TEST(HttpFeed, LastModifiedAloneIsSentBackWithoutEtag) {
  Fixture f;
  FeedServer server(f.ca, f.server_cert);
  server.Serve("/feed.csv", Feodo(), "", kDate1);
  auto c = f.Make(f.Feed(server.Url("/feed.csv")));
  ConnectorState state;
  ASSERT_EQ(f.Poll(*c, state).result, RunResult::kOk);
  EXPECT_EQ(state.etag, "");
  EXPECT_EQ(f.Poll(*c, state).result, RunResult::kNotModified);
  EXPECT_EQ(server.requests().back().if_modified_since, kDate1);
  EXPECT_EQ(server.requests().back().if_none_match, "");
}

TEST(HttpFeed, ServerErrorIsRetriedThenImports) {
  Fixture f;
  FeedServer server(f.ca, f.server_cert);
  server.Serve("/feed.csv", Feodo(), kEtag1, kDate1);
  server.Queue("/feed.csv", net::Response::Text(500, "oops"));
  auto c = f.Make(f.Feed(server.Url("/feed.csv")));
  ConnectorState state;
  RunReport r = f.Poll(*c, state);
  ASSERT_EQ(r.result, RunResult::kOk) << FormatRunLine(r);
  EXPECT_EQ(r.attempts, 2u);
  EXPECT_EQ(server.requests().size(), 2u);
  EXPECT_GT(r.counts.inserted, 0);
}

TEST(HttpFeed, RetryAfterOfTheServerIsHonoured) {
  Fixture f;
  FeedServer server(f.ca, f.server_cert);
  server.Serve("/feed.csv", Feodo(), kEtag1, kDate1);
  net::Response busy = net::Response::Text(503, "busy");
  busy.headers.Set("Retry-After", "1");
  server.Queue("/feed.csv", busy);
  auto c = f.Make(f.Feed(server.Url("/feed.csv")));
  ConnectorState state;
  RunReport r = f.Poll(*c, state);
  ASSERT_EQ(r.result, RunResult::kOk) << FormatRunLine(r);
  ASSERT_EQ(r.notes.size(), 1u);
  // 1 s from the header rather than the configured 10 ms backoff.
  EXPECT_EQ(r.notes[0], "retry after HTTP 503 in 1000 ms");
  EXPECT_GE(r.elapsed.count(), 1000);
}

TEST(HttpFeed, GivesUpAfterMaxAttemptsAndStoresNothing) {
  Fixture f;
  FeedServer server(f.ca, f.server_cert);
  for (int i = 0; i < 5; ++i) server.Queue("/feed.csv", net::Response::Text(502, "down"));
  server.Serve("/feed.csv", Feodo(), kEtag1, kDate1);
  auto c = f.Make(f.Feed(server.Url("/feed.csv")));
  ConnectorState state;
  RunReport r = f.Poll(*c, state);
  EXPECT_EQ(r.result, RunResult::kFailed);
  EXPECT_EQ(r.attempts, 3u);
  EXPECT_EQ(server.requests().size(), 3u);
  ASSERT_TRUE(r.error.has_value());
  EXPECT_NE(r.error->message.find("HTTP 502"), std::string::npos) << r.error->message;
  EXPECT_EQ(f.StoredVersions(), 0);
}

TEST(HttpFeed, ClientErrorIsNotRetried) {
  Fixture f;
  FeedServer server(f.ca, f.server_cert);
  auto c = f.Make(f.Feed(server.Url("/missing.csv")));
  ConnectorState state;
  RunReport r = f.Poll(*c, state);
  EXPECT_EQ(r.result, RunResult::kFailed);
  ASSERT_TRUE(r.error.has_value());
  EXPECT_EQ(r.error->code, ErrorCode::kNotFound);
  EXPECT_EQ(server.requests().size(), 1u);
}

TEST(HttpFeed, OversizeFeedIsRefusedAndStoreUnchanged) {
  Fixture f;
  FeedServer server(f.ca, f.server_cert);
  const std::string urlhaus =
      ReadFile(DataPath("feeds/abuse.ch-urlhaus/urlhaus_csv_sample_500rows.csv"));
  server.Serve("/urlhaus.csv", urlhaus, "\"u1\"", kDate1);
  ConnectorConfig config = f.Feed(server.Url("/urlhaus.csv"));
  config.input.preset = "urlhaus";
  config.input.max_bytes = 10'000;  // the sample is ~95 kB
  auto c = f.Make(config);
  ConnectorState state;
  RunReport r = f.Poll(*c, state);
  EXPECT_EQ(r.result, RunResult::kFailed);
  ASSERT_TRUE(r.error.has_value());
  EXPECT_EQ(r.error->code, ErrorCode::kTooLarge) << r.error->message;
  EXPECT_EQ(r.attempts, 1u);  // a limit is not a transient failure
  EXPECT_EQ(f.StoredVersions(), 0);
  EXPECT_EQ(state.etag, "");  // nothing stored: the next poll asks unconditionally
}

TEST(HttpFeed, MalformedFeedIsReportedStoreUnchangedValidatorsNotKept) {
  Fixture f;
  FeedServer server(f.ca, f.server_cert);
  server.Serve("/bundle.json", "{\"type\": \"bundle\", \"objects\": [ {\"type\": ", "\"b1\"",
               kDate1);
  ConnectorConfig config = f.Feed(server.Url("/bundle.json"));
  config.input.format = formats::Format::kStix;
  auto c = f.Make(config);
  ConnectorState state;
  RunReport r = f.Poll(*c, state);
  EXPECT_EQ(r.result, RunResult::kFailed);
  ASSERT_TRUE(r.error.has_value());
  EXPECT_EQ(r.error->code, ErrorCode::kParse) << r.error->message;
  EXPECT_EQ(f.StoredVersions(), 0);
  EXPECT_EQ(state.etag, "");

  // An HTML error page served with 200 where the Feodo CSV was expected: every row rejected.
  server.Serve("/feed.csv", "<html><body>Service temporarily unavailable</body></html>\n", "", "");
  auto c2 = f.Make(f.Feed(server.Url("/feed.csv")));
  RunReport html = f.Poll(*c2, state);
  EXPECT_EQ(html.result, RunResult::kFailed) << FormatRunLine(html);
  EXPECT_EQ(f.StoredVersions(), 0);
}

TEST(HttpFeed, FollowsRedirectsWithinTheLimit) {
  Fixture f;
  FeedServer server(f.ca, f.server_cert);
  server.Serve("/v2/ipblocklist.csv", Feodo(), kEtag1, kDate1);
  net::Response moved = net::Response::Text(301, "");
  moved.headers.Set("Location", "/v2/ipblocklist.csv");
  server.Queue("/ipblocklist.csv", moved);
  auto c = f.Make(f.Feed(server.Url("/ipblocklist.csv")));
  ConnectorState state;
  RunReport r = f.Poll(*c, state);
  ASSERT_EQ(r.result, RunResult::kOk) << FormatRunLine(r);
  auto seen = server.requests();
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(seen[1].target, "/v2/ipblocklist.csv");

  // A redirect loop ends at max_redirects.
  for (int i = 0; i < 10; ++i) {
    net::Response loop = net::Response::Text(302, "");
    loop.headers.Set("Location", server.Url("/loop"));
    server.Queue("/loop", loop);
  }
  ConnectorConfig config = f.Feed(server.Url("/loop"));
  config.http.max_redirects = 3;
  auto looping = f.Make(config);
  ConnectorState s2;
  RunReport lr = f.Poll(*looping, s2);
  EXPECT_EQ(lr.result, RunResult::kFailed);
  ASSERT_TRUE(lr.error.has_value());
  EXPECT_NE(lr.error->message.find("more than 3 redirects"), std::string::npos);

  // A downgrade to plain http is refused unless configured.
  net::Response downgrade = net::Response::Text(302, "");
  downgrade.headers.Set("Location", "http://127.0.0.1:1/feed.csv");
  server.Queue("/down", downgrade);
  auto down = f.Make(f.Feed(server.Url("/down")));
  ConnectorState s3;
  RunReport dr = f.Poll(*down, s3);
  EXPECT_EQ(dr.result, RunResult::kFailed);
  ASSERT_TRUE(dr.error.has_value());
  EXPECT_EQ(dr.error->code, ErrorCode::kPermission) << dr.error->message;
}

TEST(HttpFeed, SystemTrustStoreDoesNotTrustTheTestCa) {
  Fixture f;
  FeedServer server(f.ca, f.server_cert);
  server.Serve("/feed.csv", Feodo(), kEtag1, kDate1);
  ConnectorConfig config = f.Feed(server.Url("/feed.csv"));
  config.http.tls.ca_file.clear();  // public feed: the system's CA store
  config.http.retry.max_attempts = 1;
  auto c = f.Make(config);
  ConnectorState state;
  RunReport r = f.Poll(*c, state);
  EXPECT_EQ(r.result, RunResult::kFailed);
  ASSERT_TRUE(r.error.has_value());
  EXPECT_NE(r.error->message.find("certificate rejected"), std::string::npos) << r.error->message;
  EXPECT_TRUE(server.requests().empty());
}

TEST(HttpFeed, PresentsClientCertificateToAPeerThatRequiresOne) {
  Fixture f;
  FeedServer server(f.ca, f.server_cert, /*require_client_certificate=*/true);
  server.Serve("/feed.csv", Feodo(), kEtag1, kDate1);
  ConnectorConfig with_cert = f.Feed(server.Url("/feed.csv"));
  with_cert.http.tls.certificate_file = f.client_cert.cert_file;
  with_cert.http.tls.private_key_file = f.client_cert.key_file;
  auto c = f.Make(with_cert);
  ConnectorState state;
  RunReport r = f.Poll(*c, state);
  ASSERT_EQ(r.result, RunResult::kOk) << FormatRunLine(r);
  ASSERT_EQ(server.requests().size(), 1u);
  EXPECT_TRUE(server.requests()[0].client_certificate);

  ConnectorConfig without = f.Feed(server.Url("/feed.csv"));
  without.http.retry.max_attempts = 1;
  auto anonymous = f.Make(without);
  ConnectorState s2;
  EXPECT_EQ(f.Poll(*anonymous, s2).result, RunResult::kFailed);
}

TEST(HttpFeed, SecretsInHeadersAndQueryNeverAppearInReports) {
  Fixture f;
  FeedServer server(f.ca, f.server_cert);
  for (int i = 0; i < 3; ++i) server.Queue("/feed.csv", net::Response::Text(500, "x"));
  ConnectorConfig config = f.Feed(server.Url("/feed.csv?auth-key=s3cr3t-query"));
  config.http.headers = {{"Auth-Key", "s3cr3t-header"}};
  auto c = f.Make(config);
  ConnectorState state;
  RunReport r = f.Poll(*c, state);
  ASSERT_EQ(r.result, RunResult::kFailed);
  // The header was sent …
  ASSERT_FALSE(server.requests().empty());
  EXPECT_EQ(server.requests()[0].headers["auth-key"], "s3cr3t-header");
  // … and neither secret is in the progress line.
  const std::string line = FormatRunLine(r);
  EXPECT_EQ(line.find("s3cr3t"), std::string::npos) << line;
  EXPECT_NE(line.find("/feed.csv?…"), std::string::npos) << line;
}

// A one-shot plain HTTP/1.1 server on 127.0.0.1 (net::HttpServer speaks TLS only): answers one
// request with `body` and records the request head.
class PlainServer {
 public:
  explicit PlainServer(std::string body) : body_(std::move(body)) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    EXPECT_EQ(::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
    EXPECT_EQ(::listen(fd_, 1), 0);
    socklen_t len = sizeof a;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len);
    port_ = ntohs(a.sin_port);
    thread_ = std::thread([this] {
      int c = ::accept(fd_, nullptr, nullptr);
      if (c < 0) return;
      char buf[4096];
      while (head_.find("\r\n\r\n") == std::string::npos) {
        ssize_t n = ::read(c, buf, sizeof buf);
        if (n <= 0) break;
        head_.append(buf, static_cast<size_t>(n));
      }
      const std::string response =
          "HTTP/1.1 200 OK\r\nContent-Length: " + std::to_string(body_.size()) +
          "\r\nConnection: close\r\n\r\n" + body_;
      (void)!::write(c, response.data(), response.size());
      ::close(c);
    });
  }
  ~PlainServer() {
    ::shutdown(fd_, SHUT_RDWR);
    ::close(fd_);
    thread_.join();
  }
  uint16_t port() const { return port_; }
  const std::string& head() const { return head_; }

 private:
  std::string body_;
  std::string head_;
  int fd_ = -1;
  uint16_t port_ = 0;
  std::thread thread_;
};

TEST(HttpFeed, PlainHttpOnlyWhenExplicitlyAllowed) {
  Fixture f;
  ConnectorConfig config = f.Feed("http://127.0.0.1:9/feed.csv");
  auto refused = MakeConnector(config, *f.sink);
  ASSERT_FALSE(refused.has_value());
  EXPECT_NE(refused.error().message.find("allow_plain_http"), std::string::npos);

  PlainServer server(Feodo());
  config.http.url = "http://127.0.0.1:" + std::to_string(server.port()) + "/feed.csv";
  config.http.allow_plain_http = true;
  auto c = f.Make(config);
  ASSERT_NE(c, nullptr);
  ConnectorState state;
  RunReport r = f.Poll(*c, state);
  ASSERT_EQ(r.result, RunResult::kOk) << FormatRunLine(r);
  EXPECT_EQ(r.counts.inserted, static_cast<int64_t>(ObjectsOf(Feodo(), "feodo")));
  EXPECT_EQ(server.head().rfind("GET /feed.csv HTTP/1.1\r\n", 0), 0u) << server.head();
}

}  // namespace
}  // namespace socmesh::connect
