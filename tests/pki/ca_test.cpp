// Root and country CAs, CSRs, signing, revocation, renewal and chain verification (B10, E1, E2,
// E24). `openssl verify -crl_check_all` and `openssl x509 -text` are the independent oracles; every
// refusal (expired, revoked, wrong CA, wrong country) must be a specific ChainProblem.
#include "pki/ca.hpp"

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <sys/wait.h>

#include <cstdio>
#include <ctime>
#include <fstream>
#include <memory>
#include <string>

#include "common/softhsm_token.hpp"
#include "common/test_data.hpp"
#include "crypto/x509.hpp"
#include "pki/csr.hpp"
#include "pki/verify.hpp"

namespace socmesh::pki {
namespace {

namespace fs = std::filesystem;
using socmesh::testing::ReadFile;
using socmesh::testing::SoftHsmToken;
using socmesh::testing::TempDir;

// Key options with just a PIN (designated initialisers would trip -Wmissing-field-initializers).
crypto::KeyOptions Pin(std::string pin) {
  crypto::KeyOptions options;
  options.pin = std::move(pin);
  return options;
}

struct Shell {
  int status = -1;
  std::string out;
};

// Runs a command, capturing stdout and stderr together.
Shell RunCmd(const std::string& command) {
  Shell r;
  FILE* p = ::popen((command + " 2>&1").c_str(), "r");
  if (p == nullptr) return r;
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) r.out.append(buf, n);
  int status = ::pclose(p);
  r.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

void Write(const fs::path& path, const std::string& data) { std::ofstream(path) << data; }

int64_t Now() { return static_cast<int64_t>(std::time(nullptr)); }

class PkiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    RootParams rp;
    rp.organisation = "EU SOC Network";
    auto root = CertificateAuthority::CreateRoot(root_dir_, rp);
    ASSERT_TRUE(root) << root.error().message;
    root_ = std::make_unique<CertificateAuthority>(std::move(*root));
    CountryParams cp;
    cp.country = "FR";
    auto fr = CertificateAuthority::CreateCountry(fr_dir_, *root_, cp);
    ASSERT_TRUE(fr) << fr.error().message;
    fr_ = std::make_unique<CertificateAuthority>(std::move(*fr));
  }

  // A node key (file) and its CSR for `country`.
  std::string NodeCsr(const std::string& country, const std::string& name,
                      const std::string& key_file) {
    auto key = crypto::Key::Generate((dir_.path() / key_file).string(), {});
    EXPECT_TRUE(key) << key.error().message;
    if (!key) return {};
    CsrRequest req;
    req.subject = {country, "CERT-" + country, name};
    req.dns_names = {"localhost"};
    req.ip_addresses = {"127.0.0.1"};
    auto csr = MakeCsr(*key, req);
    EXPECT_TRUE(csr) << csr.error().message;
    return csr.value_or("");
  }

  VerifyInput Input(const std::string& cert_pem) {
    VerifyInput in;
    in.certificate_pem = cert_pem;
    in.intermediates_pem = {ReadFile(fr_dir_ / "ca.pem")};
    in.root_pem = ReadFile(root_dir_ / "ca.pem");
    in.crls_pem = {ReadFile(root_dir_ / "crl.pem"), ReadFile(fr_dir_ / "crl.pem")};
    return in;
  }

  // `openssl verify` with CRL checks on every level, as an operator would run it.
  Shell OpensslVerify(const fs::path& cert, const std::string& extra = "") {
    return RunCmd("openssl verify -crl_check_all -x509_strict -CAfile " +
                  (root_dir_ / "ca.pem").string() + " -untrusted " + (fr_dir_ / "ca.pem").string() +
                  " -CRLfile " + (root_dir_ / "crl.pem").string() + " -CRLfile " +
                  (fr_dir_ / "crl.pem").string() + " " + extra + " " + cert.string());
  }

  TempDir dir_;
  fs::path root_dir_ = dir_.path() / "root";
  fs::path fr_dir_ = dir_.path() / "fr";
  std::unique_ptr<CertificateAuthority> root_;
  std::unique_ptr<CertificateAuthority> fr_;
};

