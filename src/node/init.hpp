// `socmesh node init`: a new node directory with everything the node itself can make — its P-256
// key (a 0600 file, or generated inside a PKCS#11 token), a CSR for the country CA to sign, an
// audit signing key and a config file that `socmesh node run` accepts once the certificate, the CA
// bundle and the CRLs are put next to it (docs/cli.md, "socmesh node").
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "node/config.hpp"

namespace socmesh::node {

inline constexpr char kConfigFileName[] = "node.toml";

struct InitParams {
  std::filesystem::path dir;  // must not exist, or be empty
  std::string name;           // node name = certificate CN, e.g. node1.cert.fr
  std::string organisation;   // O=
  std::string country;        // C=, ISO 3166-1 alpha-2
  std::vector<NodeRole> roles{NodeRole::kNational};
  // Node key: empty → DIR/node.key (file, mode 0600); else a "pkcs11:" URI with object=.
  std::string key_uri;
  std::string pin;            // the token PIN, used now only; never written anywhere
  std::string pin_file;       // recorded in the config (absolute) so `node run` finds the PIN
  std::string pkcs11_module;  // empty: the default SoftHSM2 module
  std::vector<std::string> dns_names;     // CSR subjectAltNames; default: the name
  std::vector<std::string> ip_addresses;  // CSR subjectAltNames
  std::vector<ListenAddress> listen;      // default 0.0.0.0:8443
};

struct InitResult {
  std::filesystem::path config;            // DIR/node.toml
  std::filesystem::path csr;               // DIR/node.csr
  std::string key_location;                // file path or URI (no PIN)
  std::filesystem::path audit_public_key;  // DIR/audit.pub.pem, for `socmesh audit verify`
};

// Errors: kConflict (DIR exists and is not empty — a node directory is never overwritten; a token
// object of that name exists), kInvalidArgument (bad name, organisation, country, SAN), key and
// I/O errors from crypto/. The config file is written last: a directory without node.toml is an
// interrupted init, to be removed by the operator.
Result<InitResult> InitNodeDir(const InitParams& params);

}  // namespace socmesh::node
