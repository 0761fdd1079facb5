// Inclusion and consistency proofs of the audit log (E5), exported as JSON and checked three ways:
// by our verifier, by an independent RFC 9162 implementation in Python (rfc9162_check.py, hashlib
// only) and — for the signatures — by the openssl command line.
#include "audit/proof.hpp"

#include <gtest/gtest.h>

#include <fstream>

#include "audit/log.hpp"
#include "audit_test_keys.hpp"

namespace socmesh::audit {
namespace {

using socmesh::testing::TempDir;
using testing::Shell;
using testing::StepClock;
using testing::TestKeys;

const std::string kChecker = std::string(SOCMESH_SOURCE_DIR) + "/tests/audit/rfc9162_check.py";

class ProofTest : public ::testing::Test {
 protected:
  void SetUp() override {
    AuditLogOptions o;
    o.dir = dir_;
    o.signing_key = keys_.key.get();
    o.clock = StepClock{};
    o.checkpoint_every_entries = 7;  // sizes 7, 14, 21, …, and 45 on close
    auto log = AuditLog::Open(o);
    ASSERT_TRUE(log);
    for (int i = 0; i < 45; ++i) {
      AuditEvent e;
      e.actor = {"CSIRT-PT", "bob", "node-2"};
      e.action = std::string(i % 3 == 0 ? kActionShare : kActionRead);
      e.target = "indicator--" + std::to_string(i);
      ASSERT_TRUE((*log)->Append(e));
    }
    ASSERT_TRUE((*log)->Close());
    auto snap = ReadLog(dir_);
    ASSERT_TRUE(snap);
    snap_ = std::move(*snap);
  }

  // Writes `json` and runs the Python oracle on it; true iff it accepts.
  bool OracleAccepts(const std::string& json) {
    const auto file = tmp_.path() / "proof.json";
    std::ofstream(file, std::ios::binary | std::ios::trunc) << json;
    return Shell("python3 " + kChecker + " " + file.string()) == 0;
  }

  TempDir tmp_;
  std::filesystem::path dir_ = tmp_.path() / "log";
  TestKeys keys_{tmp_.path()};
  LogSnapshot snap_;
};

TEST_F(ProofTest, EveryEntryProvesAgainstEveryCheckpointThatCoversIt) {
  ASSERT_EQ(snap_.checkpoint_lines.lines.size(), 7u);  // 7, 14, …, 42, 45
  for (size_t c = 0; c < snap_.checkpoint_lines.lines.size(); ++c) {
    const uint64_t size = ParseCheckpoint(snap_.checkpoint_lines.lines[c])->head.size;
    for (uint64_t seq = 0; seq < size; ++seq) {
      auto proof = BuildInclusionProof(snap_, seq, c);
      ASSERT_TRUE(proof) << proof.error().message;
      auto parsed = ParseProof(SerializeProof(*proof));
      ASSERT_TRUE(parsed) << parsed.error().message;
      const auto& p = std::get<InclusionProof>(*parsed);
      EXPECT_TRUE(VerifyProof(p, keys_.pub.get())) << "seq " << seq << " checkpoint " << c;
    }
    auto too_new = BuildInclusionProof(snap_, size, c);
    if (size < 45) {
      ASSERT_FALSE(too_new);
      EXPECT_EQ(too_new.error().code, ErrorCode::kNotFound);
    }
  }
}

TEST_F(ProofTest, IndependentCheckerAndOpensslAgree) {
  auto proof = BuildInclusionProof(snap_, 29);  // newest checkpoint by default
  ASSERT_TRUE(proof);
  EXPECT_EQ(proof->checkpoint.head.size, 45u);
  const std::string json = SerializeProof(*proof);
  EXPECT_TRUE(OracleAccepts(json));
  // The signature, with openssl, from the bytes in the proof.
  std::ofstream(tmp_.path() / "body.txt", std::ios::binary) << proof->checkpoint.body;
  std::ofstream(tmp_.path() / "sig.der", std::ios::binary) << proof->checkpoint.signature;
  EXPECT_EQ(Shell("openssl dgst -sha256 -verify " + keys_.pub_pem.string() + " -signature " +
                  (tmp_.path() / "sig.der").string() + " " + (tmp_.path() / "body.txt").string() +
                  " >/dev/null"),
            0);
  // A wrong path element: both checkers refuse.
  InclusionProof bad = *proof;
  bad.path[2][0] ^= 1;
  EXPECT_FALSE(VerifyProof(bad, keys_.pub.get()));
  EXPECT_FALSE(OracleAccepts(SerializeProof(bad)));
}

TEST_F(ProofTest, TamperedInclusionProofsAreRefusedWithAReason) {
  auto proof = BuildInclusionProof(snap_, 10);
  ASSERT_TRUE(proof);
  InclusionProof other_entry = *proof;
  other_entry.entry = snap_.entries.lines[11];
  auto r = VerifyProof(other_entry, keys_.pub.get());
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("seq 11"), std::string::npos);

