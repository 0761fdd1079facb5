// The replicator's feeder decisions with a topology (issue 6; B7, B12, E17): which peer gets a
// stored version, in clear or as its end-to-end envelope, and when the origin must seal; and the
// clear routing facts that travel next to an envelope (wire.hpp).
#include <gtest/gtest.h>

#include <memory>

#include "federation/replicator.hpp"
#include "federation/wire.hpp"

namespace socmesh::federation {
namespace {

// A - G - B in a line (consortium "line", centralised on platform G, gateway B, exporting GREEN
// at most), and C behind B (consortium "south"; gateways are meshed by the upper layer).
constexpr char kNetwork[] = R"([network]
name = "test"
upper = "distributed"

[[node]]
name = "a"
organisation = "ORG-A"
country = "FR"
roles = ["national"]

[[node]]
name = "g"
organisation = "ORG-G"
country = "DE"
roles = ["national", "platform"]

[[node]]
name = "b"
organisation = "ORG-B"
country = "BE"
roles = ["national", "gateway"]

[[node]]
name = "c"
organisation = "ORG-C"
country = "IT"
roles = ["national", "gateway"]

[[consortium]]
name = "line"
kind = "centralised"
members = ["a", "g", "b"]
platform = "g"
gateway = "b"
export = { max_tlp = "GREEN" }

[[consortium]]
name = "south"
kind = "distributed"
members = ["c"]
gateway = "c"
)";

std::shared_ptr<const Topology> Network() {
  auto t = ParseTopology(kNetwork, "test.toml");
  EXPECT_TRUE(t.has_value()) << t.error().message;
  return std::make_shared<const Topology>(std::move(*t));
}

PeerLink Peer(const Topology& topology, const std::string& name) {
  PeerLink p;
  p.name = name;
  p.holder = topology.HolderOf(*topology.FindNode(name));
  return p;
}

// The replication config of node `name`, with every topology neighbour as a peer.
ReplicationConfig ConfigOf(const std::shared_ptr<const Topology>& topology,
                           const std::string& name) {
  ReplicationConfig c;
  c.node_name = name;
  const NodeIndex self = *topology->FindNode(name);
  c.self = topology->HolderOf(self);
  for (NodeIndex p : topology->Peers(self))
    c.peers.push_back(Peer(*topology, topology->nodes()[p].name));
  c.topology = topology;
  return c;
}

ObjectFacts FromA(std::optional<model::Tlp> tlp, std::vector<std::string> recipients = {}) {
  ObjectFacts f;
  f.tlp = tlp;
  f.type = "indicator";
  f.origin_organisation = "ORG-A";
  f.origin_country = "FR";
  f.origin_consortium = "line";
  f.recipients = std::move(recipients);
  return f;
}

class FeedDecisionTest : public ::testing::Test {
 protected:
  std::shared_ptr<const Topology> net_ = Network();
  ReplicationConfig a_ = ConfigOf(net_, "a");
  ReplicationConfig g_ = ConfigOf(net_, "g");
  ReplicationConfig b_ = ConfigOf(net_, "b");
  PeerLink to_a_ = Peer(*net_, "a"), to_g_ = Peer(*net_, "g"), to_b_ = Peer(*net_, "b"),
           to_c_ = Peer(*net_, "c");
};

TEST_F(FeedDecisionTest, AmberForAFarRecipientTravelsSealedThroughTheNodeThatMayNotReadIt) {
  // B12: G is not a recipient, so A -> G and G -> B carry the envelope; nothing goes back.
  const ObjectFacts amber = FromA(model::Tlp::kAmber, {"ORG-B"});
  EXPECT_EQ(FeedDecision(a_, amber, "", to_g_), Carriage::kEnvelope);
  EXPECT_EQ(FeedDecision(g_, amber, "a", to_b_), Carriage::kEnvelope);
  EXPECT_EQ(FeedDecision(g_, amber, "a", to_a_), std::nullopt);
  EXPECT_EQ(FeedDecision(b_, amber, "g", to_c_), std::nullopt);  // C is no recipient: pruned
  EXPECT_TRUE(NeedsEnvelope(*net_, amber));
}

TEST_F(FeedDecisionTest, ReadersOnTheWholePathGetItInClearAndNothingIsSealed) {
  const ObjectFacts amber = FromA(model::Tlp::kAmber, {"ORG-G", "ORG-B"});
  EXPECT_EQ(FeedDecision(a_, amber, "", to_g_), Carriage::kClear);
  EXPECT_EQ(FeedDecision(g_, amber, "a", to_b_), Carriage::kClear);
  EXPECT_FALSE(NeedsEnvelope(*net_, amber));
  // Only G: the branch towards B is pruned (no flooding).
  const ObjectFacts for_g = FromA(model::Tlp::kAmber, {"ORG-G"});
  EXPECT_EQ(FeedDecision(a_, for_g, "", to_g_), Carriage::kClear);
  EXPECT_EQ(FeedDecision(g_, for_g, "a", to_b_), std::nullopt);
  EXPECT_FALSE(NeedsEnvelope(*net_, for_g));
}

TEST_F(FeedDecisionTest, RedIsAnEnvelopeOnEveryHopEvenBetweenReaders) {
  const ObjectFacts red = FromA(model::Tlp::kRed, {"ORG-G", "ORG-B"});
  EXPECT_EQ(FeedDecision(a_, red, "", to_g_), Carriage::kEnvelope);
  EXPECT_EQ(FeedDecision(g_, red, "a", to_b_), Carriage::kEnvelope);
  EXPECT_TRUE(NeedsEnvelope(*net_, red));
  // Nobody but the origin may read it: no hop at all, nothing to seal.
  const ObjectFacts alone = FromA(model::Tlp::kRed);
  EXPECT_EQ(FeedDecision(a_, alone, "", to_g_), std::nullopt);
  EXPECT_FALSE(NeedsEnvelope(*net_, alone));
}

TEST_F(FeedDecisionTest, TheOriginConsortiumsExportRuleAppliesWithATopologyOnly) {
  // "line" exports GREEN at most (B4): AMBER for C stays inside, GREEN leaves through gateway B.
  const ObjectFacts amber_for_c = FromA(model::Tlp::kAmber, {"ORG-B", "ORG-C"});
  EXPECT_EQ(FeedDecision(b_, amber_for_c, "g", to_c_), std::nullopt);
  const ObjectFacts green = FromA(model::Tlp::kGreen);
  EXPECT_EQ(FeedDecision(b_, green, "g", to_c_), Carriage::kClear);
  EXPECT_EQ(FeedDecision(a_, green, "", to_g_), Carriage::kClear);
  // Without a topology the feeder knows no export rule: the default one lets AMBER go to C.
  ReplicationConfig flat = b_;
  flat.topology.reset();
  EXPECT_EQ(FeedDecision(flat, amber_for_c, "g", to_c_), Carriage::kClear);
}

TEST_F(FeedDecisionTest, WithoutATopologyTheDecisionIsTheOldOne) {
  ReplicationConfig flat = a_;
  flat.topology.reset();
  EXPECT_EQ(FeedDecision(flat, FromA(model::Tlp::kGreen), "", to_g_), Carriage::kClear);
  EXPECT_EQ(FeedDecision(flat, FromA(model::Tlp::kRed, {"ORG-G"}), "", to_g_), std::nullopt);
  EXPECT_EQ(FeedDecision(flat, FromA(model::Tlp::kAmber, {"ORG-B"}), "", to_g_), std::nullopt);
  EXPECT_EQ(FeedDecision(flat, FromA(model::Tlp::kGreen), "g", to_g_), std::nullopt);  // back
  ObjectFacts from_g = FromA(model::Tlp::kGreen);
  from_g.origin_organisation = "ORG-G";
  EXPECT_EQ(FeedDecision(flat, from_g, "", to_g_), std::nullopt);  // to its origin
}

TEST_F(FeedDecisionTest, APeerOutsideTheTopologyGetsNothing) {
  PeerLink stranger;
  stranger.name = "x";
  stranger.holder.organisation = "ORG-X";
  EXPECT_EQ(FeedDecision(a_, FromA(model::Tlp::kClear), "", stranger), std::nullopt);
  EXPECT_EQ(FeedDecision(g_, FromA(model::Tlp::kClear), "x", to_b_), std::nullopt);
}

TEST(RoutingFactsTest, RoundTripAndEveryFactChangesTheEnvelopeId) {
  RoutingFacts r{"indicator--00000001-0000-4000-8000-0000000000fe",
                 model::Timestamp{1'700'000'000'123'456}, FromA(model::Tlp::kAmber, {"ORG-B"})};
  r.facts.scope = model::DistributionScope::kSharingGroup;
  r.facts.sharing_groups = {"g1"};
  const std::string text = SerializeRoutingFacts(r);
  auto back = ParseRoutingFacts(text);
  ASSERT_TRUE(back.has_value()) << back.error().message;
  EXPECT_EQ(SerializeRoutingFacts(*back), text);
  EXPECT_EQ(EnvelopeIdOf(*back), EnvelopeIdOf(r));
  EXPECT_TRUE(EnvelopeIdOf(r).starts_with("facts-sha256:"));
  std::vector<RoutingFacts> changed(6, r);
  changed[0].facts.recipients.push_back("ORG-G");
  changed[1].facts.tlp = model::Tlp::kGreen;
  changed[2].facts.scope.reset();
  changed[3].facts.sharing_groups.clear();
  changed[4].facts.origin_consortium = "south";
  changed[5].modified.micros += 1;
  for (const auto& c : changed)
    EXPECT_NE(EnvelopeIdOf(c), EnvelopeIdOf(r)) << SerializeRoutingFacts(c);
  // Strict: unknown keys and unknown names are refused, naming the path.
  std::string extra = text;
  extra.insert(1, R"("via":"ORG-G",)");
  auto refused = ParseRoutingFacts(extra);
  ASSERT_FALSE(refused.has_value());
  EXPECT_NE(refused.error().message.find("$.facts.via: unknown key"), std::string::npos);
  std::string bad_tlp = text;
  bad_tlp.replace(bad_tlp.find("\"AMBER\""), 7, "\"PINK\"");
  EXPECT_FALSE(ParseRoutingFacts(bad_tlp).has_value());
}

TEST(RoutingFactsTest, TransfersCarryEnvelopeItemsAndKeepBadOnesInPlace) {
  Transfer t;
  t.transfer_id = "t1";
  t.sender = "ORG-A";
  t.receiver = "ORG-G";
  t.sent_time = model::Timestamp{1'700'000'000'000'000};
  const std::string facts = SerializeRoutingFacts(
      {"indicator--00000001-0000-4000-8000-0000000000fe", t.sent_time, FromA(model::Tlp::kRed)});
  t.items.emplace_back("", "", R"({"type":"socmesh-envelope"})", facts);
  t.items.emplace_back(R"({"id":"x"})", R"({"p":1})", R"({"type":"socmesh-envelope"})", facts);
  auto back = ParseTransfer(SerializeTransfer(t));
  ASSERT_TRUE(back.has_value()) << back.error().message;
  ASSERT_EQ(back->items.size(), 2u);
  EXPECT_FALSE(back->items[0].has_object());
  EXPECT_EQ(back->items[0].facts_json, facts);
  EXPECT_TRUE(back->items[1].has_object());
  EXPECT_TRUE(back->items[1].has_envelope());
  // An envelope without its facts, and a half clear item: errors at their index, others kept.
  const std::string json = SerializeTransfer(t);
  std::string broken = json;
  broken.replace(broken.find(R"(,"facts":)"), 9 + facts.size(), "");
  auto partial = ParseTransfer(broken);
  ASSERT_TRUE(partial.has_value()) << partial.error().message;
  ASSERT_EQ(partial->item_errors.size(), 1u);
  EXPECT_EQ(partial->item_errors[0].index, 0u);
  EXPECT_NE(partial->item_errors[0].reason.find("$.items[0].facts: missing"), std::string::npos);
  // The sealed payload is a clear item only.
  EXPECT_TRUE(ParseSealedItem(R"({"object":{"a":1},"proof":{"b":2}})").has_value());
  EXPECT_FALSE(ParseSealedItem(R"({"object":{"a":1},"proof":{"b":2},"envelope":{}})").has_value());
}

}  // namespace
}  // namespace socmesh::federation
