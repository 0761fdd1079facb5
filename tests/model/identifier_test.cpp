#include "model/identifier.hpp"

#include <gtest/gtest.h>

#include <set>

namespace socmesh::model {
namespace {

TEST(Identifier, ParsesTypeAndUuid) {
  auto id = ParseIdentifier("indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f");
  ASSERT_TRUE(id.has_value()) << id.error().message;
  EXPECT_EQ(id->type, "indicator");
  EXPECT_EQ(id->uuid, "8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f");
  EXPECT_EQ(id->uuid_version, 4);
}

TEST(Identifier, RejectsMalformedIds) {
  EXPECT_FALSE(ParseIdentifier("indicator-8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f"));
  EXPECT_FALSE(ParseIdentifier("indicator--8e2e2d2b17d44cbf938f98ee46b3cd3f"));
  EXPECT_FALSE(ParseIdentifier("indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3"));
  EXPECT_FALSE(ParseIdentifier("Indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f"));
  EXPECT_FALSE(ParseIdentifier("--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f"));
  // Version 0 and a non-RFC 4122 variant.
  EXPECT_FALSE(ParseIdentifier("indicator--8e2e2d2b-17d4-0cbf-938f-98ee46b3cd3f"));
  EXPECT_FALSE(ParseIdentifier("indicator--8e2e2d2b-17d4-4cbf-738f-98ee46b3cd3f"));
  EXPECT_FALSE(ParseIdentifier("indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3g"));
}

TEST(Identifier, ValidatesTypeNames) {
  EXPECT_TRUE(IsValidTypeName("x-mitre-tactic"));
  EXPECT_TRUE(IsValidTypeName("ipv4-addr"));
  EXPECT_FALSE(IsValidTypeName("ab"));
  EXPECT_FALSE(IsValidTypeName("x--y"));
  EXPECT_FALSE(IsValidTypeName("trailing-"));
  EXPECT_FALSE(IsValidTypeName("1abc"));
  EXPECT_FALSE(IsValidTypeName("UPPER"));
  EXPECT_FALSE(IsValidTypeName(std::string(251, 'a')));
}

TEST(Identifier, NewUuidV4HasVersionAndVariantAndIsUnique) {
  std::set<std::string> seen;
  for (int i = 0; i < 1000; ++i) {
    std::string text = FormatUuid(NewUuidV4());
    auto id = ParseIdentifier("indicator--" + text);
    ASSERT_TRUE(id.has_value()) << text;
    EXPECT_EQ(id->uuid_version, 4);
    seen.insert(text);
  }
  EXPECT_EQ(seen.size(), 1000u);
}

TEST(Identifier, UuidV5MatchesRfc4122Example) {
  // Python: uuid.uuid5(uuid.NAMESPACE_DNS, "python.org") == 886313e1-3b8a-5372-9b90-0c9aee199e5d
  const Uuid dns = {0x6b, 0xa7, 0xb8, 0x10, 0x9d, 0xad, 0x11, 0xd1,
                    0x80, 0xb4, 0x00, 0xc0, 0x4f, 0xd4, 0x30, 0xc8};
  EXPECT_EQ(FormatUuid(UuidV5(dns, "python.org")), "886313e1-3b8a-5372-9b90-0c9aee199e5d");
}

TEST(Identifier, StixNamespaceFormatsAsSpecified) {
  EXPECT_EQ(FormatUuid(kStixScoNamespace), "00abedb4-aa42-466c-9c01-fed23315a9b7");
}

}  // namespace
}  // namespace socmesh::model
