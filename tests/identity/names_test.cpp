// What the registry accepts (issue 5 item 4): certificate-style organisation names, user and
// group names, ISO 3166-1 alpha-2 countries (checked against Debian's iso-codes data), token
// lifetimes.
#include "identity/names.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <regex>

#include "common/test_data.hpp"
#include "identity/role.hpp"

namespace socmesh::identity {
namespace {

// The compiled-in table is exactly the officially assigned codes of iso-codes (package
// iso-codes, scripts/install-deps.sh).
TEST(NamesTest, CountryTableIsIso3166AsShippedByDebian) {
  const std::string json = socmesh::testing::ReadFile("/usr/share/iso-codes/json/iso_3166-1.json");
  std::vector<std::string> expected;
  const std::regex alpha2(R"re("alpha_2":\s*"([A-Z]{2})")re");
  for (auto it = std::sregex_iterator(json.begin(), json.end(), alpha2);
       it != std::sregex_iterator(); ++it) {
    expected.push_back((*it)[1]);
  }
  std::ranges::sort(expected);
  ASSERT_EQ(expected.size(), 249u);
  std::vector<std::string> compiled(CountryCodes().begin(), CountryCodes().end());
  EXPECT_EQ(compiled, expected);
  for (const auto& c : expected) EXPECT_TRUE(ValidateCountry(c)) << c;
  for (std::string_view bad : {"fr", "EU", "UK", "XX", "F", "FRA", "", "F\n"}) {
    auto r = ValidateCountry(bad);
    ASSERT_FALSE(r) << bad;
    EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument);
    EXPECT_TRUE(r.error().message.starts_with("country: ")) << r.error().message;
  }
}

TEST(NamesTest, OrganisationNamesAreCertificateSubjects) {
  for (std::string_view ok : {"ANSSI", "CERT-EU", "ACME CERT", "Agence nationale de la sécurité",
                              "Bundesamt für Sicherheit in der Informationstechnik"}) {
    EXPECT_TRUE(ValidateOrganisationName(ok)) << ok;
  }
  const std::string too_long(65, 'A');
  for (std::string_view bad :
       {std::string_view(), std::string_view(" ANSSI"), std::string_view("ANSSI "),
        std::string_view("AN\tSSI"), std::string_view("AN\nSSI"), std::string_view("\xC3\x28"),
        std::string_view("\xED\xA0\x80"), std::string_view("\xC0\xAF"),
        std::string_view(too_long)}) {
    auto r = ValidateOrganisationName(bad);
    ASSERT_FALSE(r) << bad;
    EXPECT_TRUE(r.error().message.starts_with("organisation: ")) << r.error().message;
  }
  EXPECT_TRUE(ValidateOrganisationName(std::string(64, 'A')));
}

TEST(NamesTest, UserAndGroupNames) {
  for (std::string_view ok : {"alice", "alice.martin@cert.fr", "svc-misp_sync+1", "a"}) {
    EXPECT_TRUE(ValidateUserName(ok)) << ok;
  }
  for (std::string_view bad : {"", ".alice", "alice martin", "alice/..", "élise", "a\"b"}) {
    EXPECT_FALSE(ValidateUserName(bad)) << bad;
  }
  EXPECT_TRUE(ValidateGroupName("consortium:nordic.health-2026"));
  EXPECT_FALSE(ValidateGroupName("nordic health"));
  EXPECT_FALSE(ValidateGroupName("-x"));
}

TEST(NamesTest, Lifetimes) {
  EXPECT_EQ(ParseLifetime("90d").value(), std::chrono::days(90));
  EXPECT_EQ(ParseLifetime("12h").value(), std::chrono::hours(12));
  EXPECT_EQ(ParseLifetime("30m").value(), std::chrono::minutes(30));
  EXPECT_EQ(ParseLifetime("3600s").value(), std::chrono::seconds(3600));
  EXPECT_EQ(ParseLifetime("3600").value(), std::chrono::seconds(3600));
  for (std::string_view bad : {"", "d", "0d", "-1d", "59s", "401d", "1y", "1.5h", "99999999999d"}) {
    EXPECT_FALSE(ParseLifetime(bad)) << bad;
  }
  EXPECT_EQ(FormatUtc(std::chrono::sys_seconds(std::chrono::seconds(1'800'000'000))),
            "2027-01-15T08:00:00Z");
}

TEST(RolesTest, NamesAndCoverage) {
  for (Role r : kAllRoles) {
    EXPECT_EQ(ParseRole(RoleName(r)), r);
    EXPECT_FALSE(RoleDescription(r).empty());
    EXPECT_TRUE(RoleCovers(r, r));
  }
  EXPECT_FALSE(ParseRole("Admin"));
  EXPECT_TRUE(RoleCovers(Role::kAdmin, Role::kAuditor));
  EXPECT_TRUE(RoleCovers(Role::kAnalyst, Role::kReader));
  EXPECT_FALSE(RoleCovers(Role::kAnalyst, Role::kAdmin));
  EXPECT_FALSE(RoleCovers(Role::kAdmin, Role::kPeer));
  EXPECT_FALSE(RoleCovers(Role::kReader, Role::kAnalyst));
}

}  // namespace
}  // namespace socmesh::identity
