// crypto::AtRestKeyring (B13): data keys wrapped by ECDH-ES + HKDF-SHA-256 + RFC 5649 for a file or
// token P-256 key; AES-256-GCM sealing; blind indexes under a separate key.
#include "crypto/at_rest.hpp"

#include <gtest/gtest.h>

#include <string>

#include "common/softhsm_token.hpp"
#include "common/test_data.hpp"

namespace socmesh::crypto {
namespace {

using socmesh::testing::SoftHsmToken;
using socmesh::testing::TempDir;

std::span<const uint8_t> Bytes(const std::string& s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

class KeyringTest : public ::testing::Test {
 protected:
  Key FileKey(const std::string& name) {
    auto key = Key::Generate((dir_.path() / name).string(), {});
    EXPECT_TRUE(key.has_value()) << (key ? "" : key.error().message);
    return std::move(*key);
  }
  // Replaces the first occurrence of `from` in `text` by `to`.
  static std::string Replace(std::string text, const std::string& from, const std::string& to) {
    auto at = text.find(from);
    EXPECT_NE(at, std::string::npos) << from;
    if (at != std::string::npos) text.replace(at, from.size(), to);
    return text;
  }
  // The value of the first "key":"value" string field named `key` in `document`.
  static std::string Field(const std::string& document, const std::string& key) {
    const std::string marker = "\"" + key + "\":\"";
    const auto start = document.find(marker) + marker.size();
    return document.substr(start, document.find('"', start) - start);
  }
  TempDir dir_;
};

TEST_F(KeyringTest, SealedDataOpensAfterUnlockingTheDocument) {
  Key key = FileKey("k.pem");
  auto keyring = AtRestKeyring::Create(key);
  ASSERT_TRUE(keyring.has_value()) << keyring.error().message;
  EXPECT_EQ(keyring->current_key(), 1u);
  auto sealed = keyring->Seal("{\"id\":\"indicator--1\"}", "row 1");
  ASSERT_TRUE(sealed.has_value());
  EXPECT_EQ(sealed->size(), 12 + 21 + 16u);  // nonce || ciphertext || tag
  EXPECT_EQ(sealed->find("indicator"), std::string::npos);

  auto unlocked = AtRestKeyring::Unlock(keyring->document(), key);
  ASSERT_TRUE(unlocked.has_value()) << unlocked.error().message;
  EXPECT_EQ(unlocked->keyring_id(), keyring->keyring_id());
  auto opened = unlocked->Open(1, Bytes(*sealed), "row 1");
  ASSERT_TRUE(opened.has_value()) << opened.error().message;
  EXPECT_EQ(*opened, "{\"id\":\"indicator--1\"}");
  // Same value, same blind value, across unlocks; domains and values separate.
  EXPECT_EQ(*keyring->Blind("id", "x"), *unlocked->Blind("id", "x"));
  EXPECT_NE(*keyring->Blind("id", "x"), *keyring->Blind("observable:1", "x"));
  EXPECT_NE(*keyring->Blind("id", "x"), *keyring->Blind("id", "y"));
  // Two sealings of the same text differ (random nonces).
  EXPECT_NE(*keyring->Seal("same", "aad"), *keyring->Seal("same", "aad"));
}

TEST_F(KeyringTest, AlteredCiphertextOrOtherAadIsAVerificationError) {
  Key key = FileKey("k.pem");
  auto keyring = AtRestKeyring::Create(key);
  ASSERT_TRUE(keyring.has_value());
  std::string sealed = *keyring->Seal("secret body", "row 1");
  EXPECT_EQ(keyring->Open(1, Bytes(sealed), "row 2").error().code, ErrorCode::kVerification);
  for (size_t i : {size_t{0}, size_t{13}, sealed.size() - 1}) {  // nonce, body, tag
    std::string altered = sealed;
    altered[i] ^= 0x20;
    EXPECT_EQ(keyring->Open(1, Bytes(altered), "row 1").error().code, ErrorCode::kVerification);
  }
  EXPECT_EQ(keyring->Open(1, Bytes(sealed.substr(0, 20)), "row 1").error().code,
            ErrorCode::kVerification);
  EXPECT_EQ(keyring->Open(7, Bytes(sealed), "row 1").error().code, ErrorCode::kNotFound);
}

TEST_F(KeyringTest, AnotherKeyOrAnAlteredDocumentDoesNotUnlock) {
  Key key = FileKey("k.pem");
  Key other = FileKey("other.pem");
  auto keyring = AtRestKeyring::Create(key);
  ASSERT_TRUE(keyring.has_value());
  const std::string doc = keyring->document();
  auto wrong = AtRestKeyring::Unlock(doc, other);
  ASSERT_FALSE(wrong.has_value());
  EXPECT_EQ(wrong.error().code, ErrorCode::kVerification);

  // A wrapped key altered, or the index key moved into a data key's slot: RFC 5649's integrity
  // check and the role in the HKDF info refuse both.
  const std::string index_wrapped = Field(doc, "index_key");
  const std::string data_wrapped = Field(doc, "wrapped");
  std::string flipped = index_wrapped;
  flipped[5] = flipped[5] == 'A' ? 'B' : 'A';
  EXPECT_EQ(AtRestKeyring::Unlock(Replace(doc, index_wrapped, flipped), key).error().code,
            ErrorCode::kVerification);
  EXPECT_EQ(AtRestKeyring::Unlock(Replace(doc, data_wrapped, index_wrapped), key).error().code,
            ErrorCode::kVerification);
  // Not a keyring at all.
  EXPECT_EQ(AtRestKeyring::Unlock("{\"type\":\"x\"}", key).error().code, ErrorCode::kParse);
  EXPECT_EQ(AtRestKeyring::Unlock("not json", key).error().code, ErrorCode::kParse);
}

TEST_F(KeyringTest, RotateRetireAndRewrap) {
  Key key = FileKey("k.pem");
  Key next = FileKey("next.pem");
  auto keyring = AtRestKeyring::Create(key);
  ASSERT_TRUE(keyring.has_value());
  const std::string old_sealed = *keyring->Seal("old", "a");
  const auto blind = *keyring->Blind("id", "x");
  ASSERT_EQ(*keyring->Rotate(), 2u);
  const std::string new_sealed = *keyring->Seal("new", "a");
  EXPECT_EQ(keyring->Open(1, Bytes(new_sealed), "a").error().code, ErrorCode::kVerification);
  EXPECT_EQ(*keyring->Open(1, Bytes(old_sealed), "a"), "old");
  EXPECT_EQ(keyring->Retire(2).error().code, ErrorCode::kInvalidArgument);  // current

  ASSERT_TRUE(keyring->Rewrap(next).has_value());
  EXPECT_EQ(AtRestKeyring::Unlock(keyring->document(), key).error().code, ErrorCode::kVerification);
  auto moved = AtRestKeyring::Unlock(keyring->document(), next);
  ASSERT_TRUE(moved.has_value()) << moved.error().message;
  EXPECT_EQ(moved->key_ids(), (std::vector<DataKeyId>{1, 2}));
  EXPECT_EQ(*moved->Open(1, Bytes(old_sealed), "a"), "old");
  EXPECT_EQ(*moved->Open(2, Bytes(new_sealed), "a"), "new");
  EXPECT_EQ(*moved->Blind("id", "x"), blind);  // the blind index survives a rewrap

  ASSERT_TRUE(moved->Retire(1).has_value());
  auto reopened = AtRestKeyring::Unlock(moved->document(), next);
  ASSERT_TRUE(reopened.has_value());
  EXPECT_EQ(reopened->key_ids(), std::vector<DataKeyId>{2});
  EXPECT_EQ(reopened->Open(1, Bytes(old_sealed), "a").error().code, ErrorCode::kNotFound);
}

TEST_F(KeyringTest, TokenKeyWrapsThroughEcdhInTheToken) {
  auto& token = SoftHsmToken::Shared();
  ASSERT_TRUE(token.ok()) << token.error();
  KeyOptions options;
  options.pin = SoftHsmToken::kPin;
  auto key = Key::Generate(SoftHsmToken::Uri("node1", "keyring-unit"), options);
  ASSERT_TRUE(key.has_value()) << key.error().message;
  auto keyring = AtRestKeyring::Create(*key);
  ASSERT_TRUE(keyring.has_value()) << keyring.error().message;
  const std::string sealed = *keyring->Seal("token body", "aad");
  auto reloaded = Key::Load(SoftHsmToken::Uri("node1", "keyring-unit"), options);
  ASSERT_TRUE(reloaded.has_value());
  auto unlocked = AtRestKeyring::Unlock(keyring->document(), *reloaded);
  ASSERT_TRUE(unlocked.has_value()) << unlocked.error().message;
  EXPECT_EQ(*unlocked->Open(1, Bytes(sealed), "aad"), "token body");
  EXPECT_EQ(unlocked->wrapping_key_location(), key->location());
  EXPECT_EQ(unlocked->document().find(SoftHsmToken::kPin + std::string(";")), std::string::npos);
}

}  // namespace
}  // namespace socmesh::crypto
