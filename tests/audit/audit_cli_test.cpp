// `socmesh audit …` end to end (E5, docs/cli.md "socmesh audit"): run the binary as an operator
// would, tamper with the files, and check exit codes and messages.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include "audit/log_files.hpp"
#include "audit_test_keys.hpp"
#include "common/run_socmesh.hpp"
#include "common/test_data.hpp"

namespace socmesh::audit {
namespace {

using socmesh::testing::ReadFile;
using socmesh::testing::RunResult;
using socmesh::testing::RunSocmesh;
using socmesh::testing::TempDir;
using testing::Shell;
using testing::TestKeys;

class AuditCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // crypto::Key refuses key files readable by others.
    ::chmod(keys_.key_pem.c_str(), 0600);
    ::chmod(keys_.other_key_pem.c_str(), 0600);
  }

  RunResult Run(const std::vector<std::string>& args) { return RunSocmesh(args, dir_.path()); }

  RunResult Record(const std::string& action, const std::string& org, const std::string& target,
                   std::vector<std::string> extra = {}) {
    std::vector<std::string> args = {
        "audit",    "record", "--log", log_, "--key",    keys_.key_pem.string(),
        "--action", action,   "--org", org,  "--target", target};
    args.insert(args.end(), extra.begin(), extra.end());
    return Run(args);
  }

  TempDir dir_;
  TestKeys keys_{dir_.path()};
  std::string log_ = (dir_.path() / "audit").string();
};

