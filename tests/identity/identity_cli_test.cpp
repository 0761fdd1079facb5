// `socmesh org|user|token|group` end to end (issue 5 item 4): the binary under test on a registry
// file, checked against the registry library opening the same file — what the operator does on
// the command line is what the node enforces. Tokens are printed once, on stdout only.
#include <gtest/gtest.h>

#include <regex>

#include "common/run_socmesh.hpp"
#include "common/test_data.hpp"
#include "identity/registry.hpp"

namespace socmesh::identity {
namespace {

using socmesh::testing::RunResult;
using socmesh::testing::RunSocmesh;

class IdentityCliTest : public ::testing::Test {
 protected:
  RunResult Run(std::vector<std::string> args) {
    args.push_back("--registry");
    args.push_back(registry_path());
    return RunSocmesh(args, dir_.path());
  }
  std::string registry_path() const { return (dir_.path() / "identity.db").string(); }
  std::unique_ptr<Registry> OpenDirect() {
    RegistryOptions o;
    o.path = registry_path();
    auto r = Registry::Open(std::move(o));
    EXPECT_TRUE(r) << r.error().message;
    return r ? std::move(*r) : nullptr;
  }
  socmesh::testing::TempDir dir_;
};

TEST_F(IdentityCliTest, OrganisationsUsersTokensAndGroups) {
  auto r = Run({"org", "add", "--name", "ANSSI", "--country", "FR", "--role", "analyst"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "ANSSI\tFR\tanalyst\n");
  ASSERT_EQ(Run({"org", "add", "--name", "BSI", "--country", "DE"}).exit_code, 0);
  r = Run({"org", "add", "--name", "CCN", "--country", "es"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("country: \"es\" is not an ISO 3166-1 alpha-2 code"), std::string::npos)
      << r.err;
  r = Run({"org", "add", "--name", "ANSSI", "--country", "FR"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("conflict"), std::string::npos) << r.err;
  EXPECT_EQ(Run({"org", "list"}).out, "ANSSI\tFR\tanalyst\nBSI\tDE\treader\n");
  EXPECT_EQ(Run({"org", "set-role", "--name", "BSI", "--role", "peer"}).out, "BSI\tDE\tpeer\n");

  ASSERT_EQ(Run({"user", "add", "--org", "ANSSI", "--name", "alice", "--role", "admin"}).exit_code,
            0);
  EXPECT_EQ(Run({"user", "add", "--org", "NOWHERE", "--name", "x", "--role", "admin"}).exit_code,
            4);
  EXPECT_EQ(Run({"user", "add", "--org", "ANSSI", "--name", "y", "--role", "root"}).exit_code, 2);

  r = Run({"token", "issue", "--org", "ANSSI", "--user", "alice", "--expires-in", "12h"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  ASSERT_TRUE(std::regex_match(r.out, std::regex("[0-9a-f]{16}\\.[0-9a-f]{64}\n"))) << r.out;
  const std::string token = r.out.substr(0, r.out.size() - 1);
  const std::string id = token.substr(0, 16);
  EXPECT_NE(r.err.find("it is not shown again"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find(token.substr(17)), std::string::npos) << "secret on stderr";
  r = Run({"token", "list", "--org", "ANSSI"});
  EXPECT_TRUE(r.out.starts_with(id + "\talice\tadmin\t")) << r.out;
  EXPECT_TRUE(r.out.ends_with("\tactive\n")) << r.out;
  EXPECT_EQ(r.out.find(token.substr(17)), std::string::npos);
  EXPECT_EQ(
      Run({"token", "issue", "--org", "ANSSI", "--user", "alice", "--expires-in", "2y"}).exit_code,
      2);

  // What the CLI did is what the library (the node) sees.
  {
    auto direct = OpenDirect();
    auto holder = direct->VerifyToken(token);
    ASSERT_TRUE(holder) << holder.error().message;
    EXPECT_EQ(holder->user, "alice");
    ASSERT_EQ(Run({"user", "disable", "--org", "ANSSI", "--name", "alice"}).out,
              "ANSSI\talice\tadmin\tdisabled\n");
    EXPECT_FALSE(direct->VerifyToken(token));
    ASSERT_EQ(Run({"user", "enable", "--org", "ANSSI", "--name", "alice"}).exit_code, 0);
    EXPECT_TRUE(direct->VerifyToken(token));
    r = Run({"token", "revoke", "--org", "BSI", id});
    EXPECT_EQ(r.exit_code, 4) << r.err;
    r = Run({"token", "revoke", "--org", "ANSSI", id});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_TRUE(r.out.starts_with(id + "\trevoked ")) << r.out;
    EXPECT_FALSE(direct->VerifyToken(token));
  }
  EXPECT_EQ(Run({"user", "list"}).out, "ANSSI\talice\tadmin\tenabled\n");

  EXPECT_EQ(Run({"group", "create", "--name", "fr-de", "--org", "ANSSI"}).out,
            "fr-de\tANSSI\tANSSI\n");
  EXPECT_EQ(Run({"group", "add", "--name", "fr-de", "--org", "BSI"}).out,
            "fr-de\tANSSI\tANSSI,BSI\n");
  EXPECT_EQ(Run({"group", "list", "--org", "BSI"}).out, "fr-de\tANSSI\tANSSI,BSI\n");
  EXPECT_EQ(Run({"group", "remove", "--name", "fr-de", "--org", "ANSSI"}).exit_code, 1);
  EXPECT_EQ(Run({"group", "remove", "--name", "fr-de", "--org", "BSI"}).out,
            "fr-de\tANSSI\tANSSI\n");
  EXPECT_EQ(Run({"group", "list", "--org", "BSI"}).out, "");
}

TEST_F(IdentityCliTest, RegistryDefaultsToTheStoresDirectoryAndRefusesStores) {
  const auto store = dir_.path() / "node" / "store.db";
  auto r = RunSocmesh(
      {"--store", store.string(), "org", "add", "--name", "ANSSI", "--country", "FR"}, dir_.path());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(std::filesystem::exists(dir_.path() / "node" / "identity.db"));
  // Listing never creates a registry.
  r = RunSocmesh({"org", "list", "--registry", (dir_.path() / "none.db").string()}, dir_.path());
  EXPECT_EQ(r.exit_code, 4) << r.err;
  EXPECT_FALSE(std::filesystem::exists(dir_.path() / "none.db"));
}

// The walk-through in docs/cli.md runs as written.
TEST_F(IdentityCliTest, DocumentedExampleRuns) {
  const std::string script = socmesh::testing::DocExample("cli.md", "identity-example");
  ASSERT_FALSE(script.empty()) << "docs/cli.md lost its identity example";
  auto r = socmesh::testing::RunBash(dir_.path(), script);
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_NE(r.out.find("fr-de\tANSSI\tANSSI,BSI"), std::string::npos) << r.out;
}

}  // namespace
}  // namespace socmesh::identity
