// The identity registry (E6, E17, E19; issue 5 item 4): organisations, users, API tokens and
// sharing groups persist in their own SQLite file, tokens are checked in constant time against
// a salted HMAC, and expiry, revocation, disabling and role changes apply at once — also when
// another handle (another process: the CLI) makes the change.
#include "identity/registry.hpp"

#include <gtest/gtest.h>

#include <sqlite3.h>

#include <atomic>
#include <fstream>
#include <sstream>
#include <thread>

#include "common/test_data.hpp"

namespace socmesh::identity {
namespace {

using std::chrono::hours;
using std::chrono::seconds;
using std::chrono::sys_seconds;

class RegistryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto opened = Open();
    ASSERT_TRUE(opened) << opened.error().message;
    registry_ = std::move(*opened);
  }
  Result<std::unique_ptr<Registry>> Open() {
    RegistryOptions o;
    o.path = path();
    o.clock = [this] { return now_.load(); };
    return Registry::Open(std::move(o));
  }
  std::string path() const { return (dir_.path() / "identity.db").string(); }
  // ANSSI (FR) with admin alice and analyst bob; BSI (DE) with admin carol.
  void Populate() {
    ASSERT_TRUE(registry_->AddOrganisation("ANSSI", "FR", Role::kAnalyst));
    ASSERT_TRUE(registry_->AddOrganisation("BSI", "DE", Role::kReader));
    ASSERT_TRUE(registry_->AddUser("ANSSI", "alice", Role::kAdmin));
    ASSERT_TRUE(registry_->AddUser("ANSSI", "bob", Role::kAnalyst));
    ASSERT_TRUE(registry_->AddUser("BSI", "carol", Role::kAdmin));
  }
  std::string Issue(std::string_view org, std::string_view user,
                    std::optional<Role> role = std::nullopt,
                    std::optional<seconds> lifetime = std::nullopt) {
    auto t = registry_->IssueToken(org, user, role, lifetime);
    EXPECT_TRUE(t) << t.error().message;
    return t ? t->token : std::string();
  }

