// The sharing policy, one test per rule (E17, ARCHITECTURE.md §6). TLP definitions are quoted
// from FIRST's "Traffic Light Protocol (TLP) Version 2.0" (2022).
#include "federation/policy.hpp"

#include <gtest/gtest.h>

#include <set>

namespace socmesh::federation {
namespace {

using model::DistributionScope;
using model::Tlp;

// An object of CERT-FR in consortium "west".
ObjectFacts Object(std::optional<Tlp> tlp, std::optional<DistributionScope> scope = std::nullopt) {
  ObjectFacts o;
  o.tlp = tlp;
  o.scope = scope;
  o.type = "indicator";
  o.origin_organisation = "CERT-FR";
  o.origin_country = "FR";
  o.origin_consortium = "west";
  return o;
}

Holder Member(std::string organisation, std::string country, std::string consortium,
              std::vector<std::string> groups = {}) {
  return Holder{std::move(organisation), std::move(country), std::move(consortium),
                std::move(groups), true};
}

const Holder kBelgium = Member("CERT-BE", "BE", "west");
const Holder kGermany = Member("CERT-DE", "DE", "central");
const Holder kFrenchBank = Member("BANK-FR", "FR", "west", {"finance-isac"});
const Holder kPublic = Holder{"", "", "", {}, false};

void ExpectDecision(const ObjectFacts& o, const Holder& h, bool allowed, Verdict verdict,
                    const ExportRule& rule = {}) {
  const Decision d = Decide(o, h, rule);
  EXPECT_EQ(d.allowed, allowed) << h.organisation << ": " << VerdictName(d.verdict);
  EXPECT_EQ(d.verdict, verdict) << h.organisation << ": " << VerdictName(d.verdict);
}

TEST(Policy, OriginOrganisationAlwaysHoldsItsOwnObject) {
  // Rule 0: the author keeps its object whatever the marking, scope or export rule.
  ExportRule nothing_leaves{Tlp::kClear, {"report"}};
  const Holder origin = Member("CERT-FR", "FR", "west");
  for (Tlp t : {Tlp::kClear, Tlp::kGreen, Tlp::kAmber, Tlp::kAmberStrict, Tlp::kRed}) {
    ExpectDecision(Object(t, DistributionScope::kOrganisation), origin, true, Verdict::kOrigin,
                   nothing_leaves);
  }
}

TEST(Policy, ClearHasNoLimitOnDisclosure) {
  // "TLP:CLEAR = Recipients can spread this to the world, there is no limit on disclosure."
  ExpectDecision(Object(Tlp::kClear), kPublic, true, Verdict::kClear);
  ExpectDecision(Object(Tlp::kClear), kGermany, true, Verdict::kClear);
}

TEST(Policy, GreenStaysInTheCommunityAndNeverGoesPublic) {
  // "TLP:GREEN = Limited disclosure, recipients can spread this within their community. [...]
  // TLP:GREEN information may not be shared outside of the community." The community is the
  // network.
  ExpectDecision(Object(Tlp::kGreen), kGermany, true, Verdict::kCommunity);
  ExpectDecision(Object(Tlp::kGreen), kPublic, false, Verdict::kNotCommunity);
}

TEST(Policy, UnmarkedIsTreatedAsGreen) {
  // Documented default (policy.hpp kUnmarkedTlp): in the network, never public.
  EXPECT_EQ(kUnmarkedTlp, Tlp::kGreen);
  EXPECT_EQ(Object(std::nullopt).EffectiveTlp(), Tlp::kGreen);
  ExpectDecision(Object(std::nullopt), kGermany, true, Verdict::kCommunity);
  ExpectDecision(Object(std::nullopt), kPublic, false, Verdict::kNotCommunity);
}

TEST(Policy, AmberReachesRecipientsAndMembersOfListedSharingGroups) {
  // "TLP:AMBER = Limited disclosure, recipients can only spread this on a need-to-know basis
  // within their organization and its clients." Need-to-know is named: explicit recipients and the
  // listed sharing groups.
  ObjectFacts o = Object(Tlp::kAmber);
  o.recipients = {"CERT-DE"};
  o.sharing_groups = {"finance-isac"};
  ExpectDecision(o, kGermany, true, Verdict::kRecipient);
  ExpectDecision(o, kFrenchBank, true, Verdict::kSharingGroup);
  ExpectDecision(o, kBelgium, false, Verdict::kNotRecipient);
  // A member of another group is nobody's need-to-know.
  ExpectDecision(o, Member("GRID-BE", "BE", "west", {"energy-isac"}), false,
                 Verdict::kNotRecipient);
}

TEST(Policy, AmberStrictRestrictsToNamedOrganisations) {
  // "TLP:AMBER+STRICT restricts sharing to the organization only." Groups do not count.
  ObjectFacts o = Object(Tlp::kAmberStrict);
  o.recipients = {"CERT-DE"};
  o.sharing_groups = {"finance-isac"};
  ExpectDecision(o, kGermany, true, Verdict::kRecipient);
  ExpectDecision(o, kFrenchBank, false, Verdict::kNotRecipient);
  EXPECT_FALSE(TravelsOnlyAsEnvelope(o));
}

TEST(Policy, RedIsForNamedRecipientsOnlyAndTravelsOnlyAsEnvelope) {
  // "TLP:RED = For the eyes and ears of individual recipients only, no further disclosure."
  // B12: relays may carry the envelope, never the clear object.
  ObjectFacts o = Object(Tlp::kRed);
  o.recipients = {"CERT-DE"};
  o.sharing_groups = {"finance-isac"};
  ExpectDecision(o, kGermany, true, Verdict::kRecipient);
  ExpectDecision(o, kFrenchBank, false, Verdict::kNotRecipient);
  ExpectDecision(o, kBelgium, false, Verdict::kNotRecipient);
  EXPECT_TRUE(TravelsOnlyAsEnvelope(o));
}

TEST(Policy, OrganisationScopeKeepsTheObjectAtItsOrigin) {
  ObjectFacts o = Object(Tlp::kClear, DistributionScope::kOrganisation);
  o.recipients = {"CERT-DE"};
  ExpectDecision(o, kGermany, false, Verdict::kOutsideScope);
  ExpectDecision(o, kFrenchBank, false, Verdict::kOutsideScope);
}

TEST(Policy, NationalScopeIsTheOriginCountry) {
  const ObjectFacts o = Object(Tlp::kGreen, DistributionScope::kNational);
  ExpectDecision(o, kFrenchBank, true, Verdict::kCommunity);
  ExpectDecision(o, kBelgium, false, Verdict::kOutsideScope);
}

TEST(Policy, ConsortiumScopeIsTheOriginConsortium) {
  ObjectFacts o = Object(Tlp::kGreen, DistributionScope::kConsortium);
  ExpectDecision(o, kBelgium, true, Verdict::kCommunity);
  ExpectDecision(o, kGermany, false, Verdict::kOutsideScope);
  // No origin consortium: holders in no consortium are not "the same consortium".
  o.origin_consortium.clear();
  ExpectDecision(o, Member("EU-SAP", "EU", ""), false, Verdict::kOutsideScope);
}

TEST(Policy, NetworkScopeExcludesThePublicEvenForClear) {
  const ObjectFacts o = Object(Tlp::kClear, DistributionScope::kNetwork);
  ExpectDecision(o, kGermany, true, Verdict::kClear);
  ExpectDecision(o, kPublic, false, Verdict::kOutsideScope);
}

TEST(Policy, SharingGroupScopeIsGroupMembersAndRecipients) {
  ObjectFacts o = Object(Tlp::kGreen, DistributionScope::kSharingGroup);
  o.sharing_groups = {"finance-isac"};
  o.recipients = {"CERT-DE"};
  ExpectDecision(o, kFrenchBank, true, Verdict::kCommunity);
  ExpectDecision(o, kGermany, true, Verdict::kCommunity);
  ExpectDecision(o, kBelgium, false, Verdict::kOutsideScope);
}

TEST(Policy, ScopeNarrowsWhatTheMarkingAllows) {
  // An AMBER recipient outside the national scope does not get it.
  ObjectFacts o = Object(Tlp::kAmber, DistributionScope::kNational);
  o.recipients = {"CERT-DE", "BANK-FR"};
  ExpectDecision(o, kGermany, false, Verdict::kOutsideScope);
  ExpectDecision(o, kFrenchBank, true, Verdict::kRecipient);
}

TEST(Policy, ExportRuleCapsTheTlpLeavingTheConsortium) {
  // B4: the gateway applies the consortium's export policy at its boundary.
  const ExportRule green_only{Tlp::kGreen, {}};
  ObjectFacts o = Object(Tlp::kAmber);
  o.recipients = {"CERT-DE", "CERT-BE"};
  ExpectDecision(o, kGermany, false, Verdict::kExportRefused, green_only);
  ExpectDecision(o, kBelgium, true, Verdict::kRecipient, green_only);  // inside: no boundary
  ExpectDecision(Object(Tlp::kGreen), kGermany, true, Verdict::kCommunity, green_only);
  // Unmarked objects are judged as GREEN at the boundary too.
  ExpectDecision(Object(std::nullopt), kGermany, true, Verdict::kCommunity, green_only);
}

TEST(Policy, ExportRuleCanRestrictObjectTypes) {
  const ExportRule aggregated{Tlp::kRed, {"report", "sighting"}};
  ObjectFacts o = Object(Tlp::kClear);
  o.type = "report";
  ExpectDecision(o, kGermany, true, Verdict::kClear, aggregated);
  o.type = "indicator";
  ExpectDecision(o, kGermany, false, Verdict::kExportRefused, aggregated);
  ExpectDecision(o, kBelgium, true, Verdict::kClear, aggregated);
  EXPECT_TRUE(ExportRule{}.Admits(Tlp::kRed, "anything"));
}

TEST(Policy, ObjectsFromOutsideEveryConsortiumHaveNoExportRule) {
  ObjectFacts o = Object(Tlp::kGreen);
  o.origin_consortium.clear();
  ExpectDecision(o, kGermany, true, Verdict::kCommunity, ExportRule{Tlp::kClear, {}});
}

TEST(Policy, EmptyNamesNeverMatch) {
  // An unknown origin is nobody's own object; an empty recipient grants nothing.
  ObjectFacts o = Object(Tlp::kAmberStrict);
  o.origin_organisation.clear();
  o.recipients = {""};
  ExpectDecision(o, Member("", "FR", "west"), false, Verdict::kNotRecipient);
  o.recipients = {"CERT-DE"};
  ExpectDecision(o, kGermany, true, Verdict::kRecipient);
}

TEST(Policy, FactsComeFromTheSocmeshExtension) {
  model::SocmeshMetadata m;
  m.origin_organisation = "CERT-FR";
  m.origin_country = "FR";
  m.scope = DistributionScope::kSharingGroup;
  m.recipients = {"CERT-DE"};
  m.sharing_groups = {"energy-isac"};
  const ObjectFacts f = FactsFromMetadata(m, Tlp::kAmber, "indicator");
  EXPECT_EQ(f.origin_organisation, "CERT-FR");
  EXPECT_EQ(f.origin_country, "FR");
  EXPECT_EQ(f.scope, DistributionScope::kSharingGroup);
  EXPECT_EQ(f.recipients, m.recipients);
  EXPECT_EQ(f.sharing_groups, m.sharing_groups);
  EXPECT_EQ(f.tlp, Tlp::kAmber);
  EXPECT_EQ(f.type, "indicator");
  EXPECT_TRUE(f.origin_consortium.empty());
}

TEST(Policy, VerdictNamesAreDistinct) {
  std::set<std::string_view> names;
  for (int v = 0; v <= static_cast<int>(Verdict::kExportRefused); ++v) {
    names.insert(VerdictName(static_cast<Verdict>(v)));
  }
  EXPECT_EQ(names.size(), 9u);
  EXPECT_FALSE(names.contains("unknown"));
}

}  // namespace
}  // namespace socmesh::federation
