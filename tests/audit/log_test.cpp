// The append-only audit log (E5): durable appends, checkpoints at intervals and on close, one
// writer at a time across processes, and recovery of a torn last line that is reported, not hidden.
#include "audit/log.hpp"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>

#include "audit/log_files.hpp"
#include "audit/verify.hpp"
#include "audit_test_keys.hpp"

namespace socmesh::audit {
namespace {

using socmesh::testing::ReadFile;
using socmesh::testing::TempDir;
using testing::StepClock;
using testing::TestKeys;

AuditEvent Event(int i) {
  AuditEvent e;
  e.actor = {"CERT-EU", "alice", "node-1"};
  e.action = i % 2 == 0 ? std::string(kActionIngest) : std::string(kActionRead);
  e.target = "indicator--" + std::to_string(i);
  e.details = {{"i", std::to_string(i)}};
  return e;
}

class AuditLogTest : public ::testing::Test {
 protected:
  AuditLogOptions Options() {
    AuditLogOptions o;
    o.dir = dir_.path() / "log";
    o.origin = "socmesh-audit/test";
    o.signing_key = keys_.key.get();
    o.clock = StepClock{};
    o.lock_timeout = std::chrono::milliseconds(0);
    return o;
  }
  std::filesystem::path Entries() { return dir_.path() / "log" / kEntriesFile; }
  std::filesystem::path Checkpoints() { return dir_.path() / "log" / kCheckpointsFile; }
  VerifyReport Verify() {
    VerifyOptions v;
    v.key = keys_.pub.get();
    auto r = VerifyLog(dir_.path() / "log", v);
    EXPECT_TRUE(r) << r.error().message;
    return r ? *r : VerifyReport{};
  }