  socmesh::testing::TempDir dir_;
  std::atomic<sys_seconds> now_{sys_seconds(seconds(1'800'000'000))};
  std::unique_ptr<Registry> registry_;
};

TEST_F(RegistryTest, EverythingSurvivesReopening) {
  Populate();
  const std::string token = Issue("ANSSI", "bob");
  ASSERT_TRUE(registry_->CreateGroup("nordic-cti", "BSI"));
  ASSERT_TRUE(registry_->AddGroupMember("nordic-cti", "ANSSI"));
  registry_.reset();

  auto reopened = Open();
  ASSERT_TRUE(reopened) << reopened.error().message;
  registry_ = std::move(*reopened);
  auto org = registry_->FindOrganisation("ANSSI");
  ASSERT_TRUE(org && *org);
  EXPECT_EQ((*org)->country, "FR");
  EXPECT_EQ((*org)->default_role, Role::kAnalyst);
  auto users = registry_->ListUsers("ANSSI");
  ASSERT_TRUE(users);
  ASSERT_EQ(users->size(), 2u);
  EXPECT_EQ((*users)[0].name, "alice");
  EXPECT_EQ((*users)[0].role, Role::kAdmin);
  auto holder = registry_->VerifyToken(token);
  ASSERT_TRUE(holder) << holder.error().message;
  EXPECT_EQ(holder->user, "bob");
  EXPECT_EQ(holder->organisation, "ANSSI");
  EXPECT_EQ(holder->role, Role::kAnalyst);
  auto groups = registry_->GroupsOf("ANSSI");
  ASSERT_TRUE(groups);
  EXPECT_EQ(*groups, std::vector<std::string>{"nordic-cti"});
}

TEST_F(RegistryTest, StoresNoSecretOnlySaltAndHash) {
  Populate();
  const std::string token = Issue("ANSSI", "bob");
  const std::string secret = token.substr(token.find('.') + 1);
  ASSERT_EQ(secret.size(), 64u);
  registry_.reset();  // checkpoints the WAL into the main file
  std::ostringstream all;
  for (const char* suffix : {"", "-wal"}) {
    std::ifstream in(path() + suffix, std::ios::binary);
    all << in.rdbuf();
  }
  EXPECT_EQ(all.str().find(secret), std::string::npos);
  EXPECT_NE(all.str().find(token.substr(0, 16)), std::string::npos);  // the id is stored
}

// Constant-time path: wrong secret, unknown id and malformed tokens are all kPermission; the
// first two with the same message, so an attacker cannot tell which ids exist.
TEST_F(RegistryTest, RefusesWrongUnknownAndMalformedTokens) {
  Populate();
  const std::string token = Issue("ANSSI", "bob");
  std::string wrong = token;
  wrong.back() = wrong.back() == '0' ? '1' : '0';
  std::string unknown = token;
  unknown[0] = unknown[0] == 'a' ? 'b' : 'a';
  auto w = registry_->VerifyToken(wrong);
  auto u = registry_->VerifyToken(unknown);
  ASSERT_FALSE(w);
  ASSERT_FALSE(u);
  EXPECT_EQ(w.error().code, ErrorCode::kPermission);
  EXPECT_EQ(u.error().code, ErrorCode::kPermission);
  EXPECT_EQ(w.error().message, u.error().message);
  EXPECT_EQ(w.error().message.find(token.substr(17)), std::string::npos);
  for (std::string bad :
       {std::string(), std::string("."), token.substr(0, 16),
        token.substr(0, 15) + "." + token.substr(17), "ABCDEF0123456789." + token.substr(17),
        std::string("' OR 1=1 --.x"), token.substr(0, 16) + "."}) {
    auto r = registry_->VerifyToken(bad);
    ASSERT_FALSE(r) << bad;
    EXPECT_EQ(r.error().code, ErrorCode::kPermission) << bad;
  }
  EXPECT_TRUE(registry_->VerifyToken(token));
}

TEST_F(RegistryTest, TokensExpire) {
  Populate();
  const std::string token = Issue("ANSSI", "bob", std::nullopt, hours(1));
  auto tokens = registry_->ListTokens("ANSSI");
  ASSERT_TRUE(tokens);
  ASSERT_EQ(tokens->size(), 1u);
  EXPECT_EQ((*tokens)[0].expires - (*tokens)[0].created, hours(1));
  now_ = now_.load() + hours(1) - seconds(1);
  EXPECT_TRUE(registry_->VerifyToken(token));
  now_ = now_.load() + seconds(1);
  auto r = registry_->VerifyToken(token);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message, "API token expired");
  // Default lifetime 90 days; out-of-range lifetimes are refused.
  const std::string long_lived = Issue("ANSSI", "bob");
  now_ = now_.load() + std::chrono::days(89);
  EXPECT_TRUE(registry_->VerifyToken(long_lived));
  now_ = now_.load() + std::chrono::days(1);
  EXPECT_FALSE(registry_->VerifyToken(long_lived));
  EXPECT_FALSE(registry_->IssueToken("ANSSI", "bob", std::nullopt, seconds(59)));
  EXPECT_FALSE(registry_->IssueToken("ANSSI", "bob", std::nullopt, std::chrono::days(401)));
}

TEST_F(RegistryTest, RevocationIsImmediateAndScopedToTheOrganisation) {
  Populate();
  const std::string token = Issue("ANSSI", "bob");
  const std::string id = token.substr(0, 16);
  auto foreign = registry_->RevokeToken("BSI", id);
  ASSERT_FALSE(foreign);
  EXPECT_EQ(foreign.error().code, ErrorCode::kNotFound);
  EXPECT_TRUE(registry_->VerifyToken(token));
  auto revoked = registry_->RevokeToken("ANSSI", id);
  ASSERT_TRUE(revoked) << revoked.error().message;
  ASSERT_TRUE(revoked->revoked.has_value());
  const sys_seconds first = *revoked->revoked;
  auto r = registry_->VerifyToken(token);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message, "API token revoked");
  now_ = now_.load() + hours(2);
  auto again = registry_->RevokeToken("ANSSI", id);
  ASSERT_TRUE(again);
  EXPECT_EQ(again->revoked, first);
  EXPECT_EQ(registry_->RevokeToken("ANSSI", "0000000000000000").error().code, ErrorCode::kNotFound);
}

TEST_F(RegistryTest, DisablingAUserStopsItsTokensAtOnce) {
  Populate();
  const std::string token = Issue("ANSSI", "bob");
  ASSERT_TRUE(registry_->SetUserDisabled("ANSSI", "bob", true));
  auto r = registry_->VerifyToken(token);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kPermission);
  EXPECT_NE(r.error().message.find("disabled"), std::string::npos);
  auto refused = registry_->IssueToken("ANSSI", "bob");
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, ErrorCode::kConflict);
  ASSERT_TRUE(registry_->SetUserDisabled("ANSSI", "bob", false));
  EXPECT_TRUE(registry_->VerifyToken(token));
}

