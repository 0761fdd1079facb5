// api::Authenticator backed by the identity registry (issue 5 item 4): tokens survive a restart
// (a new registry handle and authenticator on the same file), registry roles win over the
// in-memory configuration, the certificate's organisation and country must match, expiry and
// disabling apply on the next request, and the caller carries its sharing groups.
#include <gtest/gtest.h>

#include <atomic>

#include "api/auth.hpp"
#include "common/test_data.hpp"
#include "identity/registry.hpp"

namespace socmesh::api {
namespace {

using std::chrono::sys_seconds;

net::Request From(const std::string& organisation, const std::string& country,
                  const std::string& token = {}) {
  net::Request r;
  r.method = "GET";
  r.target = "/api/v1/health";
  r.peer = net::PeerIdentity{};
  r.peer->organisation = organisation;
  r.peer->country = country;
  if (!token.empty()) r.headers.Set("Authorization", "Bearer " + token);
  return r;
}

class AuthRegistryTest : public ::testing::Test {
 protected:
  std::shared_ptr<identity::Registry> OpenRegistry() {
    identity::RegistryOptions o;
    o.path = (dir_.path() / "identity.db").string();
    o.clock = [this] { return now_.load(); };
    auto opened = identity::Registry::Open(std::move(o));
    EXPECT_TRUE(opened) << opened.error().message;
    return opened ? std::shared_ptr<identity::Registry>(std::move(*opened)) : nullptr;
  }
  void SetUp() override {
    registry_ = OpenRegistry();
    ASSERT_TRUE(registry_->AddOrganisation("ANSSI", "FR", Role::kAnalyst));
    ASSERT_TRUE(registry_->AddOrganisation("BSI", "DE", Role::kReader));
    ASSERT_TRUE(registry_->AddUser("ANSSI", "alice", Role::kAdmin));
    auth_.Attach(registry_);
  }

