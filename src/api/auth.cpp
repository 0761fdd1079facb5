#include "api/auth.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

namespace socmesh::api {
namespace {

std::string Hex(const unsigned char* p, size_t n) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  for (size_t i = 0; i < n; ++i) {
    out += kDigits[p[i] >> 4];
    out += kDigits[p[i] & 15];
  }
  return out;
}

std::vector<unsigned char> SaltedHash(const std::vector<unsigned char>& salt,
                                      std::string_view secret) {
  std::vector<unsigned char> out(32);
  unsigned int len = 0;
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  EVP_DigestInit_ex(ctx, EVP_sha256(), nullptr);
  EVP_DigestUpdate(ctx, salt.data(), salt.size());
  EVP_DigestUpdate(ctx, secret.data(), secret.size());
  EVP_DigestFinal_ex(ctx, out.data(), &len);
  EVP_MD_CTX_free(ctx);
  return out;
}

}  // namespace

void Authenticator::SetOrganisationRole(std::string organisation, Role role) {
  std::lock_guard lock(mutex_);
  organisation_roles_[std::move(organisation)] = role;
}

std::string Authenticator::IssueToken(const std::string& user, const std::string& organisation,
                                      Role role) {
  unsigned char id[8], secret[32];
  TokenRecord record{user, organisation, role, std::vector<unsigned char>(16), {}};
  RAND_bytes(id, sizeof id);
  RAND_bytes(secret, sizeof secret);
  RAND_bytes(record.salt.data(), static_cast<int>(record.salt.size()));
  std::string secret_hex = Hex(secret, sizeof secret);
  record.hash = SaltedHash(record.salt, secret_hex);
  std::string token_id = Hex(id, sizeof id);
  std::lock_guard lock(mutex_);
  tokens_[token_id] = std::move(record);
  return token_id + "." + secret_hex;
}

bool Authenticator::RevokeToken(std::string_view token_id, std::string_view organisation) {
  std::lock_guard lock(mutex_);
  auto it = tokens_.find(token_id);
  if (it == tokens_.end() || it->second.organisation != organisation) return false;
  tokens_.erase(it);
  return true;
}

Result<Caller> Authenticator::Authenticate(const net::Request& request) const {
  if (!request.peer || request.peer->organisation.empty()) {
    return Fail(ErrorCode::kPermission,
                "a client certificate with an organisation (O) is required");
  }
  Caller caller{request.peer->organisation, request.peer->country, "", default_role_};
  std::lock_guard lock(mutex_);
  if (auto it = organisation_roles_.find(caller.organisation); it != organisation_roles_.end()) {
    caller.role = it->second;
  }
  auto authorization = request.headers.Get("Authorization");
  if (!authorization) return caller;
  constexpr std::string_view kBearer = "Bearer ";
  if (!authorization->starts_with(kBearer)) {
    return Fail(ErrorCode::kPermission, "Authorization: only Bearer tokens are accepted");
  }
  std::string_view token = authorization->substr(kBearer.size());
  size_t dot = token.find('.');
  if (dot == std::string_view::npos) {
    return Fail(ErrorCode::kPermission, "malformed API token");
  }
  auto it = tokens_.find(token.substr(0, dot));
  // Hash even for unknown ids so that timing does not tell which ids exist.
  static const std::vector<unsigned char> kDummySalt(16, 0);
  const auto& salt = it != tokens_.end() ? it->second.salt : kDummySalt;
  auto hash = SaltedHash(salt, token.substr(dot + 1));
  if (it == tokens_.end() || CRYPTO_memcmp(hash.data(), it->second.hash.data(), hash.size()) != 0) {
    return Fail(ErrorCode::kPermission, "unknown or wrong API token");
  }
  if (it->second.organisation != caller.organisation) {
    return Fail(ErrorCode::kPermission,
                "API token belongs to another organisation than the certificate");
  }
  caller.user = it->second.user;
  caller.role = it->second.role;
  return caller;
}

}  // namespace socmesh::api
