// The offline verifier (E5, issue 4 item 8): tamper with the files the way an intruder would and
// expect detection with the right reason and the first bad line.
#include "audit/verify.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "audit/log.hpp"
#include "audit/log_files.hpp"
#include "audit_test_keys.hpp"
#include "model/bundle.hpp"

namespace socmesh::audit {
namespace {

using socmesh::testing::DataPath;
using socmesh::testing::ReadFile;
using socmesh::testing::TempDir;
using testing::StepClock;
using testing::TestKeys;

std::vector<std::string> Lines(const std::filesystem::path& p) {
  auto f = ReadLineFile(p);
  EXPECT_TRUE(f);
  return f ? f->lines : std::vector<std::string>{};
}

void WriteLines(const std::filesystem::path& p, const std::vector<std::string>& lines) {
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  for (const auto& l : lines) out << l << '\n';
}

// A log of 23 entries recording the ingest of real STIX objects (ids from the shared data), with
// a checkpoint every 5 entries and one on close: checkpoints of sizes 5, 10, 15, 20, 23.
class VerifyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto bundle =
        model::ParseBundle(ReadFile(DataPath("stix/mitre-attack-stix-data/ics-attack-18.1.json")));
    ASSERT_TRUE(bundle) << bundle.error().message;
    ASSERT_GE(bundle->objects.size(), 23u);
    AuditLogOptions o;
    o.dir = dir_;
    o.origin = "socmesh-audit/test";
    o.signing_key = keys_.key.get();
    o.clock = StepClock{};
    o.checkpoint_every_entries = 5;
    auto log = AuditLog::Open(o);
    ASSERT_TRUE(log) << log.error().message;
    for (size_t i = 0; i < 23; ++i) {
      AuditEvent e;
      e.actor = {"CERT-EU", "", "node-1"};
      e.action = std::string(kActionIngest);
      e.target = bundle->objects[i].id;
      e.details = {{"source", "ics-attack-18.1.json"}};
      ASSERT_TRUE((*log)->Append(e));
    }
    trusted_ = *(*log)->last_checkpoint();  // size 20: what an auditor fetched earlier
    ASSERT_TRUE((*log)->Close());
    final_ = *(*log)->last_checkpoint();
  }

  VerifyReport Verify(VerifyOptions v = {}) {
    if (v.key == nullptr) v.key = keys_.pub.get();
    auto r = VerifyLog(dir_, v);
    EXPECT_TRUE(r) << r.error().message;
    return r ? *r : VerifyReport{};
  }

  // Expects a failed verification whose first problem is `kind` at `file`:`line`.
  void ExpectFirst(const VerifyReport& r, ProblemKind kind, const std::string& file,
                   uint64_t line) {
    ASSERT_FALSE(r.ok());
    const Problem& p = r.problems.front();
    EXPECT_EQ(ProblemKindName(p.kind), ProblemKindName(kind)) << p.reason;
    EXPECT_EQ(p.file, file) << p.reason;
    EXPECT_EQ(p.line, line) << p.reason;
  }

  std::filesystem::path Entries() { return dir_ / kEntriesFile; }
  std::filesystem::path Checkpoints() { return dir_ / kCheckpointsFile; }

  TempDir tmp_;
  std::filesystem::path dir_ = tmp_.path() / "log";
  TestKeys keys_{tmp_.path()};
  Checkpoint trusted_, final_;
};

TEST_F(VerifyTest, IntactLogVerifies) {
  const auto r = Verify();
  EXPECT_TRUE(r.ok()) << r.problems.front().reason;
  EXPECT_EQ(r.entries, 23u);
  EXPECT_EQ(r.checkpoints, 5u);
  EXPECT_EQ(r.signed_entries, 23u);
  ASSERT_TRUE(r.latest);
  EXPECT_EQ(r.latest->root, crypto::merkle::Root(ReadLog(dir_)->leaves));
  VerifyOptions v;
  v.trusted = trusted_;
  EXPECT_TRUE(Verify(v).ok());
}

TEST_F(VerifyTest, CertificateKeyVerifiesToo) {
  auto cert_key = LoadPublicKeyPem(keys_.cert_pem);
  ASSERT_TRUE(cert_key);
  VerifyOptions v;
  v.key = cert_key->get();
  EXPECT_TRUE(Verify(v).ok());
}

TEST_F(VerifyTest, FlippedByteInsideAStringNamesTheModifiedLine) {
  auto lines = Lines(Entries());
  const size_t pos = lines[7].find("ics-attack");
  ASSERT_NE(pos, std::string::npos);
  lines[7][pos] ^= 0x01;  // still valid JSON, still canonical: only hashes can tell
  WriteLines(Entries(), lines);
  const auto r = Verify();
  ExpectFirst(r, ProblemKind::kEntryModified, kEntriesFile, 8);
  EXPECT_EQ(r.problems.front().seq, 7u);
  // The signed root of the checkpoint covering it no longer matches either.
  EXPECT_TRUE(std::any_of(r.problems.begin(), r.problems.end(), [](const Problem& p) {
    return p.kind == ProblemKind::kRootMismatch && p.line == 2;
  }));
}

