#include "federation/replicator.hpp"

#include <openssl/x509.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <set>

#include "crypto/envelope.hpp"
#include "crypto/receipt.hpp"
#include "crypto/x509.hpp"
#include "federation/routing.hpp"
#include "model/canonical_json.hpp"
#include "model/identifier.hpp"
#include "model/socmesh_extension.hpp"
#include "model/tlp.hpp"
#include "net/http_client.hpp"

namespace socmesh::federation {
namespace {

namespace merkle = crypto::merkle;
using Clock = std::chrono::steady_clock;

model::Timestamp Now() {
  return model::Timestamp{std::chrono::duration_cast<std::chrono::microseconds>(
                              std::chrono::system_clock::now().time_since_epoch())
                              .count()};
}

int64_t ToSeq(const std::string& text) {
  int64_t v = 0;
  std::from_chars(text.data(), text.data() + text.size(), v);
  return v;
}

std::string Organisation(X509* cert) {
  char buf[256];
  const int n =
      X509_NAME_get_text_by_NID(X509_get_subject_name(cert), NID_organizationName, buf, sizeof buf);
  return n > 0 ? std::string(buf, static_cast<size_t>(n)) : std::string();
}

net::Response Json(int status, std::string body) {
  net::Response r;
  r.status = status;
  r.headers.Set("Content-Type", "application/json");
  r.body = std::move(body);
  return r;
}

net::Response JsonError(int status, std::string_view error, std::string_view message) {
  model::JsonWriter w;
  w.BeginObject().Key("error").String(error).Key("message").String(message).EndObject();
  return Json(status, w.Take());
}

int StatusOf(const Error& e) {
  switch (e.code) {
    case ErrorCode::kPermission:
      return 403;
    case ErrorCode::kConflict:
      return 409;
    case ErrorCode::kTooLarge:
      return 413;
    case ErrorCode::kParse:
    case ErrorCode::kInvalidArgument:
    case ErrorCode::kUnsupported:
      return 400;
    default:
      return 503;
  }
}

// https://host[:port][/base] -> client options and the base path (no trailing slash).
struct PeerUrl {
  std::string host;
  uint16_t port = 443;
  std::string base;
};

PeerUrl ParsePeerUrl(std::string_view url) {
  PeerUrl out;
  std::string_view rest = url.substr(std::min(url.size(), std::string_view("https://").size()));
  const size_t slash = rest.find('/');
  std::string_view authority = rest.substr(0, slash);
  out.base = slash == std::string_view::npos ? "" : std::string(rest.substr(slash));
  while (!out.base.empty() && out.base.back() == '/') out.base.pop_back();
  std::string_view port;
  if (authority.starts_with('[')) {
    const size_t close = authority.find(']');
    out.host = std::string(authority.substr(1, close - 1));
    if (close + 1 < authority.size()) port = authority.substr(close + 2);
  } else if (const size_t colon = authority.rfind(':'); colon != std::string_view::npos) {
    out.host = std::string(authority.substr(0, colon));
    port = authority.substr(colon + 1);
  } else {
    out.host = std::string(authority);
  }
  if (!port.empty()) std::from_chars(port.data(), port.data() + port.size(), out.port);
  return out;
}

// One item about to travel: a stored version with its proof (clear), its envelope, or both.
struct Outgoing {
  std::optional<store::StoredVersion> version;
  ProofRow proof;
  std::optional<EnvelopeRow> envelope;
};

// How a version may go to a peer: its proof, and whether as its envelope.
struct Route {
  ProofRow proof;
  bool envelope = false;
};

}  // namespace

bool NeedsEnvelope(const Topology& topology, const ObjectFacts& facts) {
  const auto origin = OriginNode(topology, facts);
  if (!origin) return false;
  const std::vector<bool> allowed = AllowedNodes(topology, facts);
  const bool red = TravelsOnlyAsEnvelope(facts);
  for (NodeIndex a = 0; a < topology.size(); ++a) {
    if (!allowed[a] || a == *origin) continue;
    if (red) return true;
    for (NodeIndex v = topology.TreeParent(*origin, a); v != kNoNode && v != *origin;
         v = topology.TreeParent(*origin, v)) {
      if (!allowed[v]) return true;
    }
  }
  return false;
}

std::optional<Carriage> FeedDecision(const ReplicationConfig& config, const ObjectFacts& facts,
                                     std::string_view arrived_from, const PeerLink& peer) {
  if (arrived_from == peer.name || facts.origin_organisation == peer.holder.organisation) {
    return std::nullopt;  // never back where it came from, never to its origin
  }
  if (!config.topology) {
    if (TravelsOnlyAsEnvelope(facts) || !Decide(facts, peer.holder).allowed) return std::nullopt;
    return Carriage::kClear;
  }
  const auto self = config.topology->FindNode(config.node_name);
  const auto to = TopologyNodeOf(config, peer.name);
  std::optional<NodeIndex> from;
  if (!arrived_from.empty()) {
    from = TopologyNodeOf(config, arrived_from);
    if (!from) return std::nullopt;  // came from outside the topology: nowhere to route it
  }
  if (!self || !to) return std::nullopt;
  for (const Hop& hop : NextHops(*config.topology, *self, facts, from)) {
    if (hop.peer == *to) return hop.carriage;
  }
  return std::nullopt;
}

struct Replicator::Impl {
  ReplicationConfig config;
  store::Store& store;
  AuditSink audit;
  std::unique_ptr<FederationState> state;
  std::optional<crypto::TrustStore> trust;
  std::unique_ptr<crypto::OriginVerifier> verifier;
  std::vector<crypto::CertPtr> signing_chain;
  crypto::Signer signer;
  std::unique_ptr<Receiver> receiver;

