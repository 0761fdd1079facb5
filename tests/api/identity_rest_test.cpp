// The identity REST API (issue 5 item 4; E6, E17, E19) over mTLS on loopback with a registry
// attached: organisations (network administrators only), users and tokens (admins of their own
// organisation only), sharing groups (owner's admins; members see their groups), roles, me.
// Every change is validated (400), refused for the wrong role (403) or organisation (403/404).
#include <gtest/gtest.h>

#include <string>

#include "api/identity_fixture.hpp"

namespace socmesh::api {
namespace {

using testing::IdentityNode;
using testing::JsonField;
using testing::Node;
using testing::Send;

constexpr char kOrgs[] = "/api/v1/organisations";
constexpr char kUsers[] = "/api/v1/users";
constexpr char kTokens[] = "/api/v1/tokens";
constexpr char kGroups[] = "/api/v1/groups";

TEST(IdentityRestTest, OnlyNetworkAdministratorsRegisterOrganisations) {
  IdentityNode node;
  auto certeu = node.Client(node.certeu);  // admin of the operator organisation
  auto anssi = node.Client(node.anssi);
  auto bsi = node.Client(node.bsi);
  const std::string anssi_admin = node.TokenFor("ANSSI", "alice", Role::kAdmin);

  auto r = Send(*bsi, "GET", kOrgs);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_NE(r.body.find(R"({"name":"NCSC","country":"NL","role":"peer",)"), std::string::npos)
      << r.body;
  const std::string ccn = R"({"name":"CCN-CERT","country":"ES","role":"peer"})";
  EXPECT_EQ(Send(*anssi, "POST", kOrgs, ccn, anssi_admin).status, 403);  // admin, not network
  EXPECT_EQ(Send(*bsi, "POST", kOrgs, ccn).status, 403);
  r = Send(*certeu, "POST", kOrgs, ccn);
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_EQ(JsonField(r.body, "role"), "peer");
  EXPECT_EQ(Send(*certeu, "POST", kOrgs, ccn).status, 409);
  EXPECT_EQ(Send(*certeu, "POST", kOrgs, R"({"name":"ccn-cert","country":"ES"})").status, 409);

  // Validation: 400 with a body naming the field.
  struct Bad {
    const char* body;
    const char* says;
  };
  for (const Bad& bad :
       {Bad{R"({"name":"X","country":"es"})", "country: "},
        Bad{R"({"name":"X","country":"EU"})", "country: "},
        Bad{R"({"name":"X","country":"ES","role":"root"})", "role: "},
        Bad{R"({"name":" X","country":"ES"})", "organisation: "},
        Bad{R"({"name":"X"})", "country: required"},
        Bad{R"({"name":"X","country":"ES","admin":true})", "unknown member"},
        Bad{R"({"name":"X","name":"Y","country":"ES"})", "given twice"},
        Bad{R"({"name":7,"country":"ES"})", "name: expected a string"},
        Bad{R"(["X","ES"])", "expected a JSON object"}, Bad{"not json", "not valid JSON"}}) {
    r = Send(*certeu, "POST", kOrgs, bad.body);
    EXPECT_EQ(r.status, 400) << bad.body;
    EXPECT_EQ(JsonField(r.body, "error"), "invalid-argument") << r.body;
    EXPECT_NE(r.body.find(bad.says), std::string::npos) << bad.body << " -> " << r.body;
  }

  // Names with spaces are percent-encoded in paths.
  ASSERT_EQ(Send(*certeu, "POST", kOrgs, R"({"name":"ACME CERT","country":"IE"})").status, 201);
  r = Send(*bsi, "GET", std::string(kOrgs) + "/ACME%20CERT");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(JsonField(r.body, "role"), "reader");  // the default
  EXPECT_EQ(Send(*bsi, "GET", std::string(kOrgs) + "/NOWHERE").status, 404);

  // A changed default role applies to the organisation's next request.
  EXPECT_EQ(JsonField(Send(*bsi, "GET", "/api/v1/health").body, "role"), "reader");
  const std::string bsi_path = std::string(kOrgs) + "/BSI";
  EXPECT_EQ(Send(*bsi, "PATCH", bsi_path, R"({"role":"analyst"})").status, 403);
  EXPECT_EQ(Send(*anssi, "PATCH", bsi_path, R"({"role":"analyst"})", anssi_admin).status, 403);
  EXPECT_EQ(Send(*certeu, "PATCH", bsi_path, R"({"role":"superuser"})").status, 400);
  EXPECT_EQ(Send(*certeu, "PATCH", std::string(kOrgs) + "/NOWHERE", R"({"role":"peer"})").status,
            404);
  r = Send(*certeu, "PATCH", bsi_path, R"({"role":"analyst"})");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(JsonField(Send(*bsi, "GET", "/api/v1/health").body, "role"), "analyst");
  EXPECT_EQ(Send(*certeu, "DELETE", bsi_path).status, 405);
}

TEST(IdentityRestTest, AdminsManageUsersAndTokensOfTheirOwnOrganisation) {
  IdentityNode node;
  auto certeu = node.Client(node.certeu);
  auto bsi = node.Client(node.bsi);
  auto enisa = node.Client(node.enisa);

  auto r = Send(*certeu, "POST", kUsers, R"({"name":"alice","role":"analyst"})");
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_NE(r.body.find("\"disabled\":false"), std::string::npos) << r.body;
  EXPECT_EQ(Send(*certeu, "POST", kUsers, R"({"name":"alice","role":"reader"})").status, 409);
  EXPECT_EQ(Send(*certeu, "POST", kUsers, R"({"name":"al ice","role":"reader"})").status, 400);
  EXPECT_EQ(Send(*certeu, "POST", kUsers, R"({"name":"bob","role":"boss"})").status, 400);
  EXPECT_EQ(Send(*certeu, "POST", kUsers, R"({"name":"bob"})").status, 400);
  EXPECT_EQ(Send(*bsi, "POST", kUsers, R"({"name":"mallory","role":"admin"})").status, 403);
  EXPECT_EQ(Send(*bsi, "GET", kUsers).status, 403);  // reader
  r = Send(*enisa, "GET", kUsers);                   // auditor: reads its own (none)
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.body, R"({"users":[]})");

