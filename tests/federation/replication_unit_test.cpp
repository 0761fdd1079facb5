// The pieces of replication that need no running node: the wire format (strict, bounded, one bad
// item never costs the others), the [federation] / [[peers]] config keys (positioned errors), and
// the delivery priorities (issue 6: incidents before bulk indicators).
#include <gtest/gtest.h>

#include "common/test_data.hpp"
#include "federation/receiver.hpp"
#include "federation/state.hpp"
#include "federation/wire.hpp"
#include "node/config.hpp"

namespace socmesh::federation {
namespace {

constexpr char kObject[] =
    R"({"created":"2024-01-01T00:00:00.000Z","id":"indicator--00000001-0000-4000-8000-0000000000fe",)"
    R"("modified":"2024-01-01T00:00:00.000Z","pattern":"[ipv4-addr:value = '198.51.100.1']",)"
    R"("pattern_type":"stix","spec_version":"2.1","type":"indicator","valid_from":"2024-01-01T00:00:00Z"})";

TEST(ReplicationWire, TransferRoundTripsAndKeepsBadItemsInPlace) {
  Transfer t;
  t.transfer_id = "t-1";
  t.sender = "CERT-DE";
  t.receiver = "CERT-FR";
  t.sent_time = model::Timestamp{1'700'000'000'123'456};
  t.items.push_back({kObject, R"({"type":"socmesh-origin-proof"})"});
  t.next = "42";
  t.more = true;
  const std::string text = SerializeTransfer(t);
  auto back = ParseTransfer(text);
  ASSERT_TRUE(back.has_value()) << back.error().message;
  EXPECT_EQ(back->transfer_id, "t-1");
  EXPECT_EQ(back->sent_time, t.sent_time);
  ASSERT_EQ(back->items.size(), 1u);
  EXPECT_EQ(back->items[0].object_json, kObject);  // canonical input comes back byte for byte
  EXPECT_EQ(back->next, "42");
  EXPECT_TRUE(back->more);

  // An item that is not an object keeps its index and is reported; the others stay.
  std::string two = text;
  two.replace(two.find("[{"), 1, R"([17,)");
  auto partial = ParseTransfer(two);
  ASSERT_TRUE(partial.has_value()) << partial.error().message;
  ASSERT_EQ(partial->items.size(), 2u);
  ASSERT_EQ(partial->item_errors.size(), 1u);
  EXPECT_EQ(partial->item_errors[0].index, 0u);
  EXPECT_EQ(partial->item_errors[0].reason, "$.items[0]: not an object");
  EXPECT_EQ(partial->items[1].object_json, kObject);
}

TEST(ReplicationWire, RefusesWhatItDoesNotKnowNamingThePath) {
  auto unknown = ParseTransfer(
      R"({"type":"socmesh-transfer","version":1,"transfer_id":"t","sender":"A","receiver":"B",)"
      R"("sent_time":"2026-01-01T00:00:00Z","items":[],"priority":1})");
  ASSERT_FALSE(unknown.has_value());
  EXPECT_EQ(unknown.error().message, "$.priority: unknown key");
  auto version = ParseTransfer(R"({"type":"socmesh-transfer","version":2})");
  ASSERT_FALSE(version.has_value());
  EXPECT_EQ(version.error().code, ErrorCode::kUnsupported);
  auto missing = ParseTransfer(
      R"({"type":"socmesh-transfer","version":1,"transfer_id":"t","sender":"A","receiver":"B",)"
      R"("items":[]})");
  ASSERT_FALSE(missing.has_value());
  EXPECT_EQ(missing.error().message, "$.sent_time: missing");
  EXPECT_EQ(ParseTransfer(std::string(kMaxTransferBytes + 1, ' ')).error().code,
            ErrorCode::kTooLarge);

  TransferReply reply{"t", {std::string("\x30\x82\x01\x00", 4), "abc"}, {{3, "why"}}};
  auto back = ParseTransferReply(SerializeTransferReply(reply));
  ASSERT_TRUE(back.has_value()) << back.error().message;
  EXPECT_EQ(back->receipts_der, reply.receipts_der);
  ASSERT_EQ(back->refused.size(), 1u);
  EXPECT_EQ(back->refused[0].index, 3u);
}

TEST(ReplicationPriority, IncidentsBeforeSightingsReportsAndBulkIndicators) {
  EXPECT_LT(PriorityOf("incident"), PriorityOf("sighting"));
  EXPECT_LT(PriorityOf("sighting"), PriorityOf("report"));
  EXPECT_LT(PriorityOf("report"), PriorityOf("malware"));
  EXPECT_LT(PriorityOf("malware"), PriorityOf("indicator"));
  EXPECT_LT(PriorityOf("indicator"), PriorityOf("ipv4-addr"));
}

// federation.db follows the store's durability: FULL by default; NORMAL (a process crash loses
// nothing, a power cut may lose the last commits) when the node's store is "normal", and what
// was committed is there after reopening either way.
TEST(ReplicationState, DurabilityFollowsTheCallersChoice) {
  socmesh::testing::TempDir dir;
  const auto file = dir.path() / "federation.db";
  {
    auto state = FederationState::Open(file, /*durable=*/false);
    ASSERT_TRUE(state.has_value()) << state.error().message;
    EXPECT_FALSE((*state)->durable());
    ASSERT_TRUE((*state)->SetCursor("signer", "42").has_value());
  }
  auto state = FederationState::Open(file);
  ASSERT_TRUE(state.has_value());
  EXPECT_TRUE((*state)->durable());
  EXPECT_EQ(*(*state)->Cursor("signer"), "42");
}

// The outbox is durable and ordered by urgency: what was queued survives a reopen (a restart),
// an incident queued after indicators leaves first, a version is queued once per peer, and the
// feed cursor moves in the same transaction as the queueing.
TEST(ReplicationOutbox, SurvivesReopenInPriorityOrderWithoutDuplicates) {
  socmesh::testing::TempDir dir;
  const auto file = dir.path() / "federation.db";
  {
    auto state = FederationState::Open(file);
    ASSERT_TRUE(state.has_value()) << state.error().message;
    std::vector<OutboxItem> items = {
        {0, PriorityOf("indicator"), "indicator--1", model::Timestamp{1}},
        {0, PriorityOf("indicator"), "indicator--2", model::Timestamp{1}},
        {0, PriorityOf("incident"), "incident--1", model::Timestamp{1}},
        {0, PriorityOf("indicator"), "indicator--1", model::Timestamp{1}}};  // twice
    ASSERT_TRUE((*state)->Enqueue("b", items, 17).has_value());
    ASSERT_TRUE((*state)->Enqueue("c", std::span(items).first(1), 3).has_value());
  }
  auto state = FederationState::Open(file);
  ASSERT_TRUE(state.has_value());
  EXPECT_EQ(*(*state)->Cursor("feed:b"), "17");
  EXPECT_EQ(*(*state)->OutboxSize("b"), 3u);
  auto next = (*state)->Peek("b", 2);
  ASSERT_TRUE(next.has_value());
  ASSERT_EQ(next->size(), 2u);
  EXPECT_EQ((*next)[0].id, "incident--1");
  EXPECT_EQ((*next)[1].id, "indicator--1");
  const int64_t sent[] = {(*next)[0].n, (*next)[1].n};
  ASSERT_TRUE((*state)->Remove("b", sent).has_value());
  EXPECT_EQ(*(*state)->OutboxSize("b"), 1u);
  EXPECT_EQ(*(*state)->OutboxSize("c"), 1u);  // per peer
  // Replay memory: a transfer id is new once.
  EXPECT_TRUE(*(*state)->MarkTransferSeen("CERT-DE", "t1", model::Timestamp{10}, {}));
  EXPECT_FALSE(*(*state)->MarkTransferSeen("CERT-DE", "t1", model::Timestamp{11}, {}));
  EXPECT_TRUE(*(*state)->MarkTransferSeen("CERT-IT", "t1", model::Timestamp{11}, {}));
}

constexpr char kNode[] = R"([node]
name = "n1"
organisation = "CERT-FR"
country = "FR"
roles = ["national"]

[audit]
key = "audit.key"

[[listen]]
address = "127.0.0.1"
port = 8443

[tls]
certificate = "node.pem"
key = "node.key"
ca = "ca.pem"
)";

TEST(ReplicationConfig, FederationAndPeerKeys) {
  const std::string text = std::string(kNode) + R"(
[[peers]]
name = "de"
url = "https://soc.example.de:8443"
organisation = "CERT-DE"
country = "DE"
consortium = "west"
sharing_groups = ["energy"]
mode = "both"
push_interval_ms = 250

[federation]
signing_certificate = "origin.pem"
consortium = "west"
outbox_limit = 5000
[federation.signing_key]
key = "origin.key"
pin_env = "ORIGIN_PIN"
)";
  auto c = node::ParseNodeConfig(text, "node.toml", "/etc/socmesh/n1");
  ASSERT_TRUE(c.has_value()) << c.error().message;
  ASSERT_TRUE(c->federation.enabled);
  EXPECT_EQ(c->federation.signing_certificate, "/etc/socmesh/n1/origin.pem");
  EXPECT_EQ(c->federation.signing_key.location, "/etc/socmesh/n1/origin.key");
  EXPECT_EQ(c->federation.signing_key.pin_env, "ORIGIN_PIN");
  EXPECT_EQ(c->federation.state, "/etc/socmesh/n1/federation.db");
  EXPECT_EQ(c->federation.outbox_limit, 5000u);
  ASSERT_EQ(c->peers.size(), 1u);
  EXPECT_TRUE(c->peers[0].push);
  EXPECT_TRUE(c->peers[0].pull);
  EXPECT_EQ(c->peers[0].push_interval.count(), 250);
  EXPECT_EQ(c->peers[0].sharing_groups, std::vector<std::string>{"energy"});

  auto bad = node::ParseNodeConfig(std::string(kNode) + R"(
[[peers]]
name = "de"
url = "https://soc.example.de"
organisation = "CERT-DE"
mode = "sometimes"

[federation]
signing_certificate = "origin.pem"
outbox = 3
)",
                                   "node.toml", "/etc/socmesh/n1");
  ASSERT_FALSE(bad.has_value());
  EXPECT_NE(bad.error().message.find("node.toml:23:8: peers.mode: must be \"push\""),
            std::string::npos)
      << bad.error().message;
  EXPECT_NE(bad.error().message.find("federation.outbox: unknown key"), std::string::npos)
      << bad.error().message;
  EXPECT_NE(bad.error().message.find("federation.signing_key: missing (required)"),
            std::string::npos)
      << bad.error().message;
}

}  // namespace
}  // namespace socmesh::federation
