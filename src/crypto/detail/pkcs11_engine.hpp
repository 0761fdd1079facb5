// The libp11 OpenSSL engine, loaded programmatically (no openssl.cnf): turns a PKCS#11 URI into an
// EVP_PKEY whose operations run in the token.
#pragma once

#include <string>
#include <string_view>

#include "core/error.hpp"
#include "crypto/key.hpp"
#include "crypto/pkcs11_uri.hpp"

namespace socmesh::crypto::detail {

// Loads the private key named by `uri` through the engine bound to `module_path`. The engine is
// loaded once per process and bound to the first module asked for; another module is kUnsupported.
// The caller has checked the PIN (Pkcs11Module::CheckPin). Thread-safe.
Result<EvpPkeyPtr> LoadEnginePrivateKey(const Pkcs11Uri& uri, const std::string& module_path,
                                        std::string_view pin);

}  // namespace socmesh::crypto::detail
