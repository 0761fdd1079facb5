// Internal to identity/: making and checking API token secrets.
#pragma once

#include <array>
#include <string>
#include <string_view>

#include "core/error.hpp"

namespace socmesh::identity::detail {

using Salt = std::array<unsigned char, 16>;
using SecretHash = std::array<unsigned char, 32>;

struct FreshToken {
  std::string id;      // 16 hex digits (64 random bits): finds the record, not secret
  std::string secret;  // 64 hex digits (256 random bits)
  Salt salt{};
};

// Random id, secret and salt from OpenSSL's CSPRNG. Errors: kInternal when it fails.
Result<FreshToken> MakeToken();

// HMAC-SHA256 with the salt as key. The secret has 256 bits of entropy, so a slow password hash
// would add cost per request and no security; the salt keeps equal secrets (there are none)
// and precomputation out.
SecretHash HashSecret(const Salt& salt, std::string_view secret);

// True when `id` could be a token id (16 lower-case hex digits) — checked before any lookup.
bool WellFormedTokenId(std::string_view id);

}  // namespace socmesh::identity::detail
