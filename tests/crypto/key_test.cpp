// crypto::Key over PEM files and PKCS#11 tokens (B10: keys in a tamper-proof device, E1/E2).
// Signatures are checked by `openssl dgst` (an independent implementation of the verifier), token
// contents by `pkcs11-tool`, and the token key's use for TLS 1.3 by a real handshake.
#include "crypto/key.hpp"

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <cstdlib>
#include <fstream>
#include <string>

#include "common/softhsm_token.hpp"
#include "common/test_data.hpp"
#include "crypto/pkcs11_uri.hpp"

namespace socmesh::crypto {
namespace {

using socmesh::testing::SoftHsmToken;
using socmesh::testing::TempDir;

// Key options with just a PIN (designated initialisers would trip -Wmissing-field-initializers).
KeyOptions Pin(std::string pin) {
  KeyOptions options;
  options.pin = std::move(pin);
  return options;
}

int Shell(const std::string& command) {
  int status = std::system(command.c_str());
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

void WriteBytes(const std::filesystem::path& path, std::string_view data) {
  std::ofstream(path, std::ios::binary) << data;
}

// Signs `data` with `key`, then asks the openssl CLI to verify it with the exported public key;
// also checks that openssl rejects the signature over altered data.
void ExpectOpensslVerifies(const Key& key, const std::filesystem::path& dir) {
  const std::string data = "{\"type\":\"indicator\",\"id\":\"indicator--1\"}";
  auto sig = key.Sign(data);
  ASSERT_TRUE(sig) << sig.error().message;
  auto pub = key.PublicKeyPem();
  ASSERT_TRUE(pub) << pub.error().message;
  WriteBytes(dir / "data", data);
  WriteBytes(dir / "tampered", data + " ");
  WriteBytes(dir / "sig.der", *sig);
  WriteBytes(dir / "pub.pem", *pub);
  const std::string verify = "openssl dgst -sha256 -verify " + (dir / "pub.pem").string() +
                             " -signature " + (dir / "sig.der").string() + " ";
  EXPECT_EQ(Shell(verify + (dir / "data").string() + " >/dev/null 2>&1"), 0);
  EXPECT_NE(Shell(verify + (dir / "tampered").string() + " >/dev/null 2>&1"), 0);
  // And our own verifier agrees both ways.
  auto parsed = ParsePublicKeyPem(*pub);
  ASSERT_TRUE(parsed);
  EXPECT_TRUE(VerifySignature(parsed->get(), data, *sig).value_or(false));
  EXPECT_FALSE(VerifySignature(parsed->get(), data + " ", *sig).value_or(true));
}

TEST(FileKey, GeneratedWithMode0600AndVerifiedByOpensslCli) {
  TempDir dir;
  const auto path = dir.path() / "node.key";
  auto key = Key::Generate(path.string(), {});
  ASSERT_TRUE(key) << key.error().message;
  EXPECT_FALSE(key->in_token());
  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  // openssl itself reads the file as a P-256 key.
  EXPECT_EQ(Shell("openssl pkey -in " + path.string() +
                  " -noout -text 2>/dev/null | grep -q "
                  "'NIST CURVE: P-256'"),
            0);
  ExpectOpensslVerifies(*key, dir.path());
  // Loading it again gives the same public key.
  auto again = Key::Load(path.string(), {});
  ASSERT_TRUE(again) << again.error().message;
  EXPECT_EQ(*again->PublicKeyPem(), *key->PublicKeyPem());
}

TEST(FileKey, NeverOverwritesAnExistingKey) {
  TempDir dir;
  const auto path = (dir.path() / "k.pem").string();
  ASSERT_TRUE(Key::Generate(path, {}));
  auto second = Key::Generate(path, {});
  ASSERT_FALSE(second);
  EXPECT_EQ(second.error().code, ErrorCode::kConflict);
}

TEST(FileKey, RefusesAKeyFileOthersCanRead) {
  TempDir dir;
  const auto path = dir.path() / "k.pem";
  ASSERT_TRUE(Key::Generate(path.string(), {}));
  ::chmod(path.c_str(), 0644);
  auto key = Key::Load(path.string(), {});
  ASSERT_FALSE(key);
  EXPECT_EQ(key.error().code, ErrorCode::kPermission);
  EXPECT_NE(key.error().message.find("chmod 600"), std::string::npos);
}

TEST(FileKey, EncryptedWithPinAndWrongPassphraseIsPermissionDenied) {
  TempDir dir;
  const auto path = (dir.path() / "k.pem").string();
  ASSERT_TRUE(Key::Generate(path, Pin("s3cret-pass")));
  EXPECT_EQ(Shell("grep -q 'ENCRYPTED PRIVATE KEY' " + path), 0);
  auto wrong = Key::Load(path, Pin("guess"));
  ASSERT_FALSE(wrong);
  EXPECT_EQ(wrong.error().code, ErrorCode::kPermission);
  EXPECT_EQ(wrong.error().message.find("guess"), std::string::npos);
  auto none = Key::Load(path, {});
  ASSERT_FALSE(none);
  EXPECT_EQ(none.error().code, ErrorCode::kPermission);
  auto right = Key::Load(path, Pin("s3cret-pass"));
  ASSERT_TRUE(right) << right.error().message;
}

TEST(FileKey, GarbageFileIsAParseError) {
  TempDir dir;
  const auto path = dir.path() / "k.pem";
  WriteBytes(path, "not a key");
  ::chmod(path.c_str(), 0600);
  auto key = Key::Load(path.string(), {});
  ASSERT_FALSE(key);
  EXPECT_EQ(key.error().code, ErrorCode::kParse);
  EXPECT_NE(key.error().message.find(path.string()), std::string::npos);
}

TEST(TokenKey, GeneratedInTokenAndVerifiedByOpensslCli) {
  auto& token = SoftHsmToken::Shared();
  ASSERT_TRUE(token.ok());
  TempDir dir;
  auto key = Key::Generate(SoftHsmToken::Uri("node1", "sign-test"), Pin(SoftHsmToken::kPin));
  ASSERT_TRUE(key) << key.error().message;
  EXPECT_TRUE(key->in_token());
  EXPECT_EQ(key->location().find("1234"), std::string::npos);
  ExpectOpensslVerifies(*key, dir.path());
  // pkcs11-tool (OpenSC, independent of libp11) sees a private EC key with that label in the token.
  const std::string list = std::string("pkcs11-tool --module ") + SoftHsmToken::kModule +
                           " --token-label node1 --login --pin " + SoftHsmToken::kPin +
                           " --list-objects --type privkey 2>/dev/null";
  EXPECT_EQ(token.RunWithConf(list + " | grep -A3 'Private Key Object; EC' | grep -q sign-test"),
            0);
  // A second key with the same name is refused rather than shadowing the first.
  auto again = Key::Generate(SoftHsmToken::Uri("node1", "sign-test"), Pin(SoftHsmToken::kPin));
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code, ErrorCode::kConflict);
}

TEST(TokenKey, LoadsAKeyMadeByPkcs11Tool) {
  auto& token = SoftHsmToken::Shared();
  ASSERT_TRUE(token.ok());
  ASSERT_EQ(token.RunWithConf(std::string("pkcs11-tool --module ") + SoftHsmToken::kModule +
                              " --login --pin " + SoftHsmToken::kPin +
                              " --token-label node1 --keypairgen --key-type EC:prime256v1 "
                              "--id 7a --label toolkey >/dev/null 2>&1"),
            0);
  TempDir dir;
  auto key = Key::Load(SoftHsmToken::Uri("node1", "toolkey"), Pin(SoftHsmToken::kPin));
  ASSERT_TRUE(key) << key.error().message;
  ExpectOpensslVerifies(*key, dir.path());
}

TEST(TokenKey, WrongPinIsPermissionDeniedAndNotEchoed) {
  ASSERT_TRUE(SoftHsmToken::Shared().ok());
  ASSERT_TRUE(Key::Generate(SoftHsmToken::Uri("node1", "pin-test"), Pin(SoftHsmToken::kPin)));
  auto key = Key::Load(SoftHsmToken::Uri("node1", "pin-test"), Pin("987654"));
  ASSERT_FALSE(key);
  EXPECT_EQ(key.error().code, ErrorCode::kPermission);
  EXPECT_NE(key.error().message.find("PIN incorrect"), std::string::npos) << key.error().message;
  EXPECT_EQ(key.error().message.find("987654"), std::string::npos);
  // The right PIN still works afterwards (the failed login left no state behind).
  EXPECT_TRUE(Key::Load(SoftHsmToken::Uri("node1", "pin-test"), Pin(SoftHsmToken::kPin)));
}

TEST(TokenKey, MissingPinTokenOrObjectAreSpecificErrors) {
  ASSERT_TRUE(SoftHsmToken::Shared().ok());
  auto no_pin = Key::Load(SoftHsmToken::Uri("node1", "pin-test"), {});
  ASSERT_FALSE(no_pin);
  EXPECT_EQ(no_pin.error().code, ErrorCode::kPermission);
  auto no_token = Key::Load(SoftHsmToken::Uri("no-such-token", "k"), Pin(SoftHsmToken::kPin));
  ASSERT_FALSE(no_token);
  EXPECT_EQ(no_token.error().code, ErrorCode::kNotFound);
  auto no_object = Key::Load(SoftHsmToken::Uri("node1", "no-such-key"), Pin(SoftHsmToken::kPin));
  ASSERT_FALSE(no_object);
  EXPECT_EQ(no_object.error().code, ErrorCode::kNotFound);
}

TEST(TokenKey, PinFromFileAndFromEnvironment) {
  auto& token = SoftHsmToken::Shared();
  ASSERT_TRUE(token.ok());
  auto from_file = ResolvePin("", token.PinFile().string(), nullptr);
  ASSERT_TRUE(from_file);
  EXPECT_EQ(*from_file, SoftHsmToken::kPin);  // trailing newline stripped
  ::setenv("SOCMESH_TEST_PIN", "4321", 1);
  EXPECT_EQ(ResolvePin("", "", "SOCMESH_TEST_PIN").value_or(""), "4321");
  EXPECT_EQ(ResolvePin("1111", "", "SOCMESH_TEST_PIN").value_or(""), "1111");  // option wins
  ::unsetenv("SOCMESH_TEST_PIN");
  auto missing = ResolvePin("", "/nonexistent/pin", nullptr);
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, ErrorCode::kIo);
}

// A self-signed certificate for `key`, signed by the key itself (in the token when it is there).
X509* SelfSigned(const Key& key) {
  X509* cert = X509_new();
  X509_set_version(cert, 2);
  ASN1_INTEGER_set(X509_get_serialNumber(cert), 1);
  X509_NAME* name = X509_get_subject_name(cert);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>("localhost"), -1, -1, 0);
  X509_set_issuer_name(cert, name);
  X509_gmtime_adj(X509_getm_notBefore(cert), -60);
  X509_gmtime_adj(X509_getm_notAfter(cert), 3600);
  X509_set_pubkey(cert, key.pkey());
  EXPECT_GT(X509_sign(cert, key.pkey(), EVP_sha256()), 0);
  return cert;
}

