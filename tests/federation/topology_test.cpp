// Topology files (B1, B3–B6): the shipped networks parse and have the promised shape, and each
// kind of mistake is reported with its key and line.
#include "federation/topology.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <set>

#include "common/test_data.hpp"

namespace socmesh::federation {
namespace {

std::filesystem::path SimFile(const std::string& name) {
  return std::filesystem::path(SOCMESH_SOURCE_DIR) / "sim" / name;
}

std::string Mini9() { return socmesh::testing::ReadFile(SimFile("mini9.toml")); }

// The 1-based line of the first occurrence of `needle` in `text`.
int LineOf(const std::string& text, std::string_view needle) {
  const size_t at = text.find(needle);
  EXPECT_NE(at, std::string::npos) << needle;
  return 1 + static_cast<int>(std::count(text.begin(), text.begin() + at, '\n'));
}

int LastLineOf(const std::string& text, std::string_view needle) {
  const size_t at = text.rfind(needle);
  EXPECT_NE(at, std::string::npos) << needle;
  return 1 + static_cast<int>(std::count(text.begin(), text.begin() + at, '\n'));
}

std::string Replace(std::string text, std::string_view from, std::string_view to) {
  const size_t at = text.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  if (at != std::string::npos) text.replace(at, from.size(), to);
  return text;
}

// The line of `key = ` in the [[node]] table named `node`.
int KeyLine(const std::string& text, const std::string& node, const std::string& key) {
  const size_t at = text.find("name = \"" + node + "\"");
  const size_t key_at = text.find("\n" + key + " = ", at);
  EXPECT_NE(key_at, std::string::npos) << node << "." << key;
  return 2 + static_cast<int>(std::count(text.begin(), text.begin() + key_at, '\n'));
}

NodeIndex Index(const Topology& t, std::string_view name) {
  auto i = t.FindNode(name);
  EXPECT_TRUE(i.has_value()) << name;
  return i.value_or(0);
}

// Expects `text` to be refused with a message containing "mini9.toml:LINE: KEY" and `reason`.
void ExpectProblem(const std::string& text, int line, std::string_view key, std::string_view reason,
                   ErrorCode code = ErrorCode::kInvalidArgument) {
  auto t = ParseTopology(text, "mini9.toml");
  ASSERT_FALSE(t.has_value()) << "accepted; expected " << reason;
  EXPECT_EQ(t.error().code, code) << t.error().message;
  const std::string where = "mini9.toml:" + std::to_string(line) + ": " + std::string(key);
  EXPECT_NE(t.error().message.find(where), std::string::npos) << "want \"" << where << "\" in:\n"
                                                              << t.error().message;
  EXPECT_NE(t.error().message.find(reason), std::string::npos) << "want \"" << reason << "\" in:\n"
                                                               << t.error().message;
}

TEST(Topology, Mini9HasOneConsortiumOfEachKind) {
  auto t = LoadTopology(SimFile("mini9.toml"));
  ASSERT_TRUE(t.has_value()) << t.error().message;
  EXPECT_EQ(t->size(), 9u);
  EXPECT_EQ(t->name(), "mini9");
  ASSERT_EQ(t->consortia().size(), 3u);
  std::set<LowerLayer> kinds;
  for (const auto& c : t->consortia()) kinds.insert(c.kind);
  EXPECT_EQ(kinds.size(), 3u);
  // west: be, lu -> fr (2); central: de-at core, cz -> de (2); north mesh (3); gateways (3).
  EXPECT_EQ(t->LinkCount(), 10u);
  const NodeIndex fr = Index(*t, "soc-fr");
  std::vector<std::string> peers;
  for (NodeIndex p : t->Peers(fr)) peers.push_back(t->nodes()[p].name);
  EXPECT_EQ(peers, (std::vector<std::string>{"soc-be", "soc-de", "soc-lu", "soc-se"}));
  // The satellite talks to its core only (B5 decentralised).
  const NodeIndex cz = Index(*t, "soc-cz");
  ASSERT_EQ(t->Peers(cz).size(), 1u);
  EXPECT_EQ(t->nodes()[t->Peers(cz)[0]].name, "soc-de");
  EXPECT_EQ(t->ExportRuleOf("central").max_tlp, model::Tlp::kGreen);
  EXPECT_EQ(t->ExportRuleOf("west"), ExportRule{});
}

// B1, B4, B5, B6 on a whole network: every cross-consortium link ends at gateways, one national
// SOC per country, all three lower-layer kinds, connected.
void CheckEuNetwork(const Topology& t) {
  std::set<std::string> countries;
  for (const Node& n : t.nodes()) {
    if (n.Has(NodeRole::kNational)) {
      EXPECT_TRUE(countries.insert(n.country).second) << n.country;
    }
  }
  EXPECT_EQ(countries.size(), 27u);
  std::set<LowerLayer> kinds;
  for (const auto& c : t.consortia()) kinds.insert(c.kind);
  EXPECT_EQ(kinds.size(), 3u);
  EXPECT_GE(t.consortia().size(), 3u);
  for (NodeIndex a = 0; a < t.size(); ++a) {
    for (NodeIndex b : t.Peers(a)) {
      if (t.ConsortiumName(a) == t.ConsortiumName(b)) continue;
      for (NodeIndex end : {a, b}) {
        const auto& c = t.nodes()[end].consortium;
        if (c) {
          EXPECT_EQ(t.consortia()[*c].gateway, end) << t.nodes()[end].name;
        }
      }
    }
    for (NodeIndex v = 0; v < t.size(); ++v) {
      if (v != a) {
        EXPECT_NE(t.TreeParent(a, v), kNoNode) << "not connected";
      }
    }
  }
}

TEST(Topology, Eu27HasTheMemberStatesInConsortiaOfEveryKind) {
  auto t = LoadTopology(SimFile("eu27.toml"));
  ASSERT_TRUE(t.has_value()) << t.error().message;
  EXPECT_EQ(t->size(), 27u);
  EXPECT_EQ(t->upper(), UpperLayer::kDistributed);
  CheckEuNetwork(*t);
  // Distributed upper layer: gateways fully meshed.
  for (const auto& a : t->consortia()) {
    for (const auto& b : t->consortia()) {
      if (&a != &b) {
        EXPECT_TRUE(t->Linked(a.gateway, b.gateway)) << a.name << " " << b.name;
      }
    }
  }
}

TEST(Topology, Eu27AwarenessConnectsGatewaysOnlyThroughTheAwarenessNode) {
  auto t = LoadTopology(SimFile("eu27-awareness.toml"));
  ASSERT_TRUE(t.has_value()) << t.error().message;
  EXPECT_EQ(t->size(), 28u);
  EXPECT_EQ(t->upper(), UpperLayer::kCentralised);
  CheckEuNetwork(*t);
  const NodeIndex awareness = t->awareness();
  ASSERT_NE(awareness, kNoNode);
  EXPECT_EQ(t->Peers(awareness).size(), t->consortia().size());
  for (const auto& a : t->consortia()) {
    EXPECT_TRUE(t->Linked(a.gateway, awareness));
    for (const auto& b : t->consortia()) {
      if (&a != &b) {
        EXPECT_FALSE(t->Linked(a.gateway, b.gateway));
      }
    }
  }
}

TEST(Topology, FormatReadsBackToTheSameNetwork) {
  auto spec = ParseTopologySpec(Mini9(), "mini9.toml");
  ASSERT_TRUE(spec.has_value()) << spec.error().message;
  const std::string text = FormatTopologySpec(*spec);
  auto again = ParseTopologySpec(text, "formatted");
  ASSERT_TRUE(again.has_value()) << again.error().message << "\n" << text;
  auto a = BuildTopology(*spec);
  auto b = BuildTopology(*again);
  ASSERT_TRUE(a && b);
  ASSERT_EQ(a->size(), b->size());
  for (NodeIndex i = 0; i < a->size(); ++i) {
    EXPECT_EQ(a->nodes()[i].name, b->nodes()[i].name);
    EXPECT_EQ(a->nodes()[i].roles, b->nodes()[i].roles);
    EXPECT_EQ(a->nodes()[i].sharing_groups, b->nodes()[i].sharing_groups);
    EXPECT_TRUE(std::ranges::equal(a->Peers(i), b->Peers(i)));
  }
  EXPECT_EQ(b->ExportRuleOf("central"), a->ExportRuleOf("central"));
}

TEST(Topology, RoutesDoNotDependOnTheOrderOfTheFile) {
  auto spec = ParseTopologySpec(Mini9(), "mini9.toml");
  ASSERT_TRUE(spec.has_value());
  auto a = BuildTopology(*spec);
  std::mt19937 rng(7);
  std::ranges::shuffle(spec->nodes, rng);
  std::ranges::reverse(spec->consortia);
  auto b = BuildTopology(*spec);
  ASSERT_TRUE(a && b);
  for (NodeIndex o = 0; o < a->size(); ++o) {
    for (NodeIndex v = 0; v < a->size(); ++v) EXPECT_EQ(a->TreeParent(o, v), b->TreeParent(o, v));
  }
}

TEST(Topology, DescribeFindsTheOriginConsortium) {
  auto t = LoadTopology(SimFile("mini9.toml"));
  ASSERT_TRUE(t.has_value());
  model::SocmeshMetadata m;
  m.origin_organisation = "SOC-CZ";
  m.origin_country = "CZ";
  EXPECT_EQ(t->Describe(m, model::Tlp::kGreen, "indicator").origin_consortium, "central");
  // An organisation behind a national SOC: the consortium of its country's national SOC.
  m.origin_organisation = "CSIRT-CZ-ENERGY";
  EXPECT_EQ(t->Describe(m, std::nullopt, "indicator").origin_consortium, "central");
  m.origin_country = "JP";
  EXPECT_EQ(t->Describe(m, std::nullopt, "indicator").origin_consortium, "");
  const Holder h = t->HolderOf(Index(*t, "soc-be"));
  EXPECT_EQ(h.organisation, "SOC-BE");
  EXPECT_EQ(h.consortium, "west");
  EXPECT_EQ(h.sharing_groups, std::vector<std::string>{"finance-isac"});
}

// ---- Each kind of mistake, with its key and line.

TEST(TopologyErrors, TomlSyntax) {
  const std::string text = Replace(Mini9(), "name = \"soc-be\"", "name = \"soc-be");
  auto t = ParseTopology(text, "mini9.toml");
  ASSERT_FALSE(t.has_value());
  EXPECT_EQ(t.error().code, ErrorCode::kParse);
  const std::string where = "mini9.toml:" + std::to_string(LineOf(text, "name = \"soc-be")) + ":";
  EXPECT_EQ(t.error().message.rfind(where, 0), 0u) << t.error().message;
}

TEST(TopologyErrors, MissingUnknownAndMistypedKeys) {
  std::string text = Replace(Mini9(), "country = \"LU\"\n", "");
  ExpectProblem(text, LineOf(text, "[[node]]\nname = \"soc-lu\""), "node[2].country", "missing");
  text = Replace(Mini9(), "gateway = \"soc-se\"", "gatway = \"soc-se\"");
  ExpectProblem(text, LineOf(text, "gatway"), "consortium[2].gatway", "unknown key");
  text = Replace(Mini9(), "roles = [\"national\"]\nsharing_groups = [\"finance-isac\"]",
                 "roles = \"national\"\nsharing_groups = [\"finance-isac\"]");
  ExpectProblem(text, LineOf(text, "roles = \"national\""), "node[1].roles",
                "must be an array of strings, not a string");
  text = Replace(Mini9(), "upper = \"distributed\"", "upper = \"ring\"");
  ExpectProblem(text, LineOf(text, "upper = \"ring\""), "network.upper", "not an upper-layer kind");
  text = Replace(Mini9(), "kind = \"distributed\"", "kind = \"mesh\"");
  ExpectProblem(text, LineOf(text, "kind = \"mesh\""), "consortium[2].kind",
                "not a lower-layer kind");
  text = Replace(Mini9(), "roles = [\"national\", \"gateway\"]", "roles = [\"national\", \"gw\"]");
  ExpectProblem(text, LineOf(text, "\"gw\""), "node[6].roles", "\"gw\" is not a role");
  text = Replace(Mini9(), "max_tlp = \"GREEN\"", "max_tlp = \"ORANGE\"");
  ExpectProblem(text, LineOf(text, "ORANGE"), "consortium[1].export.max_tlp", "is not a TLP");
}

TEST(TopologyErrors, DuplicateNamesAndOrganisationsAndBadCountries) {
  std::string text = Replace(Mini9(), "name = \"soc-lu\"", "name = \"soc-be\"");
  ExpectProblem(text, LineOf(text, "[[node]]\nname = \"soc-be\"\norganisation = \"SOC-LU\""),
                "node \"soc-be\"", "defined twice");
  text = Replace(Mini9(), "organisation = \"SOC-LU\"", "organisation = \"SOC-BE\"");
  ExpectProblem(text, LineOf(text, "organisation = \"SOC-BE\"\ncountry = \"LU\""),
                "node \"soc-lu\".organisation", "already the organisation of node \"soc-be\"");
  text = Replace(Mini9(), "country = \"LU\"", "country = \"lux\"");
  ExpectProblem(text, LineOf(text, "\"lux\""), "node \"soc-lu\".country",
                "not an ISO 3166-1 alpha-2 code");
}

TEST(TopologyErrors, ReferenceToAnUndefinedNode) {
  std::string text = Replace(Mini9(), "members = [\"soc-se\", \"soc-fi\", \"soc-dk\"]",
                             "members = [\"soc-se\", \"soc-fi\", \"soc-dk\", \"soc-no\"]");
  ExpectProblem(text, LineOf(text, "\"soc-no\""), "consortium \"north\".members",
                "node \"soc-no\" is not defined");
  text = Mini9() + "\n[[link]]\nbetween = [\"soc-se\", \"soc-xx\"]\n";
  ExpectProblem(text, LineOf(text, "[[link]]"), "link", "node \"soc-xx\" is not defined");
}

TEST(TopologyErrors, NodeInTwoConsortia) {
  const std::string text = Replace(Mini9(), "members = [\"soc-se\", \"soc-fi\", \"soc-dk\"]",
                                   "members = [\"soc-se\", \"soc-fi\", \"soc-dk\", \"soc-be\"]");
  ExpectProblem(text, LineOf(text, "\"soc-dk\", \"soc-be\""), "consortium \"north\".members",
                "node \"soc-be\" is already a member of consortium \"west\"");
}

TEST(TopologyErrors, MemberListedTwice) {
  // Found by fuzz/topology_fuzz.cpp (corpus crash-member-listed-twice.toml): the consortium being
  // read was named before it existed.
  const std::string text = Replace(Mini9(), "members = [\"soc-se\", \"soc-fi\", \"soc-dk\"]",
                                   "members = [\"soc-se\", \"soc-fi\", \"soc-se\"]");
  ExpectProblem(text, LineOf(text, "\"soc-fi\", \"soc-se\""), "consortium \"north\".members",
                "node \"soc-se\" is listed twice");
}

TEST(TopologyErrors, OneNationalSocPerCountry) {
  // B1: Belgium's node claims to be Luxembourg's national SOC too (nodes are checked by name).
  std::string text = Replace(Mini9(), "country = \"BE\"", "country = \"LU\"");
  ExpectProblem(text, KeyLine(text, "soc-lu", "roles"), "node \"soc-lu\".roles",
                "country LU already has a national SOC, node \"soc-be\"");
  // A platform node in a country that has a national SOC is infrastructure, not a second door.
  text = Replace(Mini9(), "country = \"CZ\"\nroles = [\"national\"]",
                 "country = \"AT\"\nroles = [\"platform\"]");
  text = Replace(text, "core = [\"soc-de\", \"soc-at\"]",
                 "core = [\"soc-de\", \"soc-at\", \"soc-cz\"]");
  text = Replace(text, "satellites = { \"soc-cz\" = \"soc-de\" }\n", "");
  auto t = ParseTopology(text, "mini9.toml");
  EXPECT_TRUE(t.has_value()) << (t ? "" : t.error().message);
}

TEST(TopologyErrors, NodeThatIsNeitherNationalSocNorInfrastructure) {
  // B1: the national SOC is its country's only door; every other node must be a platform,
  // gateway or awareness node.
  const std::string text =
      Replace(Mini9(), "country = \"CZ\"\nroles = [\"national\"]", "country = \"CZ\"\nroles = []");
  ExpectProblem(text, KeyLine(text, "soc-cz", "roles"), "node \"soc-cz\".roles",
                "must be a platform, gateway or awareness node (B1");
  ExpectProblem(text, KeyLine(text, "soc-cz", "roles"), "node \"soc-cz\".roles",
                "needs at least one role");
}

TEST(TopologyErrors, ExactlyOneGatewayPerConsortium) {
  std::string text = Replace(Mini9(), "gateway = \"soc-se\"", "gateway = \"soc-fi\"");
  ExpectProblem(text, LineOf(text, "gateway = \"soc-fi\""), "consortium \"north\".gateway",
                "node \"soc-fi\" lacks the gateway role");
  // soc-se keeps its gateway role without being the gateway: a second door.
  ExpectProblem(text, LineOf(text, "roles = [\"national\", \"gateway\"]"), "node \"soc-se\".roles",
                "not the gateway of its consortium");
  text = Replace(Mini9(), "gateway = \"soc-se\"", "gateway = \"soc-fr\"");
  ExpectProblem(text, LastLineOf(text, "gateway = \"soc-fr\""), "consortium \"north\".gateway",
                "node \"soc-fr\" is not a member of consortium \"north\"");
  text = Replace(Mini9(), "gateway = \"soc-se\"\n", "");
  ExpectProblem(text, LineOf(text, "name = \"north\"") - 1, "consortium \"north\".gateway",
                "every consortium has one gateway");
}

TEST(TopologyErrors, LinkAcrossConsortiaMustJoinGateways) {
  const std::string text = Mini9() + "\n[[link]]\nbetween = [\"soc-be\", \"soc-fi\"]\n";
  const int line = LineOf(text, "[[link]]");
  ExpectProblem(text, line, "link", "at node \"soc-be\", which is not its gateway");
  ExpectProblem(text, line, "link", "at node \"soc-fi\", which is not its gateway");
  // Inside a consortium any extra link is fine; between gateways too.
  EXPECT_TRUE(
      ParseTopology(Mini9() + "\n[[link]]\nbetween = [\"soc-be\", \"soc-lu\"]\n", "m").has_value());
}

TEST(TopologyErrors, LowerLayerKindNeedsItsKeys) {
  std::string text = Replace(Mini9(), "platform = \"soc-fr\"\n", "");
  ExpectProblem(text, LineOf(text, "name = \"west\"") - 1, "consortium \"west\".platform",
                "missing");
  text = Replace(Mini9(), "platform = \"soc-fr\"\n", "platform = \"soc-be\"\n");
  ExpectProblem(text, LineOf(text, "platform = \"soc-be\""), "consortium \"west\".platform",
                "lacks the platform role");
  text = Replace(Mini9(), "satellites = { \"soc-cz\" = \"soc-de\" }",
                 "satellites = { \"soc-cz\" = \"soc-fr\" }");
  ExpectProblem(text, LineOf(text, "satellites = {"), "consortium \"central\".satellites.soc-cz",
                "attached to \"soc-fr\", which is not a core node");
  text = Replace(Mini9(), "satellites = { \"soc-cz\" = \"soc-de\" }\n", "");
  ExpectProblem(text, LineOf(text, "name = \"central\"") - 1, "consortium \"central\".satellites",
                "member \"soc-cz\" is neither a core node nor a satellite");
  text = Replace(Mini9(), "gateway = \"soc-se\"", "gateway = \"soc-se\"\ncore = [\"soc-se\"]");
  ExpectProblem(text, LineOf(text, "core = [\"soc-se\"]"), "consortium \"north\".core",
                "not used by a distributed consortium");
}

TEST(TopologyErrors, UpperLayerAwarenessNode) {
  const std::string centralised =
      Replace(Mini9(), "upper = \"distributed\"", "upper = \"centralised\"");
  ExpectProblem(centralised, LineOf(centralised, "[network]"), "network.awareness", "missing");
  const std::string awareness_node =
      "\n[[node]]\nname = \"eu-sap\"\norganisation = \"EU-SAP\"\ncountry = \"EU\"\n"
      "roles = [\"awareness\"]\n";
  std::string text = Replace(centralised, "upper = \"centralised\"",
                             "upper = \"centralised\"\nawareness = \"eu-sap\"") +
                     awareness_node;
  auto ok = ParseTopology(text, "mini9.toml");
  ASSERT_TRUE(ok.has_value()) << ok.error().message;
  EXPECT_EQ(ok->Peers(ok->awareness()).size(), 3u);
  // Distributed upper layer: no awareness node.
  text = Replace(Mini9(), "upper = \"distributed\"",
                 "upper = \"distributed\"\nawareness = \"eu-sap\"") +
         awareness_node;
  ExpectProblem(text, LineOf(text, "[network]"), "network.awareness",
                "only a centralised upper layer has an awareness node");
  // The awareness node stands above the consortia.
  text = Replace(centralised, "upper = \"centralised\"",
                 "upper = \"centralised\"\nawareness = \"soc-fr\"");
  ExpectProblem(text, LineOf(text, "[network]"), "network.awareness",
                "node \"soc-fr\" lacks the awareness role");
}

TEST(TopologyErrors, GraphMustBeConnected) {
  // A national SOC outside every consortium with no link reaches nobody.
  const std::string text = Mini9() +
                           "\n[[node]]\nname = \"soc-pt\"\norganisation = \"SOC-PT\"\n"
                           "country = \"PT\"\nroles = [\"national\"]\n";
  ExpectProblem(text, LineOf(text, "[[node]]\nname = \"soc-pt\""), "node \"soc-pt\"",
                "not connected");
  // Linked to a gateway it is a standalone member.
  EXPECT_TRUE(
      ParseTopology(text + "\n[[link]]\nbetween = [\"soc-pt\", \"soc-fr\"]\n", "m").has_value());
}

TEST(TopologyErrors, TooManyNodes) {
  TopologySpec spec;
  spec.source = "big.toml";
  spec.nodes.resize(kMaxTopologyNodes + 1);
  auto t = BuildTopology(spec);
  ASSERT_FALSE(t.has_value());
  EXPECT_EQ(t.error().code, ErrorCode::kTooLarge);
}

TEST(Topology, BuildsTheLargestAllowedFullMesh) {
  // The worst case the node limit admits: one distributed consortium of kMaxTopologyNodes members
  // (every pair linked, one route tree per origin).
  TopologySpec spec;
  spec.source = "mesh";
  ConsortiumSpec c;
  c.name = "all";
  c.kind = LowerLayer::kDistributed;
  for (size_t i = 0; i < kMaxTopologyNodes; ++i) {
    NodeSpec n;
    n.name = "n" + std::to_string(i);
    n.organisation = "ORG-" + n.name;
    n.country = {static_cast<char>('A' + i / 26 % 26), static_cast<char>('A' + i % 26)};
    n.roles = {i == 0 ? NodeRole::kPlatform : NodeRole::kNational};
    c.members.push_back(n.name);
    spec.nodes.push_back(std::move(n));
  }
  spec.nodes[0].roles.push_back(NodeRole::kGateway);
  c.gateway = "n0";
  spec.consortia.push_back(c);
  auto t = BuildTopology(spec);
  ASSERT_TRUE(t.has_value()) << t.error().message;
  EXPECT_EQ(t->LinkCount(), kMaxTopologyNodes * (kMaxTopologyNodes - 1) / 2);
  spec.nodes.push_back(spec.nodes.back());
  spec.nodes.back().name = "one-too-many";
  EXPECT_EQ(BuildTopology(spec).error().code, ErrorCode::kTooLarge);
}

TEST(TopologyErrors, ReportsEveryProblemAtOnce) {
  std::string text = Replace(Mini9(), "country = \"LU\"", "country = \"lux\"");
  text = Replace(text, "gateway = \"soc-se\"", "gateway = \"soc-nowhere\"");
  auto t = ParseTopology(text, "mini9.toml");
  ASSERT_FALSE(t.has_value());
  EXPECT_NE(t.error().message.find("\"lux\""), std::string::npos);
  EXPECT_NE(t.error().message.find("soc-nowhere"), std::string::npos);
}

}  // namespace
}  // namespace socmesh::federation
