#include "crypto/key.hpp"

#include <fcntl.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <functional>
#include <memory>
#include <sstream>

#include "crypto/detail/pkcs11_engine.hpp"
#include "crypto/detail/pkcs11_module.hpp"
#include "crypto/pkcs11_uri.hpp"
#include "crypto/x509.hpp"

namespace socmesh::crypto {

namespace {

struct BioFree {
  void operator()(BIO* b) const { BIO_free_all(b); }
};
using BioPtr = std::unique_ptr<BIO, BioFree>;
struct MdCtxFree {
  void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }
};
using MdCtxPtr = std::unique_ptr<EVP_MD_CTX, MdCtxFree>;

std::string BioText(BIO* bio) {
  char* data = nullptr;
  long n = BIO_get_mem_data(bio, &data);
  return std::string(data, n > 0 ? static_cast<size_t>(n) : 0);
}

// PEM passphrase callback: hands OpenSSL the PIN for encrypted key files.
int PassphraseCallback(char* buf, int size, int /*rwflag*/, void* u) {
  const auto* pin = static_cast<const std::string*>(u);
  if (pin == nullptr || pin->empty()) return -1;  // encrypted but no passphrase: fail, no prompt
  int n = static_cast<int>(std::min<size_t>(pin->size(), static_cast<size_t>(size)));
  std::memcpy(buf, pin->data(), static_cast<size_t>(n));
  return n;
}

Result<std::string> ReadSmallFile(const std::string& path, const char* what) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Fail(ErrorCode::kNotFound, std::string(what) + " " + path + " cannot be opened");
  std::ostringstream ss;
  ss << in.rdbuf();
  if (!in.good() && !in.eof()) return Fail(ErrorCode::kIo, "cannot read " + path);
  return ss.str();
}

Result<Key> LoadFile(const std::string& path, const KeyOptions& options,
                     const std::function<Result<Key>(EvpPkeyPtr)>& make) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    return Fail(ErrorCode::kNotFound, "key file " + path + " does not exist");
  }
  // Like ssh: a private key others can read is a key that may be compromised already.
  if ((st.st_mode & 077) != 0) {
    return Fail(ErrorCode::kPermission,
                "key file " + path + " is accessible by group or others (chmod 600 it)");
  }
  auto pem = ReadSmallFile(path, "key file");
  if (!pem) return std::unexpected(pem.error());
  const bool encrypted = pem->find("-----BEGIN ENCRYPTED PRIVATE KEY-----") != std::string::npos ||
                         pem->find("Proc-Type: 4,ENCRYPTED") != std::string::npos;
  BioPtr bio(BIO_new_mem_buf(pem->data(), static_cast<int>(pem->size())));
  ERR_clear_error();
  EVP_PKEY* pkey = PEM_read_bio_PrivateKey(bio.get(), nullptr, PassphraseCallback,
                                           const_cast<std::string*>(&options.pin));
  OPENSSL_cleanse(pem->data(), pem->size());
  if (pkey == nullptr) {
    std::string why = OpenSslErrors();
    // OpenSSL 3's decoders report a wrong passphrase under several libraries and reasons; the
    // PEM headers say reliably whether a passphrase was needed at all.
    if (encrypted) {
      return Fail(ErrorCode::kPermission, "key file " + path + ": wrong or missing passphrase");
    }
    return Fail(ErrorCode::kParse, "key file " + path + " holds no PEM private key: " + why);
  }
  return make(EvpPkeyPtr(pkey));
}

struct TokenTarget {
  Pkcs11Uri uri;
  std::string module_path;
  std::string pin;
};

