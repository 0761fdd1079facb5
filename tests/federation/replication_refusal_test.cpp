// Issue 6 "Bad input": a peer sending unsigned, wrongly signed (tampered), replayed, out-of-scope
// or oversized data, or claiming another organisation's identity: refused, audited, no effect on
// the store. The transfers are built here with B's real keys (socmesh pki) and sent with curl and
// B's node certificate to a running node A.
#include <gtest/gtest.h>

#include <chrono>

#include "crypto/key.hpp"
#include "crypto/origin_signature.hpp"
#include "crypto/x509.hpp"
#include "federation/replication_fixture.hpp"
#include "federation/wire.hpp"
#include "model/identifier.hpp"
#include "model/stix_object.hpp"

namespace socmesh::federation::testing {
namespace {

using namespace std::chrono_literals;

model::Timestamp Now() {
  return model::Timestamp{std::chrono::duration_cast<std::chrono::microseconds>(
                              std::chrono::system_clock::now().time_since_epoch())
                              .count()};
}

class RefusalTest : public ReplicationNetwork {
 protected:
  void SetUp() override {
    Build({{"a", "CERT-FR", "FR"}, {"b", "CERT-DE", "DE"}, {"x", "ANSSI", "IT"}});
    Federate("a", {{"b", "none"}});
    Start("a");
    auto key = crypto::Key::Load((dir() / "b" / "origin.key").string(), {});
    ASSERT_TRUE(key.has_value()) << key.error().message;
    key_.emplace(std::move(*key));
    auto chain = crypto::LoadCertificates(dir() / "b" / "origin.pem");
    ASSERT_TRUE(chain.has_value()) << chain.error().message;
    chain_ = std::move(*chain);
  }

  crypto::Signer Signer() const { return {key_->pkey(), chain_[0].get(), {chain_[1].get()}}; }

  // A transfer from CERT-DE to CERT-FR of `objects`, signed by B as one origin batch.
  Transfer Signed(const std::vector<std::string>& objects) {
    std::vector<model::StixObject> parsed;
    for (const auto& o : objects) {
      auto p = model::ParseStixObject(o);
      EXPECT_TRUE(p.has_value()) << p.error().message;
      parsed.push_back(std::move(*p));
    }
    auto batch = crypto::SignBatch(parsed, model::FormatUuid(model::NewUuidV4()), Signer(), Now());
    EXPECT_TRUE(batch.has_value()) << batch.error().message;
    Transfer t;
    t.transfer_id = model::FormatUuid(model::NewUuidV4());
    t.sender = "CERT-DE";
    t.receiver = "CERT-FR";
    t.sent_time = Now();
    for (size_t i = 0; i < parsed.size(); ++i) {
      t.items.push_back({parsed[i].canonical_json, crypto::SerializeOriginProof(batch->proofs[i])});
    }
    return t;
  }

  HttpResult Push(const std::string& body, const std::string& who = "node:b") {
    return Curl("a", who, "POST", "/federation/v1/transfers", body, "application/json");
  }

  std::optional<crypto::Key> key_;
  std::vector<crypto::CertPtr> chain_;
};

TEST_F(RefusalTest, BadTransfersAreRefusedAuditedAndLeaveTheStoreUnchanged) {
  ASSERT_EQ(Counts("a").first, 0);

  // Tampered: the object was changed after B signed it.
  Transfer tampered = Signed({Indicator(51)});
  const size_t at = tampered.items[0].object_json.find("198.51.100.51");
  ASSERT_NE(at, std::string::npos);
  tampered.items[0].object_json.replace(at, 13, "198.51.100.99");
  auto r = Push(SerializeTransfer(tampered));
  EXPECT_EQ(r.status, 200) << r.body;  // answered with a receipt that rejects the object
  EXPECT_EQ(Counts("a").first, 0);

  // Unsigned: no proof at all, and a proof whose head signature was stripped (unknown head).
  Transfer unsigned_transfer = Signed({Indicator(52)});
  const std::string no_proof =
      R"({"items":[{"object":)" + unsigned_transfer.items[0].object_json +
      R"(}],"receiver":"CERT-FR","sender":"CERT-DE","sent_time":")" +
      model::FormatTimestamp(Now(), true) +
      R"(","transfer_id":"t-no-proof","type":"socmesh-transfer","version":1})";
  r = Push(no_proof);
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_NE(r.body.find(R"("refused":[{"index":0,"reason":"$.items[0].proof: missing"})"),
            std::string::npos)
      << r.body;
  auto proof = crypto::ParseOriginProof(unsigned_transfer.items[0].proof_json);
  ASSERT_TRUE(proof.has_value());
  unsigned_transfer.items[0].proof_json = crypto::SerializeOriginProof(*proof, {false});
  r = Push(SerializeTransfer(unsigned_transfer));
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(Counts("a").first, 0);

  // Out of scope: AMBER+STRICT of CERT-DE without recipients may not be held by CERT-FR.
  r = Push(SerializeTransfer(Signed({Indicator(53, "amber+strict")})));
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(Counts("a").first, 0);

  // Another organisation's identity: the transfer claims CERT-IT while the certificate is
  // CERT-DE; an object signed by CERT-DE claims CERT-FR as its origin; a certificate of an
  // organisation that is no peer at all.
  Transfer impostor = Signed({Indicator(54)});
  impostor.sender = "CERT-IT";
  r = Push(SerializeTransfer(impostor));
  EXPECT_EQ(r.status, 403) << r.body;
  const std::string claims_fr = Indicator(
      55, "",
      R"(,"extensions":{"extension-definition--6ccb63b3-f49c-4e3c-bcff-8f322980244b":{"extension_type":"property-extension","origin_organisation":"CERT-FR"}})");
  r = Push(SerializeTransfer(Signed({claims_fr})));
  EXPECT_EQ(r.status, 200) << r.body;
  r = Push(SerializeTransfer(Signed({Indicator(56)})), "node:x");
  EXPECT_EQ(r.status, 403) << r.body;
  EXPECT_EQ(Counts("a").first, 0);

  // Oversized: more items than a transfer may carry.
  Transfer big = Signed({Indicator(57)});
  big.items.resize(kMaxTransferItems + 1, big.items[0]);
  r = Push(SerializeTransfer(big));
  EXPECT_EQ(r.status, 413) << r.body.substr(0, 300);
  EXPECT_EQ(Counts("a").first, 0);

  // Replayed: the same transfer twice (the first is applied), and a stale one.
  const std::string valid = SerializeTransfer(Signed({Indicator(58)}));
  r = Push(valid);
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(Counts("a").first, 1);
  r = Push(valid);
  EXPECT_EQ(r.status, 409) << r.body;
  Transfer stale = Signed({Indicator(59)});
  stale.sent_time.micros -= int64_t{3600} * 1'000'000;
  r = Push(SerializeTransfer(stale));
  EXPECT_EQ(r.status, 400) << r.body;
  EXPECT_EQ(Counts("a").first, 1);
  EXPECT_TRUE(Has("a", IndicatorId(58)));

  // Every refusal is on record with its reason.
  const std::string audit = Audit("a");
  for (const char* reason :
       {"is not leaf 0 of batch", "$.items[0].proof: missing", "not-recipient for CERT-FR",
        "is not the certificate's organisation", "claims origin \\\"CERT-FR\\\" but is signed by",
        "is not a configured peer", "items exceed", "replayed transfer id",
        "outside the replay window"}) {
    EXPECT_NE(audit.find(reason), std::string::npos) << "no audit entry with: " << reason;
  }
  Stop("a");
}

}  // namespace
}  // namespace socmesh::federation::testing