TEST_F(AuditCliTest, RecordShowVerifyProof) {
  for (int i = 0; i < 6; ++i) {
    auto r = Record(i % 2 ? "read" : "ingest", i < 3 ? "CERT-EU" : "CSIRT-PT",
                    "indicator--" + std::to_string(i), {"--user", "alice", "--detail", "n=1"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(r.out, std::to_string(i) + "\n");
  }
  // Each record closes the log, so each one leaves a checkpoint.
  auto list = Run({"audit", "show", "--log", log_, "--checkpoints"});
  ASSERT_EQ(list.exit_code, 0) << list.err;
  EXPECT_NE(list.out.find("6  size 6"), std::string::npos) << list.out;

  auto show = Run({"audit", "show", "--log", log_, "--actor", "CSIRT-PT", "--action", "read"});
  ASSERT_EQ(show.exit_code, 0) << show.err;
  EXPECT_EQ(std::count(show.out.begin(), show.out.end(), '\n'), 2) << show.out;  // seq 3 and 5
  EXPECT_NE(show.out.find("indicator--3"), std::string::npos);
  EXPECT_NE(show.out.find("indicator--5"), std::string::npos);

  auto verify = Run({"audit", "verify", "--log", log_, "--cert", keys_.cert_pem.string()});
  EXPECT_EQ(verify.exit_code, 0) << verify.out << verify.err;
  EXPECT_NE(verify.out.find("ok: 6 entries, 6 checkpoints"), std::string::npos) << verify.out;

  const std::string proof_file = (dir_.path() / "proof.json").string();
  auto proof = Run({"audit", "proof", "--log", log_, "--seq", "2", "-o", proof_file});
  ASSERT_EQ(proof.exit_code, 0) << proof.err;
  auto check =
      Run({"audit", "verify-proof", "--proof", proof_file, "--pubkey", keys_.pub_pem.string()});
  EXPECT_EQ(check.exit_code, 0) << check.err;
  EXPECT_NE(check.out.find("entry 2 is in the tree of size 6"), std::string::npos);
  auto forged = Run(
      {"audit", "verify-proof", "--proof", proof_file, "--pubkey", keys_.other_pub_pem.string()});
  EXPECT_EQ(forged.exit_code, 3);
  EXPECT_NE(forged.err.find("verification"), std::string::npos) << forged.err;

  auto cons = Run({"audit", "proof", "--log", log_, "--from", "2", "--to", "6", "-o", proof_file});
  ASSERT_EQ(cons.exit_code, 0) << cons.err;
  check = Run({"audit", "verify-proof", "--proof", proof_file, "--cert", keys_.cert_pem.string()});
  EXPECT_EQ(check.exit_code, 0) << check.err;
  EXPECT_NE(check.out.find("size 2 is a prefix of the tree of size 6"), std::string::npos);
}

TEST_F(AuditCliTest, ExportedCheckpointVerifiesWithOpenssl) {
  ASSERT_EQ(Record("admin", "CERT-EU", "config").exit_code, 0);
  const auto body = dir_.path() / "body.txt";
  const auto sig = dir_.path() / "sig.der";
  auto r = Run({"audit", "export-checkpoint", "--log", log_, "--body", body.string(), "--signature",
                sig.string()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(Shell("openssl dgst -sha256 -verify " + keys_.pub_pem.string() + " -signature " +
                  sig.string() + " " + body.string() + " >/dev/null"),
            0);
}

TEST_F(AuditCliTest, TamperingFailsWithTheFirstBadLine) {
  for (int i = 0; i < 4; ++i)
    ASSERT_EQ(Record("read", "CERT-EU", "x" + std::to_string(i)).exit_code, 0);
  const std::string entries = log_ + "/" + kEntriesFile;
  auto lines = ReadLineFile(entries)->lines;
  std::swap(lines[1], lines[2]);
  {
    std::ofstream out(entries, std::ios::binary | std::ios::trunc);
    for (const auto& l : lines) out << l << "\n";
  }
  auto r = Run({"audit", "verify", "--log", log_, "--pubkey", keys_.pub_pem.string()});
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_NE(r.out.find("entries.jsonl:2: seq-mismatch"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("FAILED"), std::string::npos);
  auto json = Run({"audit", "verify", "--log", log_, "--pubkey", keys_.pub_pem.string(), "--json"});
  EXPECT_EQ(json.exit_code, 3);
  EXPECT_NE(json.out.find(R"("kind":"seq-mismatch","line":2)"), std::string::npos) << json.out;
}

TEST_F(AuditCliTest, TrustedCheckpointCatchesConsistentTruncation) {
  for (int i = 0; i < 5; ++i)
    ASSERT_EQ(Record("share", "CERT-EU", "x" + std::to_string(i)).exit_code, 0);
  const auto trusted = dir_.path() / "trusted.json";
  auto exported = Run({"audit", "export-checkpoint", "--log", log_});
  ASSERT_EQ(exported.exit_code, 0);
  std::ofstream(trusted) << exported.out;
  // Cut both files back to 3 entries / 3 checkpoints.
  for (const char* file : {kEntriesFile, kCheckpointsFile}) {
    const std::string path = log_ + "/" + file;
    auto lines = ReadLineFile(path)->lines;
    lines.resize(3);
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    for (const auto& l : lines) out << l << "\n";
  }
  EXPECT_EQ(Run({"audit", "verify", "--log", log_, "--pubkey", keys_.pub_pem.string()}).exit_code,
            0);
  auto r = Run({"audit", "verify", "--log", log_, "--pubkey", keys_.pub_pem.string(),
                "--trusted-checkpoint", trusted.string()});
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_NE(r.out.find("trusted-beyond-log"), std::string::npos) << r.out;
}

TEST_F(AuditCliTest, PinNeverReachesTheLog) {
  auto r = Record("auth-failure", "CERT-EU", "pkcs11:token=soc?pin-value=424242",
                  {"--outcome", "denied", "--detail", "pin=424242"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(ReadFile(log_ + "/" + kEntriesFile).find("424242"), std::string::npos);
}

TEST_F(AuditCliTest, UsageErrors) {
  EXPECT_EQ(Run({"audit", "verify", "--log", log_}).exit_code, 2);  // no key
  EXPECT_EQ(Record("Not An Action", "CERT-EU", "x").exit_code, 2);
  EXPECT_EQ(Run({"audit", "verify", "--log", log_, "--pubkey", keys_.pub_pem.string()}).exit_code,
            1);  // no log there
  auto wrong_key =
      Run({"audit", "record", "--log", log_, "--key", keys_.pub_pem.string(), "--action", "read"});
  EXPECT_EQ(wrong_key.exit_code, 1);
}

}  // namespace
}  // namespace socmesh::audit
