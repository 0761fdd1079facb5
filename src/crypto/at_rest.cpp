#include "crypto/at_rest.hpp"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/params.h>
#include <openssl/rand.h>
#include <unistd.h>

#include <algorithm>
#include <map>
#include <mutex>

#include "crypto/detail/cms_util.hpp"
#include "crypto/detail/wire_json.hpp"
#include "crypto/x509.hpp"

namespace socmesh::crypto {

namespace {

using detail::OpenSslDeleter;
using CipherCtxPtr = std::unique_ptr<EVP_CIPHER_CTX, OpenSslDeleter<EVP_CIPHER_CTX_free>>;
using PkeyCtxPtr = std::unique_ptr<EVP_PKEY_CTX, OpenSslDeleter<EVP_PKEY_CTX_free>>;
using MacCtxPtr = std::unique_ptr<EVP_MAC_CTX, OpenSslDeleter<EVP_MAC_CTX_free>>;
using KdfCtxPtr = std::unique_ptr<EVP_KDF_CTX, OpenSslDeleter<EVP_KDF_CTX_free>>;

constexpr std::string_view kDocumentType = "socmesh-at-rest-keyring";
constexpr size_t kKeyBytes = 32;
constexpr size_t kNonceBytes = 12;
constexpr size_t kTagBytes = 16;
constexpr size_t kPointBytes = 65;  // uncompressed SEC1 P-256 point
constexpr size_t kMaxDocumentBytes = 1 << 20;
constexpr uint64_t kMaxKeyId = 0xFFFFFFFF;

using KeyBytes = std::array<uint8_t, kKeyBytes>;

// The cipher objects are fetched once: an implicit fetch on every EVP_EncryptInit_ex costs a
// lock and a lookup per stored object.
EVP_CIPHER* Gcm() {
  static EVP_CIPHER* cipher = EVP_CIPHER_fetch(nullptr, "AES-256-GCM", nullptr);
  return cipher;
}
EVP_CIPHER* KeyWrapPad() {
  static EVP_CIPHER* cipher = EVP_CIPHER_fetch(nullptr, "AES-256-WRAP-PAD", nullptr);
  return cipher;
}

Result<KeyBytes> RandomKey() {
  KeyBytes k{};
  if (RAND_priv_bytes(k.data(), static_cast<int>(k.size())) != 1) {
    return detail::FailWithOpenSsl(ErrorCode::kInternal, "random key generation failed");
  }
  return k;
}

std::string Hex(std::span<const uint8_t> bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (uint8_t b : bytes) {
    out += kDigits[b >> 4];
    out += kDigits[b & 15];
  }
  return out;
}

std::string_view AsText(std::span<const uint8_t> bytes) {
  return {reinterpret_cast<const char*>(bytes.data()), bytes.size()};
}

// The uncompressed point of an EC P-256 key; kUnsupported for anything else. Token keys are read
// through their public half (PEM), which every key loaded by crypto::Key provides.
Result<std::string> P256Point(EVP_PKEY* pkey) {
  char group[64] = {};
  size_t group_len = 0;
  if (!EVP_PKEY_is_a(pkey, "EC") ||
      EVP_PKEY_get_utf8_string_param(pkey, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof group,
                                     &group_len) != 1 ||
      std::string_view(group) != "prime256v1") {
    return Fail(ErrorCode::kUnsupported, "at-rest wrapping needs an EC P-256 key");
  }
  std::string point(kPointBytes, '\0');
  size_t len = 0;
  if (EVP_PKEY_get_octet_string_param(pkey, OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY,
                                      reinterpret_cast<unsigned char*>(point.data()), point.size(),
                                      &len) != 1 ||
      len != kPointBytes) {
    return detail::FailWithOpenSsl(ErrorCode::kInternal, "cannot read the P-256 public point");
  }
  return point;
}

Result<std::string> WrappingPoint(const Key& key) {
  auto pem = key.PublicKeyPem();
  if (!pem) return std::unexpected(pem.error());
  auto pub = ParsePublicKeyPem(*pem);
  if (!pub) return std::unexpected(pub.error());
  return P256Point(pub->get());
}

Result<EvpPkeyPtr> PointKey(std::string_view point) {
  if (point.size() != kPointBytes) {
    return Fail(ErrorCode::kParse, "ephemeral key: not an uncompressed P-256 point");
  }
  std::unique_ptr<EVP_PKEY_CTX, OpenSslDeleter<EVP_PKEY_CTX_free>> ctx(
      EVP_PKEY_CTX_new_from_name(nullptr, "EC", nullptr));
  char group[] = "prime256v1";
  std::string bytes(point);
  OSSL_PARAM params[] = {
      OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, group, 0),
      OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY, bytes.data(), bytes.size()),
      OSSL_PARAM_construct_end()};
  EVP_PKEY* pkey = nullptr;
  if (!ctx || EVP_PKEY_fromdata_init(ctx.get()) != 1 ||
      EVP_PKEY_fromdata(ctx.get(), &pkey, EVP_PKEY_PUBLIC_KEY, params) != 1) {
    return detail::FailWithOpenSsl(ErrorCode::kParse, "ephemeral key: not a P-256 point");
  }
  return EvpPkeyPtr(pkey);
}