TEST_F(PkiTest, RootAndCountryCaCarryTheRequiredExtensions) {
  auto root = RunCmd("openssl x509 -noout -text -in " + (root_dir_ / "ca.pem").string());
  ASSERT_EQ(root.status, 0);
  EXPECT_NE(root.out.find("CA:TRUE"), std::string::npos);
  EXPECT_NE(root.out.find("Certificate Sign, CRL Sign"), std::string::npos);
  EXPECT_NE(root.out.find("Subject Key Identifier"), std::string::npos);
  EXPECT_NE(root.out.find("Authority Key Identifier"), std::string::npos);
  EXPECT_NE(root.out.find("ASN1 OID: prime256v1"), std::string::npos);
  auto fr = RunCmd("openssl x509 -noout -text -in " + (fr_dir_ / "ca.pem").string());
  ASSERT_EQ(fr.status, 0);
  EXPECT_NE(fr.out.find("Subject: C = FR, O = EU SOC Network"), std::string::npos) << fr.out;
  EXPECT_NE(fr.out.find("CA:TRUE, pathlen:0"), std::string::npos);
  EXPECT_NE(fr.out.find("Permitted:"), std::string::npos);
  EXPECT_NE(fr.out.find("DirName:C = FR"), std::string::npos);
  // The country CA verifies against the root with CRL checks (root CRL published at creation).
  auto v =
      RunCmd("openssl verify -crl_check -CAfile " + (root_dir_ / "ca.pem").string() + " -CRLfile " +
             (root_dir_ / "crl.pem").string() + " " + (fr_dir_ / "ca.pem").string());
  EXPECT_EQ(v.status, 0) << v.out;
}

TEST_F(PkiTest, NodeCertificateVerifiesWithOpensslForTlsOnLocalhost) {
  auto issued = fr_->Sign(NodeCsr("FR", "node1.cert.fr", "node.key"), Profile::kNode, {});
  ASSERT_TRUE(issued) << issued.error().message;
  const fs::path cert = dir_.path() / "node.pem";
  Write(cert, issued->pem);
  for (const char* extra : {"", "-purpose sslserver", "-purpose sslclient",
                            "-verify_hostname localhost", "-verify_ip 127.0.0.1"}) {
    auto v = OpensslVerify(cert, extra);
    EXPECT_EQ(v.status, 0) << extra << ": " << v.out;
  }
  auto text = RunCmd("openssl x509 -noout -text -in " + cert.string());
  EXPECT_NE(text.out.find("TLS Web Server Authentication, TLS Web Client Authentication"),
            std::string::npos);
  EXPECT_NE(text.out.find("Subject: C = FR, O = CERT-FR, CN = node1.cert.fr"), std::string::npos);
  auto result = VerifyChain(Input(issued->pem));
  ASSERT_TRUE(result) << result.error().message;
  EXPECT_TRUE(result->ok()) << result->message;
  // The CA remembers what it issued.
  auto index = fr_->Index();
  ASSERT_TRUE(index);
  ASSERT_EQ(index->size(), 1u);
  EXPECT_EQ((*index)[0].serial, issued->serial);
  EXPECT_EQ((*index)[0].profile, "node");
  EXPECT_TRUE(fs::exists(fr_dir_ / "certs" / (issued->serial + ".pem")));
}

TEST_F(PkiTest, UserCertificateIsForClientAuthAndEmail) {
  auto issued = fr_->Sign(NodeCsr("FR", "analyst", "user.key"), Profile::kUser, {});
  ASSERT_TRUE(issued) << issued.error().message;
  const fs::path cert = dir_.path() / "user.pem";
  Write(cert, issued->pem);
  auto text = RunCmd("openssl x509 -noout -text -in " + cert.string());
  EXPECT_NE(text.out.find("TLS Web Client Authentication, E-mail Protection"), std::string::npos);
  EXPECT_EQ(OpensslVerify(cert, "-purpose sslclient").status, 0);
  EXPECT_NE(OpensslVerify(cert, "-purpose sslserver").status, 0);  // not a server
}

