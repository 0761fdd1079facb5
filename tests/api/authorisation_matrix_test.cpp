// The authorisation matrix through the real HTTPS API (E6, E17, E19; issue 5 item 4): every role
// (as an API token of an ANSSI user) × every TLP level (and unmarked) × object of the caller's own
// organisation or of another × the caller's organisation in a sharing group or not, each decided
// by a TAXII GET of the object. The expected tables are written out literally. The other
// organisation (BSI) shares its objects with "matrix-group" (socmesh extension): membership opens
// its AMBER object — and only that one, as TLP 2.0 says AMBER+STRICT and RED name organisations one
// by one — through the one sharing policy (federation::Decide). Membership is checked to be really
// in effect (GET /api/v1/me) while the tables are asserted.
#include <gtest/gtest.h>

#include <cstdio>
#include <map>
#include <string>

#include "api/identity_fixture.hpp"
#include "model/socmesh_extension.hpp"
#include "model/stix_object.hpp"

namespace socmesh::api {
namespace {

using testing::IdentityNode;
using testing::Indicator;
using testing::kAnssiIdentity;
using testing::kBsiIdentity;
using testing::kOpenCollection;
using testing::Send;

// [role] → per TLP (unmarked, CLEAR, GREEN, AMBER, AMBER+STRICT, RED): 2 characters, own
// organisation's object then another's. Y = the object is served.
struct Row {
  Role role;
  const char* user;
  const char* reads[6];
};
constexpr Row kMatrix[] = {
    {Role::kAdmin, "m-admin", {"YY", "YY", "YY", "Y.", "Y.", "Y."}},
    {Role::kAnalyst, "m-analyst", {"YY", "YY", "YY", "Y.", "Y.", "Y."}},
    {Role::kReader, "m-reader", {"YY", "YY", "YY", "Y.", "Y.", ".."}},
    {Role::kPeer, "m-peer", {"YY", "YY", "YY", "Y.", "Y.", ".."}},
    {Role::kAuditor, "m-auditor", {"..", "..", "..", "..", "..", ".."}},
};
// The same with ANSSI a member of "matrix-group": BSI's AMBER object becomes readable.
constexpr Row kMatrixMember[] = {
    {Role::kAdmin, "m-admin", {"YY", "YY", "YY", "YY", "Y.", "Y."}},
    {Role::kAnalyst, "m-analyst", {"YY", "YY", "YY", "YY", "Y.", "Y."}},
    {Role::kReader, "m-reader", {"YY", "YY", "YY", "YY", "Y.", ".."}},
    {Role::kPeer, "m-peer", {"YY", "YY", "YY", "YY", "Y.", ".."}},
    {Role::kAuditor, "m-auditor", {"..", "..", "..", "..", "..", ".."}},
};

// Object n: TLP index t (0 = unmarked), owner o (0 = ANSSI, 1 = BSI).
int ObjectNumber(int t, int o) { return 1000 + 10 * t + o; }

std::string ObjectId(int n) {
  char id[64];
  std::snprintf(id, sizeof id, "indicator--%08x-0000-4000-8000-000000000000", n);
  return id;
}

TEST(AuthorisationMatrixTest, EveryRoleTlpOwnerAndMembershipThroughHttps) {
  IdentityNode node;
  std::vector<model::StixObject> objects;
  for (int t = 0; t < 6; ++t) {
    for (int o = 0; o < 2; ++o) {
      std::optional<model::Tlp> tlp;
      if (t > 0) tlp = static_cast<model::Tlp>(t - 1);
      std::string json = Indicator(ObjectNumber(t, o), "2024-01-01T00:00:00.000Z", tlp,
                                   o == 0 ? kAnssiIdentity : kBsiIdentity);
      if (o == 1) {
        model::SocmeshMetadata shared;
        shared.sharing_groups = {"matrix-group"};
        auto with = model::WithSocmeshMetadata(json, shared);
        ASSERT_TRUE(with) << with.error().message;
        json = *with;
      }
      auto parsed = model::ParseStixObject(json);
      ASSERT_TRUE(parsed) << parsed.error().message;
      objects.push_back(std::move(*parsed));
    }
  }
  ASSERT_TRUE(node.store->Ingest(objects));
  ASSERT_TRUE(node.registry->CreateGroup("matrix-group", "BSI"));
  std::map<Role, std::string> tokens;
  for (const Row& row : kMatrix) tokens[row.role] = node.TokenFor("ANSSI", row.user, row.role);

  auto anssi = node.Client(node.anssi);
  const std::string objects_path =
      std::string("/api1/collections/") + kOpenCollection + "/objects/";
  int checked = 0;
  for (bool member : {false, true}) {
    if (member) {
      ASSERT_TRUE(node.registry->AddGroupMember("matrix-group", "ANSSI"));
    }
    for (const Row& row : kMatrix) {
      const std::string& token = tokens[row.role];
      const auto me = Send(*anssi, "GET", "/api/v1/me", "", token);
      ASSERT_EQ(me.status, 200) << me.body;
      EXPECT_EQ(me.body.find("\"matrix-group\"") != std::string::npos, member) << me.body;
      EXPECT_EQ(testing::JsonField(me.body, "role"), RoleName(row.role));
      for (int t = 0; t < 6; ++t) {
        for (int o = 0; o < 2; ++o) {
          const std::string id = ObjectId(ObjectNumber(t, o));
          const auto r = Send(*anssi, "GET", objects_path + id + "/", "", token);
          const bool served = r.status == 200 && r.body.find(id) != std::string::npos;
          const Row& table = member ? kMatrixMember[&row - kMatrix] : row;
          const bool expected = table.reads[t][o] == 'Y';
          EXPECT_EQ(served, expected)
              << RoleName(row.role) << " tlp#" << t << (o == 0 ? " own" : " other")
              << (member ? " member" : " non-member") << ": " << r.status << " " << r.body;
          // Refusals: the auditor's role reads no objects (403); the others are not told the
          // object exists (404).
          if (!expected) {
            EXPECT_EQ(r.status, row.role == Role::kAuditor ? 403 : 404) << r.body;
          }
          ++checked;
        }
      }
    }
  }
  EXPECT_EQ(checked, 2 * 5 * 6 * 2);
}

}  // namespace
}  // namespace socmesh::api
