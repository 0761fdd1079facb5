// Routing on the shipped networks (B7, B12): worked examples a reader can follow on the map in
// sim/eu27.toml; routing_property_test.cpp checks the same properties on random networks.
#include "federation/routing.hpp"

#include <gtest/gtest.h>

#include "federation/random_network.hpp"

namespace socmesh::federation {
namespace {

using model::DistributionScope;
using model::Tlp;

Topology Load(const std::string& name) {
  auto t = LoadTopology(std::filesystem::path(SOCMESH_SOURCE_DIR) / "sim" / name);
  EXPECT_TRUE(t.has_value()) << (t ? "" : t.error().message);
  return t ? std::move(*t) : Topology{};
}

ObjectFacts Published(const Topology& t, const std::string& org, std::optional<Tlp> tlp,
                      std::optional<DistributionScope> scope = std::nullopt,
                      std::vector<std::string> recipients = {}, std::string type = "indicator") {
  model::SocmeshMetadata m;
  m.origin_organisation = org;
  m.origin_country = org.substr(org.size() - 2);
  m.scope = scope;
  m.recipients = std::move(recipients);
  return t.Describe(m, tlp, std::move(type));
}

std::vector<std::string> Names(const Topology& t, const std::vector<bool>& set) {
  std::vector<std::string> out;
  for (NodeIndex i = 0; i < t.size(); ++i) {
    if (set[i]) out.push_back(t.nodes()[i].name);
  }
  return out;
}

NodeIndex Node(const Topology& t, const std::string& name) { return t.FindNode(name).value(); }

TEST(Routing, GreenFromTheBalticsReachesAllTwentySevenInClear) {
  const Topology t = Load("eu27.toml");
  const ObjectFacts o = Published(t, "SOC-EE", Tlp::kGreen);
  const auto r = testing::Flood(t, o, 1000);
  EXPECT_EQ(Names(t, r.clear).size(), 27u);
  EXPECT_EQ(Names(t, r.envelope), std::vector<std::string>{});
  EXPECT_EQ(r.messages, 26u);  // one delivery per node: a tree
}

TEST(Routing, RedToOneRecipientCrossesTwoGatewaysAsAnEnvelope) {
  // soc-pt (western, centralised through FR) -> soc-fr (platform + gateway) -> soc-fi (gateway of
  // nordic-baltic) -> soc-se. FR and FI only relay the envelope (B12).
  const Topology t = Load("eu27.toml");
  const ObjectFacts o = Published(t, "SOC-PT", Tlp::kRed, std::nullopt, {"SOC-SE"});
  const auto r = testing::Flood(t, o, 1000);
  EXPECT_EQ(Names(t, r.clear), (std::vector<std::string>{"soc-pt", "soc-se"}));
  EXPECT_EQ(Names(t, r.envelope), (std::vector<std::string>{"soc-fi", "soc-fr", "soc-se"}));
  EXPECT_EQ(NextHops(t, Node(t, "soc-pt"), o, std::nullopt),
            (std::vector<Hop>{{Node(t, "soc-fr"), Carriage::kEnvelope}}));
}

TEST(Routing, AmberRecipientInsideTheConsortiumGetsItInClearFromItsPlatform) {
  // soc-be -> soc-fr (platform, not a recipient: envelope) -> soc-nl (recipient).
  const Topology t = Load("eu27.toml");
  const ObjectFacts o = Published(t, "SOC-BE", Tlp::kAmber, std::nullopt, {"SOC-NL"});
  const auto r = testing::Flood(t, o, 1000);
  EXPECT_EQ(Names(t, r.clear), (std::vector<std::string>{"soc-be", "soc-nl"}));
  EXPECT_EQ(Names(t, r.envelope), (std::vector<std::string>{"soc-fr", "soc-nl"}));
  // Once FR is a recipient too, it holds the clear object and passes it on in clear.
  const ObjectFacts both = Published(t, "SOC-BE", Tlp::kAmber, std::nullopt, {"SOC-NL", "SOC-FR"});
  EXPECT_EQ(NextHops(t, Node(t, "soc-fr"), both, Node(t, "soc-be")),
            (std::vector<Hop>{{Node(t, "soc-nl"), Carriage::kClear}}));
}

TEST(Routing, CentralExportRuleKeepsAmberAndMalwareInside) {
  // Consortium "central" exports only GREEN indicators, reports and sightings (B4).
  const Topology t = Load("eu27.toml");
  const ObjectFacts amber = Published(t, "SOC-CZ", Tlp::kAmber, std::nullopt, {"SOC-PL", "SOC-FR"});
  EXPECT_EQ(Names(t, AllowedNodes(t, amber)), (std::vector<std::string>{"soc-cz", "soc-pl"}));
  EXPECT_EQ(DecideForNode(t, amber, Node(t, "soc-fr")).verdict, Verdict::kExportRefused);
  const ObjectFacts malware = Published(t, "SOC-CZ", Tlp::kClear, std::nullopt, {}, "malware");
  EXPECT_EQ(Names(t, AllowedNodes(t, malware)),
            (std::vector<std::string>{"soc-at", "soc-cz", "soc-de", "soc-hu", "soc-pl", "soc-si",
                                      "soc-sk"}));
  // The gateway soc-de forwards the malware object to no other gateway.
  for (const Hop& h : NextHops(t, Node(t, "soc-de"), malware, Node(t, "soc-cz"))) {
    EXPECT_EQ(t.ConsortiumName(h.peer), "central") << t.nodes()[h.peer].name;
  }
}

TEST(Routing, ConsortiumScopeNeverReachesTheAwarenessNode) {
  const Topology t = Load("eu27-awareness.toml");
  const ObjectFacts o = Published(t, "SOC-IT", Tlp::kGreen, DistributionScope::kConsortium);
  const auto r = testing::Flood(t, o, 1000);
  EXPECT_EQ(Names(t, r.clear), (std::vector<std::string>{"soc-bg", "soc-cy", "soc-gr", "soc-hr",
                                                         "soc-it", "soc-mt", "soc-ro"}));
  EXPECT_FALSE(r.clear[t.awareness()] || r.envelope[t.awareness()]);
  // Network scope reaches it, through the gateways.
  const ObjectFacts wide = Published(t, "SOC-IT", Tlp::kGreen, DistributionScope::kNetwork);
  EXPECT_TRUE(testing::Flood(t, wide, 1000).clear[t.awareness()]);
}

TEST(Routing, NationalScopeStaysAtTheNationalSoc) {
  const Topology t = Load("eu27.toml");
  const ObjectFacts o = Published(t, "SOC-DE", Tlp::kClear, DistributionScope::kNational);
  EXPECT_EQ(NextHops(t, Node(t, "soc-de"), o, std::nullopt), std::vector<Hop>{});
}

TEST(Routing, NeverSendsBackToThePeerItCameFrom) {
  const Topology t = Load("mini9.toml");
  const ObjectFacts o = Published(t, "SOC-SE", Tlp::kClear);
  for (NodeIndex self = 0; self < t.size(); ++self) {
    for (NodeIndex from : t.Peers(self)) {
      for (const Hop& h : NextHops(t, self, o, from)) EXPECT_NE(h.peer, from);
    }
  }
}

TEST(Routing, ObjectWithoutAnOriginNodeIsNotRouted) {
  const Topology t = Load("mini9.toml");
  const ObjectFacts o = Published(t, "CSIRT-INSIDE-FR", Tlp::kClear);
  EXPECT_FALSE(OriginNode(t, o).has_value());
  EXPECT_TRUE(NextHops(t, Node(t, "soc-fr"), o, std::nullopt).empty());
}

}  // namespace
}  // namespace socmesh::federation