Result<TokenTarget> ResolveToken(std::string_view location, const KeyOptions& options) {
  auto uri = ParsePkcs11Uri(location);
  if (!uri) return std::unexpected(uri.error());
  TokenTarget t;
  t.module_path = !options.module_path.empty() ? options.module_path
                  : !uri->module_path.empty()  ? uri->module_path
                                               : std::string(kDefaultPkcs11Module);
  t.pin = options.pin;
  if (t.pin.empty()) t.pin = uri->pin_value;
  if (t.pin.empty() && !uri->pin_source.empty()) {
    std::string src = uri->pin_source;
    if (src.starts_with("file:")) src.erase(0, 5);
    auto pin = ResolvePin("", src, nullptr);
    if (!pin) return std::unexpected(pin.error());
    t.pin = *pin;
  }
  if (t.pin.empty()) {
    return Fail(ErrorCode::kPermission,
                "token key " + uri->ToString() + " needs a PIN (--pin-file or the PIN variable)");
  }
  t.uri = std::move(*uri);
  return t;
}

Result<Key> LoadToken(const TokenTarget& t, const std::function<Result<Key>(EvpPkeyPtr)>& make) {
  auto module = detail::Pkcs11Module::Get(t.module_path);
  if (!module) return std::unexpected(module.error());
  // Checked here first: a wrong PIN becomes kPermission instead of the engine's "not found".
  auto pin_ok = (*module)->CheckPin(t.uri, t.pin);
  if (!pin_ok) return std::unexpected(pin_ok.error());
  auto pkey = detail::LoadEnginePrivateKey(t.uri, t.module_path, t.pin);
  if (!pkey) return std::unexpected(pkey.error());
  return make(std::move(*pkey));
}

Result<void> WriteNewPrivateFile(const std::string& path, const std::string& data) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) {
    if (errno == EEXIST) {
      return Fail(ErrorCode::kConflict, "key file " + path + " exists; not overwriting a key");
    }
    return Fail(ErrorCode::kIo, "cannot create key file " + path + ": " + std::strerror(errno));
  }
  size_t done = 0;
  while (done < data.size()) {
    ssize_t n = ::write(fd, data.data() + done, data.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      ::close(fd);
      ::unlink(path.c_str());
      return Fail(ErrorCode::kIo, "cannot write key file " + path);
    }
    done += static_cast<size_t>(n);
  }
  bool ok = ::fsync(fd) == 0;
  ok = ::close(fd) == 0 && ok;
  if (!ok) {
    ::unlink(path.c_str());
    return Fail(ErrorCode::kIo, "cannot write key file " + path);
  }
  return {};
}

}  // namespace

void EvpPkeyFree::operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }

Key::Key(EvpPkeyPtr pkey, bool in_token, std::string location)
    : pkey_(std::move(pkey)), in_token_(in_token), location_(std::move(location)) {}

Key::~Key() = default;

Result<Key> Key::Load(std::string_view location, const KeyOptions& options) {
  if (IsPkcs11Uri(location)) {
    auto target = ResolveToken(location, options);
    if (!target) return std::unexpected(target.error());
    const std::string shown = target->uri.ToString();
    return LoadToken(*target, [&](EvpPkeyPtr p) { return Key(std::move(p), true, shown); });
  }
  const std::string path(location);
  return LoadFile(path, options, [&](EvpPkeyPtr p) { return Key(std::move(p), false, path); });
}

Result<Key> Key::Generate(std::string_view location, const KeyOptions& options) {
  if (IsPkcs11Uri(location)) {
    auto target = ResolveToken(location, options);
    if (!target) return std::unexpected(target.error());
    auto module = detail::Pkcs11Module::Get(target->module_path);
    if (!module) return std::unexpected(module.error());
    auto made = (*module)->GenerateEcP256(target->uri, target->pin);
    if (!made) return std::unexpected(made.error());
    const std::string shown = target->uri.ToString();
    return LoadToken(*target, [&](EvpPkeyPtr p) { return Key(std::move(p), true, shown); });
  }
  const std::string path(location);
  EvpPkeyPtr pkey(EVP_EC_gen("P-256"));
  if (!pkey) return Fail(ErrorCode::kInternal, "P-256 key generation failed: " + OpenSslErrors());
  BioPtr bio(BIO_new(BIO_s_mem()));
  int ok =
      options.pin.empty()
          ? PEM_write_bio_PrivateKey(bio.get(), pkey.get(), nullptr, nullptr, 0, nullptr, nullptr)
          : PEM_write_bio_PKCS8PrivateKey(bio.get(), pkey.get(), EVP_aes_256_cbc(), nullptr, 0,
                                          PassphraseCallback,
                                          const_cast<std::string*>(&options.pin));
  if (ok != 1) return Fail(ErrorCode::kInternal, "cannot encode key: " + OpenSslErrors());
  std::string pem = BioText(bio.get());
  auto written = WriteNewPrivateFile(path, pem);
  OPENSSL_cleanse(pem.data(), pem.size());
  if (!written) return std::unexpected(written.error());
  return Key(std::move(pkey), false, path);
}