// ECDH shared secret. `own` may be a token key: the libp11 engine runs the derivation in the
// token (CKM_ECDH1_DERIVE), the private key never leaves it.
Result<KeyBytes> Ecdh(EVP_PKEY* own, EVP_PKEY* peer) {
  PkeyCtxPtr ctx(EVP_PKEY_CTX_new(own, nullptr));
  size_t len = 0;
  if (!ctx || EVP_PKEY_derive_init(ctx.get()) != 1 ||
      EVP_PKEY_derive_set_peer(ctx.get(), peer) != 1 ||
      EVP_PKEY_derive(ctx.get(), nullptr, &len) != 1 || len != kKeyBytes) {
    return detail::FailWithOpenSsl(ErrorCode::kInternal, "ECDH with the wrapping key failed");
  }
  KeyBytes z{};
  if (EVP_PKEY_derive(ctx.get(), z.data(), &len) != 1 || len != kKeyBytes) {
    return detail::FailWithOpenSsl(ErrorCode::kInternal, "ECDH with the wrapping key failed");
  }
  return z;
}

Result<KeyBytes> Hkdf(const KeyBytes& z, std::string_view salt, std::string_view info) {
  static EVP_KDF* kdf = EVP_KDF_fetch(nullptr, "HKDF", nullptr);
  KdfCtxPtr ctx(kdf != nullptr ? EVP_KDF_CTX_new(kdf) : nullptr);
  char digest[] = "SHA256";
  std::string salt_copy(salt);
  std::string info_copy(info);
  KeyBytes ikm = z;
  OSSL_PARAM params[] = {
      OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, digest, 0),
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, ikm.data(), ikm.size()),
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT, salt_copy.data(), salt_copy.size()),
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, info_copy.data(), info_copy.size()),
      OSSL_PARAM_construct_end()};
  KeyBytes out{};
  const bool ok = ctx && EVP_KDF_derive(ctx.get(), out.data(), out.size(), params) == 1;
  OPENSSL_cleanse(ikm.data(), ikm.size());
  if (!ok) return detail::FailWithOpenSsl(ErrorCode::kInternal, "HKDF failed");
  return out;
}

// RFC 5649 (AES key wrap with padding): wrapping (`wrap`) or unwrapping a 32-byte key.
Result<std::string> KeyWrap(const KeyBytes& kek, std::string_view in, bool wrap) {
  CipherCtxPtr ctx(EVP_CIPHER_CTX_new());
  if (!ctx) return Fail(ErrorCode::kInternal, "out of memory");
  EVP_CIPHER_CTX_set_flags(ctx.get(), EVP_CIPHER_CTX_FLAG_WRAP_ALLOW);
  std::string out(in.size() + 16, '\0');
  int len = 0;
  int tail = 0;
  auto* o = reinterpret_cast<unsigned char*>(out.data());
  const auto* i = reinterpret_cast<const unsigned char*>(in.data());
  const int n = static_cast<int>(in.size());
  const bool ok =
      wrap ? EVP_EncryptInit_ex2(ctx.get(), KeyWrapPad(), kek.data(), nullptr, nullptr) == 1 &&
                 EVP_EncryptUpdate(ctx.get(), o, &len, i, n) == 1 &&
                 EVP_EncryptFinal_ex(ctx.get(), o + len, &tail) == 1
           : EVP_DecryptInit_ex2(ctx.get(), KeyWrapPad(), kek.data(), nullptr, nullptr) == 1 &&
                 EVP_DecryptUpdate(ctx.get(), o, &len, i, n) == 1 &&
                 EVP_DecryptFinal_ex(ctx.get(), o + len, &tail) == 1;
  if (!ok) {
    OPENSSL_cleanse(out.data(), out.size());
    detail::TakeOpenSslErrors();
    return Fail(wrap ? ErrorCode::kInternal : ErrorCode::kVerification,
                wrap ? "key wrap failed" : "integrity check failed");
  }
  out.resize(static_cast<size_t>(len + tail));
  return out;
}