  TempDir dir_;
  TestKeys keys_{dir_.path()};
};

TEST_F(AuditLogTest, AppendsReopensAndContinuesTheChain) {
  {
    auto log = AuditLog::Open(Options());
    ASSERT_TRUE(log) << log.error().message;
    for (int i = 0; i < 3; ++i) EXPECT_EQ(*(*log)->Append(Event(i)), static_cast<uint64_t>(i));
    ASSERT_TRUE((*log)->Close());
  }
  auto lines = ReadLineFile(Entries());
  ASSERT_TRUE(lines);
  ASSERT_EQ(lines->lines.size(), 3u);
  auto cps = ReadLineFile(Checkpoints());
  ASSERT_EQ(cps->lines.size(), 1u);  // the checkpoint on close
  EXPECT_EQ(ParseCheckpoint(cps->lines[0])->head.size, 3u);

  auto log = AuditLog::Open(Options());
  ASSERT_TRUE(log) << log.error().message;
  EXPECT_EQ((*log)->size(), 3u);
  EXPECT_EQ(*(*log)->Append(Event(3)), 3u);
  ASSERT_TRUE((*log)->Close());
  lines = ReadLineFile(Entries());
  auto last = ParseEntry(lines->lines[3]);
  ASSERT_TRUE(last);
  EXPECT_EQ(last->prev, crypto::merkle::ToHex(crypto::merkle::LeafHash(lines->lines[2])));
  EXPECT_TRUE(Verify().ok());
}

TEST_F(AuditLogTest, CheckpointsAtTheConfiguredIntervalAndOnClose) {
  auto o = Options();
  o.checkpoint_every_entries = 10;
  o.checkpoint_every = std::chrono::seconds(0);
  {
    auto log = AuditLog::Open(o);
    ASSERT_TRUE(log);
    for (int i = 0; i < 25; ++i) ASSERT_TRUE((*log)->Append(Event(i)));
    std::vector<AuditEvent> batch = {Event(25), Event(26)};
    EXPECT_EQ(*(*log)->AppendBatch(batch), 25u);
  }  // destructor closes
  auto cps = ReadLineFile(Checkpoints());
  ASSERT_EQ(cps->lines.size(), 3u);
  std::vector<uint64_t> sizes;
  for (const auto& l : cps->lines) sizes.push_back(ParseCheckpoint(l)->head.size);
  EXPECT_EQ(sizes, (std::vector<uint64_t>{10, 20, 27}));
  const auto report = Verify();
  EXPECT_TRUE(report.ok());
  EXPECT_EQ(report.signed_entries, 27u);
}

TEST_F(AuditLogTest, ForcedCheckpointCoversEverythingSoFar) {
  auto log = AuditLog::Open(Options());
  ASSERT_TRUE(log);
  ASSERT_TRUE((*log)->Append(Event(0)));
  auto cp = (*log)->WriteCheckpoint();
  ASSERT_TRUE(cp) << cp.error().message;
  EXPECT_EQ(cp->head.size, 1u);
  EXPECT_EQ(cp->head.root, crypto::merkle::Root(std::vector{
                               crypto::merkle::LeafHash(ReadLineFile(Entries())->lines[0])}));
}

TEST_F(AuditLogTest, SecondWriterIsRefusedInThisAndAnotherProcess) {
  auto first = AuditLog::Open(Options());
  ASSERT_TRUE(first);
  auto second = AuditLog::Open(Options());
  ASSERT_FALSE(second);
  EXPECT_EQ(second.error().code, ErrorCode::kConflict);
  EXPECT_NE(second.error().message.find("locked"), std::string::npos);

  const pid_t pid = fork();
  if (pid == 0) {
    auto o = Options();
    auto other = AuditLog::Open(o);
    _exit(!other && other.error().code == ErrorCode::kConflict ? 0 : 1);
  }
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

TEST_F(AuditLogTest, WritersInTwoProcessesNeverInterleave) {
  // Two processes append 300 entries each, taking turns through the lock (open, append 30, close).
  constexpr int kRounds = 10, kPerRound = 30;
  const pid_t pid = fork();
  const bool child = pid == 0;
  bool ok = true;
  for (int r = 0; r < kRounds && ok; ++r) {
    auto o = Options();
    o.lock_timeout = std::chrono::seconds(30);
    o.clock = nullptr;
    auto log = AuditLog::Open(o);
    ok = log.has_value();
    for (int i = 0; i < kPerRound && ok; ++i) {
      AuditEvent e = Event(i);
      e.actor.node = child ? "child" : "parent";
      ok = (*log)->Append(e).has_value();
    }
  }
  if (child) _exit(ok ? 0 : 1);
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  ASSERT_TRUE(ok);
  const auto report = Verify();
  EXPECT_TRUE(report.ok()) << (report.problems.empty() ? "" : report.problems[0].reason);
  EXPECT_EQ(report.entries, 2u * kRounds * kPerRound);
}

TEST_F(AuditLogTest, TornLastLineIsSetAsideAndRecorded) {
  {
    auto log = AuditLog::Open(Options());
    ASSERT_TRUE(log);
    for (int i = 0; i < 4; ++i) ASSERT_TRUE((*log)->Append(Event(i)));
  }
  const std::string torn = R"({"action":"ingest","actor":{"node":"n)";
  {
    std::ofstream out(Entries(), std::ios::app | std::ios::binary);
    out << torn;  // a crash in the middle of a write
  }
  // The verifier reports it before any repair.
  auto before = Verify();
  ASSERT_FALSE(before.ok());
  EXPECT_EQ(before.problems[0].kind, ProblemKind::kTornLine);
  EXPECT_EQ(before.problems[0].line, 5u);

  auto log = AuditLog::Open(Options());
  ASSERT_TRUE(log) << log.error().message;
  const auto& recovered = (*log)->open_report().recovered;
  ASSERT_EQ(recovered.size(), 1u);
  EXPECT_NE(recovered[0].find("incomplete last line of " + std::to_string(torn.size())),
            std::string::npos);
  ASSERT_TRUE((*log)->Close());

  // The bytes are kept, and the log itself says what happened.
  const auto torn_dir = dir_.path() / "log" / kTornDir;
  ASSERT_TRUE(std::filesystem::is_directory(torn_dir));
  auto it = std::filesystem::directory_iterator(torn_dir);
  ASSERT_NE(it, std::filesystem::directory_iterator());
  EXPECT_EQ(ReadFile(it->path()), torn);
  auto lines = ReadLineFile(Entries());
  ASSERT_EQ(lines->lines.size(), 5u);
  EXPECT_TRUE(lines->torn_tail.empty());
  auto note = ParseEntry(lines->lines[4]);
  ASSERT_TRUE(note);
  EXPECT_EQ(note->event.action, kActionAuditRecovery);
  EXPECT_EQ(note->event.outcome, Outcome::kFailure);
  EXPECT_EQ(note->event.details.at("bytes"), std::to_string(torn.size()));
  EXPECT_TRUE(Verify().ok());
}

TEST_F(AuditLogTest, TornCheckpointLineIsRecoveredToo) {
  {
    auto log = AuditLog::Open(Options());
    ASSERT_TRUE(log);
    ASSERT_TRUE((*log)->Append(Event(0)));
  }
  {
    std::ofstream out(Checkpoints(), std::ios::app | std::ios::binary);
    out << R"({"body":"socmesh-audit-check)";
  }
  auto log = AuditLog::Open(Options());
  ASSERT_TRUE(log) << log.error().message;
  ASSERT_EQ((*log)->open_report().recovered.size(), 1u);
  EXPECT_NE((*log)->open_report().recovered[0].find(kCheckpointsFile), std::string::npos);
  ASSERT_TRUE((*log)->Close());
  EXPECT_TRUE(Verify().ok());
}

TEST_F(AuditLogTest, RefusesToExtendATamperedLog) {
  {
    auto log = AuditLog::Open(Options());
    ASSERT_TRUE(log);
    for (int i = 0; i < 3; ++i) ASSERT_TRUE((*log)->Append(Event(i)));
  }
  std::string text = ReadFile(Entries());
  text[text.find("indicator--1")] = 'X';
  std::ofstream(Entries(), std::ios::binary | std::ios::trunc) << text;
  auto log = AuditLog::Open(Options());
  ASSERT_FALSE(log);
  EXPECT_EQ(log.error().code, ErrorCode::kConflict);
  EXPECT_NE(log.error().message.find("audit verify"), std::string::npos);
}

TEST_F(AuditLogTest, RefusesAnotherOriginOrKey) {
  { ASSERT_TRUE(AuditLog::Open(Options()).value()->Append(Event(0))); }
  auto o = Options();
  o.origin = "socmesh-audit/other";
  auto other_origin = AuditLog::Open(o);
  ASSERT_FALSE(other_origin);
  EXPECT_EQ(other_origin.error().code, ErrorCode::kConflict);
  o = Options();
  o.signing_key = keys_.other_key.get();
  auto other_key = AuditLog::Open(o);
  ASSERT_FALSE(other_key);
  EXPECT_NE(other_key.error().message.find("not signed by this key"), std::string::npos);
  o = Options();
  o.signing_key = nullptr;
  EXPECT_EQ(AuditLog::Open(o).error().code, ErrorCode::kInvalidArgument);
}

TEST_F(AuditLogTest, SecretsNeverReachTheFile) {
  // E5: a token PIN passed in details is redacted, and the entry says which field was.
  {
    auto log = AuditLog::Open(Options());
    ASSERT_TRUE(log);
    AuditEvent e = Event(0);
    e.action = std::string(kActionAuthFailure);
    e.outcome = Outcome::kDenied;
    e.details["pin"] = "7391-secret-pin";
    e.target = "pkcs11:token=soc?pin-value=7391-secret-pin";
    ASSERT_TRUE((*log)->Append(e));
  }
  const std::string text = ReadFile(Entries());
  EXPECT_EQ(text.find("7391-secret-pin"), std::string::npos);
  auto entry = ParseEntry(ReadLineFile(Entries())->lines[0]);
  ASSERT_TRUE(entry);
  EXPECT_EQ(entry->event.details.at("pin"), kValueRedacted);
  EXPECT_EQ(entry->event.details.at("redacted"), "details.pin,target");
}

TEST_F(AuditLogTest, InvalidEventIsRefusedWithoutWritingAnything) {
  auto log = AuditLog::Open(Options());
  ASSERT_TRUE(log);
  std::vector<AuditEvent> batch = {Event(0), Event(1)};
  batch[1].action = "NOT VALID";
  auto r = (*log)->AppendBatch(batch);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ((*log)->size(), 0u);
  EXPECT_EQ(ReadFile(Entries()), "");
}

}  // namespace
}  // namespace socmesh::audit
