// Origin signatures (E3): one CMS signature per batch over a Merkle root, one inclusion proof per
// object; every object verifiable alone; tampering with the object, the proof, the head or the
// signer is detected with a specific error. The openssl command line is the independent oracle for
// the CMS signature.
#include "crypto/origin_signature.hpp"

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
using testing::RunCommand;
using testing::TestPki;

std::vector<model::StixObject> LoadObjects(const std::string& relative) {
  auto parsed = model::ParseBundle(ReadFile(DataPath(relative)));
  EXPECT_TRUE(parsed.has_value()) << relative;
  return parsed ? std::move(parsed->objects) : std::vector<model::StixObject>{};
}

const model::Timestamp kSigningTime{1'795'000'000'123'456};

class OriginSignatureTest : public ::testing::Test {
 protected:
  OriginSignatureTest()
      : acme_(pki_.Organisation("ACME CERT")),
        trust_(*TrustStore::FromCertificates(std::vector<X509*>{pki_.root.cert.get()})) {}

  Result<SignedBatch> Sign(const std::vector<model::StixObject>& objects,
                           const testing::Identity& who, const std::string& batch_id = "b-1") {
    return SignBatch(objects, batch_id, pki_.SignerFor(who), kSigningTime);
  }

  TestPki pki_;
  testing::Identity acme_;
  TrustStore trust_;
};

// E3: every object of a real 1 826-object ATT&CK bundle verifies alone from its serialised proof,
// with a single CMS verification for the whole batch.
TEST_F(OriginSignatureTest, EveryObjectOfARealBatchVerifiesWithOneSignatureCheck) {
  const auto objects = LoadObjects("stix/mitre-attack-stix-data/ics-attack-18.1.json");
  ASSERT_GT(objects.size(), 1000u);
  auto batch = Sign(objects, acme_);
  ASSERT_TRUE(batch) << batch.error().message;
  EXPECT_EQ(batch->head->head.origin, "ACME CERT");
  EXPECT_EQ(batch->head->head.tree_size, objects.size());
  ASSERT_EQ(batch->proofs.size(), objects.size());

  OriginVerifier verifier(trust_);
  for (size_t i = 0; i < objects.size(); ++i) {
    auto verified = verifier.Verify(objects[i], SerializeOriginProof(batch->proofs[i]));
    ASSERT_TRUE(verified) << i << ": " << verified.error().message;
    EXPECT_EQ(verified->origin, "ACME CERT");
    EXPECT_EQ(verified->batch_id, "b-1");
    EXPECT_EQ(verified->leaf_index, i);
  }
  EXPECT_EQ(verifier.signature_verifications(), 1u);
}

// E3 "after any number of relays": a fresh verifier (another node) holding only the root CA
// verifies one object with nothing but the object and its proof text.
TEST_F(OriginSignatureTest, ASingleObjectVerifiesAloneOnAnotherNode) {
  const auto objects = LoadObjects("stix/mitre-attack-stix-data/ics-attack-18.1.json");
  auto batch = Sign(objects, acme_);
  ASSERT_TRUE(batch);
  const std::string proof = SerializeOriginProof(batch->proofs[777]);
  auto trust = TrustStore::FromCertificates(std::vector<X509*>{pki_.root.cert.get()});
  OriginVerifier relay_receiver(*trust);
  auto verified = relay_receiver.Verify(objects[777], proof);
  ASSERT_TRUE(verified) << verified.error().message;
  EXPECT_EQ(verified->leaf_index, 777u);
  // ... and not as any other object of the batch.
  auto wrong = relay_receiver.Verify(objects[778], proof);
  ASSERT_FALSE(wrong);
  EXPECT_EQ(wrong.error().code, ErrorCode::kVerification);
  EXPECT_NE(wrong.error().message.find("is not leaf 777"), std::string::npos);
}

// Proofs may leave the CMS bytes out once the receiver knows the head.
TEST_F(OriginSignatureTest, ProofByReferenceNeedsAKnownHead) {
  const auto objects = LoadObjects(
      "stix/oasis-cti-documentation-examples/defining-campaigns-threat-actors-intrusion-sets.json");
  ASSERT_GT(objects.size(), 10u);
  auto batch = Sign(objects, acme_);
  ASSERT_TRUE(batch);
  const std::string light = SerializeOriginProof(batch->proofs[3], {.embed_signature = false});
  const std::string full = SerializeOriginProof(batch->proofs[3]);
  EXPECT_LT(light.size() + 300, full.size());
  EXPECT_EQ(light.find("signature"), std::string::npos);

  OriginVerifier verifier(trust_);
  auto unknown = verifier.Verify(objects[3], light);
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.error().code, ErrorCode::kNotFound);
  ASSERT_TRUE(verifier.Verify(objects[0], SerializeOriginProof(batch->proofs[0])));
  auto known = verifier.Verify(objects[3], light);
  ASSERT_TRUE(known) << known.error().message;
  EXPECT_EQ(known->origin, "ACME CERT");
}

