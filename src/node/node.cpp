#include "node/node.hpp"

#include <openssl/evp.h>

#include <chrono>
#include <thread>

#include "federation/recipients.hpp"
#include "identity/registry.hpp"

namespace socmesh::node {
namespace {

std::string Url(const std::string& host, uint16_t port) {
  const bool v6 = host.find(':') != std::string::npos;
  return "https://" + (v6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

Result<crypto::Key> LoadKey(const KeyConfig& key, std::string_view what) {
  auto pin =
      crypto::ResolvePin("", key.pin_file, key.pin_env.empty() ? nullptr : key.pin_env.c_str());
  if (!pin) return std::unexpected(pin.error().WithContext(what));
  auto loaded = crypto::Key::Load(key.location, {.pin = *pin, .module_path = key.pkcs11_module});
  if (!loaded) return std::unexpected(loaded.error().WithContext(what));
  return loaded;
}

std::string RolesText(const std::vector<NodeRole>& roles) {
  std::string out;
  for (NodeRole r : roles) out += (out.empty() ? "" : ",") + std::string(NodeRoleName(r));
  return out;
}

}  // namespace

Node::Node(NodeConfig config, NodeStartOptions options)
    : config_(std::move(config)), options_(std::move(options)) {}

Result<std::unique_ptr<Node>> Node::Start(const NodeConfig& config, NodeStartOptions options) {
  std::unique_ptr<Node> node(new Node(config, std::move(options)));
  if (auto opened = node->Open(); !opened) {
    (void)node->Stop();  // closes whatever was opened; the audit log gets its checkpoint
    return std::unexpected(opened.error());
  }
  return node;
}

Result<void> Node::Open() {
  auto tls_key = LoadKey(config_.tls.key, "tls.key");
  if (!tls_key) return std::unexpected(tls_key.error());
  tls_key_.emplace(std::move(*tls_key));
  auto audit_key = LoadKey(config_.audit.key, "audit.key");
  if (!audit_key) return std::unexpected(audit_key.error());
  audit_key_.emplace(std::move(*audit_key));

  store::StoreOptions store_options = config_.store;
  if (!config_.store_key.location.empty()) {  // encryption at rest (B13): unlock the keyring
    auto key = LoadKey(config_.store_key, "store.key");
    if (!key) return std::unexpected(key.error());
    store_options.at_rest_key = std::make_shared<const crypto::Key>(std::move(*key));
  }
  auto store = store::OpenStore(store_options);
  if (!store) return std::unexpected(store.error().WithContext("store"));
  store_ = std::move(*store);
  if (auto stats = store_->Stats()) objects_at_start_ = stats->objects;

  audit::AuditLogOptions log_options;
  log_options.dir = config_.audit.dir;
  log_options.origin = config_.audit.origin;
  log_options.signing_key = audit_key_->pkey();
  log_options.sync = config_.audit.sync_every_append ? audit::SyncPolicy::kEveryAppend
                                                     : audit::SyncPolicy::kOnCheckpoint;
  log_options.checkpoint_every_entries = config_.audit.checkpoint_every_entries;
  log_options.checkpoint_every = config_.audit.checkpoint_every;
  auto log = audit::AuditLog::Open(std::move(log_options));
  if (!log) return std::unexpected(log.error().WithContext("audit"));
  audit_log_ = std::move(*log);
  for (const auto& r : audit_log_->open_report().recovered) {
    if (options_.notice) options_.notice("audit log recovered: " + r);
  }

  auth_ = std::make_unique<api::Authenticator>();
  auth_->SetDefaultCertificateRole(config_.default_role);
  for (const auto& [organisation, role] : config_.organisation_roles) {
    auth_->SetOrganisationRole(organisation, role);
  }
  // Organisations, users, API tokens and sharing groups persist in the identity registry; its
  // roles win over the certificate-role mapping above, which stays the fallback (api/auth.hpp).
  identity::RegistryOptions registry_options;
  registry_options.path = config_.registry;
  auto registry = identity::Registry::Open(std::move(registry_options));
  if (!registry) return std::unexpected(registry.error().WithContext("identity registry"));
  auth_->Attach(std::shared_ptr<identity::Registry>(std::move(*registry)));
  auth_->SetOperatorOrganisation(config_.organisation);
  taxii_ = std::make_unique<api::TaxiiServer>(*store_, *auth_, config_.taxii);
  api_ = std::make_unique<api::NodeApi>(*auth_, *taxii_);
  api::RequestAuditOptions audit_options;
  audit_options.node = config_.name;
  audit_options.on_failure = [notice = options_.notice](const Error& e) {
    if (notice) notice("audit log failed, refusing every request from now on: " + e.message);
  };
  api::NodeApi* api = api_.get();
  // The replicator exists only after the audit wrapper (it audits through it), so the handler
  // reads it through this slot; requests before it is set find no federation endpoint.
  auto* replicator = &replicator_;
  request_audit_ = std::make_unique<api::RequestAudit>(
      *audit_log_, *auth_,
      [api, replicator](const net::Request& r) {
        if (*replicator && federation::Replicator::Handles(r.path())) {
          return (*replicator)->Handle(r);
        }
        net::Response response = api->Handle(r);
        // A successful TAXII/REST write wakes the replicator: new objects are signed and fed now,
        // not at the next feed interval (propagation latency, issue 6).
        if (*replicator && r.method != "GET" && r.method != "HEAD" && response.status >= 200 &&
            response.status < 300) {
          (*replicator)->Wake();
        }
        return response;
      },
      std::move(audit_options));
  if (auto ok = StartReplication(); !ok) return ok;

  // The token or file key is shared with every server's TLS context.
  EVP_PKEY_up_ref(tls_key_->pkey());
  std::shared_ptr<EVP_PKEY> pkey(tls_key_->pkey(), EVP_PKEY_free);
  api::RequestAudit* audited = request_audit_.get();
  for (const auto& listen : config_.listen) {
    net::ServerOptions o;
    o.host = listen.address;
    o.port = listen.port;
    o.tls.certificate_file = config_.tls.certificate_chain;
    o.tls.private_key = pkey;
    o.tls.ca_file = config_.tls.ca_bundle;
    o.tls.crl_files = config_.tls.crls;
    o.tls.require_peer_certificate = true;
    o.limits = config_.limits.server;
    o.io_threads = config_.limits.io_threads;
    o.handler_threads = config_.limits.handler_threads;
    auto server = net::HttpServer::Start(
        std::move(o), [audited](const net::Request& r) { return audited->Handle(r); });
    if (!server) {
      return std::unexpected(
          server.error().WithContext("listen " + Url(listen.address, listen.port)));
    }
    servers_.push_back(std::move(*server));
  }

  audit::AuditEvent started;
  started.actor = {config_.organisation, "", config_.name};
  started.action = "node-start";
  started.target = config_.name;
  started.details["roles"] = RolesText(config_.roles);
  std::string urls;
  for (const auto& u : this->urls()) urls += (urls.empty() ? "" : " ") + u;
  started.details["listen"] = urls;
  started.details["objects"] = std::to_string(objects_at_start_);
  if (auto ok = request_audit_->Record(std::move(started)); !ok) {
    return std::unexpected(ok.error().WithContext("audit"));
  }
  return {};
}

Result<void> Node::StartReplication() {
  const FederationConfig& f = config_.federation;
  if (!f.enabled) return {};
  auto signing_key = LoadKey(f.signing_key, "federation.signing_key");
  if (!signing_key) return std::unexpected(signing_key.error());
  signing_key_.emplace(std::move(*signing_key));
  federation::ReplicationConfig r;
  r.node_name = config_.name;
  r.self = {config_.organisation, config_.country, f.consortium, f.sharing_groups, true};
  for (const auto& p : config_.peers) {
    federation::PeerLink link;
    link.name = p.name;
    link.url = p.url;
    link.holder = {p.organisation, p.country, p.consortium, p.sharing_groups, true};
    link.push = p.push;
    link.pull = p.pull;
    link.push_interval = p.push_interval;
    link.pull_interval = p.pull_interval;
    r.peers.push_back(std::move(link));
  }
  r.state_file = f.state;
  r.tls_certificate_chain = config_.tls.certificate_chain;
  EVP_PKEY_up_ref(tls_key_->pkey());
  r.tls_key = std::shared_ptr<EVP_PKEY>(tls_key_->pkey(), EVP_PKEY_free);
  r.ca_bundle = config_.tls.ca_bundle;
  r.crls = config_.tls.crls;
  EVP_PKEY_up_ref(signing_key_->pkey());
  r.signing_key = std::shared_ptr<EVP_PKEY>(signing_key_->pkey(), EVP_PKEY_free);
  r.signing_certificate_chain = f.signing_certificate;
  r.identity_organisations = config_.taxii.identity_organisations;
  r.sign_batch_objects = f.sign_batch_objects;
  r.transfer_objects = f.transfer_objects;
  r.outbox_limit = f.outbox_limit;
  r.feed_interval = f.feed_interval;
  r.replay_window = f.replay_window;
  r.durable_state = config_.store.durability == store::Durability::kFull;
  // Topology routing and end-to-end envelopes (B12); the directory is verified against the root
  // now, so a node never seals to a certificate the network's root did not vouch for.
  r.topology = f.network;
  if (!f.directory.empty()) {
    const auto now = std::chrono::duration_cast<std::chrono::microseconds>(
        std::chrono::system_clock::now().time_since_epoch());
    auto recipients = federation::LoadRecipients(f.directory, config_.tls.ca_bundle,
                                                 model::Timestamp{now.count()});
    if (!recipients) return std::unexpected(recipients.error().WithContext("federation.directory"));
    r.recipients = std::move(*recipients);
  }
  api::RequestAudit* audited = request_audit_.get();
  auto replicator = federation::Replicator::Start(
      std::move(r), taxii_->store(),
      [audited](audit::AuditEvent e) { return audited->Record(std::move(e)); });
  if (!replicator) return std::unexpected(replicator.error());
  replicator_ = std::move(*replicator);
  return {};
}

Node::~Node() { (void)Stop(); }

std::vector<std::string> Node::urls() const {
  std::vector<std::string> out;
  for (size_t i = 0; i < servers_.size(); ++i) {
    out.push_back(Url(config_.listen[i].address, servers_[i]->port()));
  }
  return out;
}

std::string Node::StartupLine() const {
  std::string line = "socmesh node " + config_.name + " (" + config_.organisation + ", " +
                     config_.country + "; roles " + RolesText(config_.roles) + ") listening on";
  for (const auto& u : urls()) line += " " + u;
  line += "; store " + config_.store.location + " (" + std::to_string(objects_at_start_) +
          " objects); audit " + config_.audit.dir;
  if (audit_log_) line += " (" + std::to_string(audit_log_->size()) + " entries)";
  return line;
}

Result<void> Node::Stop() {
  if (stopped_) return {};
  stopped_ = true;
  std::optional<Error> first;
  auto keep = [&](Result<void> r, std::string_view what) {
    if (!r && !first) first = r.error().WithContext(what);
  };
  // Servers stop in parallel, so the grace period is spent once, not once per address.
  uint64_t requests = 0;
  {
    std::vector<std::jthread> stopping;
    for (auto& server : servers_) {
      stopping.emplace_back(
          [&server, grace = config_.limits.shutdown_grace] { server->Stop(grace); });
    }
  }
  for (const auto& server : servers_) requests += server->stats().requests;
  servers_.clear();
  // No request reaches the replicator any more; its threads finish their transfer and stop
  // before the audit log and the store close under them.
  if (replicator_) replicator_->Stop();
  replicator_.reset();
  if (request_audit_) {
    audit::AuditEvent stopped;
    stopped.actor = {config_.organisation, "", config_.name};
    stopped.action = "node-stop";
    stopped.target = config_.name;
    stopped.details["requests"] = std::to_string(requests);
    keep(request_audit_->Record(std::move(stopped)), "audit");
    keep(request_audit_->Close(), "audit");
    request_audit_.reset();
  }
  if (audit_log_) {
    // The final signed head covers every entry of this run, so `audit verify` needs no
    // --allow-unsigned-tail after a clean stop.
    if (auto cp = audit_log_->WriteCheckpoint(); !cp) keep(std::unexpected(cp.error()), "audit");
    keep(audit_log_->Close(), "audit");
  }
  api_.reset();
  taxii_.reset();
  auth_.reset();
  audit_log_.reset();
  store_.reset();  // closes SQLite (and checkpoints its WAL)
  if (first) return std::unexpected(*first);
  return {};
}

}  // namespace socmesh::node
