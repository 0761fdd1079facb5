#include "net/tls.hpp"

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <cstdio>

namespace socmesh::net {

namespace {

struct FileCloser {
  void operator()(FILE* f) const { std::fclose(f); }
};

Error TlsError(const std::string& what) {
  std::string reason = DrainOpenSslErrors();
  return Error{ErrorCode::kInvalidArgument, what + (reason.empty() ? "" : ": " + reason)};
}

std::string Rfc2253(X509_NAME* name) {
  BIO* bio = BIO_new(BIO_s_mem());
  X509_NAME_print_ex(bio, name, 0, XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB);
  char* data = nullptr;
  long len = BIO_get_mem_data(bio, &data);
  std::string out(data, static_cast<size_t>(len));
  BIO_free(bio);
  return out;
}

std::string Field(X509_NAME* name, int nid) {
  int idx = X509_NAME_get_index_by_NID(name, nid, -1);
  if (idx < 0) return {};
  ASN1_STRING* data = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, idx));
  unsigned char* utf8 = nullptr;
  int len = ASN1_STRING_to_UTF8(&utf8, data);
  if (len < 0) return {};
  std::string out(reinterpret_cast<char*>(utf8), static_cast<size_t>(len));
  OPENSSL_free(utf8);
  return out;
}

Result<void> LoadCrls(SSL_CTX* ctx, const std::vector<std::string>& files) {
  if (files.empty()) return {};
  X509_STORE* store = SSL_CTX_get_cert_store(ctx);
  for (const auto& path : files) {
    std::unique_ptr<FILE, FileCloser> f(std::fopen(path.c_str(), "r"));
    if (!f) return Fail(ErrorCode::kIo, "CRL " + path + ": cannot open");
    int loaded = 0;
    while (X509_CRL* crl = PEM_read_X509_CRL(f.get(), nullptr, nullptr, nullptr)) {
      X509_STORE_add_crl(store, crl);
      X509_CRL_free(crl);
      ++loaded;
    }
    ERR_clear_error();  // the loop ends on "no start line"
    if (loaded == 0) return Fail(ErrorCode::kParse, "CRL " + path + ": no PEM CRL found");
  }
  // Every certificate of the chain must be covered by a CRL of its issuer: a missing CRL fails
  // closed rather than silently accepting a possibly revoked peer.
  X509_STORE_set_flags(store, X509_V_FLAG_CRL_CHECK | X509_V_FLAG_CRL_CHECK_ALL);
  return {};
}

}  // namespace

std::string DrainOpenSslErrors() {
  std::string out;
  while (unsigned long e = ERR_get_error()) {
    char buf[256];
    ERR_error_string_n(e, buf, sizeof buf);
    if (!out.empty()) out += "; ";
    out += buf;
  }
  return out;
}

Result<void> ConfigureTls(SSL_CTX* ctx, const TlsOptions& o, TlsRole role) {
  ERR_clear_error();
  // TLS 1.2 only ever for a client that asked for it (a public feed); a server never offers it.
  const int min_version =
      o.allow_tls12 && role == TlsRole::kClient ? TLS1_2_VERSION : TLS1_3_VERSION;
  if (SSL_CTX_set_min_proto_version(ctx, min_version) != 1 ||
      SSL_CTX_set_max_proto_version(ctx, TLS1_3_VERSION) != 1) {
    return std::unexpected(TlsError("cannot restrict the TLS version"));
  }
  // No resumption tickets carrying state across restarts; no renegotiation (TLS 1.3 has none).
  SSL_CTX_set_options(ctx, SSL_OP_NO_TICKET);
  if (!o.certificate_file.empty()) {
    if (SSL_CTX_use_certificate_chain_file(ctx, o.certificate_file.c_str()) != 1) {
      return std::unexpected(TlsError("certificate " + o.certificate_file));
    }
    if (o.private_key) {
      if (SSL_CTX_use_PrivateKey(ctx, o.private_key.get()) != 1) {
        return std::unexpected(TlsError("private key (token or memory) for " + o.certificate_file));
      }
    } else if (SSL_CTX_use_PrivateKey_file(ctx, o.private_key_file.c_str(), SSL_FILETYPE_PEM) !=
               1) {
      return std::unexpected(TlsError("private key " + o.private_key_file));
    }
    if (SSL_CTX_check_private_key(ctx) != 1) {
      return std::unexpected(TlsError("private key does not match " + o.certificate_file));
    }
  } else if (role == TlsRole::kServer) {
    return Fail(ErrorCode::kInvalidArgument, "TLS server needs a certificate and key");
  }
  if (!o.ca_file.empty()) {
    if (SSL_CTX_load_verify_locations(ctx, o.ca_file.c_str(), nullptr) != 1) {
      return std::unexpected(TlsError("CA file " + o.ca_file));
    }
  } else if (o.use_system_trust && role == TlsRole::kClient) {
    if (SSL_CTX_set_default_verify_paths(ctx) != 1) {
      return std::unexpected(TlsError("system CA store"));
    }
  } else {
    return Fail(ErrorCode::kInvalidArgument,
                "TLS needs a CA file to authenticate peers (mutual TLS is mandatory)");
  }
  if (auto r = LoadCrls(ctx, o.crl_files); !r) return r;
  int mode = SSL_VERIFY_PEER;
  if (role == TlsRole::kServer && o.require_peer_certificate) {
    mode |= SSL_VERIFY_FAIL_IF_NO_PEER_CERT;
  }
  SSL_CTX_set_verify(ctx, mode, nullptr);
  SSL_CTX_set_verify_depth(ctx, 4);  // node -> country CA -> root
  if (role == TlsRole::kServer) {
    // Tell clients which CAs we accept, so a client holding several identities picks the right
    // one.
    if (STACK_OF(X509_NAME)* names = SSL_load_client_CA_file(o.ca_file.c_str())) {
      SSL_CTX_set_client_CA_list(ctx, names);
    }
  }
  return {};
}

std::optional<PeerIdentity> PeerOf(SSL* ssl) {
  if (SSL_get_verify_result(ssl) != X509_V_OK) return std::nullopt;
  X509* cert = SSL_get1_peer_certificate(ssl);
  if (cert == nullptr) return std::nullopt;
  PeerIdentity id;
  X509_NAME* subject = X509_get_subject_name(cert);
  id.subject = Rfc2253(subject);
  id.organisation = Field(subject, NID_organizationName);
  id.country = Field(subject, NID_countryName);
  id.common_name = Field(subject, NID_commonName);
  id.issuer = Rfc2253(X509_get_issuer_name(cert));
  if (BIGNUM* bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(cert), nullptr)) {
    char* hex = BN_bn2hex(bn);
    id.serial_hex = hex;
    OPENSSL_free(hex);
    BN_free(bn);
  }
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (X509_digest(cert, EVP_sha256(), md, &len) == 1) {
    static constexpr char kDigits[] = "0123456789abcdef";
    for (unsigned int i = 0; i < len; ++i) {
      id.fingerprint.push_back(kDigits[md[i] >> 4]);
      id.fingerprint.push_back(kDigits[md[i] & 15]);
    }
  }
  X509_free(cert);
  return id;
}

}  // namespace socmesh::net
