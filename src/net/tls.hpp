// TLS for every socmesh link (B10): TLS 1.3 only, mutual authentication, CRL checks. Works on a
// raw OpenSSL SSL_CTX so that keys from files and from PKCS#11 tokens (an EVP_PKEY handed over
// by crypto/) are used the same way.
#pragma once

#include <openssl/types.h>

#include <memory>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "net/http.hpp"

namespace socmesh::net {

struct TlsOptions {
  std::string certificate_file;           // PEM: own certificate, then intermediates
  std::string private_key_file;           // PEM private key; unused when private_key is set
  std::shared_ptr<EVP_PKEY> private_key;  // e.g. a token key from crypto::Key
  std::string ca_file;                    // PEM trust anchors for the peer's chain
  std::vector<std::string> crl_files;     // PEM CRLs; with any given, every chain is checked
  bool require_peer_certificate = true;   // servers: refuse clients without a certificate
  std::string server_name;                // clients: expected host name/IP (SNI + check)
  // Clients of public feeds only (connect/, docs/cli.md): they present no certificate, and a feed
  // such as abuse.ch is signed by a public CA and may still speak TLS 1.2. Links between socmesh
  // nodes never set these and stay TLS 1.3 with the network's own CAs.
  bool use_system_trust = false;  // clients: without ca_file, trust the system's CA store
  bool allow_tls12 = false;       // clients: accept TLS 1.2 as the minimum version
};

enum class TlsRole { kServer, kClient };

// Configures `ctx` (created by the caller, e.g. Asio's ssl::context) for socmesh: TLS 1.3 only,
// own certificate and key, peer verification against ca_file and CRLs. Errors name the file
// and OpenSSL's reason; key material never appears in messages.
Result<void> ConfigureTls(SSL_CTX* ctx, const TlsOptions& options, TlsRole role);

// The verified peer certificate of an established connection, if any.
std::optional<PeerIdentity> PeerOf(SSL* ssl);

// OpenSSL's error queue as one line (and cleared), for messages.
std::string DrainOpenSslErrors();

}  // namespace socmesh::net