// 96-bit random nonces (NIST SP 800-38D 8.2.2: at most 2^32 sealings per data key; rotate well
// before). One RAND_bytes call costs ~2 us in OpenSSL 3, as much as sealing a 700-byte body, so
// random bytes are drawn 4 KiB at a time per thread. The buffer is dropped in a forked child: a
// child reusing its parent's unread bytes would repeat nonces under the same key.
bool RandomNonce(unsigned char* nonce) {
  struct Pool {
    std::array<unsigned char, 4096> bytes{};
    size_t used = 4096;
    pid_t pid = 0;
  };
  thread_local Pool pool;
  const pid_t pid = ::getpid();
  if (pool.used + kNonceBytes > pool.bytes.size() || pool.pid != pid) {
    if (RAND_bytes(pool.bytes.data(), static_cast<int>(pool.bytes.size())) != 1) return false;
    pool.used = 0;
    pool.pid = pid;
  }
  std::copy_n(pool.bytes.data() + pool.used, kNonceBytes, nonce);
  OPENSSL_cleanse(pool.bytes.data() + pool.used, kNonceBytes);  // never handed out twice
  pool.used += kNonceBytes;
  return true;
}

std::string RoleInfo(const std::string& keyring_id, std::string_view role) {
  return "socmesh at-rest v1 " + keyring_id + " " + std::string(role);
}

std::string DataKeyRole(DataKeyId id) { return "data-key " + std::to_string(id); }

}  // namespace

struct AtRestKeyring::Secrets {
  KeyBytes z{};           // ECDH secret of the current wrapping
  std::string ephemeral;  // E.point
  std::string wrapping;   // W.point
  KeyBytes index_key{};
  std::map<DataKeyId, KeyBytes> data_keys;
  // Keyed with index_key once; each Blind re-initialises it without a key (OpenSSL then reuses
  // the key's precomputed pads) — a fresh context per call costs ~2 us, as much as a seal.
  MacCtxPtr hmac;
  std::mutex hmac_mu;

  ~Secrets() {
    OPENSSL_cleanse(z.data(), z.size());
    OPENSSL_cleanse(index_key.data(), index_key.size());
    for (auto& [id, key] : data_keys) OPENSSL_cleanse(key.data(), key.size());
  }

  Result<KeyBytes> Kek(const std::string& keyring_id, std::string_view role) const {
    return Hkdf(z, ephemeral + wrapping, RoleInfo(keyring_id, role));
  }

  Result<void> PrepareHmac() {
    static EVP_MAC* mac = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
    hmac.reset(mac != nullptr ? EVP_MAC_CTX_new(mac) : nullptr);
    char digest[] = "SHA256";
    OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0),
                           OSSL_PARAM_construct_end()};
    if (!hmac || EVP_MAC_init(hmac.get(), index_key.data(), index_key.size(), params) != 1) {
      return detail::FailWithOpenSsl(ErrorCode::kInternal, "HMAC set-up failed");
    }
    return {};
  }

  // A fresh ephemeral key agreed with `wrapping_key`: sets z, ephemeral and wrapping.
  Result<void> AgreeWith(const Key& wrapping_key) {
    auto point = WrappingPoint(wrapping_key);
    if (!point) return std::unexpected(point.error());
    auto w = PointKey(*point);
    if (!w) return std::unexpected(w.error());
    EvpPkeyPtr e(EVP_EC_gen("P-256"));
    if (!e) return detail::FailWithOpenSsl(ErrorCode::kInternal, "ephemeral key generation");
    auto e_point = P256Point(e.get());
    if (!e_point) return std::unexpected(e_point.error());
    auto secret = Ecdh(e.get(), w->get());
    if (!secret) return std::unexpected(secret.error());
    z = *secret;
    OPENSSL_cleanse(secret->data(), secret->size());
    ephemeral = std::move(*e_point);
    wrapping = std::move(*point);
    return {};
  }
};