  std::mutex mu;
  std::condition_variable cv;
  bool stopping = false;           // GUARDED_BY(mu)
  uint64_t feed_generation = 0;    // GUARDED_BY(mu): bumped by Wake()
  uint64_t outbox_generation = 0;  // GUARDED_BY(mu): bumped when the feeder queued something
  std::vector<std::thread> threads;

  Impl(ReplicationConfig c, store::Store& s, AuditSink a)
      : config(std::move(c)), store(s), audit(std::move(a)) {}

  // ---- waiting -------------------------------------------------------------------------------

  // Waits up to `d` or until `generation` differs from `seen`; false when stopping.
  bool WaitFor(std::chrono::milliseconds d, const uint64_t& generation, uint64_t& seen) {
    std::unique_lock lock(mu);
    cv.wait_for(lock, d, [&] { return stopping || generation != seen; });
    seen = generation;
    return !stopping;
  }
  bool Stopping() {
    std::lock_guard lock(mu);
    return stopping;
  }

  // ---- signer: versions this node originates --------------------------------------------------

  // Signs the next slice of the change feed; returns the number of versions scanned.
  Result<size_t> SignNew() {
    auto cursor = state->Cursor("signer");
    if (!cursor) return std::unexpected(cursor.error());
    store::Query q;
    q.after_seq = ToSeq(*cursor);
    q.all_versions = true;
    q.limit = config.sign_batch_objects;
    std::vector<store::StoredVersion> versions;
    auto scanned = store.Scan(q, [&](const store::StoredVersion& v) {
      versions.push_back(v);
      return true;
    });
    if (!scanned) return std::unexpected(scanned.error());
    if (versions.empty()) return 0;
    std::vector<model::StixObject> to_sign;
    for (const auto& v : versions) {
      auto proof = state->GetProof(v.id, v.modified);
      if (!proof) return std::unexpected(proof.error());
      if (*proof) continue;  // received with its origin's proof
      auto facts = FactsOf(config, v.json, v.tlp, v.type, config.self.organisation);
      // Only this organisation's own objects are signed here; an object claiming another origin
      // stays local (its origin must sign it).
      if (!facts || facts->origin_organisation != config.self.organisation) continue;
      model::StixObject o;
      o.id = v.id;
      o.type = v.type;
      o.modified = v.modified;
      o.canonical_json = v.json;
      to_sign.push_back(std::move(o));
    }
    const int64_t last = versions.back().seq;
    if (to_sign.empty()) {
      if (auto ok = state->SetCursor("signer", std::to_string(last)); !ok) {
        return std::unexpected(ok.error());
      }
      return versions.size();
    }
    const std::string batch_id = model::FormatUuid(model::NewUuidV4());
    auto batch = crypto::SignBatch(to_sign, batch_id, signer, Now());
    if (!batch) return std::unexpected(batch.error().WithContext("origin signature"));
    const merkle::Hash hash = crypto::BatchHeadHash(batch->head->head);
    std::vector<ProofRow> rows;
    for (size_t i = 0; i < to_sign.size(); ++i) {
      rows.push_back({to_sign[i].id, *to_sign[i].modified, hash, batch->proofs[i].leaf_index,
                      batch->proofs[i].path, ""});
    }
    if (auto ok = state->RecordSignedBatch(*batch->head, rows, last); !ok) {
      return std::unexpected(ok.error());
    }
    audit::AuditEvent e;
    e.actor = {config.self.organisation, "", config.node_name};
    e.action = "origin-sign";
    e.target = batch_id;
    e.details["objects"] = std::to_string(to_sign.size());
    e.details["root"] = merkle::ToHex(batch->head->head.root);
    if (auto ok = audit(std::move(e)); !ok) return std::unexpected(ok.error());
    return versions.size();
  }

