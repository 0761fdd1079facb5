#include "identity/detail/token_secret.hpp"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include <algorithm>

namespace socmesh::identity::detail {
namespace {

std::string Hex(const unsigned char* p, size_t n) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(2 * n);
  for (size_t i = 0; i < n; ++i) {
    out += kDigits[p[i] >> 4];
    out += kDigits[p[i] & 15];
  }
  return out;
}

}  // namespace

Result<FreshToken> MakeToken() {
  unsigned char id[8], secret[32];
  FreshToken t;
  if (RAND_bytes(id, sizeof id) != 1 || RAND_bytes(secret, sizeof secret) != 1 ||
      RAND_bytes(t.salt.data(), static_cast<int>(t.salt.size())) != 1) {
    return Fail(ErrorCode::kInternal, "random number generator failed: no token issued");
  }
  t.id = Hex(id, sizeof id);
  t.secret = Hex(secret, sizeof secret);
  return t;
}

SecretHash HashSecret(const Salt& salt, std::string_view secret) {
  SecretHash out{};
  unsigned int len = 0;
  HMAC(EVP_sha256(), salt.data(), static_cast<int>(salt.size()),
       reinterpret_cast<const unsigned char*>(secret.data()), secret.size(), out.data(), &len);
  return out;
}

bool WellFormedTokenId(std::string_view id) {
  return id.size() == 16 && std::ranges::all_of(id, [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
         });
}

}  // namespace socmesh::identity::detail
