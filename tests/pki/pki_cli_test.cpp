// `socmesh pki` end to end: the worked example of docs/cli.md is extracted from the document and
// run as written (from an empty directory to a node certificate whose key is in a SoftHSM2 token),
// then the refusals an operator meets are checked by exit code and message.
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <string>

#include "common/run_socmesh.hpp"
#include "common/test_data.hpp"

namespace socmesh::pki {
namespace {

namespace fs = std::filesystem;
using socmesh::testing::DocExample;
using socmesh::testing::ReadFile;
using socmesh::testing::RunBash;
using Shell = socmesh::testing::RunResult;
using socmesh::testing::TempDir;

class PkiCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const std::string example = DocExample("cli.md", "pki-worked-example");
    ASSERT_FALSE(example.empty()) << "docs/cli.md has no pki worked example";
    Shell r = RunBash(dir_.path(), example);
    ASSERT_EQ(r.exit_code, 0) << "worked example failed:\n" << r.out;
    example_output_ = r.out;
  }

  // Runs further commands in the same directory, with the example's token configuration.
  Shell Then(const std::string& script) {
    return RunBash(dir_.path(), "export SOFTHSM2_CONF=\"$PWD/softhsm2.conf\"\n" + script);
  }

  TempDir dir_;
  std::string example_output_;
};

TEST_F(PkiCliTest, WorkedExampleEndsWithATokenKeyAndAVerifiedCertificate) {
  // Independent checks of what the example produced.
  Shell v = Then(
      "openssl verify -crl_check_all -CAfile root/ca.pem -untrusted fr/ca.pem "
      "-CRLfile root/crl.pem -CRLfile fr/crl.pem -purpose sslserver -verify_ip 127.0.0.1 "
      "node1.pem");
  EXPECT_EQ(v.exit_code, 0) << v.out;
  // The certificate's public key is the token's key (the one keygen printed).
  Shell same = Then("diff <(openssl x509 -in node1.pem -noout -pubkey) nodekey.pub.pem");
  EXPECT_EQ(same.exit_code, 0) << same.out;
  // The private key is in the token and not extractable; no key file for the node exists.
  Shell tool = Then(
      "pkcs11-tool --module /usr/lib/softhsm/libsofthsm2.so --token-label node1 --login "
      "--pin 1234 --list-objects --type privkey");
  EXPECT_NE(tool.out.find("label:      nodekey"), std::string::npos) << tool.out;
  EXPECT_NE(tool.out.find("never extractable"), std::string::npos) << tool.out;
  // The directory the example signed verifies with openssl and the root alone.
  Shell cms = Then(
      "openssl cms -verify -binary -inform PEM -in directory.cms -CAfile root/ca.pem "
      "-out /dev/stdout 2>/dev/null | grep -c '\"name\":\"CERT-FR\"'");
  EXPECT_EQ(cms.exit_code, 0) << cms.out;
  EXPECT_NE(example_output_.find("signature ok"), std::string::npos) << example_output_;
  // The PIN never appears in anything the commands printed.
  EXPECT_EQ(example_output_.find("1234"), std::string::npos) << example_output_;
}

TEST_F(PkiCliTest, WrongPinIsAPermissionError) {
  Shell r = Then(
      "printf '9999\\n' > wrong.pin\n"
      "socmesh pki csr --key 'pkcs11:token=node1;object=nodekey' --pin-file wrong.pin "
      "--country FR --org CERT-FR --name x -o x.csr");
  EXPECT_EQ(r.exit_code, 1) << r.out;
  EXPECT_NE(r.out.find("permission-denied"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("PIN incorrect"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("9999"), std::string::npos) << r.out;
}

TEST_F(PkiCliTest, RevokedCertificateFailsVerificationWithExitCode3) {
  Shell r = Then(
      "socmesh pki revoke --ca fr --cert node1.pem --reason keyCompromise\n"
      "socmesh pki verify node1.pem --root root/ca.pem --chain fr/ca.pem --crl root/crl.pem "
      "--crl fr/crl.pem");
  EXPECT_EQ(r.exit_code, 3) << r.out;
  EXPECT_NE(r.out.find("revoked: certificate revoked"), std::string::npos) << r.out;
}

TEST_F(PkiCliTest, RefusesACsrForAnotherCountry) {
  Shell r = Then(
      "socmesh pki keygen --key de.key -o /dev/null\n"
      "socmesh pki csr --key de.key --country DE --org BSI --name node.bsi.de -o de.csr\n"
      "socmesh pki sign --ca fr --csr de.csr -o de.pem");
  EXPECT_EQ(r.exit_code, 3) << r.out;
  EXPECT_NE(r.out.find("wrong country: the CSR is for DE"), std::string::npos) << r.out;
  EXPECT_FALSE(fs::exists(dir_.path() / "de.pem"));
}

TEST_F(PkiCliTest, WrongCaAndWrongCountryAreNamedByVerify) {
  Shell r = Then(
      "socmesh pki init-root --dir other --name 'other root' >/dev/null\n"
      "socmesh pki verify node1.pem --root other/ca.pem --chain fr/ca.pem "
      "--crl other/crl.pem --crl fr/crl.pem || echo exit=$?\n"
      "socmesh pki verify node1.pem --root root/ca.pem --chain fr/ca.pem --crl root/crl.pem "
      "--crl fr/crl.pem --country DE || echo exit=$?");
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_NE(r.out.find("wrong-ca:"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("wrong-country:"), std::string::npos) << r.out;
  size_t first = r.out.find("exit=3\n");
  ASSERT_NE(first, std::string::npos) << r.out;
  EXPECT_NE(r.out.find("exit=3\n", first + 1), std::string::npos) << r.out;  // both refused
}

TEST_F(PkiCliTest, RenewAndCrlCommands) {
  Shell r = Then(
      "socmesh pki renew --ca fr --cert node1.pem -o node1-renewed.pem --ca-pin-file /dev/null\n"
      "socmesh pki crl --ca fr --days 2 -o published.crl\n"
      "openssl verify -crl_check_all -CAfile root/ca.pem -untrusted fr/ca.pem "
      "-CRLfile root/crl.pem -CRLfile published.crl node1-renewed.pem\n"
      "test \"$(openssl x509 -in node1.pem -noout -subject)\" = "
      "\"$(openssl x509 -in node1-renewed.pem -noout -subject)\"");
  EXPECT_EQ(r.exit_code, 0) << r.out;
}

}  // namespace
}  // namespace socmesh::pki