  // ---- what may go to a peer ------------------------------------------------------------------

  // How `v` may travel to `peer`; nullopt when it must not (or cannot).
  Result<std::optional<Route>> Eligible(const store::StoredVersion& v, const PeerLink& peer) {
    const std::optional<Route> none;
    auto proof = state->GetProof(v.id, v.modified);
    if (!proof) return std::unexpected(proof.error());
    if (!*proof || (*proof)->arrived_from == peer.name) return none;
    auto head = state->GetHead((*proof)->head_hash);
    if (!head) return none;
    const std::string& origin = (*head)->head.origin;
    if (origin == peer.holder.organisation) return none;
    auto facts = FactsOf(config, v.json, v.tlp, v.type, origin);
    if (!facts) return none;
    const auto carriage = FeedDecision(config, *facts, (*proof)->arrived_from, peer);
    if (!carriage) return none;
    const bool envelope = *carriage == Carriage::kEnvelope;
    // The origin seals as soon as any hop of the tree needs the envelope, so that clear copies
    // bring it along to the nodes that forward it to readers behind non-readers.
    if (envelope || (config.topology && origin == config.self.organisation &&
                     NeedsEnvelope(*config.topology, *facts))) {
      auto sealed = EnsureEnvelope(v, **proof, *facts, origin);
      if (!sealed) return std::unexpected(sealed.error());
      if (envelope && !*sealed) return none;  // nothing to carry it in: it stays here
    }
    return Route{std::move(**proof), envelope};
  }

  // The envelope of `v` exists (sealed now when this node is its origin); false when it does not
  // and cannot (not the origin, or no directory certificate of any allowed organisation).
  Result<bool> EnsureEnvelope(const store::StoredVersion& v, const ProofRow& proof,
                              const ObjectFacts& facts, const std::string& origin) {
    auto existing = state->EnvelopeFor(v.id, v.modified);
    if (!existing) return std::unexpected(existing.error());
    if (*existing) return true;
    if (origin != config.self.organisation) return false;
    const std::vector<bool> allowed = AllowedNodes(*config.topology, facts);
    std::vector<X509*> certificates;
    std::string missing;
    for (NodeIndex i = 0; i < allowed.size(); ++i) {
      const std::string& organisation = config.topology->nodes()[i].organisation;
      if (!allowed[i] || organisation == config.self.organisation) continue;
      if (auto it = config.recipients.find(organisation); it != config.recipients.end()) {
        certificates.push_back(it->second.get());
      } else {
        missing += (missing.empty() ? "" : ", ") + organisation;
      }
    }
    audit::AuditEvent e;
    e.actor = {config.self.organisation, "", config.node_name};
    e.action = "envelope-seal";
    e.target = v.id;
    e.details["recipients"] = std::to_string(certificates.size());
    if (!missing.empty()) e.details["without_certificate"] = missing.substr(0, 1024);
    if (certificates.empty()) {
      e.outcome = audit::Outcome::kFailure;
      (void)audit(std::move(e));
      return false;
    }
    auto loaded = state->LoadOriginProof(proof);
    if (!loaded) return std::unexpected(loaded.error());
    if (!*loaded) return false;
    const RoutingFacts routing_facts{v.id, v.modified, facts};
    crypto::RoutingMetadata routing;
    routing.envelope_id = EnvelopeIdOf(routing_facts);
    if (facts.tlp) routing.tlp = std::string(model::TlpName(*facts.tlp));
    if (facts.scope) routing.scope = std::string(model::DistributionScopeName(*facts.scope));
    const std::string payload =
        SerializeSealedItem({v.json, crypto::SerializeOriginProof(**loaded, {true}), "", ""});
    auto wire = crypto::SealEnvelope(payload, routing, certificates, signer);
    if (!wire) return std::unexpected(wire.error().WithContext("seal " + v.id));
    EnvelopeRow row{routing.envelope_id, v.id, v.modified, SerializeRoutingFacts(routing_facts),
                    std::move(*wire),    "",   false};
    if (auto kept = state->PutEnvelope(row, {}, 0); !kept) return std::unexpected(kept.error());
    e.details["envelope_id"] = routing.envelope_id;
    if (auto ok = audit(std::move(e)); !ok) return std::unexpected(ok.error());
    return true;
  }