// A token acts with its own role only while its user still holds that role (or a wider one).
TEST_F(RegistryTest, TokenRolesFollowTheUsersRole) {
  Populate();
  const std::string as_admin = Issue("ANSSI", "alice");
  const std::string as_reader = Issue("ANSSI", "alice", Role::kReader);
  EXPECT_EQ(registry_->VerifyToken(as_reader)->role, Role::kReader);
  auto wider = registry_->IssueToken("ANSSI", "bob", Role::kAdmin);
  ASSERT_FALSE(wider);
  EXPECT_EQ(wider.error().code, ErrorCode::kInvalidArgument);
  EXPECT_FALSE(registry_->IssueToken("ANSSI", "bob", Role::kPeer));
  ASSERT_TRUE(registry_->SetUserRole("ANSSI", "alice", Role::kAnalyst));
  EXPECT_FALSE(registry_->VerifyToken(as_admin));
  EXPECT_EQ(registry_->VerifyToken(as_reader)->role, Role::kReader);
  EXPECT_EQ(registry_->SetUserRole("ANSSI", "nobody", Role::kReader).error().code,
            ErrorCode::kNotFound);
}

// The node and `socmesh user disable` are two processes on one file: a change through one handle
// is seen by the other on its next check.
TEST_F(RegistryTest, ChangesThroughAnotherHandleApplyImmediately) {
  Populate();
  const std::string token = Issue("ANSSI", "bob");
  auto other = Open();
  ASSERT_TRUE(other) << other.error().message;
  EXPECT_TRUE(registry_->VerifyToken(token));
  ASSERT_TRUE((*other)->SetUserDisabled("ANSSI", "bob", true));
  EXPECT_FALSE(registry_->VerifyToken(token));
  ASSERT_TRUE((*other)->SetUserDisabled("ANSSI", "bob", false));
  ASSERT_TRUE((*other)->RevokeToken("ANSSI", token.substr(0, 16)));
  EXPECT_FALSE(registry_->VerifyToken(token));
}

TEST_F(RegistryTest, ValidatesAndRefusesDuplicates) {
  Populate();
  EXPECT_EQ(registry_->AddOrganisation("anssi", "FR", Role::kPeer).error().code,
            ErrorCode::kConflict);
  EXPECT_EQ(registry_->AddOrganisation("ANSSI", "FR", Role::kPeer).error().code,
            ErrorCode::kConflict);
  EXPECT_EQ(registry_->AddOrganisation("CCN-CERT", "es", Role::kPeer).error().code,
            ErrorCode::kInvalidArgument);
  EXPECT_EQ(registry_->AddOrganisation("CCN-CERT", "EU", Role::kPeer).error().code,
            ErrorCode::kInvalidArgument);
  EXPECT_EQ(registry_->AddOrganisation("", "ES", Role::kPeer).error().code,
            ErrorCode::kInvalidArgument);
  EXPECT_TRUE(registry_->AddOrganisation("Agence nationale de la sécurité", "FR", Role::kPeer));
  EXPECT_EQ(registry_->AddUser("ANSSI", "bob", Role::kReader).error().code, ErrorCode::kConflict);
  EXPECT_EQ(registry_->AddUser("NOWHERE", "dave", Role::kReader).error().code,
            ErrorCode::kNotFound);
  EXPECT_EQ(registry_->AddUser("ANSSI", "bad name", Role::kReader).error().code,
            ErrorCode::kInvalidArgument);
  EXPECT_EQ(registry_->IssueToken("ANSSI", "nobody").error().code, ErrorCode::kNotFound);
  // Users are per organisation: BSI's carol and a new ANSSI carol are two people.
  EXPECT_TRUE(registry_->AddUser("ANSSI", "carol", Role::kReader));
  EXPECT_EQ(registry_->GetUser("BSI", "carol")->role, Role::kAdmin);
}

