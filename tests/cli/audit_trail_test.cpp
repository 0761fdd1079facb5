// The audit trail of the command line (E5; issue 4: "recording every operation (ingest, read,
// share, receipt, admin, PKI)" and "wrong token PIN — a clear, specific error and an audit
// entry"): real commands run with --audit-log, then the log is verified and read back.
#include <gtest/gtest.h>
#include <pwd.h>
#include <unistd.h>

#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "audit/entry.hpp"
#include "audit/log_files.hpp"
#include "common/run_socmesh.hpp"
#include "common/softhsm_token.hpp"
#include "common/test_data.hpp"

namespace socmesh::cli {
namespace {

using socmesh::testing::DataPath;
using socmesh::testing::ReadFile;
using socmesh::testing::RunBash;
using socmesh::testing::RunResult;
using socmesh::testing::TempDir;

// Secrets the scenario uses; none may reach the audit log.
constexpr char kStorePin[] = "store-pin-5183-secret";
constexpr char kWrongPin[] = "wrong-pin-9274-guess";

class AuditTrailTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // The audit signing key (P-256, mode 0600 as crypto::Key demands) and its public half; the
    // store's wrapping key encrypted under a PIN; the PIN files.
    RunResult r = Sh(std::string("openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 "
                                 "-out audit.key 2>/dev/null\n"
                                 "chmod 600 audit.key\n"
                                 "openssl pkey -in audit.key -pubout -out audit.pub\n"
                                 "printf '%s\\n' ") +
                         kStorePin + " > store.pin\nprintf '%s\\n' " + kWrongPin +
                         " > wrong.pin\n"
                         "socmesh pki keygen --key store.key --pin-file store.pin -o /dev/null\n",
                     /*audited=*/false);
    ASSERT_EQ(r.exit_code, 0) << r.out;
  }

  // Runs `script` in the scratch directory; with `audited`, every socmesh command appends to
  // ./audit (log, key and organisation given through the environment).
  RunResult Sh(const std::string& script, bool audited = true) {
    std::string env = "export SOCMESH_STORE=\"$PWD/store.db\"\n";
    if (audited) {
      env +=
          "export SOCMESH_AUDIT_LOG=\"$PWD/audit\" SOCMESH_AUDIT_KEY=\"$PWD/audit.key\" "
          "SOCMESH_AUDIT_ORG=CERT-EU\n";
    }
    return RunBash(dir_.path(), env + script);
  }

  // The entries of ./audit, parsed.
  std::vector<audit::AuditEntry> Entries() {
    std::vector<audit::AuditEntry> out;
    auto lines = audit::ReadLineFile(dir_.path() / "audit" / audit::kEntriesFile);
    EXPECT_TRUE(lines.has_value());
    if (!lines) return out;
    for (const std::string& line : lines->lines) {
      auto e = audit::ParseEntry(line);
      EXPECT_TRUE(e.has_value()) << line;
      if (e) out.push_back(std::move(*e));
    }
    return out;
  }

  std::string AllLogBytes() {
    return ReadFile(dir_.path() / "audit" / audit::kEntriesFile) +
           ReadFile(dir_.path() / "audit" / audit::kCheckpointsFile);
  }

  TempDir dir_;
};

std::string OsUser() {
  const passwd* pw = getpwuid(geteuid());
  return pw ? pw->pw_name : "";
}

// The one entry whose details.command is `command` (the test fails if there is not exactly one).
const audit::AuditEntry* Find(const std::vector<audit::AuditEntry>& entries,
                              const std::string& command) {
  const audit::AuditEntry* found = nullptr;
  int n = 0;
  for (const auto& e : entries) {
    auto it = e.event.details.find("command");
    if (it != e.event.details.end() && it->second == command) {
      found = &e;
      ++n;
    }
  }
  EXPECT_EQ(n, 1) << command;
  return n == 1 ? found : nullptr;
}

