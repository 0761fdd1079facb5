// The node's REST API and metrics (issue 5 item 4) over mTLS on loopback: health needs a valid
// certificate like everything else, search filters by the policy function, stats need an
// operational role, /metrics is Prometheus text that counts the requests made.
#include <gtest/gtest.h>

#include <string>

#include "api/taxii_fixture.hpp"

namespace socmesh::api {
namespace {

using testing::Call;
using testing::Indicator;
using testing::kAnssiIdentity;
using testing::kOpenCollection;
using testing::Node;

net::Response Get(net::HttpClient& client, const std::string& target,
                  const std::string& token = "") {
  net::Request r;
  r.method = "GET";
  r.target = target;
  if (!token.empty()) r.headers.Set("Authorization", "Bearer " + token);
  auto res = client.Send(r);
  EXPECT_TRUE(res.has_value()) << target << ": " << res.error().message;
  return res ? *res : net::Response{599, {}, {}};
}

TEST(RestApiTest, HealthStatsSearchAndMetrics) {
  Node node;
  auto anssi = node.Client(node.anssi);
  auto bsi = node.Client(node.bsi);
  const std::string objects = std::string("/api1/collections/") + kOpenCollection + "/objects/";
  // Indicator n matches 198.51.100.n: one GREEN, one AMBER of ANSSI on the same address.
  auto r = Call(
      *anssi, "POST", objects,
      "{\"objects\":[" +
          Indicator(7, "2024-01-01T00:00:00.000Z", model::Tlp::kGreen, kAnssiIdentity) + "," +
          Indicator(257, "2024-01-01T00:00:00.000Z", model::Tlp::kAmber, kAnssiIdentity) + "]}");
  ASSERT_EQ(r.status, 202) << r.body;

  r = Get(*bsi, "/api/v1/health");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, R"({"status":"ok","organisation":"BSI","role":"reader"})");
  EXPECT_EQ(Get(*bsi, "/api/v1/health", "00.bad").status, 401);

  // 198.51.100.7: both indicators carry it; BSI sees only the GREEN one, ANSSI both.
  r = Get(*bsi, "/api/v1/search?value=198.51.100.7");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_NE(r.body.find("\"type\":\"ipv4\""), std::string::npos) << r.body;
  EXPECT_NE(r.body.find("indicator--00000007-"), std::string::npos) << r.body;
  EXPECT_EQ(r.body.find("indicator--00000101-"), std::string::npos) << r.body;
  r = Get(*anssi, "/api/v1/search?value=198.51.100.7&type=ipv4");
  EXPECT_NE(r.body.find("indicator--00000101-"), std::string::npos) << r.body;
  EXPECT_EQ(Get(*anssi, "/api/v1/search?value=198.51.100.7&type=ipv9").status, 400);
  EXPECT_EQ(Get(*anssi, "/api/v1/search").status, 400);

  EXPECT_EQ(Get(*bsi, "/api/v1/stats").status, 403);
  r = Get(*anssi, "/api/v1/stats");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_NE(r.body.find("\"objects\":2"), std::string::npos) << r.body;
  EXPECT_NE(r.body.find("\"indicator\":2"), std::string::npos) << r.body;
  EXPECT_EQ(Get(*anssi, "/api/v1/nothing").status, 404);

  r = Get(*anssi, "/metrics");
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.headers.Get("Content-Type").value_or(""), "text/plain; version=0.0.4; charset=utf-8");
  EXPECT_NE(r.body.find("socmesh_http_requests_total{endpoint=\"taxii_objects\",status=\"202\"} 1"),
            std::string::npos)
      << r.body;
  EXPECT_NE(r.body.find("socmesh_http_requests_total{endpoint=\"api_stats\",status=\"403\"} 1"),
            std::string::npos)
      << r.body;
  EXPECT_NE(r.body.find("socmesh_http_request_duration_seconds_count 10"), std::string::npos)
      << r.body;
  EXPECT_NE(r.body.find("socmesh_store_objects 2\n"), std::string::npos) << r.body;
}

// Admins issue and revoke API tokens of their own organisation; the token then works, and after
// revocation it is 401. Other roles may not manage tokens.
TEST(RestApiTest, AdminsIssueAndRevokeTokens) {
  Node node;
  auto admin = node.Client(node.certeu);
  net::Request post;
  post.method = "POST";
  post.target = "/api/v1/tokens";
  post.body = R"({"user":"carol","role":"analyst"})";
  auto r = admin->Send(post);
  ASSERT_TRUE(r.has_value());
  ASSERT_EQ(r->status, 201) << r->body;
  auto at = r->body.find("\"token\":\"") + 9;
  const std::string token = r->body.substr(at, r->body.find('"', at) - at);
  EXPECT_NE(r->body.find("\"organisation\":\"CERT-EU\""), std::string::npos) << r->body;
  EXPECT_EQ(Get(*admin, "/api/v1/health", token).body,
            R"({"status":"ok","organisation":"CERT-EU","role":"analyst"})");
  // Not an admin: refused. Bad body or role: 400.
  auto reader = node.Client(node.bsi);
  EXPECT_EQ(reader->Send(post)->status, 403);
  post.body = R"({"user":"carol","role":"root"})";
  EXPECT_EQ(admin->Send(post)->status, 400);
  post.body = "not json";
  EXPECT_EQ(admin->Send(post)->status, 400);
  // Revocation: another organisation's admin token id is not found; the owner's works.
  net::Request del;
  del.method = "DELETE";
  del.target = "/api/v1/tokens/" + token.substr(0, token.find('.'));
  EXPECT_EQ(admin->Send(del)->status, 200);
  EXPECT_EQ(admin->Send(del)->status, 404);
  EXPECT_EQ(Get(*admin, "/api/v1/health", token).status, 401);
}

}  // namespace
}  // namespace socmesh::api