Result<std::string> Key::Sign(std::string_view data) const {
  MdCtxPtr ctx(EVP_MD_CTX_new());
  if (!ctx || EVP_DigestSignInit(ctx.get(), nullptr, EVP_sha256(), nullptr, pkey_.get()) != 1) {
    return Fail(ErrorCode::kInternal, "cannot sign with " + location_ + ": " + OpenSslErrors());
  }
  size_t len = 0;
  const auto* in = reinterpret_cast<const unsigned char*>(data.data());
  if (EVP_DigestSign(ctx.get(), nullptr, &len, in, data.size()) != 1) {
    return Fail(ErrorCode::kInternal, "cannot sign with " + location_ + ": " + OpenSslErrors());
  }
  std::string sig(len, '\0');
  if (EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(sig.data()), &len, in,
                     data.size()) != 1) {
    return Fail(ErrorCode::kInternal, "signing with " + location_ + " failed: " + OpenSslErrors());
  }
  sig.resize(len);
  return sig;
}

Result<std::string> Key::PublicKeyPem() const {
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (PEM_write_bio_PUBKEY(bio.get(), pkey_.get()) != 1) {
    return Fail(ErrorCode::kInternal, "cannot encode the public key: " + OpenSslErrors());
  }
  return BioText(bio.get());
}

Result<bool> VerifySignature(EVP_PKEY* public_key, std::string_view data,
                             std::string_view signature) {
  MdCtxPtr ctx(EVP_MD_CTX_new());
  if (!ctx || EVP_DigestVerifyInit(ctx.get(), nullptr, EVP_sha256(), nullptr, public_key) != 1) {
    return Fail(ErrorCode::kInvalidArgument, "key cannot verify: " + OpenSslErrors());
  }
  int rc = EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char*>(signature.data()),
                            signature.size(), reinterpret_cast<const unsigned char*>(data.data()),
                            data.size());
  ERR_clear_error();  // a bad signature leaves decoding errors behind
  return rc == 1;
}

Result<EvpPkeyPtr> ParsePublicKeyPem(std::string_view pem) {
  BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  EVP_PKEY* key = PEM_read_bio_PUBKEY(bio.get(), nullptr, nullptr, nullptr);
  if (key == nullptr) {
    return Fail(ErrorCode::kParse, "not a PEM public key: " + OpenSslErrors());
  }
  return EvpPkeyPtr(key);
}

Result<std::string> ResolvePin(std::string_view pin, const std::string& pin_file,
                               const char* env_name) {
  if (!pin.empty()) return std::string(pin);
  if (!pin_file.empty()) {
    auto text = ReadSmallFile(pin_file, "PIN file");
    if (!text) return std::unexpected(Error{ErrorCode::kIo, text.error().message});
    std::string first = text->substr(0, text->find('\n'));
    if (!first.empty() && first.back() == '\r') first.pop_back();
    OPENSSL_cleanse(text->data(), text->size());
    return first;
  }
  if (env_name != nullptr) {
    if (const char* env = std::getenv(env_name); env != nullptr) return std::string(env);
  }
  return std::string();
}

}  // namespace socmesh::crypto
