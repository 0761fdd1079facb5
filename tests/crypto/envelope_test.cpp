// End-to-end envelopes (B12): every recipient organisation decrypts with its own key, and so does
// `openssl cms -decrypt` (the independent check); a non-recipient cannot; relays read and verify
// the routing metadata but any change to it or to the ciphertext is detected.
#include "crypto/envelope.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "common/test_data.hpp"
#include "crypto/cms_test_pki.hpp"
#include "crypto/detail/cms_util.hpp"

namespace socmesh::crypto {
namespace {

using socmesh::testing::DataPath;
using socmesh::testing::ReadFile;
using socmesh::testing::TempDir;
using testing::TestPki;

RoutingMetadata Routing(std::string id, std::string tlp = "", std::string scope = "",
                        std::vector<std::string> recipients = {}) {
  RoutingMetadata r;
  r.envelope_id = std::move(id);
  r.tlp = std::move(tlp);
  r.scope = std::move(scope);
  r.recipients = std::move(recipients);
  return r;
}

class EnvelopeTest : public ::testing::Test {
 protected:
  EnvelopeTest()
      : acme_(pki_.Organisation("ACME CERT")),
        trust_(*TrustStore::FromCertificates(std::vector<X509*>{pki_.root.cert.get()})),
        payload_(ReadFile(DataPath("stix/oasis-cti-documentation-examples/"
                                   "defining-campaigns-threat-actors-intrusion-sets.json"))) {
    for (const char* org : {"CERT-FR", "CERT-EU", "CERT-DE"}) {
      recipients_.push_back(pki_.Organisation(org));
    }
  }

  std::vector<X509*> RecipientCerts() const {
    std::vector<X509*> certs;
    for (const auto& r : recipients_) certs.push_back(r.cert.get());
    return certs;
  }

  Result<std::string> Seal() {
    return SealEnvelope(payload_, Routing("env-42", "red", "consortium:eu-energy"),
                        RecipientCerts(), pki_.SignerFor(acme_));
  }

