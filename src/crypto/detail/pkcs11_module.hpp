// Direct PKCS#11 calls into a module (SoftHSM2, a smart card, an HSM) for what the libp11 engine
// cannot do: generate an EC key pair in a token (libp11 0.4.12's PKCS11_generate_key makes RSA keys
// only) and tell a wrong PIN apart from other failures before the engine sees it (the engine only
// says "key not found", and libp11 0.4.12 has been seen to crash after a failed login).
#pragma once

#include <string>
#include <string_view>

#include "core/error.hpp"
#include "crypto/pkcs11_uri.hpp"

namespace socmesh::crypto::detail {

// A loaded and initialised module. Modules are process-wide (Cryptoki keeps global state per
// process, shared with the libp11 engine that dlopens the same file) and are never finalised:
// C_Finalize would close the engine's sessions under it.
class Pkcs11Module {
 public:
  // Loads `path` once per process. kNotFound if the file is missing, kUnsupported if it is not a
  // PKCS#11 module. Thread-safe.
  static Result<Pkcs11Module*> Get(const std::string& path);

  // Checks that the token named by `uri` exists and accepts `pin` as the user PIN.
  // kNotFound: no such token; kPermission: PIN incorrect or locked.
  Result<void> CheckPin(const Pkcs11Uri& uri, std::string_view pin);

  // Generates an ECDSA P-256 key pair in the token (private key sensitive, not extractable), with
  // CKA_LABEL = uri.object and CKA_ID = uri.id (random when empty). kConflict when a private key
  // with that label already exists; kPermission for a wrong PIN.
  Result<void> GenerateEcP256(const Pkcs11Uri& uri, std::string_view pin);

  const std::string& path() const { return path_; }

 private:
  Pkcs11Module(std::string path, void* handle, void* functions)
      : path_(std::move(path)), handle_(handle), functions_(functions) {}

  std::string path_;
  void* handle_;     // dlopen handle, never closed
  void* functions_;  // CK_FUNCTION_LIST*
};

}  // namespace socmesh::crypto::detail
