// The authorisation matrix (E6, E17, E19): every role × every TLP level (and unmarked) × own /
// other organisation / explicit recipient / unknown owner, asserted against the rule written in
// api/access.hpp (which delegates to the sharing policy of federation/policy.hpp). The expected
// table is spelled out literally, not recomputed.
#include <gtest/gtest.h>

#include <string>

#include "api/access.hpp"

namespace socmesh::api {
namespace {

using model::Tlp;

enum Owner { kOwn, kOther, kRecipient, kUnknownOwner };

// Expected read decision, indexed [role][tlp 0..5 = unmarked, CLEAR, GREEN, AMBER, AMBER+STRICT,
// RED][owner]. Y = allowed.
struct Row {
  Role role;
  const char* reads[6];  // per TLP: 4 characters for own, other, recipient, unknown owner
};

// AMBER+STRICT and RED reach the organisations the origin names one by one (TLP 2.0; the sharing
// policy of federation/policy.hpp); RED only ever reaches people, never a peer node or a reader.
constexpr Row kReadMatrix[] = {
    {Role::kAdmin, {"YYYY", "YYYY", "YYYY", "Y.Y.", "Y.Y.", "Y.Y."}},
    {Role::kAnalyst, {"YYYY", "YYYY", "YYYY", "Y.Y.", "Y.Y.", "Y.Y."}},
    {Role::kReader, {"YYYY", "YYYY", "YYYY", "Y.Y.", "Y.Y.", "...."}},
    {Role::kPeer, {"YYYY", "YYYY", "YYYY", "Y.Y.", "Y.Y.", "...."}},
    {Role::kAuditor, {"....", "....", "....", "....", "....", "...."}},
};

// Expected write decision per role, same layout (`reads` holds the write decisions here).
constexpr Row kWriteMatrix[] = {
    {Role::kAdmin, {"Y..Y", "Y..Y", "Y..Y", "Y..Y", "Y..Y", "Y..Y"}},
    {Role::kAnalyst, {"Y..Y", "Y..Y", "Y..Y", "Y..Y", "Y..Y", "Y..Y"}},
    {Role::kReader, {"....", "....", "....", "....", "....", "...."}},
    {Role::kPeer, {"YYYY", "YYYY", "YYYY", "YYYY", "YYYY", "...."}},
    {Role::kAuditor, {"....", "....", "....", "....", "....", "...."}},
};

StoredObject ObjectFor(int tlp_index, Owner owner) {
  StoredObject o;
  if (tlp_index > 0) o.tlp = static_cast<Tlp>(tlp_index - 1);
  switch (owner) {
    case kOwn:
      o.owner_organisation = "ANSSI";
      break;
    case kOther:
      o.owner_organisation = "BSI";
      break;
    case kRecipient:
      o.owner_organisation = "BSI";
      o.recipients = {"CERT-EU", "ANSSI"};
      break;
    case kUnknownOwner:
      break;
  }
  return o;
}

TEST(AccessTest, ReadMatrix) {
  for (const auto& row : kReadMatrix) {
    Caller caller{"ANSSI", "FR", "", row.role};
    for (int tlp = 0; tlp < 6; ++tlp) {
      for (int owner = 0; owner < 4; ++owner) {
        bool expected = row.reads[tlp][owner] == 'Y';
        EXPECT_EQ(MayRead(caller, ObjectFor(tlp, static_cast<Owner>(owner))), expected)
            << RoleName(row.role) << " tlp#" << tlp << " owner#" << owner;
      }
    }
  }
}

TEST(AccessTest, WriteMatrix) {
  for (const auto& row : kWriteMatrix) {
    Caller caller{"ANSSI", "FR", "", row.role};
    for (int tlp = 0; tlp < 6; ++tlp) {
      for (int owner = 0; owner < 4; ++owner) {
        // People write only what their organisation owns (or nobody owns yet); a recipient is
        // not an owner. Peers relay any owner's objects below RED.
        bool expected = row.reads[tlp][owner] == 'Y';
        EXPECT_EQ(MayWrite(caller, ObjectFor(tlp, static_cast<Owner>(owner))), expected)
            << RoleName(row.role) << " tlp#" << tlp << " owner#" << owner;
      }
    }
  }
}

// Scope and sharing groups come from the socmesh extension and narrow or widen exactly as the
// federation policy does (E17: one function everywhere).
TEST(AccessTest, ScopeAndSharingGroupsFollowTheOnePolicy) {
  Caller fr{"ANSSI", "FR", "", Role::kAnalyst};
  Caller fr_member{"ANSSI", "FR", "", Role::kAnalyst, {"energy-isac"}};
  StoredObject national;
  national.tlp = Tlp::kGreen;
  national.owner_organisation = "BSI";
  national.origin_country = "DE";
  national.scope = model::DistributionScope::kNational;
  EXPECT_FALSE(MayRead(fr, national));  // GREEN, but scoped to Germany
  national.origin_country = "FR";
  EXPECT_TRUE(MayRead(fr, national));

  StoredObject amber_group;
  amber_group.tlp = Tlp::kAmber;
  amber_group.owner_organisation = "BSI";
  amber_group.sharing_groups = {"energy-isac"};
  EXPECT_FALSE(MayRead(fr, amber_group));
  EXPECT_TRUE(MayRead(fr_member, amber_group));
  amber_group.tlp = Tlp::kAmberStrict;  // groups do not count for AMBER+STRICT
  EXPECT_FALSE(MayRead(fr_member, amber_group));

  StoredObject org_only;
  org_only.tlp = Tlp::kClear;
  org_only.owner_organisation = "BSI";
  org_only.scope = model::DistributionScope::kOrganisation;
  EXPECT_FALSE(MayRead(fr, org_only));  // CLEAR, but the origin kept it to itself
}

TEST(AccessTest, ACallerWithoutOrganisationGetsNothing) {
  Caller nobody{"", "", "", Role::kAdmin};
  EXPECT_FALSE(MayRead(nobody, StoredObject{Tlp::kClear, "", {}, std::nullopt, "", {}}));
  EXPECT_FALSE(MayWrite(nobody, StoredObject{}));
}

TEST(AccessTest, RoleNamesRoundTrip) {
  for (Role r : {Role::kAdmin, Role::kAnalyst, Role::kReader, Role::kAuditor, Role::kPeer}) {
    EXPECT_EQ(ParseRole(RoleName(r)), r);
  }
  EXPECT_FALSE(ParseRole("root").has_value());
}

}  // namespace
}  // namespace socmesh::api