TEST_F(VerifyTest, FlippedByteBreakingTheSyntaxIsAMalformedEntry) {
  auto lines = Lines(Entries());
  lines[3][0] = '[';
  WriteLines(Entries(), lines);
  ExpectFirst(Verify(), ProblemKind::kMalformedEntry, kEntriesFile, 4);
}

TEST_F(VerifyTest, ModifiedLastEntryIsCaughtByTheSignedRoot) {
  // No later entry carries its hash: the last checkpoint's root is what catches it.
  auto lines = Lines(Entries());
  lines[22][lines[22].find("CERT-EU")] = 'X';
  WriteLines(Entries(), lines);
  const auto r = Verify();
  ExpectFirst(r, ProblemKind::kRootMismatch, kCheckpointsFile, 5);
  EXPECT_NE(r.problems.front().reason.find("seq in [20, 23)"), std::string::npos)
      << r.problems.front().reason;
}

TEST_F(VerifyTest, DeletedLineIsASeqGap) {
  auto lines = Lines(Entries());
  lines.erase(lines.begin() + 9);
  WriteLines(Entries(), lines);
  const auto r = Verify();
  ExpectFirst(r, ProblemKind::kSeqMismatch, kEntriesFile, 10);
  EXPECT_NE(r.problems.front().reason.find("seq 10 where 9 was expected"), std::string::npos);
}

TEST_F(VerifyTest, SwappedLinesAreReordering) {
  auto lines = Lines(Entries());
  std::swap(lines[11], lines[12]);
  WriteLines(Entries(), lines);
  ExpectFirst(Verify(), ProblemKind::kSeqMismatch, kEntriesFile, 12);
}

TEST_F(VerifyTest, InsertedLineIsDetected) {
  auto lines = Lines(Entries());
  lines.insert(lines.begin() + 6, lines[5]);  // a replayed copy of entry 5
  WriteLines(Entries(), lines);
  ExpectFirst(Verify(), ProblemKind::kSeqMismatch, kEntriesFile, 7);
}

TEST_F(VerifyTest, ForgedEntryAppendedAtTheEndIsUnsigned) {
  // A well-formed entry with the right seq and prev chain, but no checkpoint signs it.
  auto lines = Lines(Entries());
  auto last = ParseEntry(lines.back());
  ASSERT_TRUE(last);
  last->seq = 23;
  last->prev = crypto::merkle::ToHex(crypto::merkle::LeafHash(lines.back()));
  last->event.target = "identity--forged";
  lines.push_back(*SerializeEntry(*last));
  WriteLines(Entries(), lines);
  const auto r = Verify();
  ExpectFirst(r, ProblemKind::kUnsignedEntries, kEntriesFile, 24);
  VerifyOptions lenient;
  lenient.allow_unsigned_tail = true;
  const auto l = Verify(lenient);
  EXPECT_TRUE(l.ok());
  ASSERT_FALSE(l.warnings.empty());
  EXPECT_NE(l.warnings[0].find("not covered by any valid checkpoint"), std::string::npos);
}

TEST_F(VerifyTest, TruncatedEntriesAreBeyondTheCheckpoints) {
  auto lines = Lines(Entries());
  lines.resize(18);
  WriteLines(Entries(), lines);
  const auto r = Verify();
  ExpectFirst(r, ProblemKind::kCheckpointBeyondLog, kCheckpointsFile, 4);
  EXPECT_NE(r.problems.front().reason.find("log has only 18"), std::string::npos);
}

TEST_F(VerifyTest, TruncationMidLineIsATornLine) {
  const std::string text = ReadFile(Entries());
  std::ofstream(Entries(), std::ios::binary | std::ios::trunc) << text.substr(0, text.size() - 40);
  ExpectFirst(Verify(), ProblemKind::kTornLine, kEntriesFile, 23);
}

TEST_F(VerifyTest, TruncatingEntriesAndCheckpointsNeedsATrustedCheckpoint) {
  // The limit of any self-contained log: cut both files back consistently to size 15 …
  auto lines = Lines(Entries());
  lines.resize(15);
  WriteLines(Entries(), lines);
  auto cps = Lines(Checkpoints());
  cps.resize(3);
  WriteLines(Checkpoints(), cps);
  EXPECT_TRUE(Verify().ok());  // … and the directory alone looks fine (documented).
  VerifyOptions v;
  v.trusted = trusted_;  // size 20, held by an auditor
  const auto r = Verify(v);
  ExpectFirst(r, ProblemKind::kTrustedBeyondLog, "trusted checkpoint", 0);
  EXPECT_NE(r.problems.front().reason.find("covers 20 entries but the log has only 15"),
            std::string::npos);
}

