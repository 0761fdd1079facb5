// One private key, wherever it lives: a PEM file or a PKCS#11 token (RFC 7512 URI). Everything that
// signs, authenticates TLS or unwraps keys (pki/, net/, envelopes, the audit log) holds a Key and
// never asks where it is.
//
//   auto key = crypto::Key::Load("pkcs11:token=node1;object=nodekey;type=private",
//                                {.pin = pin});
//   SSL_CTX_use_PrivateKey(ctx, key->pkey());
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "core/error.hpp"
#include "crypto/openssl_types.hpp"

namespace socmesh::crypto {

// The module SoftHSM2 installs on Debian; any other PKCS#11 module works the same way.
inline constexpr std::string_view kDefaultPkcs11Module = "/usr/lib/softhsm/libsofthsm2.so";
// Where the libp11 engine (Debian libengine-pkcs11-openssl) lives; loaded without openssl.cnf.
inline constexpr std::string_view kPkcs11EnginePath =
    "/usr/lib/x86_64-linux-gnu/engines-3/pkcs11.so";

struct KeyOptions {
  // Token user PIN, or the passphrase of an encrypted PEM file (empty: file not encrypted).
  // Never logged or put into error messages.
  std::string pin;
  // PKCS#11 module; empty: the URI's module-path, else kDefaultPkcs11Module.
  std::string module_path;
};

struct EvpPkeyFree {
  void operator()(EVP_PKEY* key) const;
};
using EvpPkeyPtr = std::unique_ptr<EVP_PKEY, EvpPkeyFree>;

class Key {
 public:
  // Loads the key at `location`: a "pkcs11:" URI or a PEM file path.
  // Errors: kNotFound (no file / token / object), kPermission (wrong or locked PIN, wrong
  // passphrase, key file readable by group or others), kParse (not a PEM private key),
  // kUnsupported (a module other than the one already loaded in this process).
  static Result<Key> Load(std::string_view location, const KeyOptions& options);

  // Generates an ECDSA P-256 key at `location` and loads it. A file is created with mode 0600
  // (encrypted with AES-256 when options.pin is set) and never overwritten (kConflict); in a token
  // the key pair is made by C_GenerateKeyPair (private key sensitive and not extractable), named by
  // the URI's object= (kConflict if a private key with that name exists).
  static Result<Key> Generate(std::string_view location, const KeyOptions& options);

  Key(Key&&) noexcept = default;
  Key& operator=(Key&&) noexcept = default;
  ~Key();

  // The OpenSSL key, for TLS (SSL_CTX_use_PrivateKey), CMS and X.509 signing. Owned by this Key;
  // valid while it lives. Thread-safety as OpenSSL's EVP_PKEY (token keys serialise in the module).
  EVP_PKEY* pkey() const { return pkey_.get(); }
  bool in_token() const { return in_token_; }
  // The file path or the URI (without any PIN): safe to log and to store.
  const std::string& location() const { return location_; }

  // ECDSA-SHA256 signature of `data`, DER-encoded (what `openssl dgst -sha256 -verify` checks).
  Result<std::string> Sign(std::string_view data) const;
  // The public key as a PEM "PUBLIC KEY" (SubjectPublicKeyInfo) block.
  Result<std::string> PublicKeyPem() const;

 private:
  Key(EvpPkeyPtr pkey, bool in_token, std::string location);

  EvpPkeyPtr pkey_;
  bool in_token_ = false;
  std::string location_;
};

// Checks a DER ECDSA-SHA256 signature made by Key::Sign. Returns false for a signature that does
// not verify (including malformed DER); errors only when the key cannot verify at all.
Result<bool> VerifySignature(EVP_PKEY* public_key, std::string_view data,
                             std::string_view signature);

// Reads a PEM public key ("PUBLIC KEY") from text.
Result<EvpPkeyPtr> ParsePublicKeyPem(std::string_view pem);

// Where a PIN comes from, first match wins: `pin` (an option), the first line of `pin_file`, the
// environment variable `env_name`. Empty when none is set. kIo if the file cannot be read.
Result<std::string> ResolvePin(std::string_view pin, const std::string& pin_file,
                               const char* env_name);

}  // namespace socmesh::crypto
