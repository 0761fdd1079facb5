// Internal to store/: what at-rest encryption (B13) does to one row of the SQLite store. The
// keyring (crypto/at_rest.hpp) does the cryptography; this file decides what is sealed, what is
// blinded and what the AAD binds. docs/architecture.md ("Encryption at rest") is the reference.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "core/error.hpp"
#include "crypto/at_rest.hpp"
#include "crypto/key.hpp"
#include "model/observable.hpp"
#include "model/tlp.hpp"

namespace socmesh::store::detail {

// The clear columns a sealed body is bound to: moving a body to another row, or changing any of
// these columns, makes it fail to open.
struct RowBinding {
  std::string_view blind_id;
  std::string_view type;
  int64_t modified = 0;
  bool revoked = false;
  std::optional<model::Tlp> tlp;
};

class RowCipher {
 public:
  RowCipher(crypto::AtRestKeyring keyring, std::shared_ptr<const crypto::Key> key)
      : keyring_(std::move(keyring)), key_(std::move(key)) {}

  const crypto::AtRestKeyring& keyring() const { return keyring_; }
  crypto::AtRestKeyring& keyring() { return keyring_; }
  const std::shared_ptr<const crypto::Key>& key() const { return key_; }
  void set_key(std::shared_ptr<const crypto::Key> key) { key_ = std::move(key); }
  // Unwraps `document` (the keyring as another process left it) with the same wrapping key.
  Result<void> Reload(std::string_view document);

  // "<type>--<32 hex>": HMAC of the id, with the id's type kept as prefix (the type column is in
  // clear anyway, and Stats counts ids per type from this prefix).
  Result<std::string> BlindId(std::string_view id) const;
  // 16 bytes of HMAC over kind and normalised value (stored as a BLOB).
  Result<std::string> BlindObservable(const model::Observable& observable) const;
  // Keyed content digest, HMAC of the body's SHA-256 (a plain SHA-256 would let anyone confirm a
  // guessed body; hashing the 32-byte digest instead of the body again halves the cost).
  Result<std::array<uint8_t, 32>> Digest(const std::array<uint8_t, 32>& sha256) const;

  // nonce || AES-256-GCM(json) || tag under the current data key, bound to `row`.
  Result<std::string> Seal(const RowBinding& row, std::string_view json) const;
  // The canonical JSON of a row sealed under `key_id`. kVerification when the body or a bound
  // column was altered (never garbage), kNotFound when the keyring lacks `key_id`.
  Result<std::string> Open(crypto::DataKeyId key_id, const RowBinding& row,
                           std::span<const uint8_t> sealed) const;

  // The AAD: "socmesh-at-rest-v1" 0x00 | key id (4 bytes, big-endian) | modified (8 bytes,
  // big-endian, two's complement) | revoked (1 byte) | tlp (1 byte, 0xff when unmarked) |
  // type 0x00 | blind id.
  static std::string Aad(crypto::DataKeyId key_id, const RowBinding& row);

 private:
  crypto::AtRestKeyring keyring_;
  std::shared_ptr<const crypto::Key> key_;
};

// The top-level "id" of a canonical JSON object (rows read by a Scan only know the blind id).
Result<std::string> TopLevelId(std::string_view json);

}  // namespace socmesh::store::detail