TEST_F(AuditTrailTest, EveryCommandLeavesOneVerifiableEntryWithoutSecrets) {
  const std::string data = DataPath("stix/oasis-cti-documentation-examples").string();
  RunResult r = Sh(
      "socmesh ingest -q " + data +
      "\n"
      "socmesh search --type indicator >/dev/null 2>&1\n"
      "socmesh --store-key store.key --store-key-pin-file store.pin store encrypt >/dev/null\n"
      "socmesh --store-key store.key --store-key-pin-file store.pin store rotate-key >/dev/null\n"
      "socmesh pki init-root --dir root >/dev/null 2>&1\n"
      "socmesh pki init-country --dir fr --root root --country FR >/dev/null 2>&1\n"
      "socmesh pki keygen --key node.key -o /dev/null\n"
      "socmesh pki csr --key node.key --country FR --org CERT-FR --name node1 -o node.csr\n"
      "socmesh pki sign --ca fr --csr node.csr -o node.pem 2>/dev/null\n"
      "socmesh org add --name CERT-EU --country BE >/dev/null\n"
      "socmesh user add --org CERT-EU --name alice --role analyst >/dev/null\n"
      "socmesh token issue --org CERT-EU --user alice > token.txt 2>/dev/null\n"
      // The wrong PIN for the store's key: refused (exit 1), and recorded.
      "set +e\n"
      "socmesh --store-key store.key --store-key-pin-file wrong.pin stats\n"
      "echo \"wrong-pin-exit=$?\"\n"
      "set -e\n"
      "socmesh audit verify --log audit --pubkey audit.pub\n");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_NE(r.out.find("wrong-pin-exit=1"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("permission-denied"), std::string::npos) << r.out;
  // Verified before the verify command's own entry was added, and checkpointed after it: the
  // whole log, 14 commands' entries, verifies without --allow-unsigned-tail.
  EXPECT_NE(r.out.find("ok: 13 entries"), std::string::npos) << r.out;
  RunResult again = Sh("socmesh audit verify --log audit --pubkey audit.pub\n", false);
  EXPECT_EQ(again.exit_code, 0) << again.out;
  EXPECT_NE(again.out.find("ok: 14 entries"), std::string::npos) << again.out;

  const std::vector<audit::AuditEntry> entries = Entries();
  ASSERT_EQ(entries.size(), 14u);
  for (const auto& e : entries) {
    EXPECT_EQ(e.event.actor.org, "CERT-EU");
    EXPECT_EQ(e.event.actor.user, OsUser());
    EXPECT_FALSE(e.event.actor.node.empty());
  }

  if (const auto* e = Find(entries, "ingest")) {
    EXPECT_EQ(e->event.action, "ingest");
    EXPECT_EQ(e->event.outcome, audit::Outcome::kSuccess);
    EXPECT_EQ(e->event.target, data);
    EXPECT_EQ(e->event.details.at("rejected"), "0");
    EXPECT_GT(std::stoi(e->event.details.at("stored")), 0);
    EXPECT_EQ(e->event.details.at("exit"), "0");
  }
  if (const auto* e = Find(entries, "search")) {
    EXPECT_EQ(e->event.action, "read");
  }
  if (const auto* e = Find(entries, "store rotate-key")) {
    EXPECT_EQ(e->event.action, "admin");
    EXPECT_EQ(e->event.outcome, audit::Outcome::kSuccess);
    EXPECT_EQ(e->event.details.at("data_key"), "2");
  }
  if (const auto* e = Find(entries, "pki sign")) {
    EXPECT_EQ(e->event.action, "pki");
    EXPECT_EQ(e->event.outcome, audit::Outcome::kSuccess);
    EXPECT_EQ(e->event.target, "fr");  // the CA that signed
    // The serial is the one of the certificate issued.
    RunResult serial = Sh("openssl x509 -in node.pem -noout -serial\n", false);
    ASSERT_TRUE(e->event.details.contains("serial"));
    EXPECT_NE(serial.out.find(e->event.details.at("serial")), std::string::npos)
        << serial.out << " vs " << e->event.details.at("serial");
  }
  if (const auto* e = Find(entries, "token issue")) {
    EXPECT_EQ(e->event.action, "admin");
    EXPECT_EQ(e->event.target, "CERT-EU/alice");
    EXPECT_FALSE(e->event.details.at("id").empty());
  }
  if (const auto* e = Find(entries, "stats")) {
    EXPECT_EQ(e->event.action, "auth-failure");
    EXPECT_EQ(e->event.outcome, audit::Outcome::kDenied);
    EXPECT_EQ(e->event.details.at("error"), "permission-denied");
    EXPECT_EQ(e->event.details.at("exit"), "1");
  }
  if (const auto* e = Find(entries, "audit verify")) {
    EXPECT_EQ(e->event.action, "audit");
    EXPECT_EQ(e->event.outcome, audit::Outcome::kSuccess);
  }

  // No secret in the log: neither PIN, nor the token (nor its secret half).
  const std::string token = ReadFile(dir_.path() / "token.txt");
  ASSERT_GT(token.size(), 10u);
  const std::string secret = token.substr(0, token.find_last_not_of("\n") + 1);
  const std::string log = AllLogBytes();
  EXPECT_EQ(log.find(kStorePin), std::string::npos);
  EXPECT_EQ(log.find(kWrongPin), std::string::npos);
  EXPECT_EQ(log.find(secret), std::string::npos);
  if (const size_t dot = secret.find('.'); dot != std::string::npos) {
    EXPECT_EQ(log.find(secret.substr(dot + 1)), std::string::npos);
  }
}

// The issue's own case: the wrong PIN of a PKCS#11 token (SoftHSM2) is a specific error and an
// auth-failure entry naming the command; the PIN is not in the log.
TEST_F(AuditTrailTest, WrongTokenPinIsAnAuthFailureEntry) {
  auto& hsm = socmesh::testing::SoftHsmToken::Shared();
  ASSERT_TRUE(hsm.ok()) << hsm.error();
  const std::string uri = socmesh::testing::SoftHsmToken::Uri("node1", "audittrail-key");
  RunResult r = Sh("socmesh pki keygen --key '" + uri + "' --pin-file " + hsm.PinFile().string() +
                   " -o /dev/null\n"
                   "set +e\n"
                   "socmesh pki csr --key '" +
                   uri +
                   "' --pin-file wrong.pin --country FR --org CERT-FR --name n1 -o n1.csr\n"
                   "echo \"csr-exit=$?\"\n");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_NE(r.out.find("csr-exit=1"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("permission-denied"), std::string::npos) << r.out;
  const std::vector<audit::AuditEntry> entries = Entries();
  ASSERT_EQ(entries.size(), 2u);
  EXPECT_EQ(entries[0].event.action, "pki");
  EXPECT_EQ(entries[0].event.details.at("command"), "pki keygen");
  EXPECT_EQ(entries[0].event.outcome, audit::Outcome::kSuccess);
  EXPECT_EQ(entries[1].event.action, "auth-failure");
  EXPECT_EQ(entries[1].event.outcome, audit::Outcome::kDenied);
  EXPECT_EQ(entries[1].event.details.at("command"), "pki csr");
  EXPECT_EQ(entries[1].event.details.at("error"), "permission-denied");
  EXPECT_EQ(entries[1].event.target, uri);  // the key's URI, which holds no PIN
  EXPECT_EQ(AllLogBytes().find(kWrongPin), std::string::npos);
  RunResult v = Sh("socmesh audit verify --log audit --pubkey audit.pub\n", false);
  EXPECT_EQ(v.exit_code, 0) << v.out;
}

// Fail closed (E5): a command that cannot be recorded is not run.
TEST_F(AuditTrailTest, ATamperedLogStopsTheCommandBeforeItActs) {
  RunResult r = Sh("socmesh pki keygen --key other.key -o /dev/null\n");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  // Change the one entry's recorded exit code: the signed checkpoint no longer matches.
  r =
      Sh("sed -i 's/\"exit\":\"0\"/\"exit\":\"9\"/' audit/entries.jsonl\n"
         "set +e\n"
         "socmesh --audit-log audit --audit-org CERT-EU ingest -q " +
         DataPath("stix/oasis-cti-documentation-examples").string() +
         "\n"
         "echo \"ingest-exit=$?\"\n");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_NE(r.out.find("ingest-exit=1"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("socmesh: audit-trail: "), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("command not run"), std::string::npos) << r.out;
  // Nothing was done: the ingest did not even create the store.
  EXPECT_FALSE(std::filesystem::exists(dir_.path() / "store.db"));
}

TEST_F(AuditTrailTest, MissingOrLockedAuditKeyIsAClearErrorAndNothingRuns) {
  RunResult r =
      Sh("set +e\n"
         "socmesh --audit-log audit2 ingest -q " +
             DataPath("stix/oasis-cti-documentation-examples").string() +
             "\n"
             "echo \"no-key-exit=$?\"\n"
             // The audit key itself behind a passphrase, given the wrong one.
             "SOCMESH_AUDIT_KEY_PIN=" +
             kWrongPin +
             " socmesh --audit-log audit3 --audit-key store.key stats\n"
             "echo \"wrong-audit-pin-exit=$?\"\n",
         false);
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_NE(r.out.find("no-key-exit=1"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("--audit-log needs --audit-key"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("wrong-audit-pin-exit=1"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("audit key"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find(kWrongPin), std::string::npos) << r.out;
  // Neither command ran: the ingest did not even create the store.
  EXPECT_FALSE(std::filesystem::exists(dir_.path() / "store.db"));
}

}  // namespace
}  // namespace socmesh::cli