TEST_F(VerifyTest, RemovedCheckpointsAreDetectedAgainstATrustedOne) {
  auto cps = Lines(Checkpoints());
  cps.resize(3);  // entries intact, newest checkpoints gone
  WriteLines(Checkpoints(), cps);
  ExpectFirst(Verify(), ProblemKind::kUnsignedEntries, kEntriesFile, 16);
  VerifyOptions v;
  v.trusted = trusted_;
  v.allow_unsigned_tail = true;
  ExpectFirst(Verify(v), ProblemKind::kCheckpointsTruncated, "trusted checkpoint", 0);
}

TEST_F(VerifyTest, RewrittenHistoryContradictsTheTrustedCheckpoint) {
  // The intruder has the key (or the log was rebuilt by a compromised node): a consistent log with
  // a different entry 2, re-signed. Only the copy of a checkpoint kept elsewhere catches it.
  auto lines = Lines(Entries());
  std::vector<AuditEvent> events;
  for (const auto& l : lines) events.push_back(ParseEntry(l)->event);
  events[2].target = "indicator--rewritten";
  std::filesystem::remove_all(dir_);
  AuditLogOptions o;
  o.dir = dir_;
  o.origin = "socmesh-audit/test";
  o.signing_key = keys_.key.get();
  o.clock = StepClock{.next = int64_t{1'767'225'600} * 1'000'000 + 3'600'000'000};
  {
    auto log = AuditLog::Open(o);
    ASSERT_TRUE(log);
    ASSERT_TRUE((*log)->AppendBatch(events));
  }
  EXPECT_TRUE(Verify().ok());
  VerifyOptions v;
  v.trusted = trusted_;
  ExpectFirst(Verify(v), ProblemKind::kTrustedMismatch, "trusted checkpoint", 0);
}

TEST_F(VerifyTest, CheckpointForgedWithAnotherKeyIsRejected) {
  TreeHead forged = final_.head;
  forged.size = 23;
  forged.root = crypto::merkle::LeafHash("anything");
  forged.time.micros += 1'000'000;
  auto cp = SignCheckpoint(forged, keys_.other_key.get());
  ASSERT_TRUE(cp);
  std::ofstream(Checkpoints(), std::ios::app | std::ios::binary)
      << SerializeCheckpoint(*cp) << "\n";
  const auto r = Verify();
  ExpectFirst(r, ProblemKind::kBadSignature, kCheckpointsFile, 6);
  EXPECT_NE(r.problems.front().reason.find("forged"), std::string::npos);
  // Verified with the forger's public key instead, the five genuine checkpoints fail, and the
  // forged one (whose signature now checks) still does not match the entries.
  auto other_pub = LoadPublicKeyPem(keys_.other_pub_pem);
  VerifyOptions v;
  v.key = other_pub->get();
  const auto w = Verify(v);
  EXPECT_EQ(std::count_if(w.problems.begin(), w.problems.end(),
                          [](const Problem& p) { return p.kind == ProblemKind::kBadSignature; }),
            5);
  EXPECT_TRUE(std::any_of(w.problems.begin(), w.problems.end(), [](const Problem& p) {
    return p.kind == ProblemKind::kRootMismatch && p.line == 6;
  }));
}

TEST_F(VerifyTest, ReplayedOldCheckpointIsARollback) {
  auto cps = Lines(Checkpoints());
  cps.push_back(cps[1]);  // a genuine, validly signed, but old tree head
  WriteLines(Checkpoints(), cps);
  const auto r = Verify();
  ExpectFirst(r, ProblemKind::kCheckpointRollback, kCheckpointsFile, 6);
  EXPECT_NE(r.problems.front().reason.find("replayed"), std::string::npos);
}

TEST_F(VerifyTest, CheckpointOfAnotherLogIsRejected) {
  TreeHead other = final_.head;
  other.origin = "socmesh-audit/elsewhere";
  other.time.micros += 1'000'000;
  std::ofstream(Checkpoints(), std::ios::app | std::ios::binary)
      << SerializeCheckpoint(*SignCheckpoint(other, keys_.key.get())) << "\n";
  ExpectFirst(Verify(), ProblemKind::kOriginMismatch, kCheckpointsFile, 6);
}

TEST_F(VerifyTest, MissingLogIsAnErrorNotAFinding) {
  VerifyOptions v;
  v.key = keys_.pub.get();
  auto r = VerifyLog(tmp_.path() / "nowhere", v);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kNotFound);
}

}  // namespace
}  // namespace socmesh::audit