  // Scans the change feed after `after` (not beyond what is signed) and keeps what may go to
  // `peer`, up to `max_items`; returns the last seq scanned (== after when nothing was).
  Result<int64_t> Select(const PeerLink& peer, int64_t after, size_t max_items,
                         std::vector<Outgoing>& out, bool& more) {
    auto signed_cursor = state->Cursor("signer");
    if (!signed_cursor) return std::unexpected(signed_cursor.error());
    const int64_t signed_up_to = ToSeq(*signed_cursor);
    more = false;
    if (after >= signed_up_to || max_items == 0) return after;
    store::Query q;
    q.after_seq = after;
    q.all_versions = true;
    q.limit = std::max<size_t>(max_items, 1) * 4;
    std::vector<store::StoredVersion> versions;
    auto scanned = store.Scan(q, [&](const store::StoredVersion& v) {
      if (v.seq > signed_up_to) return false;
      versions.push_back(v);
      return true;
    });
    if (!scanned) return std::unexpected(scanned.error());
    int64_t last = after;
    for (auto& v : versions) {
      if (out.size() >= max_items) {
        more = true;
        break;
      }
      const int64_t seq = v.seq;
      auto route = Eligible(v, peer);
      if (!route) return std::unexpected(route.error());
      if (*route) {
        Outgoing o{std::move(v), std::move((*route)->proof), std::nullopt};
        if ((*route)->envelope) {  // the envelope alone, loaded when sent
          o.version.reset();
          o.envelope.emplace();
        }
        out.push_back(std::move(o));
      }
      last = seq;
    }
    if (last < signed_up_to) more = true;
    return last;
  }

  // Queues new versions for `peer`; false when nothing was queued.
  Result<bool> FeedPeer(const PeerLink& peer) {
    auto size = state->OutboxSize(peer.name);
    if (!size) return std::unexpected(size.error());
    if (*size >= config.outbox_limit) return false;  // back-pressure: wait for the peer
    auto cursor = state->Cursor("feed:" + peer.name);
    if (!cursor) return std::unexpected(cursor.error());
    const int64_t after = ToSeq(*cursor);
    std::vector<Outgoing> selected;
    bool more = false;
    auto last = Select(peer, after, config.outbox_limit - *size, selected, more);
    if (!last) return std::unexpected(last.error());
    if (*last == after) return false;
    std::vector<OutboxItem> items;
    for (const auto& o : selected) {
      items.push_back({0, PriorityOf(o.proof.id.substr(0, o.proof.id.find("--"))), o.proof.id,
                       o.proof.modified, o.envelope.has_value()});
    }
    if (auto ok = state->Enqueue(peer.name, items, *last); !ok) return std::unexpected(ok.error());
    return !items.empty() || more;
  }

  void FeedLoop() {
    uint64_t seen = 0;
    do {
      bool queued = false;
      for (;;) {
        auto n = SignNew();
        if (!n || *n < config.sign_batch_objects || Stopping()) break;
      }
      for (const auto& peer : config.peers) {
        if (!peer.push) continue;
        for (int round = 0; round < 64; ++round) {
          auto fed = FeedPeer(peer);
          if (!fed || !*fed) break;
          queued = true;
        }
      }
      if (queued) {
        std::lock_guard lock(mu);
        ++outbox_generation;
        cv.notify_all();
      }
    } while (WaitFor(config.feed_interval, feed_generation, seen));
  }

  // ---- building a transfer --------------------------------------------------------------------

  // Loads the envelopes of envelope-only items, and brings a version's envelope along with its
  // clear copy (the receiver may have to forward it to readers behind a non-reader).
  Result<void> AttachEnvelopes(std::vector<Outgoing>& outgoing) {
    if (!config.topology) return {};
    for (auto& o : outgoing) {
      if (o.envelope && !o.envelope->wire.empty()) continue;
      auto envelope = state->EnvelopeFor(o.proof.id, o.proof.modified);
      if (!envelope) return std::unexpected(envelope.error());
      if (*envelope) {
        o.envelope = std::move(**envelope);
      } else {
        o.envelope.reset();
      }
    }
    return {};
  }

