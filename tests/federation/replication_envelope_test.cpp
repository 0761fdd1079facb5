// End-to-end envelopes in replication (issue 6; B12, E4, E16, E17): three `socmesh node run`
// processes A - G - B in a line, routed by a topology file, envelope recipients from the PKI's
// signed directory. G may not read A's AMBER and RED objects for B: it holds them only as
// envelopes (in federation.db, not in its store), survives kill -9 with them undelivered, and
// forwards them unread; B opens them and holds them in clear. A relay checks what it forwards: a
// tampered routing field or routing fact is rejected with its reason in the signed receipt.
#include <gtest/gtest.h>

#include <chrono>
#include <sstream>

#include "crypto/envelope.hpp"
#include "crypto/receipt.hpp"
#include "crypto/trust_store.hpp"
#include "federation/replication_fixture.hpp"
#include "federation/wire.hpp"
#include "model/identifier.hpp"
#include "model/tlp.hpp"

namespace socmesh::federation::testing {
namespace {

using namespace std::chrono_literals;

// The line: one centralised consortium whose platform is G. G is no recipient of anything below.
constexpr char kLine[] = R"([network]
name = "line"
upper = "distributed"

[[node]]
name = "a.test"
organisation = "CERT-FR"
country = "FR"
roles = ["national"]

[[node]]
name = "g.test"
organisation = "CERT-DE"
country = "DE"
roles = ["national", "platform", "gateway"]

[[node]]
name = "b.test"
organisation = "CERT-BE"
country = "BE"
roles = ["national"]

[[consortium]]
name = "line"
kind = "centralised"
members = ["a.test", "g.test", "b.test"]
platform = "g.test"
gateway = "g.test"
)";

// An indicator of CERT-FR marked `tlp` for the explicit recipient CERT-BE.
std::string ForB(int n, model::Tlp tlp) {
  return Indicator(n, "",
                   R"(,"object_marking_refs":[")" + std::string(model::Tlp2MarkingId(tlp)) +
                       R"("],"extensions":{"extension-definition--6ccb63b3-f49c-4e3c-bcff-)"
                       R"(8f322980244b":{"extension_type":"property-extension",)"
                       R"("origin_organisation":"CERT-FR","recipients":["CERT-BE"]}})");
}

model::Timestamp Now() {
  return model::Timestamp{std::chrono::duration_cast<std::chrono::microseconds>(
                              std::chrono::system_clock::now().time_since_epoch())
                              .count()};
}

class EnvelopeReplicationTest : public ReplicationNetwork {
 protected:
  void SetUp() override {
    Build({{"a", "CERT-FR", "FR"}, {"g", "CERT-DE", "DE"}, {"b", "CERT-BE", "BE"}});
    WriteTopologyAndDirectory(kLine);
    FederateByTopology("a", {{"g", "push"}});
    FederateByTopology("g", {{"a", "push"}, {"b", "push"}});
    FederateByTopology("b", {{"g", "push"}});
  }

  // Lines "ID OPENED" of the envelopes `node` keeps.
  std::string Envelopes(const std::string& node) {
    auto r = Python("db = sqlite3.connect('" + node +
                    "/federation.db')\n"
                    "for row in db.execute('SELECT id, opened FROM envelopes ORDER BY id'):\n"
                    "    print(row[0], row[1])\n");
    return r.out;
  }
  int EnvelopesQueued(const std::string& node, const std::string& peer) {
    auto r = Python("db = sqlite3.connect('" + node +
                    "/federation.db')\n"
                    "print(db.execute(\"SELECT count(*) FROM outbox WHERE peer = '" +
                    peer + "' AND envelope = 1\").fetchone()[0])\n");
    return r.exit_code == 0 ? std::atoi(r.out.c_str()) : -1;
  }
};

TEST_F(EnvelopeReplicationTest, AmberAndRedCrossANonRecipientSealedAndSurviveItsKill) {
  Start("a");
  Start("g");  // B is away: G must keep what it relays
  const std::string amber = IndicatorId(1), red = IndicatorId(2), green = IndicatorId(3);
  Post("a", {ForB(1, model::Tlp::kAmber), ForB(2, model::Tlp::kRed), Indicator(3, "green")});

  // G: the GREEN object in clear (it may read it), AMBER and RED only as envelopes, queued for B.
  ASSERT_TRUE(WaitUntil([&] { return Count(Envelopes("g"), " 0\n") == 2; }, 60s)) << Envelopes("g");
  ASSERT_TRUE(WaitUntil([&] { return Has("g", green); }, 30s));
  EXPECT_FALSE(Has("g", amber));
  EXPECT_FALSE(Has("g", red));
  EXPECT_EQ(EnvelopesQueued("g", "b.test"), 2);
  EXPECT_EQ(Envelopes("g"), amber + " 0\n" + red + " 0\n");

  // The CMS inside is for B's key (openssl as the oracle), and G's own key cannot open it.
  auto cms = Python(
      "import json, base64\n"
      "db = sqlite3.connect('g/federation.db')\n"
      "wire = db.execute('SELECT wire FROM envelopes WHERE id = ?', ('" +
      amber +
      "',)).fetchone()[0]\n"
      "open('amber.der', 'wb').write(base64.b64decode(json.loads(wire)['cms']))\n");
  ASSERT_EQ(cms.exit_code, 0) << cms.out;
  auto opened = socmesh::testing::RunBash(
      dir(),
      "openssl cms -decrypt -binary -inform DER -in amber.der -recip b/origin-cert.pem "
      "-inkey b/origin.key");
  ASSERT_EQ(opened.exit_code, 0) << opened.out;
  EXPECT_NE(opened.out.find(amber), std::string::npos) << opened.out;
  auto refused = socmesh::testing::RunBash(
      dir(),
      "openssl cms -decrypt -binary -inform DER -in amber.der -recip g/origin-cert.pem "
      "-inkey g/origin.key");
  EXPECT_NE(refused.exit_code, 0) << refused.out;

  // kill -9 G with both envelopes undelivered; after the restart they still reach B.
  Kill("g");
  Start("g");
  Start("b");
  ASSERT_TRUE(WaitUntil([&] { return Has("b", amber) && Has("b", red) && Has("b", green); }, 90s))
      << Envelopes("b") << Audit("g");
  EXPECT_FALSE(Has("g", amber));
  EXPECT_FALSE(Has("g", red));
  EXPECT_EQ(Envelopes("b"), amber + " 1\n" + red + " 1\n");  // opened: B is the recipient
  ASSERT_TRUE(WaitUntil([&] { return EnvelopesQueued("g", "b.test") == 0; }, 30s));

  // B verified A's origin signature inside the envelope and signed receipts for G's transfers.
  const std::string audit_b = Audit("b");
  EXPECT_NE(audit_b.find("\"opened\":\"2\""), std::string::npos) << audit_b;
  auto receipts = Python(
      "db = sqlite3.connect('g/federation.db')\n"
      "print(db.execute(\"SELECT sum(accepted), sum(rejected) FROM receipts WHERE peer = 'b.test' "
      "AND direction = 'received' AND batch_id LIKE 'envelopes:%'\").fetchone())\n");
  EXPECT_EQ(receipts.out, "(2, 0)\n");
  Stop("b");
  Stop("g");
  Stop("a");
}