  TestPki pki_;
  testing::Identity acme_;
  TrustStore trust_;
  std::string payload_;
  std::vector<testing::Identity> recipients_;
};

// B12: each named recipient opens the envelope with its own key.
TEST_F(EnvelopeTest, EachRecipientDecryptsWithItsOwnKey) {
  ASSERT_GT(payload_.size(), 1000u);
  auto wire = Seal();
  ASSERT_TRUE(wire) << wire.error().message;
  EXPECT_EQ(wire->find("Campaign"), std::string::npos);  // no plaintext on the wire
  for (const auto& r : recipients_) {
    auto opened = OpenEnvelope(*wire, r.key.get(), r.cert.get(), trust_);
    ASSERT_TRUE(opened) << opened.error().message;
    EXPECT_EQ(opened->payload, payload_);
    EXPECT_EQ(opened->routing.origin, "ACME CERT");
    EXPECT_EQ(opened->routing.recipients,
              (std::vector<std::string>{"CERT-DE", "CERT-EU", "CERT-FR"}));
    EXPECT_EQ(opened->routing.tlp, "red");
    EXPECT_EQ(opened->routing.scope, "consortium:eu-energy");
  }
}

// Relays see and verify the routing metadata without any key.
TEST_F(EnvelopeTest, RelayReadsAndVerifiesRoutingWithoutDecrypting) {
  auto wire = Seal();
  ASSERT_TRUE(wire);
  auto routing = InspectEnvelope(*wire, trust_);
  ASSERT_TRUE(routing) << routing.error().message;
  EXPECT_EQ(routing->envelope_id, "env-42");
  EXPECT_EQ(routing->recipients.size(), 3u);
}

TEST_F(EnvelopeTest, NonRecipientCannotDecrypt) {
  auto wire = Seal();
  ASSERT_TRUE(wire);
  const testing::Identity outsider = pki_.Organisation("CERT-IT");
  auto opened = OpenEnvelope(*wire, outsider.key.get(), outsider.cert.get(), trust_);
  ASSERT_FALSE(opened);
  EXPECT_EQ(opened.error().code, ErrorCode::kPermission) << opened.error().message;
  EXPECT_NE(opened.error().message.find("not addressed to this certificate"), std::string::npos);
  // Nor with a recipient's certificate and its own key.
  auto stolen_cert = OpenEnvelope(*wire, outsider.key.get(), recipients_[0].cert.get(), trust_);
  ASSERT_FALSE(stolen_cert);
  EXPECT_NE(stolen_cert.error().code, ErrorCode::kInternal);
}

// Issue 4 item 6: the openssl command line decrypts the CMS part with a recipient's key.
TEST_F(EnvelopeTest, OpensslCliDecryptsForEachRecipient) {
  auto wire = Seal();
  ASSERT_TRUE(wire);
  auto parts = ParseEnvelope(*wire);
  ASSERT_TRUE(parts) << parts.error().message;
  TempDir dir;
  testing::WriteBytes(dir.path() / "env.der", parts->cms_der);
  for (size_t i = 0; i < recipients_.size(); ++i) {
    const auto cert = dir.path() / ("r" + std::to_string(i) + ".pem");
    const auto key = dir.path() / ("r" + std::to_string(i) + ".key");
    const auto out = dir.path() / ("out" + std::to_string(i));
    testing::WritePem(cert, recipients_[i].cert.get());
    testing::WritePem(key, recipients_[i].key.get());
    std::string output;
    ASSERT_EQ(
        testing::RunCommand("openssl cms -decrypt -binary -inform DER -in " +
                                (dir.path() / "env.der").string() + " -recip " + cert.string() +
                                " -inkey " + key.string() + " -out " + out.string(),
                            &output),
        0)
        << output;
    EXPECT_EQ(ReadFile(out), payload_);
  }
  // The CLI confirms what the content is: AuthEnvelopedData with AES-256-GCM.
  std::string printed;
  ASSERT_EQ(testing::RunCommand(
                "openssl cms -cmsout -print -inform DER -in " + (dir.path() / "env.der").string(),
                &printed),
            0);
  EXPECT_NE(printed.find("authEnvelopedData"), std::string::npos);
  EXPECT_NE(printed.find("aes-256-gcm"), std::string::npos);
}

// Relays cannot silently rewrite routing: recipients, TLP, scope, id and origin are signed.
TEST_F(EnvelopeTest, ChangedRoutingMetadataIsDetected) {
  auto wire = Seal();
  ASSERT_TRUE(wire);
  auto parts = ParseEnvelope(*wire);
  ASSERT_TRUE(parts);
  std::vector<EnvelopeParts> tampered(5, *parts);
  tampered[0].routing.tlp = "clear";
  tampered[1].routing.scope = "public";
  tampered[2].routing.recipients.push_back("CERT-XX");
  tampered[3].routing.envelope_id = "env-43";
  tampered[4].routing.origin = "CERT-EU";
  for (const auto& t : tampered) {
    const std::string changed = SerializeEnvelope(t);
    auto inspected = InspectEnvelope(changed, trust_);
    ASSERT_FALSE(inspected);
    EXPECT_EQ(inspected.error().code, ErrorCode::kVerification);
    EXPECT_NE(inspected.error().message.find("routing signature"), std::string::npos)
        << inspected.error().message;
    auto opened =
        OpenEnvelope(changed, recipients_[0].key.get(), recipients_[0].cert.get(), trust_);
    EXPECT_FALSE(opened);
  }
}

TEST_F(EnvelopeTest, ChangedCiphertextIsDetected) {
  auto wire = Seal();
  ASSERT_TRUE(wire);
  auto parts = ParseEnvelope(*wire);
  ASSERT_TRUE(parts);
  EnvelopeParts t = *parts;
  t.cms_der[t.cms_der.size() - 100] ^= 0x01;  // inside the encrypted content
  // The relay's check catches it before any key is used...
  auto inspected = InspectEnvelope(SerializeEnvelope(t), trust_);
  ASSERT_FALSE(inspected);
  EXPECT_EQ(inspected.error().code, ErrorCode::kVerification);
  // ... and so does the AES-GCM tag on its own (a recipient that skipped the routing check).
  auto decrypted =
      DecryptAuthEnveloped(t.cms_der, recipients_[1].key.get(), recipients_[1].cert.get());
  ASSERT_FALSE(decrypted);
  EXPECT_EQ(decrypted.error().code, ErrorCode::kVerification);
  // openssl agrees that the tampered ciphertext does not decrypt.
  TempDir dir;
  testing::WriteBytes(dir.path() / "env.der", t.cms_der);
  testing::WritePem(dir.path() / "r.pem", recipients_[1].cert.get());
  testing::WritePem(dir.path() / "r.key", recipients_[1].key.get());
  EXPECT_NE(testing::RunCommand("openssl cms -decrypt -binary -inform DER -in " +
                                (dir.path() / "env.der").string() + " -recip " +
                                (dir.path() / "r.pem").string() + " -inkey " +
                                (dir.path() / "r.key").string() + " -out /dev/null"),
            0);
}

TEST_F(EnvelopeTest, EnvelopeFromAnUntrustedOriginIsRejected) {
  const testing::Identity rogue = pki_.Organisation("ACME CERT", &pki_.rogue_root);
  auto wire = SealEnvelope(
      payload_, Routing("e"), RecipientCerts(),
      Signer{.key = rogue.key.get(), .certificate = rogue.cert.get(), .intermediates = {}});
  ASSERT_TRUE(wire);
  auto opened = OpenEnvelope(*wire, recipients_[0].key.get(), recipients_[0].cert.get(), trust_);
  ASSERT_FALSE(opened);
  EXPECT_NE(opened.error().message.find("signer certificate not trusted"), std::string::npos);
}

// Unauthenticated CBC EnvelopedData (what `openssl cms -encrypt` makes by default) is refused.
TEST_F(EnvelopeTest, PlainEnvelopedDataIsRefused) {
  TempDir dir;
  testing::WriteBytes(dir.path() / "in.txt", "hello");
  testing::WritePem(dir.path() / "r.pem", recipients_[0].cert.get());
  ASSERT_EQ(testing::RunCommand("openssl cms -encrypt -aes-256-cbc -binary -outform DER -in " +
                                (dir.path() / "in.txt").string() + " -out " +
                                (dir.path() / "cbc.der").string() + " " +
                                (dir.path() / "r.pem").string()),
            0);
  auto result = DecryptAuthEnveloped(ReadFile(dir.path() / "cbc.der"), recipients_[0].key.get(),
                                     recipients_[0].cert.get());
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().code, ErrorCode::kUnsupported);
}

TEST_F(EnvelopeTest, SealRefusesInconsistentRouting) {
  auto no_recipients = SealEnvelope(payload_, Routing("e"), {}, pki_.SignerFor(acme_));
  EXPECT_EQ(no_recipients.error().code, ErrorCode::kInvalidArgument);
  auto wrong_list = SealEnvelope(payload_, Routing("e", "", "", {"CERT-EU"}), RecipientCerts(),
                                 pki_.SignerFor(acme_));
  ASSERT_FALSE(wrong_list);
  EXPECT_NE(wrong_list.error().message.find("recipients do not match"), std::string::npos);
  auto no_id = SealEnvelope(payload_, RoutingMetadata{}, RecipientCerts(), pki_.SignerFor(acme_));
  EXPECT_EQ(no_id.error().code, ErrorCode::kInvalidArgument);
}

TEST_F(EnvelopeTest, MalformedEnvelopesAreRejectedWithThePath) {
  auto wire = Seal();
  ASSERT_TRUE(wire);
  auto replace = [&](const std::string& from, const std::string& to) {
    std::string s = *wire;
    const auto pos = s.find(from);
    EXPECT_NE(pos, std::string::npos) << from;
    if (pos != std::string::npos) s.replace(pos, from.size(), to);
    return s;
  };
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"", "invalid JSON"},
      {"{}", "$.type: missing"},
      {replace("\"cms\":\"", "\"cms\":\"!"), "$.cms"},
      {replace("\"recipients\":[", "\"recipients\":[7,"), "$.routing.recipients[0]"},
      {replace("\"recipients\":[\"CERT-DE\",", "\"recipients\":["), ""},  // signature catches it
      {replace("\"recipients\":[\"CERT-DE\",\"CERT-EU\"",
               "\"recipients\":[\"CERT-EU\",\"CERT-DE\""),
       "sorted"},
      {replace("\"version\":1", "\"version\":9"), "$.version"},
      {replace("\"tlp\":", "\"color\":1,\"tlp\":"), "unknown property"},
  };
  for (const auto& [input, message] : cases) {
    auto inspected = InspectEnvelope(input, trust_);
    ASSERT_FALSE(inspected) << input.substr(0, 200);
    EXPECT_NE(inspected.error().message.find(message), std::string::npos)
        << message << " vs " << inspected.error().message;
  }
}

}  // namespace
}  // namespace socmesh::crypto