AtRestKeyring::AtRestKeyring() : secrets_(std::make_unique<Secrets>()) {}
AtRestKeyring::AtRestKeyring(AtRestKeyring&&) noexcept = default;
AtRestKeyring& AtRestKeyring::operator=(AtRestKeyring&&) noexcept = default;
AtRestKeyring::~AtRestKeyring() = default;

Result<AtRestKeyring> AtRestKeyring::Create(const Key& wrapping_key) {
  AtRestKeyring k;
  if (auto r = k.secrets_->AgreeWith(wrapping_key); !r) return std::unexpected(r.error());
  std::array<uint8_t, 16> id{};
  if (RAND_bytes(id.data(), static_cast<int>(id.size())) != 1) {
    return detail::FailWithOpenSsl(ErrorCode::kInternal, "random keyring id");
  }
  k.keyring_id_ = Hex(id);
  k.wrapping_location_ = wrapping_key.location();
  auto index = RandomKey();
  auto data = RandomKey();
  if (!index || !data) return std::unexpected(!index ? index.error() : data.error());
  k.secrets_->index_key = *index;
  k.secrets_->data_keys[1] = *data;
  OPENSSL_cleanse(index->data(), index->size());
  OPENSSL_cleanse(data->data(), data->size());
  k.current_ = 1;
  if (auto r = k.secrets_->PrepareHmac(); !r) return std::unexpected(r.error());
  if (auto r = k.Serialize(); !r) return std::unexpected(r.error());
  return k;
}

Result<void> AtRestKeyring::Serialize() {
  const Secrets& s = *secrets_;
  auto wrap = [&](std::string_view role, const KeyBytes& key) -> Result<std::string> {
    auto kek = s.Kek(keyring_id_, role);
    if (!kek) return std::unexpected(kek.error());
    auto wrapped = KeyWrap(*kek, AsText(key), true);
    OPENSSL_cleanse(kek->data(), kek->size());
    if (!wrapped) return std::unexpected(wrapped.error());
    return detail::Base64Encode(*wrapped);
  };
  // Keys in sorted order: the document is RFC 8785 canonical text.
  std::string out = "{";
  detail::AppendUintField(out, "current_key", current_);
  detail::AppendKey(out, "data_keys");
  out += "[";
  for (const auto& [id, key] : s.data_keys) {
    auto wrapped = wrap(DataKeyRole(id), key);
    if (!wrapped) return std::unexpected(wrapped.error());
    if (out.back() != '[') out += ",";
    out += "{";
    detail::AppendUintField(out, "id", id);
    detail::AppendStringField(out, "wrapped", *wrapped);
    out += "}";
  }
  out += "]";
  detail::AppendStringField(out, "ephemeral_key", detail::Base64Encode(s.ephemeral));
  auto index = wrap("index-key", s.index_key);
  if (!index) return std::unexpected(index.error());
  detail::AppendStringField(out, "index_key", *index);
  detail::AppendStringField(out, "keyring_id", keyring_id_);
  detail::AppendStringField(out, "type", kDocumentType);
  detail::AppendUintField(out, "version", 1);
  detail::AppendKey(out, "wrapping_key");
  out += "{";
  detail::AppendStringField(out, "location", wrapping_location_);
  detail::AppendStringField(out, "public_key", detail::Base64Encode(s.wrapping));
  out += "}}";
  document_ = std::move(out);
  return {};
}