TEST_F(PkiTest, RefusesACsrFromAnotherCountry) {
  auto issued = fr_->Sign(NodeCsr("DE", "node.bsi.de", "de.key"), Profile::kNode, {});
  ASSERT_FALSE(issued);
  EXPECT_EQ(issued.error().code, ErrorCode::kInvalidArgument);
  EXPECT_NE(issued.error().message.find("wrong country"), std::string::npos);
  EXPECT_NE(issued.error().message.find("DE"), std::string::npos);
  auto index = fr_->Index();
  ASSERT_TRUE(index);
  EXPECT_TRUE(index->empty());  // nothing issued
}

TEST_F(PkiTest, RootIssuesNoEndEntityCertificates) {
  auto issued = root_->Sign(NodeCsr("FR", "n", "n.key"), Profile::kNode, {});
  ASSERT_FALSE(issued);
  EXPECT_NE(issued.error().message.find("country CAs only"), std::string::npos);
}

TEST_F(PkiTest, RefusesATamperedCsr) {
  std::string csr = NodeCsr("FR", "node1", "t.key");
  std::string bad = csr;
  bad[bad.size() / 2] = bad[bad.size() / 2] == 'A' ? 'B' : 'A';  // flip a base64 character
  auto issued = fr_->Sign(bad, Profile::kNode, {});
  ASSERT_FALSE(issued);
  EXPECT_TRUE(issued.error().code == ErrorCode::kInvalidArgument ||
              issued.error().code == ErrorCode::kParse);
}

TEST_F(PkiTest, RevokedCertificateIsRefusedByUsAndByOpenssl) {
  auto issued = fr_->Sign(NodeCsr("FR", "node1", "r.key"), Profile::kNode, {});
  ASSERT_TRUE(issued);
  auto reason = ParseRevocationReason("keyCompromise");
  ASSERT_TRUE(reason);
  ASSERT_TRUE(fr_->Revoke(issued->serial, *reason));
  const fs::path cert = dir_.path() / "r.pem";
  Write(cert, issued->pem);
  auto v = OpensslVerify(cert);
  EXPECT_NE(v.status, 0);
  EXPECT_NE(v.out.find("certificate revoked"), std::string::npos) << v.out;
  auto crl = RunCmd("openssl crl -noout -text -in " + (fr_dir_ / "crl.pem").string());
  // openssl prints whole bytes: "01" for serial 1.
  const std::string padded = (issued->serial.size() % 2 ? "0" : "") + issued->serial;
  EXPECT_NE(crl.out.find("Serial Number: " + padded), std::string::npos) << crl.out;
  EXPECT_NE(crl.out.find("Key Compromise"), std::string::npos);
  auto result = VerifyChain(Input(issued->pem));
  ASSERT_TRUE(result);
  EXPECT_EQ(result->problem, ChainProblem::kRevoked) << result->message;
  // Revoking again, or something this CA never issued, is a specific error.
  auto twice = fr_->Revoke(issued->serial, *reason);
  ASSERT_FALSE(twice);
  EXPECT_EQ(twice.error().code, ErrorCode::kConflict);
  auto unknown = fr_->Revoke("ABCDEF", *reason);
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.error().code, ErrorCode::kNotFound);
  EXPECT_FALSE(ParseRevocationReason("because"));
}

TEST_F(PkiTest, RevokedCountryCaInvalidatesItsCertificates) {
  auto issued = fr_->Sign(NodeCsr("FR", "node1", "c.key"), Profile::kNode, {});
  ASSERT_TRUE(issued);
  ASSERT_TRUE(root_->Revoke(crypto::SerialHex(fr_->certificate()), 2));  // cACompromise
  auto result = VerifyChain(Input(issued->pem));
  ASSERT_TRUE(result);
  EXPECT_EQ(result->problem, ChainProblem::kRevoked);
  EXPECT_EQ(result->depth, 1);  // the CA, not the node
}

