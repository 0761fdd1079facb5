// The node's HTTPS layer (B10, E20): TLS 1.3 only, mutual authentication with CRL checks, limits
// and graceful shutdown — checked with socmesh's own client and with curl as an independent one.
// Every server listens on 127.0.0.1 with an ephemeral port and is stopped by its test.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <future>
#include <string>
#include <thread>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include "common/test_data.hpp"
#include "net/http_client.hpp"
#include "net/http_server.hpp"
#include "net/test_certs.hpp"

namespace socmesh::net {
namespace {

using namespace std::chrono_literals;
using testing::Issued;
using testing::TestCa;

struct Pki {
  testing::TempDir dir;
  TestCa ca{dir.path().string(), "eu-root"};
  TestCa rogue{dir.path().string(), "rogue-root"};
  Issued server = ca.Issue("server", "CERT-EU", "BE", "node.be");
  Issued client = ca.Issue("client", "ANSSI", "FR", "soc.fr");
  Issued revoked = ca.Issue("revoked", "BSI", "DE", "soc.de");
  Issued expired = ca.Issue("expired", "NCSC", "NL", "soc.nl", -30, -1);
  Issued stranger = rogue.Issue("stranger", "ANSSI", "FR", "soc.fr");
  Issued rogue_server = rogue.Issue("rogue-server", "CERT-EU", "BE", "node.be");
};

Pki& SharedPki() {
  static Pki pki;
  return pki;
}

ServerOptions ServerFor(const Issued& id, const std::string& ca_file) {
  ServerOptions o;
  o.tls.certificate_file = id.cert_file;
  o.tls.private_key_file = id.key_file;
  o.tls.ca_file = ca_file;
  return o;
}

// Answers with the caller's organisation and country as the verified certificate says.
Response Echo(const Request& r) {
  std::string who = r.peer ? r.peer->organisation + "/" + r.peer->country : "anonymous";
  return Response::Text(200, r.method + " " + std::string(r.path()) + " " + who + " " +
                                 std::to_string(r.body.size()));
}

Result<std::unique_ptr<HttpClient>> ClientFor(const Issued* id, const std::string& ca_file,
                                              uint16_t port) {
  ClientOptions o;
  o.host = "127.0.0.1";
  o.port = port;
  if (id != nullptr) {
    o.tls.certificate_file = id->cert_file;
    o.tls.private_key_file = id->key_file;
  }
  o.tls.ca_file = ca_file;
  return HttpClient::Create(o);
}

Request Get(std::string target) {
  Request r;
  r.method = "GET";
  r.target = std::move(target);
  return r;
}

// Runs curl against the server; returns curl's exit code and fills `out` with the body.
int Curl(const std::string& args, std::string* out = nullptr) {
  std::string cmd = "curl -sS --max-time 10 " + args + " 2>&1";
  FILE* p = popen(cmd.c_str(), "r");
  std::string body;
  char buf[4096];
  while (size_t n = fread(buf, 1, sizeof buf, p)) body.append(buf, n);
  int status = pclose(p);
  if (out != nullptr) *out = body;
  return WEXITSTATUS(status);
}

TEST(HttpsTest, MutualTlsIdentifiesTheClientOrganisationAndReusesTheConnection) {
  auto& pki = SharedPki();
  auto server = HttpServer::Start(ServerFor(pki.server, pki.ca.ca_file()), Echo);
  ASSERT_TRUE(server.has_value()) << server.error().message;
  auto client = ClientFor(&pki.client, pki.ca.ca_file(), (*server)->port());
  ASSERT_TRUE(client.has_value()) << client.error().message;
  for (int i = 0; i < 3; ++i) {
    Request post = Get("/taxii2/?x=1");
    post.method = "POST";
    post.body = std::string(1000 * i, 'x');
    auto res = (*client)->Send(post);
    ASSERT_TRUE(res.has_value()) << res.error().message;
    EXPECT_EQ(res->status, 200);
    EXPECT_EQ(res->body, "POST /taxii2/ ANSSI/FR " + std::to_string(1000 * i));
  }
  ASSERT_TRUE((*client)->server().has_value());
  EXPECT_EQ((*client)->server()->organisation, "CERT-EU");
  EXPECT_EQ((*server)->stats().connections_accepted, 1u);  // keep-alive: one handshake
  EXPECT_EQ((*server)->stats().requests, 3u);
  (*server)->Stop();
}

TEST(HttpsTest, ClientsWithoutAValidCertificateAreRefused) {
  auto& pki = SharedPki();
  auto opts = ServerFor(pki.server, pki.ca.ca_file());
  opts.tls.crl_files = {pki.ca.Crl({pki.revoked.serial})};
  auto server = HttpServer::Start(opts, Echo);
  ASSERT_TRUE(server.has_value()) << server.error().message;
  const uint16_t port = (*server)->port();
  struct Case {
    const char* what;
    const Issued* id;
  } cases[] = {{"no certificate", nullptr},
               {"certificate from another CA", &pki.stranger},
               {"revoked certificate", &pki.revoked},
               {"expired certificate", &pki.expired}};
  for (const auto& c : cases) {
    auto client = ClientFor(c.id, pki.ca.ca_file(), port);
    ASSERT_TRUE(client.has_value()) << c.what << ": " << client.error().message;
    auto res = (*client)->Send(Get("/"));
    EXPECT_FALSE(res.has_value()) << c.what << " was accepted";
  }
  // The CRL does not hurt clients in good standing.
  auto good = ClientFor(&pki.client, pki.ca.ca_file(), port);
  auto res = (*good)->Send(Get("/"));
  ASSERT_TRUE(res.has_value()) << res.error().message;
  EXPECT_EQ(res->status, 200);
  const auto stats = (*server)->stats();
  EXPECT_EQ(stats.handshakes_failed, 4u);
  EXPECT_EQ(stats.requests, 1u);
  (*server)->Stop();
}

TEST(HttpsTest, TheClientRefusesAServerFromAnotherCa) {
  auto& pki = SharedPki();
  auto server =
      HttpServer::Start(ServerFor(pki.rogue_server, pki.ca.ca_file()), Echo);  // trusts EU root
  ASSERT_TRUE(server.has_value());
  auto client = ClientFor(&pki.client, pki.ca.ca_file(), (*server)->port());
  auto res = (*client)->Send(Get("/"));
  ASSERT_FALSE(res.has_value());
  EXPECT_NE(res.error().message.find("server certificate rejected"), std::string::npos)
      << res.error().message;
  (*server)->Stop();
}

TEST(HttpsTest, CurlWithClientCertificatesAndTls13Only) {
  auto& pki = SharedPki();
  auto opts = ServerFor(pki.server, pki.ca.ca_file());
  opts.tls.crl_files = {pki.ca.Crl({pki.revoked.serial})};
  auto server = HttpServer::Start(opts, Echo);
  ASSERT_TRUE(server.has_value());
  const std::string url = "https://127.0.0.1:" + std::to_string((*server)->port()) + "/health";
  const std::string trust = "--cacert " + pki.ca.ca_file() + " ";
  auto as = [&](const Issued& id) {
    return trust + "--cert " + id.cert_file + " --key " + id.key_file + " ";
  };
  std::string body;
  EXPECT_EQ(Curl(as(pki.client) + url, &body), 0) << body;
  EXPECT_EQ(body, "GET /health ANSSI/FR 0");
  EXPECT_NE(Curl(trust + url, &body), 0) << "no client certificate: " << body;
  EXPECT_NE(Curl(as(pki.stranger) + url, &body), 0) << "wrong CA: " << body;
  EXPECT_NE(Curl(as(pki.revoked) + url, &body), 0) << "revoked: " << body;
  EXPECT_NE(Curl(as(pki.expired) + url, &body), 0) << "expired: " << body;
  EXPECT_NE(Curl(as(pki.client) + "--tlsv1.2 --tls-max 1.2 " + url, &body), 0)
      << "TLS 1.2: " << body;
  (*server)->Stop();
}

TEST(HttpsTest, OversizeAndMalformedRequestsGetTheRightStatusAndTheServerGoesOn) {
  auto& pki = SharedPki();
  auto opts = ServerFor(pki.server, pki.ca.ca_file());
  opts.limits.max_body_bytes = 1024;
  opts.limits.max_header_bytes = 2048;
  auto server = HttpServer::Start(opts, Echo);
  ASSERT_TRUE(server.has_value());
  const uint16_t port = (*server)->port();
  auto client = ClientFor(&pki.client, pki.ca.ca_file(), port);
  Request big = Get("/");
  big.method = "POST";
  big.body = std::string(4096, 'x');
  auto res = (*client)->Send(big);
  ASSERT_TRUE(res.has_value()) << res.error().message;
  EXPECT_EQ(res->status, 413);
  Request fat = Get("/");
  fat.headers.Add("X-Padding", std::string(4096, 'p'));
  res = (*client)->Send(fat);
  ASSERT_TRUE(res.has_value()) << res.error().message;
  EXPECT_EQ(res->status, 431);
  const std::string url = "https://127.0.0.1:" + std::to_string(port);
  const std::string as = "--cacert " + pki.ca.ca_file() + " --cert " + pki.client.cert_file +
                         " --key " + pki.client.key_file + " ";
  std::string body;
  Curl(as + "-o /dev/null -w '%{http_code}' --request-target 'no slash' " + url, &body);
  EXPECT_EQ(body, "400");
  // Still serving.
  res = (*client)->Send(Get("/after"));
  ASSERT_TRUE(res.has_value()) << res.error().message;
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ((*server)->stats().bad_requests, 3u);
  (*server)->Stop();
}

TEST(HttpsTest, HandlerExceptionsBecome500WithoutDetails) {
  auto& pki = SharedPki();
  auto server = HttpServer::Start(
      ServerFor(pki.server, pki.ca.ca_file()),
      [](const Request&) -> Response { throw std::runtime_error("secret internals"); });
  ASSERT_TRUE(server.has_value());
  auto client = ClientFor(&pki.client, pki.ca.ca_file(), (*server)->port());
  auto res = (*client)->Send(Get("/"));
  ASSERT_TRUE(res.has_value()) << res.error().message;
  EXPECT_EQ(res->status, 500);
  EXPECT_EQ(res->body.find("secret"), std::string::npos);
  (*server)->Stop();
}

// Opens a plain TCP connection and waits until the server closes it (or `limit` passes).
bool ClosedByServerWithin(uint16_t port, std::chrono::milliseconds limit) {
  boost::asio::io_context io;
  boost::asio::ip::tcp::socket s(io);
  s.connect({boost::asio::ip::make_address("127.0.0.1"), port});
  s.non_blocking(true);
  const auto deadline = std::chrono::steady_clock::now() + limit;
  char c;
  while (std::chrono::steady_clock::now() < deadline) {
    boost::system::error_code ec;
    s.read_some(boost::asio::buffer(&c, 1), ec);
    if (ec && ec != boost::asio::error::would_block) return true;
    std::this_thread::sleep_for(10ms);
  }
  return false;
}

TEST(HttpsTest, SilentClientsTimeOutAndExcessConnectionsAreRefused) {
  auto& pki = SharedPki();
  auto opts = ServerFor(pki.server, pki.ca.ca_file());
  opts.limits.handshake_timeout = 300ms;
  opts.limits.max_connections = 2;
  auto server = HttpServer::Start(opts, Echo);
  ASSERT_TRUE(server.has_value());
  const uint16_t port = (*server)->port();
  // A client that never starts TLS is dropped after the handshake timeout.
  EXPECT_TRUE(ClosedByServerWithin(port, 3s));
  // Two idle connections fill the server; a third is closed at once.
  boost::asio::io_context io;
  boost::asio::ip::tcp::socket a(io), b(io);
  a.connect({boost::asio::ip::make_address("127.0.0.1"), port});
  b.connect({boost::asio::ip::make_address("127.0.0.1"), port});
  std::this_thread::sleep_for(50ms);
  EXPECT_TRUE(ClosedByServerWithin(port, 200ms));
  EXPECT_GE((*server)->stats().connections_refused, 1u);
  (*server)->Stop();
}

TEST(HttpsTest, StopLetsTheRequestInProgressFinish) {
  auto& pki = SharedPki();
  std::promise<void> entered;
  std::atomic<bool> signalled{false};
  auto server = HttpServer::Start(ServerFor(pki.server, pki.ca.ca_file()), [&](const Request& r) {
    if (r.path() == "/slow" && !signalled.exchange(true)) {
      entered.set_value();
      std::this_thread::sleep_for(300ms);
    }
    return Echo(r);
  });
  ASSERT_TRUE(server.has_value());
  const uint16_t port = (*server)->port();
  auto idle = ClientFor(&pki.client, pki.ca.ca_file(), port);  // connected, then idle
  ASSERT_TRUE((*idle)->Send(Get("/warm")).has_value());
  auto busy = std::async(std::launch::async, [&] {
    auto client = ClientFor(&pki.client, pki.ca.ca_file(), port);
    return (*client)->Send(Get("/slow"));
  });
  entered.get_future().wait();
  const auto t0 = std::chrono::steady_clock::now();
  (*server)->Stop(5s);
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 4s);  // the idle connection did not hold it
  auto res = busy.get();
  ASSERT_TRUE(res.has_value()) << res.error().message;
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(res->headers.Get("Connection").value_or(""), "close");
  auto after = ClientFor(&pki.client, pki.ca.ca_file(), port);
  EXPECT_FALSE((*after)->Send(Get("/")).has_value());
}

TEST(HttpsTest, ConfigurationErrorsNameTheFile) {
  auto& pki = SharedPki();
  auto opts = ServerFor(pki.server, pki.ca.ca_file());
  opts.tls.private_key_file = pki.client.key_file;  // not the server certificate's key
  auto server = HttpServer::Start(opts, Echo);
  ASSERT_FALSE(server.has_value());
  EXPECT_NE(server.error().message.find(pki.client.key_file), std::string::npos)
      << server.error().message;
  opts = ServerFor(pki.server, "/nonexistent/ca.pem");
  server = HttpServer::Start(opts, Echo);
  ASSERT_FALSE(server.has_value());
  EXPECT_NE(server.error().message.find("/nonexistent/ca.pem"), std::string::npos);
  opts = ServerFor(pki.server, "");
  server = HttpServer::Start(opts, Echo);
  ASSERT_FALSE(server.has_value());
  EXPECT_NE(server.error().message.find("mutual TLS"), std::string::npos);
}

TEST(HttpTest, QueryParametersAreDecoded) {
  Request r =
      Get("/taxii2/api/collections/x/objects/?match%5Btype%5D=indicator,malware&limit=5"
          "&next=a+b%2Fc&bad=%zz");
  EXPECT_EQ(r.path(), "/taxii2/api/collections/x/objects/");
  auto q = r.query();
  ASSERT_EQ(q.size(), 4u);
  EXPECT_EQ(q[0], (std::pair<std::string, std::string>{"match[type]", "indicator,malware"}));
  EXPECT_EQ(q[1].second, "5");
  EXPECT_EQ(q[2].second, "a b/c");
  EXPECT_EQ(q[3].second, "%zz");
  Headers h;
  h.Add("Content-Type", "a");
  h.Set("content-type", "b");
  EXPECT_EQ(h.Get("CONTENT-TYPE").value_or(""), "b");
  EXPECT_EQ(h.fields().size(), 1u);
}

}  // namespace
}  // namespace socmesh::net
