// Replication end to end (issue 6 item 2; B9, B12, E3, E4, E16, E17): real `socmesh node run`
// processes on loopback, federated by [federation] and [[peers]] in their configs.
#include <gtest/gtest.h>

#include <iostream>
#include <regex>
#include <thread>

#include "federation/replication_fixture.hpp"

namespace socmesh::federation::testing {
namespace {

using namespace std::chrono_literals;
using socmesh::testing::RunBash;
using socmesh::testing::RunResult;

class ReplicationTest : public ReplicationNetwork {};

// A -> B -> C (a chain: C is reached only through B). E3: the ORIGIN's signature survives the
// relay and verifies at C with openssl alone; E17: an AMBER+STRICT object never leaves A; E4:
// A keeps B's signed receipts, which `openssl cms -verify` accepts; a revocation (tombstone)
// travels like any version.
TEST_F(ReplicationTest, ObjectsFromAReachCThroughBWithTheOriginSignatureOfA) {
  Build({{"a", "CERT-FR", "FR"}, {"b", "CERT-DE", "DE"}, {"c", "CERT-IT", "IT"}});
  Federate("a", {{"b", "push"}});
  Federate("b", {{"a", "none"}, {"c", "push"}});
  Federate("c", {{"b", "none"}});
  for (const char* n : {"a", "b", "c"}) Start(n);

  Post("a", {Indicator(1), Indicator(2, "green"), Indicator(3, "amber+strict"), Indicator(4)});
  ASSERT_TRUE(WaitUntil([&] { return Counts("c").first == 3; }, 60s))
      << "c has " << Counts("c").first << " objects; b has " << Counts("b").first;
  EXPECT_TRUE(Has("c", IndicatorId(1)));
  EXPECT_TRUE(Has("c", IndicatorId(2)));
  EXPECT_TRUE(Has("c", IndicatorId(4)));
  // AMBER+STRICT without recipients: A's organisation only. Give it time to leak, then count.
  std::this_thread::sleep_for(1500ms);
  EXPECT_EQ(Counts("a").first, 4);
  EXPECT_EQ(Counts("b").first, 3);
  EXPECT_EQ(Counts("c").first, 3);

  // C holds A's origin proof for indicator 1: the head names CERT-FR and its detached CMS
  // signature verifies against the network root with openssl (signer chain FR CA -> root).
  RunResult extracted = Python(R"(
db = sqlite3.connect('c/federation.db')
row = db.execute("SELECT h.statement, h.signature, p.arrived_from FROM proofs p JOIN heads h "
                 "ON h.head_hash = p.head_hash WHERE p.id = ?", (sys.argv[1] if len(sys.argv) > 1
                 else ')" + IndicatorId(1) +
                               R"(',)).fetchone()
open('head.txt', 'w').write(row[0])
open('head.der', 'wb').write(row[1])
print('arrived_from=' + row[2])
)");
  ASSERT_EQ(extracted.exit_code, 0) << extracted.out;
  EXPECT_NE(extracted.out.find("arrived_from=b"), std::string::npos) << extracted.out;
  RunResult head = RunBash(dir(), "cat head.txt");
  EXPECT_NE(head.out.find(R"("origin":"CERT-FR")"), std::string::npos) << head.out;
  RunResult cms = RunBash(dir(),
                          "openssl cms -verify -binary -content head.txt -inform DER -in head.der "
                          "-CAfile root/ca.pem -out /dev/null 2>&1");
  EXPECT_EQ(cms.exit_code, 0) << cms.out;
  EXPECT_NE(cms.out.find("Verification successful"), std::string::npos) << cms.out;

  // A stored B's receipts (E4): each verifies with openssl and names CERT-DE as the receiver.
  RunResult receipts = Python(R"(
db = sqlite3.connect('a/federation.db')
rows = db.execute("SELECT der, accepted, rejected FROM receipts WHERE peer = 'b' AND "
                  "direction = 'received'").fetchall()
for i, (der, accepted, rejected) in enumerate(rows):
    open('receipt%d.der' % i, 'wb').write(der)
print('receipts=%d accepted=%d' % (len(rows), sum(r[1] for r in rows)))
)");
  ASSERT_EQ(receipts.exit_code, 0) << receipts.out;
  EXPECT_NE(receipts.out.find("accepted=3"), std::string::npos) << receipts.out;
  RunResult verified = RunBash(dir(),
                               "openssl cms -verify -binary -inform DER -in receipt0.der "
                               "-CAfile root/ca.pem 2>&1");
  EXPECT_EQ(verified.exit_code, 0) << verified.out;
  EXPECT_NE(verified.out.find(R"("receiver":"CERT-DE")"), std::string::npos) << verified.out;
  EXPECT_NE(verified.out.find(R"("sender":"CERT-FR")"), std::string::npos) << verified.out;
  EXPECT_NE(verified.out.find("Verification successful"), std::string::npos) << verified.out;
  const std::string audit_a = Audit("a");
  EXPECT_GE(Count(audit_a, R"("action":"receipt")"), 1) << audit_a;
  EXPECT_GE(Count(audit_a, R"("action":"origin-sign")"), 1) << audit_a;
  EXPECT_GE(Count(Audit("c"), R"("action":"federation-receive")"), 1);

  // Revocation: a new version of indicator 1 with revoked = true reaches C (signed tombstone).
  std::string revoked = Indicator(1, "", R"(,"revoked":true)");
  revoked.replace(revoked.find("\"modified\":\"2024-01-01T00:00:00.000Z\""),
                  std::string("\"modified\":\"2024-01-01T00:00:00.000Z\"").size(),
                  "\"modified\":\"2024-02-01T00:00:00.000Z\"");
  Post("a", {revoked});
  ASSERT_TRUE(WaitUntil([&] { return Counts("c").second == 4; }, 60s)) << Counts("c").second;
  auto versions = Curl("c", "c", "GET", Spec("c").objects_path + IndicatorId(1) + "/");
  EXPECT_NE(versions.body.find("\"revoked\":true"), std::string::npos) << versions.body;

  for (const char* n : {"a", "b", "c"}) Stop(n);
  for (const char* n : {"a", "b", "c"}) {
    RunResult v = RunBash(dir(), std::string("socmesh audit verify --log ") + n +
                                     "/audit --pubkey " + n + "/audit.pub.pem");
    EXPECT_EQ(v.exit_code, 0) << n << ": " << v.out;
  }
}

// E16: B killed with SIGKILL in the middle of a sync and restarted: everything arrives, once.
TEST_F(ReplicationTest, KillDuringSyncThenRestartLosesNothingAndDuplicatesNothing) {
  Build({{"a", "CERT-FR", "FR"}, {"b", "CERT-DE", "DE"}});
  // Small transfers, so that B is killed between two of them rather than after the last.
  Federate("a", {{"b", "push"}}, "transfer_objects = 20\n");
  Federate("b", {{"a", "none"}});
  Start("a");
  constexpr int kObjects = 1200;
  for (int start = 0; start < kObjects; start += 400) {
    std::vector<std::string> objects;
    for (int n = start; n < start + 400; ++n) objects.push_back(Indicator(1000 + n));
    Post("a", objects);
  }
  Start("b");
  int64_t at_kill = 0;
  ASSERT_TRUE(WaitUntil([&] { return (at_kill = Counts("b").first) > 0; }, 60s));
  Kill("b");
  // A sync was under way: B held some objects, not all.
  EXPECT_LT(at_kill, kObjects) << "the sync finished before the kill: nothing was interrupted";
  const int64_t before_restart = Counts("a").first;
  EXPECT_EQ(before_restart, kObjects);
  Start("b");
  ASSERT_TRUE(WaitUntil([&] { return Counts("b").first == kObjects; }, 120s)) << Counts("b").first;
  auto [objects, versions] = Counts("b");
  EXPECT_EQ(objects, kObjects);
  EXPECT_EQ(versions, kObjects);  // no version twice
  // A's outbox drains: every item was answered by a receipt.
  EXPECT_TRUE(WaitUntil(
      [&] {
        RunResult r = Python(
            "print('outbox=%d' % sqlite3.connect('a/federation.db').execute("
            "'SELECT count(*) FROM outbox').fetchone()[0])\n");
        return r.out.find("outbox=0") != std::string::npos;
      },
      30s));
  Stop("a");
  Stop("b");
}

// B9: either side may open the connection. B pulls from A (A never connects to B); a B that was
// away catches up from its cursor, and objects pulled are verified like pushed ones.
TEST_F(ReplicationTest, PeerThatWasAwayCatchesUpByPulling) {
  Build({{"a", "CERT-FR", "FR"}, {"b", "CERT-DE", "DE"}});
  Federate("a", {{"b", "none"}});
  Federate("b", {{"a", "pull"}});
  Start("a");
  Post("a", {Indicator(21), Indicator(22)});
  Start("b");
  ASSERT_TRUE(WaitUntil([&] { return Counts("b").first == 2; }, 60s)) << Counts("b").first;
  Stop("b");
  Post("a", {Indicator(23), Indicator(24), Indicator(25)});
  Start("b");
  ASSERT_TRUE(WaitUntil([&] { return Counts("b").first == 5; }, 60s)) << Counts("b").first;
  EXPECT_EQ(Counts("b").second, 5);
  EXPECT_TRUE(Has("b", IndicatorId(25)));
  const std::string audit_b = Audit("b");
  EXPECT_NE(audit_b.find(R"("how":"pull")"), std::string::npos) << audit_b;
  Stop("a");
  Stop("b");
}

// No loops on cyclic graphs: A <-> B <-> C <-> A, everyone pushes to everyone. Objects from A
// and B reach all three once, then the network falls silent (no transfer ping-pong).
TEST_F(ReplicationTest, CycleConvergesAndFallsSilent) {
  Build({{"a", "CERT-FR", "FR"}, {"b", "CERT-DE", "DE"}, {"c", "CERT-IT", "IT"}});
  Federate("a", {{"b", "push"}, {"c", "push"}});
  Federate("b", {{"a", "push"}, {"c", "push"}});
  Federate("c", {{"a", "push"}, {"b", "push"}});
  for (const char* n : {"a", "b", "c"}) Start(n);
  Post("a", {Indicator(31), Indicator(32), Indicator(33)});
  Post("b", {Indicator(41), Indicator(42)});
  for (const char* n : {"a", "b", "c"}) {
    ASSERT_TRUE(WaitUntil([&] { return Counts(n).first == 5; }, 60s))
        << n << " has " << Counts(n).first;
  }
  std::this_thread::sleep_for(2s);
  auto receives = [&] {
    int total = 0;
    for (const char* n : {"a", "b", "c"}) total += Count(Audit(n), "federation-receive");
    return total;
  };
  const int settled = receives();
  std::cout << "federation-receive entries after convergence: " << settled << "\n";
  std::this_thread::sleep_for(3s);
  EXPECT_EQ(receives(), settled) << "transfers continue after convergence";
  // At most: each origin's objects go once over each of its 2 links, plus one relay per node.
  EXPECT_LE(settled, 12);
  for (const char* n : {"a", "b", "c"}) {
    EXPECT_EQ(Counts(n).second, 5) << n;
    Stop(n);
  }
}

}  // namespace
}  // namespace socmesh::federation::testing