TEST_F(OriginSignatureTest, ChangedObjectIsRejected) {
  auto objects = LoadObjects(
      "stix/oasis-cti-documentation-examples/defining-campaigns-threat-actors-intrusion-sets.json");
  auto batch = Sign(objects, acme_);
  ASSERT_TRUE(batch);
  model::StixObject changed = objects[5];
  const auto pos = changed.canonical_json.find("\"name\":\"");
  ASSERT_NE(pos, std::string::npos);
  changed.canonical_json.insert(pos + 8, "X");
  OriginVerifier verifier(trust_);
  auto result = verifier.Verify(changed, SerializeOriginProof(batch->proofs[5]));
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().code, ErrorCode::kVerification);
  EXPECT_NE(result.error().message.find("inclusion proof does not lead to the signed root"),
            std::string::npos)
      << result.error().message;
  EXPECT_NE(result.error().message.find(changed.id), std::string::npos);
}

TEST_F(OriginSignatureTest, ChangedProofIsRejected) {
  const auto objects = LoadObjects(
      "stix/oasis-cti-documentation-examples/defining-campaigns-threat-actors-intrusion-sets.json");
  auto batch = Sign(objects, acme_);
  ASSERT_TRUE(batch);
  OriginVerifier verifier(trust_);
  // A flipped bit in the audit path.
  OriginProof bad_path = batch->proofs[2];
  bad_path.path[0][7] ^= 1;
  auto r1 = verifier.Verify(objects[2].canonical_json, bad_path);
  ASSERT_FALSE(r1);
  EXPECT_EQ(r1.error().code, ErrorCode::kVerification);
  // Another leaf index with the same path.
  OriginProof bad_index = batch->proofs[2];
  bad_index.leaf_index = 3;
  auto r2 = verifier.Verify(objects[2].canonical_json, bad_index);
  ASSERT_FALSE(r2);
  EXPECT_NE(r2.error().message.find("is not leaf 3"), std::string::npos);
  // A truncated path.
  OriginProof short_path = batch->proofs[2];
  short_path.path.pop_back();
  EXPECT_FALSE(verifier.Verify(objects[2].canonical_json, short_path));
}

// Any change to the signed statement (root, size, batch id, time, origin) breaks the signature.
TEST_F(OriginSignatureTest, ChangedHeadIsRejected) {
  const auto objects = LoadObjects(
      "stix/oasis-cti-documentation-examples/defining-campaigns-threat-actors-intrusion-sets.json");
  auto batch = Sign(objects, acme_);
  ASSERT_TRUE(batch);
  const std::string proof = SerializeOriginProof(batch->proofs[1]);
  const std::string root_hex = merkle::ToHex(batch->head->head.root);
  struct Edit {
    std::string from, to;
  };
  const std::vector<Edit> edits = {
      {"\"batch_id\":\"b-1\"", "\"batch_id\":\"b-2\""},
      {"\"origin\":\"ACME CERT\"", "\"origin\":\"ACME CERTS\""},
      {"\"tree_size\":" + std::to_string(objects.size()),
       "\"tree_size\":" + std::to_string(objects.size() + 1)},
      {model::FormatTimestamp(kSigningTime, true),
       model::FormatTimestamp({kSigningTime.micros + 1}, true)},
  };
  for (const auto& edit : edits) {
    std::string tampered = proof;
    const auto pos = tampered.find(edit.from);
    ASSERT_NE(pos, std::string::npos) << edit.from << " in " << tampered;
    tampered.replace(pos, edit.from.size(), edit.to);
    OriginVerifier verifier(trust_);
    auto result = verifier.Verify(objects[1], tampered);
    ASSERT_FALSE(result) << edit.to;
    EXPECT_EQ(result.error().code, ErrorCode::kVerification) << edit.to;
    EXPECT_NE(result.error().message.find("signature does not verify"), std::string::npos)
        << result.error().message;
  }
}