TEST_F(PkiTest, ExpiredCertificateIsRefusedAsExpired) {
  Validity past;
  past.not_before = Now() - 10 * 86400;
  past.not_after = Now() - 86400;
  auto issued = fr_->Sign(NodeCsr("FR", "old-node", "e.key"), Profile::kNode, past);
  ASSERT_TRUE(issued) << issued.error().message;
  const fs::path cert = dir_.path() / "e.pem";
  Write(cert, issued->pem);
  auto v = OpensslVerify(cert);
  EXPECT_NE(v.out.find("certificate has expired"), std::string::npos) << v.out;
  auto result = VerifyChain(Input(issued->pem));
  ASSERT_TRUE(result);
  EXPECT_EQ(result->problem, ChainProblem::kExpired) << result->message;
  // Verified as of a time inside its validity, it is fine (third parties checking old receipts).
  VerifyInput then = Input(issued->pem);
  then.at_time = Now() - 5 * 86400;
  then.crls_pem.clear();  // today's CRLs are not yet valid then
  auto old = VerifyChain(then);
  ASSERT_TRUE(old);
  EXPECT_EQ(old->problem, ChainProblem::kCrlMissing);  // and CRL checks are never skipped
}

TEST_F(PkiTest, CertificateOfAnotherNetworkIsWrongCa) {
  RootParams rp;
  rp.common_name = "rogue root";
  auto other_root = CertificateAuthority::CreateRoot(dir_.path() / "other-root", rp);
  ASSERT_TRUE(other_root) << other_root.error().message;
  CountryParams cp;
  cp.country = "FR";
  auto other_fr = CertificateAuthority::CreateCountry(dir_.path() / "other-fr", *other_root, cp);
  ASSERT_TRUE(other_fr);
  auto issued = other_fr->Sign(NodeCsr("FR", "imposter", "i.key"), Profile::kNode, {});
  ASSERT_TRUE(issued);
  // Presented with our FR CA as the chain (same name!), and with its own CA: wrong CA both times.
  auto result = VerifyChain(Input(issued->pem));
  ASSERT_TRUE(result);
  EXPECT_EQ(result->problem, ChainProblem::kWrongCa) << result->message;
  VerifyInput own = Input(issued->pem);
  own.intermediates_pem = {other_fr->CertificatePem()};
  auto result2 = VerifyChain(own);
  ASSERT_TRUE(result2);
  EXPECT_EQ(result2->problem, ChainProblem::kWrongCa) << result2->message;
  const fs::path cert = dir_.path() / "i.pem";
  Write(cert, issued->pem);
  EXPECT_NE(OpensslVerify(cert).status, 0);
}

TEST_F(PkiTest, CertificateForAnotherCountryUnderTheFrenchCaIsWrongCountry) {
  // Misissuance made with the openssl CLI and the FR CA's key file, bypassing pki/'s own check:
  // the name constraint in the FR CA certificate still catches it.
  const fs::path key = dir_.path() / "de.key";
  const fs::path csr = dir_.path() / "de.csr";
  const fs::path cert = dir_.path() / "de.pem";
  const fs::path ext = dir_.path() / "de.ext";
  Write(ext, "authorityKeyIdentifier=keyid\nbasicConstraints=CA:FALSE\n");
  ASSERT_EQ(RunCmd("openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout " +
                   key.string() + " -subj '/C=DE/O=BSI/CN=node.bsi.de' -out " + csr.string())
                .status,
            0);
  ASSERT_EQ(RunCmd("openssl x509 -req -in " + csr.string() + " -CA " +
                   (fr_dir_ / "ca.pem").string() + " -CAkey " + (fr_dir_ / "ca.key").string() +
                   " -set_serial 4242 -days 30 -sha256 -extfile " + ext.string() + " -out " +
                   cert.string() + " </dev/null")
                .status,
            0);
  auto result = VerifyChain(Input(ReadFile(cert)));
  ASSERT_TRUE(result);
  EXPECT_EQ(result->problem, ChainProblem::kWrongCountry) << result->message;
  EXPECT_NE(OpensslVerify(cert).status, 0);  // openssl: "permitted subtree violation"

  // A valid French node claiming to be German is also wrong-country.
  auto issued = fr_->Sign(NodeCsr("FR", "node1", "w.key"), Profile::kNode, {});
  ASSERT_TRUE(issued);
  VerifyInput claim = Input(issued->pem);
  claim.expected_country = "DE";
  auto r2 = VerifyChain(claim);
  ASSERT_TRUE(r2);
  EXPECT_EQ(r2->problem, ChainProblem::kWrongCountry);
}

