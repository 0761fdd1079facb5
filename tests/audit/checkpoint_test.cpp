// Signed tree heads (E5): the exact body format, strict parsing, and signatures that the openssl
// command line — an independent implementation — verifies.
#include "audit/checkpoint.hpp"

#include <gtest/gtest.h>

#include <fstream>

#include "audit_test_keys.hpp"

namespace socmesh::audit {
namespace {

using socmesh::testing::TempDir;
using testing::Shell;
using testing::TestKeys;

TreeHead SampleHead() {
  TreeHead h;
  h.origin = "socmesh-audit/node-1.cert.example";
  h.size = 42;
  h.root = crypto::merkle::LeafHash("x");
  h.time = model::Timestamp{1'767'225'600'000'001};
  return h;
}

void WriteFile(const std::filesystem::path& p, std::string_view data) {
  std::ofstream out(p, std::ios::binary);
  out << data;
}

TEST(CheckpointTest, BodyHasTheDocumentedLines) {
  const TreeHead h = SampleHead();
  EXPECT_EQ(FormatCheckpointBody(h),
            "socmesh-audit-checkpoint/v1\n"
            "origin socmesh-audit/node-1.cert.example\n"
            "size 42\n"
            "root " +
                crypto::merkle::ToHex(h.root) +
                "\n"
                "time 2026-01-01T00:00:00.000001Z\n");
  auto parsed = ParseCheckpointBody(FormatCheckpointBody(h));
  ASSERT_TRUE(parsed) << parsed.error().message;
  EXPECT_EQ(*parsed, h);
}

TEST(CheckpointTest, BodyParserAcceptsOneSpellingOnly) {
  const std::string body = FormatCheckpointBody(SampleHead());
  auto expect_bad = [](std::string text, std::string_view why) {
    auto r = ParseCheckpointBody(text);
    ASSERT_FALSE(r) << text;
    EXPECT_EQ(r.error().code, ErrorCode::kParse);
    EXPECT_NE(r.error().message.find(why), std::string::npos) << r.error().message;
  };
  std::string s = body;
  expect_bad(s.replace(s.find("size 42"), 7, "size 042"), "canonical");
  s = body;
  expect_bad(s.replace(s.find("size 42"), 7, "size -1"), "line 3");
  s = body;
  expect_bad(s.replace(0, 7, "SOCMESH"), "line 1");
  expect_bad(body + "extra\n", "after line 5");
  expect_bad(body.substr(0, body.size() - 1), "line 5");
  s = body;
  expect_bad(s.replace(s.find("origin "), 7, "origin  "), "line 2");
}

TEST(CheckpointTest, OpensslCliVerifiesTheSignature) {
  // Issue 4 item 6 / E5: a third party checks a checkpoint with stock openssl, nothing of ours.
  TempDir dir;
  TestKeys keys(dir.path());
  auto cp = SignCheckpoint(SampleHead(), keys.key.get());
  ASSERT_TRUE(cp) << cp.error().message;
  WriteFile(dir.path() / "body.txt", cp->body);
  WriteFile(dir.path() / "sig.der", cp->signature);
  const std::string verify = "openssl dgst -sha256 -verify ";
  const std::string files = " -signature " + (dir.path() / "sig.der").string() + " " +
                            (dir.path() / "body.txt").string() + " >/dev/null 2>&1";
  EXPECT_EQ(Shell(verify + keys.pub_pem.string() + files), 0);
  EXPECT_NE(Shell(verify + keys.other_pub_pem.string() + files), 0);
  // The same with the certificate's key through pkeyutl.
  EXPECT_EQ(Shell("openssl dgst -sha256 -binary -out " + (dir.path() / "digest").string() + " " +
                  (dir.path() / "body.txt").string()),
            0);
  EXPECT_EQ(Shell("openssl pkeyutl -verify -certin -inkey " + keys.cert_pem.string() + " -in " +
                  (dir.path() / "digest").string() + " -sigfile " +
                  (dir.path() / "sig.der").string() + " >/dev/null 2>&1"),
            0);
  // One changed byte in the body and openssl refuses it.
  std::string forged = cp->body;
  forged[forged.find("size 42") + 6] = '3';
  WriteFile(dir.path() / "body.txt", forged);
  EXPECT_NE(Shell(verify + keys.pub_pem.string() + files), 0);
}

TEST(CheckpointTest, OurVerifierAcceptsOpensslSignatures) {
  TempDir dir;
  TestKeys keys(dir.path());
  Checkpoint cp;
  cp.head = SampleHead();
  cp.body = FormatCheckpointBody(cp.head);
  WriteFile(dir.path() / "body.txt", cp.body);
  ASSERT_EQ(Shell("openssl dgst -sha256 -sign " + keys.key_pem.string() + " -out " +
                  (dir.path() / "sig.der").string() + " " + (dir.path() / "body.txt").string()),
            0);
  cp.signature = socmesh::testing::ReadFile(dir.path() / "sig.der");
  EXPECT_TRUE(VerifyCheckpointSignature(cp, keys.pub.get()));
  EXPECT_FALSE(VerifyCheckpointSignature(cp, keys.other_key.get()));
}

TEST(CheckpointTest, LineRoundTripsAndRejectsTampering) {
  TempDir dir;
  TestKeys keys(dir.path());
  auto cp = SignCheckpoint(SampleHead(), keys.key.get());
  ASSERT_TRUE(cp);
  const std::string line = SerializeCheckpoint(*cp);
  auto parsed = ParseCheckpoint(line);
  ASSERT_TRUE(parsed) << parsed.error().message;
  EXPECT_EQ(parsed->head, cp->head);
  EXPECT_EQ(parsed->signature, cp->signature);
  EXPECT_TRUE(VerifyCheckpointSignature(*parsed, keys.pub.get()));

  auto bad_b64 = ParseCheckpoint(line.substr(0, line.size() - 3) + "!\"}");
  ASSERT_FALSE(bad_b64);
  EXPECT_NE(bad_b64.error().message.find("base64"), std::string::npos);
  auto extra = ParseCheckpoint(R"({"a":1,)" + line.substr(1));
  ASSERT_FALSE(extra);
  EXPECT_EQ(extra.error().code, ErrorCode::kParse);
}

TEST(CheckpointTest, KeysOfOtherTypesAreRefused) {
  TempDir dir;
  ASSERT_EQ(Shell("openssl genpkey -algorithm ED25519 -out " + (dir.path() / "ed.pem").string()),
            0);
  auto key = LoadPrivateKeyPem(dir.path() / "ed.pem");
  ASSERT_FALSE(key);
  EXPECT_EQ(key.error().code, ErrorCode::kUnsupported);
  auto missing = LoadPublicKeyPem(dir.path() / "missing.pem");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, ErrorCode::kIo);
}

TEST(CheckpointTest, Base64IsStrict) {
  EXPECT_EQ(Base64Encode("any carnal pleas"), "YW55IGNhcm5hbCBwbGVhcw==");
  EXPECT_EQ(*Base64Decode("YW55IGNhcm5hbCBwbGVhcw=="), "any carnal pleas");
  EXPECT_EQ(*Base64Decode(""), "");
  EXPECT_FALSE(Base64Decode("YW55=GNh"));
  EXPECT_FALSE(Base64Decode("YW5"));
  EXPECT_FALSE(Base64Decode("YW55IGNhcm5hbCBwbGVhcx=="));  // non-zero padding bits
}

}  // namespace
}  // namespace socmesh::audit
