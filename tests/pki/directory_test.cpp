// The signed directory of organisations (E24): anyone with the root certificate verifies it, with
// socmesh or with `openssl cms -verify` (the independent oracle); tampering, foreign roots and
// signers other than the root's directory signer are refused; the parser keeps the valid rest.
#include "pki/directory.hpp"

#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdio>
#include <fstream>

#include "common/test_data.hpp"
#include "crypto/x509.hpp"
#include "pki/ca.hpp"
#include "pki/csr.hpp"

namespace socmesh::pki {
namespace {

namespace fs = std::filesystem;
using socmesh::testing::ReadFile;
using socmesh::testing::TempDir;

int Sh(const std::string& command) {
  int status = std::system(command.c_str());
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

class DirectoryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto root = CertificateAuthority::CreateRoot(dir_.path() / "root", {});
    ASSERT_TRUE(root) << root.error().message;
    CountryParams cp;
    cp.country = "FR";
    auto fr = CertificateAuthority::CreateCountry(dir_.path() / "fr", *root, cp);
    ASSERT_TRUE(fr) << fr.error().message;
    node_pem_ = Issue(*fr, "node1", Profile::kNode, "node.key");
    user_pem_ = Issue(*fr, "analyst", Profile::kUser, "user.key");
    root_pem_ = ReadFile(dir_.path() / "root" / "ca.pem");
  }

  std::string Issue(CertificateAuthority& ca, const std::string& cn, Profile profile,
                    const std::string& key_file) {
    auto key = crypto::Key::Generate((dir_.path() / key_file).string(), {});
    EXPECT_TRUE(key);
    CsrRequest req;
    req.subject = {"FR", "CERT-FR", cn};
    auto csr = MakeCsr(*key, req);
    EXPECT_TRUE(csr);
    auto cert = ca.Sign(*csr, profile, {});
    EXPECT_TRUE(cert) << cert.error().message;
    return cert ? cert->pem : "";
  }

  Directory OneOrganisation() {
    Directory d;
    auto added = AddOrganisation(d, {"CERT-FR", "FR", {"national-soc"}, {node_pem_}});
    EXPECT_TRUE(added) << added.error().message;
    return d;
  }

  std::string Signed(const Directory& d) {
    auto signer = CertificateAuthority::OpenDirectorySigner(dir_.path() / "root", {});
    EXPECT_TRUE(signer) << signer.error().message;
    auto cms = SignDirectory(d, signer->key, signer->certificate_pem);
    EXPECT_TRUE(cms) << cms.error().message;
    return cms.value_or("");
  }

  TempDir dir_;
  std::string node_pem_;
  std::string user_pem_;
  std::string root_pem_;
};

TEST_F(DirectoryTest, SignedDirectoryVerifiesWithOpensslCmsAndWithSocmesh) {
  const std::string cms = Signed(OneOrganisation());
  const fs::path file = dir_.path() / "directory.cms";
  std::ofstream(file) << cms;
  const fs::path out = dir_.path() / "content.json";
  ASSERT_EQ(
      Sh("openssl cms -verify -binary -inform PEM -in " + file.string() + " -CAfile " +
         (dir_.path() / "root" / "ca.pem").string() + " -out " + out.string() + " 2>/dev/null"),
      0);
  auto from_openssl = ParseDirectory(ReadFile(out));
  ASSERT_TRUE(from_openssl) << from_openssl.error().message;
  auto ours = VerifyDirectory(cms, root_pem_);
  ASSERT_TRUE(ours) << ours.error().message;
  EXPECT_TRUE(ours->diagnostics.empty());
  ASSERT_EQ(ours->directory.organisations.size(), 1u);
  const Organisation& org = ours->directory.organisations[0];
  EXPECT_EQ(org.name, "CERT-FR");
  EXPECT_EQ(org.country, "FR");
  EXPECT_EQ(org.roles, std::vector<std::string>{"national-soc"});
  EXPECT_EQ(org.certificates_pem, std::vector<std::string>{node_pem_});
  EXPECT_FALSE(ours->directory.issued.empty());
  EXPECT_EQ(from_openssl->directory.issued, ours->directory.issued);
}

TEST_F(DirectoryTest, TamperedContentIsRefused) {
  const std::string cms = Signed(OneOrganisation());
  const fs::path pem = dir_.path() / "d.cms";
  const fs::path der = dir_.path() / "d.der";
  std::ofstream(pem) << cms;
  ASSERT_EQ(Sh("openssl cms -cmsout -inform PEM -in " + pem.string() + " -outform DER -out " +
               der.string()),
            0);
  std::string bytes = ReadFile(der);
  size_t at = bytes.find("CERT-FR");
  ASSERT_NE(at, std::string::npos);
  bytes[at] = 'X';  // "XERT-FR": attached content changed after signing
  auto result = VerifyDirectory(bytes, root_pem_);
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().code, ErrorCode::kInvalidArgument);
  EXPECT_NE(result.error().message.find("does not verify"), std::string::npos);
  std::ofstream(der, std::ios::binary) << bytes;
  EXPECT_NE(Sh("openssl cms -verify -binary -inform DER -in " + der.string() + " -CAfile " +
               (dir_.path() / "root" / "ca.pem").string() + " -out /dev/null 2>/dev/null"),
            0);
}