  socmesh::testing::TempDir dir_;
  std::atomic<sys_seconds> now_{sys_seconds(std::chrono::seconds(1'800'000'000))};
  std::shared_ptr<identity::Registry> registry_;
  Authenticator auth_;
};

TEST_F(AuthRegistryTest, RegistryTokensSurviveARestart) {
  auto issued = registry_->IssueToken("ANSSI", "alice");
  ASSERT_TRUE(issued);
  const std::string token = issued->token;
  {
    auto caller = auth_.Authenticate(From("ANSSI", "FR", token));
    ASSERT_TRUE(caller) << caller.error().message;
    EXPECT_EQ(caller->user, "alice");
    EXPECT_EQ(caller->role, Role::kAdmin);
  }
  // "Restart": every object gone, the file stays.
  auth_.Attach(nullptr);
  registry_.reset();
  Authenticator restarted;
  restarted.Attach(OpenRegistry());
  auto caller = restarted.Authenticate(From("ANSSI", "FR", token));
  ASSERT_TRUE(caller) << caller.error().message;
  EXPECT_EQ(caller->user, "alice");
  // The in-memory tokens of the old authenticator are not persistent, by design.
  Authenticator first;
  const std::string ephemeral = first.IssueToken("bob", "ANSSI", Role::kReader);
  EXPECT_TRUE(first.Authenticate(From("ANSSI", "FR", ephemeral)));
  EXPECT_FALSE(restarted.Authenticate(From("ANSSI", "FR", ephemeral)));
}

TEST_F(AuthRegistryTest, TokenFromAnotherOrganisationsCertificateIsRefused) {
  const std::string token = registry_->IssueToken("ANSSI", "alice")->token;
  auto r = auth_.Authenticate(From("BSI", "DE", token));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kPermission);
  EXPECT_NE(r.error().message.find("another organisation"), std::string::npos);
  // Unregistered organisation presenting it: refused too.
  EXPECT_FALSE(auth_.Authenticate(From("NCSC", "NL", token)));
  // Wrong, unknown, malformed, other scheme: 401 material.
  std::string wrong = token;
  wrong.back() = wrong.back() == 'a' ? 'b' : 'a';
  for (const std::string& bad :
       {wrong, std::string("0123456789abcdef.00"), std::string("x"), std::string("abc.def")}) {
    auto refused = auth_.Authenticate(From("ANSSI", "FR", bad));
    ASSERT_FALSE(refused) << bad;
    EXPECT_EQ(refused.error().code, ErrorCode::kPermission);
  }
  net::Request basic = From("ANSSI", "FR");
  basic.headers.Set("Authorization", "Basic YWxpY2U6eA==");
  EXPECT_FALSE(auth_.Authenticate(basic));
}

TEST_F(AuthRegistryTest, RegistryRolesWinAndCountriesMustMatch) {
  auth_.SetOrganisationRole("ANSSI", Role::kPeer);  // configuration says peer …
  auth_.SetOrganisationRole("NCSC", Role::kPeer);   // … and is the fallback for NCSC
  EXPECT_EQ(auth_.Authenticate(From("ANSSI", "FR"))->role, Role::kAnalyst);  // … registry wins
  EXPECT_EQ(auth_.Authenticate(From("NCSC", "NL"))->role, Role::kPeer);
  EXPECT_EQ(auth_.Authenticate(From("CFCS", "DK"))->role, Role::kReader);
  ASSERT_TRUE(registry_->SetOrganisationRole("ANSSI", Role::kReader));
  EXPECT_EQ(auth_.Authenticate(From("ANSSI", "FR"))->role, Role::kReader);
  auto r = auth_.Authenticate(From("ANSSI", "BE"));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kPermission);
  EXPECT_FALSE(auth_.Authenticate(From("anssi", "FR")).value().role == Role::kAnalyst);
}

TEST_F(AuthRegistryTest, ExpiryDisablingAndRevocationApplyOnTheNextRequest) {
  const std::string token =
      registry_->IssueToken("ANSSI", "alice", std::nullopt, std::chrono::hours(1))->token;
  EXPECT_TRUE(auth_.Authenticate(From("ANSSI", "FR", token)));
  now_ = now_.load() + std::chrono::hours(1);
  EXPECT_FALSE(auth_.Authenticate(From("ANSSI", "FR", token)));

  const std::string second = registry_->IssueToken("ANSSI", "alice")->token;
  ASSERT_TRUE(registry_->SetUserDisabled("ANSSI", "alice", true));
  EXPECT_FALSE(auth_.Authenticate(From("ANSSI", "FR", second)));
  ASSERT_TRUE(registry_->SetUserDisabled("ANSSI", "alice", false));
  EXPECT_TRUE(auth_.Authenticate(From("ANSSI", "FR", second)));
  // RevokeToken reaches registry tokens too, only for their own organisation.
  EXPECT_FALSE(auth_.RevokeToken(second.substr(0, 16), "BSI"));
  EXPECT_TRUE(auth_.RevokeToken(second.substr(0, 16), "ANSSI"));
  EXPECT_FALSE(auth_.Authenticate(From("ANSSI", "FR", second)));
}

TEST_F(AuthRegistryTest, CallersCarryTheirSharingGroups) {
  ASSERT_TRUE(registry_->CreateGroup("health-isac", "BSI"));
  ASSERT_TRUE(registry_->CreateGroup("fr-de", "ANSSI"));
  ASSERT_TRUE(registry_->AddGroupMember("health-isac", "ANSSI"));
  EXPECT_EQ(auth_.Authenticate(From("ANSSI", "FR"))->sharing_groups,
            (std::vector<std::string>{"fr-de", "health-isac"}));
  EXPECT_EQ(auth_.Authenticate(From("BSI", "DE"))->sharing_groups,
            std::vector<std::string>{"health-isac"});
  EXPECT_TRUE(auth_.Authenticate(From("NCSC", "NL"))->sharing_groups.empty());
  // Ephemeral tokens keep working while a registry is attached.
  const std::string ephemeral = auth_.IssueToken("ops", "BSI", Role::kAuditor);
  auto caller = auth_.Authenticate(From("BSI", "DE", ephemeral));
  ASSERT_TRUE(caller);
  EXPECT_EQ(caller->role, Role::kAuditor);
  EXPECT_EQ(caller->sharing_groups, std::vector<std::string>{"health-isac"});
}

}  // namespace
}  // namespace socmesh::api