// The signer's certificate must name the claimed origin: ACME cannot sign in the name of another
// organisation.
TEST_F(OriginSignatureTest, SignerOfAnotherOrganisationIsRejected) {
  const auto objects = LoadObjects(
      "stix/oasis-cti-documentation-examples/defining-campaigns-threat-actors-intrusion-sets.json");
  auto batch = Sign(objects, acme_);
  ASSERT_TRUE(batch);
  auto forged = std::make_shared<SignedBatchHead>(*batch->head);
  forged->head.origin = "CERT-EU";
  forged->statement = BatchHeadStatement(forged->head);
  auto signature = detail::CmsSign(pki_.SignerFor(acme_), forged->statement, true);
  ASSERT_TRUE(signature);
  forged->signature_der = *signature;
  OriginProof proof = batch->proofs[0];
  proof.head = forged;
  OriginVerifier verifier(trust_);
  auto result = verifier.Verify(objects[0].canonical_json, proof);
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().code, ErrorCode::kVerification);
  EXPECT_NE(
      result.error().message.find("signer organisation \"ACME CERT\" is not the claimed origin"),
      std::string::npos)
      << result.error().message;
}

TEST_F(OriginSignatureTest, SignerFromAnUntrustedCaIsRejected) {
  const auto objects = LoadObjects(
      "stix/oasis-cti-documentation-examples/defining-campaigns-threat-actors-intrusion-sets.json");
  const testing::Identity impostor = pki_.Organisation("ACME CERT", &pki_.rogue_root);
  auto batch = SignBatch(
      objects, "b-1",
      Signer{.key = impostor.key.get(), .certificate = impostor.cert.get(), .intermediates = {}},
      kSigningTime);
  ASSERT_TRUE(batch);
  OriginVerifier verifier(trust_);
  auto result = verifier.Verify(objects[0], SerializeOriginProof(batch->proofs[0]));
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().code, ErrorCode::kVerification);
  EXPECT_NE(result.error().message.find("signer certificate not trusted"), std::string::npos)
      << result.error().message;
  EXPECT_EQ(verifier.signature_verifications(), 1u);
  // A failed head is not cached: the next proof of that batch is checked (and refused) again.
  EXPECT_FALSE(verifier.Verify(objects[1], SerializeOriginProof(batch->proofs[1])));
  EXPECT_EQ(verifier.signature_verifications(), 2u);
}

// An expired signer certificate is refused now, and accepted by a third party that checks at a
// time within its validity (old signatures stay provable).
TEST_F(OriginSignatureTest, ExpiredSignerIsRejectedUnlessCheckedAtSigningTime) {
  const auto objects = LoadObjects(
      "stix/oasis-cti-documentation-examples/defining-campaigns-threat-actors-intrusion-sets.json");
  const testing::Identity expired = testing::MakeIdentity(
      "ACME CERT", "old node", &pki_.country_ca, {.valid_from_days = -40, .valid_days = 10});
  auto batch = Sign(objects, expired);
  ASSERT_TRUE(batch);
  const std::string proof = SerializeOriginProof(batch->proofs[0]);
  OriginVerifier now(trust_);
  auto result = now.Verify(objects[0], proof);
  ASSERT_FALSE(result);
  EXPECT_NE(result.error().message.find("certificate has expired"), std::string::npos)
      << result.error().message;

  auto then = TrustStore::FromCertificates(std::vector<X509*>{pki_.root.cert.get()});
  then->set_verification_time(std::time(nullptr) - 35 * 86400L);
  OriginVerifier archive(*then);
  auto archived = archive.Verify(objects[0], proof);
  EXPECT_TRUE(archived) << archived.error().message;
}

// E3 + issue 4 item 6: the openssl command line verifies the batch head on its own.
TEST_F(OriginSignatureTest, OpensslCliVerifiesTheBatchHead) {
  const auto objects = LoadObjects(
      "stix/oasis-cti-documentation-examples/defining-campaigns-threat-actors-intrusion-sets.json");
  auto batch = Sign(objects, acme_);
  ASSERT_TRUE(batch);
  TempDir dir;
  const auto head = dir.path() / "head.txt";
  const auto sig = dir.path() / "sig.der";
  const auto ca = dir.path() / "ca.pem";
  testing::WriteBytes(head, batch->head->statement);
  testing::WriteBytes(sig, batch->head->signature_der);
  testing::WritePem(ca, pki_.root.cert.get());
  std::string output;
  const std::string command = "openssl cms -verify -binary -content " + head.string() +
                              " -inform DER -in " + sig.string() + " -CAfile " + ca.string() +
                              " -out /dev/null";
  EXPECT_EQ(RunCommand(command, &output), 0) << output;
  EXPECT_NE(output.find("Verification successful"), std::string::npos) << output;

  // The same command refuses a changed statement.
  std::string changed = batch->head->statement;
  changed[changed.find("b-1") + 2] = '2';
  testing::WriteBytes(head, changed);
  EXPECT_NE(RunCommand(command, &output), 0) << output;
}

