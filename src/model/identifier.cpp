#include "model/identifier.hpp"

#include <openssl/evp.h>
#include <openssl/rand.h>

#include <cstring>
#include <memory>

namespace socmesh::model {

const Uuid kStixScoNamespace = {0x00, 0xab, 0xed, 0xb4, 0xaa, 0x42, 0x46, 0x6c,
                                0x9c, 0x01, 0xfe, 0xd2, 0x33, 0x15, 0xa9, 0xb7};

namespace {

bool IsLowerAlnum(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }

bool IsHex(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return c - 'A' + 10;
}

// Quotes at most 80 characters of untrusted input in an error message.
std::string Quote(std::string_view s) {
  constexpr size_t kMax = 80;
  std::string out = "\"";
  out.append(s.substr(0, kMax));
  if (s.size() > kMax) out.append("…");
  out.push_back('"');
  return out;
}

}  // namespace

bool IsValidTypeName(std::string_view type) {
  if (type.size() < 3 || type.size() > 250) return false;
  if (!(type[0] >= 'a' && type[0] <= 'z')) return false;
  if (type.back() == '-') return false;
  for (size_t i = 0; i < type.size(); ++i) {
    char c = type[i];
    if (c == '-') {
      if (i + 1 < type.size() && type[i + 1] == '-') return false;
    } else if (!IsLowerAlnum(c)) {
      return false;
    }
  }
  return true;
}

Result<Identifier> ParseIdentifier(std::string_view id) {
  size_t sep = id.find("--");
  if (sep == std::string_view::npos) {
    return Fail(ErrorCode::kInvalidStix,
                "identifier " + Quote(id) + " is not of the form <type>--<UUID>");
  }
  Identifier out;
  out.type = id.substr(0, sep);
  out.uuid = id.substr(sep + 2);
  if (!IsValidTypeName(out.type)) {
    return Fail(ErrorCode::kInvalidStix,
                "identifier " + Quote(id) + " has an invalid type part " + Quote(out.type));
  }
  const std::string_view u = out.uuid;
  bool shape = u.size() == 36;
  for (size_t i = 0; shape && i < u.size(); ++i) {
    bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    shape = dash ? u[i] == '-' : IsHex(u[i]);
  }
  if (!shape) {
    return Fail(ErrorCode::kInvalidStix,
                "identifier " + Quote(id) + " does not end in a UUID (8-4-4-4-12 hex digits)");
  }
  out.uuid_version = HexValue(u[14]);
  if (out.uuid_version < 1 || out.uuid_version > 5) {
    return Fail(ErrorCode::kInvalidStix, "identifier " + Quote(id) + " has UUID version " +
                                             std::string(1, u[14]) + ", expected 1-5 (RFC 4122)");
  }
  char variant = u[19];
  if (!(variant == '8' || variant == '9' || variant == 'a' || variant == 'b' || variant == 'A' ||
        variant == 'B')) {
    return Fail(ErrorCode::kInvalidStix,
                "identifier " + Quote(id) + " is not an RFC 4122 variant UUID");
  }
  return out;
}

std::string FormatUuid(const Uuid& uuid) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(36);
  for (size_t i = 0; i < uuid.size(); ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) out.push_back('-');
    out.push_back(kDigits[uuid[i] >> 4]);
    out.push_back(kDigits[uuid[i] & 0xf]);
  }
  return out;
}

Uuid NewUuidV4() {
  Uuid u{};
  // RAND_bytes only fails when the CSPRNG cannot be seeded; a predictable id would be worse than
  // stopping, and callers cannot do anything sensible about it.
  if (RAND_bytes(u.data(), static_cast<int>(u.size())) != 1) std::abort();
  u[6] = static_cast<uint8_t>((u[6] & 0x0f) | 0x40);
  u[8] = static_cast<uint8_t>((u[8] & 0x3f) | 0x80);
  return u;
}

Uuid UuidV5(const Uuid& name_space, std::string_view name) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  // Fetch SHA-1 once and keep one context per thread: importers derive an id per SCO, and an
  // implicit fetch plus a context allocation per call cost more than hashing a short name.
  static EVP_MD* const sha1 = EVP_MD_fetch(nullptr, "SHA1", nullptr);
  thread_local const std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> context(
      EVP_MD_CTX_new(), &EVP_MD_CTX_free);
  EVP_MD_CTX* ctx = context.get();
  bool ok = sha1 != nullptr && ctx != nullptr && EVP_DigestInit_ex(ctx, sha1, nullptr) == 1 &&
            EVP_DigestUpdate(ctx, name_space.data(), name_space.size()) == 1 &&
            EVP_DigestUpdate(ctx, name.data(), name.size()) == 1 &&
            EVP_DigestFinal_ex(ctx, digest, &len) == 1;
  if (!ok) std::abort();  // SHA-1 from the default provider does not fail short of OOM
  Uuid u{};
  std::memcpy(u.data(), digest, u.size());
  u[6] = static_cast<uint8_t>((u[6] & 0x0f) | 0x50);
  u[8] = static_cast<uint8_t>((u[8] & 0x3f) | 0x80);
  return u;
}

}  // namespace socmesh::model