// Drives both ends of a TLS connection over a memory BIO pair until both finish the handshake.
bool Handshake(SSL* client, SSL* server) {
  for (int i = 0; i < 100; ++i) {
    int c = SSL_do_handshake(client);
    int s = SSL_do_handshake(server);
    if (c == 1 && s == 1) return true;
    auto stuck = [](SSL* ssl, int rc) {
      int e = SSL_get_error(ssl, rc);
      return rc != 1 && e != SSL_ERROR_WANT_READ && e != SSL_ERROR_WANT_WRITE;
    };
    if (stuck(client, c) || stuck(server, s)) return false;
  }
  return false;
}

TEST(TokenKey, ServesATls13HandshakeWithTheKeyInTheToken) {
  ASSERT_TRUE(SoftHsmToken::Shared().ok());
  auto key = Key::Generate(SoftHsmToken::Uri("node1", "tls-test"), Pin(SoftHsmToken::kPin));
  ASSERT_TRUE(key) << key.error().message;
  X509* cert = SelfSigned(*key);

  SSL_CTX* server_ctx = SSL_CTX_new(TLS_server_method());
  SSL_CTX* client_ctx = SSL_CTX_new(TLS_client_method());
  SSL_CTX_set_min_proto_version(server_ctx, TLS1_3_VERSION);
  SSL_CTX_set_min_proto_version(client_ctx, TLS1_3_VERSION);
  ASSERT_EQ(SSL_CTX_use_certificate(server_ctx, cert), 1);
  ASSERT_EQ(SSL_CTX_use_PrivateKey(server_ctx, key->pkey()), 1);
  ASSERT_EQ(SSL_CTX_check_private_key(server_ctx), 1);
  // The client trusts exactly this certificate and checks the host name.
  X509_STORE_add_cert(SSL_CTX_get_cert_store(client_ctx), cert);
  SSL_CTX_set_verify(client_ctx, SSL_VERIFY_PEER, nullptr);

  SSL* server = SSL_new(server_ctx);
  SSL* client = SSL_new(client_ctx);
  SSL_set1_host(client, "localhost");
  BIO* client_bio = nullptr;
  BIO* server_bio = nullptr;
  ASSERT_EQ(BIO_new_bio_pair(&client_bio, 0, &server_bio, 0), 1);
  SSL_set_bio(client, client_bio, client_bio);
  SSL_set_bio(server, server_bio, server_bio);
  SSL_set_connect_state(client);
  SSL_set_accept_state(server);

  EXPECT_TRUE(Handshake(client, server));
  EXPECT_EQ(SSL_version(client), TLS1_3_VERSION);
  EXPECT_EQ(SSL_get_verify_result(client), X509_V_OK);
  // Application data flows: the CertificateVerify signature made in the token was accepted.
  const char msg[] = "hello";
  char buf[8] = {0};
  EXPECT_EQ(SSL_write(server, msg, 5), 5);
  EXPECT_EQ(SSL_read(client, buf, sizeof buf), 5);
  EXPECT_STREQ(buf, "hello");

  SSL_free(client);
  SSL_free(server);
  SSL_CTX_free(client_ctx);
  SSL_CTX_free(server_ctx);
  X509_free(cert);
}