Result<AtRestKeyring> AtRestKeyring::Unlock(std::string_view document, const Key& wrapping_key) {
  auto parsed = detail::ParseWire(document, kMaxDocumentBytes, "at-rest keyring");
  if (!parsed) return std::unexpected(parsed.error());
  auto top = detail::WireObject::From(*parsed, "$",
                                      {"current_key", "data_keys", "ephemeral_key", "index_key",
                                       "keyring_id", "type", "version", "wrapping_key"});
  if (!top) return std::unexpected(top.error());
  auto type = top->String("type");
  auto version = top->Uint("version", kMaxKeyId);
  if (!type || !version) return std::unexpected(!type ? type.error() : version.error());
  if (*type != kDocumentType || *version != 1) {
    return Fail(ErrorCode::kParse, "at-rest keyring: not a version 1 socmesh keyring document");
  }
  auto wrapping_element = top->Element("wrapping_key");
  if (!wrapping_element) return std::unexpected(wrapping_element.error());
  auto wrapping =
      detail::WireObject::From(*wrapping_element, "$.wrapping_key", {"location", "public_key"});
  if (!wrapping) return std::unexpected(wrapping.error());
  auto location = wrapping->String("location");
  auto public_b64 = wrapping->String("public_key");
  auto keyring_id = top->String("keyring_id");
  auto current = top->Uint("current_key", kMaxKeyId);
  auto ephemeral_b64 = top->String("ephemeral_key");
  auto index_b64 = top->String("index_key");
  auto data_keys = top->Array("data_keys");
  for (const Error* e :
       {location ? nullptr : &location.error(), public_b64 ? nullptr : &public_b64.error(),
        keyring_id ? nullptr : &keyring_id.error(), current ? nullptr : &current.error(),
        ephemeral_b64 ? nullptr : &ephemeral_b64.error(), index_b64 ? nullptr : &index_b64.error(),
        data_keys ? nullptr : &data_keys.error()}) {
    if (e != nullptr) return std::unexpected(e->WithContext("at-rest keyring"));
  }
  auto expected_point = detail::Base64Decode(*public_b64, "$.wrapping_key.public_key");
  auto ephemeral = detail::Base64Decode(*ephemeral_b64, "$.ephemeral_key");
  if (!expected_point || !ephemeral) {
    return std::unexpected((!expected_point ? expected_point.error() : ephemeral.error())
                               .WithContext("at-rest keyring"));
  }

  AtRestKeyring k;
  Secrets& s = *k.secrets_;
  k.keyring_id_ = std::string(*keyring_id);
  k.wrapping_location_ = std::string(*location);
  k.current_ = static_cast<DataKeyId>(*current);
  auto point = WrappingPoint(wrapping_key);
  if (!point) return std::unexpected(point.error());
  if (*point != *expected_point) {
    return Fail(ErrorCode::kVerification, "at-rest keyring " + k.keyring_id_ +
                                              " is wrapped for the key at " + k.wrapping_location_ +
                                              ", not for " + wrapping_key.location());
  }
  auto e = PointKey(*ephemeral);
  if (!e) return std::unexpected(e.error().WithContext("at-rest keyring"));
  auto z = Ecdh(wrapping_key.pkey(), e->get());
  if (!z) return std::unexpected(z.error());
  s.z = *z;
  OPENSSL_cleanse(z->data(), z->size());
  s.ephemeral = std::move(*ephemeral);
  s.wrapping = std::move(*point);

  auto unwrap = [&](std::string_view role, std::string_view b64,
                    const std::string& path) -> Result<KeyBytes> {
    auto wrapped = detail::Base64Decode(b64, path);
    if (!wrapped) return std::unexpected(wrapped.error().WithContext("at-rest keyring"));
    auto kek = s.Kek(k.keyring_id_, role);
    if (!kek) return std::unexpected(kek.error());
    auto key = KeyWrap(*kek, *wrapped, false);
    OPENSSL_cleanse(kek->data(), kek->size());
    if (!key || key->size() != kKeyBytes) {
      if (key) OPENSSL_cleanse(key->data(), key->size());
      return Fail(ErrorCode::kVerification, "at-rest keyring " + k.keyring_id_ + ": " + path +
                                                " does not unwrap (altered, or another key)");
    }
    KeyBytes out{};
    std::copy(key->begin(), key->end(), reinterpret_cast<char*>(out.data()));
    OPENSSL_cleanse(key->data(), key->size());
    return out;
  };
  auto index = unwrap("index-key", *index_b64, "$.index_key");
  if (!index) return std::unexpected(index.error());
  s.index_key = *index;
  size_t position = 0;
  for (simdjson::dom::element item : *data_keys) {
    const std::string path = "$.data_keys[" + std::to_string(position++) + "]";
    auto entry = detail::WireObject::From(item, path, {"id", "wrapped"});
    if (!entry) return std::unexpected(entry.error().WithContext("at-rest keyring"));
    auto id = entry->Uint("id", kMaxKeyId);
    auto wrapped = entry->String("wrapped");
    if (!id || !wrapped) {
      return std::unexpected((!id ? id.error() : wrapped.error()).WithContext("at-rest keyring"));
    }
    if (*id == 0 || s.data_keys.contains(static_cast<DataKeyId>(*id))) {
      return Fail(ErrorCode::kParse, "at-rest keyring: " + path + ": zero or repeated key id");
    }
    auto key = unwrap(DataKeyRole(static_cast<DataKeyId>(*id)), *wrapped, path + ".wrapped");
    if (!key) return std::unexpected(key.error());
    s.data_keys[static_cast<DataKeyId>(*id)] = *key;
  }
  if (!s.data_keys.contains(k.current_)) {
    return Fail(ErrorCode::kParse, "at-rest keyring: current_key " + std::to_string(k.current_) +
                                       " is not among data_keys");
  }
  if (auto r = s.PrepareHmac(); !r) return std::unexpected(r.error());
  k.document_ = std::string(document);
  return k;
}

