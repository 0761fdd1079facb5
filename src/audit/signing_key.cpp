#include "audit/signing_key.hpp"

#include <openssl/bio.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <cstdio>
#include <memory>

namespace socmesh::audit {

namespace {

struct FileCloser {
  void operator()(FILE* f) const { std::fclose(f); }
};

Result<std::unique_ptr<FILE, FileCloser>> OpenPem(const std::filesystem::path& path) {
  std::unique_ptr<FILE, FileCloser> f(std::fopen(path.c_str(), "rb"));
  if (!f) return Fail(ErrorCode::kIo, path.string() + ": cannot open key file");
  return f;
}

struct MdCtxFree {
  void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }
};

}  // namespace

void PkeyDeleter::operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }

Result<void> CheckP256(const EVP_PKEY* key) {
  if (key == nullptr) return Fail(ErrorCode::kInvalidArgument, "no key given");
  char group[64] = {};
  size_t len = 0;
  if (!EVP_PKEY_is_a(key, "EC") ||
      EVP_PKEY_get_utf8_string_param(key, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof(group), &len) !=
          1 ||
      std::string_view(group, len) != "prime256v1") {
    return Fail(ErrorCode::kUnsupported,
                "audit checkpoints are signed with ECDSA P-256; the key is of another type");
  }
  return {};
}

Result<PkeyPtr> LoadPrivateKeyPem(const std::filesystem::path& path) {
  auto f = OpenPem(path);
  if (!f) return std::unexpected(f.error());
  // A null passphrase callback with an empty string: an encrypted key fails instead of prompting
  // on the terminal (the CLI must not read secrets interactively from here).
  PkeyPtr key(PEM_read_PrivateKey(f->get(), nullptr, nullptr, const_cast<char*>("")));
  if (!key) return Fail(ErrorCode::kParse, path.string() + ": not an unencrypted PEM private key");
  if (auto ok = CheckP256(key.get()); !ok)
    return std::unexpected(ok.error().WithContext(path.string()));
  return key;
}

Result<PkeyPtr> LoadPublicKeyPem(const std::filesystem::path& path) {
  auto f = OpenPem(path);
  if (!f) return std::unexpected(f.error());
  PkeyPtr key(PEM_read_PUBKEY(f->get(), nullptr, nullptr, nullptr));
  if (!key) {
    std::rewind(f->get());
    X509* cert = PEM_read_X509(f->get(), nullptr, nullptr, nullptr);
    if (cert != nullptr) {
      key.reset(X509_get_pubkey(cert));
      X509_free(cert);
    }
  }
  if (!key) {
    return Fail(ErrorCode::kParse,
                path.string() + ": neither a PEM public key nor a PEM X.509 certificate");
  }
  if (auto ok = CheckP256(key.get()); !ok)
    return std::unexpected(ok.error().WithContext(path.string()));
  return key;
}

Result<std::string> SignSha256(EVP_PKEY* key, std::string_view message) {
  std::unique_ptr<EVP_MD_CTX, MdCtxFree> ctx(EVP_MD_CTX_new());
  size_t len = 0;
  if (!ctx || EVP_DigestSignInit(ctx.get(), nullptr, EVP_sha256(), nullptr, key) != 1 ||
      EVP_DigestSign(ctx.get(), nullptr, &len,
                     reinterpret_cast<const unsigned char*>(message.data()), message.size()) != 1) {
    return Fail(ErrorCode::kInvalidArgument, "cannot sign with the given key (not a private key?)");
  }
  std::string sig(len, '\0');
  if (EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(sig.data()), &len,
                     reinterpret_cast<const unsigned char*>(message.data()), message.size()) != 1) {
    return Fail(ErrorCode::kInternal, "ECDSA signing failed");
  }
  sig.resize(len);
  return sig;
}

bool VerifySha256(EVP_PKEY* key, std::string_view message, std::string_view signature) {
  if (key == nullptr) return false;
  std::unique_ptr<EVP_MD_CTX, MdCtxFree> ctx(EVP_MD_CTX_new());
  return ctx && EVP_DigestVerifyInit(ctx.get(), nullptr, EVP_sha256(), nullptr, key) == 1 &&
         EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char*>(signature.data()),
                          signature.size(), reinterpret_cast<const unsigned char*>(message.data()),
                          message.size()) == 1;
}

std::string Base64Encode(std::string_view bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3) + 1, '\0');
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(bytes.data()),
                                static_cast<int>(bytes.size()));
  out.resize(static_cast<size_t>(n));
  return out;
}

Result<std::string> Base64Decode(std::string_view text) {
  // EVP_DecodeBlock skips surrounding whitespace and ignores padding when counting; checking the
  // alphabet and the length first makes the accepted language exactly canonical padded base64.
  if (text.size() % 4 != 0) return Fail(ErrorCode::kParse, "base64: length not a multiple of 4");
  size_t pad = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    const bool alpha = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                       c == '+' || c == '/';
    if (c == '=' && i + 2 >= text.size()) {
      ++pad;
      continue;
    }
    if (!alpha || pad > 0) {
      return Fail(ErrorCode::kParse, "base64: invalid character at offset " + std::to_string(i));
    }
  }
  std::string out(text.size() / 4 * 3, '\0');
  const int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(text.data()),
                                static_cast<int>(text.size()));
  if (n < 0) return Fail(ErrorCode::kParse, "base64: cannot decode");
  out.resize(static_cast<size_t>(n) - pad);
  if (Base64Encode(out) != text) return Fail(ErrorCode::kParse, "base64: not in canonical form");
  return out;
}

}  // namespace socmesh::audit