TEST(Pkcs11Uri, ParsesRfc7512AttributesAndPercentEncoding) {
  auto uri = ParsePkcs11Uri(
      "pkcs11:token=My%20Token;object=node%3Bkey;id=%01%02;type=private;x-vendor=1"
      "?pin-value=1234&module-path=/usr/lib/softhsm/libsofthsm2.so");
  ASSERT_TRUE(uri) << uri.error().message;
  EXPECT_EQ(uri->token, "My Token");
  EXPECT_EQ(uri->object, "node;key");
  EXPECT_EQ(uri->id, std::string("\x01\x02", 2));
  EXPECT_EQ(uri->type, "private");
  EXPECT_EQ(uri->pin_value, "1234");
  EXPECT_EQ(uri->module_path, "/usr/lib/softhsm/libsofthsm2.so");
  // ToString never carries the PIN, and round-trips everything else.
  const std::string text = uri->ToString();
  EXPECT_EQ(text.find("1234"), std::string::npos);
  auto again = ParsePkcs11Uri(text);
  ASSERT_TRUE(again) << text;
  EXPECT_EQ(again->object, "node;key");
  EXPECT_EQ(again->id, uri->id);
  EXPECT_EQ(again->module_path, uri->module_path);
}

TEST(Pkcs11Uri, RejectsMalformedUris) {
  for (const char* bad :
       {"pkcs12:token=a", "pkcs11:token=a;token=b", "pkcs11:object=%4", "pkcs11:object=%zz",
        "pkcs11:colour=red", "pkcs11:type=secret", "pkcs11:=x", "pkcs11:token"}) {
    auto uri = ParsePkcs11Uri(bad);
    EXPECT_FALSE(uri) << bad;
    if (!uri) {
      EXPECT_EQ(uri.error().code, ErrorCode::kInvalidArgument) << bad;
    }
  }
}

}  // namespace
}  // namespace socmesh::crypto