std::vector<DataKeyId> AtRestKeyring::key_ids() const {
  std::vector<DataKeyId> ids;
  for (const auto& [id, key] : secrets_->data_keys) ids.push_back(id);
  return ids;
}

bool AtRestKeyring::HasKey(DataKeyId id) const { return secrets_->data_keys.contains(id); }

Result<DataKeyId> AtRestKeyring::Rotate() {
  const DataKeyId next = secrets_->data_keys.rbegin()->first + 1;
  if (next == 0) return Fail(ErrorCode::kTooLarge, "data key ids exhausted");
  auto key = RandomKey();
  if (!key) return std::unexpected(key.error());
  secrets_->data_keys[next] = *key;
  OPENSSL_cleanse(key->data(), key->size());
  const DataKeyId previous = current_;
  current_ = next;
  if (auto r = Serialize(); !r) {
    current_ = previous;
    secrets_->data_keys.erase(next);
    return std::unexpected(r.error());
  }
  return next;
}

Result<void> AtRestKeyring::Retire(DataKeyId id) {
  if (id == current_) {
    return Fail(ErrorCode::kInvalidArgument,
                "data key " + std::to_string(id) + " is current and cannot be retired");
  }
  auto it = secrets_->data_keys.find(id);
  if (it == secrets_->data_keys.end()) {
    return Fail(ErrorCode::kNotFound, "no data key " + std::to_string(id));
  }
  OPENSSL_cleanse(it->second.data(), it->second.size());
  secrets_->data_keys.erase(it);
  return Serialize();
}

Result<void> AtRestKeyring::Rewrap(const Key& new_wrapping_key) {
  Secrets& s = *secrets_;
  const KeyBytes old_z = s.z;
  std::string old_ephemeral = s.ephemeral;
  std::string old_wrapping = s.wrapping;
  std::string old_location = wrapping_location_;
  std::string old_document = document_;
  auto restore = [&](const Error& e) -> Result<void> {
    s.z = old_z;
    s.ephemeral = old_ephemeral;
    s.wrapping = old_wrapping;
    wrapping_location_ = old_location;
    document_ = old_document;
    return std::unexpected(e);
  };
  if (auto r = s.AgreeWith(new_wrapping_key); !r) return restore(r.error());
  wrapping_location_ = new_wrapping_key.location();
  if (auto r = Serialize(); !r) return restore(r.error());
  // Proof before replacing anything: the new key opens the new document to the same keys.
  auto check = Unlock(document_, new_wrapping_key);
  if (!check) return restore(check.error().WithContext("rewrapped keyring does not open"));
  if (check->secrets_->index_key != s.index_key || check->secrets_->data_keys != s.data_keys) {
    return restore(Error{ErrorCode::kInternal, "rewrapped keyring opens to other keys"});
  }
  return {};
}