TEST_F(PkiTest, MissingCrlIsReportedNotIgnored) {
  auto issued = fr_->Sign(NodeCsr("FR", "node1", "m.key"), Profile::kNode, {});
  ASSERT_TRUE(issued);
  VerifyInput in = Input(issued->pem);
  in.crls_pem.pop_back();  // no FR CRL
  auto result = VerifyChain(in);
  ASSERT_TRUE(result);
  EXPECT_EQ(result->problem, ChainProblem::kCrlMissing);
}

TEST_F(PkiTest, RenewKeepsSubjectAndKeyOrTakesANewKey) {
  auto issued = fr_->Sign(NodeCsr("FR", "node1", "n1.key"), Profile::kNode, {});
  ASSERT_TRUE(issued);
  auto same = fr_->Renew(issued->pem, std::nullopt, {});
  ASSERT_TRUE(same) << same.error().message;
  EXPECT_NE(same->serial, issued->serial);
  auto a = crypto::ParseCertificatePem(issued->pem, "a");
  auto b = crypto::ParseCertificatePem(same->pem, "b");
  ASSERT_TRUE(a && b);
  EXPECT_EQ(crypto::SubjectText(a->get()), crypto::SubjectText(b->get()));
  EXPECT_EQ(EVP_PKEY_eq(X509_get0_pubkey(a->get()), X509_get0_pubkey(b->get())), 1);
  const fs::path renewed = dir_.path() / "renewed.pem";
  Write(renewed, same->pem);
  EXPECT_EQ(OpensslVerify(renewed, "-verify_hostname localhost").status, 0);  // SANs kept

  // New key: a CSR with the same subject.
  auto key2 = crypto::Key::Generate((dir_.path() / "n2.key").string(), {});
  ASSERT_TRUE(key2);
  CsrRequest req;
  req.subject = {"FR", "CERT-FR", "node1"};
  auto csr2 = MakeCsr(*key2, req);
  ASSERT_TRUE(csr2);
  auto rekeyed = fr_->Renew(issued->pem, *csr2, {});
  ASSERT_TRUE(rekeyed) << rekeyed.error().message;
  auto c = crypto::ParseCertificatePem(rekeyed->pem, "c");
  ASSERT_TRUE(c);
  EXPECT_EQ(EVP_PKEY_eq(X509_get0_pubkey(c->get()), key2->pkey()), 1);

  // A CSR for another subject is not a renewal.
  req.subject.common_name = "node2";
  auto csr3 = MakeCsr(*key2, req);
  ASSERT_TRUE(csr3);
  auto wrong = fr_->Renew(issued->pem, *csr3, {});
  ASSERT_FALSE(wrong);
  EXPECT_NE(wrong.error().message.find("subject differs"), std::string::npos);
}

TEST_F(PkiTest, CaStateSurvivesReopeningAndSerialsNeverRepeat) {
  auto first = fr_->Sign(NodeCsr("FR", "a", "a.key"), Profile::kNode, {});
  ASSERT_TRUE(first);
  auto reopened = CertificateAuthority::Open(fr_dir_, {});
  ASSERT_TRUE(reopened) << reopened.error().message;
  EXPECT_EQ(reopened->country(), "FR");
  auto second = reopened->Sign(NodeCsr("FR", "b", "b.key"), Profile::kNode, {});
  ASSERT_TRUE(second);
  EXPECT_NE(first->serial, second->serial);
  auto index = reopened->Index();
  ASSERT_TRUE(index);
  EXPECT_EQ(index->size(), 2u);
  // No temporary files left behind by the atomic writes.
  for (const auto& e : fs::directory_iterator(fr_dir_)) {
    EXPECT_EQ(e.path().filename().string().find(".tmp."), std::string::npos) << e.path();
  }
  // Creating a CA over an existing one is refused.
  CountryParams cp;
  cp.country = "FR";
  auto again = CertificateAuthority::CreateCountry(fr_dir_, *root_, cp);
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code, ErrorCode::kConflict);
}