TEST_F(DirectoryTest, AnotherRootsDirectoryIsRefused) {
  const std::string cms = Signed(OneOrganisation());
  auto other = CertificateAuthority::CreateRoot(dir_.path() / "other", {});
  ASSERT_TRUE(other);
  auto result = VerifyDirectory(cms, other->CertificatePem());
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().code, ErrorCode::kInvalidArgument);
}

TEST_F(DirectoryTest, OnlyTheRootsDirectorySignerMaySignEvenIfOpensslAccepts) {
  // A user certificate (emailProtection) chains to the root through the FR CA, so openssl's S/MIME
  // check accepts its signature; the directory must still come from the root's signer.
  const fs::path json = dir_.path() / "d.json";
  std::ofstream(json) << SerializeDirectory(OneOrganisation());
  const fs::path user = dir_.path() / "user.pem";
  std::ofstream(user) << user_pem_;
  const fs::path cms = dir_.path() / "forged.cms";
  ASSERT_EQ(Sh("openssl cms -sign -binary -nodetach -signer " + user.string() + " -inkey " +
               (dir_.path() / "user.key").string() + " -certfile " +
               (dir_.path() / "fr" / "ca.pem").string() + " -in " + json.string() +
               " -outform PEM -out " + cms.string()),
            0);
  EXPECT_EQ(Sh("openssl cms -verify -binary -inform PEM -in " + cms.string() + " -CAfile " +
               (dir_.path() / "root" / "ca.pem").string() + " -out /dev/null 2>/dev/null"),
            0);
  auto result = VerifyDirectory(ReadFile(cms), root_pem_);
  ASSERT_FALSE(result);
  EXPECT_NE(result.error().message.find("not a directory signer"), std::string::npos)
      << result.error().message;
}

TEST_F(DirectoryTest, ParserDropsBadOrganisationsAndKeepsTheRest) {
  Directory d = OneOrganisation();
  d.organisations.push_back({"Wrong country", "DE", {"soc"}, {node_pem_}});  // cert is FR
  d.organisations.push_back({"No roles", "FR", {}, {node_pem_}});
  d.organisations.push_back({"Bad role", "FR", {"Bad Role"}, {node_pem_}});
  d.organisations.push_back({"Bad cert", "FR", {"soc"}, {"-----BEGIN CERTIFICATE-----\nxx"}});
  d.organisations.push_back({"", "FR", {"soc"}, {node_pem_}});
  auto parsed = ParseDirectory(SerializeDirectory(d));
  ASSERT_TRUE(parsed) << parsed.error().message;
  ASSERT_EQ(parsed->directory.organisations.size(), 1u);
  EXPECT_EQ(parsed->directory.organisations[0].name, "CERT-FR");
  ASSERT_EQ(parsed->diagnostics.size(), 5u);
  EXPECT_EQ(parsed->diagnostics[0].path, "organisations[1]");
  EXPECT_NE(parsed->diagnostics[0].message.find("country"), std::string::npos);
  // Adding a bad organisation to a directory is refused up front.
  Directory fresh;
  auto added = AddOrganisation(fresh, {"X", "DE", {"soc"}, {node_pem_}});
  ASSERT_FALSE(added);
  EXPECT_NE(added.error().message.find("certificate is for country 'FR'"), std::string::npos);
}

TEST(DirectoryParse, RejectsDocumentsThatAreNotDirectories) {
  for (const char* bad :
       {"", "[]", "{\"type\":\"bundle\"}", "{\"type\":\"socmesh-directory\",\"version\":1}",
        "{\"type\":\"socmesh-directory\",\"version\":1,\"organisations\":{}}"}) {
    EXPECT_FALSE(ParseDirectory(bad)) << bad;
  }
  auto v2 = ParseDirectory("{\"type\":\"socmesh-directory\",\"version\":2,\"organisations\":[]}");
  ASSERT_FALSE(v2);
  EXPECT_EQ(v2.error().code, ErrorCode::kUnsupported);
  auto odd = ParseDirectory(
      "{\"type\":\"socmesh-directory\",\"version\":1,\"issued\":\"yesterday\","
      "\"organisations\":[1,{\"name\":3}]}");
  ASSERT_TRUE(odd);
  EXPECT_EQ(odd->diagnostics.size(), 3u);  // issued, [0], [1].name
}

}  // namespace
}  // namespace socmesh::pki
