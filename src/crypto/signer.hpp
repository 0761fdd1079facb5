// Who signs: a private key and its certificate, as OpenSSL handles. crypto::Key (key.hpp) yields
// the EVP_PKEY* for keys in files and in PKCS#11 tokens alike.
#pragma once

#include <vector>

#include "crypto/openssl_types.hpp"

namespace socmesh::crypto {

// Borrowed handles: the caller keeps them alive for the duration of the call they are passed to.
// The organisation that signs is the certificate subject's O= attribute (exactly one is required).
struct Signer {
  EVP_PKEY* key = nullptr;           // ECDSA P-256 (any key type CMS supports works)
  X509* certificate = nullptr;       // embedded in every signature so receivers need only the CA
  std::vector<X509*> intermediates;  // also embedded: the chain up to (not including) the root
};

}  // namespace socmesh::crypto