TEST(CsrTest, RejectsBadNames) {
  TempDir dir;
  auto key = crypto::Key::Generate((dir.path() / "k").string(), {});
  ASSERT_TRUE(key);
  CsrRequest req;
  req.subject = {"fr", "O", "CN"};
  EXPECT_FALSE(MakeCsr(*key, req));
  req.subject = {"FRA", "O", "CN"};
  EXPECT_FALSE(MakeCsr(*key, req));
  req.subject = {"FR", "", "CN"};
  EXPECT_FALSE(MakeCsr(*key, req));
  req.subject = {"FR", "O", "CN"};
  req.ip_addresses = {"999.1.1.1"};
  auto bad_ip = MakeCsr(*key, req);
  ASSERT_FALSE(bad_ip);
  EXPECT_NE(bad_ip.error().message.find("999.1.1.1"), std::string::npos);
}

// CA keys in a token (B10): root and country CA keys generated in SoftHSM, a node key too.
TEST(TokenCaTest, RootAndCountryKeysInATokenIssueVerifiableCertificates) {
  auto& token = SoftHsmToken::Shared();
  ASSERT_TRUE(token.ok());
  TempDir dir;
  RootParams rp;
  rp.key_location = SoftHsmToken::Uri("ca", "root-ca");
  rp.key_options.pin = SoftHsmToken::kPin;
  auto root = CertificateAuthority::CreateRoot(dir.path() / "root", rp);
  ASSERT_TRUE(root) << root.error().message;
  EXPECT_TRUE(root->key().in_token());
  EXPECT_FALSE(fs::exists(dir.path() / "root" / "ca.key"));
  CountryParams cp;
  cp.country = "IT";
  cp.key_location = SoftHsmToken::Uri("ca", "it-ca");
  cp.key_options.pin = SoftHsmToken::kPin;
  auto it = CertificateAuthority::CreateCountry(dir.path() / "it", *root, cp);
  ASSERT_TRUE(it) << it.error().message;

  auto node_key =
      crypto::Key::Generate(SoftHsmToken::Uri("node1", "it-node"), Pin(SoftHsmToken::kPin));
  ASSERT_TRUE(node_key) << node_key.error().message;
  CsrRequest req;
  req.subject = {"IT", "CSIRT Italia", "node.csirt.it"};
  req.dns_names = {"localhost"};
  auto csr = MakeCsr(*node_key, req);
  ASSERT_TRUE(csr) << csr.error().message;
  // Reopen the CA from disk, as `socmesh pki sign` does: the key is found again in the token.
  auto reopened = CertificateAuthority::Open(dir.path() / "it", Pin(SoftHsmToken::kPin));
  ASSERT_TRUE(reopened) << reopened.error().message;
  auto issued = reopened->Sign(*csr, Profile::kNode, {});
  ASSERT_TRUE(issued) << issued.error().message;
  const fs::path cert = dir.path() / "node.pem";
  Write(cert, issued->pem);
  auto v = RunCmd("openssl verify -crl_check_all -CAfile " + (dir.path() / "root/ca.pem").string() +
                  " -untrusted " + (dir.path() / "it/ca.pem").string() + " -CRLfile " +
                  (dir.path() / "root/crl.pem").string() + " -CRLfile " +
                  (dir.path() / "it/crl.pem").string() + " " + cert.string());
  EXPECT_EQ(v.status, 0) << v.out;

  // The wrong PIN for the CA key is a permission error naming no PIN.
  auto wrong = CertificateAuthority::Open(dir.path() / "it", Pin("0000"));
  ASSERT_FALSE(wrong);
  EXPECT_EQ(wrong.error().code, ErrorCode::kPermission);
  EXPECT_EQ(wrong.error().message.find("0000"), std::string::npos);
}

}  // namespace
}  // namespace socmesh::pki