  // Tokens: the secret once, at issue; a token's role is at most its user's.
  r = Send(*certeu, "POST", kTokens, R"({"user":"alice","expires_in":3600})");
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_EQ(r.headers.Get("Cache-Control").value_or(""), "no-store");
  const std::string token = JsonField(r.body, "token");
  const std::string token_id = JsonField(r.body, "token_id");
  ASSERT_EQ(token.substr(0, 17), token_id + ".");
  r = Send(*certeu, "GET", "/api/v1/me", "", token);
  EXPECT_EQ(r.body, R"({"organisation":"CERT-EU","country":"BE","user":"alice","role":"analyst",)"
                    R"("sharing_groups":[],"network_admin":false})");
  EXPECT_EQ(Send(*certeu, "POST", kTokens, R"({"user":"alice","role":"admin"})").status, 400);
  EXPECT_EQ(Send(*certeu, "POST", kTokens, R"({"user":"alice","expires_in":10})").status, 400);
  EXPECT_EQ(Send(*certeu, "POST", kTokens, R"({"user":"ghost"})").status, 404);
  EXPECT_EQ(Send(*certeu, "POST", kTokens, R"({"user":"alice","expires_in":"1h"})").status, 400);
  EXPECT_EQ(Send(*bsi, "POST", kTokens, R"({"user":"alice"})").status, 403);
  r = Send(*certeu, "GET", kTokens);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_NE(r.body.find("\"token_id\":\"" + token_id + "\""), std::string::npos) << r.body;
  EXPECT_EQ(r.body.find(token.substr(17)), std::string::npos) << "secret listed";
  EXPECT_NE(r.body.find("\"revoked\":null"), std::string::npos) << r.body;

  // A token is useless with another organisation's certificate.
  EXPECT_EQ(Send(*bsi, "GET", "/api/v1/health", "", token).status, 401);

  // Another organisation's admin cannot see or touch CERT-EU's users and tokens.
  const std::string bsi_admin = node.TokenFor("BSI", "bob", Role::kAdmin);
  const std::string alice = std::string(kUsers) + "/alice";
  EXPECT_EQ(Send(*bsi, "PATCH", alice, R"({"disabled":true})", bsi_admin).status, 404);
  EXPECT_EQ(Send(*bsi, "DELETE", std::string(kTokens) + "/" + token_id, "", bsi_admin).status, 404);
  r = Send(*bsi, "GET", kUsers, "", bsi_admin);
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.body.find("alice"), std::string::npos) << r.body;
  EXPECT_EQ(Send(*certeu, "GET", "/api/v1/health", "", token).status, 200);

