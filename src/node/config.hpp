// The node's configuration file (TOML, docs/cli.md "socmesh node"): one typed struct, loaded and
// validated in one place, so that every later step (store, audit log, TLS, TAXII, federation)
// receives values that are known to be usable and the operator sees every mistake at once.
//
// Rules: unknown keys and wrong types are errors naming the key and its line:column; relative
// paths resolve against the directory of the config file; PINs are never part of the file (only
// where to read them: a pin file or an environment variable), so a config can be shown, copied
// and versioned without leaking a credential.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "api/access.hpp"
#include "api/taxii_server.hpp"
#include "core/error.hpp"
#include "federation/topology.hpp"
#include "net/http_server.hpp"
#include "store/store.hpp"

namespace socmesh::node {

// What a node does in the network (ARCHITECTURE.md §1); several may be combined.
enum class NodeRole { kNational, kPlatform, kGateway, kAwareness };
std::string_view NodeRoleName(NodeRole role);  // "national", "platform", "gateway", "awareness"

// A private key and where its PIN comes from (never the PIN itself).
struct KeyConfig {
  std::string location;       // PEM file path (resolved) or "pkcs11:" URI
  std::string pin_file;       // resolved path; first line is the PIN / passphrase
  std::string pin_env;        // environment variable holding the PIN
  std::string pkcs11_module;  // empty: crypto::kDefaultPkcs11Module or the URI's module-path
};

struct ListenAddress {
  std::string address;  // IPv4 or IPv6 literal, e.g. "0.0.0.0", "::1"
  uint16_t port = 0;    // 0: any free port (printed at startup)
};

struct TlsConfig {
  std::string certificate_chain;  // PEM: the node's certificate, then its country CA's
  KeyConfig key;
  std::string ca_bundle;          // PEM trust anchors for peers and clients
  std::vector<std::string> crls;  // PEM CRLs; with any given, every chain is checked
};

struct AuditConfig {
  std::string dir;
  KeyConfig key;                  // ECDSA P-256 key that signs checkpoints
  std::string origin;             // log id in checkpoints; default: the node name
  bool sync_every_append = true;  // false: fdatasync only before checkpoints ("on-checkpoint")
  uint64_t checkpoint_every_entries = 1000;
  std::chrono::seconds checkpoint_every{60};
};

struct LimitsConfig {
  net::ServerLimits server;
  unsigned io_threads = 1;
  unsigned handler_threads = 2;
  std::chrono::milliseconds shutdown_grace{5000};
};

// A node this one federates with (federation/replicator.hpp; docs/cli.md "[[peers]]").
struct PeerConfig {
  std::string name;  // with [federation] topology: a topology node adjacent to this node
  std::string url;   // https://host[:port][/path]
  std::string organisation;
  // For the sharing policy: where the peer's organisation sits. With a topology, what the file
  // omits is taken from the topology (a stated value must agree with it).
  std::string country;
  std::string consortium;
  std::vector<std::string> sharing_groups;
  // Who opens connections (B9): "push" (this node sends its outbox), "pull" (this node fetches
  // the peer's changes), "both", or "none" (the peer connects to us; we only answer).
  bool push = true;
  bool pull = false;
  std::chrono::milliseconds push_interval{1000};
  std::chrono::milliseconds pull_interval{5000};
};

// Replication (docs/cli.md "[federation]"). Enabled by the presence of the table.
struct FederationConfig {
  bool enabled = false;
  std::string signing_certificate;  // PEM chain: a certificate with O = node.organisation
  KeyConfig signing_key;
  std::string state;       // federation.db (resolved); default next to the config
  std::string consortium;  // with a topology: defaults to (and must equal) the topology's
  std::vector<std::string> sharing_groups;
  // [federation] topology: the network's topology file (resolved) and the topology loaded from it
  // at parse time, so that every mismatch with the config is reported with the other problems.
  std::string topology;
  std::shared_ptr<const federation::Topology> network;
  // [federation] directory: the PKI's signed directory (resolved; verified against tls.ca when
  // the node starts): its organisations' certificates are the recipients of envelopes (B12).
  std::string directory;
  size_t sign_batch_objects = 1000;
  size_t transfer_objects = 500;
  size_t outbox_limit = 10'000;
  std::chrono::milliseconds feed_interval{500};
  std::chrono::seconds replay_window{600};
};

struct NodeConfig {
  std::filesystem::path file;  // where it was loaded from ("" when parsed from text)
  std::string name;            // the node's name, also its certificate CN
  std::string organisation;    // O of the node's certificate
  std::string country;         // ISO 3166-1 alpha-2
  std::vector<NodeRole> roles;
  store::StoreOptions store;
  KeyConfig store_key;   // [store] key / pin_file / pin_env: encryption at rest (B13); empty: none
  std::string registry;  // [identity] registry: organisations, users, tokens (identity.db)
  AuditConfig audit;
  std::vector<ListenAddress> listen;
  TlsConfig tls;
  LimitsConfig limits;
  api::TaxiiConfig taxii;
  // Certificate-role mapping: callers whose certificate O is the key get that role.
  std::map<std::string, api::Role, std::less<>> organisation_roles;
  api::Role default_role = api::Role::kReader;
  std::vector<PeerConfig> peers;
  FederationConfig federation;
};

// Parses `text` as a node configuration. `source` names it in messages (usually the file name);
// relative paths resolve against `base_dir`. Errors: kParse (TOML syntax) and kInvalidArgument
// (unknown key, wrong type, missing or invalid value); the message lists every problem found, one
// per line, as "SOURCE:LINE:COLUMN: KEY: reason".
Result<NodeConfig> ParseNodeConfig(std::string_view text, std::string_view source,
                                   const std::filesystem::path& base_dir);

// Reads and parses a file (kIo / kNotFound when unreadable).
Result<NodeConfig> LoadNodeConfig(const std::filesystem::path& file);

}  // namespace socmesh::node
