// Keys for data at rest (B13): a keyring of AES-256-GCM data keys and one blind-index key, held in
// memory in clear only after being unwrapped with a wrapping key that may live in a token.
//
// Wrapping is ECDH-ES with the wrapping key's P-256 key pair, so only ECDH needs the private key
// (EVP_PKEY_derive, inside the token for PKCS#11 keys; it never leaves it):
//   E  = an ephemeral P-256 key pair, one per keyring document
//   Z  = ECDH(E.private, W.public)  =  ECDH(W.private, E.public)   (x coordinate, 32 bytes)
//   KEK(role) = HKDF-SHA-256(IKM = Z, salt = E.point || W.point,
//                            info = "socmesh at-rest v1 " keyring_id " " role)   (32 bytes)
//     role = "index-key" or "data-key <id>", so a wrapped key moved to another slot fails to unwrap
//   wrapped = AES-256 key wrap with padding (RFC 5649) of the 32-byte key under KEK(role)
// Points are uncompressed SEC1 (65 bytes). The document is canonical JSON:
//   {"current_key":2,"data_keys":[{"id":1,"wrapped":"<b64>"},…],"ephemeral_key":"<b64 E.point>",
//    "index_key":"<b64 wrapped>","keyring_id":"<32 hex>","type":"socmesh-at-rest-keyring",
//    "version":1,"wrapping_key":{"location":"<file or pkcs11 URI>","public_key":"<b64 W.point>"}}
// It holds no key in clear and no PIN; it can be stored beside the data it protects.
//
// Sealed bodies are nonce (12 random bytes) || AES-256-GCM ciphertext || tag (16 bytes). Blind
// indexes are HMAC-SHA-256(index key, domain || 0x00 || value): a separate key, never an AEAD key.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"
#include "crypto/key.hpp"

namespace socmesh::crypto {

// Data keys are numbered 1, 2, 3, … in creation order; a higher id is a newer key.
using DataKeyId = uint32_t;

using BlindValue = std::array<uint8_t, 32>;

class AtRestKeyring {
 public:
  // A new keyring: data key 1 (current) and a blind-index key, both random, wrapped for
  // `wrapping_key` (a P-256 key; file or token). kUnsupported for other key types.
  static Result<AtRestKeyring> Create(const Key& wrapping_key);

  // Unwraps the keys of `document` with `wrapping_key`. Errors: kParse (not a keyring document),
  // kVerification (wrapped for another key, or a wrapped key altered: RFC 5649 integrity check),
  // kPermission / kInternal when the token refuses the ECDH.
  static Result<AtRestKeyring> Unlock(std::string_view document, const Key& wrapping_key);

  AtRestKeyring(AtRestKeyring&&) noexcept;
  AtRestKeyring& operator=(AtRestKeyring&&) noexcept;
  ~AtRestKeyring();  // wipes the key material

  // The wrapped form to persist (canonical JSON, see the top of this file). Changes with Rotate,
  // Retire and Rewrap.
  const std::string& document() const { return document_; }
  // Random, public: names this keyring in errors and in the store's check.
  const std::string& keyring_id() const { return keyring_id_; }
  // Where the wrapping key lives (file path or URI without PIN).
  const std::string& wrapping_key_location() const { return wrapping_location_; }

  DataKeyId current_key() const { return current_; }
  std::vector<DataKeyId> key_ids() const;
  bool HasKey(DataKeyId id) const;

  // Adds a fresh data key that becomes current; older keys stay for reading. Returns its id.
  Result<DataKeyId> Rotate();
  // Forgets data key `id` (the caller has made sure no data uses it). kInvalidArgument for the
  // current key, kNotFound for an unknown one.
  Result<void> Retire(DataKeyId id);
  // Wraps every key for `new_wrapping_key` under a new ephemeral key, and checks by unwrapping
  // that the new key can open it before replacing the document.
  Result<void> Rewrap(const Key& new_wrapping_key);

  // AES-256-GCM under the current data key with a random nonce: nonce || ciphertext || tag.
  Result<std::string> Seal(std::string_view plaintext, std::string_view aad) const;
  // Opens what Seal made under data key `id`. kVerification if the tag does not check (altered
  // ciphertext, other AAD, other key); kNotFound if the keyring has no key `id`.
  Result<std::string> Open(DataKeyId id, std::span<const uint8_t> sealed,
                           std::string_view aad) const;

  // HMAC-SHA-256(index key, domain || 0x00 || value): deterministic, so equal values give equal
  // blind values and equality lookups work without the value in clear.
  // kInternal only if OpenSSL cannot allocate.
  Result<BlindValue> Blind(std::string_view domain, std::string_view value) const;

 private:
  struct Secrets;
  AtRestKeyring();
  Result<void> Serialize();

  std::unique_ptr<Secrets> secrets_;
  std::string keyring_id_;
  std::string wrapping_location_;
  DataKeyId current_ = 0;
  std::string document_;
};

}  // namespace socmesh::crypto