  Result<Transfer> BuildTransfer(const PeerLink& peer, const std::vector<Outgoing>& outgoing) {
    Transfer t;
    t.transfer_id = model::FormatUuid(model::NewUuidV4());
    t.sender = config.self.organisation;
    t.receiver = peer.holder.organisation;
    t.sent_time = Now();
    std::set<merkle::Hash> heads_sent;
    for (const auto& o : outgoing) {
      TransferItem item;
      if (o.version) {
        auto proof = state->LoadOriginProof(o.proof);
        if (!proof) return std::unexpected(proof.error());
        if (!*proof) continue;
        // The signature travels once per head and transfer; later proofs refer to it.
        const bool first = heads_sent.insert(o.proof.head_hash).second;
        item.object_json = o.version->json;
        item.proof_json = crypto::SerializeOriginProof(**proof, {first});
      }
      if (o.envelope && !o.envelope->wire.empty()) {
        item.envelope = o.envelope->wire;
        item.facts_json = o.envelope->facts_json;
      }
      if (item.has_object() || item.has_envelope()) t.items.push_back(std::move(item));
    }
    return t;
  }

  // ---- push -----------------------------------------------------------------------------------

  // Sends the most urgent outbox items; returns how many were settled.
  Result<size_t> PushOnce(const PeerLink& peer, net::HttpClient& http, const PeerUrl& url) {
    auto items = state->Peek(peer.name, config.transfer_objects);
    if (!items) return std::unexpected(items.error());
    if (items->empty()) return 0;
    std::vector<Outgoing> outgoing;
    std::vector<int64_t> settled;
    for (const auto& item : *items) {
      settled.push_back(item.n);
      if (item.envelope) {  // sealed here or relayed: the envelope alone
        auto envelope = state->EnvelopeFor(item.id, item.modified);
        if (!envelope) return std::unexpected(envelope.error());
        if (*envelope) outgoing.push_back({std::nullopt, {}, std::move(**envelope)});
        continue;
      }
      auto versions = store.GetVersions(item.id);
      if (!versions) return std::unexpected(versions.error());
      auto proof = state->GetProof(item.id, item.modified);
      if (!proof) return std::unexpected(proof.error());
      for (auto& v : *versions) {
        if (v.modified == item.modified && *proof) {
          outgoing.push_back({std::move(v), **proof, std::nullopt});
          break;
        }
      }
    }
    if (auto ok = AttachEnvelopes(outgoing); !ok) return std::unexpected(ok.error());
    auto transfer = BuildTransfer(peer, outgoing);
    if (!transfer) return std::unexpected(transfer.error());
    std::set<merkle::Hash> heads;
    bool envelope_items = false;
    for (const auto& o : transfer->items) envelope_items |= !o.has_object();
    for (const auto& o : outgoing) {
      if (o.version) heads.insert(o.proof.head_hash);
    }
    if (envelope_items) heads.insert(crypto::BatchHeadHash(EnvelopeItemsHead(*transfer)));

    net::Request request;
    request.method = "POST";
    request.target = url.base + std::string(kFederationPrefix) + "transfers";
    request.headers.Set("Content-Type", "application/json");
    request.body = SerializeTransfer(*transfer);
    auto response = http.Send(request);
    if (!response) return std::unexpected(response.error());
    if (response->status != 200) {
      return Fail(ErrorCode::kIo, peer.name + " answered " + std::to_string(response->status) +
                                      ": " + response->body.substr(0, 300));
    }
    auto reply = ParseTransferReply(response->body);
    if (!reply) return std::unexpected(reply.error().WithContext("reply of " + peer.name));
    if (auto ok = KeepReceipts(peer, *transfer, *reply, heads); !ok) {
      return std::unexpected(ok.error());
    }
    // The peer answered for every item (receipt or refusal): the outbox moves on.
    if (auto ok = state->Remove(peer.name, settled); !ok) return std::unexpected(ok.error());
    return settled.size();
  }

