// A running socmesh node: the composition of store, audit log, authenticator, TAXII server and
// REST API behind one HTTPS server per listen address (ARCHITECTURE.md §3: node/ is composition,
// no logic of its own). Every request passes api::RequestAudit, so each one leaves an audit entry.
//
// Lifecycle: Start opens everything or nothing (a failure closes what was opened); Stop is the
// graceful shutdown of `socmesh node run` on SIGTERM: stop accepting, let requests in flight finish
// within limits.shutdown_grace, write their audit entries, a "node-stop" entry and a final signed
// checkpoint, then close the store. Restart-safe: the store is SQLite in WAL mode and the audit log
// repairs a torn tail on open, so a node killed with SIGKILL restarts with everything it
// acknowledged.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "api/auth.hpp"
#include "api/node_api.hpp"
#include "api/request_audit.hpp"
#include "api/taxii_server.hpp"
#include "audit/log.hpp"
#include "core/error.hpp"
#include "crypto/key.hpp"
#include "federation/replicator.hpp"
#include "net/http_server.hpp"
#include "node/config.hpp"
#include "store/store.hpp"

namespace socmesh::node {

struct NodeStartOptions {
  // Messages for the operator while running (audit recovery, audit failure); never secrets.
  std::function<void(const std::string&)> notice;
};

class Node {
 public:
  // Loads the keys (PINs from the configured pin file or environment variable), opens the store
  // and the audit log, and starts one HTTPS server per listen address. Errors name the config key
  // whose value failed (e.g. "tls.key: …", "listen 127.0.0.1:8443: …").
  static Result<std::unique_ptr<Node>> Start(const NodeConfig& config,
                                             NodeStartOptions options = {});

  // Stop(), errors ignored.
  ~Node();
  Node(const Node&) = delete;
  Node& operator=(const Node&) = delete;

  // The bound endpoints, "https://127.0.0.1:8443" / "https://[::1]:8443", in config order.
  std::vector<std::string> urls() const;
  // One line for the operator: name, organisation, roles, endpoints, store, audit log. No secrets.
  std::string StartupLine() const;

  // Graceful shutdown (see above). Idempotent; returns the first error met.
  Result<void> Stop();

 private:
  Node(NodeConfig config, NodeStartOptions options);
  Result<void> Open();
  Result<void> StartReplication();

  NodeConfig config_;
  NodeStartOptions options_;
  std::optional<crypto::Key> tls_key_;
  std::optional<crypto::Key> audit_key_;
  std::optional<crypto::Key> signing_key_;  // [federation] origin signatures and receipts
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<audit::AuditLog> audit_log_;
  std::unique_ptr<api::Authenticator> auth_;
  std::unique_ptr<api::TaxiiServer> taxii_;
  std::unique_ptr<api::NodeApi> api_;
  std::unique_ptr<api::RequestAudit> request_audit_;
  std::unique_ptr<federation::Replicator> replicator_;
  std::vector<std::unique_ptr<net::HttpServer>> servers_;
  int64_t objects_at_start_ = 0;
  bool stopped_ = false;
};

}  // namespace socmesh::node
