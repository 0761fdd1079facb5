// Signed receipts (E4): the receiver signs what it received, accepted and rejected; the sender
// verifies it; a third party holding the origin's batch head signature and the receipt proves both
// sending and receiving (VerifyExchange). `openssl cms -verify` is the independent oracle.
#include "crypto/receipt.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "common/test_data.hpp"
#include "crypto/cms_test_pki.hpp"
#include "crypto/detail/cms_util.hpp"
#include "model/bundle.hpp"
#include "model/canonical_json.hpp"

namespace socmesh::crypto {
namespace {

using socmesh::testing::DataPath;
using socmesh::testing::ReadFile;
using socmesh::testing::TempDir;
using testing::TestPki;

const model::Timestamp kSent{1'795'000'000'000'000};
const model::Timestamp kReceived{1'795'000'002'500'000};

class ReceiptTest : public ::testing::Test {
 protected:
  ReceiptTest()
      : acme_(pki_.Organisation("ACME CERT")),
        cert_eu_(pki_.Organisation("CERT-EU")),
        trust_(*TrustStore::FromCertificates(std::vector<X509*>{pki_.root.cert.get()})) {
    auto parsed = model::ParseBundle(
        ReadFile(DataPath("stix/oasis-cti-documentation-examples/"
                          "defining-campaigns-threat-actors-intrusion-sets.json")));
    EXPECT_TRUE(parsed);
    if (parsed) objects_ = std::move(parsed->objects);
    auto batch = SignBatch(objects_, "acme-2026-0001", pki_.SignerFor(acme_), kSent);
    EXPECT_TRUE(batch);
    if (batch) batch_ = std::move(*batch);
  }

  // The receiver's side: every object accepted except leaves 5 and 13 (as its policy might).
  std::vector<ObjectOutcome> Outcomes() const {
    std::vector<ObjectOutcome> outcomes;
    for (size_t i = 0; i < objects_.size(); ++i) {
      const bool rejected = i == 5 || i == 13;
      outcomes.push_back({.leaf_index = i,
                          .id = objects_[i].id,
                          .accepted = !rejected,
                          .reason = rejected ? "TLP:RED not accepted from this sender" : ""});
    }
    return outcomes;
  }

  Result<std::string> SignedReceipt() {
    auto receipt = MakeReceipt(batch_.head->head, "ACME CERT", Outcomes(), kReceived);
    if (!receipt) return std::unexpected(receipt.error());
    return SignReceipt(*receipt, pki_.SignerFor(cert_eu_));
  }

  TestPki pki_;
  testing::Identity acme_;
  testing::Identity cert_eu_;
  TrustStore trust_;
  std::vector<model::StixObject> objects_;
  SignedBatch batch_;
};

// E4: per-object outcomes become compact ranges plus reasons, and the receipt verifies.
TEST_F(ReceiptTest, SenderVerifiesTheReceiversSignedReceipt) {
  ASSERT_EQ(objects_.size(), 26u);
  auto der = SignedReceipt();
  ASSERT_TRUE(der) << der.error().message;
  auto receipt = VerifyReceipt(*der, trust_);
  ASSERT_TRUE(receipt) << receipt.error().message;
  EXPECT_EQ(receipt->receiver, "CERT-EU");
  EXPECT_EQ(receipt->sender, "ACME CERT");
  EXPECT_EQ(receipt->batch_id, "acme-2026-0001");
  EXPECT_EQ(receipt->received_time, kReceived);
  EXPECT_EQ(receipt->head_hash, BatchHeadHash(batch_.head->head));
  EXPECT_EQ(receipt->received, 26u);
  EXPECT_EQ(receipt->accepted_count(), 24u);
  using Range = std::pair<uint64_t, uint64_t>;
  EXPECT_EQ(receipt->accepted, (std::vector<Range>{{0, 4}, {6, 12}, {14, 25}}));
  ASSERT_EQ(receipt->rejected.size(), 2u);
  EXPECT_EQ(receipt->rejected[1].leaf_index, 13u);
  EXPECT_EQ(receipt->rejected[1].id, objects_[13].id);
  EXPECT_EQ(receipt->rejected[1].reason, "TLP:RED not accepted from this sender");
}

// E4: a third party proves sending (origin's head signature) and receiving (receipt) and the link.
TEST_F(ReceiptTest, ThirdPartyVerifiesTheWholeExchange) {
  auto der = SignedReceipt();
  ASSERT_TRUE(der);
  auto exchange = VerifyExchange(*batch_.head, *der, trust_);
  ASSERT_TRUE(exchange) << exchange.error().message;
  EXPECT_EQ(exchange->sent.origin, "ACME CERT");
  EXPECT_EQ(exchange->received.receiver, "CERT-EU");
  EXPECT_EQ(exchange->received.accepted_count(), 24u);
}

TEST_F(ReceiptTest, ExchangeWithAReceiptForAnotherBatchIsRejected) {
  auto der = SignedReceipt();
  ASSERT_TRUE(der);
  auto other = SignBatch(objects_, "acme-2026-0002", pki_.SignerFor(acme_), kSent);
  ASSERT_TRUE(other);
  auto exchange = VerifyExchange(*other->head, *der, trust_);
  ASSERT_FALSE(exchange);
  EXPECT_EQ(exchange.error().code, ErrorCode::kVerification);
  EXPECT_NE(exchange.error().message.find("the receipt is for another batch head"),
            std::string::npos)
      << exchange.error().message;
}

TEST_F(ReceiptTest, ExchangeWithAReceiptNamingAnotherSenderIsRejected) {
  auto receipt = MakeReceipt(batch_.head->head, "CERT-FR", Outcomes(), kReceived);
  ASSERT_TRUE(receipt);
  auto der = SignReceipt(*receipt, pki_.SignerFor(cert_eu_));
  ASSERT_TRUE(der);
  auto exchange = VerifyExchange(*batch_.head, *der, trust_);
  ASSERT_FALSE(exchange);
  EXPECT_NE(exchange.error().message.find("sender other than the batch's origin"),
            std::string::npos);
}

// The receiver named inside must be the signer: ACME cannot forge CERT-EU's receipt.
TEST_F(ReceiptTest, ReceiptSignedByAnotherOrganisationIsRejected) {
  auto receipt = MakeReceipt(batch_.head->head, "ACME CERT", Outcomes(), kReceived);
  ASSERT_TRUE(receipt);
  receipt->receiver = "CERT-EU";
  auto forged = detail::CmsSign(pki_.SignerFor(acme_), ReceiptStatement(*receipt), false);
  ASSERT_TRUE(forged);
  auto verified = VerifyReceipt(*forged, trust_);
  ASSERT_FALSE(verified);
  EXPECT_EQ(verified.error().code, ErrorCode::kVerification);
  EXPECT_NE(verified.error().message.find("is not the receiver named in it"), std::string::npos)
      << verified.error().message;
  // SignReceipt itself refuses to sign in another organisation's name.
  EXPECT_EQ(SignReceipt(*receipt, pki_.SignerFor(acme_)).error().code, ErrorCode::kInvalidArgument);
}

TEST_F(ReceiptTest, TamperedReceiptIsRejected) {
  auto der = SignedReceipt();
  ASSERT_TRUE(der);
  // Change "accepted":24 to 25 inside the embedded statement: the signature no longer matches.
  std::string tampered = *der;
  const auto pos = tampered.find("TLP:RED");
  ASSERT_NE(pos, std::string::npos);
  tampered[pos + 4] = 'r';
  auto verified = VerifyReceipt(tampered, trust_);
  ASSERT_FALSE(verified);
  EXPECT_EQ(verified.error().code, ErrorCode::kVerification);
  EXPECT_NE(verified.error().message.find("signature does not verify"), std::string::npos)
      << verified.error().message;
  // Garbage is a parse error.
  auto garbage = VerifyReceipt("not a receipt", trust_);
  ASSERT_FALSE(garbage);
  EXPECT_EQ(garbage.error().code, ErrorCode::kParse);
}

TEST_F(ReceiptTest, ReceiptFromAnUntrustedReceiverIsRejected) {
  const testing::Identity rogue = pki_.Organisation("CERT-EU", &pki_.rogue_root);
  auto receipt = MakeReceipt(batch_.head->head, "ACME CERT", Outcomes(), kReceived);
  ASSERT_TRUE(receipt);
  auto der = SignReceipt(
      *receipt,
      Signer{.key = rogue.key.get(), .certificate = rogue.cert.get(), .intermediates = {}});
  ASSERT_TRUE(der);
  auto verified = VerifyReceipt(*der, trust_);
  ASSERT_FALSE(verified);
  EXPECT_NE(verified.error().message.find("signer certificate not trusted"), std::string::npos);
}

// Issue 4 item 6: `openssl cms -verify` checks the receipt and prints the signed statement.
TEST_F(ReceiptTest, OpensslCliVerifiesTheReceipt) {
  auto der = SignedReceipt();
  ASSERT_TRUE(der);
  TempDir dir;
  testing::WriteBytes(dir.path() / "receipt.der", *der);
  testing::WritePem(dir.path() / "ca.pem", pki_.root.cert.get());
  std::string output;
  const std::string command = "openssl cms -verify -binary -inform DER -in " +
                              (dir.path() / "receipt.der").string() + " -CAfile " +
                              (dir.path() / "ca.pem").string() + " -out " +
                              (dir.path() / "statement.json").string();
  ASSERT_EQ(testing::RunCommand(command, &output), 0) << output;
  const std::string statement = ReadFile(dir.path() / "statement.json");
  auto parsed = ParseReceiptStatement(statement);
  ASSERT_TRUE(parsed) << parsed.error().message;
  EXPECT_EQ(parsed->receiver, "CERT-EU");
  EXPECT_EQ(*model::CanonicalizeJson(statement), statement);
}

TEST_F(ReceiptTest, MakeReceiptRefusesDuplicateAndForeignLeaves) {
  auto outcomes = Outcomes();
  outcomes.push_back(outcomes[3]);
  auto dup = MakeReceipt(batch_.head->head, "ACME CERT", outcomes, kReceived);
  ASSERT_FALSE(dup);
  EXPECT_NE(dup.error().message.find("reported twice"), std::string::npos);
  outcomes.pop_back();
  outcomes.push_back({.leaf_index = 26, .id = "x", .accepted = true, .reason = ""});
  auto outside = MakeReceipt(batch_.head->head, "ACME CERT", outcomes, kReceived);
  ASSERT_FALSE(outside);
  EXPECT_NE(outside.error().message.find("outside the batch"), std::string::npos);
}

// Statements that are not exactly what a signer writes are refused (inconsistent counts,
// overlapping ranges, unknown properties, non-canonical text).
TEST_F(ReceiptTest, InconsistentStatementsAreRejected) {
  auto receipt = MakeReceipt(batch_.head->head, "ACME CERT", Outcomes(), kReceived);
  ASSERT_TRUE(receipt);
  receipt->receiver = "CERT-EU";
  const std::string good = ReceiptStatement(*receipt);
  ASSERT_TRUE(ParseReceiptStatement(good));
  auto replace = [&](const std::string& from, const std::string& to) {
    std::string s = good;
    const auto pos = s.find(from);
    EXPECT_NE(pos, std::string::npos) << from;
    if (pos != std::string::npos) s.replace(pos, from.size(), to);
    return s;
  };
  const std::vector<std::pair<std::string, std::string>> cases = {
      {replace("\"received\":26", "\"received\":27"), "$.counts"},
      {replace("[[0,4],[6,12]", "[[0,6],[6,12]"), "$.accepted[1]"},
      {replace("[[0,4],", "[[4,0],"), "$.accepted[0]"},
      {replace("\"index\":5", "\"index\":4"), "$.rejected[0]"},
      {replace("\"accepted\":24", "\"accepted\":23"), "not in canonical form"},
      {replace("\"sender\":", "\"x\":1,\"sender\":"), "unknown property"},
      {replace("[[0,4]", "[[0]"), "$.accepted[0]"},
      {"{", "invalid JSON"},
      // Found by receipt_fuzz: a bad timestamp is a parse error of the receipt (kParse below).
      {replace("\"received_time\":\"2026", "\"received_time\":\"2026-13"), "$.received_time"},
  };
  for (const auto& [input, message] : cases) {
    auto parsed = ParseReceiptStatement(input);
    ASSERT_FALSE(parsed) << input;
    EXPECT_EQ(parsed.error().code, ErrorCode::kParse) << parsed.error().message;
    EXPECT_NE(parsed.error().message.find(message), std::string::npos)
        << message << " vs " << parsed.error().message;
  }
}

}  // namespace
}  // namespace socmesh::crypto