  // Disabling and demoting take effect on the next request.
  EXPECT_EQ(Send(*certeu, "PATCH", alice, R"({})").status, 400);
  EXPECT_EQ(Send(*certeu, "PATCH", alice, R"({"disabled":"yes"})").status, 400);
  EXPECT_EQ(Send(*certeu, "PATCH", std::string(kUsers) + "/ghost", R"({"disabled":true})").status,
            404);
  r = Send(*certeu, "PATCH", alice, R"({"disabled":true})");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_NE(r.body.find("\"disabled\":true"), std::string::npos) << r.body;
  EXPECT_EQ(Send(*certeu, "GET", "/api/v1/health", "", token).status, 401);
  ASSERT_EQ(Send(*certeu, "PATCH", alice, R"({"disabled":false})").status, 200);
  EXPECT_EQ(Send(*certeu, "GET", "/api/v1/health", "", token).status, 200);
  ASSERT_EQ(Send(*certeu, "PATCH", alice, R"({"role":"reader"})").status, 200);
  EXPECT_EQ(Send(*certeu, "GET", "/api/v1/health", "", token).status, 401);  // analyst token
  ASSERT_EQ(Send(*certeu, "PATCH", alice, R"({"role":"analyst"})").status, 200);

  // Admins acting by token cannot lock themselves out.
  const std::string root = node.TokenFor("CERT-EU", "root", Role::kAdmin);
  EXPECT_EQ(
      Send(*certeu, "PATCH", std::string(kUsers) + "/root", R"({"disabled":true})", root).status,
      409);

  // Revocation by the owner: 200, then the token is refused.
  r = Send(*certeu, "DELETE", std::string(kTokens) + "/" + token_id, "", root);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(Send(*certeu, "GET", "/api/v1/health", "", token).status, 401);
  EXPECT_EQ(Send(*certeu, "DELETE", std::string(kTokens) + "/" + token_id, "", root).status, 200)
      << "revoking twice keeps the first revocation";
  r = Send(*certeu, "GET", kTokens);
  const size_t entry = r.body.find("\"token_id\":\"" + token_id);
  ASSERT_NE(entry, std::string::npos) << r.body;
  EXPECT_EQ(r.body.compare(r.body.find("\"revoked\":", entry), 12, "\"revoked\":\"2"), 0) << r.body;
}

TEST(IdentityRestTest, SharingGroupsBelongToTheirOwner) {
  IdentityNode node;
  auto certeu = node.Client(node.certeu);
  auto anssi = node.Client(node.anssi);
  auto bsi = node.Client(node.bsi);
  const std::string anssi_admin = node.TokenFor("ANSSI", "alice", Role::kAdmin);
  const std::string bsi_admin = node.TokenFor("BSI", "bob", Role::kAdmin);

  auto r = Send(*certeu, "POST", kGroups, R"({"name":"eu-cti"})");
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_NE(r.body.find(R"("owner":"CERT-EU","members":["CERT-EU"])"), std::string::npos) << r.body;
  EXPECT_EQ(Send(*certeu, "POST", kGroups, R"({"name":"eu-cti"})").status, 409);
  EXPECT_EQ(Send(*certeu, "POST", kGroups, R"({"name":"eu cti"})").status, 400);
  EXPECT_EQ(Send(*bsi, "POST", kGroups, R"({"name":"de-only"})").status, 403);  // reader

  const std::string members = std::string(kGroups) + "/eu-cti/members/";
  EXPECT_EQ(Send(*certeu, "PUT", members + "ANSSI").status, 201);
  EXPECT_EQ(Send(*certeu, "PUT", members + "ANSSI").status, 200);
  EXPECT_EQ(Send(*certeu, "PUT", members + "NOWHERE").status, 404);

  // Members see the group; others are not told it exists.
  r = Send(*anssi, "GET", kGroups);
  ASSERT_EQ(r.status, 200);
  EXPECT_NE(r.body.find(R"("name":"eu-cti","owner":"CERT-EU","members":["ANSSI","CERT-EU"])"),
            std::string::npos)
      << r.body;
  EXPECT_NE(Send(*anssi, "GET", "/api/v1/me").body.find(R"("sharing_groups":["eu-cti"])"),
            std::string::npos);
  EXPECT_EQ(Send(*bsi, "GET", kGroups).body, R"({"groups":[]})");
  EXPECT_EQ(Send(*bsi, "GET", std::string(kGroups) + "/eu-cti").status, 404);
  EXPECT_EQ(Send(*anssi, "GET", std::string(kGroups) + "/eu-cti").status, 200);

  // A member's admin cannot change the owner's group; a non-member's admin does not see it.
  EXPECT_EQ(Send(*anssi, "PUT", members + "BSI", "", anssi_admin).status, 403);
  EXPECT_EQ(Send(*bsi, "PUT", members + "BSI", "", bsi_admin).status, 404);
  EXPECT_EQ(Send(*anssi, "PUT", members + "BSI").status, 403);  // analyst certificate
  // ... but may leave it; the owner cannot.
  EXPECT_EQ(Send(*certeu, "DELETE", members + "CERT-EU").status, 409);
  r = Send(*anssi, "DELETE", members + "ANSSI", "", anssi_admin);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(Send(*anssi, "GET", "/api/v1/me").body.find("eu-cti"), std::string::npos);
  EXPECT_EQ(Send(*certeu, "DELETE", members + "ANSSI").status, 404);
}

