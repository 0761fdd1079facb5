// Keys that sign and verify audit checkpoints: ECDSA P-256 with SHA-256, the algorithm the
// network's PKI issues (issue 4) and that `openssl dgst -sha256 -verify` checks.
//
// Until crypto::Key (files and PKCS#11 tokens) exists, the audit log takes OpenSSL EVP_PKEY*
// directly; these helpers load PEM files for the command line and the tests.
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

#include "core/error.hpp"

typedef struct evp_pkey_st EVP_PKEY;  // OpenSSL's own forward declaration (openssl/types.h)

namespace socmesh::audit {

struct PkeyDeleter {
  void operator()(EVP_PKEY* key) const;
};
using PkeyPtr = std::unique_ptr<EVP_PKEY, PkeyDeleter>;

// Loads an unencrypted PEM private key. Errors: kIo (unreadable), kParse (not a PEM private key),
// kUnsupported (not ECDSA P-256). The message names the file, never the key material.
Result<PkeyPtr> LoadPrivateKeyPem(const std::filesystem::path& path);

// Loads a PEM public key ("PUBLIC KEY") or the public key of a PEM X.509 certificate. Errors as
// LoadPrivateKeyPem.
Result<PkeyPtr> LoadPublicKeyPem(const std::filesystem::path& path);

// kUnsupported unless `key` is an EC key on P-256 (prime256v1).
Result<void> CheckP256(const EVP_PKEY* key);

// DER-encoded ECDSA signature of SHA-256(`message`). REQUIRES: `key` holds a private key.
Result<std::string> SignSha256(EVP_PKEY* key, std::string_view message);

// True iff `signature` (DER) is a valid ECDSA/SHA-256 signature of `message` under `key` (a public
// or private key).
bool VerifySha256(EVP_PKEY* key, std::string_view message, std::string_view signature);

// Standard base64 (RFC 4648 section 4, with padding, no line breaks), and back (kParse on anything
// else).
std::string Base64Encode(std::string_view bytes);
Result<std::string> Base64Decode(std::string_view text);

}  // namespace socmesh::audit