  // Verifies, keeps and audits the receipts of a push. A receipt that does not verify is an
  // error: the items stay queued and are sent again (the receiver deduplicates).
  Result<void> KeepReceipts(const PeerLink& peer, const Transfer& transfer,
                            const TransferReply& reply, const std::set<merkle::Hash>& heads) {
    if (reply.transfer_id != transfer.transfer_id) {
      return Fail(ErrorCode::kVerification, "reply of " + peer.name + " is for another transfer");
    }
    uint64_t accepted = 0, rejected = reply.refused.size();
    std::string reasons;
    std::vector<ReceiptRow> rows;
    for (const auto& der : reply.receipts_der) {
      auto receipt = crypto::VerifyReceipt(der, *trust);
      if (!receipt) return std::unexpected(receipt.error().WithContext("receipt of " + peer.name));
      if (receipt->receiver != peer.holder.organisation ||
          receipt->sender != config.self.organisation || !heads.contains(receipt->head_hash)) {
        return Fail(ErrorCode::kVerification,
                    "receipt of " + peer.name + " does not match the transfer (receiver " +
                        receipt->receiver + ", sender " + receipt->sender + ")");
      }
      accepted += receipt->accepted_count();
      rejected += receipt->rejected.size();
      for (const auto& r : receipt->rejected) {
        if (reasons.size() < 1024)
          reasons += (reasons.empty() ? "" : "; ") + r.id + ": " + r.reason;
      }
      rows.push_back({peer.name, "received", receipt->batch_id, receipt->head_hash,
                      receipt->accepted_count(), receipt->rejected.size(), receipt->received_time,
                      der});
    }
    for (const auto& r : reply.refused) {
      if (reasons.size() < 1024) {
        reasons +=
            (reasons.empty() ? "" : "; ") + ("item " + std::to_string(r.index)) + ": " + r.reason;
      }
    }
    for (const auto& row : rows) {
      if (auto ok = state->PutReceipt(row); !ok) return ok;
    }
    audit::AuditEvent e;
    e.actor = {config.self.organisation, "", config.node_name};
    e.action = std::string(audit::kActionReceipt);
    e.target = transfer.transfer_id;
    e.outcome = rejected == 0 ? audit::Outcome::kSuccess : audit::Outcome::kDenied;
    e.details["peer"] = peer.name;
    e.details["sent"] = std::to_string(transfer.items.size());
    e.details["accepted"] = std::to_string(accepted);
    e.details["rejected"] = std::to_string(rejected);
    e.details["receipts"] = std::to_string(rows.size());
    if (!reasons.empty()) e.details["reasons"] = reasons.substr(0, 2048);
    return audit(std::move(e));
  }

  // ---- pull -----------------------------------------------------------------------------------

  // Pulls one page of the peer's changes; true when more are waiting.
  Result<bool> PullOnce(const PeerLink& peer, net::HttpClient& http, const PeerUrl& url) {
    auto cursor = state->Cursor("pull:" + peer.name);
    if (!cursor) return std::unexpected(cursor.error());
    net::Request request;
    request.method = "GET";
    request.target = url.base + std::string(kFederationPrefix) +
                     "changes?after=" + (cursor->empty() ? "0" : *cursor) +
                     "&limit=" + std::to_string(config.transfer_objects);
    auto response = http.Send(request);
    if (!response) return std::unexpected(response.error());
    if (response->status != 200) {
      return Fail(ErrorCode::kIo, peer.name + " answered " + std::to_string(response->status) +
                                      ": " + response->body.substr(0, 300));
    }
    auto transfer = ParseTransfer(response->body);
    if (!transfer) {
      receiver->AuditRefusal(peer.holder.organisation, "pull", transfer.error());
      return std::unexpected(transfer.error());
    }
    if (!transfer->items.empty() || !transfer->item_errors.empty()) {
      auto applied = receiver->Apply(*transfer, peer, "pull");
      if (!applied) return std::unexpected(applied.error());
      if (applied->inserted > 0) Wake();
      if (applied->relayed > 0) WakePushers();
    }
    if (!transfer->next.empty() && transfer->next != *cursor) {
      if (auto ok = state->SetCursor("pull:" + peer.name, transfer->next); !ok) {
        return std::unexpected(ok.error());
      }
    }
    return transfer->more;
  }

  Result<std::unique_ptr<net::HttpClient>> Connect(const PeerUrl& url) {
    net::ClientOptions o;
    o.host = url.host;
    o.port = url.port;
    o.tls.certificate_file = config.tls_certificate_chain;
    o.tls.private_key = config.tls_key;
    o.tls.ca_file = config.ca_bundle;
    o.tls.crl_files = config.crls;
    o.connect_timeout = config.connect_timeout;
    o.request_timeout = config.request_timeout;
    o.max_response_bytes = kMaxTransferBytes;
    return net::HttpClient::Create(std::move(o));
  }

  void AuditLinkState(const PeerLink& peer, std::string_view how, const Error* error) {
    audit::AuditEvent e;
    e.actor = {config.self.organisation, "", config.node_name};
    e.action = error ? "federation-link-down" : "federation-link-up";
    e.target = peer.name;
    e.outcome = error ? audit::Outcome::kFailure : audit::Outcome::kSuccess;
    e.details["how"] = std::string(how);
    if (error) e.details["reason"] = error->message.substr(0, 512);
    (void)audit(std::move(e));
  }