  InclusionProof moved = *proof;
  moved.seq = 12;
  moved.entry = snap_.entries.lines[12];  // right entry, path of entry 10
  r = VerifyProof(moved, keys_.pub.get());
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("audit path"), std::string::npos);
  EXPECT_FALSE(OracleAccepts(SerializeProof(moved)));

  auto wrong_key = VerifyProof(*proof, keys_.other_key.get());
  ASSERT_FALSE(wrong_key);
  EXPECT_NE(wrong_key.error().message.find("signature"), std::string::npos);
}

TEST_F(ProofTest, ConsistencyBetweenEveryPairOfCheckpoints) {
  const size_t n = snap_.checkpoint_lines.lines.size();
  for (size_t a = 0; a < n; ++a) {
    for (size_t b = a; b < n; ++b) {
      auto proof = BuildConsistencyProof(snap_, a, b);
      ASSERT_TRUE(proof) << proof.error().message;
      const std::string json = SerializeProof(*proof);
      auto parsed = ParseProof(json);
      ASSERT_TRUE(parsed) << parsed.error().message;
      EXPECT_TRUE(VerifyProof(std::get<ConsistencyProof>(*parsed), keys_.pub.get()));
      // The Python oracle (a process each) on the pairs that exercise distinct proof shapes.
      if (a == 0 || b == n - 1 || b == a + 1) {
        EXPECT_TRUE(OracleAccepts(json)) << a << " -> " << b;
      }
    }
  }
  auto backwards = BuildConsistencyProof(snap_, 3, 1);
  ASSERT_FALSE(backwards);
  EXPECT_EQ(backwards.error().code, ErrorCode::kInvalidArgument);
}

TEST_F(ProofTest, ConsistencyProofDoesNotHoldForARewrittenLog) {
  auto proof = BuildConsistencyProof(snap_, 2, 5);
  ASSERT_TRUE(proof);
  ConsistencyProof forged = *proof;
  // An old head for the same size but a different root (a forked / rewritten history).
  TreeHead fork = forged.old_checkpoint.head;
  fork.root = crypto::merkle::LeafHash("fork");
  forged.old_checkpoint = *SignCheckpoint(fork, keys_.key.get());
  auto r = VerifyProof(forged, keys_.pub.get());
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("prefix"), std::string::npos);
  EXPECT_FALSE(OracleAccepts(SerializeProof(forged)));
}

TEST_F(ProofTest, ParserNamesWhatIsWrong) {
  auto proof = BuildInclusionProof(snap_, 3);
  ASSERT_TRUE(proof);
  std::string json = SerializeProof(*proof);
  auto expect_bad = [](const std::string& text, std::string_view why) {
    auto r = ParseProof(text);
    ASSERT_FALSE(r);
    EXPECT_NE(r.error().message.find(why), std::string::npos) << r.error().message;
  };
  expect_bad("[]", "not a JSON object");
  expect_bad(R"({"type":"x","path":[]})", "unknown type");
  std::string s = json;
  expect_bad(s.replace(s.find("\"path\":[\"") + 9, 2, "zz"), "path[0]");
  s = json;
  expect_bad(s.replace(s.find("\"tree_size\":45"), 14, "\"tree_size\":44"), "tree_size");
  s = json;
  expect_bad(s.replace(s.find("\"seq\":3"), 7, "\"seq\":-3"), "integers");
}

TEST_F(ProofTest, ProofOfAnEntryTheCheckpointDoesNotMatchIsRefused) {
  // Proofs are built from the log, but never from a tampered one.
  snap_.leaves[4] = crypto::merkle::LeafHash("tampered");
  auto proof = BuildInclusionProof(snap_, 1);
  ASSERT_FALSE(proof);
  EXPECT_EQ(proof.error().code, ErrorCode::kConflict);
}

}  // namespace
}  // namespace socmesh::audit