TEST_F(OriginSignatureTest, HeadStatementIsCanonicalJsonAndParsesBack) {
  BatchHead head{.origin = "Ä \"quoted\" org",
                 .batch_id = "batch\n1",
                 .tree_size = 42,
                 .root = merkle::LeafHash("x"),
                 .signing_time = kSigningTime};
  const std::string statement = BatchHeadStatement(head);
  EXPECT_EQ(*model::CanonicalizeJson(statement), statement);
  auto parsed = ParseBatchHeadStatement(statement);
  ASSERT_TRUE(parsed) << parsed.error().message;
  EXPECT_EQ(parsed->origin, head.origin);
  EXPECT_EQ(parsed->batch_id, head.batch_id);
  EXPECT_EQ(parsed->tree_size, 42u);
  EXPECT_EQ(parsed->root, head.root);
  EXPECT_EQ(parsed->signing_time, kSigningTime);
  EXPECT_EQ(BatchHeadHash(*parsed), detail::Sha256(statement));
  // Reformatted text is not the statement that was signed.
  std::string spaced = statement;
  spaced.insert(1, " ");
  EXPECT_FALSE(ParseBatchHeadStatement(spaced));
}

// Hostile proof text: a clear error naming the place, never a crash.
TEST_F(OriginSignatureTest, MalformedProofsAreRejectedWithThePath) {
  const auto objects = LoadObjects(
      "stix/oasis-cti-documentation-examples/defining-campaigns-threat-actors-intrusion-sets.json");
  auto batch = Sign(objects, acme_);
  ASSERT_TRUE(batch);
  const std::string good = SerializeOriginProof(batch->proofs[1]);
  ASSERT_TRUE(ParseOriginProof(good));
  auto replace = [&](const std::string& from, const std::string& to) {
    std::string s = good;
    const auto pos = s.find(from);
    EXPECT_NE(pos, std::string::npos) << from;
    if (pos != std::string::npos) s.replace(pos, from.size(), to);
    return s;
  };
  struct Case {
    std::string input;
    ErrorCode code;
    std::string message;
  };
  const std::vector<Case> cases = {
      {"", ErrorCode::kParse, "invalid JSON"},
      {"[]", ErrorCode::kParse, "$: expected a JSON object"},
      {replace("\"leaf_index\":1", "\"leaf_index\":99"), ErrorCode::kParse, "$.leaf_index"},
      {replace("\"leaf_index\":1", "\"leaf_index\":-1"), ErrorCode::kParse, "$.leaf_index"},
      {replace("\"version\":1", "\"version\":2"), ErrorCode::kUnsupported, "$.version"},
      {replace("\"type\":", "\"extra\":1,\"type\":"), ErrorCode::kParse, "unknown property"},
      {replace("\"leaf_index\":1", "\"leaf_index\":1,\"leaf_index\":1"), ErrorCode::kParse,
       "duplicate property"},
      {replace("\"root\":\"", "\"root\":\"zz"), ErrorCode::kParse, "$.head.root"},
      {replace("\"signature\":\"", "\"signature\":\"*"), ErrorCode::kParse, "$.signature"},
      {replace("\"path\":[", "\"path\":[1,"), ErrorCode::kParse, "$.path[0]"},
      {replace("\"signing_time\":\"", "\"signing_time\":\"x"), ErrorCode::kParse,
       "$.head.signing_time"},
  };
  for (const auto& c : cases) {
    auto parsed = ParseOriginProof(c.input);
    ASSERT_FALSE(parsed) << c.input;
    EXPECT_EQ(parsed.error().code, c.code) << c.message << ": " << parsed.error().message;
    EXPECT_NE(parsed.error().message.find(c.message), std::string::npos)
        << c.message << " vs " << parsed.error().message;
  }
  // A garbage CMS blob is a parse error at verification, not a crash.
  auto garbled = replace("\"signature\":\"", "\"signature\":\"AAAA");
  OriginVerifier verifier(trust_);
  auto result = verifier.Verify(objects[1], garbled);
  ASSERT_FALSE(result);
}

TEST_F(OriginSignatureTest, SignBatchRefusesBadInput) {
  const auto objects = LoadObjects(
      "stix/oasis-cti-documentation-examples/defining-campaigns-threat-actors-intrusion-sets.json");
  EXPECT_EQ(Sign({}, acme_).error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(Sign(objects, acme_, "").error().code, ErrorCode::kInvalidArgument);
  const testing::Identity no_org = testing::MakeIdentity("", "nobody", &pki_.country_ca);
  auto result = Sign(objects, no_org);
  ASSERT_FALSE(result);
  EXPECT_NE(result.error().message.find("no organisation"), std::string::npos)
      << result.error().message;
}

}  // namespace
}  // namespace socmesh::crypto