  void PeerLoop(const PeerLink& peer) {
    const PeerUrl url = ParsePeerUrl(peer.url);
    std::unique_ptr<net::HttpClient> http;
    uint64_t seen = 0;
    auto next_pull = Clock::now();
    std::chrono::milliseconds backoff{0};
    bool down = false;  // audited once per outage, not once per retry
    const auto base = peer.push ? peer.push_interval : peer.pull_interval;
    do {
      std::optional<Error> failure;
      if (!http) {
        auto created = Connect(url);
        if (!created) {
          failure = created.error();
        } else {
          http = std::move(*created);
        }
      }
      if (http && peer.push) {
        for (int round = 0; round < 64 && !Stopping(); ++round) {
          auto sent = PushOnce(peer, *http, url);
          if (!sent) {
            failure = sent.error();
            break;
          }
          if (*sent < config.transfer_objects) break;
        }
      }
      if (http && !failure && peer.pull && Clock::now() >= next_pull) {
        for (int round = 0; round < 64 && !Stopping(); ++round) {
          auto more = PullOnce(peer, *http, url);
          if (!more) {
            failure = more.error();
            break;
          }
          if (!*more) break;
        }
        next_pull = Clock::now() + peer.pull_interval;
      }
      if (failure) {
        if (!down) AuditLinkState(peer, peer.push ? "push" : "pull", &*failure);
        down = true;
        http.reset();  // reconnect next time
        backoff = std::min<std::chrono::milliseconds>(std::max(backoff * 2, base),
                                                      std::chrono::milliseconds(10'000));
      } else {
        if (down) AuditLinkState(peer, peer.push ? "push" : "pull", nullptr);
        down = false;
        backoff = base;
      }
      if (peer.pull && !peer.push) {
        backoff = std::min(backoff, std::chrono::duration_cast<std::chrono::milliseconds>(
                                        std::max(next_pull - Clock::now(), Clock::duration{})) +
                                        std::chrono::milliseconds(1));
      }
    } while (WaitFor(failure_aware(backoff), outbox_generation, seen));
  }

  static std::chrono::milliseconds failure_aware(std::chrono::milliseconds d) {
    return std::max(d, std::chrono::milliseconds(10));
  }

  void Wake() {
    std::lock_guard lock(mu);
    ++feed_generation;
    cv.notify_all();
  }
  // Envelopes were queued straight into outboxes (relayed): the pushers need not wait.
  void WakePushers() {
    std::lock_guard lock(mu);
    ++outbox_generation;
    cv.notify_all();
  }

  // ---- serving peers --------------------------------------------------------------------------

  net::Response ServeChanges(const net::Request& request, const PeerLink& peer) {
    int64_t after = 0;
    size_t limit = config.transfer_objects;
    for (const auto& [k, v] : request.query()) {
      if (k == "after") {
        auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), after);
        if (ec != std::errc() || p != v.data() + v.size() || after < 0) {
          return JsonError(400, "bad-request", "after: expected a cursor from a previous page");
        }
      } else if (k == "limit") {
        size_t n = 0;
        auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
        if (ec != std::errc() || p != v.data() + v.size() || n == 0) {
          return JsonError(400, "bad-request", "limit: expected a positive integer");
        }
        limit = std::min(n, config.transfer_objects);
      }
    }
    std::vector<Outgoing> selected;
    bool more = false;
    auto last = Select(peer, after, limit, selected, more);
    if (!last) return JsonError(503, "unavailable", last.error().message);
    if (auto ok = AttachEnvelopes(selected); !ok) {
      return JsonError(503, "unavailable", ok.error().message);
    }
    auto transfer = BuildTransfer(peer, selected);
    if (!transfer) return JsonError(503, "unavailable", transfer.error().message);
    transfer->next = std::to_string(*last);
    transfer->more = more;
    return Json(200, SerializeTransfer(*transfer));
  }