TEST_F(EnvelopeReplicationTest, ATamperedEnvelopeIsRejectedWithItsReasonInTheReceipt) {
  Start("a");
  Start("g");
  const std::string amber = IndicatorId(7);
  Post("a", {ForB(7, model::Tlp::kAmber)});
  ASSERT_TRUE(WaitUntil([&] { return Count(Envelopes("g"), " 0\n") == 1; }, 60s));

  // The envelope as A sealed it, then a transfer from A (its node certificate) to G with one
  // copy whose signed routing field changed, one whose clear facts changed, and the original.
  auto sealed = Python(
      "db = sqlite3.connect('a/federation.db')\n"
      "row = db.execute('SELECT wire, facts FROM envelopes').fetchone()\n"
      "print(row[0].decode() if isinstance(row[0], bytes) else row[0])\nprint(row[1])\n");
  ASSERT_EQ(sealed.exit_code, 0) << sealed.out;
  std::istringstream lines(sealed.out);
  std::string wire, facts_json;
  std::getline(lines, wire);
  std::getline(lines, facts_json);
  auto parts = crypto::ParseEnvelope(wire);
  ASSERT_TRUE(parts.has_value()) << parts.error().message;
  parts->routing.tlp = "CLEAR";
  auto facts = ParseRoutingFacts(facts_json);
  ASSERT_TRUE(facts.has_value()) << facts.error().message;
  facts->facts.recipients.push_back("CERT-DE");

  Transfer t;
  t.transfer_id = model::FormatUuid(model::NewUuidV4());
  t.sender = "CERT-FR";
  t.receiver = "CERT-DE";
  t.sent_time = Now();
  t.items.emplace_back("", "", crypto::SerializeEnvelope(*parts), facts_json);
  t.items.emplace_back("", "", wire, SerializeRoutingFacts(*facts));
  t.items.emplace_back("", "", wire, facts_json);
  auto r = Curl("g", "node:a", "POST", "/federation/v1/transfers", SerializeTransfer(t),
                "application/json");
  ASSERT_EQ(r.status, 200) << r.log << r.body;
  auto reply = ParseTransferReply(r.body);
  ASSERT_TRUE(reply.has_value()) << reply.error().message;
  ASSERT_EQ(reply->receipts_der.size(), 1u) << r.body;
  auto trust = crypto::TrustStore::FromPemFile(dir() / "root" / "ca.pem");
  ASSERT_TRUE(trust.has_value()) << trust.error().message;
  auto receipt = crypto::VerifyReceipt(reply->receipts_der[0], *trust);
  ASSERT_TRUE(receipt.has_value()) << receipt.error().message;
  EXPECT_EQ(receipt->receiver, "CERT-DE");
  EXPECT_EQ(receipt->batch_id, "envelopes:" + t.transfer_id);
  EXPECT_EQ(receipt->accepted_count(), 1u);  // the original: known already, nothing changes
  ASSERT_EQ(receipt->rejected.size(), 2u);
  EXPECT_EQ(receipt->rejected[0].leaf_index, 0u);
  EXPECT_NE(receipt->rejected[0].reason.find("routing signature"), std::string::npos)
      << receipt->rejected[0].reason;
  EXPECT_EQ(receipt->rejected[1].leaf_index, 1u);
  EXPECT_NE(receipt->rejected[1].reason.find("altered on the way"), std::string::npos)
      << receipt->rejected[1].reason;
  EXPECT_EQ(receipt->rejected[1].id, amber);
  // Still one envelope at G, still queued once for B, and G's audit names the reasons.
  EXPECT_EQ(Envelopes("g"), amber + " 0\n");
  EXPECT_EQ(EnvelopesQueued("g", "b.test"), 1);
  EXPECT_NE(Audit("g").find("altered on the way"), std::string::npos);
  Stop("g");
  Stop("a");
}

}  // namespace
}  // namespace socmesh::federation::testing