TEST(IdentityRestTest, RolesMeAndCertificateChecks) {
  IdentityNode node;
  auto certeu = node.Client(node.certeu);
  auto r = Send(*certeu, "GET", "/api/v1/roles");
  ASSERT_EQ(r.status, 200);
  for (const char* role : {"admin", "analyst", "reader", "auditor", "peer"}) {
    EXPECT_NE(r.body.find(std::string("{\"name\":\"") + role + "\""), std::string::npos) << role;
  }
  EXPECT_EQ(Send(*certeu, "GET", "/api/v1/me").body,
            R"({"organisation":"CERT-EU","country":"BE","user":null,"role":"admin",)"
            R"("sharing_groups":[],"network_admin":true})");
  EXPECT_EQ(Send(*certeu, "POST", "/api/v1/roles").status, 405);
  EXPECT_EQ(Send(*certeu, "GET", "/api/v1/users/a/b").status, 404);
  // Identity endpoints are one metrics label, never raw paths (user names stay out of series).
  r = Send(*certeu, "GET", "/metrics");
  EXPECT_NE(r.body.find("socmesh_http_requests_total{endpoint=\"api_identity\",status=\"404\"} 1"),
            std::string::npos)
      << r.body;

  // The registry knows CERT-EU in BE: a CERT-EU certificate from another country is refused.
  auto foreign = node.ca.Issue("certeu-fr", "CERT-EU", "FR", "fake.eu");
  auto impostor = node.Client(foreign);
  r = Send(*impostor, "GET", "/api/v1/health");
  EXPECT_EQ(r.status, 401);
  EXPECT_NE(r.body.find("not the registered country"), std::string::npos) << r.body;
  // Unregistered organisations keep the configured fallback role (reader by default).
  auto unknown = node.Client(node.ca.Issue("cfcs", "CFCS", "DK", "soc.dk"));
  EXPECT_EQ(JsonField(Send(*unknown, "GET", "/api/v1/health").body, "role"), "reader");
}

TEST(IdentityRestTest, WithoutARegistryOnlyEphemeralTokensAnswer) {
  Node node;
  auto certeu = node.Client(node.certeu);
  EXPECT_EQ(Send(*certeu, "GET", kUsers).status, 503);
  EXPECT_EQ(Send(*certeu, "GET", kOrgs).status, 503);
  EXPECT_EQ(Send(*certeu, "GET", kTokens).status, 503);
  EXPECT_EQ(Send(*certeu, "GET", "/api/v1/roles").status, 200);
  auto r = Send(*certeu, "POST", kTokens, R"({"user":"carol"})");
  EXPECT_EQ(r.status, 400) << r.body;  // no registry: the role must be given
}

}  // namespace
}  // namespace socmesh::api