  net::Response Handle(const net::Request& request) {
    const std::string_view path = request.path();
    const bool push = path == std::string(kFederationPrefix) + "transfers";
    const bool changes = path == std::string(kFederationPrefix) + "changes";
    if (!push && !changes) return JsonError(404, "not-found", "no endpoint " + std::string(path));
    if ((push && request.method != "POST") || (changes && request.method != "GET")) {
      return JsonError(405, "method-not-allowed", push ? "POST only" : "GET only");
    }
    const std::string how = push ? "push" : "pull";
    if (!request.peer) return JsonError(401, "unauthorized", "no client certificate");
    const PeerLink* peer = FindPeerByOrganisation(config, request.peer->organisation);
    if (peer == nullptr) {
      Error e{ErrorCode::kPermission,
              "organisation \"" + request.peer->organisation + "\" is not a configured peer"};
      receiver->AuditRefusal(request.peer->organisation, how, e);
      return JsonError(403, "forbidden", e.message);
    }
    if (changes) return ServeChanges(request, *peer);
    if (request.body.size() > kMaxTransferBytes) {
      Error e{ErrorCode::kTooLarge, "transfer of " + std::to_string(request.body.size()) +
                                        " bytes exceeds " + std::to_string(kMaxTransferBytes)};
      receiver->AuditRefusal(peer->holder.organisation, how, e);
      return JsonError(413, "too-large", e.message);
    }
    auto transfer = ParseTransfer(request.body);
    if (!transfer) {
      receiver->AuditRefusal(peer->holder.organisation, how, transfer.error());
      return JsonError(StatusOf(transfer.error()), "bad-transfer", transfer.error().message);
    }
    auto applied = receiver->Apply(*transfer, *peer, how);
    if (!applied) {
      return JsonError(StatusOf(applied.error()), "refused", applied.error().message);
    }
    if (applied->inserted > 0) Wake();
    if (applied->relayed > 0) WakePushers();
    return Json(200, SerializeTransferReply(applied->reply));
  }
};

Result<std::unique_ptr<Replicator>> Replicator::Start(ReplicationConfig config, store::Store& store,
                                                      AuditSink audit) {
  auto impl = std::make_unique<Impl>(std::move(config), store, std::move(audit));
  ReplicationConfig& c = impl->config;
  auto state = FederationState::Open(c.state_file, c.durable_state);
  if (!state) return std::unexpected(state.error().WithContext("federation.state"));
  impl->state = std::move(*state);
  auto trust = crypto::TrustStore::FromPemFile(c.ca_bundle);
  if (!trust) return std::unexpected(trust.error().WithContext("tls.ca"));
  impl->trust.emplace(std::move(*trust));
  impl->verifier = std::make_unique<crypto::OriginVerifier>(*impl->trust);
  auto chain = crypto::LoadCertificates(c.signing_certificate_chain);
  if (!chain) return std::unexpected(chain.error().WithContext("federation.signing_certificate"));
  if (chain->empty()) {
    return Fail(ErrorCode::kInvalidArgument, "federation.signing_certificate: no certificate");
  }
  impl->signing_chain = std::move(*chain);
  const std::string org = Organisation(impl->signing_chain[0].get());
  if (org != c.self.organisation) {
    return Fail(ErrorCode::kInvalidArgument, "federation.signing_certificate: O=\"" + org +
                                                 "\" is not the node's organisation \"" +
                                                 c.self.organisation + "\"");
  }
  if (!c.signing_key) return Fail(ErrorCode::kInvalidArgument, "federation.signing_key: missing");
  if (X509_check_private_key(impl->signing_chain[0].get(), c.signing_key.get()) != 1) {
    return Fail(ErrorCode::kInvalidArgument,
                "federation.signing_key: does not match federation.signing_certificate");
  }
  impl->signer.key = c.signing_key.get();
  impl->signer.certificate = impl->signing_chain[0].get();
  for (size_t i = 1; i < impl->signing_chain.size(); ++i) {
    impl->signer.intermediates.push_back(impl->signing_chain[i].get());
  }
  if (c.topology) {
    if (!c.topology->FindNode(c.node_name)) {
      return Fail(ErrorCode::kInvalidArgument,
                  "federation.topology: " + c.node_name + " is not a node of the topology");
    }
  }
  impl->receiver = std::make_unique<Receiver>(c, store, *impl->state, *impl->trust, *impl->verifier,
                                              impl->signer, impl->audit);
  Impl* raw = impl.get();
  impl->threads.emplace_back([raw] { raw->FeedLoop(); });
  for (const auto& peer : c.peers) {
    if (peer.push || peer.pull) impl->threads.emplace_back([raw, &peer] { raw->PeerLoop(peer); });
  }
  return std::unique_ptr<Replicator>(new Replicator(std::move(impl)));
}

Replicator::Replicator(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Replicator::~Replicator() { Stop(); }

void Replicator::Stop() {
  {
    std::lock_guard lock(impl_->mu);
    impl_->stopping = true;
    impl_->cv.notify_all();
  }
  for (auto& t : impl_->threads) {
    if (t.joinable()) t.join();
  }
  impl_->threads.clear();
}

net::Response Replicator::Handle(const net::Request& request) { return impl_->Handle(request); }

void Replicator::Wake() { impl_->Wake(); }

}  // namespace socmesh::federation
