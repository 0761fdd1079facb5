#include "api/auth.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "identity/registry.hpp"

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

void Authenticator::Attach(std::shared_ptr<identity::Registry> registry) {
  std::lock_guard lock(mutex_);
  registry_ = std::move(registry);
}

std::shared_ptr<identity::Registry> Authenticator::registry() const {
  std::lock_guard lock(mutex_);
  return registry_;
}

void Authenticator::SetOperatorOrganisation(std::string organisation) {
  std::lock_guard lock(mutex_);
  operator_organisation_ = std::move(organisation);
}

bool Authenticator::IsNetworkAdmin(const Caller& caller) const {
  std::lock_guard lock(mutex_);
  return caller.role == Role::kAdmin && !operator_organisation_.empty() &&
         caller.organisation == operator_organisation_;
}

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
  std::shared_ptr<identity::Registry> registry;
  {
    std::lock_guard lock(mutex_);
    auto it = tokens_.find(token_id);
    if (it != tokens_.end() && it->second.organisation == organisation) {
      tokens_.erase(it);
      return true;
    }
    registry = registry_;
  }
  return registry && registry->RevokeToken(organisation, token_id).has_value();
}

Result<Caller> Authenticator::Authenticate(const net::Request& request) const {
  if (!request.peer || request.peer->organisation.empty()) {
    return Fail(ErrorCode::kPermission,
                "a client certificate with an organisation (O) is required");
  }
  Caller caller{request.peer->organisation, request.peer->country, "", default_role_};
  std::shared_ptr<identity::Registry> registry;
  {
    std::lock_guard lock(mutex_);
    if (auto it = organisation_roles_.find(caller.organisation); it != organisation_roles_.end()) {
      caller.role = it->second;
    }
    registry = registry_;
  }
  if (registry) {
    auto registered = registry->FindOrganisation(caller.organisation);
    if (!registered) return std::unexpected(registered.error());
    if (*registered) {
      if ((*registered)->country != caller.country) {
        return Fail(ErrorCode::kPermission,
                    "certificate country " + caller.country + " is not the registered country " +
                        (*registered)->country + " of " + caller.organisation);
      }
      caller.role = (*registered)->default_role;
    }
    auto groups = registry->GroupsOf(caller.organisation);
    if (!groups) return std::unexpected(groups.error());
    caller.sharing_groups = std::move(*groups);
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
  {
    std::lock_guard lock(mutex_);
    auto it = tokens_.find(token.substr(0, dot));
    if (it != tokens_.end() || !registry) {
      // Hash even for unknown ids so that timing does not tell which ids exist.
      static const std::vector<unsigned char> kDummySalt(16, 0);
      const auto& salt = it != tokens_.end() ? it->second.salt : kDummySalt;
      auto hash = SaltedHash(salt, token.substr(dot + 1));
      if (it == tokens_.end() ||
          CRYPTO_memcmp(hash.data(), it->second.hash.data(), hash.size()) != 0) {
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
  }
  auto holder = registry->VerifyToken(token);
  if (!holder) return std::unexpected(holder.error());
  if (holder->organisation != caller.organisation) {
    return Fail(ErrorCode::kPermission,
                "API token belongs to another organisation than the certificate");
  }
  caller.user = holder->user;
  caller.role = holder->role;
  return caller;
}

}  // namespace socmesh::api