Result<std::string> AtRestKeyring::Seal(std::string_view plaintext, std::string_view aad) const {
  const KeyBytes& key = secrets_->data_keys.at(current_);
  std::string out(kNonceBytes + plaintext.size() + kTagBytes, '\0');
  auto* nonce = reinterpret_cast<unsigned char*>(out.data());
  if (!RandomNonce(nonce)) return detail::FailWithOpenSsl(ErrorCode::kInternal, "random nonce");
  CipherCtxPtr ctx(EVP_CIPHER_CTX_new());
  int len = 0;
  int tail = 0;
  if (!ctx || EVP_EncryptInit_ex2(ctx.get(), Gcm(), key.data(), nonce, nullptr) != 1 ||
      EVP_EncryptUpdate(ctx.get(), nullptr, &len,
                        reinterpret_cast<const unsigned char*>(aad.data()),
                        static_cast<int>(aad.size())) != 1 ||
      EVP_EncryptUpdate(ctx.get(), nonce + kNonceBytes, &len,
                        reinterpret_cast<const unsigned char*>(plaintext.data()),
                        static_cast<int>(plaintext.size())) != 1 ||
      EVP_EncryptFinal_ex(ctx.get(), nonce + kNonceBytes + len, &tail) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, kTagBytes,
                          nonce + kNonceBytes + plaintext.size()) != 1) {
    return detail::FailWithOpenSsl(ErrorCode::kInternal, "AES-256-GCM encryption failed");
  }
  return out;
}

Result<std::string> AtRestKeyring::Open(DataKeyId id, std::span<const uint8_t> sealed,
                                        std::string_view aad) const {
  auto it = secrets_->data_keys.find(id);
  if (it == secrets_->data_keys.end()) {
    return Fail(ErrorCode::kNotFound,
                "keyring " + keyring_id_ + " has no data key " + std::to_string(id));
  }
  if (sealed.size() < kNonceBytes + kTagBytes) {
    return Fail(ErrorCode::kVerification, "sealed data is shorter than nonce and tag");
  }
  const size_t n = sealed.size() - kNonceBytes - kTagBytes;
  std::string out(n, '\0');
  std::array<unsigned char, kTagBytes> tag{};
  std::copy_n(sealed.data() + kNonceBytes + n, kTagBytes, tag.data());
  CipherCtxPtr ctx(EVP_CIPHER_CTX_new());
  int len = 0;
  int tail = 0;
  if (!ctx ||
      EVP_DecryptInit_ex2(ctx.get(), Gcm(), it->second.data(), sealed.data(), nullptr) != 1 ||
      EVP_DecryptUpdate(ctx.get(), nullptr, &len,
                        reinterpret_cast<const unsigned char*>(aad.data()),
                        static_cast<int>(aad.size())) != 1 ||
      EVP_DecryptUpdate(ctx.get(), reinterpret_cast<unsigned char*>(out.data()), &len,
                        sealed.data() + kNonceBytes, static_cast<int>(n)) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, kTagBytes, tag.data()) != 1) {
    return detail::FailWithOpenSsl(ErrorCode::kInternal, "AES-256-GCM decryption failed");
  }
  if (EVP_DecryptFinal_ex(ctx.get(), reinterpret_cast<unsigned char*>(out.data()) + len, &tail) !=
      1) {
    // Nothing of an unauthenticated plaintext may reach the caller.
    OPENSSL_cleanse(out.data(), out.size());
    detail::TakeOpenSslErrors();
    return Fail(ErrorCode::kVerification,
                "AES-256-GCM tag does not verify under data key " + std::to_string(id));
  }
  return out;
}

Result<BlindValue> AtRestKeyring::Blind(std::string_view domain, std::string_view value) const {
  BlindValue out{};
  std::lock_guard lock(secrets_->hmac_mu);
  EVP_MAC_CTX* ctx = secrets_->hmac.get();
  const unsigned char zero = 0;
  size_t len = 0;
  if (EVP_MAC_init(ctx, nullptr, 0, nullptr) != 1 ||
      EVP_MAC_update(ctx, reinterpret_cast<const unsigned char*>(domain.data()), domain.size()) !=
          1 ||
      EVP_MAC_update(ctx, &zero, 1) != 1 ||
      EVP_MAC_update(ctx, reinterpret_cast<const unsigned char*>(value.data()), value.size()) !=
          1 ||
      EVP_MAC_final(ctx, out.data(), &len, out.size()) != 1) {
    return detail::FailWithOpenSsl(ErrorCode::kInternal, "HMAC-SHA-256 failed");
  }
  return out;
}

}  // namespace socmesh::crypto