TEST_F(RegistryTest, SharingGroupsKeepTheirOwnerAndMembers) {
  Populate();
  auto g = registry_->CreateGroup("amber-health", "ANSSI");
  ASSERT_TRUE(g) << g.error().message;
  EXPECT_EQ(g->members, std::vector<std::string>{"ANSSI"});
  EXPECT_EQ(registry_->CreateGroup("amber-health", "BSI").error().code, ErrorCode::kConflict);
  EXPECT_EQ(registry_->CreateGroup("bad group", "BSI").error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(registry_->CreateGroup("x", "NOWHERE").error().code, ErrorCode::kNotFound);
  EXPECT_EQ(registry_->AddGroupMember("amber-health", "BSI"), true);
  EXPECT_EQ(registry_->AddGroupMember("amber-health", "BSI"), false);
  EXPECT_EQ(registry_->AddGroupMember("amber-health", "NOWHERE").error().code,
            ErrorCode::kNotFound);
  EXPECT_EQ(registry_->AddGroupMember("nothing", "BSI").error().code, ErrorCode::kNotFound);
  EXPECT_EQ(registry_->GetGroup("amber-health")->members,
            (std::vector<std::string>{"ANSSI", "BSI"}));
  EXPECT_EQ(*registry_->GroupsOf("BSI"), std::vector<std::string>{"amber-health"});
  EXPECT_EQ(registry_->ListGroups(std::string_view("BSI"))->size(), 1u);
  EXPECT_EQ(registry_->RemoveGroupMember("amber-health", "ANSSI").error().code,
            ErrorCode::kConflict);
  EXPECT_TRUE(registry_->RemoveGroupMember("amber-health", "BSI"));
  EXPECT_EQ(registry_->RemoveGroupMember("amber-health", "BSI").error().code, ErrorCode::kNotFound);
  EXPECT_TRUE(registry_->GroupsOf("BSI")->empty());
  EXPECT_TRUE(registry_->ListGroups(std::string_view("BSI"))->empty());
  EXPECT_EQ(registry_->ListGroups()->size(), 1u);
}

TEST_F(RegistryTest, RefusesFilesThatAreNotRegistries) {
  registry_.reset();
  // A socmesh store (application_id "SOCM") and a newer registry.
  for (auto [pragma, code] :
       {std::pair{"PRAGMA application_id = 1397703501;", ErrorCode::kInvalidArgument},
        std::pair{"PRAGMA application_id = 1397703497; "
                  "PRAGMA user_version = 99; CREATE TABLE t (x);",
                  ErrorCode::kUnsupported}}) {
    std::filesystem::remove(path());
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(path().c_str(), &db), SQLITE_OK);
    ASSERT_EQ(sqlite3_exec(db, pragma, nullptr, nullptr, nullptr), SQLITE_OK);
    sqlite3_close(db);
    auto r = Open();
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, code) << r.error().message;
  }
  RegistryOptions o;
  o.path = (dir_.path() / "missing.db").string();
  o.create_if_missing = false;
  EXPECT_EQ(Registry::Open(o).error().code, ErrorCode::kNotFound);
}

// One process, many threads: the node's handler pool authenticates while an admin changes users.
TEST_F(RegistryTest, IsSafeToUseFromSeveralThreads) {
  Populate();
  const std::string token = Issue("ANSSI", "bob");
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 50; ++i) {
        if (!registry_->VerifyToken(token)) ++failures;
        if (!registry_->AddUser("BSI", "u" + std::to_string(t) + "-" + std::to_string(i),
                                Role::kReader)) {
          ++failures;
        }
        if (!registry_->GroupsOf("ANSSI")) ++failures;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(registry_->ListUsers("BSI")->size(), 201u);
}

}  // namespace
}  // namespace socmesh::identity
